"""Read change files (YAML), apply them to an instance, write them back (issue 7).

Reading keeps the line of every key (the same node-tree reader as ``instance.yaml``), so
an error says ``change.yaml, line 7, key operations.2.fields.max_size``. Applying works on
the instance's plain data and re-validates the whole instance: a change that makes the
instance invalid (an unknown home school, a bound below zero, a duplicate id) is refused
with every issue, located at the operation that caused it. Nothing is ever written.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter, ValidationError

from composer.errors import UNKNOWN_ID, InputError, Issue
from composer.io.cells import ABSENT, value_from_text
from composer.io.fields import Column, did_you_mean
from composer.io.issues import Where, build_model, listing, locate_issue
from composer.io.tabular import (
    SETTING_BY_KEY,
    TABLE_BY_PATH,
    IssueSink,
    _item_column,
    cell_or_default,
    format_key,
    id_hints,
    setting_value,
    value_at,
)
from composer.io.yaml_io import read_settings_yaml
from composer.model.change import (
    COLLECTION_PATHS,
    AddOp,
    ChangeFile,
    ModifyOp,
    Operation,
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
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise InputError([Issue(f"change file {path} {what}", fix="give the path of a .yaml file")])
    raw = path.read_bytes()
    if _lists_nothing(raw):
        raise InputError(
            [
                Issue(
                    "the change file is empty: it lists no operations",
                    source,
                    fix="list them under 'operations:', e.g. 'operations: [{op: remove, "
                    "what: learners, ids: [L0012]}]' (README, Explain and re-plan)",
                )
            ],
            f"cannot read change file {path}",
        )
    sink = IssueSink()
    read = read_settings_yaml(raw, source, sink)
    if read is None or sink.issues:
        raise InputError(sink.issues, f"cannot read change file {path}")
    change = build_model(ChangeFile, read.data, read.locate, f"invalid change file {path}")
    lines: dict[tuple[str | int, ...], int] = {}
    for i in range(len(change.operations)):
        where = read.locate(("operations", i))
        if where.line is not None:
            lines[("operations", i)] = where.line
    return change, lines


def _lists_nothing(raw: bytes) -> bool:
    """True for a file with no YAML content: empty, blank, or only comments."""
    try:
        return yaml.safe_load(raw.decode("utf-8-sig")) is None
    except (UnicodeDecodeError, yaml.YAMLError):
        return False  # reported by the reader, with the line


def _rows(data: dict[str, Any], what: str) -> tuple[list[dict[str, Any]], str]:
    path, key = COLLECTION_PATHS[what]
    node: Any = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    rows = node.setdefault(path[-1], [])
    return rows, key


def _leaves(fields: dict[str, Any], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The field paths a row's fields name: nested groups (``slot: {weekday: di}``) and
    dotted names as in the CSV headers (``roster.mon``) alike."""
    for name, value in fields.items():
        path = (*prefix, *str(name).split("."))
        if isinstance(value, dict) and value:
            yield from _leaves(value, path)
        else:
            yield path


def _get_path(fields: dict[str, Any], path: tuple[str, ...], prefix: int = 0) -> Any:
    """The value of a leaf found by :func:`_leaves` (dotted names resolved as written)."""
    for name, value in fields.items():
        parts = tuple(str(name).split("."))
        if path[prefix : prefix + len(parts)] == parts:
            if prefix + len(parts) == len(path):
                return value
            return _get_path(value, path, prefix + len(parts))
    raise KeyError(path)  # pragma: no cover - paths come from _leaves


def _cell(column: Column | None, value: Any) -> Any:
    """A field's value read as a cell of its column (``Student``, ``di``, ``ja``, ``40,5``,
    ``b1;b2``; empty: the column's default), as in the instance's files; values that are
    not text (numbers, true, lists) and fields of no known column are kept."""
    if column is None:
        return value
    if isinstance(value, str):
        return cell_or_default(value, column)
    if isinstance(value, list) and column.kind.many:
        item = _item_column(column)
        items = [value_from_text(v, item) if isinstance(v, str) else v for v in value]
        return [v for v in items if v is not ABSENT]
    return value


def _no_field(
    what: str,
    name: str,
    columns: dict[str, Column],
    at: Where,
    sub_key: str,
    in_where: bool = False,
) -> Issue:
    """An operation names a field the collection's rows do not have (in its ``fields``
    or its ``where``), with the nearest column's name."""
    return Issue(
        f"{what} have no field {name!r}" + did_you_mean(name, [c.name for c in columns.values()]),
        at.source,
        line=at.line,
        key=f"{at.key}.{sub_key}",
        fix=("name a column of the table in where" if in_where else "use a column of the table")
        + " (README, Formats)",
    )


def _field_path(
    name: str, columns: dict[str, Column], rows: Sequence[dict[str, Any]]
) -> tuple[str, ...] | None:
    """Where a ``where`` field lives in a row: its column's path, or the dotted name when
    some row has it; None for a field the collection does not have."""
    column = columns.get(name.lower())
    if column is not None:
        return column.path
    path = tuple(name.split("."))
    return path if any(_has_path(r, path) for r in rows) else None


def _plain(value: Any) -> str:
    """A value as the instance's JSON writes it (dates ISO), to compare a ``where``."""
    return value.isoformat() if isinstance(value, (date, datetime)) else str(value)


def _row_matches(row: dict[str, Any], narrow: Sequence[tuple[tuple[str, ...], str]]) -> bool:
    """True when ``row`` has, at every field path of ``narrow``, its value (values read as
    cells of their columns, so ``2027-02-20`` and ``noord`` compare as the instance's
    files write them)."""
    for path, wanted in narrow:
        if not _has_path(row, path):
            return False
        value: Any = row
        for part in path:
            value = value[part]
        if _plain(value) != wanted:
            return False
    return True


def _shown(where: dict[str, Any]) -> str:
    return ", ".join(f"{name}={_plain(value)}" for name, value in where.items())


def _has_path(row: Any, path: tuple[str, ...]) -> bool:
    for part in path:
        if not isinstance(row, dict) or part not in row:
            return False
        row = row[part]
    return True


def _set_path(row: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for part in path[:-1]:
        if not isinstance(row.get(part), dict):
            row[part] = {}
        row = row[part]
    row[path[-1]] = copy.deepcopy(value)


def apply_change(
    instance: Instance,
    change: ChangeFile,
    source: str = "change",
    lines: dict[tuple[str | int, ...], int] | None = None,
    positions: Sequence[int] | None = None,
    notes: list[str] | None = None,
) -> Instance:
    """A new instance with ``change`` applied; the given instance is left as it is.

    Raises :class:`InputError` naming the operation (and its line) for an unknown id, an
    unknown setting, or any issue the changed instance has. ``positions``: where each
    operation stands in the file (0-based), when ``change`` holds only some of them.

    Removing an LOS network also takes it out of the learners' ``preferred_networks`` (a
    soft goal the closed network can no longer meet) in the rows the change does not
    write itself; a line per network saying whose wishes changed goes to ``notes``. A pin
    (``network``) naming it is refused: it is a rule, and the planner decides.
    """
    data = instance.model_dump(mode="json")
    issues: list[Issue] = []
    touched: dict[tuple[str, int], int] = {}  # (collection, row position) -> operation
    set_ops: dict[tuple[str, ...], int] = {}  # setting path -> its (last) set operation
    lines = lines or {}

    def number(i: int) -> int:
        return positions[i] if positions is not None else i

    def where(i: int, key: str | None = None) -> Where:
        k = number(i)
        return Where(source, key=key or f"operations.{k + 1}", line=lines.get(("operations", k)))

    for i, op in enumerate(change.operations):
        if isinstance(op, SetOp):
            node: Any = data
            parts = op.key.split(".")
            for part in parts[:-1]:
                node = node.get(part) if isinstance(node, dict) else None
            if not isinstance(node, dict) or parts[-1] not in node:
                hint = did_you_mean(op.key, SETTING_BY_KEY)
                issues.append(
                    Issue(
                        f"no setting {op.key!r}{hint}",
                        source,
                        line=where(i).line,
                        key=where(i).key,
                        fix="use a dotted key of a setting (README, Settings), e.g. "
                        "los.settings.max_size",
                    )
                )
                continue
            node[parts[-1]] = setting_value(op.key, op.value)
            set_ops[tuple(parts)] = i
            continue
        rows, key = _rows(data, op.what)
        spec = TABLE_BY_PATH.get(COLLECTION_PATHS[op.what][0])
        columns = spec.by_name if spec is not None else {}
        narrow: list[tuple[tuple[str, ...], str]] = []  # where: (field path, value as text)
        if not isinstance(op, AddOp):
            paths = {name: _field_path(name, columns, rows) for name in op.where}
            unknown = [name for name, path in paths.items() if path is None]
            for name in unknown:
                issues.append(
                    _no_field(op.what, name, columns, where(i), f"where.{name}", in_where=True)
                )
            if unknown:
                continue
            narrow = [
                (path, _plain(_cell(columns.get(name.lower()), op.where[name])))
                for name, path in paths.items()
                if path is not None
            ]
        if isinstance(op, RemoveOp):
            wanted = set(op.ids)
            chosen = [r for r in rows if _row_matches(r, narrow)]
            found = {str(r.get(key)) for r in chosen}
            for missing in sorted(wanted - found):
                issues.append(
                    Issue(
                        f"cannot remove {op.what} {missing!r}: no such row"
                        + (f" where {_shown(op.where)}" if op.where else ""),
                        source,
                        line=where(i).line,
                        key=where(i).key,
                        fix=f"check the id against the instance's {op.what}",
                    )
                )
            rows[:] = [
                r for r in rows if str(r.get(key)) not in wanted or not _row_matches(r, narrow)
            ]
        elif isinstance(op, AddOp):
            for row in op.rows:
                added: dict[str, Any] = {}
                for path in _leaves(row):
                    column = columns.get(".".join(path).lower())
                    value = _cell(column, _get_path(row, path))
                    _set_path(added, column.path if column is not None else path, value)
                rows.append(added)
                touched[(op.what, len(rows) - 1)] = i
        elif isinstance(op, ModifyOp):
            hits = [
                k
                for k, r in enumerate(rows)
                if str(r.get(key)) == op.id and _row_matches(r, narrow)
            ]
            if not hits:
                issues.append(
                    Issue(
                        f"cannot modify {op.what} {op.id!r}: no such row"
                        + (f" where {_shown(op.where)}" if op.where else ""),
                        source,
                        line=where(i).line,
                        key=where(i).key,
                        fix=f"check the id against the instance's {op.what}",
                    )
                )
                continue
            for k in hits:
                for path in _leaves(op.fields):
                    name = ".".join(path)
                    column = columns.get(name.lower())
                    if column is None and not _has_path(rows[k], path) and path != (key,):
                        issues.append(_no_field(op.what, name, columns, where(i), f"fields.{name}"))
                        continue
                    value = _cell(column, _get_path(op.fields, path))
                    _set_path(rows[k], column.path if column is not None else path, value)
                touched[(op.what, k)] = i
    closed = [
        (i, nid)
        for i, op in enumerate(change.operations)
        if isinstance(op, RemoveOp) and op.what == "networks"
        for nid in op.ids
    ]
    for i, nid in closed:
        learners, _ = _rows(data, "learners")
        wishing = [
            row
            for k, row in enumerate(learners)
            if ("learners", k) not in touched and nid in row.get("preferred_networks", ())
        ]
        for row in wishing:
            row["preferred_networks"] = [n for n in row["preferred_networks"] if n != nid]
        if wishing and notes is not None:
            ids = ", ".join(str(row["id"]) for row in wishing)
            notes.append(
                f"operations.{number(i) + 1} closes network {nid}: taken out of the preferred "
                f"networks of {len(wishing)} learner(s) ({ids}); their other wishes stay"
            )
    _drop_wishes_of_removed_schools(instance, change, data, number, notes)
    by_path = {COLLECTION_PATHS[what][0]: what for what in COLLECTION_PATHS}

    def locate(path: tuple[str | int, ...]) -> Where:
        named = tuple(str(p) for p in path)
        for length in range(len(named), 0, -1):
            op_index = set_ops.get(named[:length])
            if op_index is not None:
                k = number(op_index)
                return Where(
                    source,
                    key=f"operations.{k + 1} ({format_key(path)})",
                    line=lines.get(("operations", k)),
                )
        for length in (1, 2):
            head = tuple(str(p) for p in path[:length])
            what = by_path.get(head)
            if what is not None and len(path) > length and isinstance(path[length], int):
                op_index = touched.get((what, int(path[length])))
                if op_index is not None:
                    k = number(op_index)
                    rest = format_key(path[length + 1 :])
                    return Where(
                        source,
                        key=f"operations.{k + 1}" + (f" ({rest})" if rest else ""),
                        line=lines.get(("operations", k)),
                    )
        return Where(source, key=f"instance after the change: {format_key(path)}")

    def users(paths: list[tuple[str | int, ...]]) -> str:
        """The rows of a duplicate id: the operations that wrote them, or the instance."""
        counts: dict[int | None, int] = {}  # operation (None: the instance) -> rows
        for path in paths:
            what = by_path.get(tuple(str(p) for p in path[:-1]))
            op_index = touched.get((what, int(path[-1]))) if what is not None else None
            counts[op_index] = counts.get(op_index, 0) + 1
        places = []
        for op_index, n in counts.items():
            op = "the instance" if op_index is None else f"operations.{number(op_index) + 1}"
            one = "a row of the instance" if op_index is None else op
            places.append(f"{n} rows of {op}" if n > 1 else one)
        return listing(places)

    try:
        changed = build_model(
            Instance,
            data,
            locate,
            f"the change in {source} makes the instance invalid",
            decimal_comma=True,  # values are read as cells
            refine=id_hints(data, users, noun="field"),
        )
    except SemanticIssues as exc:  # pragma: no cover - build_model wraps these
        raise InputError([locate_issue(x, locate) for x in exc.issues]) from None
    except InputError as invalid:
        removed = _removed_ids(change, number)
        if removed:
            invalid = InputError(
                [_name_the_removal(x, removed, data, source, lines) for x in invalid.issues],
                invalid.summary,
            )
        if not issues:
            raise invalid from None
        # the operations that could be applied are checked too: every problem at once
        summary = f"the change in {source} cannot be applied"
        raise InputError([*issues, *invalid.issues], summary) from None
    if issues:
        raise InputError(issues, f"the change in {source} cannot be applied")
    return changed


def _drop_wishes_of_removed_schools(
    instance: Instance,
    change: ChangeFile,
    data: dict[str, Any],
    number: Any,
    notes: list[str] | None,
) -> None:
    """A school the change removes takes its BV wishes (``bv.wishes``, together / apart
    with another school) with it: they can no longer hold or break, and a change file
    cannot name a wish. A note per school says which went."""
    left = {row.get("id") for row in data.get("schools", [])}
    removed = [s.id for s in instance.schools if s.id not in left]
    if not removed or not data.get("bv", {}).get("wishes"):
        return
    wishes = data["bv"]["wishes"]
    for sid in removed:
        mine = [w for w in wishes if sid in (w.get("school_a"), w.get("school_b"))]
        if not mine:
            continue
        wishes[:] = [w for w in wishes if w not in mine]
        op = next(
            (
                i
                for i, o in enumerate(change.operations)
                if isinstance(o, RemoveOp) and o.what == "schools" and sid in o.ids
            ),
            None,
        )
        if notes is not None:
            which = ", ".join(f"{w['kind']} {w['school_a']}/{w['school_b']}" for w in mine)
            by = f"operations.{number(op) + 1} removes" if op is not None else "the change removes"
            notes.append(f"{by} school {sid}: its BV wish(es) {which} dropped (B2)")


def _removed_ids(change: ChangeFile, number: Any) -> dict[str, tuple[str, int]]:
    """Every id a ``remove`` operation of ``change`` takes out -> (its collection, the
    operation's place in the file)."""
    return {
        rid: (op.what, number(i))
        for i, op in enumerate(change.operations)
        if isinstance(op, RemoveOp)
        for rid in op.ids
    }


def _name_the_removal(
    issue: Issue,
    removed: dict[str, tuple[str, int]],
    data: dict[str, Any],
    source: str,
    lines: dict[tuple[str | int, ...], int],
) -> Issue:
    """An issue about an unknown id that the change itself removed, said as what it is:
    the row that still names it, the operation that removes it, and the operation to add.

    A facilitator who falls ill may still be the fixed second facilitator of a network or
    have unavailability rows; the instance's own words ("unknown facilitator 'IO1'" at
    ``los.networks.1``, fix "use an id listed in facilitators") do not tell a planner that
    the change file must also free that row."""
    ref = issue.id_ref
    if issue.code != UNKNOWN_ID or ref is None or ref.id not in removed or not issue.path:
        return issue
    hit = ref.id
    what, k = removed[hit]
    row_what, row_id, field = _row_of(data, issue.path)
    if row_what is None:
        holder = f"{format_key(issue.path)} still names {hit}"
        also = f"also change {format_key(issue.path)} so that it no longer names {hit}"
    elif COLLECTION_PATHS[row_what][1] != "id":  # rows named by who / origin
        holder = f"the {row_what} rows of {row_id} remain"
        also = f"also add {{op: remove, what: {row_what}, ids: [{row_id}]}}"
    else:
        holder = f"{row_what} {row_id} still names {hit}" + (f" in {field}" if field else "")
        value = "<another id>" if _required(row_what, field) else "<another id, or empty>"
        also = (
            f"also add {{op: modify, what: {row_what}, id: {row_id}, fields: "
            f"{{{field}: {value}}}}}, or remove {row_what} {row_id}"
        )
    return Issue(
        f"operation {k + 1} removes {what} {hit}, but {holder}",
        source,
        line=lines.get(("operations", k)),
        key=f"operations.{k + 1}",
        fix=f"in the change file, {also}; or keep {hit}",
        rule=issue.rule,
        path=issue.path,
    )


def _required(what: str, field: str) -> bool:
    """True when the column ``field`` of collection ``what`` may not be left empty."""
    spec = TABLE_BY_PATH.get(COLLECTION_PATHS[what][0])
    column = spec.by_name.get(field.lower()) if spec is not None else None
    return column is not None and column.required


def _row_of(data: dict[str, Any], path: tuple[str | int, ...]) -> tuple[str | None, str, str]:
    """(collection, row id, field) of a model path into a row a change may touch; (None,
    "", "") for a path into anything else (a BV wish, a setting)."""
    for what, (where, key) in COLLECTION_PATHS.items():
        n = len(where)
        position = path[n] if len(path) > n else None
        if tuple(path[:n]) == where and isinstance(position, int):
            row = value_at(data, (*where, position))
            row = row if isinstance(row, dict) else {}
            return what, str(row.get(key, position + 1)), format_key(path[n + 1 :])
    return None, "", ""


def check_change(path: Path, instance: Instance) -> None:
    """Every problem of a change file for ``instance`` at once, as one :class:`InputError`:
    the file's structure (an unknown ``what``, a missing ``id``) and what its well-formed
    operations would do (an unknown id, a value the instance refuses), so a planner does
    not fix the file in two rounds."""
    try:
        change, lines = load_change(path)
    except InputError as exc:
        structure = exc
    else:
        apply_change(instance, change, path.name, lines)
        return
    if not path.is_file():
        raise structure  # no file to read the operations of
    sink = IssueSink()
    read = read_settings_yaml(path.read_bytes(), path.name, sink)
    raw = read.data.get("operations") if read is not None and isinstance(read.data, dict) else None
    if read is None or sink.issues or not isinstance(raw, list):
        raise structure
    adapter: TypeAdapter[Any] = TypeAdapter(Operation)
    good: list[Any] = []
    positions: list[int] = []
    for i, item in enumerate(raw):
        try:
            good.append(adapter.validate_python(item))
        except ValidationError:
            continue  # reported with the structure
        positions.append(i)
    if not good:
        raise structure
    found: dict[tuple[str | int, ...], int] = {}
    for i in positions:
        line = read.locate(("operations", i)).line
        if line is not None:
            found[("operations", i)] = line
    partial = ChangeFile.model_construct(description="", operations=tuple(good))
    try:
        apply_change(instance, partial, path.name, found, positions)
    except InputError as more:
        raise InputError([*structure.issues, *more.issues], structure.summary) from None
    raise structure


def change_to_yaml(change: ChangeFile) -> str:
    """The change file as YAML a planner can save and apply with ``composer whatif``."""
    data = change.model_dump(mode="json", exclude_defaults=False)
    for op in data["operations"]:
        if not op.get("where", True):
            del op["where"]  # an empty filter says nothing
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
