"""The LOS checker on hand-built plans: each check fires on a plan that breaks its rule,
names the people or networks involved, and stays silent on a good plan."""

from __future__ import annotations

import datetime as dt

import pytest

from composer.check import check_plan
from composer.model.instance import Instance
from composer.model.plan import Plan, PlannedNetwork, PlannedSlot
from los_cases import assert_checked, facilitator, learner, los_instance, network, solve_los

BLOCKS_TIGHT = [
    {"id": "1", "start": "09:00", "end": "11:00"},
    {"id": "2", "start": "11:10", "end": "13:10"},
]


@pytest.fixture(scope="module")
def case() -> tuple[Instance, Plan]:
    """n1 (opleiding, PH, s1) and n2 (inductie, s2, travel limit 25); a needs PH, c is
    pinned to n2, b teaches Monday block 1. Solved once; the plan is the good plan."""
    facs = [
        facilitator("so1", "schoolopleider", capacity_days=0.15),
        facilitator("so2", "schoolopleider", max_groups=1),
        facilitator("io1", "instituutsopleider", ("mon", "tue")),
        facilitator("sb1", "schoolbegeleider"),
    ]
    nets = [
        network(
            "n1",
            "opleiding",
            components=["PH"],
            schoolopleider="so1",
            second_facilitator="io1",
            max_size=2,
        ),
        network(
            "n2",
            location="s2",
            schoolopleider="so2",
            second_facilitator="sb1",
            max_travel_minutes=25,
        ),
    ]
    people = [
        learner("a", "student", needs=["PH"]),
        learner("b", busy={"mon": ["1"]}),
        learner("c", home="s2", network="n2"),
        learner("d", home="s2"),
    ]
    inst = los_instance(people, nets, facs, weekdays=("mon", "tue"), blocks=BLOCKS_TIGHT)
    plan = solve_los(inst)
    # hand check: a and b in n1 (at home), c and d in n2 (at home): objective 0 + size
    # balance 0 (4 learners / 2 networks: band [2, 2]).
    assert plan.stages["los"].objective == 0
    assert_checked(inst, plan)
    return inst, plan


def with_network(plan: Plan, nid: str, **changes: object) -> Plan:
    """The plan with one network's fields replaced."""
    nets = tuple(n.model_copy(update=changes) if n.id == nid else n for n in plan.networks)
    return plan.model_copy(update={"networks": nets})


def fired(inst: Instance, plan: Plan, rule: str) -> list[str]:
    """The messages (with items) of the errors and warnings of one rule."""
    return [v.render() for v in check_plan(inst, plan).violations if v.rule == rule]


@pytest.mark.parametrize("rule", ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "P1"])
def test_good_plan_is_silent(case, rule):
    inst, plan = case
    assert fired(inst, plan, rule) == []


def test_l1_fires_on_size_and_on_a_missing_network(case):
    inst, plan = case
    bad = with_network(plan, "n2", learners=())
    assert any("network n2 has 0 learners; its minimum is 1" in m for m in fired(inst, bad, "L1"))
    bad = plan.model_copy(update={"networks": plan.networks[:1]})
    assert any("network n2 of region r1 is missing" in m for m in fired(inst, bad, "L1"))
    bad = with_network(plan, "n1", learners=("a", "b", "d"))
    assert any("n1 has 3 learners; its maximum is 2" in m for m in fired(inst, bad, "L1"))


def test_l2_fires_without_a_student(case):
    inst, plan = case
    bad = with_network(plan, "n1", learners=("b",))
    msgs = fired(inst, bad, "L2")
    assert msgs == ["[L2] opleiding network n1 has 0 student(s); it needs at least 1 (n1)"]


def test_l3_fires_on_a_missing_component(case):
    inst, plan = case
    bad = with_network(with_network(plan, "n2", learners=("a", "c")), "n1", learners=("b", "d"))
    assert fired(inst, bad, "L3") == ["[L3] network n2 does not offer PH (a needs it) (a, n2)"]


def test_l4_fires_on_a_busy_member_a_wrong_slot_and_wrong_times(case):
    inst, plan = case
    n1 = next(n for n in plan.networks if n.id == "n1")
    busy_slot = PlannedSlot(weekday="mon", block="1", start="09:00", end="11:00")
    bad = with_network(plan, "n1", slot=busy_slot)
    assert any("while 1 of its learners teach then (n1, b)" in m for m in fired(inst, bad, "L4"))
    assert n1.slot is not None
    bad = with_network(plan, "n1", slot=n1.slot.model_copy(update={"weekday": "wed"}))
    assert any("not a planning slot" in m for m in fired(inst, bad, "L4"))
    bad = with_network(plan, "n1", slot=n1.slot.model_copy(update={"start": dt.time(8, 0)}))
    assert any("are not those of block" in m for m in fired(inst, bad, "L4"))
    bad = with_network(plan, "n1", slot=None)
    assert fired(inst, bad, "L4") == ["[L4] network n1 has no weekly slot (n1)"]


def test_l5_fires_on_role_availability_double_booking_and_travel(case):
    inst, plan = case
    bad = with_network(plan, "n1", facilitators=("so1", "sb1"))
    assert any("n1 has io1 fixed as its second" in m for m in fired(inst, bad, "L5"))
    tue1 = PlannedSlot(weekday="tue", block="1", start="09:00", end="11:00")
    wed1 = PlannedSlot(weekday="wed", block="1", start="09:00", end="11:00")
    bad = with_network(plan, "n1", slot=wed1)
    assert any(
        "io1 leads n1 at wed block 1 but is not available" in m for m in fired(inst, bad, "L5")
    )
    bad = with_network(plan, "n1", facilitators=("so1",))
    assert any("lists 1 facilitator(s)" in m for m in fired(inst, bad, "L5"))
    # sb1 leads n2; let it lead n1 too at the same slot as n2
    n2 = next(n for n in plan.networks if n.id == "n2")
    assert n2.slot is not None
    bad = with_network(plan, "n1", slot=n2.slot, facilitators=("so1", "io1"))
    bad = with_network(bad, "n2", facilitators=("so2", "io1"))
    msgs = fired(inst, bad, "L5")
    assert any("io1 leads n1 and n2 at the same time" in m for m in msgs), msgs
    # io1 leads n1 at s1 on Tuesday block 1 and n2 at s2 on Tuesday block 2: 20 minutes
    # of travel do not fit in the 10 minutes between the blocks
    tue2 = PlannedSlot(weekday="tue", block="2", start="11:10", end="13:10")
    bad = with_network(plan, "n1", slot=tue1)
    bad = with_network(bad, "n2", slot=tue2, facilitators=("so2", "io1"))
    msgs = fired(inst, bad, "L5")
    assert any("io1 cannot get from n1" in m and "20 min of travel" in m for m in msgs), msgs


def test_l6_fires_on_capacity_and_max_groups(case):
    inst, plan = case
    # so1 may lead 0.15 x 20 = 3 learners; give it n2 as well (2 + 2 learners)
    bad = with_network(plan, "n2", facilitators=("so1", "sb1"))
    assert any("schoolopleider so1 leads 4 learners" in m for m in fired(inst, bad, "L6"))
    # so2 has max_groups 1
    bad = with_network(plan, "n1", facilitators=("so2", "io1"))
    assert any("so2 leads 2 networks; at most 1" in m for m in fired(inst, bad, "L6"))


def test_l7_fires_on_travel_region_and_location(case):
    inst, plan = case
    # b (s1) in n2 (s2, limit 25): 20 minutes is within the limit -> silent
    ok = with_network(with_network(plan, "n2", learners=("b", "c")), "n1", learners=("a", "d"))
    assert fired(inst, ok, "L7") == []
    bad = with_network(plan, "n1", location="s2")
    assert any("n1 meets at s2; its location is s1" in m for m in fired(inst, bad, "L7"))
    bad = with_network(plan, "n1", region="r9")
    assert any("listed in region r9" in m for m in fired(inst, bad, "L7"))


def test_l7_fires_beyond_the_travel_limit():
    # a lives at s2; n1 at s1 (20 minutes) allows 10: a plan that places a there is bad
    inst = los_instance([learner("a", home="s2")], [network("n1", max_travel_minutes=10)])
    slot = PlannedSlot(weekday="mon", block="1", start="09:00", end="11:00")
    net = PlannedNetwork(
        id="n1",
        region="r1",
        slot=slot,
        location="s1",
        learners=("a",),
        facilitators=("so-n1", "f2-n1"),
    )
    plan = Plan(instance=inst.name, networks=(net,))
    msgs = fired(inst, plan, "L7")
    assert msgs == ["[L7] network n1 at s1 is 20 min from s2; the limit is 10 min (a, n1)"]


def test_l8_reports_spare_seats_as_a_warning(case):
    inst, plan = case
    report = check_plan(inst, plan)
    spare = [v for v in report.violations if v.rule == "L8"]
    # n1 holds 2 of 2, n2 holds 2 of 3: one spare seat in n2
    assert [v.message for v in spare] == ["region r1: 1 spare seat(s) for open sessions (n2 1)"]
    assert all(v.severity == "warning" for v in spare) and report.ok
    # a full network leaves no spare seat: silent
    inst = los_instance([learner("a")], [network("n1", max_size=1)])
    full = solve_los(inst)
    assert [n.learners for n in full.networks] == [("a",)]
    assert fired(inst, full, "L8") == []


def test_pins_and_placement_fire_under_p1(case):
    inst, plan = case
    bad = with_network(with_network(plan, "n1", learners=("a", "c")), "n2", learners=("b", "d"))
    assert any("c is pinned to n2 but placed in n1" in m for m in fired(inst, bad, "P1"))
    bad = with_network(plan, "n2", learners=("c",))
    assert any("d is in no network" in m for m in fired(inst, bad, "P1"))


def test_objective_mismatch_is_reported(case):
    inst, plan = case
    stages = dict(plan.stages)
    stages["los"] = stages["los"].model_copy(update={"objective": 5.0})
    report = check_plan(inst, plan.model_copy(update={"stages": stages}))
    assert not report.ok
    assert report.mismatches == ["los: the plan states objective 5, the checker recomputes 0"]
