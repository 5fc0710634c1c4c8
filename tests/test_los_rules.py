"""The shared LOS rule logic: joining, facilitators, slots, travel fit and pruning."""

from __future__ import annotations

from composer import los_rules
from los_cases import facilitator, learner, los_instance, network

BLOCKS = [
    {"id": "1", "start": "09:00", "end": "11:00"},
    {"id": "2", "start": "11:30", "end": "13:00"},
]


def test_blocks_fit_needs_the_travel_between_the_end_and_the_next_start():
    # 09:00-11:00 then 11:30-13:00: a 30-minute gap
    assert los_rules.blocks_fit(540, 660, 690, 780, 30)
    assert not los_rules.blocks_fit(540, 660, 690, 780, 31)
    assert los_rules.blocks_fit(690, 780, 540, 660, 30)  # either order
    assert not los_rules.blocks_fit(540, 660, 600, 700, 0)  # overlapping blocks never fit


def test_travel_fits_on_one_day_only():
    inst = los_instance([learner("a")], [network("n1")], blocks=BLOCKS, travel=30)
    assert los_rules.travel_fits(inst, ("mon", "1"), "s1", ("mon", "2"), "s2")  # 30 <= 30
    assert not los_rules.travel_fits(inst, ("mon", "1"), "s1", ("mon", "1"), "s1")
    assert los_rules.travel_fits(inst, ("mon", "1"), "s1", ("tue", "1"), "s2")
    inst = los_instance([learner("a")], [network("n1")], blocks=BLOCKS, travel=31)
    assert not los_rules.travel_fits(inst, ("mon", "2"), "s2", ("mon", "1"), "s1")


def test_join_refusal_names_the_rule():
    nets = [
        network("n1", "opleiding", components=["PH"]),
        network("n2", location="s2", max_travel_minutes=10),
    ]
    people = [
        learner("u", "uu_student"),
        learner("h", "student", needs=["PiP1"]),
        learner("p", network="n1"),
        learner("z"),
    ]
    inst = los_instance(people, nets)
    n1, n2 = inst.los.networks
    u, h, p, z = inst.learners
    assert los_rules.join_refusal(inst, u, n1).rule == "L3"  # no UU component, no admission
    assert los_rules.join_refusal(inst, h, n1).rule == "L3"  # PiP1 not offered
    assert los_rules.join_refusal(inst, p, n2).rule == "P1"  # pinned elsewhere
    refusal = los_rules.join_refusal(inst, z, n2)
    assert refusal is not None and refusal.rule == "L7"  # 20 minutes, limit 10
    assert los_rules.join_refusal(inst, p, n1) is None


def test_open_positions_take_role_region_and_institution():
    facs = [
        facilitator("io-hu", "instituutsopleider", institution="HU"),
        facilitator("io-uu", "instituutsopleider", institution="UU"),
        facilitator("io-far", "instituutsopleider", regions=[]),
        facilitator("sb", "schoolbegeleider"),
        facilitator("so", "schoolopleider"),
    ]
    nets = [network("n1", "opleiding", schoolopleider="so")]
    inst = los_instance([learner("a", "student")], nets, facs, auto_leaders=False)
    found = los_rules.facilitator_candidates(inst, inst.los.networks[0], "second")
    assert [f.id for f in found] == ["io-hu"]  # HU network: not UU, not outside r1, not SB


def test_candidates_prune_slots_and_pairs_with_reasons():
    # n1 needs 2 members; a and b are free only in block 2, c teaches in block 2
    people = [
        learner("a", busy={"mon": ["1"]}),
        learner("b", busy={"mon": ["1"]}),
        learner("c", busy={"mon": ["2"]}),
    ]
    inst = los_instance(people, [network("n1", min_size=2)])
    cand = los_rules.candidates(inst)
    assert cand.slots_of[0] == [("mon", "2")]
    assert cand.slot_refusals[0][("mon", "1")].rule == "L1"
    assert cand.networks_of[2] == []  # c teaches at the only slot n1 can still use
    assert cand.refusals[2][0].rule == "L4"
