"""Time ``composer export`` on a synthetic plan of a given scale (no solver involved).

The plan is generated, not solved: R regions, each with its schools, learners in networks
of 17, an SO and an IO per network, weekly sessions on the network's weekday from
September to June (the autumn, Christmas, spring and May holidays skipped), one visit
and one review per network, and BV clusters of five po schools with four meetings.
Seeded, so two runs build the same plan.

    PYTHONPATH=src python -m benchmarks.export_scale --regions 1   # one region (DOMAIN 6)
    PYTHONPATH=src python -m benchmarks.export_scale --regions 35  # national scale
    PYTHONPATH=src python -m benchmarks.export_scale --plan out/plan.json --instance PATH

Prints the seconds per format (wall clock and this process's CPU time, which a busy shared
machine inflates less) and the number of files; timings depend on the machine. Every
format's time is what ``composer export --format X`` costs: the workbook, CSV and report
include checking the plan and building the tables, the calendars need neither.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from composer.export import ExportOptions, write_exports
from composer.export.context import ExportContext
from composer.io import load_instance
from composer.io.json_io import read_plan
from composer.model.instance import Instance
from composer.model.plan import (
    Cluster,
    Plan,
    PlannedNetwork,
    PlannedSlot,
    Session,
    StageResult,
    Visit,
)

HOLIDAYS = [
    ("Herfstvakantie", "2026-10-17", "2026-10-25"),
    ("Kerstvakantie", "2026-12-19", "2027-01-03"),
    ("Voorjaarsvakantie", "2027-02-13", "2027-02-21"),
    ("Meivakantie", "2027-04-24", "2027-05-09"),
]
DAYS = ("mon", "tue", "wed", "thu", "fri")


def build(regions: int, seed: int = 0) -> tuple[Instance, Plan]:
    """A synthetic instance and plan: 34 networks of 17 learners and 60 schools a region."""
    rng = random.Random(seed)
    holidays = [(dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for _, a, b in HOLIDAYS]
    data: dict[str, Any] = {
        "name": f"synthetic-{regions}",
        "calendar": {
            "time_blocks": [
                {"id": "1", "start": "09:00", "end": "11:00"},
                {"id": "2", "start": "13:00", "end": "15:00"},
            ],
            "school_years": [{"id": "2026-2027", "start": "2026-08-01", "end": "2027-07-31"}],
            "holidays": [
                {"holiday_region": "middle", "name": n, "start": a, "end": b}
                for n, a, b in HOLIDAYS
            ],
        },
        "regions": [],
        "institutions": [{"id": "HU", "name": "Hogeschool Utrecht", "lat": 52.08, "lon": 5.17}],
        "schools": [],
        "learners": [],
        "facilitators": [],
        "los": {"networks": []},
    }
    networks, clusters, sessions, visits = [], [], [], []
    kinds = ["student", "uu_student", "starter", "zij_instromer", "statushouder", "onbevoegd"]
    for r in range(regions):
        rid = f"R{r:02d}"
        data["regions"].append({"id": rid, "name": f"Region {r}"})
        lat0, lon0 = rng.uniform(51.0, 53.2), rng.uniform(3.8, 6.9)
        schools = []
        for s in range(60):
            sid = f"{rid}-S{s:02d}"
            schools.append(sid)
            data["schools"].append(
                {
                    "id": sid,
                    "name": f"School {sid}",
                    "sector": "vo" if s < 30 else "po",
                    "region": rid,
                    "holiday_region": "middle",
                    "lat": lat0 + rng.uniform(-0.2, 0.2),
                    "lon": lon0 + rng.uniform(-0.3, 0.3),
                    "wpb_hours_capacity": 20,
                }
            )
        for n in range(34):
            nid = f"{rid}-N{n:02d}"
            so, io = f"{nid}-SO", f"{nid}-IO"
            day = DAYS[n % 5]
            data["facilitators"] += [
                {"id": so, "name": f"SO {nid}", "role": "schoolopleider", "regions": [rid],
                 "capacity_days": 1},
                {"id": io, "name": f"IO {nid}", "role": "instituutsopleider", "regions": [rid]},
            ]  # fmt: skip
            members = []
            for m in range(17):
                lid = f"{nid}-L{m:02d}"
                members.append(lid)
                data["learners"].append(
                    {"id": lid, "name": f"Learner {lid}", "kind": rng.choice(kinds),
                     "home_school": rng.choice(schools[:30])}
                )  # fmt: skip
            location = schools[n % 30]
            data["los"]["networks"].append(
                {"id": nid, "region": rid, "type": "opleiding", "location": location}
            )
            networks.append(
                PlannedNetwork(
                    id=nid, region=rid, location=location, learners=tuple(members),
                    facilitators=(so, io),
                    slot=PlannedSlot(weekday=day, block="1", start=dt.time(9), end=dt.time(11)),
                )
            )  # fmt: skip
            day0 = dt.date(2026, 9, 7) + dt.timedelta(days=DAYS.index(day))
            k = 0
            while day0 <= dt.date(2027, 6, 25):
                if not any(a <= day0 <= b for a, b in holidays):
                    k += 1
                    sessions.append(
                        Session(id=f"{nid}-{k:02d}", programme="los", group=nid, date=day0,
                                start=dt.time(9), end=dt.time(11), location=location,
                                facilitators=(so, io))
                    )  # fmt: skip
                day0 += dt.timedelta(weeks=1)
            sessions.append(
                Session(id=f"{nid}-review", programme="review", group=nid,
                        date=dt.date(2027, 6, 28), start=dt.time(13), end=dt.time(14),
                        location=location, facilitators=(so, io), kind="review")
            )  # fmt: skip
            visits.append(
                Visit(visitor=nid, host=f"{rid}-N{(n + 1) % 34:02d}", date=dt.date(2026, 11, 16))
            )
        coordinator = f"{rid}-C"
        data["facilitators"].append(
            {"id": coordinator, "name": f"Coordinator {rid}", "role": "ocw_coordinator",
             "regions": [rid]}
        )  # fmt: skip
        for c in range(6):
            cid = f"{rid}-BV{c}"
            members = tuple(schools[30 + 5 * c : 35 + 5 * c])
            clusters.append(
                Cluster(id=cid, sector="po", region=rid, schools=members, coordinator=coordinator)
            )
            for i in range(4):
                sessions.append(
                    Session(id=f"{cid}-{i + 1}", programme="bv", group=cid,
                            date=dt.date(2026, 10, 5) + dt.timedelta(weeks=6 * i),
                            start=dt.time(13, 30), end=dt.time(16, 30), location=members[i],
                            facilitators=(coordinator,))
                )  # fmt: skip
    instance = Instance.model_validate(data)
    plan = Plan(
        instance=instance.name,
        status="feasible",
        objective=1.0,
        stages={"los": StageResult(status="feasible", objective=1.0)},
        networks=tuple(networks),
        clusters=tuple(clusters),
        sessions=tuple(sessions),
        visits=tuple(visits),
    )
    return instance, plan


def main() -> None:
    """Build the plan, then time the context and each format on its own."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=1)
    parser.add_argument("--formats", default="xlsx,csv,ics,html")
    parser.add_argument("--plan", type=Path, help="time this plan.json instead (with --instance)")
    parser.add_argument("--instance", type=Path, help="the instance of --plan")
    args = parser.parse_args()
    t0 = time.perf_counter()
    if args.plan is not None:
        instance, plan = load_instance(args.instance), read_plan(args.plan)
    else:
        instance, plan = build(args.regions)
    print(
        f"built {len(instance.learners)} learners, {len(plan.networks)} networks, "
        f"{len(plan.clusters)} clusters, {len(plan.sessions)} sessions in "
        f"{time.perf_counter() - t0:.1f}s"
    )
    t0, c0 = time.perf_counter(), time.process_time()
    ctx = ExportContext.build(instance, plan)
    assert ctx.report is not None and ctx.hours is not None  # computed on first use
    print(
        f"check + hours: {time.perf_counter() - t0:.1f}s wall, "
        f"{time.process_time() - c0:.1f}s cpu (included in xlsx, csv and html below)"
    )
    for fmt in args.formats.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            t0, c0 = time.perf_counter(), time.process_time()
            files = write_exports(instance, plan, Path(tmp), ExportOptions(formats=(fmt,)))
            seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
            size = sum(f.stat().st_size for f in files) / 1e6
            print(
                f"{fmt:>5}: {seconds:6.1f}s wall, {cpu:6.1f}s cpu  "
                f"{len(files)} file(s), {size:.1f} MB"
            )


if __name__ == "__main__":
    main()
