"""The TN stage rule by rule on 2-5 participant instances, the optimum worked out by hand.

Default weights (composer.objective.tn): theme_rank 10 per place down a participant's theme
list, unwanted_theme 40, diversity 5 per repeated value in a diverse network,
closed_network 500 per network not held, unplaced 1000 per participant in no network.
Networks default to 1..4 members and a neutral composition (homogeneous on region, every
school in region r1), so each test sees only its own rule. Each test also has the checker
refuse the plan the rule forbids and accept the optimum (``tn_errors``).
Every solve is refereed by ``solve_tn``: the checker is clean and recomputes the objective.
"""

from __future__ import annotations

from composer.diagnostics import diagnose
from composer.params import apply_overrides
from factories import school
from tn_cases import hand_plan, members, network, person, solve_tn, tn_errors, tn_instance

# --------------------------------------------------------------------------- T3


def test_t3_a_school_joins_one_network():
    # s1 sends two leaders: a1 wants [x], a2 wants [y, x]; s2's b1 wants [y].
    # Split (a1 in A, a2 in B) would cost 0 but splits school s1 (T3).
    # Together in A: a2 has x second -> 10; b1 alone in B -> 0. Total 10.
    # Together in B: a1 does not want y -> 40. A closed -> +500. So the optimum is 10.
    people = [
        person("a1", "s1", "schoolleider", ("x",)),
        person("a2", "s1", "teamleider", ("y", "x")),
        person("b1", "s2", "schoolleider", ("y",)),
    ]
    inst = tn_instance(people, [network("A", "x"), network("B", "y")])
    plan = solve_tn(inst)
    assert members(plan) == {"A": ("a1", "a2"), "B": ("b1",)}
    assert plan.stages["tn"].objective == 10
    assert plan.stages["tn"].parts["theme"] == 10
    split = hand_plan(inst, {"A": ["a1"], "B": ["a2", "b1"]})
    assert any("[T3]" in e and "split" in e for e in tn_errors(inst, split))
    assert tn_errors(inst, hand_plan(inst, {"A": ["a1", "a2"], "B": ["b1"]})) == []
    # without tn.school_together the split is allowed and costs 0
    apart = solve_tn(apply_overrides(inst, {"tn.school_together": False}))
    assert members(apart) == {"A": ("a1",), "B": ("a2", "b1")}
    assert apart.stages["tn"].objective == 0


def test_t3_a_leader_plus_one_other_per_school():
    # s1 sends three leaders, one network: at most two of one school (T3), so one stays
    # out: 1000. Which one is a tie; the objective is 1000 either way.
    people = [person(f"a{i}", "s1", "schoolleider") for i in (1, 2, 3)]
    inst = tn_instance(people, [network("A")])
    plan = solve_tn(inst)
    assert len(members(plan)["A"]) == 2
    assert plan.stages["tn"].objective == 1000
    (out,) = [u for u in plan.unplaced if u.what == "participant"]
    assert out.rule == "T3" and "already holds 2 of school s1" in out.reason
    three = hand_plan(inst, {"A": ["a1", "a2", "a3"]})
    assert any("holds 3 participants of school s1" in e for e in tn_errors(inst, three))


def test_t3_a_non_leader_joins_only_with_their_leader():
    # s1 sends only an ib-er (a1): no leader of s1 takes part, so a1 cannot join (static,
    # T3). b1 (leader of s2) joins A. Objective: one unplaced, 1000.
    people = [person("a1", "s1", "ib-er"), person("b1", "s2", "schoolleider")]
    inst = tn_instance(people, [network("A")])
    plan = solve_tn(inst)
    assert members(plan) == {"A": ("b1",)}
    assert plan.stages["tn"].objective == 1000
    (out,) = [u for u in plan.unplaced if u.id == "a1"]
    assert out.rule == "T3" and "school leader or team leader" in out.reason
    assert any(
        "without a school leader" in e
        for e in tn_errors(inst, hand_plan(inst, {"A": ["a1", "b1"]}))
    )
    assert any(i.rule == "T3" and "a1" in i.message for i in diagnose(inst))


def test_t3_a_non_leader_never_joins_without_the_leader():
    # s1 sends a1 (schoolleider, wants [u]) and a2 (ib-er, wants [t]); A (theme t) is
    # homogeneous on function, so the two cannot both join. {a2} alone would cost 1000 (a1
    # out) but breaks T3: an ib-er joins only with their leader. {a1}: 40 (unwanted theme)
    # + 1000 (a2 out) = 1040, the optimum.
    people = [person("a1", "s1", "schoolleider", ("u",)), person("a2", "s1", "ib-er", ("t",))]
    net = network("A", "t", composition="homogeneous", composition_attribute="function")
    inst = tn_instance(people, [net])
    plan = solve_tn(inst)
    assert members(plan) == {"A": ("a1",)}
    assert plan.stages["tn"].objective == 1040
    assert any(
        "without a school leader" in e for e in tn_errors(inst, hand_plan(inst, {"A": ["a2"]}))
    )


def test_t3_leader_functions_are_a_setting():
    # "Directeur" counts as a leader by default (any case); "ib-er" only when listed.
    people = [person("a1", "s1", "Directeur"), person("a2", "s1", "ib-er")]
    inst = tn_instance(people, [network("A")])
    assert members(solve_tn(inst)) == {"A": ("a1", "a2")}
    alone = tn_instance([person("a2", "s1", "ib-er")], [network("A")], leader_functions=["ib-er"])
    assert members(solve_tn(alone)) == {"A": ("a2",)}


def test_every_participant_is_placed_or_listed():
    people = [person("a1", "s1"), person("b1", "s2")]
    inst = tn_instance(people, [network("A")])
    plan = hand_plan(inst, {"A": ["a1"]}).model_copy(update={"unplaced": ()})
    assert any("b1 is in no TN network and not listed" in e for e in tn_errors(inst, plan))


# --------------------------------------------------------------------------- T6


def test_t6_homogeneous_network_holds_one_sector():
    # s1, s2 primary (po), s3 secondary (vo); one leader each, all want [t, u].
    # A (theme t) is homogeneous on sector, B (theme u) neutral.
    # A = {p1, p2} (po), B = {p3}: p3 gets their second theme -> 10.
    # A = {p3}, B = {p1, p2}: 20. All in A breaks T6; all in B closes A (+500).
    schools = [school("s1", sector="po"), school("s2", sector="po"), school("s3")]
    people = [person(f"p{i}", f"s{i}", themes=("t", "u")) for i in (1, 2, 3)]
    nets = [
        network("A", "t", composition="homogeneous", composition_attribute="sector"),
        network("B", "u"),
    ]
    inst = tn_instance(people, nets, schools=schools)
    plan = solve_tn(inst)
    assert members(plan) == {"A": ("p1", "p2"), "B": ("p3",)}
    assert plan.stages["tn"].objective == 10
    mixed = hand_plan(inst, {"A": ["p1", "p2", "p3"]})
    assert any("[T6]" in e and "homogeneous on sector" in e for e in tn_errors(inst, mixed))


def test_t6_diverse_network_needs_two_values():
    # A (theme t) is diverse on function and holds exactly 2; B (theme u) neutral.
    # p1, p2 (schoolleider) want [t]; p3 (teamleider) wants [u].
    # A = {p1, p2} would cost only 5 (one repeated function) but a diverse network of two
    # must hold two functions (T6). A = {p1, p3}, B = {p2}: p3 unwanted 40 + p2 unwanted
    # 40 = 80 (diversity 0). Everyone in B: 40 + 40 + 500 (A closed). Optimum 80.
    people = [
        person("p1", "s1", "schoolleider", ("t",)),
        person("p2", "s2", "schoolleider", ("t",)),
        person("p3", "s3", "teamleider", ("u",)),
    ]
    nets = [
        network(
            "A",
            "t",
            composition="diverse",
            composition_attribute="function",
            min_size=2,
            max_size=2,
        ),
        network("B", "u"),
    ]
    inst = tn_instance(people, nets)
    plan = solve_tn(inst)
    assert plan.stages["tn"].objective == 80
    assert "p3" in members(plan)["A"]
    same = hand_plan(inst, {"A": ["p1", "p2"], "B": ["p3"]})
    assert any("[T6]" in e and "share one value" in e for e in tn_errors(inst, same))
    assert tn_errors(inst, hand_plan(inst, {"A": ["p1", "p3"], "B": ["p2"]})) == []


def test_t6_diversity_is_a_weighted_soft_term():
    # One diverse network on function with schoolleider, schoolleider, teamleider: one
    # repeated value -> diversity 5; with --set tn.weights.diversity=20 -> 20.
    people = [
        person("p1", "s1", "schoolleider"),
        person("p2", "s2", "schoolleider"),
        person("p3", "s3", "teamleider"),
    ]
    inst = tn_instance(
        people, [network("A", composition="diverse", composition_attribute="function")]
    )
    plan = solve_tn(inst)
    assert plan.stages["tn"].parts["diversity"] == 5
    heavier = solve_tn(apply_overrides(inst, {"tn.weights.diversity": 20}))
    assert heavier.stages["tn"].objective == 20


def test_t6_region_of_the_network():
    # A is for region r1; b1's school s9 lies in r2: b1 cannot join (static, T6) -> 1000.
    schools = [school("s1"), school("s9", region="r2")]
    people = [person("a1", "s1"), person("b1", "s9")]
    inst = tn_instance(people, [network("A", region="r1")], schools=schools, regions=("r1", "r2"))
    plan = solve_tn(inst)
    assert members(plan) == {"A": ("a1",)}
    assert plan.stages["tn"].objective == 1000
    assert [u.rule for u in plan.unplaced if u.id == "b1"] == ["T6"]
    assert any(
        "[T6]" in e and "region r1" in e
        for e in tn_errors(inst, hand_plan(inst, {"A": ["a1", "b1"]}))
    )


# --------------------------------------------------------------------------- T7


def test_t7_minimum_holds_with_the_expected_absence():
    # A (theme t): min 2 at 25 % absence needs ceil(2 / 0.75) = 3 members; B (theme u) 1..4.
    # Two participants wanting [t, u]: A cannot be held; both in B: 10 + 10 + 500 = 520.
    nets = [network("A", "t", min_size=2, expected_absence=0.25), network("B", "u")]
    two = [person(f"p{i}", f"s{i}", themes=("t", "u")) for i in (1, 2)]
    inst = tn_instance(two, nets)
    plan = solve_tn(inst)
    assert members(plan) == {"B": ("p1", "p2")}
    assert plan.stages["tn"].objective == 520
    assert [(u.id, u.rule) for u in plan.unplaced] == [("A", "T7")]
    short = hand_plan(inst, {"A": ["p1", "p2"]})
    assert any("[T7]" in e and "needs at least 3" in e for e in tn_errors(inst, short))
    # a third participant: A = {p1, p2, p3} is held, B is not: 500 (all first themes)
    three = tn_instance([*two, person("p3", "s3", themes=("t", "u"))], nets)
    held = solve_tn(three)
    assert members(held) == {"A": ("p1", "p2", "p3")}
    assert held.stages["tn"].objective == 500
    assert tn_errors(three, hand_plan(three, {"A": ["p1", "p2", "p3"]})) == []


def test_t7_maximum():
    # A (theme t) holds at most 2; three leaders want [t] only; B (theme u) neutral.
    # Two in A, one in B with an unwanted theme: 40.
    people = [person(f"p{i}", f"s{i}", themes=("t",)) for i in (1, 2, 3)]
    inst = tn_instance(people, [network("A", "t", max_size=2), network("B", "u")])
    plan = solve_tn(inst)
    assert len(members(plan)["A"]) == 2 and len(members(plan)["B"]) == 1
    assert plan.stages["tn"].objective == 40
    full = hand_plan(inst, {"A": ["p1", "p2", "p3"]})
    assert any("[T7]" in e and "max_size is 2" in e for e in tn_errors(inst, full))


def test_t7_a_network_that_can_never_be_held_is_diagnosed():
    # min 4 at 50 % absence needs 8 members; max 6: never held (T7), said before solving.
    inst = tn_instance(
        [person("p1", "s1")], [network("A", min_size=4, max_size=6, expected_absence=0.5)]
    )
    assert any(i.rule == "T7" and "needs 8 members" in i.message for i in diagnose(inst))
    plan = solve_tn(inst)
    assert plan.tn_networks == ()
    assert plan.stages["tn"].objective == 1000 + 500


# --------------------------------------------------------------------------- pins


def test_a_pin_holds_even_against_the_themes():
    # p1 wants [t] but is pinned to B (theme u): 40. p2 wants [t] and joins A: 0.
    people = [person("p1", "s1", themes=("t",), network="B"), person("p2", "s2", themes=("t",))]
    inst = tn_instance(people, [network("A", "t"), network("B", "u")])
    plan = solve_tn(inst)
    assert members(plan) == {"A": ("p2",), "B": ("p1",)}
    assert plan.stages["tn"].objective == 40
    moved = hand_plan(inst, {"A": ["p1", "p2"]})
    assert any("[P1]" in e and "pinned to B but placed in A" in e for e in tn_errors(inst, moved))
    dropped = hand_plan(inst, {"A": ["p2"]})
    assert any("[P1]" in e and "left unplaced" in e for e in tn_errors(inst, dropped))


def test_a_pin_the_rules_forbid_leaves_them_unplaced():
    # p1's school lies in r2, the pin names A (region r1): the pin cannot hold (T6).
    schools = [school("s1", region="r2"), school("s2")]
    people = [person("p1", "s1", network="A"), person("p2", "s2")]
    inst = tn_instance(people, [network("A", region="r1")], schools=schools, regions=("r1", "r2"))
    plan = solve_tn(inst)
    assert members(plan) == {"A": ("p2",)}
    assert [u.rule for u in plan.unplaced if u.id == "p1"] == ["T6"]


def test_pins_that_cannot_all_hold_are_named():
    # A holds one; p1 and p2 are both pinned to it: infeasible. The stage says so and
    # names the pin a plan has to move; the diagnostics warn before solving.
    people = [person("p1", "s1", network="A"), person("p2", "s2", network="A")]
    inst = tn_instance(people, [network("A", max_size=1)])
    assert any(
        i.rule == "T7" and "2 participants are pinned to A" in i.message for i in diagnose(inst)
    )
    plan = solve_tn(inst)
    result = plan.stages["tn"]
    assert result.status == "infeasible"
    assert any("[P1]" in n and "pinned to A" in n and "must move" in n for n in result.notes)


def test_pins_of_one_school_to_two_networks_cannot_both_hold():
    # a1 and a2 (one school, both leaders) are pinned to A and B: a school joins one
    # network (T3), so the pins conflict: warned before solving, infeasible after.
    people = [person("a1", "s1", network="A"), person("a2", "s1", "teamleider", network="B")]
    inst = tn_instance(people, [network("A"), network("B")])
    assert any(i.rule == "T3" and "pinned to A, B" in i.message for i in diagnose(inst))
    plan = solve_tn(inst)
    assert plan.stages["tn"].status == "infeasible"
    assert any("must move" in n for n in plan.stages["tn"].notes)


def test_the_calendar_schedules_only_what_the_tn_stage_composed():
    # p1 is pinned to A, which can never be held (min 4 at 50 % absence needs 8 > max 6):
    # the TN stage holds no network, and the calendar must not fall back to the pin.
    from composer.check import check_plan
    from composer.params import SolveParams
    from composer.pipeline import solve

    inst = tn_instance(
        [person("p1", "s1", network="A")],
        [network("A", min_size=4, max_size=6, expected_absence=0.5)],
        kickoff_date="2026-09-15",
        kickoff_location="s1",
    )
    plan, _ = solve(inst, SolveParams(time_limit=10, workers=1, stages=("tn", "calendar")))
    assert plan.tn_networks == ()
    assert [s for s in plan.sessions if s.programme == "tn" and s.group == "A"] == []
    assert check_plan(inst, plan).ok


# --------------------------------------------------------------------------- re-planning


def test_a_re_plan_keeps_participants_in_their_network():
    # a1 (wants x) and b1 (wants y) of two schools; A has theme x, B theme y. Fresh, the
    # optimum is a1 in A, b1 in B (0). In the plan re-planned they sat the other way
    # round: both may stay (the rules allow it), so they are kept, at 40 + 40 = 80 (each
    # in an unwanted theme), with no bound: a re-plan keeps what still holds rather than
    # proving an optimum. The checker recomputes 80. Without keep: the fresh optimum.
    from composer.check import check_plan
    from composer.model.plan import Plan
    from composer.params import SolveParams
    from composer.pipeline import no_progress
    from composer.solvers.tn import run_stage

    people = [person("a1", "s1", themes=("x",)), person("b1", "s2", themes=("y",))]
    inst = tn_instance(people, [network("A", "x"), network("B", "y")])
    params = SolveParams(time_limit=10, workers=1)
    before = {"a1": "B", "b1": "A"}
    kept = run_stage(inst, Plan(instance=inst.name), params, no_progress, keep=before)
    assert members(kept) == {"A": ("b1",), "B": ("a1",)}
    result = kept.stages["tn"]
    assert (result.objective, result.bound, result.status) == (80, None, "feasible")
    assert tn_errors(inst, kept) == []
    assert check_plan(inst, kept, {"composer.check.tn"}).objective("tn") == 80
    fresh = run_stage(inst, Plan(instance=inst.name), params, no_progress)
    assert members(fresh) == {"A": ("a1",), "B": ("b1",)}
    assert fresh.stages["tn"].objective == 0
