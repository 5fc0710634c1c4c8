"""Small LOS instances for tests, on top of ``factories.base_data()``.

Two schools (s1, s2) with a *measured* travel time between them (20 minutes unless a
test says otherwise), so every optimum can be worked out by hand. Every network gets a
fixed schoolopleider and second facilitator available on every weekday unless the test
gives its own facilitators. Sizes default to 1..3 (``los.settings``).
"""

from __future__ import annotations

import copy
from typing import Any

from composer.check import check_plan
from composer.model.instance import Instance
from composer.model.plan import Plan
from composer.params import SolveParams
from composer.pipeline import solve
from factories import base_data, make_instance


def learner(lid: str, kind: str = "starter", home: str = "s1", **extra: Any) -> dict[str, Any]:
    """A learner row; ``busy={"mon": ["1"]}`` gives a roster."""
    busy = extra.pop("busy", None)
    row: dict[str, Any] = {"id": lid, "name": f"Learner {lid}", "kind": kind, "home_school": home}
    if kind in ("student", "uu_student"):
        row["institution"] = "UU" if kind == "uu_student" else "HU"
    if busy:
        row["roster"] = busy
    row.update(extra)
    return row


def facilitator(fid: str, role: str, days: tuple[str, ...] | None = None, **extra: Any) -> dict:
    """A facilitator row working in region r1 (available every weekday by default)."""
    row: dict[str, Any] = {"id": fid, "name": f"F {fid}", "role": role, "regions": ["r1"]}
    if days is not None:
        row["available_days"] = list(days)
    row.update(extra)
    return row


def network(nid: str, type_: str = "inductie", location: str = "s1", **extra: Any) -> dict:
    """A network row in region r1."""
    row: dict[str, Any] = {"id": nid, "region": "r1", "type": type_, "location": location}
    if type_ == "opleiding":
        row.setdefault("institution", "HU")
    row.update(extra)
    return row


def los_instance(
    learners: list[dict[str, Any]],
    networks: list[dict[str, Any]],
    facilitators: list[dict[str, Any]] | None = None,
    *,
    weekdays: tuple[str, ...] = ("mon",),
    blocks: list[dict[str, str]] | None = None,
    settings: dict[str, Any] | None = None,
    travel: float = 20,
    auto_leaders: bool = True,
    extra_schools: list[dict[str, Any]] | None = None,
    extra_regions: list[dict[str, Any]] | None = None,
) -> Instance:
    """Build a validated LOS instance from rows (see the module doc for the defaults)."""
    learners, networks = copy.deepcopy(learners), copy.deepcopy(networks)
    facilitators = copy.deepcopy(facilitators)
    data = base_data()
    data["calendar"]["weekdays"] = list(weekdays)
    if blocks is not None:
        data["calendar"]["time_blocks"] = blocks
    data["institutions"].append({"id": "UU", "name": "Universiteit Utrecht"})
    data["schools"].extend(extra_schools or [])
    data["regions"].extend(extra_regions or [])
    data["travel_times"] = [{"origin": "s1", "destination": "s2", "minutes": travel}]
    facs = list(facilitators or [])
    if auto_leaders:
        for net in networks:
            if "schoolopleider" not in net:
                facs.append(facilitator(f"so-{net['id']}", "schoolopleider"))
                net["schoolopleider"] = f"so-{net['id']}"
            if "second_facilitator" not in net:
                role = "schoolbegeleider" if net["type"] == "inductie" else "instituutsopleider"
                facs.append(facilitator(f"f2-{net['id']}", role))
                net["second_facilitator"] = f"f2-{net['id']}"
    data["learners"] = learners
    data["facilitators"] = facs
    data["los"] = {
        "settings": {"min_size": 1, "max_size": 3, **(settings or {})},
        "components": [
            {"id": "PH", "name": "Pedagogisch Handelen", "institution": "HU"},
            {"id": "PiP1", "name": "Professional in Praktijk 1", "institution": "UU"},
        ],
        "networks": networks,
    }
    return make_instance(data)


def solve_los(instance: Instance, time_limit: float = 20.0, seed: int = 0) -> Plan:
    """Solve only the LOS stage, deterministically (one worker, one process)."""
    params = SolveParams(time_limit=time_limit, workers=1, processes=1, seed=seed, stages=("los",))
    plan, _ = solve(instance, params)
    return plan


def assert_checked(instance: Instance, plan: Plan) -> None:
    """The referee: no violation, and the recomputed objective equals the solver's."""
    report = check_plan(instance, plan)
    assert report.ok, [v.render() for v in report.errors] + report.mismatches
    stage = plan.stages["los"]
    assert report.objective("los") == stage.objective, (report.objectives, stage.objective)


def members(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Network id -> its learners."""
    return {n.id: n.learners for n in plan.networks}


def notes(plan: Plan) -> str:
    """The LOS stage notes as one string."""
    return "\n".join(plan.stages["los"].notes)


R2 = {"id": "r2", "name": "Region two"}
"""A second LOS region, for instances where one region plans and another does not."""
S3 = {
    "id": "s3",
    "name": "School s3",
    "sector": "vo",
    "region": "r2",
    "holiday_region": "middle",
    "lat": 52.2,
    "lon": 5.3,
}
"""A school of region :data:`R2`."""


def two_regions(
    r2_max: int,
    shared_sb: bool = False,
    settings: dict[str, Any] | None = None,
    r2_min: int | None = None,
) -> Instance:
    """n1 in r1 (s1) for a and b; n2 in r2 (s3) for c and d, seating r2_min..r2_max
    (``r2_min`` None: the settings' minimum). ``shared_sb``: both second positions open,
    and sbx, who works in r1 and r2, could lead either (one subproblem)."""
    facs = [
        facilitator("so1", "schoolopleider"),
        facilitator("so2", "schoolopleider", regions=["r2"]),
        facilitator("sb1", "schoolbegeleider"),
        facilitator("sb2", "schoolbegeleider", regions=["r2"]),
    ]
    if shared_sb:
        facs.append(facilitator("sbx", "schoolbegeleider", regions=["r1", "r2"]))
    bounds: dict[str, Any] = {"max_size": r2_max}
    if r2_min is not None:
        bounds["min_size"] = r2_min
    nets = [
        network("n1", schoolopleider="so1", second_facilitator="sb1"),
        network(
            "n2",
            location="s3",
            region="r2",
            schoolopleider="so2",
            second_facilitator="sb2",
            **bounds,
        ),
    ]
    if shared_sb:
        for net in nets:
            del net["second_facilitator"]
    people = [learner("a"), learner("b"), learner("c", home="s3"), learner("d", home="s3")]
    return los_instance(
        people,
        nets,
        facs,
        settings=settings,
        extra_schools=[S3],
        extra_regions=[R2],
        auto_leaders=False,
    )
