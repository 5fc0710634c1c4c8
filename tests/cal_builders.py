"""Builders for calendar tests: instances with networks, clusters and TN groups, and plans.

Everything starts from ``factories.base_data()``: one school year 2026-08-01..2027-07-31
(no summer holiday in it), Herfstvakantie of the middle region 2026-10-17..25, Christmas
Day 2026-12-25 as public holiday, time blocks 1 (09:00-11:00) and 2 (13:00-15:00), and
schools s1, s2 in holiday region middle, region r1.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from composer.check import check_plan
from composer.model.instance import Instance
from composer.model.plan import (
    Cluster,
    Plan,
    PlannedNetwork,
    PlannedSlot,
    PlannedTnNetwork,
    Session,
    Visit,
)
from composer.params import SolveParams
from composer.pipeline import no_progress
from composer.solvers.calendar import run_stage
from factories import base_data, make_instance, school

BLOCKS = {"1": ("09:00", "11:00"), "2": ("13:00", "15:00")}


def data_with_people(networks: int = 3, extra_schools: int = 6) -> dict[str, Any]:
    """base_data plus schools s3.., SOs so1.., IOs io1.. (HU), coordinators c1, c2, a
    procesbegeleider pb1, learners l0.., and LOS networks n1.. (HU; n1, n3 at s1, n2 at s2)."""
    data = base_data()
    data["schools"] += [
        school(f"s{i}", lat=52.0 + i / 100, lon=5.1 + i / 100) for i in range(3, 3 + extra_schools)
    ]
    data["facilitators"] = (
        [{"id": f"so{i}", "name": f"SO {i}", "role": "schoolopleider"} for i in range(1, 7)]
        + [
            {"id": f"io{i}", "name": f"IO {i}", "role": "instituutsopleider", "institution": "HU"}
            for i in range(1, 7)
        ]
        + [
            {"id": "c1", "name": "Coordinator 1", "role": "ocw_coordinator"},
            {"id": "c2", "name": "Coordinator 2", "role": "ocw_coordinator"},
            {"id": "pb1", "name": "Procesbegeleider 1", "role": "procesbegeleider"},
            {"id": "sb1", "name": "Schoolbegeleider 1", "role": "schoolbegeleider"},
        ]
    )
    data["learners"] = [
        {"id": f"l{i}", "name": f"L{i}", "kind": "starter", "home_school": "s1"} for i in range(12)
    ]
    data["los"] = {
        "networks": [
            {
                "id": f"n{i}",
                "region": "r1",
                "type": "opleiding",
                "institution": "HU",
                "location": "s2" if i % 2 == 0 else "s1",
            }
            for i in range(1, networks + 1)
        ]
    }
    return data


def slot(weekday: str, block: str) -> PlannedSlot:
    """A planned slot at one of the base blocks."""
    start, end = BLOCKS[block]
    return PlannedSlot(
        weekday=weekday,
        block=block,
        start=dt.time.fromisoformat(start),
        end=dt.time.fromisoformat(end),
    )


def network(
    nid: str,
    weekday: str,
    block: str,
    location: str,
    facilitators: tuple[str, ...],
    learners: tuple[str, ...] = (),
) -> PlannedNetwork:
    """A planned LOS network in region r1."""
    return PlannedNetwork(
        id=nid,
        region="r1",
        slot=slot(weekday, block),
        location=location,
        learners=learners,
        facilitators=facilitators,
    )


CALENDAR_CHECKS = ("composer.check.calendar", "composer.check.structure")
"""The referee of these tests: the calendar rules and plan integrity. The plans here are
built by hand with tiny networks; LOS composition rules (L1 sizes...) are not their subject."""


def three_networks() -> tuple[PlannedNetwork, ...]:
    """n1 tue 1 at s1 (so1, io1), n2 wed 1 at s2 (so2, io2), n3 thu 2 at s1 (so3, io3)."""
    return (
        network("n1", "tue", "1", "s1", ("so1", "io1"), ("l0", "l1")),
        network("n2", "wed", "1", "s2", ("so2", "io2"), ("l2", "l3")),
        network("n3", "thu", "2", "s1", ("so3", "io3"), ("l4", "l5")),
    )


def solve(instance: Instance, plan: Plan, time_limit: float = 20.0) -> Plan:
    """Run the calendar stage in this process (one worker: deterministic)."""
    params = SolveParams(time_limit=time_limit, workers=1, processes=1)
    return run_stage(instance, plan, params, no_progress)


def assert_checked(instance: Instance, plan: Plan) -> None:
    """Every solver test: the checker finds nothing and recomputes the same objective."""
    report = check_plan(instance, plan, CALENDAR_CHECKS)
    assert report.ok, [v.render() for v in report.errors] + report.mismatches
    result = plan.stages["calendar"]
    if result.objective is not None:
        assert report.objective("calendar") == result.objective


def rules_of(instance: Instance, plan: Plan, severity: str = "error") -> dict[str, list[str]]:
    """Violations by rule id (only the given severity)."""
    out: dict[str, list[str]] = {}
    for v in check_plan(instance, plan, CALENDAR_CHECKS).violations:
        if v.severity == severity:
            out.setdefault(v.rule, []).append(v.message)
    return out


def d(text: str) -> dt.date:
    """``d("2026-09-17")``."""
    return dt.date.fromisoformat(text)


def bv_session(
    cluster: str,
    n: int,
    day: str,
    host: str,
    schools: tuple[str, ...],
    coordinator: str | None = "c1",
    participants_per_school: int = 2,
) -> Session:
    """A BV meeting as the stage writes it (13:30-16:30)."""
    facs = (coordinator,) if coordinator else ()
    return Session(
        id=f"bv-{cluster}-{n:02d}",
        programme="bv",
        group=cluster,
        date=d(day),
        start=dt.time(13, 30),
        end=dt.time(16, 30),
        location=host,
        facilitators=facs,
        attendees=schools,
        kind="meeting",
        headcount=len(schools) * participants_per_school + len(facs),
    )


def bv_plan(sessions: list[Session], schools: tuple[str, ...] = ("s3", "s4", "s5")) -> Plan:
    """A plan holding one cluster cl1 (coordinator c1) and the given sessions."""
    return Plan(
        instance="test",
        clusters=(Cluster(id="cl1", sector="vo", region="r1", schools=schools, coordinator="c1"),),
        sessions=tuple(sessions),
    )


def cluster(cid: str, schools: tuple[str, ...], coordinator: str | None = "c1") -> Cluster:
    """A BV cluster in region r1."""
    return Cluster(id=cid, sector="vo", region="r1", schools=schools, coordinator=coordinator)


def tn_group(nid: str, participants: tuple[str, ...], facilitator: str = "pb1") -> PlannedTnNetwork:
    """A composed TN network."""
    return PlannedTnNetwork(id=nid, participants=participants, facilitator=facilitator)


def visit(visitor: str, host: str, day: str, block: str, facs: tuple[str, ...]) -> Visit:
    """A visit at a base block."""
    start, end = BLOCKS[block]
    return Visit(
        visitor=visitor,
        host=host,
        date=d(day),
        start=dt.time.fromisoformat(start),
        end=dt.time.fromisoformat(end),
        facilitators=facs,
    )


def make(data: dict[str, Any]) -> Instance:
    """Build the instance."""
    return make_instance(data)
