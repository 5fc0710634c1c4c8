"""Reading and writing instances and plans: JSON, a CSV folder, an Excel workbook.

:func:`load_instance` is the one way in: it recognises the format from the path (a
folder of CSV files with ``instance.yaml``, an ``.xlsx`` workbook or a ``.json`` file)
and raises :class:`~composer.errors.InputError` with every problem found, each located
by file or sheet, row and column.
"""

from __future__ import annotations

from pathlib import Path

from composer.errors import InputError, Issue
from composer.io.json_io import read_instance_json, read_plan, write_instance_json, write_plan
from composer.model.instance import Instance

__all__ = ["detect_format", "load_instance", "read_plan", "write_instance_json", "write_plan"]


def detect_format(path: Path) -> str:
    """``csv`` for a folder, ``xlsx`` for a workbook, ``json`` for a JSON file."""
    path = Path(path)
    if path.is_dir():
        return "csv"
    suffix = path.suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    raise InputError(
        [
            Issue(
                f"cannot read a {suffix or 'suffix-less'} file as an instance",
                path.name,
                fix="give a folder of CSV files with instance.yaml, an .xlsx workbook or a "
                ".json file",
            )
        ]
    )


def load_instance(path: Path) -> Instance:
    """Load and validate an instance in any supported format."""
    path = Path(path)
    if not path.exists():
        raise InputError([Issue("no such file or folder", str(path), fix="check the path")])
    fmt = detect_format(path)
    if fmt == "json":
        return read_instance_json(path)
    raise InputError(
        [
            Issue(
                f"the {fmt} format is not readable by this version yet",
                path.name,
                fix="convert the instance to JSON",
            )
        ]
    )
