"""Small TN instances for the TN tests, built in code (see tests/factories.py).

``person("a1", "s1", "schoolleider", themes=("t",))`` is a participant row,
``network("A", theme="t", min_size=1, max_size=4)`` a TN network row led by PB1. By default
a network is *homogeneous on region*: every school here is in one region, so that
composition never binds and a test sees only the rule it is about.
"""

from __future__ import annotations

from typing import Any

import pytest

from composer.check import check_plan
from composer.model.instance import Instance
from composer.model.plan import Plan
from composer.params import SolveParams
from composer.pipeline import solve
from factories import base_data, make_instance, school


def person(
    pid: str,
    school_id: str,
    function: str = "schoolleider",
    themes: tuple[str, ...] = (),
    network: str | None = None,
) -> dict[str, Any]:
    """A TN participant row."""
    return {
        "id": pid,
        "name": f"Person {pid}",
        "school": school_id,
        "function": function,
        "themes": list(themes),
        "network": network,
    }


def network(nid: str, theme: str = "", **extra: Any) -> dict[str, Any]:
    """A TN network row led by PB1, homogeneous on region (neutral) unless ``extra`` says."""
    row: dict[str, Any] = {
        "id": nid,
        "theme": theme,
        "facilitator": "PB1",
        "composition": "homogeneous",
        "composition_attribute": "region",
        "min_size": 1,
        "max_size": 4,
    }
    row.update(extra)
    return row


def tn_data(
    people: list[dict[str, Any]],
    networks: list[dict[str, Any]],
    schools: list[dict[str, Any]] | None = None,
    regions: tuple[str, ...] = ("r1",),
    **tn: Any,
) -> dict[str, Any]:
    """A TN-only instance: ``schools`` (default s1..s6, vo, region r1), one procesbegeleider
    PB1, the ``people`` and ``networks``, and any ``tn`` settings (``weights={...}``)."""
    data = base_data()
    data["regions"] = [{"id": r, "name": f"Region {r}"} for r in regions]
    data["schools"] = schools or [school(f"s{i}", lon=5.1 + i / 100) for i in range(1, 7)]
    data["facilitators"] = [{"id": "PB1", "name": "Piet Proces", "role": "procesbegeleider"}]
    data["tn"] = {"networks": networks, "participants": people, **tn}
    return data


def tn_instance(people, networks, **kwargs: Any) -> Instance:
    """:func:`tn_data` built into an instance."""
    return make_instance(tn_data(people, networks, **kwargs))


def solve_tn(instance: Instance, time_limit: float = 10.0) -> Plan:
    """Solve the TN stage alone and referee it: the checker is clean and recomputes the
    solver's objective (when the stage found a plan)."""
    plan, _ = solve(
        instance, SolveParams(time_limit=time_limit, workers=1, processes=1, stages=("tn",))
    )
    report = check_plan(instance, plan)
    assert report.ok, [v.render() for v in report.errors] + report.mismatches
    result = plan.stages["tn"]
    if result.status in {"optimal", "feasible"}:
        assert report.objective("tn") == pytest.approx(result.objective)
    return plan


def members(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Network id -> its participants, for the held networks."""
    return {g.id: tuple(sorted(g.participants)) for g in plan.tn_networks}


def hand_plan(instance: Instance, groups: dict[str, list[str]]) -> Plan:
    """A plan composed by hand (as if the TN stage had found it): ``groups`` maps network id
    to participants; everyone else is listed as unplaced."""
    from composer.model.plan import PlannedTnNetwork, StageResult, Unplaced

    placed = {p for ps in groups.values() for p in ps}
    return Plan(
        instance=instance.name,
        stages={"tn": StageResult(status="optimal")},
        tn_networks=tuple(
            PlannedTnNetwork(id=n, participants=tuple(ps), facilitator="PB1")
            for n, ps in groups.items()
            if ps
        ),
        unplaced=tuple(
            Unplaced(id=p.id, what="participant", reason="by hand", rule="T3")
            for p in instance.tn.participants
            if p.id not in placed
        ),
    )


def tn_errors(instance: Instance, plan: Plan) -> list[str]:
    """The rendered TN and P1 errors the checker finds in ``plan``."""
    report = check_plan(instance, plan, {"composer.check.tn", "composer.check.structure"})
    return [v.render() for v in report.errors]
