"""Read change files (YAML), apply them to an instance, write them back (issue 7).

Reading keeps the line of every key (the same node-tree reader as ``instance.yaml``), so
an error says ``change.yaml, line 7, key operations.2.fields.max_size``. Applying works on
the instance's plain data and re-validates the whole instance: a change that makes the
instance invalid (an unknown home school, a bound below zero, a duplicate id) is refused
with every issue, located at the operation that caused it. Nothing is ever written.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from composer.errors import InputError, Issue
from composer.io.issues import Where, build_model, locate_issue
from composer.io.tabular import IssueSink, format_key
from composer.io.yaml_io import read_settings_yaml
from composer.model.change import (
    COLLECTION_PATHS,
    AddOp,
    ChangeFile,
    ModifyOp,
    RemoveOp,
    SetOp,
)
from composer.model.instance import Instance
from composer.model.semantic import SemanticIssues


def load_change(path: Path) -> tuple[ChangeFile, dict[tuple[str | int, ...], int]]:
    """Read and validate a change file; returns it and the line of every key path.

    Raises :class:`InputError` (exit 2) with every problem located by line and key.
    """
    source = path.name
    if not path.is_file():
        raise InputError(
            [Issue(f"change file {path} does not exist", fix="give the path of a .yaml file")]
        )
    sink = IssueSink()
    read = read_settings_yaml(path.read_bytes(), source, sink)
    if read is None or sink.issues:
        raise InputError(sink.issues, f"cannot read change file {path}")
    change = build_model(ChangeFile, read.data, read.locate, f"invalid change file {path}")
    lines: dict[tuple[str | int, ...], int] = {}
    for i in range(len(change.operations)):
        where = read.locate(("operations", i))
        if where.line is not None:
            lines[("operations", i)] = where.line
    return change, lines


def _rows(data: dict[str, Any], what: str) -> tuple[list[dict[str, Any]], str]:
    path, key = COLLECTION_PATHS[what]
    node: Any = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    rows = node.setdefault(path[-1], [])
    return rows, key


def apply_change(
    instance: Instance,
    change: ChangeFile,
    source: str = "change",
    lines: dict[tuple[str | int, ...], int] | None = None,
) -> Instance:
    """A new instance with ``change`` applied; the given instance is left as it is.

    Raises :class:`InputError` naming the operation (and its line) for an unknown id, an
    unknown setting, or any issue the changed instance has.
    """
    data = instance.model_dump(mode="json")
    issues: list[Issue] = []
    touched: dict[tuple[str, int], int] = {}  # (collection, row position) -> operation
    lines = lines or {}

    def where(i: int, key: str | None = None) -> Where:
        return Where(source, key=key or f"operations.{i + 1}", line=lines.get(("operations", i)))

    for i, op in enumerate(change.operations):
        if isinstance(op, SetOp):
            node: Any = data
            parts = op.key.split(".")
            for part in parts[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict) or parts[-1] not in node:
                issues.append(
                    Issue(
                        f"no setting {op.key!r}",
                        source,
                        line=where(i).line,
                        key=where(i).key,
                        fix="use a dotted key of a setting, e.g. los.settings.max_size",
                    )
                )
                continue
            node[parts[-1]] = op.value
            continue
        rows, key = _rows(data, op.what)
        if isinstance(op, RemoveOp):
            wanted = set(op.ids)
            found = {str(r.get(key)) for r in rows}
            for missing in sorted(wanted - found):
                issues.append(
                    Issue(
                        f"cannot remove {op.what} {missing!r}: no such row",
                        source,
                        line=where(i).line,
                        key=where(i).key,
                        fix=f"check the id against the instance's {op.what}",
                    )
                )
            rows[:] = [r for r in rows if str(r.get(key)) not in wanted]
        elif isinstance(op, AddOp):
            for row in op.rows:
                rows.append(copy.deepcopy(row))
                touched[(op.what, len(rows) - 1)] = i
        elif isinstance(op, ModifyOp):
            hits = [k for k, r in enumerate(rows) if str(r.get(key)) == op.id]
            if not hits:
                issues.append(
                    Issue(
                        f"cannot modify {op.what} {op.id!r}: no such row",
                        source,
                        line=where(i).line,
                        key=where(i).key,
                        fix=f"check the id against the instance's {op.what}",
                    )
                )
                continue
            for k in hits:
                unknown = [f for f in op.fields if f not in rows[k] and f != key]
                for f in unknown:
                    issues.append(
                        Issue(
                            f"{op.what} have no field {f!r}",
                            source,
                            line=where(i).line,
                            key=f"operations.{i + 1}.fields.{f}",
                            fix="use a field of the format (composer schema instance)",
                        )
                    )
                rows[k].update(copy.deepcopy(op.fields))
                touched[(op.what, k)] = i
    if issues:
        raise InputError(issues, f"the change in {source} cannot be applied")
    by_path = {COLLECTION_PATHS[what][0]: what for what in COLLECTION_PATHS}

    def locate(path: tuple[str | int, ...]) -> Where:
        for length in (1, 2):
            head = tuple(str(p) for p in path[:length])
            what = by_path.get(head)
            if what is not None and len(path) > length and isinstance(path[length], int):
                op_index = touched.get((what, int(path[length])))
                if op_index is not None:
                    rest = format_key(path[length + 1 :])
                    return Where(
                        source,
                        key=f"operations.{op_index + 1}" + (f" ({rest})" if rest else ""),
                        line=lines.get(("operations", op_index)),
                    )
        return Where(source, key=f"instance after the change: {format_key(path)}")

    try:
        return build_model(
            Instance, data, locate, f"the change in {source} makes the instance invalid"
        )
    except SemanticIssues as exc:  # pragma: no cover - build_model wraps these
        raise InputError([locate_issue(x, locate) for x in exc.issues]) from None


def change_to_yaml(change: ChangeFile) -> str:
    """The change file as YAML a planner can save and apply with ``composer whatif``."""
    data = change.model_dump(mode="json", exclude_defaults=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
