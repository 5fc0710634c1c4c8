"""Synthetic LOS instances at the scale of DOMAIN.md section 6, seeded and reproducible.

A stand-in until ``composer generate`` (issue 2, built elsewhere) ships the real
``midden-nederland`` and ``national`` instances: the LOS runner accepts any instance
path, and these builders only make sure the LOS model is measured at the right scale
meanwhile. The structure follows seed 000: per region 34 networks at training schools
(16 HU opleiding networks teaching Pedagogisch Handelen, 13 UU networks teaching
Professional in Praktijk, 5 inductie networks), ~600 learners of every kind with weekly
rosters, one schoolopleider per network (a few lead two), instituutsopleiders present
one fixed day a week, schoolbegeleiders for inductie; some positions and pins fixed,
some preferences. Numbers are invented; places are random points in a box per region.

    python benchmarks/los_synthetic.py region --seed 1 --out /tmp/region.json
    python benchmarks/los_synthetic.py national --seed 1 --out /tmp/national.json
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
BLOCKS = (
    ("1", "08:30", "10:10"),
    ("2", "10:30", "12:10"),
    ("3", "12:40", "14:20"),
    ("4", "14:30", "16:10"),
    ("5", "16:15", "17:45"),
)
KINDS = (
    ("student", 0.33),
    ("uu_student", 0.19),
    ("starter", 0.26),
    ("zij_instromer", 0.11),
    ("statushouder", 0.04),
    ("onbevoegd", 0.07),
)


def _calendar() -> dict[str, Any]:
    return {
        "weekdays": list(WEEKDAYS),
        "time_blocks": [{"id": b, "start": s, "end": e} for b, s, e in BLOCKS],
        "school_years": [{"id": "2026-2027", "start": "2026-08-01", "end": "2027-07-31"}],
    }


def _region(
    rng: random.Random,
    data: dict[str, Any],
    region: str,
    centre: tuple[float, float],
    learners: int,
    networks: int,
    schools: int,
) -> None:
    """Add one region's schools, networks, facilitators and learners to ``data``."""
    lat0, lon0 = centre
    school_ids = []
    for i in range(schools):
        sid = f"{region}-s{i:03d}"
        school_ids.append(sid)
        data["schools"].append(
            {
                "id": sid,
                "name": f"School {sid}",
                "sector": "vo" if i % 3 else "po",
                "region": region,
                "holiday_region": "middle",
                "lat": round(lat0 + rng.uniform(-0.15, 0.15), 5),
                "lon": round(lon0 + rng.uniform(-0.25, 0.25), 5),
                "training_school": i < networks,
            }
        )
    n_hu = round(networks * 16 / 34)
    n_uu = round(networks * 13 / 34)
    net_rows = []
    for i in range(networks):
        nid = f"{region}-n{i:02d}"
        if i < n_hu:
            row = {"type": "opleiding", "institution": "HU", "components": ["PH"]}
        elif i < n_hu + n_uu:
            row = {"type": "opleiding", "institution": "UU", "components": ["PiP1", "PiP2"]}
        else:
            row = {"type": "inductie", "diversity": True}
        # a few networks share a location (two networks at one large school)
        location = school_ids[i if i % 11 != 10 else i - 1]
        row.update({"id": nid, "region": region, "location": location})
        net_rows.append(row)
    # schoolopleiders: one per network; every 8th leads the next network too
    so_ids = []
    for i, row in enumerate(net_rows):
        if i % 8 == 1:
            so_ids.append(so_ids[-1])
            continue
        fid = f"{region}-so{i:02d}"
        so_ids.append(fid)
        shared = i % 8 == 0 and i + 1 < len(net_rows)
        data["facilitators"].append(
            {
                "id": fid,
                "name": f"SO {fid}",
                "role": "schoolopleider",
                "home_school": row["location"],
                "regions": [region],
                "capacity_days": 1.75 if shared else 1.0,
                "max_groups": 2 if shared else 1,
            }
        )
    for i, row in enumerate(net_rows):
        if rng.random() < 0.75:
            row["schoolopleider"] = so_ids[i]
    # second facilitators: IOs one day a week (HU, UU), schoolbegeleiders 2-3 days
    for i, row in enumerate(net_rows):
        if row["type"] == "opleiding":
            fid = f"{region}-io{i:02d}"
            data["facilitators"].append(
                {
                    "id": fid,
                    "name": f"IO {fid}",
                    "role": "instituutsopleider",
                    "institution": row["institution"],
                    "regions": [region],
                    "available_days": [rng.choice(WEEKDAYS)],
                    "max_groups": 2,
                }
            )
        else:
            fid = f"{region}-sb{i:02d}"
            data["facilitators"].append(
                {
                    "id": fid,
                    "name": f"SB {fid}",
                    "role": "schoolbegeleider",
                    "regions": [region],
                    "available_days": sorted(
                        rng.sample(WEEKDAYS, rng.choice((2, 3))), key=WEEKDAYS.index
                    ),
                    "max_groups": 2,
                }
            )
        if rng.random() < 0.6:
            row["second_facilitator"] = fid
    data["los"]["networks"].extend(net_rows)
    # learners
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    for i in range(learners):
        lid = f"{region}-l{i:04d}"
        kind = rng.choices(kinds, weights)[0]
        home = rng.choice(school_ids)
        row = {"id": lid, "name": f"Learner {lid}", "kind": kind, "home_school": home}
        if kind == "student":
            row["institution"] = "HU"
            if rng.random() < 0.55:
                row["needs"] = ["PH"]
        elif kind == "uu_student":
            row["institution"] = "UU"
            if rng.random() < 0.8:
                row["needs"] = [rng.choice(("PiP1", "PiP2"))]
        busy_share = rng.uniform(0.25, 0.6)
        row["roster"] = {
            d: [b for b, _, _ in BLOCKS if rng.random() < busy_share] for d in WEEKDAYS
        }
        if rng.random() < 0.15:
            row["preferred_networks"] = [rng.choice(net_rows)["id"]]
        data["learners"].append(row)


def build(preset: str, seed: int, regions: int | None = None) -> dict[str, Any]:
    """The instance dict of a preset: ``region`` (one region at the seed's scale),
    ``national`` (35 regions, ~20,000 learners) or ``small`` (one region, 8 networks)."""
    rng = random.Random(seed)
    data: dict[str, Any] = {
        "name": f"los-synthetic-{preset}-{seed}",
        "description": "synthetic LOS instance (benchmarks/los_synthetic.py)",
        "calendar": _calendar(),
        "regions": [],
        "institutions": [
            {"id": "HU", "name": "Hogeschool Utrecht"},
            {"id": "UU", "name": "Universiteit Utrecht"},
        ],
        "schools": [],
        "learners": [],
        "facilitators": [],
        "los": {
            "settings": {"max_travel_minutes": 60},
            "components": [
                {"id": "PH", "name": "Pedagogisch Handelen", "institution": "HU"},
                {"id": "PiP1", "name": "Professional in Praktijk 1", "institution": "UU"},
                {"id": "PiP2", "name": "Professional in Praktijk 2", "institution": "UU"},
            ],
            "networks": [],
        },
    }
    if preset == "small":
        plan = [("r00", (52.09, 5.12), 140, 8, 16)]
    elif preset == "region":
        plan = [("r00", (52.09, 5.12), 600, 34, 60)]
    elif preset == "national":
        count = regions or 35
        plan = []
        for r in range(count):
            lat = 51.35 + 1.9 * ((r * 7) % count) / count
            lon = 4.0 + 2.8 * ((r * 3) % 7) / 7
            plan.append((f"r{r:02d}", (lat, lon), rng.randint(540, 600), 34, 60))
    else:
        raise SystemExit(f"unknown preset {preset!r}: small, region or national")
    for region, centre, learners, networks, schools in plan:
        data["regions"].append({"id": region, "name": f"Region {region}"})
        _region(rng, data, region, centre, learners, networks, schools)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("preset", choices=("small", "region", "national"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--regions", type=int, default=None)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    data = build(args.preset, args.seed, args.regions)
    args.out.write_text(json.dumps(data, indent=0) + "\n", encoding="utf-8")
    print(
        f"wrote {args.out}: {len(data['learners'])} learners, "
        f"{len(data['los']['networks'])} networks, {len(data['schools'])} schools"
    )


if __name__ == "__main__":
    main()
