"""The JSON format: one file holding the whole instance (or plan) as its model dump."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from composer.errors import InputError, Issue
from composer.io.issues import Path as IssuePath
from composer.io.issues import (
    build_model,
    issues_from_validation_error,
    json_key,
    json_locator,
    listing,
)
from composer.io.safe_write import atomic_write_text
from composer.io.tabular import cross_row_issues_despite, id_hints
from composer.model.instance import Instance
from composer.model.plan import Plan


def read_json_file(path: Path) -> Any:
    """Parse a JSON file; bad encoding or syntax becomes an :class:`InputError` with the line."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Issue(f"cannot read the file ({exc.strerror})", str(path))]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        from composer.io.csv_io import encoding_issue

        raise InputError([encoding_issue(raw, exc, path.name, rows=False)]) from None
    if not text.strip():
        raise InputError([Issue("the file is empty", path.name, fix="give a JSON instance")])
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError(
            [Issue("the JSON is nested too deeply", path.name, fix="check the file")]
        ) from None
    except json.JSONDecodeError as exc:
        raise InputError(
            [
                Issue(
                    f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                    path.name,
                    line=exc.lineno,
                    fix="repair the JSON syntax (a missing comma or quote is the usual cause)",
                )
            ]
        ) from None


def instance_from_data(data: Any, source: str) -> Instance:
    """Build an :class:`Instance` from parsed JSON data, every issue located by key path."""
    if not isinstance(data, dict):
        raise InputError(
            [
                Issue(
                    "expected a JSON object at the top level",
                    source,
                    fix='an instance is one object {"name": ..., "schools": [...], ...}; '
                    "`composer schema` prints its JSON Schema",
                )
            ]
        )

    def users(paths: list[IssuePath]) -> str:
        return listing([json_key(path) for path in paths])

    locate = json_locator(source)
    refine = id_hints(data, users, noun="field")
    try:
        return Instance.model_validate(data)
    except ValidationError as exc:
        # as the tables do: the cross-row checks a field error kept from running are run
        # without the bad values, so an unknown id beside a bad number shows at once
        found = issues_from_validation_error(exc, locate, Instance)
        found.extend(cross_row_issues_despite(exc, data, locate))
        raise InputError(
            [refine(issue) for issue in found], f"{source} is not a valid instance"
        ) from None


def read_instance_json(path: Path) -> Instance:
    """Load an instance from a JSON file."""
    path = Path(path)
    return instance_from_data(read_json_file(path), path.name)


def instance_to_json(instance: Instance) -> str:
    """The canonical JSON text of an instance (defaults included, stable key order)."""
    return json.dumps(instance.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"


def write_instance_json(instance: Instance, path: Path) -> None:
    """Write an instance as one JSON file, atomically."""
    atomic_write_text(Path(path), instance_to_json(instance))


def read_plan(path: Path) -> Plan:
    """Load a plan.json, every issue located by key path."""
    path = Path(path)
    data = read_json_file(path)
    if not isinstance(data, dict):
        raise InputError([Issue("expected a JSON object at the top level", path.name)])
    return build_model(Plan, data, json_locator(path.name), f"{path.name} is not a valid plan")


def plan_to_json(plan: Plan) -> str:
    """The canonical plan.json text: sorted keys where order carries no meaning."""
    return json.dumps(plan.model_dump(mode="json"), indent=1, ensure_ascii=False) + "\n"


def write_plan(plan: Plan, path: Path) -> None:
    """Write a plan.json atomically."""
    atomic_write_text(Path(path), plan_to_json(plan))
