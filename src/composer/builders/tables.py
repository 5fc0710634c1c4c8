"""The derived school and holiday tables, and the model rows built from them.

The tables ship inside the package (``composer/data/schools_nl.csv.gz`` and
``holidays_nl.csv``) so ``composer generate`` works without the raw data; passing a raw
data folder rebuilds them on the fly with :mod:`composer.builders.real_data` (the same
rows, if the shipped tables are up to date).

This module also turns rows into model objects: :func:`region_id` (a stable slug of the
onderwijsgebied name), :func:`to_school` and :func:`nl_calendar` (school years, time
blocks, holidays per holiday region and public holidays).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from composer.builders.real_data import (
    HOLIDAY_TABLE,
    SCHOOL_TABLE,
    HolidayRecord,
    SchoolRecord,
    read_holidays,
    read_schools,
)
from composer.model.instance import (
    Calendar,
    Holiday,
    PublicHoliday,
    Region,
    School,
    SchoolYear,
    TimeBlock,
)

DEFAULT_SCHOOL_YEARS: tuple[str, ...] = ("2026-2027", "2027-2028")
"""BV clusters run two school years from 2026-2027 (B4)."""

DEFAULT_TIME_BLOCKS: tuple[tuple[str, str, str], ...] = (
    ("b1", "08:30", "10:00"),
    ("b2", "10:15", "11:45"),
    ("b3", "12:15", "13:45"),
    ("b4", "14:00", "15:30"),
    ("b5", "15:45", "17:15"),
)
"""Five blocks of a Dutch secondary-school day: two morning blocks, two afternoon blocks
and the late block after the last lessons, where many networks meet."""


@dataclass(frozen=True)
class Tables:
    """The school and holiday rows an instance is built from."""

    schools: tuple[SchoolRecord, ...]
    holidays: tuple[HolidayRecord, ...]
    origin: str


def _parse_school_csv(text: str) -> list[SchoolRecord]:
    rows = []
    for r in csv.DictReader(io.StringIO(text)):
        rows.append(
            SchoolRecord(
                id=r["id"],
                name=r["name"],
                duo_type=r["duo_type"],
                sector=r["sector"],
                region=r["region"],
                holiday_region=r["holiday_region"],
                holiday_region_source=r["holiday_region_source"],
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                pupils=int(r["pupils"]) if r["pupils"] else None,
                pupils_source=r["pupils_source"],
                board=r["board"],
                municipality=r["municipality"],
                postcode=r["postcode"],
            )
        )
    return rows


def _parse_holiday_csv(text: str) -> list[HolidayRecord]:
    return [
        HolidayRecord(
            kind=r["kind"],
            holiday_region=r["holiday_region"],
            name=r["name"],
            start=dt.date.fromisoformat(r["start"]),
            end=dt.date.fromisoformat(r["end"]),
            note=r["note"],
        )
        for r in csv.DictReader(io.StringIO(text))
    ]


@lru_cache(maxsize=1)
def packaged_tables() -> Tables:
    """The tables shipped in ``composer/data`` (read once per process)."""
    data = resources.files("composer") / "data"
    schools = gzip.decompress((data / SCHOOL_TABLE).read_bytes()).decode("utf-8")
    holidays = (data / HOLIDAY_TABLE).read_text(encoding="utf-8")
    return Tables(
        tuple(_parse_school_csv(schools)), tuple(_parse_holiday_csv(holidays)), "packaged"
    )


def load_tables(data_dir: Path | None = None) -> Tables:
    """The packaged tables, or tables rebuilt from the raw data folder ``data_dir``."""
    if data_dir is None:
        return packaged_tables()
    schools, report = read_schools(Path(data_dir))
    holidays = read_holidays(Path(data_dir), report)
    return Tables(tuple(schools), tuple(holidays), str(data_dir))


# --------------------------------------------------------------------------- rows


def region_id(name: str) -> str:
    """A stable id for a region name: ``Utrecht en omstreken`` -> ``utrecht-en-omstreken``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def regions_of(records: list[SchoolRecord] | tuple[SchoolRecord, ...]) -> tuple[Region, ...]:
    """One :class:`Region` per distinct region name, sorted by id."""
    names = sorted({r.region for r in records}, key=region_id)
    return tuple(Region(id=region_id(n), name=n) for n in names)


def to_school(
    record: SchoolRecord,
    *,
    bv_subsidy: bool = False,
    bv_individual_support: bool = False,
    training_school: bool = False,
) -> School:
    """The model :class:`School` of a table row (region id from :func:`region_id`)."""
    return School(
        id=record.id,
        name=record.name,
        sector=record.sector,
        region=region_id(record.region),
        holiday_region=record.holiday_region,
        lat=record.lat,
        lon=record.lon,
        pupils=record.pupils,
        board=record.board,
        municipality=record.municipality,
        postcode=record.postcode,
        bv_subsidy=bv_subsidy,
        bv_individual_support=bv_individual_support,
        training_school=training_school,
    )


def school_year(year_id: str) -> SchoolYear:
    """``2026-2027`` -> 1 August 2026 .. 31 July 2027."""
    first, second = (int(part) for part in year_id.split("-"))
    if second != first + 1:
        raise ValueError(f"a school year id names two consecutive years, got {year_id!r}")
    return SchoolYear(id=year_id, start=dt.date(first, 8, 1), end=dt.date(second, 7, 31))


def nl_calendar(
    holidays: tuple[HolidayRecord, ...] | list[HolidayRecord],
    years: tuple[str, ...] = DEFAULT_SCHOOL_YEARS,
    blocks: tuple[tuple[str, str, str], ...] = DEFAULT_TIME_BLOCKS,
) -> Calendar:
    """The calendar of ``years``: blocks, school holidays overlapping them, public holidays.

    A school holiday is kept when it overlaps a school year (the summer holiday before
    the first year reaches into August, so it counts); a public holiday when it falls in
    one. Nothing is clipped: a holiday keeps its real first and last day.
    """
    school_years = tuple(school_year(y) for y in years)
    first, last = school_years[0].start, school_years[-1].end

    def overlaps(h: HolidayRecord) -> bool:
        return h.start <= last and h.end >= first

    return Calendar(
        time_blocks=tuple(
            TimeBlock(id=b, start=dt.time.fromisoformat(s), end=dt.time.fromisoformat(e))
            for b, s, e in blocks
        ),
        school_years=school_years,
        holidays=tuple(
            Holiday(
                holiday_region=h.holiday_region,
                name=h.name,
                start=h.start,
                end=h.end,
            )
            for h in holidays
            if h.kind == "school" and overlaps(h)
        ),
        public_holidays=tuple(
            PublicHoliday(date=h.start, name=h.name)
            for h in holidays
            if h.kind == "public" and overlaps(h)
        ),
    )
