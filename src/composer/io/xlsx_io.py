"""The workbook format: one ``.xlsx`` with a sheet per table and a ``settings`` sheet.

Planners work in Excel, so the workbook is a first-class format. Written workbooks start
with a ``README`` sheet saying what the file is and what every column means, then
``settings`` (``key``, ``value``, ``meaning``), then one sheet per table with a frozen,
filterable header row, readable column widths, real dates, numbers and booleans, and text
cells for ids and text (``0012`` stays ``0012``, ``=x`` stays text).

Reading takes every cell as text for its column (see :mod:`composer.io.cells`) and refuses
what cannot be read safely: merged cells (named by range), formulas without a saved
value, Excel error values (``#REF!``), a date where the column holds no dates (Excel's
auto-conversion of ``1-2``), unknown sheets and columns (with a did-you-mean). Formulas
with a saved value are read as that value.
"""

from __future__ import annotations

import io
import re
import warnings
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser
from openpyxl.worksheet.cell_range import CellRange

from composer.errors import InputError, Issue, OutputExistsError
from composer.io.cells import ABSENT, CellError, excel_value_of, text_from_excel, value_from_text
from composer.io.fields import Column, did_you_mean
from composer.io.issues import Path as ModelPath
from composer.io.issues import Where
from composer.io.safe_write import atomic_write_bytes
from composer.io.tabular import (
    COMMENT_PREFIX,
    RECORD_LISTS,
    SETTINGS,
    TABLE_BY_NAME,
    TABLES,
    IssueSink,
    RecordList,
    Setting,
    SettingsRead,
    TableRead,
    add_rows,
    assemble,
    column_label,
    format_key,
    missing_columns,
    read_header,
    settings_column,
    settings_keys,
    table_for_key,
)
from composer.model.instance import Instance

SETTINGS_SHEET = "settings"
README_SHEET = "README"
IGNORED_SHEETS = frozenset({"readme"})
MAX_CELL_TEXT = 32_767
"""Excel's limit on the characters in one cell."""

_HEADER_FONT = Font(bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="305496")
_BOLD = Font(bold=True)
_DATE_FORMAT = "dd-mm-yyyy"


def sheet_source(name: str) -> str:
    """How an issue names a sheet: ``sheet learners``."""
    return f"sheet {name}"


# --------------------------------------------------------------------------- reading


def _open(path: Path, data_only: bool, read_only: bool, sink: IssueSink) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(
                path, data_only=data_only, read_only=read_only, keep_links=False
            )
    except Exception as exc:  # any parser failure means: not a readable workbook
        sink.add(
            Issue(
                f"cannot open the workbook ({type(exc).__name__}: {exc})",
                path.name,
                fix="open it in Excel and save it again as 'Excel Workbook (.xlsx)'",
            )
        )
        return None


class _XCell(NamedTuple):
    """One cell as the sheet parser reports it."""

    value: Any
    data_type: str
    column: int


@dataclass
class _Sheet:
    """A worksheet read in one pass: its stored rows and its merged ranges."""

    title: str
    rows: list[tuple[int, list[_XCell]]]
    merged: list[CellRange]


def _parse_sheet(wb: Any, ws: Any) -> _Sheet:
    """Read a read-only worksheet with openpyxl's sheet parser (cell values, types, merges).

    The parser is what openpyxl's own read-only mode uses; driving it directly gives every
    cell's type (formula, error, date) at about twice the speed of a normal load.
    """
    rows: list[tuple[int, list[_XCell]]] = []
    with ws._get_source() as src:
        parser = WorkSheetParser(
            src,
            ws._shared_strings,
            data_only=False,
            epoch=wb.epoch,
            date_formats=wb._date_formats,
            timedelta_formats=wb._timedelta_formats,
        )
        for row_number, cells in parser.parse():
            present = [c for c in cells if c["value"] is not None]
            if not present:
                continue
            width = max(c["column"] for c in present)
            line = [_XCell(None, "n", col) for col in range(1, width + 1)]
            for c in present:
                line[c["column"] - 1] = _XCell(c["value"], c["data_type"], c["column"])
            rows.append((row_number, line))
        merged = parser.merged_cells.mergeCell if parser.merged_cells else []
    return _Sheet(ws.title, rows, [CellRange(m.ref) for m in merged])


class _SheetReader:
    """Reads the cells of one sheet to text, reporting formulas, errors and merges."""

    def __init__(self, sheet: _Sheet, sink: IssueSink) -> None:
        self.sheet = sheet
        self.source = sheet_source(sheet.title)
        self.sink = sink
        self.formulas: list[tuple[int, int, str]] = []

    def label(self, header: list[Column | None] | None, col: int) -> str:
        """The column header of a 1-based column, else its letter."""
        if header is not None and col - 1 < len(header):
            found = header[col - 1]
            if found is not None:
                return found.name
        return get_column_letter(col)

    def merged(self, header: list[Column | None] | None) -> None:
        for merged in sorted(self.sheet.merged, key=lambda r: (r.min_row, r.min_col)):
            self.sink.add_cell(
                Issue(
                    f"merged cells {merged.coord}: every value needs its own cell",
                    self.source,
                    merged.min_row,
                    self.label(header, merged.min_col),
                    fix="select the range, choose 'Unmerge cells' and fill in every cell",
                )
            )
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    self.sink.cells.add((self.source, row, self.label(header, col)))

    def text(self, cell: _XCell, column: Column | None, row: int, label: str) -> str:
        value = cell.value
        if cell.data_type == "f":
            formula = value if isinstance(value, str) else getattr(value, "text", "")
            self.formulas.append((row, cell.column, f"{formula}"))
            return ""
        if cell.data_type == "e":
            self.sink.add_cell(
                Issue(
                    f"the cell holds the Excel error {value}",
                    self.source,
                    row,
                    label,
                    fix="correct the formula or type the value",
                )
            )
            return ""
        if column is None:
            return "" if value is None else str(value)
        try:
            return text_from_excel(value, column.kind)
        except CellError as exc:
            self.sink.add_cell(Issue(str(exc), self.source, row, label, fix=exc.fix))
            return ""


def _cached_values(path: Path, sheets: dict[str, list[tuple[int, int, str]]]) -> dict:
    """The values Excel saved for formula cells: {(sheet, row, col): value}."""
    sink = IssueSink()
    wb = _open(path, data_only=True, read_only=True, sink=sink)
    found: dict[tuple[str, int, int], Any] = {}
    if wb is None:
        return found
    try:
        for title, cells in sheets.items():
            wanted = {(r, c) for r, c, _ in cells}
            rows = {r for r, _ in wanted}
            for row_cells in wb[title].iter_rows(min_row=min(rows), max_row=max(rows)):
                for cell in row_cells:
                    coord = (getattr(cell, "row", None), getattr(cell, "column", None))
                    if coord in wanted:
                        found[(title, *coord)] = cell.value
    finally:
        wb.close()
    return found


def _formula_values(
    path: Path,
    readers: list[tuple[_SheetReader, list[Column | None]]],
    sink: IssueSink,
) -> dict[tuple[str, int, int], str]:
    """Text of every formula cell with a saved value; issues for those without one."""
    pending = {r.sheet.title: r.formulas for r, _ in readers if r.formulas}
    if not pending:
        return {}
    cached = _cached_values(path, pending)
    texts: dict[tuple[str, int, int], str] = {}
    for reader, header in readers:
        for row, col, formula in reader.formulas:
            value = cached.get((reader.sheet.title, row, col))
            column = header[col - 1] if col - 1 < len(header) else None
            label = column.name if column is not None else get_column_letter(col)
            if value is None:
                sink.add_cell(
                    Issue(
                        f"the formula {formula} has no saved value",
                        reader.source,
                        row,
                        label,
                        fix="open the workbook in Excel and save it (Excel stores the results), "
                        "or replace the formula by its value",
                    )
                )
                continue
            if column is None:
                continue
            try:
                texts[(reader.sheet.title, row, col)] = text_from_excel(value, column.kind)
            except CellError as exc:
                sink.add_cell(Issue(str(exc), reader.source, row, label, fix=exc.fix))
    return texts


def _read_table_sheet(
    sheet: _Sheet, name: str, sink: IssueSink
) -> tuple[_SheetReader, TableRead, list[Column | None], list[tuple[int, list[str]]], Any]:
    spec = TABLE_BY_NAME[name]
    reader = _SheetReader(sheet, sink)
    table = TableRead(spec, reader.source)
    rows = iter(sheet.rows)
    first = next(rows, None)
    if first is None:
        reader.merged(None)
        sink.add(
            Issue(
                "the sheet is empty (not even a header row)",
                reader.source,
                fix=f"delete the sheet, or give it at least the header row of {name}",
            )
        )
        table.readable = False
        return reader, table, [], [], None
    header_row, header_cells = first
    header_texts = [
        reader.text(c, None, header_row, column_label(i)) for i, c in enumerate(header_cells)
    ]
    header = read_header(spec, reader.source, header_texts, header_row, sink)
    table.present = {c.name for c in header.columns if c is not None}
    table.missing = missing_columns(spec, reader.source, header, header_row, sink)
    reader.merged(header.columns)
    records: list[tuple[int, list[str]]] = []
    for row, cells in rows:
        texts = []
        for i, cell in enumerate(cells):
            column = header.columns[i] if i < len(header.columns) else None
            label = column.name if column is not None else column_label(i)
            texts.append(reader.text(cell, column, row, label))
        records.append((row, texts))
    return reader, table, header.columns, records, header


def _read_settings_sheet(sheet: _Sheet, sink: IssueSink) -> SettingsRead:
    """The ``settings`` sheet: a ``key`` and a ``value`` column (other columns are notes)."""
    source = sheet_source(sheet.title)
    reader = _SheetReader(sheet, sink)
    rows = sheet.rows
    reader.merged(None)
    data: dict[str, Any] = {}
    key_rows: dict[str, int] = {}
    numbering: dict[str, dict[int, int]] = defaultdict(dict)

    def locate(path: ModelPath) -> Where:
        shown = list(path)
        if shown and isinstance(shown[0], str) and shown[0] in RECORD_LISTS and len(shown) > 1:
            position = shown[1]
            if isinstance(position, int):
                shown[1] = numbering[str(shown[0])].get(position, position + 1) - 1
        key = format_key(shown)
        probe = key
        while probe and probe not in key_rows:
            probe = probe.rpartition(".")[0]
        row = key_rows.get(probe)
        return Where(source, row, "value" if row is not None else None, key or None)

    if not rows:
        sink.add(Issue("the sheet is empty", source, fix="add a header row 'key', 'value'"))
        return SettingsRead(source, data, locate, readable=False)
    header_row, header_cells = rows[0]
    names = [str(c.value).strip().lower() if c.value is not None else "" for c in header_cells]
    if "key" not in names or "value" not in names:
        sink.add(
            Issue(
                "the settings sheet needs a header row with the columns 'key' and 'value'",
                source,
                header_row,
                fix="put 'key' and 'value' in the first row (a 'meaning' column may follow)",
            )
        )
        return SettingsRead(source, data, locate, readable=False)
    key_col, value_col = names.index("key"), names.index("value")
    records: dict[str, dict[int, Any]] = defaultdict(dict)
    for row, cells in rows[1:]:
        key_cell = cells[key_col] if key_col < len(cells) else None
        value_cell = cells[value_col] if value_col < len(cells) else None
        key = str(key_cell.value).strip() if key_cell is not None and key_cell.value else ""
        if not key or key.startswith(COMMENT_PREFIX):
            if key == "" and value_cell is not None and value_cell.value not in (None, ""):
                sink.add(
                    Issue(
                        "a value without a key",
                        source,
                        row,
                        "key",
                        fix="fill in the key, or delete the row",
                    )
                )
            continue
        parts: list[str | int] = [
            int(part) - 1 if part.strip().isdigit() else part.strip() for part in key.split(".")
        ]
        shape_ok = (
            len(parts) == 3
            and isinstance(parts[1], int)
            and parts[1] >= 0
            and parts[0] in RECORD_LISTS
            if parts[0] in RECORD_LISTS
            else all(isinstance(p, str) for p in parts)
        )
        target = settings_column(parts)
        if key in key_rows:
            sink.add(
                Issue(
                    f"key {key} is given twice (first in row {key_rows[key]})",
                    source,
                    row,
                    "key",
                    key=key,
                    fix="keep one of the two rows",
                )
            )
            continue
        key_rows[key] = row
        if target is None or isinstance(target, RecordList) or not shape_ok:
            spec = table_for_key(parts)
            if spec is not None:
                message = f"{key} is a table, not a setting"
                fix = f"put these rows in the sheet {spec.name}"
            else:
                known = [k.replace(".N.", ".1.") for k in settings_keys()]
                message = f"unknown setting {key}{did_you_mean(key, known)}"
                fix = "see README, Formats, for the settings keys (records: sources.1.name)"
            sink.add(Issue(message, source, row, "key", key=key, fix=fix))
            continue
        cell = value_cell if value_cell is not None else _XCell(None, "n", value_col + 1)
        text = reader.text(cell, target, row, "value")
        value = value_from_text(text, target)
        if reader.formulas:
            sink.add(
                Issue(
                    "formulas are not read in the settings sheet",
                    source,
                    row,
                    "value",
                    key=key,
                    fix="type the value itself",
                )
            )
            reader.formulas.clear()
            continue
        if value is ABSENT:
            continue
        if isinstance(parts[1 if len(parts) > 1 else 0], int):
            list_key, number, field_name = str(parts[0]), int(parts[1]), str(parts[2])
            records[list_key].setdefault(number, {})[field_name] = value
        else:
            node = data
            for part in parts[:-1]:
                node = node.setdefault(str(part), {})
            node[str(parts[-1])] = value
    for list_key, by_number in records.items():
        ordered = sorted(by_number)
        numbering[list_key] = {i: n + 1 for i, n in enumerate(ordered)}
        data[list_key] = [by_number[n] for n in ordered]
    return SettingsRead(source, data, locate)


def read_workbook(path: Path) -> Instance:
    """Load an instance from an ``.xlsx`` workbook; every problem located by sheet, row, column."""
    path = Path(path)
    sink = IssueSink()
    wb = _open(path, data_only=False, read_only=True, sink=sink)
    if wb is None:
        raise InputError(sink.issues, f"{path.name} is not a readable workbook")
    try:
        return _read_open_workbook(path, wb, sink)
    finally:
        wb.close()


def _read_open_workbook(path: Path, wb: Any, sink: IssueSink) -> Instance:
    settings: SettingsRead | None = None
    tables: dict[str, TableRead] = {}
    found: dict[str, str] = {}
    pending: list[tuple[_SheetReader, TableRead, list[Column | None], list, Any]] = []
    for title in wb.sheetnames:
        ws = wb[title]
        name = title.strip().lower()
        if name in IGNORED_SHEETS or name.startswith(COMMENT_PREFIX):
            continue
        if not isinstance(ws, ReadOnlyWorksheet):
            continue  # a chart sheet
        if name in TABLE_BY_NAME or name == SETTINGS_SHEET:
            try:
                sheet = _parse_sheet(wb, ws)
            except Exception as exc:  # a damaged sheet inside a readable workbook
                sink.add(
                    Issue(
                        f"cannot read the sheet ({type(exc).__name__}: {exc})",
                        sheet_source(title),
                        fix="open the workbook in Excel and save it again",
                    )
                )
                found.setdefault(name, title)
                continue
        if name == SETTINGS_SHEET:
            settings = _read_settings_sheet(sheet, sink)
            continue
        if name not in TABLE_BY_NAME:
            candidates = [t.name for t in TABLES] + [SETTINGS_SHEET]
            sink.add(
                Issue(
                    f"unknown sheet {title!r}{did_you_mean(name, candidates)}",
                    sheet_source(title),
                    fix="rename it to one of the tables (see README, Formats), or start its "
                    f"name with '{COMMENT_PREFIX}' to keep it in the workbook as notes",
                ),
            )
            continue
        if name in found:
            sink.add(Issue(f"two sheets for table {name}", sheet_source(title)))
            continue
        found[name] = title
        pending.append(_read_table_sheet(sheet, name, sink))
    if settings is None and SETTINGS_SHEET not in found:
        sink.add(
            Issue(
                f"missing the sheet {SETTINGS_SHEET!r}",
                path.name,
                fix="add a sheet 'settings' with the columns 'key' and 'value' and at least the "
                "row 'name' (see README, Formats)",
            )
        )
    formula_texts = _formula_values(path, [(p[0], p[2]) for p in pending], sink)
    for reader, table, _columns, records, header in pending:
        if not table.readable or header is None:
            continue
        if formula_texts:
            for row, texts in records:
                for i in range(len(texts)):
                    text = formula_texts.get((reader.sheet.title, row, i + 1))
                    if text is not None:
                        texts[i] = text
        add_rows(table, header, records, sink, extra_cells_per_row=False)
        tables[table.spec.name] = table
    return assemble(
        tables,
        settings,
        sink,
        f"{path.name} is not a valid instance",
        lambda target: None if target in found else f"sheet {target}",
    )


# --------------------------------------------------------------------------- writing


_NOT_XML = re.compile("[\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot hold beyond openpyxl's control characters: a workbook with
them is written but cannot be opened again (found by the round-trip property test)."""


def _text_problem(value: str) -> str | None:
    if ILLEGAL_CHARACTERS_RE.search(value) or "\r" in value:
        return "holds a control character (or a carriage return) that a workbook cannot store"
    if _NOT_XML.search(value):
        return "holds a character (U+FFFE, U+FFFF or a lone surrogate) a workbook cannot store"
    if len(value) > MAX_CELL_TEXT:
        return f"is longer than the {MAX_CELL_TEXT} characters a workbook cell can hold"
    return None


class _Writer:
    def __init__(self) -> None:
        self.wb = openpyxl.Workbook(write_only=True)

    def cell(self, ws: Any, value: Any, where: tuple[str, int, str], date: bool = False) -> Any:
        """A write-only cell; every value gets its own cell (openpyxl reuses the last cell
        object for plain values, which would carry a date format over to a number).
        Text is checked beforehand (:func:`_check_texts`)."""
        if value is None:
            return None
        if isinstance(value, str):
            cell = WriteOnlyCell(ws)
            cell._value = value
            cell.data_type = "s"  # never a formula or an error code, always text
            return cell
        cell = WriteOnlyCell(ws, value=value)
        if date:
            cell.number_format = _DATE_FORMAT
        return cell

    def header(self, ws: Any, names: list[str]) -> list[Any]:
        cells = []
        for name in names:
            cell = WriteOnlyCell(ws, value=name)
            cell.font = _HEADER_FONT
            cell.fill = _HEADER_FILL
            cells.append(cell)
        return cells


def _widths(header: list[str], rows: list[list[Any]]) -> list[float]:
    widths = [len(h) + 4 for h in header]
    for row in rows[:500]:
        for i, value in enumerate(row):
            if value is None:
                continue
            length = 11 if hasattr(value, "year") else len(str(value))
            widths[i] = max(widths[i], length + 2)
    return [min(w, 60) for w in widths]


def _add_table_sheet(
    writer: _Writer, title: str, header: list[str], rows: list[list[Any]], date_cols: set[int]
) -> None:
    ws = writer.wb.create_sheet(title)
    for i, width in enumerate(_widths(header, rows)):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(max(1, len(header)))}{len(rows) + 1}"
    ws.append(writer.header(ws, header))
    source = sheet_source(title)
    for r, row in enumerate(rows, start=2):
        ws.append(_plain_row(writer, ws, row, (source, r), header, date_cols))


def _plain_row(
    writer: _Writer,
    ws: Any,
    row: list[Any],
    where: tuple[str, int],
    header: list[str],
    date_cols: set[int],
) -> list[Any]:
    """A row for a write-only sheet: plain values where openpyxl writes them right (fast),
    cell objects for dates and for text openpyxl would take for a formula or an error.

    openpyxl writes the plain values after a cell object *into* that object, keeping its
    style, so once a row needs one cell object every later value gets its own.
    """
    out: list[Any] = []
    own_cells = False
    for i, value in enumerate(row):
        if value is None:
            out.append(None)
            continue
        special = (i in date_cols and not isinstance(value, str)) or (
            isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES)
        )
        if special or own_cells:
            own_cells = True
            out.append(writer.cell(ws, value, (*where, header[i]), date=i in date_cols))
        else:
            out.append(value)
    return out


def _settings_rows(instance: Instance) -> list[list[Any]]:
    from composer.io.docs import meaning, record_meaning

    rows: list[list[Any]] = []
    for item in SETTINGS:
        if isinstance(item, Setting):
            value: Any = instance
            for part in item.column.path:
                value = getattr(value, part)
            rows.append([item.key, excel_value_of(value, item.column), meaning(item.column), item])
            continue
        records: Any = instance
        for part in item.path:
            records = getattr(records, part)
        for n, record in enumerate(records, start=1):
            for column in item.columns:
                value = getattr(record, column.name)
                if value is None or (value == "" and not column.required):
                    continue
                rows.append(
                    [
                        f"{item.key}.{n}.{column.name}",
                        excel_value_of(value, column),
                        record_meaning(item.key, column),
                        column,
                    ]
                )
    return rows


def _check_texts(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> None:
    """Refuse, before anything is written, text a workbook cell cannot hold."""
    issues: list[Issue] = []
    for title, header, rows in sheets:
        for r, row in enumerate(rows, start=2):
            for i, value in enumerate(row):
                if isinstance(value, str):
                    problem = _text_problem(value)
                    if problem is not None:
                        label = header[i] if i < len(header) else get_column_letter(i + 1)
                        issues.append(Issue(f"the value {problem}", sheet_source(title), r, label))
    if issues:
        raise InputError(issues, "the instance cannot be written as a workbook")


def workbook_bytes(instance: Instance) -> bytes:
    """The ``.xlsx`` file of an instance, as bytes.

    Everything is checked before the workbook is built, so a value a workbook cannot hold
    is refused (with its sheet, row and column) and nothing is written.
    """
    from composer.io.csv_io import check_writable, table_rows
    from composer.io.docs import readme_sheet_rows

    check_writable(instance, lambda spec: sheet_source(spec.name))
    settings = _settings_rows(instance)
    tables = []
    for spec in TABLES:
        header = [c.name for c in spec.columns]
        rows = [
            [excel_value_of(v, c) for v, c in zip(row, spec.columns, strict=True)]
            for row in table_rows(instance, spec)
        ]
        tables.append((spec, header, rows))
    readme_rows = readme_sheet_rows(instance)
    _check_texts(
        [(SETTINGS_SHEET, ["key", "value", "meaning"], [row[:3] for row in settings])]
        + [(spec.name, header, rows) for spec, header, rows in tables]
        + [(README_SHEET, [], readme_rows[1:])]
    )

    writer = _Writer()
    readme = writer.wb.create_sheet(README_SHEET)
    for i, width in enumerate((24, 22, 14, 100)):
        readme.column_dimensions[get_column_letter(i + 1)].width = width
    for r, row in enumerate(readme_rows, start=1):
        cells = []
        for value in row:
            cell = writer.cell(readme, value, ("sheet README", r, ""))
            if r == 1 and cell is not None:
                cell.font = Font(bold=True, size=14)
            elif isinstance(cell, Cell) and isinstance(value, str) and value.isupper():
                cell.font = _BOLD
            cells.append(cell)
        readme.append(cells)

    ws = writer.wb.create_sheet(SETTINGS_SHEET)
    for i, width in enumerate((42, 30, 90)):
        ws.column_dimensions[get_column_letter(i + 1)].width = width
    ws.freeze_panes = "A2"
    ws.append(writer.header(ws, ["key", "value", "meaning"]))
    for r, (key, value, meaning, column) in enumerate(settings, start=2):
        is_date = isinstance(column, Column) and column.kind.base == "date" and value is not None
        ws.append(
            [
                writer.cell(ws, key, ("sheet settings", r, "key")),
                writer.cell(ws, value, ("sheet settings", r, "value"), date=is_date),
                writer.cell(ws, meaning, ("sheet settings", r, "meaning")),
            ]
        )

    for spec, header, rows in tables:
        dates = {i for i, c in enumerate(spec.columns) if c.kind.base == "date"}
        _add_table_sheet(writer, spec.name, header, rows, dates)
    buffer = io.BytesIO()
    writer.wb.save(buffer)
    return buffer.getvalue()


def write_workbook(instance: Instance, path: Path, force: bool = False) -> None:
    """Write an instance as one ``.xlsx`` file, atomically; refuse an existing file."""
    path = Path(path)
    if path.exists() and not force:
        raise OutputExistsError(f"{path} already exists; use --force to replace it")
    atomic_write_bytes(path, workbook_bytes(instance))


__all__ = ["SETTINGS_SHEET", "read_workbook", "workbook_bytes", "write_workbook"]
