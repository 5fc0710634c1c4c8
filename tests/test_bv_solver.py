"""The BV stage end to end on small instances whose optimum is worked out by hand.

Cost of a cluster (composer.objective.bv, weights travel 1, worst_travel 5 as set by bv_data), in
seconds per meeting round, with t the minutes between schools and s the cluster size:
    60 * (sum over ordered pairs of t) / s  +  5 * 60 * (largest row sum of t) / s.
For schools on a line at 10-minute steps, a cluster at positions P costs
    (1200 * S + 3000 * R) / s,   S = sum over pairs |i - j|,  R = max_i sum_j |i - j|.
Every test asserts the checker is clean and recomputes the solver's objective.
"""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.bv_rules import bv_layout
from composer.check import check_plan
from composer.diagnostics import diagnose
from composer.io import load_instance, read_plan
from composer.model.instance import Instance
from composer.model.plan import Plan
from composer.objective.bv import BvCostModel, cluster_terms
from composer.params import SolveParams
from composer.pipeline import solve
from composer.solvers.bv import (
    PartTask,
    allocate_cluster_caps,
    lns_split,
    schedule_parts,
    tight,
)
from factories import bv_data, bv_school, coordinator, line_travel, make_instance


def solve_bv(instance: Instance, time_limit: float = 20.0) -> Plan:
    """Solve the BV stage in-process and referee it."""
    plan, _ = solve(
        instance, SolveParams(time_limit=time_limit, workers=1, processes=1, stages=("bv",))
    )
    report = check_plan(instance, plan)
    assert report.ok, [v.render() for v in report.errors] + report.mismatches
    result = plan.stages["bv"]
    assert report.objective("bv") == pytest.approx(result.objective)
    assert [v for v in report.violations if v.rule == "B7"] == []  # locally optimal
    return plan


def line(n: int, prefix: str = "s", **extra) -> tuple[list[dict], list[str]]:
    ids = [f"{prefix}{i + 1}" for i in range(n)]
    return [bv_school(sid, **extra) for sid in ids], ids


def test_eight_schools_on_a_line_split_in_the_middle():
    # Positions 0..7. Only 4 + 4 is possible. {0,1,2,3}: S = 1+2+3+1+2+1 = 10, rows
    # 6,4,4,6 so R = 6: (1200*10 + 3000*6) / 4 = 3000 + 4500 = 7500. The other half is the
    # same: 15000 in all, the cheapest of the 35 splits (any interleaving widens both).
    schools, ids = line(8)
    plan = solve_bv(make_instance(bv_data(schools, travel=line_travel(ids))))
    assert sorted(c.schools for c in plan.clusters) == [
        ("s1", "s2", "s3", "s4"),
        ("s5", "s6", "s7", "s8"),
    ]
    result = plan.stages["bv"]
    assert result.status == "optimal"
    assert result.objective == 15000
    assert result.parts == {"travel": 6000.0, "worst_travel": 9000.0, "board": 0.0}
    assert all(c.coordinator == "c1" for c in plan.clusters)


def test_five_schools_form_one_cluster():
    # 5 eligible with bounds 4..6 pass (B8): one cluster. S = 4*1 + 3*2 + 2*3 + 1*4 = 20,
    # rows 10, 7, 6, 7, 10 so R = 10: (1200*20 + 3000*10) / 5 = 4800 + 6000 = 10800.
    schools, ids = line(5)
    plan = solve_bv(make_instance(bv_data(schools, travel=line_travel(ids))))
    assert [c.schools for c in plan.clusters] == [tuple(ids)]
    assert plan.stages["bv"].objective == 10800
    assert plan.unplaced == ()


def test_seven_schools_are_refused_unless_a_cluster_of_seven_is_allowed():
    # 7 cannot be split into 4..6 (B8): left out, listed, the rest of the plan goes on.
    schools, ids = line(7)
    data = bv_data(schools, travel=line_travel(ids))
    instance = make_instance(data)
    plan = solve_bv(instance)
    assert plan.clusters == ()
    assert sorted(u.id for u in plan.unplaced) == sorted(ids)
    assert {u.rule for u in plan.unplaced} == {"B8"}
    assert any(n.startswith("[B8]") for n in plan.stages["bv"].notes)
    # the cheapest school to defer is an end of the line: the remaining 6 in a row cost
    # 60*700/6 + 5*60*150/6 = 7000 + 7500 = 14500, any inner school leaves a gap (ties: s1)
    (finding,) = bv_layout(instance).findings
    assert finding.defer == ("s1",) and finding.defer_exact
    assert finding.seven_ok and finding.nearest_region is None
    # allow_seven: one cluster of 7. S = sum d*(7-d) for d=1..6 = 56, ordered sum 1120;
    # row of an end school 10*(1+..+6) = 210: 60*1120/7 + 5*60*210/7 = 9600 + 9000 = 18600
    data["bv"] = {**data["bv"], "allow_seven": True}
    plan = solve_bv(make_instance(data))
    assert [c.schools for c in plan.clusters] == [tuple(ids)]
    assert plan.stages["bv"].objective == 18600
    assert plan.unplaced == ()


def test_three_schools_are_refused_unless_merged_with_the_nearest_region():
    # r1: a1..a5 at positions 0..4; r2: b1..b3 at 5..7 (three: B8); r3: c1..c4 at 100..103.
    # Nearest region of r2 (mean travel to the closest school): r1 (10, 20, 30 minutes).
    a = [bv_school(f"a{i}", region="r1") for i in range(1, 6)]
    b = [bv_school(f"b{i}", region="r2") for i in range(1, 4)]
    c = [bv_school(f"c{i}", region="r3") for i in range(1, 5)]
    order = [s["id"] for s in a + b] + [f"x{i}" for i in range(92)] + [s["id"] for s in c]
    travel = [t for t in line_travel(order) if not {t["origin"], t["destination"]} & _xs()]
    data = bv_data(
        a + b + c,
        travel=travel,
        regions=("r1", "r2", "r3"),
        coordinators=[coordinator("c", regions=("r1", "r2", "r3"))],
    )
    instance = make_instance(data)
    (finding,) = bv_layout(instance).findings
    assert (finding.region, finding.nearest_region, finding.merged_count) == ("r2", "r1", 8)
    warnings = [i for i in diagnose(instance) if i.rule == "B8"]
    assert len(warnings) == 1 and "'r1'" in (warnings[0].fix or "")
    # without the remedy: r1 one cluster of 5 (10800), r3 one of 4 (7500), b1..b3 unplaced
    plan = solve_bv(instance)
    assert plan.stages["bv"].objective == 10800 + 7500
    assert sorted(u.id for u in plan.unplaced) == ["b1", "b2", "b3"]
    # merged: the eight schools of r1 + r2 lie on a line: 15000 as in the first test
    data["bv"] = {**data["bv"], "allow_merge": True}
    plan = solve_bv(make_instance(data))
    assert plan.stages["bv"].objective == 15000 + 7500
    merged = sorted(c.schools for c in plan.clusters if c.region == "r1")
    assert merged == [("a1", "a2", "a3", "a4"), ("a5", "b1", "b2", "b3")]
    assert plan.unplaced == ()


def _xs() -> set[str]:
    return {f"x{i}" for i in range(92)}


def test_individual_support_is_excluded_and_listed():
    # B1: s5 is subsidised but has individual support; s6 has no subsidy at all.
    schools, ids = line(4)
    schools.append(bv_school("s5", bv_individual_support=True))
    schools.append(bv_school("s6", bv_subsidy=False))
    plan = solve_bv(make_instance(bv_data(schools, travel=line_travel([*ids, "s5", "s6"]))))
    assert [c.schools for c in plan.clusters] == [tuple(ids)]
    assert [(u.id, u.rule) for u in plan.unplaced] == [("s5", "B1")]
    assert "individual support" in plan.unplaced[0].reason


def test_wishes_together_and_apart_are_kept():
    # Line of 8 (positions 0..7), s1/s2 apart, s4/s5 together. The cluster with s4, s5
    # (positions 3, 4) needs exactly one of s1, s2 and one more school. Cheapest:
    # {1,2,3,4} = 7500 with {0,5,6,7}: S = 22, R = 18: (1200*22 + 3000*18)/4 = 20100,
    # total 27600, tied with {0,2,3,4} = 10650 and {1,5,6,7} = 16950. Every other choice
    # costs 29400 or more.
    schools, ids = line(8)
    wishes = [
        {"kind": "apart", "school_a": "s1", "school_b": "s2"},
        {"kind": "together", "school_a": "s4", "school_b": "s5"},
    ]
    plan = solve_bv(make_instance(bv_data(schools, travel=line_travel(ids), wishes=wishes)))
    assert plan.stages["bv"].objective == 27600
    where = {s: c.id for c in plan.clusters for s in c.schools}
    assert where["s1"] != where["s2"] and where["s4"] == where["s5"]


@pytest.mark.parametrize(("weight", "expected"), [(30, 15000 + 1800), (300, 27600)])
def test_board_policy_apart_is_a_soft_term(weight, expected):
    # s1 and s2 share a board, policy "apart". Together (the line split, 15000) costs one
    # pair: weight * 60 seconds. Apart, the best split costs 27600 (previous test). With
    # weight 30 the pair is cheaper (16800); with 300 (18000 + 15000) splitting them wins.
    schools, ids = line(8)
    schools[0]["board"] = schools[1]["board"] = "41234"
    data = bv_data(
        schools, travel=line_travel(ids), board_policy="apart", weights={"board": weight}
    )
    plan = solve_bv(make_instance(data))
    assert plan.stages["bv"].objective == expected
    where = {s: c.id for c in plan.clusters for s in c.schools}
    assert (where["s1"] == where["s2"]) == (weight == 30)


@pytest.mark.parametrize(("capacity", "clusters", "expected"), [(3, 3, 22500), (2, 2, 29000)])
def test_coordinator_capacity_bounds_the_number_of_clusters(capacity, clusters, expected):
    # 12 on a line: 4+4+4 = 3 * 7500 = 22500, or 6+6: each 60*700/6 + 5*60*150/6 = 14500,
    # 29000. One coordinator guiding `capacity` clusters decides (B4).
    schools, ids = line(12)
    data = bv_data(
        schools, travel=line_travel(ids), coordinators=[coordinator("c1", max_groups=capacity)]
    )
    plan = solve_bv(make_instance(data))
    assert len(plan.clusters) == clusters
    assert plan.stages["bv"].objective == expected
    assert {c.coordinator for c in plan.clusters} == {"c1"}


@pytest.mark.parametrize(
    ("worst_per", "sizes", "expected"), [("cluster", [6, 6], 11000), ("school", [4, 4, 4], 32400)]
)
def test_fairness_per_school_does_not_reward_fewer_clusters(worst_per, sizes, expected):
    # 12 schools, every pair 10 minutes apart; weights travel 1, worst_travel 5. In a
    # cluster of s each school's average is 10(s-1)/s minutes, the worst too:
    #   s = 4: travel 60*120/4 = 1800, worst 60*30/4 = 450
    #   s = 6: travel 60*300/6 = 3000, worst 60*50/6 = 500
    # The only splits are 4+4+4 and 6+6. Per cluster (bv.worst_travel_per = cluster):
    #   4+4+4 = 3*1800 + 5*3*450 = 12150;  6+6 = 2*3000 + 5*2*500 = 11000 -> 6+6,
    # though every school travels more in it (8.3 against 7.5 minutes a meeting).
    # Per school (bv.worst_travel_per = school: each member counts its cluster's worst):
    #   4+4+4 = 5400 + 5*12*450 = 32400;  6+6 = 6000 + 5*12*500 = 36000 -> 4+4+4.
    schools, ids = line(12)
    travel = [
        {"origin": a, "destination": b, "minutes": 10}
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
    ]
    plan = solve_bv(make_instance(bv_data(schools, travel=travel, worst_travel_per=worst_per)))
    assert sorted(len(c.schools) for c in plan.clusters) == sizes
    assert plan.stages["bv"].objective == expected


def test_coordinators_are_shared_by_the_sectors_of_a_region():
    # r1 holds 8 po schools (at least 2 clusters) and 4 vo schools (1 cluster): 3 clusters,
    # but its only coordinator guides 2. Reported before solving (B4); the plan keeps all
    # clusters and lists the one without a coordinator as unplaced (rule B4).
    po, po_ids = line(8)
    vo = [bv_school(f"v{i}", sector="vo") for i in range(1, 5)]
    travel = line_travel(po_ids) + line_travel([s["id"] for s in vo])
    data = bv_data(po + vo, travel=travel, coordinators=[coordinator("c1", max_groups=2)])
    instance = make_instance(data)
    assert [i.rule for i in diagnose(instance)] == ["B4"]
    plan = solve_bv(instance)
    assert len(plan.clusters) == 3
    missing = [u for u in plan.unplaced if u.what == "cluster"]
    assert len(missing) == 1 and missing[0].rule == "B4"
    assert sum(c.coordinator == "c1" for c in plan.clusters) == 2


def test_each_cluster_gets_a_coordinator_of_its_own_region():
    a, a_ids = line(4, prefix="a", region="r1")
    b, b_ids = line(4, prefix="b", region="r2")
    data = bv_data(
        a + b,
        travel=line_travel(a_ids) + line_travel(b_ids),
        regions=("r1", "r2"),
        coordinators=[coordinator("k2", regions=("r2",)), coordinator("k1", regions=("r1",))],
    )
    plan = solve_bv(make_instance(data))
    assert {(c.region, c.coordinator) for c in plan.clusters} == {("r1", "k1"), ("r2", "k2")}


def test_nothing_eligible_is_not_planned():
    data = bv_data([bv_school("s1", bv_subsidy=False)])
    plan, _ = solve(make_instance(data), SolveParams(time_limit=5, processes=1, stages=("bv",)))
    assert plan.stages["bv"].status == "not_planned"


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.floats(52.0, 52.3), st.floats(4.9, 5.3), st.integers(0, 9)),
        min_size=4,
        max_size=10,
    )
)
def test_random_instances_are_solved_to_the_best_partition(points):
    # every school subsidised; flag 0 = individual support, 1 = another board "A"
    schools = [
        bv_school(
            f"s{i}",
            lat=lat,
            lon=lon,
            bv_individual_support=flag == 0,
            board="A" if flag == 1 else "",
        )
        for i, (lat, lon, flag) in enumerate(points)
    ]
    instance = make_instance(bv_data(schools, board_policy="apart"))
    plan = solve_bv(instance)
    layout = bv_layout(instance)
    if not layout.parts:
        assert plan.clusters == ()
        return
    (part,) = layout.parts
    model = BvCostModel.of(instance)
    boards = [s.board for s in instance.schools]
    idx = instance.index

    def cost(group):
        return model.cluster_cost(cluster_terms(group, idx.travel_minutes, boards))

    best = min(sum(cost(g) for g in split) for split in partitions(list(part.schools), [4, 5, 6]))
    assert plan.stages["bv"].objective == best


def partitions(items, sizes):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for s in sizes:
        for others in itertools.combinations(rest, s - 1):
            remaining = [i for i in rest if i not in others]
            for tail in partitions(remaining, sizes):
                yield [(first, *others), *tail]


def test_shipped_tiny_instance_bv(cli, tmp_path):
    # instances/tiny/README.md: the eight eligible primary schools split by town (Utrecht,
    # Culemborg), coordinated by OCW1; 07KN00 excluded (B1); the two go schools B8.
    root = Path(__file__).resolve().parent.parent / "instances" / "tiny"
    result = cli("solve", root, "--out", tmp_path / "out", "--stage", "bv", "--quiet")
    assert result.exit_code == 0, result.output
    instance = load_instance(root)
    plan = read_plan(tmp_path / "out" / "plan.json")
    report = check_plan(instance, plan)
    assert report.ok and report.objective("bv") == pytest.approx(plan.stages["bv"].objective)
    towns = {frozenset(c.schools) for c in plan.clusters}
    assert towns == {
        frozenset({"17ZL00", "30VB00", "17DZ00", "07PH00"}),
        frozenset({"12EA00", "08ZN00", "09WU00", "20DK00"}),
    }
    assert {c.coordinator for c in plan.clusters} == {"OCW1"}
    assert {(u.id, u.rule) for u in plan.unplaced} == {
        ("07KN00", "B1"),
        ("00PQ00", "B8"),
        ("02YT00", "B8"),
    }
    assert cli("check", root, tmp_path / "out" / "plan.json").exit_code == 0


def test_contradictory_wishes_leave_the_part_out_and_say_why():
    # seven schools chained "together" cannot fit a cluster of at most 6 (B2): the part is
    # left out, its schools listed with rule B2, and the checker accepts the reason
    schools, ids = line(8)
    chain = [
        {"kind": "together", "school_a": a, "school_b": b} for a, b in itertools.pairwise(ids[:7])
    ]
    plan = solve_bv(make_instance(bv_data(schools, travel=line_travel(ids), wishes=chain)))
    assert plan.clusters == ()
    assert {(u.id, u.rule) for u in plan.unplaced} == {(s, "B2") for s in ids}
    assert any("must all be together" in n for n in plan.stages["bv"].notes)


def test_the_largest_part_starts_first_then_smallest_first_and_the_last_take_the_rest():
    # Three sector-regions of region r1 on lines (10 minutes apart): go with 4 schools
    # (one cluster: S = 1+2+3+1+2+1 = 10, rows 6,4,4,6, so (1200*10 + 3000*6) / 4 = 7500),
    # vo with 5 (one cluster, 10800 as in test_five_schools_form_one_cluster) and po with 8
    # (4 + 4, 15000 as in test_eight_schools_on_a_line_split_in_the_middle): 33300 in all.
    go, go_ids = line(4, "g", sector="go")
    vo, vo_ids = line(5, "v", sector="vo")
    po, po_ids = line(8, "p", sector="po")
    travel = line_travel(go_ids) + line_travel(vo_ids) + line_travel(po_ids)
    instance = make_instance(bv_data(go + vo + po, travel=travel))
    layout = bv_layout(instance)
    caps, _ = allocate_cluster_caps(instance, layout)
    params = SolveParams(time_limit=30, workers=2, processes=2)
    tasks = schedule_parts(instance, layout.parts, caps, params, spent=0.0)
    # the largest first (its own lane), then the others smallest first
    assert [t.key.split(":")[0] for t in tasks] == ["po", "go", "vo"]
    budget = 0.92 * 30 - 0.5
    # the last two (one per lane) have no soft limit: they run until their deadline
    assert [t.time_limit for t in tasks[1:]] == [pytest.approx(budget)] * 2
    deadlines = [t.deadline for t in tasks]
    assert deadlines == sorted(deadlines)
    assert deadlines[-1] == pytest.approx(time.time() + budget, abs=1.0)
    # the first keeps back half the n²-share of the others, over 2 lanes:
    # (0.5 * 27.1 * 2 * 16 / 105 + 0.5 * 27.1 * 2 * 25 / 105) / 2 = (4.130 + 6.452) / 2 = 5.291
    assert deadlines[-1] - deadlines[0] == pytest.approx(5.291, abs=0.01)
    plan = solve_bv(instance)
    assert plan.stages["bv"].status == "optimal"
    assert plan.stages["bv"].objective == 7500 + 10800 + 15000


def test_a_part_forced_to_its_fewest_clusters_keeps_more_time_for_lns():
    # 60 schools of 4-6 form 10 to 15 clusters: a cap of 10 forces the fewest (tight, a
    # quarter of the time for LNS), a cap of 15 does not (a tenth); below 60 schools all the
    # time goes to the exact engine.
    def task(n: int, cap: int) -> PartTask:
        ids = tuple(f"s{i}" for i in range(n))
        zero = tuple(tuple(0 for _ in ids) for _ in ids)
        return PartTask("po:r1", ids, zero, ("",) * n, 4, 6, 0, cap, 1, 5, 0, "none")

    assert tight(task(60, 10)) and lns_split(task(60, 10)) == 0.75
    assert not tight(task(60, 15)) and lns_split(task(60, 15)) == 0.9
    assert tight(task(59, 10)) and lns_split(task(59, 10)) == 1.0


def test_a_part_forced_to_its_fewest_clusters_prices_only_sizes_a_plan_can_use():
    # 12 schools of 4-6 under a cap of 2 clusters are 6 + 6: a cluster of 4 or 5 fits no
    # plan and is never offered to the pricer. Under a cap of 3, 4+4+4 and 6+6 use 4 and
    # 6, never 5 (it leaves 7). 13 under a cap of 2 with one cluster of 7 allowed: 6 + 7.
    def task(n: int, cap: int, oversize: int = 0) -> PartTask:
        ids = tuple(f"s{i}" for i in range(n))
        zero = tuple(tuple(0 for _ in ids) for _ in ids)
        return PartTask("po:r1", ids, zero, ("",) * n, 4, 6, oversize, cap, 1, 5, 0, "none")

    assert task(12, 2).sizes() == [6]
    assert task(12, 3).sizes() == [4, 6]
    assert task(13, 2, oversize=1).sizes() == [6, 7]
    # a cap below the fewest clusters (B4 shortage) plans the fewest: 12 in 2 clusters
    assert task(12, 1).sizes() == [6]
    # 7 is unsplittable (B8) and keeps every size, so the search proves it has no plan
    assert task(7, 2).sizes() == [4, 5, 6]
