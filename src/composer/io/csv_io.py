"""The CSV-folder format: ``<table>.csv`` per table plus ``instance.yaml`` for the settings.

Reading accepts what spreadsheet programs write: UTF-8 with or without a byte-order mark,
``,`` or ``;`` as separator (Dutch Excel writes ``;``, with decimal commas), blank rows,
``\\r\\n`` line ends. It refuses, with the file, row and a fix, what it cannot read safely:
Windows-1252 or UTF-16 text, tab-separated files, a renamed workbook, a file above the
size limit. Writing produces UTF-8 without BOM, ``,``-separated, ``\\n`` line ends, every
table (an empty one as its header) and ``instance.yaml``, into a folder that replaces the
old one only when complete.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from composer.errors import InputError, Issue
from composer.io.cells import text_of, unwritable
from composer.io.fields import did_you_mean
from composer.io.safe_write import staged_dir
from composer.io.sniff import describe_bytes
from composer.io.tabular import (
    COMMENT_PREFIX,
    TABLE_BY_NAME,
    TABLES,
    IssueSink,
    SettingsRead,
    TableRead,
    TableSpec,
    add_rows,
    assemble,
    max_file_bytes,
    missing_columns,
    read_header,
    size_issue,
)
from composer.io.yaml_io import read_settings_yaml, settings_yaml
from composer.model.instance import Instance

SETTINGS_FILE = "instance.yaml"
SEPARATORS = (",", ";")
"""Accepted separators; the header row decides which one a file uses."""
_OTHER_SEPARATORS = {"\t": "tabs", "|": "'|'"}

csv.field_size_limit(2**31 - 1)


def encoding_issue(raw: bytes, exc: UnicodeDecodeError, source: str, rows: bool = True) -> Issue:
    """A planner-facing issue for text that is not UTF-8, with the row of the first bad byte."""
    position = raw.count(b"\n", 0, exc.start) + 1
    byte = raw[exc.start]
    try:
        raw.decode("cp1252")
        char = bytes([byte]).decode("cp1252")
        message = (
            f"not UTF-8, looks like Windows-1252: byte {byte:#04x} ({char!r} in Windows-1252) "
            "is not UTF-8"
        )
        fix = (
            "save as 'CSV UTF-8 (comma delimited)' in Excel (or re-encode the file as UTF-8)"
            if rows
            else "save the file as UTF-8"
        )
    except UnicodeDecodeError:
        message = f"not UTF-8 text: byte {byte:#04x} is not UTF-8 (unknown encoding)"
        fix = "save the file as UTF-8"
    if rows:
        return Issue(message, source, row=position, fix=fix)
    return Issue(message, source, line=position, fix=fix)


def decode_text(raw: bytes, source: str, sink: IssueSink, path: Path | None = None) -> str | None:
    """The text of a CSV file, or None (with an issue) when it is not UTF-8 text."""
    what = describe_bytes(raw[:4096], path)
    if what is not None:
        sink.add(
            Issue(
                f"this is {what}, not CSV text",
                source,
                fix="export the table as 'CSV UTF-8' from the spreadsheet program",
            )
        )
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        sink.add(
            Issue(
                "the file is UTF-16 text (Excel's 'Unicode text'), not UTF-8",
                source,
                fix="save as 'CSV UTF-8 (comma delimited)' in Excel",
            )
        )
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        sink.add(encoding_issue(raw, exc, source))
        return None


def _split_header(line: str, sep: str) -> list[str]:
    return next(csv.reader([line], delimiter=sep), [])


def choose_separator(text: str, spec: TableSpec, source: str, sink: IssueSink) -> str | None:
    """``,`` or ``;``, whichever makes more of the header's cells known column names."""
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    best, best_score = ",", (-1, -1)
    for sep in SEPARATORS:
        cells = [c.strip().lstrip("\ufeff").lower() for c in _split_header(header_line, sep)]
        score = (sum(1 for c in cells if c in spec.by_name), len(cells))
        if score > best_score:
            best, best_score = sep, score
    if best_score[1] <= 1:
        for sep, name in _OTHER_SEPARATORS.items():
            if sep in header_line:
                sink.add(
                    Issue(
                        f"the columns are separated by {name}; composer reads ',' or ';'",
                        source,
                        row=1,
                        fix="save as 'CSV UTF-8 (comma delimited)' in Excel, or replace the "
                        f"{name} by commas",
                    )
                )
                return None
    return best


def read_table_file(path: Path, spec: TableSpec, sink: IssueSink, limit: int) -> TableRead:
    """Read one ``<table>.csv``; every problem goes to ``sink``."""
    source = path.name
    table = TableRead(spec, source)
    try:
        size = path.stat().st_size
        if size > limit:
            sink.add(size_issue(source, size, limit))
            table.readable = False
            return table
        raw = path.read_bytes()
    except OSError as exc:
        sink.add(Issue(f"cannot read the file ({exc.strerror})", source))
        table.readable = False
        return table
    text = decode_text(raw, source, sink, path)
    if text is None:
        table.readable = False
        return table
    if not text.strip():
        sink.add(
            Issue(
                "the file is empty (not even a header row)",
                source,
                fix=f"delete {source}, or give it at least the header row of {spec.name}",
            )
        )
        table.readable = False
        return table
    sep = choose_separator(text, spec, source, sink)
    if sep is None:
        table.readable = False
        return table
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    records: list[tuple[int, list[str]]] = []
    row_number = 0
    try:
        for record in reader:
            row_number += 1
            records.append((row_number, record))
    except csv.Error as exc:
        sink.add(
            Issue(
                f"cannot split the row into cells ({exc})",
                source,
                row=row_number + 1,
                fix="a value that holds the separator or a line break must be in double quotes, "
                'and a quote inside it doubled ("")',
            )
        )
        table.readable = False
        return table
    header_at = next(
        (i for i, (_, cells) in enumerate(records) if any(c.strip() for c in cells)), None
    )
    if header_at is None:
        sink.add(
            Issue(
                "the file has only empty cells (no header row)",
                source,
                fix=f"delete {source}, or give it at least the header row of {spec.name}",
            )
        )
        table.readable = False
        return table
    header_row, header_cells = records[header_at]
    header = read_header(spec, source, header_cells, header_row, sink)
    table.present = {c.name for c in header.columns if c is not None}
    table.missing = missing_columns(spec, source, header, header_row, sink)
    add_rows(table, header, records[header_at + 1 :], sink, extra_cells_per_row=True)
    return table


def _table_files(folder: Path, sink: IssueSink) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() != ".csv":
            continue
        stem = path.stem
        if stem.startswith((COMMENT_PREFIX, "_", "~$", ".")):
            continue
        name = stem.lower()
        if name in TABLE_BY_NAME:
            if name in found:
                sink.add(
                    Issue(
                        f"two files for table {name}: {found[name].name} and {path.name}",
                        path.name,
                        fix="keep one of them",
                    )
                )
                continue
            found[name] = path
            continue
        sink.add(
            Issue(
                f"unknown table file {path.name}"
                f"{did_you_mean(stem, [t.name + '.csv' for t in TABLES])}",
                path.name,
                fix="rename it to one of the tables (see README, Formats), or start its name "
                f"with '{COMMENT_PREFIX}' to keep it beside the instance",
            ),
        )
    return found


def read_csv_folder(folder: Path, max_file_mb: float | None = None) -> Instance:
    """Load an instance from a folder of ``<table>.csv`` files and ``instance.yaml``."""
    folder = Path(folder)
    limit = max_file_bytes(max_file_mb)
    sink = IssueSink()
    settings: SettingsRead | None = None
    settings_path = folder / SETTINGS_FILE
    if settings_path.is_file():
        size = settings_path.stat().st_size
        if size > limit:
            sink.add(size_issue(SETTINGS_FILE, size, limit))
        else:
            settings = read_settings_yaml(settings_path.read_bytes(), SETTINGS_FILE, sink)
    else:
        settings_like = sorted(p.name for p in folder.glob("*.y*ml"))
        instances = sorted(p.name for p in [*folder.glob("*.json"), *folder.glob("*.xlsx")])
        hint = ""
        if settings_like:
            hint = f" (found {', '.join(settings_like)}: rename it to {SETTINGS_FILE}?)"
        elif instances:
            hint = f" (found {', '.join(instances)}: give that file instead of the folder?)"
        sink.add(
            Issue(
                f"missing {SETTINGS_FILE}{hint}",
                str(folder),
                fix=f"a CSV instance is a folder with {SETTINGS_FILE} (at least 'name: ...') "
                "and one CSV file per table",
            )
        )
    files = _table_files(folder, sink)
    tables: dict[str, TableRead] = {}
    for name, path in files.items():
        table = read_table_file(path, TABLE_BY_NAME[name], sink, limit)
        if table.readable:
            tables[name] = table
    return assemble(
        tables,
        settings,
        sink,
        f"{folder} is not a valid instance",
        lambda target: None if target in files else f"{target}.csv",
    )


def check_writable(instance: Instance, source_of: Callable[[TableSpec], str]) -> None:
    """Refuse (with the place) values a table cell cannot hold without loss."""
    issues: list[Issue] = []
    for spec in TABLES:
        for r, row in enumerate(table_rows(instance, spec), start=2):
            for value, column in zip(row, spec.columns, strict=True):
                reason = unwritable(value, column)
                if reason is not None:
                    issues.append(Issue(reason, source_of(spec), r, column.name))
    if issues:
        raise InputError(issues, "the instance cannot be written in this format without loss")


def write_csv_folder(instance: Instance, out: Path, force: bool = False) -> None:
    """Write ``instance`` as a CSV folder; the folder appears complete or not at all."""
    check_writable(instance, lambda spec: f"{spec.name}.csv")
    with staged_dir(Path(out), force=force) as tmp:
        write_csv_files(instance, tmp)


def write_csv_files(instance: Instance, folder: Path) -> None:
    """Write instance.yaml and every table into an existing (staging) folder."""
    check_writable(instance, lambda spec: f"{spec.name}.csv")
    header = (
        f"composer instance {instance.name}: settings. The tables are the CSV files\n"
        "beside this file. Remove a key to use its default. See README, Formats."
    )
    (folder / SETTINGS_FILE).write_text(settings_yaml(instance, header), encoding="utf-8")
    for spec in TABLES:
        (folder / f"{spec.name}.csv").write_text(table_csv(instance, spec), encoding="utf-8")


def table_rows(instance: Instance, spec: TableSpec) -> list[list[object]]:
    """The values of a table's rows, one list per record, in column order."""
    items: object = instance
    for part in spec.path:
        items = getattr(items, part)
    rows = []
    for item in items:  # type: ignore[attr-defined]
        row = []
        for column in spec.columns:
            value: object = item
            for part in column.path:
                value = getattr(value, part) if value is not None else None
            row.append(value)
        rows.append(row)
    return rows


def table_csv(instance: Instance, spec: TableSpec) -> str:
    """The CSV text of one table (header row first)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in spec.columns])
    for row in table_rows(instance, spec):
        writer.writerow([text_of(v, c) for v, c in zip(row, spec.columns, strict=True)])
    return buffer.getvalue()


__all__ = [
    "SETTINGS_FILE",
    "InputError",
    "read_csv_folder",
    "write_csv_files",
    "write_csv_folder",
]
