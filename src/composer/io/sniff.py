"""What a file really is, from its first bytes: a planner may hand over a renamed file.

A Word document saved as ``.xlsx``, a calendar export given as the instance, a CSV file
that is really a workbook: :func:`describe_bytes` names what the bytes are so the error
says so, instead of a parser's complaint about line 1.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
HEAD_BYTES = 4096


def _zip_kind(data: bytes | Path) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "a damaged zip archive"
    if "xl/workbook.xml" in names:
        return "an Excel workbook (.xlsx)"
    if "word/document.xml" in names:
        return "a Word document (.docx)"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation (.pptx)"
    if "content.xml" in names and "mimetype" in names:
        return "an OpenDocument file (.ods/.odt)"
    return "a zip archive"


def describe_bytes(head: bytes, path: Path | None = None) -> str | None:
    """What a file that is not plain text is (``a Word document (.docx)``); None for text.

    ``head`` is the start of the file; ``path`` lets a zip archive be opened to tell a
    workbook from a Word document.
    """
    stripped = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path) if path is not None else "a zip archive (a workbook?)"
    if head.startswith(OLE2_MAGIC):
        return (
            "an old-style Office file (Excel 97-2003 .xls, .doc) or a password-protected workbook"
        )
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if stripped[:15].upper().startswith(b"BEGIN:VCALENDAR"):
        return "an iCalendar file (.ics, a calendar export)"
    if stripped[:5].lower() in (b"<html", b"<!doc"):
        return "an HTML page"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None  # UTF-16 text: the text readers say how to re-save it
    if b"\x00" in head:
        return "a binary file"
    return None


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    """The first ``size`` bytes of a file."""
    with open(path, "rb") as handle:
        return handle.read(size)
