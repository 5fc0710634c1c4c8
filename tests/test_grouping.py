"""The grouping engine against brute force on random small instances (hypothesis).

The engine's claims rest on two things: the pricers list *every* group below a threshold
(that is what makes the LP bound and the reduced-cost listing exact), and the final
optimum equals the best partition. Both are compared with plain enumeration here.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer import clock
from composer.objective.bv import BvCostModel, cluster_terms
from composer.solvers.grouping import (
    Column,
    CutPenalty,
    MedianPricer,
    PairwisePricer,
    SideRow,
    solve_grouping,
)

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def pairwise_case(draw):
    n = draw(st.integers(5, 9))
    low = draw(st.integers(2, 3))
    high = draw(st.integers(low, min(low + 2, n)))
    minutes = np.array(
        [[0 if a == b else draw(st.integers(0, 40)) for b in range(n)] for a in range(n)]
    )
    boards = [draw(st.sampled_from(["", "", "x", "y"])) for _ in range(n)]
    policy = draw(st.sampled_from(["none", "apart", "together"]))
    weights = (draw(st.integers(0, 3)), draw(st.integers(0, 6)), draw(st.integers(0, 40)))
    pairs = list(itertools.combinations(range(n), 2))
    apart = draw(st.lists(st.sampled_from(pairs), max_size=2, unique=True))
    together = draw(st.lists(st.sampled_from(pairs), max_size=1, unique=True))
    together = [p for p in together if p not in apart]
    seven = draw(st.booleans()) and high + 1 <= n
    worst_per = draw(st.sampled_from(["cluster", "school"]))
    return n, low, high, seven, minutes, boards, policy, weights, apart, together, worst_per


def make_pricer(case, max_groups=None):
    """The pricer of a case: (n, low, high, seven, minutes, boards, policy, weights, apart,
    together[, worst_per]) -- bv.worst_travel_per, "cluster" when not given."""
    n, low, high, seven, minutes, boards, policy, weights, apart, together = case[:10]
    worst_per = case[10] if len(case) > 10 else "cluster"
    model = BvCostModel(weights[0], weights[1], weights[2], policy, worst_per)

    def cost(members):
        return model.cluster_cost(cluster_terms(members, lambda a, b: int(minutes[a, b]), boards))

    sign = model.board_sign()
    board = np.array(
        [
            [
                sign * model.board_pair_cost
                if a != b and boards[a] and boards[a] == boards[b]
                else 0
                for b in range(n)
            ]
            for a in range(n)
        ]
    )
    sizes = [*range(low, high + 1), *([high + 1] if seven else [])]
    pricer = PairwisePricer(
        minutes,
        sizes,
        high + 1,
        cost,
        weights[0],
        weights[1],
        board,
        together=together,
        apart=apart,
        max_groups=max_groups,
        worst_per_school=worst_per == "school",
    )
    return pricer, cost, sizes


def valid(members, apart, together):
    ms = set(members)
    if any(a in ms and b in ms for a, b in apart):
        return False
    return all((a in ms) == (b in ms) for a, b in together)


@SETTINGS
@given(pairwise_case(), st.data())
def test_pairwise_pricer_lists_every_group_below_the_threshold(case, data):
    n, *_rest = case
    apart, together = case[8], case[9]
    pricer, cost, sizes = make_pricer(case)
    pi = np.array([data.draw(st.floats(0, 4000)) for _ in range(n)])
    offset_by_size = {s: data.draw(st.floats(-500, 500)) for s in sizes}
    triples = data.draw(
        st.lists(st.sampled_from(list(itertools.combinations(range(n), 3))), max_size=3)
    )
    weights = np.array([data.draw(st.floats(0, 800)) for _ in triples])
    penalty = (
        CutPenalty(np.array(triples, dtype=np.int64).reshape(-1, 3), weights) if triples else None
    )
    threshold = data.draw(st.floats(-3000, 3000))

    def rc(members):
        extra = penalty(members) if penalty else 0.0
        return cost(members) - pi[list(members)].sum() - offset_by_size[len(members)] + extra

    listed = pricer.enumerate(
        pi,
        lambda s, tag: offset_by_size[s],
        threshold,
        10**6,
        clock.now() + 60,
        penalty=penalty,
    )
    assert listed.complete
    got = {c.members for _, c in listed.columns}
    for s in sizes:
        for members in itertools.combinations(range(n), s):
            if not valid(members, apart, together):
                assert members not in got
                continue
            value = rc(members)
            if value <= threshold - 1e-6:
                assert members in got, (members, value, threshold)
            elif value > threshold + 1e-6:
                assert members not in got
    for value, col in listed.columns:
        assert math.isclose(value, rc(col.members), abs_tol=1e-6)
        assert col.cost == cost(col.members)


def partitions(items, sizes):
    """Every partition of ``items`` into groups whose sizes are in ``sizes``."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for s in sizes:
        for others in itertools.combinations(rest, s - 1):
            group = (first, *others)
            remaining = [i for i in rest if i not in others]
            for tail in partitions(remaining, sizes):
                yield [group, *tail]


@SETTINGS
@given(pairwise_case(), st.integers(0, 2))
def test_engine_finds_the_best_partition(case, cap_cut):
    n, low, high, seven, _m, _b, _p, _w, apart, together = case[:10]
    sizes = [*range(low, high + 1), *([high + 1] if seven else [])]
    best = None
    counts = set()
    for part in partitions(list(range(n)), sizes):
        if sum(len(g) > high for g in part) > 1:
            continue
        if not all(valid(g, apart, together) for g in part):
            continue
        counts.add(len(part))
    if not counts:
        return
    cap = max(min(counts), max(counts) - cap_cut)
    pricer, cost, _ = make_pricer(case, max_groups=cap)
    for part in partitions(list(range(n)), sizes):
        if len(part) > cap or sum(len(g) > high for g in part) > 1:
            continue
        if not all(valid(g, apart, together) for g in part):
            continue
        value = sum(cost(g) for g in part)
        if best is None or value < best[0]:
            best = (value, part)
    assert best is not None
    rows = [SideRow("groups", 0, cap, lambda size, tag: 1)]
    if seven:
        rows.append(SideRow("oversize", 0, 1, lambda size, tag: tag))
    start = [pricer.column(g) for g in best[1]]  # any feasible start; the optimum is found
    result = solve_grouping(pricer, rows, [], start, time_limit=20)
    assert result.status == "optimal"
    assert result.objective == best[0] == result.bound
    assert sum(c.cost for c in result.columns) == best[0]


@st.composite
def median_case(draw):
    n = draw(st.integers(4, 8))
    pts = [(draw(st.integers(0, 30)), draw(st.integers(0, 30))) for _ in range(n)]
    dist = np.array([[math.floor(math.dist(p, q)) for q in pts] for p in pts])
    demand = [draw(st.integers(1, 6)) for _ in range(n)]
    p = draw(st.integers(1, min(3, n)))
    capacity = draw(st.integers(max(demand), sum(demand)))
    return n, dist, demand, p, capacity


@SETTINGS
@given(median_case(), st.data())
def test_median_pricer_lists_every_group_below_the_threshold(case, data):
    n, dist, demand, p, capacity = case
    pricer = MedianPricer(dist, demand, capacity, p)
    pi = np.array([data.draw(st.floats(0, 40)) for _ in range(n)])
    sigma = data.draw(st.floats(-40, 40))
    threshold = data.draw(st.floats(-60, 30))
    listed = pricer.enumerate(pi, lambda s, t: sigma, threshold, 10**6, clock.now() + 60)
    assert listed.complete
    got = {c.key for _, c in listed.columns}
    for m in range(n):
        others = [i for i in range(n) if i != m]
        for k in range(n):
            for chosen in itertools.combinations(others, k):
                members = tuple(sorted((m, *chosen)))
                if sum(demand[i] for i in members) > capacity:
                    assert (members, m) not in got
                    continue
                value = float(dist[list(members), m].sum() - pi[list(members)].sum() - sigma)
                if value <= threshold - 1e-6:
                    assert (members, m) in got
                elif value > threshold + 1e-6:
                    assert (members, m) not in got


@SETTINGS
@given(median_case())
def test_median_mode_finds_the_capacitated_p_median_optimum(case):
    n, dist, demand, p, capacity = case
    best = None
    for medians in itertools.combinations(range(n), p):
        # assign the others by brute force within capacity
        others = [i for i in range(n) if i not in medians]
        for choice in itertools.product(range(p), repeat=len(others)):
            load = [demand[m] for m in medians]
            value = 0
            for i, k in zip(others, choice, strict=True):
                load[k] += demand[i]
                value += int(dist[i, medians[k]])
            if max(load) <= capacity and (best is None or value < best):
                best = value
    if best is None:
        return
    pricer = MedianPricer(dist, demand, capacity, p)
    rows = [SideRow("medians", p, p, lambda size, tag: 1)]
    start = pricer.start(5.0)
    assert start is not None  # feasible: the brute force found an assignment
    result = solve_grouping(pricer, rows, pricer.pool(), start, time_limit=20)
    assert result.status == "optimal"
    assert result.objective == best == result.bound
    members = sorted(i for c in result.columns for i in c.members)
    assert members == list(range(n))
    assert all(isinstance(c, Column) for c in result.columns)


def test_pairwise_pricer_counts_negative_pairs_among_newcomers():
    # Found by the property above: five schools, groups of 2 (or 3 as the oversize size),
    # all travel 0 except 1 minute from school 4 to school 2; schools 3 and 4 share a board
    # under 'together' (weight 1 per minute-equivalent: the pair costs -60 s). With duals 0
    # and threshold 0, group {2, 3, 4} costs 60/3 * 1 - 60 = -40 and must be listed, though
    # its anchor 2 sees newcomer 4 at a positive cost: the root filter once dropped it.
    minutes = np.zeros((5, 5), dtype=int)
    minutes[4, 2] = 1
    case = (5, 2, 2, True, minutes, ["", "", "", "x", "x"], "together", (1, 0, 1), [], [])
    pricer, cost, _ = make_pricer(case)
    assert cost((2, 3, 4)) == -40
    listed = pricer.enumerate(
        np.zeros(5), lambda s, tag: 0.0, 0.0, 10**6, clock.now() + 60, penalty=None
    )
    assert listed.complete
    assert (2, 3, 4) in {c.members for _, c in listed.columns}


class _SlowExactPricing:
    """A pricer whose exact search (no neighbourhood, more than one group wanted) always
    "runs out of time", as on a machine too busy for it; the single-least-group search of
    the insurance and the neighbourhood pricing work."""

    def __init__(self, inner):
        self.inner = inner
        self.n = inner.n

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def enumerate(self, pi, offset, threshold, limit, deadline, neighbours=None, **kw):
        listed = self.inner.enumerate(pi, offset, threshold, limit, deadline, neighbours, **kw)
        if neighbours is None and limit > 1:
            listed.complete = False
        return listed


def test_insurance_bound_when_the_exact_pricing_cannot_finish():
    # Four schools on a line at 0, 1, 10 and 11 minutes, groups of 2, travel and worst
    # weight 1: a pair at distance d costs 60 x 2d / 2 = 60d for travel plus 60 x d / 2 = 30d
    # for its worst school, 90d; the best partition is {0,1} {2,3} at 90 + 90 = 180 s, also
    # the LP optimum. When the exact pricing cannot finish, the bound comes from the duals
    # scaled by 0.95: every group's scaled reduced cost is 0.05 x cost + 0.95 x reduced cost
    # >= 0, so the bound is 0.95 x 180 = 171 (above the simple bound: 4 x (30 - 0.5) = 118).
    x = [0, 1, 10, 11]
    minutes = np.array([[abs(a - b) for b in x] for a in x])
    case = (4, 2, 2, False, minutes, [""] * 4, "none", (1, 1, 0), [], [])
    pricer, cost, _ = make_pricer(case, max_groups=2)
    assert cost((0, 1)) == cost((2, 3)) == 90
    rows = [SideRow("groups", 0, 2, lambda size, tag: 1)]
    start = [pricer.column((0, 2)), pricer.column((1, 3))]  # 900 + 900
    slow = solve_grouping(_SlowExactPricing(pricer), rows, [], start, time_limit=20, insure_from=0)
    assert slow.objective == 180 and slow.bound == 171 and slow.status == "feasible"
    assert "exact pricing ran out of time" in slow.notes
    # the case that must pass: the exact pricing proves the optimum, no insurance is run
    exact = solve_grouping(pricer, rows, [], start, time_limit=20, insure_from=0)
    assert exact.objective == exact.bound == 180 and exact.status == "optimal"
    assert "insurance_seconds" not in exact.stats
    assert sorted(c.members for c in exact.columns) == [(0, 1), (2, 3)]


def test_insurance_comes_first_when_time_is_scarce():
    # The four schools of the test above (optimum {0,1} {2,3} at 180 s). With 3 s for a
    # problem of the insured size, less than twice the 2 s reserve is left after the LP:
    # the scaled-dual bound is taken first (so a busy machine still gets a bound), then the
    # exact pricing still proves the optimum.
    x = [0, 1, 10, 11]
    minutes = np.array([[abs(a - b) for b in x] for a in x])
    case = (4, 2, 2, False, minutes, [""] * 4, "none", (1, 1, 0), [], [])
    pricer, _, _ = make_pricer(case, max_groups=2)
    rows = [SideRow("groups", 0, 2, lambda size, tag: 1)]
    start = [pricer.column((0, 2)), pricer.column((1, 3))]
    result = solve_grouping(pricer, rows, [], start, time_limit=3, insure_from=0)
    assert "insurance_seconds" in result.stats
    assert result.objective == result.bound == 180 and result.status == "optimal"
