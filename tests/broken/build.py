"""Build the bad-input corpus of ``MANIFEST.yaml`` from the valid base instance.

Every case is one defect applied to a copy of ``tests/base_instance`` (a CSV folder), to
that instance converted to a workbook or JSON, or a standalone file. The edits are small
operations written in the manifest, so each defect can be reviewed in one place:

csv cases (on the copied folder)
    ``replace: {file, old, new}`` (``old`` must occur exactly once), ``write: {file, text}``,
    ``append: {file, text}``, ``encode: {file, encoding}`` (re-encode the text),
    ``remove: file``, ``rename: {from, to}``, ``docx: file`` (a minimal Word document),
    ``big: {file, mb}`` (pad a table with valid rows up to ``mb`` megabytes)
xlsx cases (on ``base.xlsx``, written by composer)
    ``cell: {sheet, ref, value}`` (a value starting with ``=`` is a formula without a saved
    value), ``date: {sheet, ref, value}`` (a real date cell), ``error: {sheet, ref, value}``,
    ``merge: {sheet, range}``, ``delete_sheet: name``, ``rename_sheet: {from, to}``,
    ``delete_column: {sheet, column}``, ``add_sheet: {name}``, ``clear_sheet: name``,
    ``setting: {key, value}`` (the value of one row of the settings sheet)
json cases (on ``base.json``)
    ``set: {path, value}`` (dotted path, list positions as numbers), ``replace``, ``text``
file cases
    ``make: {name, text}`` or ``make: {name, docx: true}`` / ``{name, zip: true}``,
    ``copy_xlsx: name`` (the base workbook under another name), ``bytes: {name, hex}``

``python tests/broken/build.py OUT`` writes every case into ``OUT/<id>/`` for inspection.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import yaml

HERE = Path(__file__).resolve().parent
BASE = HERE.parent / "base_instance"
MANIFEST = HERE / "MANIFEST.yaml"


def load_manifest() -> list[dict[str, Any]]:
    """The cases of MANIFEST.yaml."""
    with open(MANIFEST, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["cases"]


def _docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"/>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Leerlingen</w:t></w:r></w:p>'
            "</w:body></w:document>",
        )
    return buffer.getvalue()


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("learners.csv", "id,name\n")
    return buffer.getvalue()


def _replace_once(text: str, old: str, new: str, where: str) -> str:
    count = text.count(old)
    if count != 1:
        raise ValueError(f"{where}: {old!r} occurs {count} times, expected once")
    return text.replace(old, new)


def _csv_op(folder: Path, op: str, arg: Any) -> None:
    if op == "replace":
        path = folder / arg["file"]
        text = path.read_text(encoding="utf-8")
        path.write_text(_replace_once(text, arg["old"], arg["new"], str(path)), encoding="utf-8")
    elif op == "write":
        (folder / arg["file"]).write_bytes(arg["text"].encode("utf-8"))
    elif op == "append":
        with open(folder / arg["file"], "a", encoding="utf-8") as handle:
            handle.write(arg["text"])
    elif op == "encode":
        path = folder / arg["file"]
        path.write_bytes(path.read_text(encoding="utf-8").encode(arg["encoding"]))
    elif op == "remove":
        (folder / arg).unlink()
    elif op == "rename":
        (folder / arg["from"]).rename(folder / arg["to"])
    elif op == "docx":
        (folder / arg).write_bytes(_docx_bytes())
    elif op == "big":
        path = folder / arg["file"]
        target = int(arg["mb"] * 1_000_000)
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        body = lines[1]
        with open(path, "a", encoding="utf-8") as handle:
            size = path.stat().st_size
            n = 0
            chunk = []
            while size < target:
                n += 1
                row = body.replace(body.split(",", 1)[0], f"BIG{n:08d}", 1)
                chunk.append(row)
                size += len(row.encode("utf-8"))
                if len(chunk) >= 10_000:
                    handle.write("".join(chunk))
                    chunk = []
            handle.write("".join(chunk))
    else:
        raise ValueError(f"unknown csv operation {op!r}")


def _xlsx_op(wb: Any, op: str, arg: Any) -> None:
    if op == "cell":
        wb[arg["sheet"]][arg["ref"]] = arg["value"]
    elif op == "date":
        cell = wb[arg["sheet"]][arg["ref"]]
        cell.value = dt.datetime.fromisoformat(str(arg["value"]))
        cell.number_format = "dd-mm-yyyy"
    elif op == "error":
        cell = wb[arg["sheet"]][arg["ref"]]
        cell.value = arg["value"]
        cell.data_type = "e"
    elif op == "merge":
        wb[arg["sheet"]].merge_cells(arg["range"])
    elif op == "delete_sheet":
        del wb[arg]
    elif op == "rename_sheet":
        wb[arg["from"]].title = arg["to"]
    elif op == "delete_column":
        ws = wb[arg["sheet"]]
        ws.delete_cols(openpyxl.utils.column_index_from_string(arg["column"]))
    elif op == "add_sheet":
        wb.create_sheet(arg["name"]).append(arg.get("rows", [["x"]])[0])
    elif op == "setting":
        ws = wb["settings"]
        rows = [r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == arg["key"]]
        if len(rows) != 1:
            raise ValueError(f"setting {arg['key']!r} found {len(rows)} times")
        ws.cell(rows[0], 2).value = arg["value"]
    elif op == "clear_sheet":
        ws = wb[arg]
        ws.delete_rows(1, ws.max_row)
    else:
        raise ValueError(f"unknown xlsx operation {op!r}")


def _json_set(data: Any, path: str, value: Any) -> None:
    parts: list[Any] = [int(p) if p.isdigit() else p for p in str(path).split(".")]
    node = data
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value


def build_case(case: dict[str, Any], root: Path, base_files: dict[str, Path]) -> Path:
    """Build one case under ``root``; returns the path to hand to composer."""
    kind = case["kind"]
    ops: list[dict[str, Any]] = case.get("edit", [])
    if kind == "csv":
        target = root / "instance"
        shutil.copytree(BASE, target)
        for step in ops:
            ((op, arg),) = step.items()
            _csv_op(target, op, arg)
        return target
    if kind == "xlsx":
        target = root / case.get("name", "instance.xlsx")
        wb = openpyxl.load_workbook(base_files["xlsx"])
        for step in ops:
            ((op, arg),) = step.items()
            _xlsx_op(wb, op, arg)
        wb.save(target)
        return target
    if kind == "json":
        target = root / case.get("name", "instance.json")
        text = base_files["json"].read_text(encoding="utf-8")
        for step in ops:
            ((op, arg),) = step.items()
            if op == "set":
                data = json.loads(text)
                _json_set(data, arg["path"], arg["value"])
                text = json.dumps(data, indent=1, ensure_ascii=False)
            elif op == "replace":
                text = _replace_once(text, arg["old"], arg["new"], "base.json")
            elif op == "text":
                text = arg
            elif op == "encode":
                target.write_bytes(text.encode(arg))
                return target
            else:
                raise ValueError(f"unknown json operation {op!r}")
        target.write_text(text, encoding="utf-8")
        return target
    if kind == "file":
        make = case["make"]
        target = root / make["name"]
        if make.get("docx"):
            target.write_bytes(_docx_bytes())
        elif make.get("zip"):
            target.write_bytes(_zip_bytes())
        elif make.get("copy_xlsx"):
            shutil.copy(base_files["xlsx"], target)
        elif "hex" in make:
            target.write_bytes(bytes.fromhex(make["hex"]))
        else:
            target.write_bytes(make["text"].encode("utf-8"))
        return target
    raise ValueError(f"unknown case kind {kind!r}")


def base_files(folder: Path) -> dict[str, Path]:
    """The base instance as a workbook and a JSON file, written by composer itself."""
    from composer.io import load_instance, write_instance

    instance = load_instance(BASE)
    paths = {"xlsx": folder / "base.xlsx", "json": folder / "base.json"}
    for fmt, path in paths.items():
        if not path.exists():
            write_instance(instance, path, fmt)
    return paths


def main(out: str) -> None:
    """Write every case into ``OUT/<id>/`` for a look by hand."""
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    files = base_files(root)
    for case in load_manifest():
        if any("big" in step for step in case.get("edit", [])):
            print(f"skipped {case['id']} (generated at test time: {case['edit']})")
            continue
        folder = root / case["id"]
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        print(build_case(case, folder, files))


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent.parent / "src"))
    main(sys.argv[1] if len(sys.argv) > 1 else "broken-cases")
