"""BV rule logic without a solver: B8 counts and remedies, the objective's integers."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer.bv_rules import (
    bv_layout,
    cluster_count_range,
    coordinator_shortage,
    splittable,
    usable_sizes,
    wish_conflicts,
)
from composer.diagnostics import diagnose
from composer.objective.bv import BvCostModel, cluster_terms, round_half_up
from factories import bv_data, bv_school, coordinator, line_travel, make_instance


def test_impossible_counts_with_four_to_six():
    # B8: 1, 2, 3 and 7 cannot be split into clusters of 4..6; every other count can
    assert [c for c in range(1, 40) if not splittable(c, 4, 6)] == [1, 2, 3, 7]
    assert splittable(7, 4, 6, oversize=1)  # one cluster of 7
    assert not splittable(3, 4, 6, oversize=1)
    assert cluster_count_range(12, 4, 6) == (2, 3)
    assert cluster_count_range(7, 4, 6, oversize=1) == (1, 1)


@given(st.integers(0, 80), st.integers(1, 6), st.integers(0, 4), st.integers(0, 1))
def test_splittable_matches_its_definition(count, low, extra, oversize):
    high = low + extra
    sizes = [*range(low, high + 1)]

    def brute(n: int, big: int) -> bool:
        if n == 0:
            return True
        options = [s for s in sizes if s <= n]
        if big and high + 1 <= n and brute(n - high - 1, big - 1):
            return True
        return (
            any(brute(n - s, 0) for s in options)
            if not big
            else any(brute(n - s, big) for s in options)
        )

    assert splittable(count, low, high, oversize) == brute(count, oversize)


def test_usable_sizes_under_a_cap_that_forces_the_fewest_clusters():
    # 149 schools, at most 25 clusters of 4..6: 24*6 + 5 is the only split (a 4 would leave
    # 145 for 24 clusters, above 24*6 = 144), so a cluster of 4 fits no plan
    assert usable_sizes(149, 4, 6, 0, 25) == [5, 6]
    assert usable_sizes(149, 4, 6, 0, 26) == [4, 5, 6]  # 4 + 145 in 25 clusters fits
    assert usable_sizes(12, 4, 6, 0, 2) == [6]  # refused: 4 or 5 needs a third cluster
    assert usable_sizes(12, 4, 6, 0, 3) == [4, 6]  # 4+4+4 or 6+6; a 5 leaves 7
    assert usable_sizes(13, 4, 6, 1, 2) == [6, 7]  # with one cluster of 7: 6 + 7 only
    assert usable_sizes(7, 4, 6) == []  # B8: 7 cannot be split


@given(
    st.integers(0, 40), st.integers(1, 5), st.integers(0, 3), st.integers(0, 1), st.integers(1, 12)
)
def test_usable_sizes_match_their_definition(count, low, extra, oversize, cap):
    # every split of count into at most cap clusters, searched cluster by cluster (the
    # sizes a split uses, memoised by what is left: polynomial, unlike listing splits)
    high = low + extra
    sizes = [*range(low, high + 1)] + ([high + 1] if oversize else [])

    @functools.cache
    def used(rest: int, groups_left: int, big_left: int) -> frozenset[int] | None:
        """The sizes occurring in some split of ``rest``; None when there is none."""
        if rest == 0:
            return frozenset()
        found: set[int] = set()
        splittable_here = False
        for size in sizes:
            big = size > high
            if size <= rest and groups_left > 0 and big_left >= big:
                after = used(rest - size, groups_left - 1, big_left - big)
                if after is not None:
                    splittable_here = True
                    found |= after | {size}
        return frozenset(found) if splittable_here else None

    seen = used(count, cap, oversize) if count else frozenset()
    assert usable_sizes(count, low, high, oversize, cap) == sorted(seen or ())


def region_instance(r1_size: int = 6, **bv):
    # r1: po schools, r2: 2 po schools next to r1, r3: 7 go schools
    r1 = [bv_school(f"a{i}", region="r1") for i in range(r1_size)]
    r2 = [bv_school(f"b{i}", region="r2", lon=5.14) for i in range(2)]
    r3 = [bv_school(f"g{i}", sector="go", region="r3") for i in range(7)]
    ids = [s["id"] for s in r1 + r2]
    return make_instance(
        bv_data(
            r1 + r2 + r3,
            travel=line_travel(ids) + line_travel([s["id"] for s in r3]),
            regions=("r1", "r2", "r3"),
            coordinators=[coordinator("c", regions=("r1", "r2", "r3"))],
            **bv,
        )
    )


def test_b8_findings_name_schools_and_remedies():
    instance = region_instance()
    layout = bv_layout(instance)
    found = {(f.sector, f.region): f for f in layout.findings}
    assert set(found) == {("po", "r2"), ("go", "r3")}
    two = found[("po", "r2")]
    assert two.schools == ("b0", "b1") and two.nearest_region == "r1"
    assert two.merged_count == 8 and not two.seven_ok
    assert two.defer == ("b0", "b1")  # deferring means both
    seven = found[("go", "r3")]
    assert seven.seven_ok and seven.nearest_region is None and len(seven.defer) == 1
    issues = [i for i in diagnose(instance) if i.rule == "B8"]
    assert len(issues) == 2
    assert all(i.severity == "warning" and i.fix for i in issues)
    assert "'r1'" in next(i.fix for i in issues if "b0" in i.message)
    assert set(layout.left_out) == {
        instance.index.school[s] for s in ("b0", "b1", *(f"g{i}" for i in range(7)))
    }


def test_nearest_region_must_make_the_count_splittable():
    # with five schools in r1, merging r2's two gives 7: no region to merge with
    two = next(f for f in bv_layout(region_instance(r1_size=5)).findings if f.region == "r2")
    assert two.nearest_region is None and "merge" not in two.fix()


def test_remedies_applied_by_settings():
    layout = bv_layout(region_instance(allow_seven=True))
    keys = {p.key: p for p in layout.parts}
    assert keys["go:r3"].max_oversize == 1 and keys["go:r3"].remedy == "seven"
    assert "po:r1+r2" not in keys  # seven does not help two schools, merging not allowed
    layout = bv_layout(region_instance(allow_seven=True, allow_merge=True))
    keys = {p.key: p for p in layout.parts}
    assert keys["po:r1+r2"].region == "r1" and len(keys["po:r1+r2"].schools) == 8
    assert not layout.left_out


def test_merge_into_the_nearest_region():
    r1 = [bv_school(f"a{i}", region="r1") for i in range(6)]
    r2 = [bv_school(f"b{i}", region="r2") for i in range(2)]
    far = [bv_school(f"c{i}", region="r3") for i in range(4)]
    order = [s["id"] for s in r2 + r1 + far]
    instance = make_instance(
        bv_data(
            r1 + r2 + far,
            travel=line_travel(order),
            regions=("r1", "r2", "r3"),
            coordinators=[coordinator("c", regions=("r1", "r2", "r3"))],
            allow_merge=True,
        )
    )
    layout = bv_layout(instance)
    (finding,) = layout.findings
    # b0, b1 at positions 0, 1; a0..a5 at 2..7; c0..c3 at 8..11: r1 is nearer (mean 15
    # minutes against 75) and 6 + 2 = 8 splits; r3 would give 6 and also split
    assert finding.nearest_region == "r1" and finding.applied == "merge"
    merged = next(p for p in layout.parts if p.region == "r1")
    assert merged.regions == ("r1", "r2") and len(merged.schools) == 8
    assert not layout.left_out


def test_b4_shortage_counts_every_sector_of_a_region():
    po = [bv_school(f"p{i}") for i in range(8)]  # at least 2 clusters
    vo = [bv_school(f"v{i}", sector="vo") for i in range(4)]  # 1 cluster
    data = bv_data(po + vo, coordinators=[coordinator("c1", max_groups=2)])
    (short,) = coordinator_shortage(make_instance(data), bv_layout(make_instance(data)))
    assert (short.region, short.needed, short.available) == ("r1", 3, 2)
    assert "c1" in short.message()
    data["facilitators"] = [coordinator("c1", max_groups=3)]
    assert coordinator_shortage(make_instance(data), bv_layout(make_instance(data))) == []


def test_wish_conflicts_are_found_before_solving():
    schools = [bv_school(f"s{i}") for i in range(8)]
    chain = [{"kind": "together", "school_a": f"s{i}", "school_b": f"s{i + 1}"} for i in range(7)]
    instance = make_instance(bv_data(schools, wishes=chain))
    (reason,) = wish_conflicts(instance, bv_layout(instance)).values()
    assert "must all be together" in reason
    apart = [*chain[:2], {"kind": "apart", "school_a": "s0", "school_b": "s2"}]
    instance = make_instance(bv_data(schools, wishes=apart))
    (reason,) = wish_conflicts(instance, bv_layout(instance)).values()
    assert "apart" in reason


def test_cluster_terms_in_seconds():
    # three schools at 0, 10 and 30 minutes on a line (a cluster of 3 for the arithmetic):
    # ordered sum 2 * (10 + 30 + 20) = 120 minutes, per round 60 * 120 / 3 = 2400 s;
    # rows 40, 30, 50: worst 60 * 50 / 3 = 1000 s
    pos = [0, 10, 30]
    terms = cluster_terms([0, 1, 2], lambda a, b: abs(pos[a] - pos[b]), ["b", "b", ""])
    assert (terms.travel, terms.worst, terms.board_pairs) == (2400, 1000, 1)
    model = BvCostModel(1, 5, 30, "apart")
    assert model.cluster_cost(terms) == 2400 + 5000 + 1800


def test_seven_rounds_half_up_per_cluster():
    # a cluster of 7 with one minute between the first two, 0 elsewhere: ordered sum 2,
    # 60 * 2 / 7 = 17.14 -> 17 s; worst row 1: 60 / 7 = 8.57 -> 9 s
    terms = cluster_terms(list(range(7)), lambda a, b: 1 if {a, b} == {0, 1} else 0)
    assert (terms.travel, terms.worst) == (17, 9)
    assert round_half_up(7, 2) == 4 and round_half_up(5, 2) == 3 and round_half_up(4, 3) == 1


@pytest.mark.parametrize("policy", ["none", "apart", "together"])
def test_board_policy_parts(policy):
    from composer.model.plan import Cluster
    from composer.objective.bv import bv_objective_parts

    schools = [bv_school(f"s{i}", board="B" if i < 2 else "") for i in range(8)]
    instance = make_instance(
        bv_data(schools, travel=line_travel([s["id"] for s in schools]), board_policy=policy)
    )
    together = [
        Cluster(id="k1", sector="po", region="r1", schools=tuple(f"s{i}" for i in range(4))),
        Cluster(id="k2", sector="po", region="r1", schools=tuple(f"s{i}" for i in range(4, 8))),
    ]
    split = [
        Cluster(id="k1", sector="po", region="r1", schools=("s0", "s2", "s3", "s4")),
        Cluster(id="k2", sector="po", region="r1", schools=("s1", "s5", "s6", "s7")),
    ]
    pair = 30 * 60
    expect = {"none": (0, 0), "apart": (pair, 0), "together": (0, pair)}[policy]
    assert bv_objective_parts(instance, together)["board"] == expect[0]
    assert bv_objective_parts(instance, split)["board"] == expect[1]


def test_wish_problems_are_warned_before_solving():
    schools = [bv_school(f"s{i}") for i in range(8)] + [bv_school("v0", sector="vo")]
    wishes = [
        *({"kind": "together", "school_a": f"s{i}", "school_b": f"s{i + 1}"} for i in range(7)),
        {"kind": "together", "school_a": "s0", "school_b": "v0"},  # across sectors
    ]
    issues = [i for i in diagnose(make_instance(bv_data(schools, wishes=wishes))) if i.rule == "B2"]
    assert len(issues) == 2
    assert any("must all be together" in i.message for i in issues)
    assert any("v0" in i.message for i in issues)
