"""One generic mapping between the :class:`Instance` model and tables, for CSV and xlsx.

The instance is split into *tables* (:data:`TABLES`: one row per record, e.g. a learner)
and *settings* (everything else: name, sources, travel, weekdays, programme settings and
weights). A CSV folder holds ``<table>.csv`` per table and ``instance.yaml``; a workbook
holds a sheet per table and a ``settings`` sheet. Both readers turn their files into the
same :class:`TableRead` and :class:`SettingsRead` objects; :func:`assemble` builds and
validates the instance from them and locates every problem at the file or sheet, row and
column a planner sees.

The table list is declarative: a :class:`TableSpec` names the table, the model path it
fills and the tables its columns refer to; the columns come from the row model itself
(:func:`composer.io.fields.flatten`).
"""

from __future__ import annotations

import copy
import dataclasses
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticUndefined

from composer.errors import (
    DUPLICATE_ID,
    ID_CODES,
    OUTSIDE_SCHOOL_YEARS,
    UNKNOWN_ID,
    InputError,
    Issue,
)
from composer.io.cells import ABSENT, value_from_text
from composer.io.fields import (
    Column,
    Kind,
    did_you_mean,
    field_at,
    flatten,
    kind_of,
    setting_column,
)
from composer.io.issues import (
    Locator,
    Path,
    Where,
    issues_from_validation_error,
    listing,
    locate_issue,
)
from composer.model import semantic
from composer.model.instance import Instance
from composer.model.semantic import SemanticIssues

DEFAULT_MAX_FILE_MB = 25.0
"""Largest table, workbook or JSON file read without an explicit override (megabytes)."""

MAX_FILE_MB_ENV = "COMPOSER_MAX_FILE_MB"
"""Environment variable that raises (or lowers) :data:`DEFAULT_MAX_FILE_MB`."""


def max_file_bytes(override_mb: float | None = None) -> int:
    """The size limit in bytes: the override, else ``$COMPOSER_MAX_FILE_MB``, else 25 MB."""
    if override_mb is None:
        env = os.environ.get(MAX_FILE_MB_ENV, "").strip()
        try:
            override_mb = float(env) if env else DEFAULT_MAX_FILE_MB
        except ValueError:
            raise InputError(
                [
                    Issue(
                        f"{MAX_FILE_MB_ENV}={env!r} is not a number",
                        fix=f"set {MAX_FILE_MB_ENV} to a size in megabytes, e.g. 60",
                    )
                ]
            ) from None
    return int(override_mb * 1_000_000)


def size_issue(source: str, size: int, limit: int) -> Issue:
    """The issue for a file above the size limit, naming the override."""
    wanted = int(size / 1_000_000) + 1
    return Issue(
        f"the file is {size / 1_000_000:.1f} MB, above the limit of "
        f"{limit / 1_000_000:g} MB for one file",
        source,
        fix=f"check it is the right file; to read it anyway set {MAX_FILE_MB_ENV}={wanted} "
        "(environment variable)",
    )


# --------------------------------------------------------------------------- specs


@dataclass(frozen=True)
class TableSpec:
    """A table of the tabular formats: a tuple of records somewhere in the instance."""

    name: str
    """File stem and sheet name (``los_networks``)."""
    path: tuple[str, ...]
    """Where the rows go in the instance (``("los", "networks")``)."""
    description: str
    refs: tuple[tuple[str, str], ...] = ()
    """(column, table) pairs: the column holds ids of rows of that table."""

    @cached_property
    def model(self) -> type[BaseModel]:
        """The row model, read from the instance model at :attr:`path`."""
        info = field_at(Instance, self.path)
        assert info is not None, self.path
        kind = kind_of(info)
        assert kind.base == "model" and kind.many and kind.model is not None, self.path
        return kind.model

    @cached_property
    def columns(self) -> tuple[Column, ...]:
        """The columns, in model field order (nested models as dotted columns)."""
        return tuple(flatten(self.model))

    @cached_property
    def by_name(self) -> dict[str, Column]:
        """Columns by lower-case header."""
        return {c.name.lower(): c for c in self.columns}

    @property
    def dotted_path(self) -> str:
        """``los.networks``."""
        return ".".join(self.path)


TABLES: tuple[TableSpec, ...] = (
    TableSpec("regions", ("regions",), "education regions (onderwijsregio's)"),
    TableSpec(
        "institutions",
        ("institutions",),
        "teacher-education institutes and other organisations (HU, UU, OCW)",
    ),
    TableSpec("schools", ("schools",), "school locations", refs=(("region", "regions"),)),
    TableSpec(
        "travel_times",
        ("travel_times",),
        "measured travel times between schools; override the estimate",
        refs=(("origin", "schools"), ("destination", "schools")),
    ),
    TableSpec(
        "learners",
        ("learners",),
        "people to place in an LOS network",
        refs=(
            ("institution", "institutions"),
            ("home_school", "schools"),
            ("needs", "los_components"),
            ("roster.mon", "time_blocks"),
            ("roster.tue", "time_blocks"),
            ("roster.wed", "time_blocks"),
            ("roster.thu", "time_blocks"),
            ("roster.fri", "time_blocks"),
            ("preferred_networks", "los_networks"),
            ("network", "los_networks"),
        ),
    ),
    TableSpec(
        "facilitators",
        ("facilitators",),
        "people who lead networks and clusters",
        refs=(
            ("institution", "institutions"),
            ("home_school", "schools"),
            ("regions", "regions"),
            ("available_blocks", "time_blocks"),
        ),
    ),
    TableSpec(
        "unavailability",
        ("unavailability",),
        "periods a person or school cannot take part",
    ),
    TableSpec("time_blocks", ("calendar", "time_blocks"), "the blocks of a school day"),
    TableSpec("school_years", ("calendar", "school_years"), "school years (August to July)"),
    TableSpec("holidays", ("calendar", "holidays"), "school holidays per holiday region"),
    TableSpec("public_holidays", ("calendar", "public_holidays"), "national public holidays"),
    TableSpec(
        "los_components",
        ("los", "components"),
        "curriculum components an LOS network may teach",
        refs=(("institution", "institutions"),),
    ),
    TableSpec(
        "los_networks",
        ("los", "networks"),
        "LOS networks (leernetwerken op school)",
        refs=(
            ("region", "regions"),
            ("institution", "institutions"),
            ("components", "los_components"),
            ("location", "schools"),
            ("partner_schools", "schools"),
            ("schoolopleider", "facilitators"),
            ("second_facilitator", "facilitators"),
            ("slot.block", "time_blocks"),
        ),
    ),
    TableSpec(
        "bv_wishes",
        ("bv", "wishes"),
        "planner wishes: two schools together or apart in BV clusters",
        refs=(("school_a", "schools"), ("school_b", "schools")),
    ),
    TableSpec(
        "tn_networks",
        ("tn", "networks"),
        "thematic networks of school leaders",
        refs=(("region", "regions"), ("facilitator", "facilitators")),
    ),
    TableSpec(
        "tn_participants",
        ("tn", "participants"),
        "school leaders and others taking part in TN networks",
        refs=(("school", "schools"), ("network", "tn_networks")),
    ),
)
"""Every table of the CSV folder and the workbook, in the order they are written."""

TABLE_BY_NAME: dict[str, TableSpec] = {spec.name: spec for spec in TABLES}
TABLE_BY_PATH: dict[tuple[str, ...], TableSpec] = {spec.path: spec for spec in TABLES}

COMMENT_PREFIX = "#"
"""Columns (and CSV files, sheets) whose name starts with ``#`` are notes and ignored."""


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Setting:
    """A leaf setting: a dotted key (``los.settings.min_size``) and its column description."""

    key: str
    column: Column


@dataclass(frozen=True)
class RecordList:
    """A list of records among the settings (``sources``): keys ``sources.1.name`` etc."""

    key: str
    path: tuple[str, ...]
    columns: tuple[Column, ...]
    description: str


def _walk_settings(
    model: type[BaseModel], prefix: tuple[str, ...]
) -> Iterable[Setting | RecordList]:
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        if path in TABLE_BY_PATH:
            continue
        kind = kind_of(info)
        if kind.base == "model" and kind.model is not None:
            if kind.many:
                yield RecordList(
                    ".".join(path), path, tuple(flatten(kind.model)), info.description or ""
                )
            else:
                yield from _walk_settings(kind.model, path)
            continue
        yield Setting(".".join(path), setting_column(info, path))


SETTINGS: tuple[Setting | RecordList, ...] = tuple(_walk_settings(Instance, ()))
"""Every setting of an instance (what is not a table), in model order."""

SETTING_BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS if isinstance(s, Setting)}
RECORD_LISTS: dict[str, RecordList] = {s.key: s for s in SETTINGS if isinstance(s, RecordList)}


def cell_or_default(text: str, column: Column) -> Any:
    """``text`` read as a cell of ``column`` (the cell rules: ``ja``, ``40,5``, ``Apart``,
    ``di``, ``mon;wed`` for a list); an empty cell is the column's default (None when it
    has none), for values typed outside the tables (``--set``, change files)."""
    read = value_from_text(text, column)
    if read is not ABSENT:
        return read
    default = column.default
    if default is PydanticUndefined:
        return None
    return list(default) if isinstance(default, tuple) else default


def setting_value(key: str, value: Any) -> Any:
    """A value given for setting ``key`` on the command line (``--set``) or in a change
    file, read as a cell of that setting (:func:`cell_or_default`); other values (JSON
    ``true``, ``3``) and unknown keys are returned as they are."""
    setting = SETTING_BY_KEY.get(key)
    if setting is None or not isinstance(value, str):
        return value
    return cell_or_default(value, setting.column)


def settings_keys() -> list[str]:
    """All keys a settings sheet may use (record lists as ``sources.N.name``)."""
    keys: list[str] = []
    for item in SETTINGS:
        if isinstance(item, Setting):
            keys.append(item.key)
        else:
            keys.extend(f"{item.key}.N.{c.name}" for c in item.columns)
    return keys


def format_key(path: Sequence[str | int]) -> str:
    """A model path as a planner's key: ``los.settings.min_size``, ``sources.1.name``."""
    return ".".join(str(p + 1) if isinstance(p, int) else p for p in path)


def table_for_key(parts: Sequence[str | int]) -> TableSpec | None:
    """The table a settings key wrongly points into (``learners`` or ``calendar.holidays``)."""
    names = tuple(p for p in parts if isinstance(p, str))
    for spec in TABLES:
        if names[: len(spec.path)] == spec.path:
            return spec
    return None


# --------------------------------------------------------------------------- reading


@dataclass
class TableRead:
    """A table as read from one CSV file or sheet: rows as dicts, their spreadsheet rows."""

    spec: TableSpec
    source: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    present: set[str] = field(default_factory=set)
    """Columns present in the header."""
    missing: set[str] = field(default_factory=set)
    """Required columns missing from the header (reported once, not per row)."""
    readable: bool = True
    """False when the file could not be read at all (then its rows are unknown)."""


@dataclass
class SettingsRead:
    """The settings as read from ``instance.yaml`` or the ``settings`` sheet."""

    source: str
    data: dict[str, Any]
    locate: Callable[[Path], Where]
    readable: bool = True


@dataclass
class Header:
    """The header row of a table: which column sits at which position."""

    columns: list[Column | None]
    """Per cell position, the column, or None for an ignored (note or unknown) column."""
    width: int
    """Number of header cells up to the last non-empty one."""
    blank: frozenset[int] = frozenset()
    """Positions before ``width`` whose header cell is empty."""
    row: int = 1
    """The spreadsheet row of the header."""


class IssueSink:
    """Collects issues while reading; ``blocking`` ones stop the cross-row checks."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.blocking = False
        self.cells: set[tuple[str | None, int | None, str | None]] = set()
        """Cells already reported (a merged range, a formula): no second issue there."""

    def add(self, issue: Issue, blocking: bool = True) -> None:
        """Record an issue; a blocking one means the data read is incomplete."""
        self.issues.append(issue)
        self.blocking = self.blocking or blocking

    def add_cell(self, issue: Issue) -> None:
        """Record an issue about one cell whose value is therefore unknown."""
        self.add(issue)
        self.cells.add((issue.source, issue.row, issue.column))


def column_label(position: int) -> str:
    """Spreadsheet column letters of a 0-based position (0 -> A, 27 -> AB)."""
    label = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        label = chr(65 + rest) + label
    return label


def read_header(
    spec: TableSpec, source: str, cells: Sequence[str], row: int, sink: IssueSink
) -> Header:
    """Match header cells to the spec's columns; report unknown, duplicate, missing ones."""
    texts = [c.strip().lstrip("\ufeff") for c in cells]
    width = len(texts)
    while width and not texts[width - 1]:
        width -= 1
    columns: list[Column | None] = [None] * len(texts)
    seen: dict[str, int] = {}
    known = [c.name for c in spec.columns]
    for pos, text in enumerate(texts[:width]):
        if not text or text.startswith(COMMENT_PREFIX):
            continue
        column = spec.by_name.get(text.lower())
        if column is None:
            sink.add(
                Issue(
                    f"unknown column {text!r}{did_you_mean(text, known)}",
                    source,
                    row,
                    text,
                    fix=f"rename it to a column of {spec.name} (see README, Formats), or start "
                    f"its header with '{COMMENT_PREFIX}' to keep it as a note column",
                ),
                blocking=False,
            )
            continue
        if column.name in seen:
            sink.add(
                Issue(
                    f"column {column.name!r} appears twice (columns "
                    f"{column_label(seen[column.name])} and {column_label(pos)})",
                    source,
                    row,
                    column.name,
                    fix="delete one of the two columns",
                )
            )
            continue
        seen[column.name] = pos
        columns[pos] = column
    blank = frozenset(pos for pos, text in enumerate(texts[:width]) if not text)
    return Header(columns, width, blank, row)


def missing_columns(
    spec: TableSpec, source: str, header: Header, row: int, sink: IssueSink
) -> set[str]:
    """Report required columns that the header lacks; returns their names."""
    present = {c.name for c in header.columns if c is not None}
    missing = {c.name for c in spec.columns if c.required and c.name not in present}
    for name in sorted(missing, key=[c.name for c in spec.columns].index):
        sink.add(
            Issue(
                f"missing required column {name!r}",
                source,
                row,
                fix=f"add a column headed {name!r} to {spec.name}",
            )
        )
    return missing


def set_nested(target: dict[str, Any], path: Sequence[str], value: Any) -> None:
    """``target[a][b] = value`` for ``path == (a, b)``, creating dicts on the way."""
    node = target
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def row_dict(header: Header, texts: Sequence[str]) -> dict[str, Any]:
    """A row's cells as the nested dict pydantic validates (empty cells left out)."""
    row: dict[str, Any] = {}
    count = len(texts)
    for pos, column in enumerate(header.columns):
        if column is None:
            continue
        value = value_from_text(texts[pos] if pos < count else "", column)
        if value is ABSENT:
            continue
        if len(column.path) == 1:
            row[column.path[0]] = value
        else:
            set_nested(row, column.path, value)
    return row


def add_rows(
    table: TableRead,
    header: Header,
    records: Iterable[tuple[int, Sequence[str]]],
    sink: IssueSink,
    extra_cells_per_row: bool,
) -> None:
    """Turn data records (row number, cell texts) into row dicts.

    Blank rows are skipped (they still count in row numbers); in a table with ids, an
    exact repeat of an earlier row is reported and dropped (rather than as a duplicate id;
    in other tables a repeated row is data, e.g. two equal travel times); a value beyond
    the header is reported per row (CSV: a separator inside an unquoted value) or once per
    column (a sheet).
    """
    seen: dict[tuple[str, ...], int] = {}
    has_id = "id" in table.spec.by_name
    unnamed_reported: set[int] = set()
    used = [i for i, c in enumerate(header.columns) if c is not None]
    header_names = [(i, c.name.lower()) for i, c in enumerate(header.columns) if c is not None]
    for row_number, texts in records:
        if not any(t.strip() for t in texts):
            continue
        bad = False
        for pos in range(len(texts)):
            if pos < len(header.columns) and header.columns[pos] is not None:
                continue
            if not texts[pos].strip():
                continue
            if pos < header.width and pos not in header.blank:
                continue  # an unknown or note column: already reported or ignored
            if extra_cells_per_row and pos >= header.width:
                sink.add(
                    Issue(
                        f"the row has {len(texts)} cells but the header has {header.width} "
                        f"columns (extra value {texts[pos].strip()!r})",
                        table.source,
                        row_number,
                        fix="a value holding the separator must be in double quotes; "
                        "or remove the extra cells",
                    )
                )
                bad = True
                break
            if pos not in unnamed_reported:
                unnamed_reported.add(pos)
                sink.add(
                    Issue(
                        f"column {column_label(pos)} has values but no header "
                        f"(first value {texts[pos].strip()!r})",
                        table.source,
                        row_number,
                        column_label(pos),
                        fix="give the column a header, or delete it",
                    )
                )
        if bad:
            continue
        if used and all(
            i < len(texts) and texts[i].strip().lstrip("\ufeff").lower() == name
            for i, name in header_names
        ):
            sink.add(
                Issue(
                    f"the row repeats the header (row {header.row}), as when two files are "
                    "pasted together",
                    table.source,
                    row_number,
                    fix="delete this row",
                ),
                blocking=False,
            )
            continue
        key = tuple(texts[i].strip() if i < len(texts) else "" for i in used)
        first = seen.get(key) if has_id else None
        if first is not None:
            sink.add(
                Issue(
                    f"the row repeats row {first} exactly",
                    table.source,
                    row_number,
                    fix="delete the repeated row",
                ),
                blocking=False,
            )
            continue
        seen[key] = row_number
        table.rows.append(row_dict(header, texts))
        table.row_numbers.append(row_number)


# --------------------------------------------------------------------------- settings


def settings_column(parts: Sequence[str | int]) -> Column | RecordList | None:
    """The setting (or record list) a key path names; None when unknown."""
    names = [p for p in parts if isinstance(p, str)]
    key = ".".join(names)
    if key in SETTING_BY_KEY:
        return SETTING_BY_KEY[key].column
    if key in RECORD_LISTS:
        return RECORD_LISTS[key]
    for rec in RECORD_LISTS.values():
        if key.startswith(rec.key + "."):
            sub = key[len(rec.key) + 1 :]
            for column in rec.columns:
                if column.name == sub:
                    return column
    return None


def normalise_settings(
    data: Any, prefix: tuple[str | int, ...], locate: Callable[[Path], Where], sink: IssueSink
) -> Any:
    """Settings read from YAML (text leaves) made ready for pydantic, cell rules applied.

    A table inside the settings is reported (tables live in their own file or sheet);
    unknown keys are left for pydantic, which reports them with a did-you-mean.
    """
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            path = (*prefix, key)
            spec = table_for_key(path) if isinstance(key, str) else None
            if spec is not None and tuple(p for p in path if isinstance(p, str)) == spec.path:
                where = locate(path)
                sink.add(
                    Issue(
                        f"{format_key(path)} is a table, not a setting",
                        where.source,
                        where.row,
                        where.column,
                        key=where.key,
                        line=where.line,
                        fix=f"put these rows in {spec.name}.csv (or the sheet {spec.name}) "
                        "and remove the key",
                    )
                )
                continue
            normal = normalise_settings(value, path, locate, sink)
            if normal is not ABSENT:
                out[str(key)] = normal
        return out
    column = settings_column(prefix)
    if isinstance(data, list):
        if isinstance(column, Column) and column.kind.many:
            items = [value_from_text(str(v), _item_column(column)) for v in data if v is not None]
            return [v for v in items if v is not ABSENT]
        return [normalise_settings(v, (*prefix, i), locate, sink) for i, v in enumerate(data)]
    if data is None:
        return ABSENT
    if isinstance(column, Column):
        return value_from_text(str(data), column)
    return data


def _item_column(column: Column) -> Column:
    kind = column.kind
    return Column(
        column.name,
        column.path,
        Kind(kind.base, False, False, kind.choices, kind.model),
        False,
        None,
        "",
    )


# --------------------------------------------------------------------------- assembling


def _missing_table_issues(
    tables: dict[str, TableRead], absent_hint: Callable[[str], str | None], sink: IssueSink
) -> None:
    """Columns refer to a table that is not there at all: say so once per table, not per row."""
    for table in tables.values():
        by_target: dict[str, list[tuple[int, str]]] = {}
        for column_name, target in table.spec.refs:
            if target in tables or column_name not in table.present:
                continue
            if absent_hint(target) is None:
                continue  # the table is there but unreadable: already reported
            path = column_name.split(".")
            first = next(
                (i for i, row in enumerate(table.rows) if _get(row, path) not in (None, [], "")),
                None,
            )
            if first is not None:
                by_target.setdefault(target, []).append((table.row_numbers[first], column_name))
        for target, uses in by_target.items():
            missing_name = absent_hint(target)
            first_row = min(uses)
            names = ", ".join(name for _, name in uses)
            plural = "s" if "," in names else ""
            sink.add(
                Issue(
                    f"column{plural} {names} refer{'' if plural else 's'} to {target}, but there "
                    f"is no {missing_name}",
                    table.source,
                    first_row[0],
                    first_row[1],
                    fix=f"add {missing_name} with the rows these ids refer to",
                )
            )


def _get(row: dict[str, Any], path: Sequence[str]) -> Any:
    node: Any = row
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def make_locator(tables: dict[str, TableRead], settings: SettingsRead) -> Callable[[Path], Where]:
    """Map a model path to the file or sheet, row and column it came from."""

    def locate(path: Path) -> Where:
        for length in (2, 1):
            spec = TABLE_BY_PATH.get(tuple(str(p) for p in path[:length]))
            if spec is None or len(path) < length:
                continue
            table = tables.get(spec.name)
            if table is None:
                return settings.locate(path)
            rest = path[length:]
            if not rest or not isinstance(rest[0], int):
                return Where(table.source)
            index = rest[0]
            row = table.row_numbers[index] if index < len(table.row_numbers) else None
            names = []
            for part in rest[1:]:
                if isinstance(part, int):
                    break
                names.append(part)
            column = ".".join(names) or None
            if column and column.lower() not in spec.by_name:
                matches = [c.name for c in spec.columns if c.name.startswith(column + ".")]
                column = matches[0] if matches else column
            return Where(table.source, row, column)
        return settings.locate(path)

    return locate


def assemble(
    tables: dict[str, TableRead],
    settings: SettingsRead | None,
    sink: IssueSink,
    summary: str,
    absent_hint: Callable[[str], str | None],
) -> Instance:
    """Build and validate the instance from what the readers found; raise every issue.

    Field errors are reported for everything that could be read. Cross-row checks
    (unknown ids, duplicates, bounds) run only when every file was read completely;
    otherwise a missing table would show up as hundreds of unknown ids. Rows with a field
    error take part without their bad values, so both kinds are reported at once, also
    for one row (:func:`_cross_row_issues_despite`). ``absent_hint`` names the file or
    sheet a table would be in, or None when it is there but unreadable.
    """
    data: dict[str, Any] = {}
    if settings is not None:
        data = normalise_settings(settings.data, (), settings.locate, sink)
        if not isinstance(data, dict):
            data = {}
    else:
        settings = SettingsRead("settings", {}, lambda path: Where(key=format_key(path)), False)
    _missing_table_issues(tables, absent_hint, sink)
    for spec in TABLES:
        table = tables.get(spec.name)
        if table is None:
            continue
        node = data
        for part in spec.path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[spec.path[-1]] = table.rows
    locate = make_locator(tables, settings)
    refine = id_hints(data, _row_numbers(locate))
    if not settings.readable:
        data.setdefault("name", "unreadable")
    try:
        instance = Instance.model_validate(data)
    except ValidationError as exc:
        missing = {(t.spec.path, column) for t in tables.values() for column in t.missing}
        found = issues_from_validation_error(
            exc, locate, Instance, semantic=not sink.blocking, decimal_comma=True
        )
        if not sink.blocking:
            found.extend(cross_row_issues_despite(exc, data, locate))
        for issue in found:
            if _repeats_missing_column(issue, missing):
                continue
            issue = refine(issue)
            if (issue.source, issue.row, issue.column) in sink.cells:
                continue
            sink.add(issue)
    else:
        if not sink.issues:
            return instance
    raise InputError(_sorted(sink.issues), summary)


def _row_of(path: Sequence[str | int]) -> tuple[tuple[str, ...], int] | None:
    """(table path, row index) of a model path into a table's row, else None."""
    for length in (2, 1):
        spec = TABLE_BY_PATH.get(tuple(str(p) for p in path[:length]))
        index = path[length] if len(path) > length else None
        if spec is not None and isinstance(index, int):
            return spec.path, index
    return None


_Row = tuple[tuple[str, ...], int]
"""A row of a table: (the table's model path, the row's index)."""

_COMPARED_ROWS = frozenset({("calendar", "school_years"), ("calendar", "holidays")})
"""Tables whose rows are checked against each other (overlapping years, holidays)."""


def cross_row_issues_despite(
    exc: ValidationError, data: dict[str, Any], locate: Locator
) -> list[Issue]:
    """The cross-row issues (unknown ids, duplicates, bounds) that field errors kept from
    running, so that every problem is reported in one run.

    Only when every field error sits in a table row (a bad setting can change what the
    other rows mean). The checks run again with each bad field left out of its row (so
    its default applies); a required one gets a stand-in value (:func:`_stand_in`), and
    a row whose id or whole record is bad is left out. Of a patched row only
    the id checks of its other fields are reported (an unknown school beside a bad
    number), not what its stand-in values may cause (a size bound against a default).
    Elsewhere, an issue about a left-out row's id (a reference to it) or a patched row
    (the role of a facilitator whose role was bad), an overlap in a table with a bad
    row, and a date outside every school year while a school year is bad are not
    reported: they may be the bad row's doing."""
    bad: dict[_Row, set[str]] = {}  # row -> its fields with an error ("": the row itself)
    for err in exc.errors():
        if isinstance((err.get("ctx") or {}).get("error"), SemanticIssues):
            return []  # the cross-row checks did run
        loc = tuple(err["loc"])
        place = _row_of(loc)
        if place is None:
            return []
        rest = loc[len(place[0]) + 1 :]
        bad.setdefault(place, set()).add(str(rest[0]) if rest else "")
    if not bad:
        return []
    dropped = {place for place, fields in bad.items() if fields & {"", "id"}}
    standing_in: dict[_Row, set[str]] = {}
    for _ in range(4):  # every round gives fields a stand-in or drops rows
        pruned, kept = _patched(data, bad, standing_in, dropped)
        try:
            Instance.model_validate(pruned)
        except ValidationError as again:
            errors = again.errors()
        else:
            return []
        for err in errors:
            inner = (err.get("ctx") or {}).get("error")
            if isinstance(inner, SemanticIssues):
                patched = {
                    place: fields | standing_in.get(place, set())
                    for place, fields in bad.items()
                    if place not in dropped
                }
                return [
                    locate_issue(issue, locate)
                    for issue in _not_caused_by(inner.issues, data, kept, patched, dropped)
                ]
        # a required field left out: give it a stand-in; anything else: drop the row
        for err in errors:
            loc = tuple(err["loc"])
            place = _row_of(loc)
            if place is None or place[0] not in kept:
                return []
            row = (place[0], kept[place[0]][place[1]])
            rest = loc[len(place[0]) + 1 :]
            field = str(rest[0]) if rest else ""
            if row not in bad:
                return []
            if err["type"] == "missing" and field and field not in standing_in.get(row, set()):
                standing_in.setdefault(row, set()).add(field)
            else:
                dropped.add(row)
    return []


def _patched(
    data: dict[str, Any],
    bad: dict[_Row, set[str]],
    standing_in: dict[_Row, set[str]],
    dropped: set[_Row],
) -> tuple[dict[str, Any], dict[tuple[str, ...], list[int]]]:
    """``data`` with the bad fields left out of their rows, a stand-in for the required
    ones (``standing_in``; a row for which none fits is added to ``dropped``) and the
    ``dropped`` rows left out; and per table, the original index of every row kept."""
    pruned = copy.copy(data)
    kept: dict[tuple[str, ...], list[int]] = {}
    for table_path in {place[0] for place in bad}:
        node = pruned
        for part in table_path[:-1]:
            node[part] = copy.copy(node[part])
            node = node[part]
        rows = node[table_path[-1]]
        model = TABLE_BY_PATH[table_path].model
        out: list[Any] = []
        kept[table_path] = []
        for i, row in enumerate(rows):
            place = (table_path, i)
            if place in bad and place not in dropped:
                if not isinstance(row, dict):
                    dropped.add(place)
                    continue
                row = {k: v for k, v in row.items() if k not in bad[place]}
                for name in standing_in.get(place, set()):
                    row[name] = _stand_in(model, row, name)
                    if row[name] is ABSENT:
                        dropped.add(place)
                        break
            if place in dropped:
                continue
            out.append(row)
            kept[table_path].append(i)
        node[table_path[-1]] = out
    return pruned, kept


_STAND_INS: tuple[Any, ...] = ("x", 1, 0.5, "2026-01-01", "12:00", False, [])


def _stand_in(model: type[BaseModel], row: dict[str, Any], name: str) -> Any:
    """A value field ``name`` of ``model`` accepts in ``row`` (the first of its choices,
    or of :data:`_STAND_INS`), to stand in for a bad required value; ABSENT if none fits."""
    info = model.model_fields.get(name)
    if info is None:
        return ABSENT
    for value in (*kind_of(info).choices, *_STAND_INS):
        try:
            model.model_validate({**row, name: value})
        except ValidationError as exc:
            if any(err["loc"][:1] == (name,) for err in exc.errors()):
                continue
        return value
    return ABSENT


def _not_caused_by(
    issues: Iterable[Issue],
    data: dict[str, Any],
    kept: dict[tuple[str, ...], list[int]],
    patched: dict[_Row, set[str]],
    dropped: set[_Row],
) -> Iterable[Issue]:
    """The issues of the patched data that the bad rows cannot have caused, their paths
    pointing at the rows of ``data`` again (see :func:`_cross_row_issues_despite`)."""

    def row_ids(rows: Iterable[_Row]) -> set[str]:
        ids = (value_at(data, (*row[0], row[1], "id")) for row in rows)
        return {str(i).strip() for i in ids if i is not None}

    dropped_ids, patched_ids = row_ids(dropped), row_ids(patched)
    compared = {row[0] for row in [*patched, *dropped]} & _COMPARED_ROWS
    for issue in issues:
        place = _row_of(issue.path)
        if place is not None and place[0] in kept:
            n = len(place[0])
            place = (place[0], kept[place[0]][place[1]])
            issue = dataclasses.replace(issue, path=(*place[0], place[1], *issue.path[n + 1 :]))
        ref = issue.id_ref.id if issue.id_ref is not None else None
        by_id = issue.code in ID_CODES
        if place in patched:
            field = issue.path[len(place[0]) + 1] if len(issue.path) > len(place[0]) + 1 else ""
            if not by_id or str(field) in patched[place]:
                continue
        elif ref in dropped_ids or (ref in patched_ids and not by_id):
            continue
        if place is not None and place[0] in compared and not by_id:
            continue
        if ("calendar", "school_years") in compared and issue.code == OUTSIDE_SCHOOL_YEARS:
            continue
        yield issue


def name_duplicate_rows(
    issue: Issue, data: Any, users: Callable[[list[Path]], str | None]
) -> Issue:
    """A duplicate id names every row that uses it, not only the repeat it sits on.

    ``data`` is what was validated (the instance as plain data); ``users`` says where the
    rows at the given model paths are, in the words of the format (``rows 2 and 12``),
    or None to keep the count. The issue is recognised by its code and id, not its words.
    """
    ref = issue.id_ref
    place = _row_of(issue.path)
    if issue.code != DUPLICATE_ID or ref is None or place is None:
        return issue
    rows = value_at(data, place[0])
    if not isinstance(rows, list):
        return issue
    paths: list[Path] = [
        (*place[0], i)
        for i, row in enumerate(rows)
        if isinstance(row, dict) and str(row.get("id", "")).strip() == ref.id
    ]
    text = users(paths) if len(paths) > 1 else None
    if text is None:
        return issue
    return dataclasses.replace(issue, message=semantic.duplicate_id_message(ref.what, ref.id, text))


def _row_numbers(locate: Callable[[Path], Where]) -> Callable[[list[Path]], str | None]:
    """The rows of a table as ``rows 2 and 12`` (for :func:`name_duplicate_rows`)."""

    def users(paths: list[Path]) -> str | None:
        numbers = [locate(path).row for path in paths]
        if any(n is None for n in numbers):
            return None
        return "rows " + listing([str(n) for n in numbers])

    return users


_TIME_LIKE = re.compile(r"^\d{1,2}[:.]\d{2}")


def value_at(data: Any, path: Sequence[str | int]) -> Any:
    """The value at a model path in plain data (None where the path leads nowhere)."""
    for part in path:
        if isinstance(part, int):
            data = data[part] if isinstance(data, list) and 0 <= part < len(data) else None
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def _clock(value: Any) -> str:
    """A time of a time-block row as planners write it: 08:30 (JSON gives 08:30:00)."""
    text = "?" if value is None else str(value)
    return text[:-3] if re.fullmatch(r"\d{1,2}:\d{2}:00", text) else text


def time_block_hint(issue: Issue, data: Any, noun: str = "column") -> Issue:
    """A bad or unknown id in a field of time-block ids (``slot.block``, ``roster.mon``):
    name the blocks with their times, and say so when a time was typed (``8:30``).

    ``data`` is what was validated (the instance as plain data); ``noun`` is what the
    format calls the place of a value (a table's column, a JSON or change file's field)."""
    place = _row_of(issue.path)
    if place is None:
        return issue
    spec = TABLE_BY_PATH[place[0]]
    column = ".".join(p for p in issue.path[len(place[0]) + 1 :] if isinstance(p, str))
    blocks = value_at(data, ("calendar", "time_blocks"))
    if (column, "time_blocks") not in spec.refs or not isinstance(blocks, list) or not blocks:
        return issue
    ref = issue.id_ref
    unknown_block = issue.code == UNKNOWN_ID and ref is not None and ref.what == "time block"
    if issue.code != "string_pattern_mismatch" and not unknown_block:
        return issue
    rows = [row if isinstance(row, dict) else {} for row in blocks]
    shown = ", ".join(
        f"{row.get('id')} = {_clock(row.get('start'))}-{_clock(row.get('end'))}" for row in rows[:8]
    )
    more = ", ..." if len(rows) > 8 else ""
    message = issue.message
    value = value_at(data, issue.path)
    if isinstance(value, str) and _TIME_LIKE.match(value):
        message = f"{value!r} is a time; this {noun} takes the id of a time block"
    return dataclasses.replace(issue, message=message, fix=f"use a time_blocks id: {shown}{more}")


def id_hints(
    data: Any, users: Callable[[list[Path]], str | None], noun: str = "column"
) -> Callable[[Issue], Issue]:
    """What every reader of an instance (tables, JSON, change files) adds to the issues of
    ``data``: a time typed for a time-block id names the blocks (:func:`time_block_hint`),
    a duplicate id names its rows (:func:`name_duplicate_rows`, ``users``)."""

    def refine(issue: Issue) -> Issue:
        return name_duplicate_rows(time_block_hint(issue, data, noun), data, users)

    return refine


def _repeats_missing_column(issue: Issue, missing: set[tuple[tuple[str, ...], str]]) -> bool:
    """A per-row 'value required' for a column already reported as missing."""
    if issue.code != "missing":
        return False
    path = issue.path
    for spec_path, column in missing:
        n = len(spec_path)
        if tuple(str(p) for p in path[:n]) == spec_path and len(path) > n + 1:
            names = [p for p in path[n + 1 :] if isinstance(p, str)]
            if ".".join(names) == column:
                return True
    return False


def _sorted(issues: list[Issue]) -> list[Issue]:
    """Issues in reading order: settings first, then by source, row, column."""
    return sorted(
        issues,
        key=lambda i: (
            i.source or "",
            i.row if i.row is not None else -1,
            i.line if i.line is not None else -1,
        ),
    )


__all__ = [
    "DEFAULT_MAX_FILE_MB",
    "SETTINGS",
    "TABLES",
    "Header",
    "IssueSink",
    "SettingsRead",
    "TableRead",
    "TableSpec",
    "assemble",
]
