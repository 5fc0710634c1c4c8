"""The BV checks on hand-built plans: a good plan passes, each broken rule is named."""

from __future__ import annotations

from typing import Any

import pytest

from composer.check import check_plan
from composer.model.plan import Cluster, Plan, StageResult, Unplaced
from factories import bv_data, bv_school, coordinator, line_travel, make_instance

IDS = [f"s{i}" for i in range(1, 9)]


def instance(**bv: Any):
    schools = [bv_school(s) for s in IDS]
    schools.append(bv_school("v1", sector="vo"))
    schools.append(bv_school("x1", bv_subsidy=False))
    schools.append(bv_school("x2", bv_individual_support=True))
    return make_instance(
        bv_data(
            schools,
            travel=line_travel([*IDS, "v1", "x1", "x2"]),
            coordinators=[coordinator("c1", max_groups=2), coordinator("c2", regions=("r9",))],
            regions=("r1", "r9"),
            **bv,
        )
    )


def plan(*clusters: Cluster, unplaced: tuple[Unplaced, ...] = (), objective: float = 15000):
    return Plan(
        instance="test",
        stages={"bv": StageResult(status="optimal", objective=objective)},
        clusters=clusters,
        unplaced=unplaced,
    )


def cluster(cid: str, schools: list[str], coordinator: str | None = "c1", **kw: Any) -> Cluster:
    fields: dict[str, Any] = {"sector": "po", "region": "r1"}
    fields.update(kw)
    return Cluster(id=cid, schools=tuple(schools), coordinator=coordinator, **fields)


GOOD = (cluster("k1", IDS[:4]), cluster("k2", IDS[4:]))
SUPPORT = Unplaced(id="x2", what="school", reason="individual support", rule="B1")
# v1 is the only eligible vo school: B8, left out
V1 = Unplaced(id="v1", what="school", reason="impossible count", rule="B8")


def rules(report) -> list[str]:
    return sorted({v.rule for v in report.errors})


def test_a_good_plan_passes_and_its_objective_is_recomputed():
    # 15000: see test_bv_solver.test_eight_schools_on_a_line_split_in_the_middle
    report = check_plan(instance(), plan(*GOOD, unplaced=(SUPPORT, V1)))
    assert report.ok, [v.render() for v in report.violations]
    assert report.objective("bv") == 15000
    assert not report.violations


def test_a_wrong_objective_is_a_mismatch():
    report = check_plan(instance(), plan(*GOOD, unplaced=(SUPPORT, V1), objective=14999))
    assert not report.ok and report.mismatches


def test_b1_an_ineligible_school_in_a_cluster():
    bad = (cluster("k1", [*IDS[:4], "x1"]), cluster("k2", IDS[4:]))
    report = check_plan(instance(), plan(*bad, unplaced=(SUPPORT, V1)))
    assert rules(report) == ["B1"]
    assert any("x1" in v.items for v in report.errors)


def test_b2_sizes_sectors_and_missing_schools():
    too_small = (cluster("k1", IDS[:3]), cluster("k2", IDS[3:]))
    report = check_plan(instance(), plan(*too_small, unplaced=(SUPPORT, V1)))
    assert rules(report) == ["B2"]
    assert any("3 schools" in v.message for v in report.errors)
    mixed = (cluster("k1", [*IDS[:4], "v1"]), cluster("k2", IDS[4:]))
    report = check_plan(instance(), plan(*mixed, unplaced=(SUPPORT,)))
    assert "B2" in rules(report)
    assert any("sector" in v.message for v in report.errors)
    missing = (cluster("k1", IDS[:4]),)
    report = check_plan(instance(), plan(*missing, unplaced=(SUPPORT, V1)))
    assert rules(report) == ["B2"]
    assert any(set(v.items) == set(IDS[4:]) for v in report.errors)


def test_b2_a_cluster_of_seven_is_refused_unless_allowed_for_a_b8_region():
    # the eight po schools can be split, so allow_seven does not apply to them
    seven = (cluster("k1", IDS[:7]),)
    extra = Unplaced(id="s8", what="school", reason="?", rule="B8")
    report = check_plan(instance(allow_seven=True), plan(*seven, unplaced=(SUPPORT, V1, extra)))
    assert "B2" in rules(report) and "B8" in rules(report)


def test_b2_a_cluster_across_regions_is_refused():
    data_inst = make_instance(
        bv_data(
            [bv_school(s, region="r1" if i < 4 else "r9") for i, s in enumerate(IDS)],
            travel=line_travel(IDS),
            regions=("r1", "r9"),
            coordinators=[coordinator("c1", regions=("r1", "r9"))],
        )
    )
    crossing = (cluster("k1", IDS[2:6]), cluster("k2", IDS[:2] + IDS[6:]))
    report = check_plan(data_inst, plan(*crossing))
    assert "B2" in rules(report)
    assert any("region" in v.message for v in report.errors)


def test_b2_broken_wishes():
    wishes = [{"kind": "together", "school_a": "s4", "school_b": "s5"}]
    report = check_plan(instance(wishes=wishes), plan(*GOOD, unplaced=(SUPPORT, V1)))
    assert rules(report) == ["B2"]
    assert any({"s4", "s5"} <= set(v.items) for v in report.errors)


def test_b4_region_capacity_and_missing_coordinators():
    wrong_region = (cluster("k1", IDS[:4], coordinator="c2"), cluster("k2", IDS[4:]))
    report = check_plan(instance(), plan(*wrong_region, unplaced=(SUPPORT, V1)))
    assert rules(report) == ["B4"]
    none = (cluster("k1", IDS[:4], coordinator=None), cluster("k2", IDS[4:]))
    report = check_plan(instance(), plan(*none, unplaced=(SUPPORT, V1)))
    assert rules(report) == ["B4"]  # not declared
    declared = Unplaced(id="k1", what="cluster", reason="no coordinator", rule="B4")
    report = check_plan(instance(), plan(*none, unplaced=(SUPPORT, V1, declared)))
    assert rules(report) == ["B4"]  # declared, but c1 still has room for one more
    assert any("room" in v.message for v in report.errors)


def test_b4_over_capacity():
    inst = make_instance(
        bv_data(
            [bv_school(s) for s in IDS],
            travel=line_travel(IDS),
            coordinators=[coordinator("c1", max_groups=1)],
        )
    )
    report = check_plan(inst, plan(*GOOD))
    assert rules(report) == ["B4"]
    assert any("capacity is 1" in v.message for v in report.errors)


def test_b7_a_plan_that_one_swap_improves_is_warned():
    # {s1,s2,s3,s5} and {s4,s6,s7,s8}: swapping s5 and s4 restores the optimum (15000)
    worse = (cluster("k1", ["s1", "s2", "s3", "s5"]), cluster("k2", ["s4", "s6", "s7", "s8"]))
    inst = instance()
    report = check_plan(inst, plan(*worse, unplaced=(SUPPORT, V1), objective=0))
    b7 = [v for v in report.violations if v.rule == "B7"]
    assert len(b7) == 1 and b7[0].severity == "warning"
    assert "s5" in b7[0].message and "s4" in b7[0].message


@pytest.mark.parametrize(
    ("item", "rule"),
    [
        (Unplaced(id="s1", what="school", reason="?", rule="B1"), "B1"),  # no support
        (Unplaced(id="s1", what="school", reason="?", rule="B8"), "B8"),  # splittable
        (Unplaced(id="s1", what="school", reason="?", rule="B2"), "B8"),  # no wish
    ],
)
def test_b8_an_unplaced_school_needs_a_valid_reason(item, rule):
    report = check_plan(instance(), plan(*GOOD, unplaced=(SUPPORT, V1, item)))
    assert rule in rules(report)


def test_b8_a_left_out_school_must_be_listed():
    report = check_plan(instance(), plan(*GOOD, unplaced=(SUPPORT,)))
    assert rules(report) == ["B8"]
    assert any(v.items == ("v1",) for v in report.errors)
