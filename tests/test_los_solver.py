"""The LOS stage, rule by rule: a case that must be refused beside one that must pass.

Every instance is 2-5 items with hand-checkable numbers: schools s1 and s2 are 20 minutes
apart (measured), weights are the defaults (travel 1/min, size balance 5, kind mix 10,
preference 20, own school 10, unplaced 10,000). Every solved plan goes through the
checker, which must find nothing and recompute the same objective.
"""

from __future__ import annotations

from los_cases import (
    assert_checked,
    facilitator,
    learner,
    los_instance,
    members,
    network,
    notes,
    solve_los,
)

BLOCKS_TIGHT = [
    {"id": "1", "start": "09:00", "end": "11:00"},
    {"id": "2", "start": "11:10", "end": "13:10"},
]


def test_l1_size_pass_and_refuse():
    # n1 at s1 and n2 at s2 take 1..2 each; a, b, c all live at s1.
    # Optimum: two learners in n1, one in n2: travel 20 + own school 10 (the one in n2
    # could have joined n1 at their own school); sizes 2 and 1 lie in the even band
    # [floor(3/2), ceil(3/2)] = [1, 2]. Objective 30.
    nets = [network("n1", max_size=2), network("n2", location="s2", max_size=2)]
    inst = los_instance([learner("a"), learner("b"), learner("c")], nets)
    plan = solve_los(inst)
    assert plan.status == "optimal"
    assert plan.stages["los"].objective == 30
    assert sorted(len(m) for m in members(plan).values()) == [1, 2]
    assert_checked(inst, plan)
    # refused: three learners, two seats, nobody may stay unplaced
    nets = [network("n1", max_size=1), network("n2", location="s2", max_size=1)]
    inst = los_instance([learner("a"), learner("b"), learner("c")], nets)
    plan = solve_los(inst)
    assert plan.status == "infeasible"
    assert "[L1] 3 learners must be placed but the 2 networks seat at most 2" in notes(plan)
    assert plan.networks == ()


def test_l1_unplaced_when_allowed():
    # same three learners, two seats, allow_unplaced: one learner stays out (10,000);
    # n1 and n2 must both run (min 1): one learner in n1 (0) and one in n2 (travel 20 +
    # own school 10). Objective 10,030.
    nets = [network("n1", max_size=1), network("n2", location="s2", max_size=1)]
    inst = los_instance(
        [learner("a"), learner("b"), learner("c")], nets, settings={"allow_unplaced": True}
    )
    plan = solve_los(inst)
    assert plan.status == "optimal"
    assert plan.stages["los"].objective == 10_030
    assert [u.what for u in plan.unplaced] == ["learner"]
    assert_checked(inst, plan)


def test_l2_opleiding_needs_a_student():
    # refused: an opleiding network (min_students 1 by default) with two starters only
    nets = [network("n1", "opleiding")]
    inst = los_instance([learner("a"), learner("b")], nets)
    plan = solve_los(inst)
    assert plan.status == "infeasible"
    assert "[L2] opleiding network n1 needs 1 student(s) but only 0 may join it" in notes(plan)
    # passes with one student: both at s1, size 2 = band [2, 2]. Objective 0.
    inst = los_instance([learner("a", "student"), learner("b")], [network("n1", "opleiding")])
    plan = solve_los(inst)
    assert plan.status == "optimal" and plan.stages["los"].objective == 0
    assert members(plan) == {"n1": ("a", "b")}
    assert_checked(inst, plan)


def test_l3_component_needed():
    # a (student, needs PH) lives at s1; n1 (inductie, s1) offers nothing, n2 (opleiding
    # HU, s2) offers PH. Optimum: a in n2 (travel 20; n1 cannot take a, so no own-school
    # cost), b and c in n1. Band [1, 2]. Objective 20.
    nets = [
        network("n1", max_size=2),
        network("n2", "opleiding", location="s2", components=["PH"], max_size=2),
    ]
    people = [learner("a", "student", needs=["PH"]), learner("b"), learner("c")]
    inst = los_instance(people, nets)
    plan = solve_los(inst)
    assert plan.stages["los"].objective == 20
    assert members(plan)["n2"] == ("a",)
    assert_checked(inst, plan)
    # refused: nobody offers PH
    nets = [network("n1", max_size=2), network("n2", "opleiding", location="s2", max_size=2)]
    plan = solve_los(los_instance(people, nets))
    assert plan.status == "infeasible"
    assert "learner a (student, needs PH, s1) has no network that could take them" in notes(plan)
    assert "[L3] network n1 does not offer PH" in notes(plan)


def test_l3_uu_student_needs_a_uu_component_or_admission():
    # u (UU student) and h (HU student) at s1; n1 (HU, s1) does not admit UU students.
    # refused: u has no network.
    people = [learner("u", "uu_student"), learner("h", "student")]
    plan = solve_los(los_instance(people, [network("n1", "opleiding", max_size=2)]))
    assert plan.status == "infeasible"
    assert "offers no UU component and does not admit UU students" in notes(plan)
    # passes when n1 admits UU students: both in n1, objective 0
    inst = los_instance(people, [network("n1", "opleiding", max_size=2, admits_uu_students=True)])
    plan = solve_los(inst)
    assert plan.stages["los"].objective == 0 and members(plan) == {"n1": ("u", "h")}
    assert_checked(inst, plan)


def test_l4_slot_where_every_member_is_free():
    # Monday has blocks 1 (09-11) and 2 (13-15); n1 needs both a and b (size 2..2).
    # a and b teach in block 1: the network meets in block 2. Objective 0.
    nets = [network("n1", min_size=2, max_size=2)]
    people = [learner("a", busy={"mon": ["1"]}), learner("b", busy={"mon": ["1"]})]
    inst = los_instance(people, nets)
    plan = solve_los(inst)
    assert plan.status == "optimal"
    assert plan.networks[0].slot is not None and plan.networks[0].slot.block == "2"
    assert_checked(inst, plan)
    # refused: a teaches in block 1, b in block 2: no moment both are free
    people = [learner("a", busy={"mon": ["1"]}), learner("b", busy={"mon": ["2"]})]
    plan = solve_los(los_instance(people, nets))
    assert plan.status == "infeasible"
    text = notes(plan)
    assert "[L4] network n1 has no slot where it can meet" in text
    assert "only 1 learners who may join n1 are free at mon block 1" in text


def test_l5_facilitators_must_share_the_slot():
    # the SO works Tuesdays only, the IO Mondays only: no common slot (refused)
    facs = [
        facilitator("so", "schoolopleider", ("tue",)),
        facilitator("io", "instituutsopleider", ("mon",)),
    ]
    nets = [network("n1", "opleiding", schoolopleider="so", second_facilitator="io")]
    people = [learner("a", "student")]
    plan = solve_los(los_instance(people, nets, facs, weekdays=("mon", "tue")))
    assert plan.status == "infeasible"
    assert "io (second of n1) is not available at" in notes(plan)
    # an open second position: io1 (Monday) or io2 (Tuesday); the SO is there on Tuesday,
    # so the network meets on Tuesday with io2. Objective 0.
    facs = [
        facilitator("so", "schoolopleider", ("tue",)),
        facilitator("io1", "instituutsopleider", ("mon",)),
        facilitator("io2", "instituutsopleider", ("tue",)),
    ]
    nets = [network("n1", "opleiding", schoolopleider="so")]
    inst = los_instance(people, nets, facs, weekdays=("mon", "tue"), auto_leaders=False)
    plan = solve_los(inst)
    assert plan.status == "optimal"
    assert plan.networks[0].facilitators == ("so", "io2")
    assert plan.networks[0].slot is not None and plan.networks[0].slot.weekday == "tue"
    assert_checked(inst, plan)


def test_l5_no_double_booking():
    # one schoolbegeleider for two inductie networks at s1, Monday only.
    facs = [
        facilitator("so1", "schoolopleider"),
        facilitator("so2", "schoolopleider"),
        facilitator("sb", "schoolbegeleider"),
    ]
    nets = [
        network("n1", schoolopleider="so1", max_size=1),
        network("n2", schoolopleider="so2", max_size=1),
    ]
    people = [learner("a"), learner("b")]
    # no visits (L9 would refuse sb in both duos: a duo cannot visit a network one of
    # its members leads, and two networks can only visit each other)
    quiet = {"visits_per_year": 0}
    # one block: both networks would need sb at the same time (refused)
    one = [{"id": "1", "start": "09:00", "end": "11:00"}]
    plan = solve_los(
        los_instance(people, nets, facs, blocks=one, auto_leaders=False, settings=quiet)
    )
    assert plan.status == "infeasible"
    assert "L5" in notes(plan)
    # two blocks: sb leads n1 and n2 one after the other (same school). Objective 0.
    inst = los_instance(people, nets, facs, auto_leaders=False, settings=quiet)
    plan = solve_los(inst)
    assert plan.status == "optimal" and plan.stages["los"].objective == 0
    assert {n.slot.block for n in plan.networks if n.slot} == {"1", "2"}
    assert all(n.facilitators[1] == "sb" for n in plan.networks)
    assert_checked(inst, plan)


def test_l5_travel_between_locations():
    # one IO fixed in n1 (s1) and n2 (s2); Monday blocks 09:00-11:00 and 11:10-13:10.
    facs = [
        facilitator("so1", "schoolopleider"),
        facilitator("so2", "schoolopleider"),
        facilitator("io", "instituutsopleider"),
    ]
    nets = [
        network("n1", "opleiding", schoolopleider="so1", second_facilitator="io", max_size=1),
        network(
            "n2",
            "opleiding",
            location="s2",
            schoolopleider="so2",
            second_facilitator="io",
            max_size=1,
        ),
    ]
    people = [learner("a", "student"), learner("b", "student", home="s2")]
    # no visits: io in both duos would leave none possible (L9), this is about L5
    quiet = {"visits_per_year": 0}
    # 30 minutes between the schools do not fit in the 10-minute gap (refused)
    inst = los_instance(
        people, nets, facs, blocks=BLOCKS_TIGHT, travel=30, auto_leaders=False, settings=quiet
    )
    plan = solve_los(inst)
    assert plan.status == "infeasible"
    assert "L5" in notes(plan)
    # 5 minutes fit: n1 and n2 meet in different blocks. Objective 0 (everyone at home).
    inst = los_instance(
        people, nets, facs, blocks=BLOCKS_TIGHT, travel=5, auto_leaders=False, settings=quiet
    )
    plan = solve_los(inst)
    assert plan.status == "optimal" and plan.stages["los"].objective == 0
    assert {n.slot.block for n in plan.networks if n.slot} == {"1", "2"}
    assert_checked(inst, plan)


def test_l6_schoolopleider_capacity_and_max_groups():
    # capacity 0.1 day x 20 = 2 learners; n1 needs 3 (refused)
    facs = [facilitator("so", "schoolopleider", capacity_days=0.1)]
    nets = [network("n1", schoolopleider="so", min_size=3)]
    people = [learner("a"), learner("b"), learner("c")]
    plan = solve_los(los_instance(people, nets, facs))
    assert plan.status == "infeasible"
    assert "[L6] schoolopleider so is fixed in n1, which need at least 3 learners" in notes(plan)
    # 0.15 day x 20 = 3 learners: fits. Objective 0.
    facs = [facilitator("so", "schoolopleider", capacity_days=0.15)]
    inst = los_instance(people, nets, facs)
    plan = solve_los(inst)
    assert plan.status == "optimal" and plan.stages["los"].objective == 0
    assert_checked(inst, plan)
    # max_groups 1 while fixed in two networks (refused)
    facs = [facilitator("so", "schoolopleider", max_groups=1)]
    nets = [network("n1", schoolopleider="so"), network("n2", schoolopleider="so")]
    plan = solve_los(los_instance(people, nets, facs, blocks=BLOCKS_TIGHT))
    assert plan.status == "infeasible"
    assert "[L6] so is fixed in 2 networks (n1, n2); max_groups is 1" in notes(plan)


def test_l6_open_schoolopleider_respects_capacity():
    # n1 and n2 (s1, 2..2 each) each need an SO; so1 can take 2 learners, so2 can take 3;
    # so neither may lead both (4 learners). The plan gives them one network each.
    facs = [
        facilitator("so1", "schoolopleider", capacity_days=0.1),
        facilitator("so2", "schoolopleider", capacity_days=0.15),
        facilitator("sb1", "schoolbegeleider"),
        facilitator("sb2", "schoolbegeleider"),
    ]
    nets = [
        network("n1", second_facilitator="sb1", min_size=2, max_size=2),
        network("n2", second_facilitator="sb2", min_size=2, max_size=2),
    ]
    people = [learner(x) for x in "abcd"]
    inst = los_instance(people, nets, facs, blocks=BLOCKS_TIGHT, auto_leaders=False)
    plan = solve_los(inst)
    assert plan.status == "optimal"
    assert sorted(n.facilitators[0] for n in plan.networks) == ["so1", "so2"]
    assert_checked(inst, plan)


def test_l7_travel_limit_and_region():
    # a lives at s2; n1 at s1 is 20 minutes away; its limit is 10 (refused)
    people = [learner("a", home="s2")]
    plan = solve_los(los_instance(people, [network("n1", max_travel_minutes=10)]))
    assert plan.status == "infeasible"
    assert "[L7] network n1 at s1 is 20 min from s2; the limit is 10 min" in notes(plan)
    # limit 30: a travels 20. Objective 20 (n1 is not at a's school: no own-school cost).
    inst = los_instance(people, [network("n1", max_travel_minutes=30)])
    plan = solve_los(inst)
    assert plan.stages["los"].objective == 20
    assert_checked(inst, plan)
    # a learner of another region is never placed in r1's networks (refused)
    other = {
        "id": "s9",
        "name": "School s9",
        "sector": "vo",
        "region": "r2",
        "holiday_region": "middle",
        "lat": 52.1,
        "lon": 5.1,
    }
    inst = los_instance(
        [learner("a"), learner("z", home="s9")],
        [network("n1")],
        extra_schools=[other],
        extra_regions=[{"id": "r2", "name": "Region two"}],
    )
    plan = solve_los(inst)
    assert plan.status == "infeasible"
    assert (
        "[L7] learner z (starter, s9) has no network that could take them: region r2 has no "
        "LOS network" in notes(plan)
    )
    assert members(plan) == {"n1": ("a",)}  # region r1 is still planned


def test_pin_is_honoured():
    # a is pinned to n2 (s2) although n1 at home is free: a travels 20; b and c stay in
    # n1. a may not join n1 (pinned), so no own-school cost. Objective 20.
    nets = [network("n1", max_size=2), network("n2", location="s2", max_size=2)]
    inst = los_instance([learner("a", network="n2"), learner("b"), learner("c")], nets)
    plan = solve_los(inst)
    assert members(plan) == {"n1": ("b", "c"), "n2": ("a",)}
    assert plan.stages["los"].objective == 20
    assert_checked(inst, plan)


def test_soft_goals_preference_and_kind_mix():
    # n1 (s1, diversity) and n2 (s2), 1..2 each; a, b starters at s1, z a statushouder
    # at s2. Kinds that may join n1: starter, statushouder -> n1 should mix them.
    # b prefers n2. Options (sizes must be 2|1 or 1|2):
    #   {a,b}|{z}: kind mix 10 (n1 lacks a statushouder) + preference 20 (b not in n2) = 30
    #   {a,z}|{b}: z travels 20 + own school 10 (n2 is at z's school), b travels 20 + own
    #              school 10 (n1 is at b's school), mix 0, preference 0 = 60
    #   others cost more. Optimum 30.
    nets = [network("n1", max_size=2, diversity=True), network("n2", location="s2", max_size=2)]
    people = [
        learner("a"),
        learner("b", preferred_networks=["n2"]),
        learner("z", "statushouder", home="s2"),
    ]
    inst = los_instance(people, nets)
    plan = solve_los(inst)
    assert plan.stages["los"].objective == 30
    parts = plan.stages["los"].parts
    assert parts["kind_mix"] == 10 and parts["learner_preference"] == 20
    assert_checked(inst, plan)


def test_weights_override_changes_the_optimum():
    # the same instance with weights.kind_mix = 100 (--set los.settings.weights.kind_mix=100):
    # {a,b}|{z} now costs 100 + 20 = 120, {a,z}|{b} still 60: the mix wins. Objective 60.
    from composer.params import apply_overrides

    nets = [network("n1", max_size=2, diversity=True), network("n2", location="s2", max_size=2)]
    people = [
        learner("a"),
        learner("b", preferred_networks=["n2"]),
        learner("z", "statushouder", home="s2"),
    ]
    inst = apply_overrides(los_instance(people, nets), {"los.settings.weights.kind_mix": 100})
    plan = solve_los(inst)
    assert plan.stages["los"].objective == 60
    assert members(plan) == {"n1": ("a", "z"), "n2": ("b",)}
    assert_checked(inst, plan)


def test_no_networks_and_no_learners_is_not_planned():
    inst = los_instance([], [])
    plan = solve_los(inst)
    assert plan.stages["los"].status == "not_planned"
