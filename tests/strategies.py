"""Hypothesis strategies: random *valid* instances that use every table and optional field.

Built as plain dicts with consistent references (every id a row refers to exists, ids
are unique, bounds are ordered, holidays do not overlap, roles fit), then validated into
an :class:`Instance`. The values are chosen to hit the formats' hard cases: ids that look
like numbers (``0012``, ``1e5``) or words (``true``, ``null``), text with ``;``, ``,``,
quotes, ``=`` and line breaks, floats that need 17 digits, dates before 1900 (not an Excel
date), times with seconds, empty lists whose default is not empty, absent optional
nested models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from composer.model.base import WEEKDAYS
from composer.model.instance import Instance

TRICKY_IDS = ["0012", "1", "1.0", "1e5", "true", "null", "NA", "TRUE", "nan", "a.b-c_d", "0"]

ids = st.one_of(
    st.sampled_from(TRICKY_IDS),
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,7}", fullmatch=True),
)

_chars = st.characters(
    blacklist_categories=("Cs", "Cc"),
    blacklist_characters="\r\ufffe\uffff",  # XML 1.0 (a workbook) cannot hold the last two
)
text = st.one_of(
    st.sampled_from(["", "a;b", "x,y", 'say "hi"', "=SUM(A1)", "#N/A", "back\\slash", "-"]),
    st.text(alphabet=st.one_of(_chars, st.sampled_from("\n\t;,\"'=\\#")), max_size=16),
)
item_text = text.filter(lambda t: t.strip() != "")
floats_any = st.one_of(
    st.sampled_from([0.1 + 0.2, 1 / 3, 52.0907, 5e-324, 1e300, 0.0, 123456789.123456789]),
    st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False),
)
dates = st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2200, 12, 31))
times = st.one_of(st.times(), st.sampled_from([dt.time(8, 30), dt.time(13, 0)]))


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


def _put(row: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        row[key] = value


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    """A random valid instance exercising every table and optional field."""
    pool = draw(st.lists(ids, min_size=40, max_size=60, unique_by=str.lower))
    taken = iter(pool)

    def new_ids(low: int, high: int) -> list[str]:
        n = draw(st.integers(low, high))
        return [next(taken) for _ in range(n)]

    weekdays = draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=7))

    # ---- calendar
    blocks = []
    for bid in new_ids(0, 3):
        a, b = sorted(draw(st.lists(times, min_size=2, max_size=2, unique=True)))
        blocks.append({"id": bid, "start": a, "end": b})
    block_ids = [b["id"] for b in blocks]
    edges = sorted(draw(st.lists(dates, min_size=0, max_size=4, unique=True)))
    years = [
        {"id": next(taken), "start": edges[i], "end": edges[i + 1]}
        for i in range(0, len(edges) - 1, 2)
    ]
    holidays = []
    for region in ("north", "middle", "south"):
        days = sorted(draw(st.lists(dates, max_size=4, unique=True)))
        for i in range(0, len(days) - 1, 2):
            holidays.append(
                {"holiday_region": region, "name": draw(text), "start": days[i], "end": days[i + 1]}
            )
    public = [{"date": d, "name": draw(text)} for d in draw(st.lists(dates, max_size=3))]

    # ---- places
    regions = [{"id": rid, "name": draw(text)} for rid in new_ids(1, 3)]
    region_ids = [r["id"] for r in regions]
    institutions = []
    for iid in new_ids(0, 3):
        row: dict[str, Any] = {"id": iid, "name": draw(text)}
        _put(row, "lat", draw(_maybe(st.floats(-90, 90))))
        _put(row, "lon", draw(_maybe(st.floats(-180, 180))))
        _put(row, "holiday_region", draw(_maybe(st.sampled_from(["north", "middle", "south"]))))
        institutions.append(row)
    institution_ids = [i["id"] for i in institutions]
    schools = []
    for sid in new_ids(2, 6):
        row = {
            "id": sid,
            "name": draw(text),
            "sector": draw(st.sampled_from(["po", "vo", "go"])),
            "region": draw(st.sampled_from(region_ids)),
            "holiday_region": draw(st.sampled_from(["north", "middle", "south"])),
            "lat": draw(st.floats(-90, 90)),
            "lon": draw(st.floats(-180, 180)),
            "board": draw(text),
            "municipality": draw(text),
            "postcode": draw(st.sampled_from(["", "3581", "3581 AB", "0123"])),
            "bv_subsidy": draw(st.booleans()),
            "bv_individual_support": draw(st.booleans()),
            "training_school": draw(st.booleans()),
        }
        _put(row, "pupils", draw(_maybe(st.integers(0, 10**14))))
        _put(row, "wpb_hours_capacity", draw(_maybe(floats_any)))
        schools.append(row)
    school_ids = [s["id"] for s in schools]
    travel = [
        {
            "origin": draw(st.sampled_from(school_ids)),
            "destination": draw(st.sampled_from(school_ids)),
            "minutes": draw(floats_any),
        }
        for _ in range(draw(st.integers(0, 3)))
    ]

    # ---- facilitators (roles drawn so networks can find a fitting one)
    roles = [
        "schoolopleider",
        "instituutsopleider",
        "schoolbegeleider",
        "werkplekbegeleider",
        "ocw_coordinator",
        "procesbegeleider",
    ]
    facilitators = []
    for fid in new_ids(0, 6):
        row = {
            "id": fid,
            "name": draw(text),
            "role": draw(st.sampled_from(roles)),
            "regions": draw(st.lists(st.sampled_from(region_ids), max_size=2)),
            "available_days": draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, max_size=7)),
            "available_blocks": draw(st.lists(st.sampled_from(block_ids), max_size=2))
            if block_ids
            else [],
            "email": draw(text),
        }
        _put(
            row,
            "institution",
            draw(_maybe(st.sampled_from(institution_ids))) if institution_ids else None,
        )
        _put(row, "home_school", draw(_maybe(st.sampled_from(school_ids))))
        _put(row, "capacity_days", draw(_maybe(floats_any)))
        _put(row, "max_groups", draw(_maybe(st.integers(0, 50))))
        facilitators.append(row)
    by_role: dict[str, list[str]] = {}
    for fac in facilitators:
        by_role.setdefault(fac["role"], []).append(fac["id"])

    def pick_role(*wanted: str) -> str | None:
        options = [f for r in wanted for f in by_role.get(r, [])]
        return draw(_maybe(st.sampled_from(options))) if options else None

    # ---- LOS
    components = []
    for cid in new_ids(0, 3):
        row = {"id": cid, "name": draw(text)}
        _put(
            row,
            "institution",
            draw(_maybe(st.sampled_from(institution_ids))) if institution_ids else None,
        )
        components.append(row)
    component_ids = [c["id"] for c in components]
    smin = draw(st.integers(1, 20))
    smax = smin + draw(st.integers(0, 10))
    network_ids = new_ids(0, 4)
    networks = []
    for nid in network_ids:
        kind = draw(st.sampled_from(["opleiding", "inductie", "mixed"]))
        row = {
            "id": nid,
            "name": draw(text),
            "region": draw(st.sampled_from(region_ids)),
            "type": kind,
            "mixed_agreed": kind == "mixed" or draw(st.booleans()),
            "components": []
            if kind == "inductie" or not component_ids
            else draw(st.lists(st.sampled_from(component_ids), max_size=2)),
            "admits_uu_students": draw(st.booleans()),
            "location": draw(st.sampled_from(school_ids)),
            "partner_schools": draw(st.lists(st.sampled_from(school_ids), max_size=3)),
            "diversity": draw(st.booleans()),
        }
        mode = draw(st.sampled_from(["none", "both", "min", "max"]))
        low = draw(st.integers(1, 30))
        if mode == "both":
            row["min_size"], row["max_size"] = low, low + draw(st.integers(0, 5))
        elif mode == "min":
            row["min_size"] = draw(st.integers(1, smax))
        elif mode == "max":
            row["max_size"] = draw(st.integers(smin, smin + 10))
        _put(
            row,
            "institution",
            draw(_maybe(st.sampled_from(institution_ids))) if institution_ids else None,
        )
        _put(row, "min_students", draw(_maybe(st.integers(0, 5))))
        _put(row, "schoolopleider", pick_role("schoolopleider"))
        second = {
            "opleiding": ("instituutsopleider",),
            "inductie": ("schoolbegeleider",),
            "mixed": ("instituutsopleider", "schoolbegeleider"),
        }[kind]
        _put(row, "second_facilitator", pick_role(*second))
        if weekdays and block_ids and draw(st.booleans()):
            row["slot"] = {
                "weekday": draw(st.sampled_from(weekdays)),
                "block": draw(st.sampled_from(block_ids)),
            }
        _put(row, "max_travel_minutes", draw(_maybe(floats_any)))
        networks.append(row)

    kinds = ["student", "uu_student", "starter", "zij_instromer", "statushouder", "onbevoegd"]
    learners = []
    for lid in new_ids(0, 6):
        roster = {
            day: draw(st.lists(st.sampled_from(block_ids), max_size=2)) if block_ids else []
            for day in ("mon", "tue", "wed", "thu", "fri")
        }
        row = {
            "id": lid,
            "name": draw(text),
            "kind": draw(st.sampled_from(kinds)),
            "home_school": draw(st.sampled_from(school_ids)),
            "needs": draw(st.lists(st.sampled_from(component_ids), max_size=2))
            if component_ids
            else [],
            "roster": {k: v for k, v in roster.items() if v},
            "preferred_networks": draw(st.lists(st.sampled_from(network_ids), max_size=2))
            if network_ids
            else [],
            "email": draw(text),
        }
        _put(
            row,
            "institution",
            draw(_maybe(st.sampled_from(institution_ids))) if institution_ids else None,
        )
        _put(row, "year", draw(_maybe(st.integers(1, 6))))
        _put(row, "study_mode", draw(_maybe(st.sampled_from(["fulltime", "parttime"]))))
        _put(row, "network", draw(_maybe(st.sampled_from(network_ids))) if network_ids else None)
        learners.append(row)

    # ---- TN
    tn_network_ids = new_ids(0, 3) if by_role.get("procesbegeleider") else []
    places = school_ids + institution_ids

    def kickoff() -> dt.date | None:
        if not years:
            return draw(_maybe(dates))
        year = draw(st.sampled_from(years))
        return draw(_maybe(st.dates(year["start"], year["end"])))

    tn_networks = []
    for tid in tn_network_ids:
        low = draw(st.integers(1, 10))
        row = {
            "id": tid,
            "name": draw(text),
            "theme": draw(text),
            "facilitator": draw(st.sampled_from(by_role["procesbegeleider"])),
            "composition": draw(st.sampled_from(["homogeneous", "diverse"])),
            "composition_attribute": draw(
                st.sampled_from(["function", "region", "sector", "school"])
            ),
            "min_size": low,
            "max_size": low + draw(st.integers(0, 6)),
            "expected_absence": draw(st.floats(0, 0.99)),
            "helpers_per_meeting": draw(st.integers(1, 2)),
        }
        _put(row, "region", draw(_maybe(st.sampled_from(region_ids))))
        _put(row, "series_length", draw(_maybe(st.integers(1, 10))))
        _put(row, "kickoff_date", kickoff())
        _put(row, "kickoff_location", draw(_maybe(st.sampled_from(places))))
        tn_networks.append(row)
    participants = []
    for pid in new_ids(0, 4):
        row = {
            "id": pid,
            "name": draw(text),
            "school": draw(st.sampled_from(school_ids)),
            "function": draw(text),
            "themes": draw(st.lists(item_text, max_size=3)),
            "email": draw(text),
        }
        _put(
            row,
            "network",
            draw(_maybe(st.sampled_from(tn_network_ids))) if tn_network_ids else None,
        )
        participants.append(row)

    who = school_ids + [x["id"] for x in learners + facilitators + participants]
    unavailability = []
    for _ in range(draw(st.integers(0, 3))):
        a, b = sorted(draw(st.lists(dates, min_size=2, max_size=2)))
        unavailability.append(
            {"who": draw(st.sampled_from(who)), "start": a, "end": b, "reason": draw(text)}
        )
    wishes = []
    for _ in range(draw(st.integers(0, 2))):
        a, b = draw(st.lists(st.sampled_from(school_ids), min_size=2, max_size=2, unique=True))
        wishes.append(
            {
                "kind": draw(st.sampled_from(["together", "apart"])),
                "school_a": a,
                "school_b": b,
                "reason": draw(text),
            }
        )

    bmin = draw(st.integers(1, 8))
    bstart, bend = sorted(draw(st.lists(times, min_size=2, max_size=2, unique=True)))
    tstart, tend = sorted(draw(st.lists(times, min_size=2, max_size=2, unique=True)))
    data: dict[str, Any] = {
        "name": next(taken),
        "description": draw(text),
        "sources": [
            {"name": draw(text), "url": draw(text), "licence": draw(text)}
            for _ in range(draw(st.integers(0, 2)))
        ],
        "calendar": {
            "weekdays": weekdays,
            "time_blocks": blocks,
            "school_years": years,
            "holidays": holidays,
            "public_holidays": public,
        },
        "regions": regions,
        "institutions": institutions,
        "schools": schools,
        "travel": {
            "speed_kmh": draw(st.floats(0.5, 200)),
            "detour_factor": draw(st.floats(1, 3)),
        },
        "travel_times": travel,
        "learners": learners,
        "facilitators": facilitators,
        "unavailability": unavailability,
        "los": {
            "settings": {
                "min_size": smin,
                "max_size": smax,
                "wpb_hours_per_student": draw(floats_any),
                "max_travel_minutes": draw(_maybe(floats_any)),
                "allow_unplaced": draw(st.booleans()),
                "weights": {"travel": draw(st.integers(0, 100)), "unplaced": 10**6},
            },
            "components": components,
            "networks": networks,
        },
        "bv": {
            "min_size": bmin,
            "max_size": bmin + draw(st.integers(0, 4)),
            "first_school_year": draw(_maybe(st.sampled_from([y["id"] for y in years])))
            if years
            else None,
            "meeting_weekdays": draw(st.lists(st.sampled_from(WEEKDAYS), unique=True)),
            "meeting_start": bstart,
            "meeting_end": bend,
            "board_policy": draw(st.sampled_from(["none", "together", "apart"])),
            "allow_seven": draw(st.booleans()),
            "weights": {"worst_travel": draw(st.integers(0, 9))},
            "wishes": wishes,
        },
        "tn": {
            "series_length": draw(st.integers(1, 9)),
            "kickoff_date": kickoff(),
            "kickoff_location": draw(_maybe(st.sampled_from(places))),
            "meeting_weekdays": draw(st.lists(st.sampled_from(WEEKDAYS), unique=True)),
            "meeting_start": tstart,
            "meeting_end": tend,
            "networks": tn_networks,
            "participants": participants,
        },
    }
    return Instance.model_validate(data)
