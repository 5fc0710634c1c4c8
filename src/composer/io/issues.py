"""Turn pydantic validation errors into planner-facing issues located in the source file.

Every loader (JSON, CSV folder, workbook) builds a plain ``dict`` from its files, then
builds the :class:`~composer.model.Instance` from it. Field errors come back from pydantic
with a path into the model (``("learners", 12, "home_school")``), cross-row errors from
:mod:`composer.model.semantic` with the same kind of path. A :class:`Locator` translates a
path into ``(source, row, column)`` the way its format shows them, so a planner reads
"learners.csv, row 14, column home_school" instead of a model path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from composer.errors import InputError, Issue
from composer.model.semantic import SemanticIssues

Path = tuple[str | int, ...]
Located = tuple[str | None, int | None, str | None]
Locator = Callable[[Path], Located]
"""Maps a model path to (file or sheet, 1-based spreadsheet row, column header)."""

M = TypeVar("M", bound=BaseModel)

_PLAIN_WORDS: dict[str, str] = {
    "missing": "a value is required here",
    "extra_forbidden": "unknown field (not part of the format)",
    "literal_error": "not one of the allowed values",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_parsing": "expected a number",
    "bool_parsing": "expected true or false",
    "date_from_datetime_parsing": "expected a date like 2026-09-01 or 01-09-2026",
    "date_parsing": "expected a date like 2026-09-01 or 01-09-2026",
    "time_parsing": "expected a time like 13:30",
    "string_pattern_mismatch": "ids may hold letters, digits, '_', '.' and '-' only",
    "greater_than_equal": "too small",
    "less_than_equal": "too large",
    "greater_than": "too small",
    "less_than": "too large",
}


def describe_pydantic_error(err: dict[str, Any]) -> tuple[str, str | None]:
    """A plain-words message and a fix for one pydantic line error."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    given = err.get("input")
    shown = "" if isinstance(given, dict | list) or given is None else f" (got {given!r})"
    if kind == "literal_error":
        return f"not one of the allowed values{shown}", f"use one of {ctx.get('expected', '')}"
    if kind in {"greater_than_equal", "greater_than"}:
        bound = ctx.get("ge", ctx.get("gt"))
        return f"too small{shown}", f"use a value of at least {bound}"
    if kind in {"less_than_equal", "less_than"}:
        bound = ctx.get("le", ctx.get("lt"))
        return f"too large{shown}", f"use a value of at most {bound}"
    if kind == "missing":
        return "a value is required here", "fill in this field"
    if kind == "extra_forbidden":
        return "unknown field (not part of the format)", (
            "remove it or check its spelling; `composer schema` lists every field"
        )
    plain = _PLAIN_WORDS.get(kind)
    if plain:
        return f"{plain}{shown}", None
    return f"{err.get('msg', 'invalid value')}{shown}", None


def issues_from_validation_error(exc: ValidationError, locate: Locator) -> list[Issue]:
    """All issues in a pydantic error, field errors and cross-row ones, located by ``locate``."""
    issues: list[Issue] = []
    for err in exc.errors():
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, SemanticIssues):
            issues.extend(locate_issue(issue, locate) for issue in inner.issues)
            continue
        path: Path = tuple(err["loc"])
        message, fix = describe_pydantic_error(dict(err))
        source, row, column = locate(path)
        issues.append(Issue(message, source, row, column, fix=fix, path=path))
    return issues


def locate_issue(issue: Issue, locate: Locator) -> Issue:
    """Fill in source, row and column of an issue from its model path."""
    source, row, column = locate(issue.path)
    return replace(issue, source=source, row=row, column=column)


def build_model(model: type[M], data: Any, locate: Locator, summary: str) -> M:
    """Validate ``data`` into ``model``; raise :class:`InputError` with every issue located."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(issues_from_validation_error(exc, locate), summary) from None


def json_locator(source: str) -> Locator:
    """Locator for a JSON file: the path is shown as a dotted key (``learners[12].kind``)."""

    def locate(path: Path) -> Located:
        text = ""
        for part in path:
            text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
        return source, None, text or None

    return locate
