"""Small instances for tests, built in code so every test states exactly what it needs.

``base_data()`` returns the plain dict of a minimal valid instance (one region, two
schools, two time blocks, one school year with holidays); tests add or change what they
need and build it with ``make_instance(data)``. Dicts keep tests independent of defaults.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from composer.model.instance import Instance


def school(sid: str, lat: float = 52.09, lon: float = 5.12, **extra: Any) -> dict[str, Any]:
    """A school row in region r1 (Utrecht-ish coordinates)."""
    row: dict[str, Any] = {
        "id": sid,
        "name": f"School {sid}",
        "sector": "vo",
        "region": "r1",
        "holiday_region": "middle",
        "lat": lat,
        "lon": lon,
    }
    row.update(extra)
    return row


def base_data() -> dict[str, Any]:
    """The dict of a minimal valid instance; copy-safe (a fresh dict every call)."""
    return copy.deepcopy(
        {
            "name": "test",
            "calendar": {
                "time_blocks": [
                    {"id": "1", "start": "09:00", "end": "11:00"},
                    {"id": "2", "start": "13:00", "end": "15:00"},
                ],
                "school_years": [
                    {"id": "2026-2027", "start": "2026-08-01", "end": "2027-07-31"},
                ],
                "holidays": [
                    {
                        "holiday_region": "middle",
                        "name": "Herfstvakantie",
                        "start": "2026-10-17",
                        "end": "2026-10-25",
                    },
                ],
                "public_holidays": [{"date": "2026-12-25", "name": "Eerste Kerstdag"}],
            },
            "regions": [{"id": "r1", "name": "Region one"}],
            "institutions": [{"id": "HU", "name": "Hogeschool Utrecht"}],
            "schools": [school("s1"), school("s2", lat=52.10, lon=5.20)],
        }
    )


def make_instance(data: dict[str, Any]) -> Instance:
    """Build and validate an instance from a dict."""
    return Instance.model_validate(data)


def day(text: str) -> dt.date:
    """``day("2026-09-01")``."""
    return dt.date.fromisoformat(text)


# --------------------------------------------------------------------------- BV helpers


def bv_school(sid: str, sector: str = "po", region: str = "r1", **extra: Any) -> dict[str, Any]:
    """An eligible BV school (subsidised, no individual support) at Utrecht-ish coordinates;
    ``extra`` overrides any field (``lat``, ``lon``, ``board``, ``bv_subsidy``, ...)."""
    row = school(sid, sector=sector, region=region, bv_subsidy=True)
    row.update(extra)
    return row


def line_travel(ids: list[str], step: int = 10) -> list[dict[str, Any]]:
    """Measured travel times for schools on a line: ``step * |i - j|`` minutes."""
    return [
        {"origin": a, "destination": b, "minutes": step * (j - i)}
        for i, a in enumerate(ids)
        for j, b in enumerate(ids)
        if j > i
    ]


def coordinator(
    cid: str, regions: tuple[str, ...] = ("r1",), max_groups: int | None = None, **extra: Any
) -> dict[str, Any]:
    """An OCW coordinator (B4) working in ``regions``."""
    row: dict[str, Any] = {
        "id": cid,
        "name": f"Coordinator {cid}",
        "role": "ocw_coordinator",
        "regions": list(regions),
        "max_groups": max_groups,
    }
    row.update(extra)
    return row


HAND_WORKED_BV_WEIGHTS = {"travel": 1, "worst_travel": 5}
"""The BV weights of the tests' hand-worked optima (``bv_data``)."""


def bv_data(
    schools: list[dict[str, Any]],
    *,
    travel: list[dict[str, Any]] | None = None,
    coordinators: list[dict[str, Any]] | None = None,
    regions: tuple[str, ...] = ("r1",),
    **bv: Any,
) -> dict[str, Any]:
    """The dict of a BV-only instance: ``schools`` in ``regions``, measured ``travel``,
    ``coordinators`` (default: one with unlimited capacity in every region) and ``bv``
    settings (``allow_seven=True``, ``wishes=[...]``, ...).

    The BV weights are travel 1, worst_travel 5 unless ``bv`` gives others: the optima
    the tests work out by hand use them (the product's default worst_travel is 1)."""
    data = base_data()
    data["regions"] = [{"id": r, "name": f"Region {r}"} for r in regions]
    data["schools"] = schools
    if travel:
        data["travel_times"] = travel
    data["facilitators"] = (
        coordinators if coordinators is not None else [coordinator("c1", regions=regions)]
    )
    data["bv"] = {**bv, "weights": {**HAND_WORKED_BV_WEIGHTS, **bv.get("weights", {})}}
    return data


TINY = Path(__file__).resolve().parent.parent / "instances" / "tiny"
"""The shipped ``tiny`` instance (CSV folder)."""


def tiny_edited(tmp_path: Path, edits: dict[str, dict[str, dict[str, str]]]) -> Path:
    """A copy of ``instances/tiny`` with cells changed: ``{table: {row id: {column: text}}}``."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder, dirs_exist_ok=True)
    for table, rows in edits.items():
        with open(folder / f"{table}.csv", encoding="utf-8", newline="") as handle:
            records = list(csv.DictReader(handle))
        for record in records:
            record.update(rows.get(record["id"], {}))
        with open(folder / f"{table}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(records[0]))
            writer.writeheader()
            writer.writerows(records)
    return folder
