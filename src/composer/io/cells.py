"""One cell of a table: from the text a planner typed to a value, and back.

Every cell is read as text (``0012`` stays the id ``0012``) and handed to pydantic, which
coerces it to the field's type; this module only does what pydantic does not:

- an empty cell means *absent* (the field's default), except free text, where it is
  empty text;
- a list cell holds items separated by ``;`` (``mon;wed``); ``\\;`` is a literal ``;``
  and ``\\\\`` a literal backslash inside an item; an empty list whose default is not
  empty (a facilitator's ``available_days``) is written ``-``; a list of ids or fixed
  words also takes ``,`` (``mon,wed``), as none of its items can hold a comma (a list of
  free text, such as ``themes``, does not: there a comma is part of the text);
- booleans also read ``ja``/``nee``, ``waar``/``onwaar`` (Dutch Excel), ``yes``/``no``,
  ``1``/``0``, in any case;
- a word from a fixed set is matched case-insensitively, and Dutch weekdays (``ma``,
  ``dinsdag``) and holiday regions (``noord``, ``midden``, ``zuid``) are understood;
- a number with a decimal comma (``52,09``, Dutch Excel) is read as ``52.09``;
- workbook cells holding real numbers, dates, times and booleans are turned into the same
  text; a number in a date column is an Excel serial date.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from openpyxl.utils.datetime import from_excel

from composer.io.fields import Column, Kind


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()
"""Returned for an empty cell: leave the field out so the model's default applies."""

EMPTY_LIST_MARKER = "-"

TRUE_WORDS = frozenset({"true", "t", "yes", "y", "ja", "j", "waar", "1", "on"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "nee", "onwaar", "0", "off"})

ALIASES: dict[str, str] = {
    # weekdays: Dutch abbreviations and names, English names
    "ma": "mon",
    "maandag": "mon",
    "monday": "mon",
    "di": "tue",
    "dinsdag": "tue",
    "tuesday": "tue",
    "wo": "wed",
    "woensdag": "wed",
    "wednesday": "wed",
    "do": "thu",
    "donderdag": "thu",
    "thursday": "thu",
    "vr": "fri",
    "vrijdag": "fri",
    "friday": "fri",
    "za": "sat",
    "zaterdag": "sat",
    "saturday": "sat",
    "zo": "sun",
    "zondag": "sun",
    "sunday": "sun",
    # the three Dutch school-holiday regions
    "noord": "north",
    "midden": "middle",
    "zuid": "south",
}
"""Words understood in place of a fixed value, used only where the target is allowed."""

_COMMA_LISTS = frozenset({"id", "choice"})
"""List kinds whose items never hold a comma, so ',' separates them as ';' does."""

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_EXCEL_FIRST_DATE = dt.date(1900, 3, 1)
"""Excel serial dates before March 1900 are ambiguous (its 1900 leap-year bug)."""


class CellError(ValueError):
    """A cell that cannot be read as text for its column (an Excel-mangled value)."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


# --------------------------------------------------------------------------- reading


def split_list(text: str) -> list[str]:
    """Split a list cell on ``;``; ``\\;`` and ``\\\\`` are a literal ``;`` and ``\\``."""
    if "\\" not in text:
        return [item.strip() for item in text.split(";")]
    items: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in "\\;":
            current.append(text[i + 1])
            i += 2
            continue
        if char == ";":
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
        i += 1
    items.append("".join(current).strip())
    return items


def _scalar_from_text(text: str, kind: Kind) -> Any:
    base = kind.base
    if base == "bool":
        low = text.lower()
        if low in TRUE_WORDS:
            return True
        if low in FALSE_WORDS:
            return False
        return text
    if base == "choice":
        if text in kind.choices:
            return text
        low = text.lower()
        for choice in kind.choices:
            if choice.lower() == low:
                return choice
        alias = ALIASES.get(low)
        if alias in kind.choices:
            return alias
        return text
    if base == "float" and _DECIMAL_COMMA.match(text):
        return text.replace(",", ".")
    return text


def value_from_text(text: str, column: Column) -> Any:
    """The value to give pydantic for a cell's text, or :data:`ABSENT` for an empty cell."""
    text = text.strip()
    kind = column.kind
    if kind.many:
        if not text:
            return ABSENT
        if text == EMPTY_LIST_MARKER and column.empty_list_needs_marker:
            return []
        items = split_list(text)
        if kind.base in _COMMA_LISTS:
            items = [part.strip() for item in items for part in item.split(",")]
        return [_scalar_from_text(item, kind) for item in items if item]
    if not text:
        return "" if kind.base == "text" and not kind.optional else ABSENT
    return _scalar_from_text(text, kind)


def _number_text(value: float) -> str:
    if (
        isinstance(value, float)
        and value.is_integer()
        and abs(value) < 1e15
        and math.copysign(1.0, value) > 0
    ):
        return str(int(value))
    return repr(value)


def time_text(value: dt.time) -> str:
    if value.second == 0 and value.microsecond == 0:
        return value.strftime("%H:%M")
    return value.isoformat()


def text_from_excel(value: Any, kind: Kind) -> str:
    """The text of a workbook cell value (number, date, bool, ...) for a column of ``kind``.

    Raises :class:`CellError` for a date in a column that holds no dates: Excel turns
    ``1-2`` into a date when a planner types an id, so it is refused, not guessed.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    base = kind.base
    if isinstance(value, int | float):
        if base == "date" and not kind.many:
            try:
                day = from_excel(value)
            except (ValueError, OverflowError):
                return _number_text(value)
            if isinstance(day, dt.datetime):
                return day.date().isoformat() if day.time() == dt.time() else day.isoformat()
            return _number_text(value)
        if base == "time" and not kind.many and 0 <= value < 1:
            moment = from_excel(value)
            if isinstance(moment, dt.time):
                return time_text(moment)
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if base == "date":
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        if base == "time":
            return time_text(value.time())
        raise CellError(
            f"the cell holds a date ({value:%d-%m-%Y}); this column holds no dates",
            "Excel turns some typed values into dates: format the column as Text and retype",
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return time_text(value)
    if isinstance(value, dt.timedelta) and base == "time":
        seconds = int(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
    return str(value)


# --------------------------------------------------------------------------- writing


def escape_item(text: str) -> str:
    """Escape ``\\`` and ``;`` inside one list item."""
    return text.replace("\\", "\\\\").replace(";", "\\;")


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.time):
        return time_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def text_of(value: Any, column: Column) -> str:
    """The text of a value in a CSV cell (the inverse of :func:`value_from_text`)."""
    if value is None:
        return ""
    if column.kind.many:
        if not value:
            return EMPTY_LIST_MARKER if column.empty_list_needs_marker else ""
        return ";".join(escape_item(_scalar_text(item)) for item in value)
    return _scalar_text(value)


def unwritable(value: Any, column: Column) -> str | None:
    """Why a value cannot be written to a cell without loss, or None when it can.

    An empty item in a list cell would be dropped when read back, so it is refused.
    """
    if column.kind.many and value and any(isinstance(v, str) and not v for v in value):
        return "a list holds an empty item, which a cell cannot keep"
    return None


def excel_value_of(value: Any, column: Column) -> Any:
    """The value of a workbook cell: real numbers, dates and booleans where exact, else text.

    A float that 16 significant digits cannot hold (openpyxl writes ``%.16g``), an integer
    above 10^15 and a date before March 1900 are written as text so nothing is lost.
    """
    if value is None:
        return None
    if column.kind.many:
        return text_of(value, column)
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**15 else str(value)
    if isinstance(value, float):
        exact = math.isfinite(value) and float(f"{value:.16g}") == value
        if exact and (value != 0 or math.copysign(1.0, value) > 0):
            return value
        return repr(value)  # -0.0 and floats that need 17 digits stay exact as text
    if isinstance(value, dt.time):
        return time_text(value)
    if isinstance(value, dt.date):
        return value if value >= _EXCEL_FIRST_DATE else value.isoformat()
    return value
