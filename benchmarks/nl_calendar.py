"""The real Dutch school calendar as instance data: school years, holidays, public holidays.

School holidays per holiday region come from ``openholidays_nl_holidays.school.csv`` in
the shared data folder (OpenHolidays API, ODbL 1.0: "OpenHolidays API"), with the known
error of that file corrected: the south region's spring holiday 2027 ends on 2027-02-21
(the file says 2027-03-21). Public holidays come from the ``holidays`` package (its
Netherlands calendar). The result is the ``calendar`` part of an instance dict, so tests
and benchmarks state the real dates as data, never as constants in composer itself.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path
from typing import Any

REGIONS = {"NO": "north", "MI": "middle", "ZU": "south"}
CORRECTIONS = {
    # (region, start) -> corrected end; see the shared data README ("Known problems")
    ("south", dt.date(2027, 2, 13)): dt.date(2027, 2, 21),
}


def shared_data_dir() -> Path | None:
    """The shared data folder: $COMPOSER_SHARED_DATA, else ../shared/data or /work/shared/data."""
    candidates = []
    if os.environ.get("COMPOSER_SHARED_DATA"):
        candidates.append(Path(os.environ["COMPOSER_SHARED_DATA"]))
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "data" for p in here.parents] + [Path("/work/shared/data")]
    for path in candidates:
        if (path / "openholidays_nl_holidays.school.csv").is_file():
            return path
    return None


def school_holidays(data_dir: Path, first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Holiday rows (``holiday_region``, ``name``, ``start``, ``end``) overlapping first..last,
    one row per region, with the known error corrected."""
    rows = []
    path = data_dir / "openholidays_nl_holidays.school.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for rec in csv.DictReader(handle, delimiter=";"):
            start = dt.date.fromisoformat(rec["StartDate"])
            end = dt.date.fromisoformat(rec["EndDate"])
            if end < first or start > last:
                continue
            name = next((n[3:] for n in rec["Name"].split(",") if n.startswith("NL ")), rec["Name"])
            for code in rec["Groups"].split(","):
                region = REGIONS[code.strip()]
                fixed = CORRECTIONS.get((region, start), end)
                rows.append(
                    {
                        "holiday_region": region,
                        "name": name,
                        "start": start.isoformat(),
                        "end": fixed.isoformat(),
                    }
                )
    rows.sort(key=lambda r: (r["holiday_region"], r["start"]))
    return rows


def public_holidays(first: dt.date, last: dt.date) -> list[dict[str, Any]]:
    """Dutch public holidays between first and last (the ``holidays`` package)."""
    import holidays

    found = holidays.country_holidays("NL", years=range(first.year, last.year + 1))
    return [
        {"date": day.isoformat(), "name": name}
        for day, name in sorted(found.items())
        if first <= day <= last
    ]


def calendar_data(first_year: int, years: int, data_dir: Path | None = None) -> dict[str, Any]:
    """The ``calendar`` dict of an instance for ``years`` school years from August of
    ``first_year``: school years, time blocks of a school day, holidays, public holidays."""
    data_dir = data_dir or shared_data_dir()
    if data_dir is None:
        raise FileNotFoundError("shared data folder with openholidays_nl_holidays.school.csv")
    school_years = [
        {
            "id": f"{y}-{y + 1}",
            "start": dt.date(y, 8, 1).isoformat(),
            "end": dt.date(y + 1, 7, 31).isoformat(),
        }
        for y in range(first_year, first_year + years)
    ]
    first = dt.date(first_year, 8, 1)
    last = dt.date(first_year + years, 7, 31)
    return {
        "time_blocks": [
            {"id": "1", "start": "08:30", "end": "10:30"},
            {"id": "2", "start": "10:45", "end": "12:45"},
            {"id": "3", "start": "13:30", "end": "15:30"},
        ],
        "school_years": school_years,
        "holidays": school_holidays(data_dir, first, last),
        "public_holidays": public_holidays(first, last),
    }
