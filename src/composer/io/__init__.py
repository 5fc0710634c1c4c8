"""Reading and writing instances and plans: JSON, a CSV folder, an Excel workbook.

:func:`load_instance` is the one way in: it recognises the format from the path (a
folder of CSV files with ``instance.yaml``, an ``.xlsx`` workbook or a ``.json`` file),
checks that the file is what it claims to be and not above the size limit, and raises
:class:`~composer.errors.InputError` with every problem found, each located by file or
sheet, row and column. :func:`write_instance` is the one way out, atomic in every format.
"""

from __future__ import annotations

from pathlib import Path

from composer.errors import InputError, Issue, OutputExistsError
from composer.io.json_io import read_instance_json, read_plan, write_instance_json, write_plan
from composer.io.sniff import describe_bytes, read_head
from composer.io.tabular import max_file_bytes, size_issue
from composer.model.instance import Instance

__all__ = [
    "FORMATS",
    "detect_format",
    "load_instance",
    "read_plan",
    "write_instance",
    "write_instance_into",
    "write_instance_json",
    "write_plan",
]

FORMATS: tuple[str, ...] = ("csv", "json", "xlsx")
"""The instance formats: a CSV folder with instance.yaml, one JSON file, one workbook."""

_SUFFIX_FORMAT = {".json": "json", ".xlsx": "xlsx", ".xlsm": "xlsx"}
_KNOWN_OTHER = {
    ".csv": "one CSV file is one table; an instance is the folder holding the CSV files and "
    "instance.yaml",
    ".yaml": "instance.yaml holds only the settings; give the folder that holds it and the "
    "CSV files",
    ".yml": "give the folder that holds instance.yaml and the CSV files",
    ".xls": "old Excel 97-2003 workbooks are not read: save it as 'Excel Workbook (.xlsx)'",
    ".ods": "OpenDocument spreadsheets are not read: save it as 'Excel Workbook (.xlsx)'",
    ".ics": "a calendar file is an output of composer, not an instance",
}
_FIX = "give a folder of CSV files with instance.yaml, an .xlsx workbook or a .json file"


def detect_format(path: Path) -> str:
    """``csv`` for a folder, ``xlsx`` for a workbook, ``json`` for a JSON file.

    Decided by the name; :func:`load_instance` also checks that the content matches.
    """
    path = Path(path)
    if path.is_dir():
        return "csv"
    suffix = path.suffix.lower()
    if suffix in _SUFFIX_FORMAT:
        return _SUFFIX_FORMAT[suffix]
    what = None
    if path.is_file():
        try:
            what = describe_bytes(read_head(path), path)
        except OSError:
            what = None
    message = f"cannot read a {suffix or 'suffix-less'} file as an instance"
    if what is not None:
        message += f" (it is {what})"
    raise InputError(
        [Issue(message, path.name, fix=_KNOWN_OTHER.get(suffix, _FIX))],
        f"{path.name} is not an instance",
    )


def _check_content(path: Path, fmt: str, limit: int) -> None:
    """Refuse a file that is not what its name claims, or that is above the size limit."""
    try:
        size = path.stat().st_size
        head = read_head(path)
    except OSError as exc:
        raise InputError([Issue(f"cannot read the file ({exc.strerror})", path.name)]) from None
    if size > limit:
        raise InputError([size_issue(path.name, size, limit)], f"{path.name} is too large")
    what = describe_bytes(head, path)
    expected = {"json": None, "xlsx": "an Excel workbook (.xlsx)"}[fmt]
    if size == 0:
        raise InputError([Issue("the file is empty", path.name, fix=_FIX)], f"{path.name} is empty")
    if what != expected:
        claimed = {"json": "a JSON file", "xlsx": "an Excel workbook"}[fmt]
        found = what or "text"
        if what is not None and "password" in what:
            fix = "open it in Excel and save it as 'Excel Workbook (.xlsx)', without a password"
        elif what == "an Excel workbook (.xlsx)":
            fix = f"rename it to {path.stem}.xlsx"
        elif what is None and fmt == "xlsx":
            fix = "a text file is not a workbook: open it in Excel and save as .xlsx"
        else:
            fix = _FIX
        raise InputError(
            [Issue(f"the name says {claimed}, but the file is {found}", path.name, fix=fix)],
            f"{path.name} is not {claimed}",
        )


def load_instance(path: Path, max_file_mb: float | None = None) -> Instance:
    """Load and validate an instance in any supported format.

    ``max_file_mb`` overrides the size limit of one file (default 25 MB, or
    ``$COMPOSER_MAX_FILE_MB``).
    """
    path = Path(path)
    if not path.exists():
        raise InputError([Issue("no such file or folder", str(path), fix="check the path")])
    fmt = detect_format(path)
    limit = max_file_bytes(max_file_mb)
    if fmt == "csv":
        from composer.io.csv_io import read_csv_folder

        return read_csv_folder(path, max_file_mb)
    _check_content(path, fmt, limit)
    if fmt == "json":
        return read_instance_json(path)
    from composer.io.xlsx_io import read_workbook

    return read_workbook(path)


def format_for_output(dest: Path, to: str | None) -> str:
    """The format to write: ``to`` if given, else from DEST's suffix (a folder is csv)."""
    suffix = Path(dest).suffix.lower()
    implied = _SUFFIX_FORMAT.get(suffix)
    if to is None:
        return implied or "csv"
    if implied is not None and implied != to:
        raise InputError(
            [
                Issue(
                    f"--to {to} but --out {dest} ends in {suffix}",
                    fix=f"choose an --out that fits {to}, or --to {implied}",
                )
            ],
            "conflicting output format",
        )
    if to != "csv" and implied is None:
        raise InputError(
            [Issue(f"--out {dest} for --to {to} should end in .{to}", fix=f"use {dest}.{to}")],
            "output name does not fit the format",
        )
    return to


def write_instance(instance: Instance, dest: Path, fmt: str, force: bool = False) -> None:
    """Write ``instance`` to ``dest`` in ``fmt`` (``csv``, ``json``, ``xlsx``), atomically.

    An existing ``dest`` is refused unless ``force`` (an empty folder is fine for csv).
    """
    dest = Path(dest)
    if fmt == "csv":
        from composer.io.csv_io import write_csv_folder

        write_csv_folder(instance, dest, force=force)
        return
    if dest.is_dir():
        raise OutputExistsError(f"{dest} is a folder; give a file name for --to {fmt}")
    if dest.exists() and not force:
        raise OutputExistsError(f"{dest} already exists; use --force to replace it")
    if fmt == "json":
        write_instance_json(instance, dest)
        return
    from composer.io.xlsx_io import write_workbook

    write_workbook(instance, dest, force=True)


INSTANCE_FILE = {"json": "instance.json", "xlsx": "instance.xlsx"}
"""File name of an instance inside a folder for the one-file formats."""


def write_instance_into(instance: Instance, folder: Path, fmt: str) -> Path:
    """Write ``instance`` into an existing (staging) folder and return what to load.

    ``csv``: the tables and instance.yaml go into ``folder`` itself (the folder is the
    instance); ``json``/``xlsx``: ``folder/instance.json`` or ``folder/instance.xlsx``.
    Builders use this to put a README beside the instance in one atomic folder.
    """
    folder = Path(folder)
    if fmt == "csv":
        from composer.io.csv_io import write_csv_files

        write_csv_files(instance, folder)
        return folder
    target = folder / INSTANCE_FILE[fmt]
    write_instance(instance, target, fmt, force=True)
    return target
