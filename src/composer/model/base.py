"""Shared building blocks of the instance and plan models: the base class and value types."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, StringConstraints

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
"""Ids are letters, digits, ``_ . -`` and start with a letter or digit (no spaces or ``;``)."""

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
"""A stable identifier: what other rows refer to and what plans and outputs name."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Monday first, as ``datetime.date.weekday()`` counts them."""

HolidayRegion = Literal["north", "middle", "south"]
"""The three Dutch school-holiday regions (noord, midden, zuid)."""

Sector = Literal["po", "vo", "go"]
"""Primary (po), secondary (vo) and special/specialised (go) education."""

_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")


def _parse_date(value: object) -> object:
    """Accept ISO dates, ``dd-mm-yyyy`` (the Dutch spreadsheet habit) and datetimes."""
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            raise ValueError(f"expected a date without a time of day, got {value.isoformat()}")
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        match = _DUTCH_DATE.match(text)
        if match:
            day, month, year = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError as exc:
                raise ValueError(f"{text!r} is not a real date ({exc})") from None
        if "T" in text and text.endswith("T00:00:00"):
            return text[: -len("T00:00:00")]
        return text
    return value


Date = Annotated[dt.date, BeforeValidator(_parse_date)]
"""A calendar date; accepts ``2026-09-01``, ``01-09-2026`` and spreadsheet date cells."""


def _parse_time(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.time()
    if isinstance(value, str) and re.fullmatch(r"\d{1,2}[:.]\d{2}", value.strip()):
        hours, minutes = re.split(r"[:.]", value.strip())
        return dt.time(int(hours), int(minutes))
    return value


def _naive_time(value: dt.time) -> dt.time:
    # a number is read by pydantic as seconds in UTC; a time of day here has no zone
    if value.tzinfo is not None:
        raise ValueError(f"expected a time of day like 13:30, got {value.isoformat()}")
    return value


TimeOfDay = Annotated[dt.time, BeforeValidator(_parse_time), AfterValidator(_naive_time)]
"""A time of day (no time zone); accepts ``13:30``, ``13.30`` and spreadsheet time cells."""


class Frozen(BaseModel):
    """Base of every model: immutable, no unknown fields, whitespace stripped from strings."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=True,
        validate_default=False,
    )
