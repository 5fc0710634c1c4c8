"""The Excel workbook and the CSV files: the plan's tables for planners' spreadsheets.

Workbook (XlsxWriter, a write-only library; openpyxl, which reads instance workbooks and
the tests' output, took about three times the CPU to write a national plan's million
cells, see benchmarks/README.md, exports): one sheet per table of
:mod:`composer.export.tables`, summary first; every sheet has a bold, frozen header row,
an autofilter over its data, column widths fitted to the content (capped), dates stored as
real Excel dates (``yyyy-mm-dd``) and clock times as Excel times (``hh:mm``); rows over
their facilitation capacity (L6) are shaded red. Text is always written as text, so a
name a spreadsheet would run as a formula (names come from spreadsheets) stays a name.
CSV: the same tables as ``<table>.csv``, UTF-8 with a BOM (so Excel shows accents right),
comma-separated, ISO dates and ``HH:MM`` times; formula-like text is prefixed with ``'``.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from composer.export.tables import Table

DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "hh:mm"
MAX_WIDTH = 60
MIN_WIDTH = 6
OVER_COLOUR = "#F4C7C3"
SHEET_NAME_LENGTH = 31  # Excel's limit


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date | dt.datetime):
        return 10
    if isinstance(value, dt.time):
        return 5
    if isinstance(value, float):
        return len(f"{value:.3g}") + 2
    text = str(value)
    if "\n" in text:
        return max(len(line) for line in text.splitlines())
    return len(text)


class _Formats:
    """The workbook's cell formats: plain, date, time, each also shaded (over capacity)."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self.header = book.add_format({"bold": True})
        self.plain: dict[str, Format | None] = {
            "date": book.add_format({"num_format": DATE_FORMAT}),
            "time": book.add_format({"num_format": TIME_FORMAT}),
            "other": None,
        }
        self.over: dict[str, Format | None] = {
            "date": book.add_format({"num_format": DATE_FORMAT, "bg_color": OVER_COLOUR}),
            "time": book.add_format({"num_format": TIME_FORMAT, "bg_color": OVER_COLOUR}),
            "other": book.add_format({"bg_color": OVER_COLOUR}),
        }


def _write_cell(
    ws: Worksheet, row: int, col: int, value: Any, formats: dict[str, Format | None]
) -> None:
    """One cell with its Excel type and an explicit format.

    Text stays text (``write_string``: never a formula), dates and times become Excel
    serials with a date or time format, numbers and booleans keep their type.
    """
    kind = type(value)
    if kind is str:
        ws.write_string(row, col, value, formats["other"])
        return
    if value is None or (kind is float and math.isnan(value)):
        if formats["other"] is not None:
            ws.write_blank(row, col, None, formats["other"])
        return
    if kind is bool:
        ws.write_boolean(row, col, value, formats["other"])
    elif kind is dt.date or kind is dt.datetime:
        ws.write_datetime(row, col, value, formats["date"])
    elif kind is dt.time:
        ws.write_datetime(row, col, value, formats["time"])
    elif isinstance(value, numbers.Real):
        ws.write_number(row, col, value, formats["other"])
    elif isinstance(value, dt.date):  # a subclass of date or datetime
        ws.write_datetime(row, col, value, formats["date"])
    else:
        ws.write_string(row, col, str(value), formats["other"])


def _column_kind(values: set[Any]) -> str:
    """``date``, ``time``, ``other`` or ``mixed`` (dates or times among other values)."""
    kinds = {type(v) for v in values if v is not None}
    dates = {k for k in kinds if issubclass(k, dt.date)}
    times = {k for k in kinds if issubclass(k, dt.time)}
    if not dates and not times:
        return "other"
    if dates == kinds:
        return "date"
    if times == kinds:
        return "time"
    return "mixed"


def _write_sheet(book: xlsxwriter.Workbook, formats: _Formats, name: str, table: Table) -> None:
    """Header, data, freeze, filter, widths, date/time formats and L6 shading of one sheet.

    A column of dates or times gets its number format as the column's format, which
    Excel applies to every cell written without one, so plain rows go through
    ``write_row`` (XlsxWriter's own type dispatch: text as text, ``None`` blank). Rows
    over capacity, and every row of a sheet mixing dates or times with other values in
    one column, are written cell by cell with explicit formats.
    """
    frame = table.frame.astype(object)
    frame = frame.where(frame.notna(), None)  # NaN would be written as an error
    ws = book.add_worksheet(name[:SHEET_NAME_LENGTH])
    columns = [str(c) for c in frame.columns]
    for col, column in enumerate(columns):
        ws.write_string(0, col, column, formats.header)
    kinds = []
    for col, column in enumerate(columns):
        distinct = set(frame.iloc[:, col])
        kind = _column_kind(distinct)
        kinds.append(kind)
        width = max([len(column), *(_display_width(v) for v in distinct)])
        ws.set_column(col, col, min(MAX_WIDTH, max(MIN_WIDTH, width + 2)), formats.plain.get(kind))
    over_col = columns.index("over_capacity") if "over_capacity" in columns else -1
    by_cell = "mixed" in kinds
    for row, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        shaded = over_col >= 0 and values[over_col] is True
        if shaded or by_cell:
            shade = formats.over if shaded else formats.plain
            for col, value in enumerate(values):
                _write_cell(ws, row, col, value, shade)
        else:
            ws.write_row(row, 0, values)
    ws.freeze_panes(1, 0)
    if columns:
        ws.autofilter(0, 0, len(frame), len(columns) - 1)


def write_workbook(tables: dict[str, Table], path: Path) -> Path:
    """Write ``tables`` as one workbook at ``path`` (one sheet each, summary first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    formats = _Formats(book)
    for name, table in tables.items():
        _write_sheet(book, formats, name, table)
    book.close()
    return path


def _formula_like(value: Any) -> bool:
    """Text a spreadsheet would run as a formula (``=``, ``+``, ``@``, ``-`` not a number)."""
    if not isinstance(value, str) or len(value) < 2:
        return False
    if value[0] in "=+@":
        return True
    if value[0] == "-":
        try:
            float(value)
        except ValueError:
            return True
    return False


def _csv_cell(value: Any) -> Any:
    if _formula_like(value):
        return "'" + value  # a spreadsheet opening the CSV must not run it as a formula
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_csv_folder(tables: dict[str, Table], folder: Path) -> list[Path]:
    """Write each table as ``folder/<name>.csv``; returns the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        # cell by cell into an object frame: DataFrame.map would re-infer each column's
        # type and write a whole-number column with a blank cell as 2.0
        cells = {
            column: [_csv_cell(v) for v in table.frame[column]] for column in table.frame.columns
        }
        frame = pd.DataFrame(cells, columns=table.frame.columns, dtype=object)
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    return written
