"""Property: on tiny random TN instances the solver's optimum equals brute force.

Brute force tries every assignment of every participant to a network or to nobody
((networks + 1) ** participants plans, at most 3 ** 5 = 243), keeps those the checker
accepts (T3, T4, T6, T7, P1: the independent referee) and takes the cheapest by
``composer.objective.tn``. The solver must reach exactly that value, or report the
instance infeasible exactly when no assignment passes (only conflicting pins do that).
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.model.instance import Instance
from composer.objective.tn import tn_objective_parts
from factories import school
from tn_cases import hand_plan, solve_tn, tn_errors, tn_instance

FUNCTIONS = ("schoolleider", "teamleider", "ib-er")
THEMES = ("t", "u")


@st.composite
def tiny_tn(draw: Any) -> Instance:
    n_schools = draw(st.integers(min_value=1, max_value=3))
    schools = [
        school(
            f"s{i}",
            sector=draw(st.sampled_from(("po", "vo"))),
            region=draw(st.sampled_from(("r1", "r2"))),
        )
        for i in range(1, n_schools + 1)
    ]
    n_nets = draw(st.integers(min_value=1, max_value=2))
    networks = []
    for k in range(n_nets):
        low = draw(st.integers(min_value=1, max_value=3))
        networks.append(
            {
                "id": f"N{k + 1}",
                "theme": draw(st.sampled_from(("", *THEMES))),
                "facilitator": "PB1",
                "region": draw(st.sampled_from((None, "r1"))),
                "composition": draw(st.sampled_from(("homogeneous", "diverse"))),
                "composition_attribute": draw(
                    st.sampled_from(("function", "sector", "region", "school"))
                ),
                "min_size": low,
                "max_size": draw(st.integers(min_value=low, max_value=4)),
                "expected_absence": draw(st.sampled_from((0.0, 0.25, 0.5))),
            }
        )
    n_people = draw(st.integers(min_value=2, max_value=5))
    people = []
    for i in range(n_people):
        themes = draw(st.permutations(THEMES))[: draw(st.integers(min_value=0, max_value=2))]
        pin = draw(st.sampled_from((None, None, None, *(n["id"] for n in networks))))
        people.append(
            {
                "id": f"p{i + 1}",
                "name": f"P{i + 1}",
                "school": f"s{draw(st.integers(min_value=1, max_value=n_schools))}",
                "function": draw(st.sampled_from(FUNCTIONS)),
                "themes": list(themes),
                "network": pin,
            }
        )
    return tn_instance(
        people,
        networks,
        schools=schools,
        regions=("r1", "r2"),
        school_together=draw(st.booleans()),
        members_per_school=draw(st.sampled_from((1, 2, 2))),
    )


def brute_force(instance: Instance) -> float | None:
    """The cheapest plan the checker accepts, or None when none does."""
    nets = [n.id for n in instance.tn.networks]
    people = [p.id for p in instance.tn.participants]
    best: float | None = None
    for choice in itertools.product([None, *nets], repeat=len(people)):
        groups: dict[str, list[str]] = {n: [] for n in nets}
        for pid, net in zip(people, choice, strict=True):
            if net is not None:
                groups[net].append(pid)
        plan = hand_plan(instance, groups)
        if tn_errors(instance, plan):
            continue
        value = sum(tn_objective_parts(instance, plan.tn_networks).values())
        if best is None or value < best:
            best = value
    return best


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instance=tiny_tn())
def test_solver_optimum_equals_brute_force(instance):
    plan = solve_tn(instance)
    result = plan.stages["tn"]
    best = brute_force(instance)
    if best is None:
        assert result.status == "infeasible"
    else:
        assert result.status == "optimal"
        assert result.objective == best
