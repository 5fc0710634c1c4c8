"""The Excel workbook and the CSV files: the plan's tables for planners' spreadsheets.

Workbook (pandas + openpyxl): one sheet per table of :mod:`composer.export.tables`,
summary first; every sheet has a bold, frozen header row, an autofilter over its data,
column widths fitted to the content (capped), dates stored as real Excel dates
(``yyyy-mm-dd``) and clock times as Excel times (``hh:mm``); rows over their facilitation
capacity (L6) are shaded red. CSV: the same tables as ``<table>.csv``, UTF-8 with a BOM
(so Excel shows accents right), comma-separated, ISO dates and ``HH:MM`` times. Text that
a spreadsheet would run as a formula (names come from spreadsheets) is never written as
one: a text cell in the workbook, prefixed with ``'`` in CSV.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from composer.export.tables import Table

DATE_FORMAT = "yyyy-mm-dd"
TIME_FORMAT = "hh:mm"
MAX_WIDTH = 60
MIN_WIDTH = 6
OVER_FILL = PatternFill(fill_type="solid", start_color="FFF4C7C3", end_color="FFF4C7C3")


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date | dt.datetime):
        return 10
    if isinstance(value, dt.time):
        return 5
    if isinstance(value, float):
        return len(f"{value:.3g}") + 2
    return max((len(line) for line in str(value).splitlines()), default=0)


def _format_sheet(ws: Worksheet, frame: pd.DataFrame) -> None:
    """Header, freeze, filter, widths, date/time formats and L6 shading of one sheet."""
    ncols = len(frame.columns)
    nrows = len(frame)
    ws.freeze_panes = "A2"
    if ncols:
        last = get_column_letter(ncols)
        ws.auto_filter.ref = f"A1:{last}{nrows + 1}"
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    over_col = list(frame.columns).index("over_capacity") + 1 if "over_capacity" in frame else 0
    for col_idx, column in enumerate(frame.columns, start=1):
        width = len(str(column))
        letter = get_column_letter(col_idx)
        for row_idx, value in enumerate(frame[column], start=2):
            width = max(width, _display_width(value))
            if isinstance(value, str) and value.startswith("="):
                ws[f"{letter}{row_idx}"].data_type = "s"  # text from a spreadsheet, not a formula
            if isinstance(value, dt.time):
                cell = ws[f"{letter}{row_idx}"]
                cell.value = value  # pandas writes times as text; store an Excel time
                cell.number_format = TIME_FORMAT
            elif isinstance(value, dt.date):
                ws[f"{letter}{row_idx}"].number_format = DATE_FORMAT
        ws.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    if over_col:
        for row_idx in range(2, nrows + 2):
            if ws.cell(row=row_idx, column=over_col).value is True:
                for col_idx in range(1, ncols + 1):
                    ws.cell(row=row_idx, column=col_idx).fill = OVER_FILL


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


def write_workbook(tables: dict[str, Table], path: Path) -> Path:
    """Write ``tables`` as one workbook at ``path`` (one sheet each, summary first)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables.items():
            table.frame.to_excel(writer, sheet_name=name[:31], index=False)
            _format_sheet(writer.sheets[name[:31]], table.frame)
    return path


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
        table.frame.map(_csv_cell).to_csv(path, index=False, encoding="utf-8-sig")
        written.append(path)
    return written
