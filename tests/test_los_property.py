"""Properties of the LOS stage on random small instances (hypothesis).

1. Any plan the solver returns checks clean and its objective is recomputed equal.
2. On instances small enough to enumerate every plan (all slots, facilitators of the
   right role, and learner assignments, each judged by the checker, and the slots by
   the visit cycle of L9), the solver's answer is exactly right: infeasible when no
   plan passes, otherwise proven optimal with the enumerated optimum. With visits and
   back-to-back blocks and shared facilitators this covers L9 as the solver treats it
   lazily (the model holds only the slot cap; a solution whose slots and duos leave no
   visit cycle does not count).
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer import los_rules
from composer.check import check_plan
from composer.model.instance import Instance
from composer.model.plan import Plan, PlannedNetwork, PlannedSlot
from composer.objective.los import LosObjective
from composer.solvers.los_model import prepare_region, visit_deficit
from los_cases import assert_checked, facilitator, learner, los_instance, network, solve_los

KINDS = ("student", "uu_student", "starter", "statushouder")


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    """1-2 networks, 1-4 learners, 2-4 slots, fixed or open facilitators."""
    weekdays = draw(st.sampled_from([("mon",), ("mon", "tue")]))
    slots = [(d, b) for d in weekdays for b in ("1", "2")]
    n_nets = draw(st.integers(1, 2))
    facs = []
    nets = []
    for i in range(n_nets):
        nid = f"n{i + 1}"
        kind = draw(st.sampled_from(["inductie", "opleiding"]))
        row = network(
            nid,
            kind,
            location=draw(st.sampled_from(["s1", "s2"])),
            min_size=draw(st.integers(1, 2)),
            max_size=3,
            diversity=draw(st.booleans()),
        )
        if kind == "opleiding" and draw(st.booleans()):
            row["components"] = ["PH"]
        if kind == "opleiding" and draw(st.booleans()):
            row["admits_uu_students"] = True
        if draw(st.booleans()):
            row["max_travel_minutes"] = draw(st.sampled_from([10, 30]))
        days = draw(st.lists(st.sampled_from(weekdays), min_size=1, unique=True))
        facs.append(facilitator(f"so{i + 1}", "schoolopleider", tuple(days)))
        row["schoolopleider"] = f"so{i + 1}"
        role = "schoolbegeleider" if kind == "inductie" else "instituutsopleider"
        if draw(st.booleans()):
            facs.append(facilitator(f"x{i + 1}", role, tuple(days)))
            row["second_facilitator"] = f"x{i + 1}"
        nets.append(row)
    # open second positions choose among these (one of each role, shared)
    facs.append(facilitator("sb", "schoolbegeleider", (weekdays[0],)))
    facs.append(facilitator("io", "instituutsopleider", (weekdays[-1],)))
    people = []
    for j in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(KINDS))
        busy: dict[str, list[str]] = {}
        for day, block in slots:
            if draw(st.integers(0, 3)) == 0:
                busy.setdefault(day, []).append(block)
        extra = {}
        if kind == "student" and draw(st.booleans()):
            extra["needs"] = ["PH"]
        if draw(st.integers(0, 4)) == 0:
            extra["preferred_networks"] = [draw(st.sampled_from([n["id"] for n in nets]))]
        people.append(
            learner(f"l{j}", kind, home=draw(st.sampled_from(["s1", "s2"])), busy=busy, **extra)
        )
    # back to back, the duo of a network cannot reach another school's session in the
    # next block (L9's travel clash); the default blocks leave two hours between them
    blocks = draw(st.sampled_from([None, BACK_TO_BACK]))
    return los_instance(
        people,
        nets,
        facs,
        weekdays=weekdays,
        blocks=blocks,
        settings={
            "allow_unplaced": draw(st.booleans()),
            "visits_per_year": draw(st.sampled_from([0, 1])),
        },
        travel=draw(st.sampled_from([5, 20, 40])),
        auto_leaders=False,
    )


BACK_TO_BACK = [
    {"id": "1", "start": "09:00", "end": "11:00"},
    {"id": "2", "start": "11:00", "end": "13:00"},
]


def enumerate_optimum(inst: Instance) -> float | None:
    """The best objective over every plan the checker accepts, or None when none does."""
    slots = los_rules.planning_slots(inst)
    nets = inst.los.networks
    allow = inst.los.settings.allow_unplaced
    objective = LosObjective(inst)
    roles = {
        "so": [f.id for f in inst.facilitators if f.role == "schoolopleider"],
        "inductie": [f.id for f in inst.facilitators if f.role == "schoolbegeleider"],
        "opleiding": [f.id for f in inst.facilitators if f.role == "instituutsopleider"],
    }
    region = prepare_region(inst)
    slot_position = {slot: k for k, slot in enumerate(region.slots)}
    best = None
    options = [(*range(len(nets)), None) if allow else tuple(range(len(nets)))] * len(inst.learners)
    assignments = list(itertools.product(*options))
    leader_choices = [itertools.product(roles["so"], roles[n.type]) for n in nets]
    for leaders in itertools.product(*[list(c) for c in leader_choices]):
        duos = {
            (n, pos): inst.index.facilitator[f]
            for n, pair in enumerate(leaders)
            for pos, f in zip(("so", "second"), pair, strict=True)
        }
        for chosen in itertools.product(slots, repeat=len(nets)):
            # L9: the slots and duos leave room for every network's yearly visit (the
            # calendar's own visit model decides; the LOS checker has no visits to judge)
            at = {n: slot_position[slot] for n, slot in enumerate(chosen)}
            if visit_deficit(region, at, None, duos) > 0:
                continue
            for assignment in assignments:
                groups: list[list[str]] = [[] for _ in nets]
                for lr, n in zip(inst.learners, assignment, strict=True):
                    if n is not None:
                        groups[n].append(lr.id)
                # cheap filters first: sizes (L1) and rosters (L4)
                if any(
                    not (
                        los_rules.size_bounds(inst, net)[0]
                        <= len(g)
                        <= los_rules.size_bounds(inst, net)[1]
                    )
                    for net, g in zip(nets, groups, strict=True)
                ):
                    continue
                learners = {lr.id: lr for lr in inst.learners}
                if any(
                    not los_rules.learner_free(learners[lid], slot)
                    for g, slot in zip(groups, chosen, strict=True)
                    for lid in g
                ):
                    continue
                planned = []
                for net, g, slot, lead in zip(nets, groups, chosen, leaders, strict=True):
                    block = los_rules.block_of(inst, slot[1])
                    planned.append(
                        PlannedNetwork(
                            id=net.id,
                            region=net.region,
                            slot=PlannedSlot(
                                weekday=slot[0], block=slot[1], start=block.start, end=block.end
                            ),
                            location=net.location,
                            learners=tuple(g),
                            facilitators=lead,
                        )
                    )
                plan = Plan(instance=inst.name, networks=tuple(planned))
                if check_plan(inst, plan).errors:
                    continue
                value = sum(objective.evaluate(plan).values())
                if best is None or value < best:
                    best = value
    return best


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(instances())
def test_solver_is_exact_on_enumerable_instances(inst: Instance) -> None:
    plan = solve_los(inst)
    expected = enumerate_optimum(inst)
    stage = plan.stages["los"]
    if expected is None:
        assert stage.status == "infeasible", stage
        assert stage.notes, "an infeasible region must say why"
    else:
        assert stage.status == "optimal", stage
        assert stage.objective == expected
        assert_checked(inst, plan)
