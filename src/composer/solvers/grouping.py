"""The grouping engine: partition items into size- or capacity-bounded groups, exactly.

One engine serves three objectives that share their logic:

- **pairwise** (BV clusters, :class:`PairwisePricer`): a group's cost depends on every pair
  of its members and on its size (travel per meeting round, the worst member's average
  travel, same-board pairs); sizes ``min..max`` (plus optional oversize groups);
- **median** (capacitated p-median, :class:`MedianPricer`): a group is a median and the
  items assigned to it, cost = the sum of item→median distances, total demand ≤ capacity.
- **pairwise maximise** (maximally diverse grouping, :class:`DiversityPricer`): groups with
  size bounds per group label, maximise the within-group pair weights (the engine
  minimises minus them); exact pricing while the groups can be listed, a heuristic
  pricing beyond, and :func:`improve_diversity_by_swaps` (move/swap local search) for
  groups too large for the exact LNS.

Formulation: **set partitioning over groups** ("columns"): one binary per candidate group,
every item in exactly one chosen group, side rows on the number of groups (coordinator
capacity, exactly p medians) and on oversize groups. Any cost a group can have — size
dependent, a maximum over members, rounding — is a plain number on its column, so the
model is exact and its LP relaxation is strong. The columns are never all listed:

1. **Column generation** solves the LP relaxation (GLOP) from a pool of nearby groups; the
   problem's exact *pricer* (a bounded depth-first search over groups) finds the groups of
   negative reduced cost until none is left, which proves the LP bound for *all* groups.
2. **Reduced-cost enumeration**: with the LP duals, a group can be part of a solution of
   cost ≤ UB only if its reduced cost is ≤ UB − LB; the pricer lists every such group
   (the best ``max_columns`` when there are more, which still proves a bound).
3. **CP-SAT** (via :func:`composer.solvers.cpsat.run_cpsat`) solves the set partitioning
   over the listed groups, hinted with the incumbent. The bound it reports is valid for
   the whole problem: any solution using an unlisted group costs more than LB + Δ, so the
   global bound is min(CP-SAT's bound over the listed groups, LB + Δ). When both agree the
   optimum is proven.

Bounds are computed from the duals by the Lagrangian formula (valid for any duals, so GLOP's
float tolerances never make a bound wrong): for every partition X,
cost(X) ≥ Σπ + Σ_r min(σ_r·lo_r, σ_r·hi_r) + |X|·min(0, min reduced cost).

Time: every deadline here (``time_limit``, ``until``, a pricer's ``deadline``) is on
:mod:`composer.clock` — wall seconds, or counted work in a ``--workers 1`` run, for which
every search charges what it did from counts (:data:`PAIRWISE_WORK` and the rates beside
it), so the same run stops at the same point on a quiet or a busy machine.
"""

from __future__ import annotations

import heapq
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from composer import clock
from composer.model.plan import Status
from composer.solvers.cpsat import run_cpsat

TOL = 1e-6

# ------------------------------------------------------------------ counted work (clock)
# Under a work clock (composer.clock, ``--workers 1``) every search here charges what it
# did, from counts, in seconds of the reference machine; CP-SAT charges its own
# deterministic time (run_cpsat). Calibrated on the shared 2-core VM (2026-12-06) by a
# non-negative least-squares fit of each call's counts to its CPU time
# (time.process_time(): the machine was shared, and CPU time is what an idle machine's
# wall time would be), wall clock, seed 0: the BV stage of midden-nederland at 20 s (77
# pricings, 56 LP solves) and of national at 40 s (969 pricings, 680 LP solves, 144
# separations, 80 masters); a fitted total is within 5 % of the measured one, a single
# call within a factor 0.6-1.7 (re-measure: benchmarks/work_rates.py). The p-median and
# diversity rates: random instances (40-100 points, p 4-10; 12-120 items, 3-10 groups)
# solved by solve_grouping. Check under the work clock (BV stage, work counted against
# the run's CPU time): midden-nederland 6.7 against 7.1 s at 8 s, 10.2 against 10.8 s
# at 20 s; national 27.0 against 23.2 s at 30 s.

PAIRWISE_WORK = (5e-9, 1.4e-4, 1.2e-6)
"""Seconds per array cell, per array step (a vectorised depth or build: numpy call
overhead) and per exact costing x size² of :class:`PairwisePricer`'s search."""

LP_WORK = (2.5e-8, 3.5e-6, 1.5e-6, 5e-8)
"""Seconds per simplex iteration x LP size (rows + columns), per LP solve x LP size (the
model sync and reading the duals), per coefficient set (columns and cuts added), and per
array cell of the cut separation."""

MEDIAN_WORK = (2e-5, 7e-8, 2e-5)
"""Seconds per search node, per cell of the suffix table and per median of
:class:`MedianPricer`'s search."""

DIVERSITY_WORK = (7e-10, 1.5e-6)
"""Seconds per array cell and per array step of :class:`DiversityPricer`'s pricing and of
:func:`improve_diversity_by_swaps`."""

MASTER_SECONDS_PER_TERM = 2e-6
"""Seconds per term (a group's member or side-row coefficient) to build a CP-SAT master
(CP-SAT's own search is charged by run_cpsat)."""


def charge_work(total: list[int], counted: list[int], rates: Sequence[float]) -> None:
    """Charge the ``counted`` work (counts times ``rates`` seconds) to the clock, add it to
    ``total`` and reset ``counted``: deterministic, counts only, never measured times."""
    clock.charge(sum(c * r for c, r in zip(counted, rates, strict=True)))
    for k, c in enumerate(counted):
        total[k] += c
        counted[k] = 0


@dataclass(frozen=True)
class Column:
    """A candidate group: sorted item indices, its integer cost and a tag (the problem's
    extra key: 1 for an oversize BV cluster, the median for a p-median group)."""

    members: tuple[int, ...]
    cost: int
    tag: int = 0

    @property
    def key(self) -> tuple[tuple[int, ...], int]:
        """Identity of the group (members and tag)."""
        return (self.members, self.tag)


@dataclass(frozen=True)
class SideRow:
    """A side constraint ``lo <= sum over chosen groups of coef(size, tag) <= hi``."""

    name: str
    lo: int
    hi: int
    coef: Callable[[int, int], int]


@dataclass
class Enumeration:
    """Groups found by a pricer with their reduced costs; ``complete`` when every group with
    reduced cost ≤ ``threshold`` is listed; ``min_rc`` is the least reduced cost seen (the
    exact minimum over all groups when complete and something was found or the threshold
    was above it)."""

    columns: list[tuple[float, Column]]
    complete: bool
    threshold: float
    min_rc: float


class Pricer(Protocol):
    """What a grouping problem supplies to the engine."""

    n: int

    def enumerate(
        self,
        pi: np.ndarray,
        offset: Callable[[int, int], float],
        threshold: float,
        limit: int,
        deadline: float,
        neighbours: int | None = None,
        penalty: CutPenalty | None = None,
        enough: int | None = None,
    ) -> Enumeration:
        """The (at most ``limit``) groups of least reduced cost ``cost - Σπ - offset``
        (``+ penalty(members)``, a non-negative term of the cuts),
        every one with reduced cost ≤ ``threshold``; complete unless the deadline hit or
        ``neighbours`` restricted the search to nearby items (a heuristic)."""
        ...

    def max_groups(self) -> int:
        """An upper bound on the number of groups of any partition."""
        ...

    def trivial_bound(self) -> float:
        """A cheap valid lower bound on the optimum (used when no LP bound is proven)."""
        ...

    @property
    def distance(self) -> np.ndarray:
        """A symmetric item distance (to pick nearby groups for LNS)."""
        ...

    def restrict(
        self, items: Sequence[int], groups: Sequence[Column]
    ) -> tuple[Pricer, list[SideRow]]:
        """The sub-problem on ``items`` (local indices 0..) that must form as many groups
        as ``groups`` do, with its side rows."""
        ...

    def column_of(self, members: Sequence[int], tag: int, where: dict[int, int]) -> Column:
        """The sub-problem's column of local ``members`` (``where``: item -> local)."""
        ...

    def lift(self, column: Column, items: Sequence[int]) -> Column:
        """A sub-problem's column as a column of this problem."""
        ...


@dataclass
class GroupingResult:
    """Outcome of :func:`solve_grouping`: the chosen groups and what is proven about them."""

    status: Status
    columns: list[Column]
    objective: int | None
    bound: int | None
    lp_bound: float | None
    notes: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)


@dataclass
class LpSolution:
    """An optimal LP solution's value and duals: items ``pi``, side rows ``sigma`` and
    subset-row cuts ``mu`` (each <= 0, for the triples in ``cuts``)."""

    value: float
    pi: np.ndarray
    sigma: list[float]
    cuts: list[tuple[int, int, int]]
    mu: list[float]

    def penalty(self) -> CutPenalty | None:
        """The reduced-cost term of the cuts (>= 0 for every group), or None without cuts."""
        active = [(t, -m) for t, m in zip(self.cuts, self.mu, strict=True) if m < -1e-12]
        if not active:
            return None
        return CutPenalty(
            np.array([t for t, _ in active], dtype=np.int64),
            np.array([w for _, w in active], dtype=float),
        )


@dataclass
class CutPenalty:
    """The subset-row cuts' share of a group's reduced cost: ``weights[t]`` (= -dual,
    >= 0) for every cut ``triples[t]`` of which the group holds two or more items."""

    triples: np.ndarray
    weights: np.ndarray
    _rows: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def __call__(self, members: Sequence[int]) -> float:
        """The penalty of one group."""
        hits = np.zeros(len(self.triples), dtype=np.int64)
        for i in members:
            row = self._rows.get(int(i))
            if row is None:
                row = (self.triples == int(i)).any(axis=1).astype(np.int64)
                self._rows[int(i)] = row
            hits += row
        return float(self.weights[hits >= 2].sum())

    def incidence(self, n: int) -> np.ndarray:
        """``A[i, t]`` = 1 when item i is in cut t (an n x cuts matrix)."""
        A = np.zeros((n, len(self.triples)), dtype=np.int8)
        for t, triple in enumerate(self.triples):
            A[triple, t] = 1
        return A

    def pair_share(self, n: int) -> np.ndarray:
        """A third of each cut's weight on each of its three pairs: a lower bound of the
        penalty of any group by its pairs (2 items of a cut: 1/3 <= 1; all 3: 3/3 = 1)."""
        share = np.zeros((n, n))
        for triple, w in zip(self.triples, self.weights, strict=True):
            i, j, k = (int(x) for x in triple)
            for a, b in ((i, j), (i, k), (j, k)):
                share[a, b] += w / 3.0
                share[b, a] += w / 3.0
        return share


class _Lp:
    """The LP relaxation of the set partitioning, grown column by column (GLOP), with
    subset-row cuts on triples: Σ over groups holding two or more of {i, j, k} <= 1 (a
    partition has at most one such group, so the cut is valid; it removes fractional
    solutions that cover the triple with overlapping groups)."""

    BIG = 1e9

    def __init__(self, n: int, rows: Sequence[SideRow], artificial: bool) -> None:
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        inf = self.solver.infinity()
        self.items = [self.solver.Constraint(1, 1, f"item[{i}]") for i in range(n)]
        self.rows = rows
        self.side = [self.solver.Constraint(r.lo, r.hi, f"side[{r.name}]") for r in rows]
        self.cuts: list[tuple[int, int, int]] = []
        self.cut_rows: list[pywraplp.Constraint] = []
        self.objective = self.solver.Objective()
        self.objective.SetMinimization()
        self.keys: set[tuple[tuple[int, ...], int]] = set()
        self.vars: list[tuple[pywraplp.Variable, Column]] = []
        self.counted = [0, 0, 0, 0]  # the LP_WORK counts not yet charged
        self.work = [0, 0, 0, 0]  # ... and charged
        # artificial columns keep the LP feasible while the pool is thin (cost BIG); only
        # without a feasible start: their huge duals would make pricing blind
        for i, ct in enumerate(self.items if artificial else ()):
            art = self.solver.NumVar(0, inf, f"art[{i}]")
            ct.SetCoefficient(art, 1)
            self.objective.SetCoefficient(art, self.BIG)

    def add(self, column: Column) -> bool:
        if column.key in self.keys:
            return False
        self.keys.add(column.key)
        var = self.solver.NumVar(0, self.solver.infinity(), f"g[{len(self.vars)}]")
        for i in column.members:
            self.items[i].SetCoefficient(var, 1)
        size = len(column.members)
        for row, ct in zip(self.rows, self.side, strict=True):
            coef = row.coef(size, column.tag)
            if coef:
                ct.SetCoefficient(var, coef)
        members = set(column.members)
        for triple, ct in zip(self.cuts, self.cut_rows, strict=True):
            if sum(i in members for i in triple) >= 2:
                ct.SetCoefficient(var, 1)
        self.objective.SetCoefficient(var, column.cost)
        self.counted[2] += size + len(self.rows) + len(self.cuts) + 1
        self.vars.append((var, column))
        return True

    def size(self) -> int:
        """Rows plus columns."""
        return len(self.items) + len(self.side) + len(self.cut_rows) + len(self.vars)

    def solve(self) -> LpSolution | None:
        status = self.solver.Solve()
        self.counted[0] += int(self.solver.iterations()) * self.size()
        self.counted[1] += self.size()
        charge_work(self.work, self.counted, LP_WORK)
        if status != pywraplp.Solver.OPTIMAL:
            return None
        return LpSolution(
            self.objective.Value(),
            np.array([ct.dual_value() for ct in self.items], dtype=float),
            [ct.dual_value() for ct in self.side],
            list(self.cuts),
            [ct.dual_value() for ct in self.cut_rows],
        )

    def support(self) -> list[Column]:
        """Columns with a positive LP value."""
        return [col for var, col in self.vars if var.solution_value() > 1e-9]

    def separate(self, max_cuts: int) -> int:
        """Add up to ``max_cuts`` violated subset-row cuts; returns how many were added."""
        values = np.array([var.solution_value() for var, _ in self.vars])
        frac_idx = np.flatnonzero((values > 1e-6) & (values < 1 - 1e-6))
        if frac_idx.size == 0:
            return 0
        n = len(self.items)
        self.counted[3] += len(self.vars) + frac_idx.size * n * 4
        weight = values[frac_idx]
        incidence = np.zeros((frac_idx.size, n), dtype=np.int8)
        for row, k in enumerate(frac_idx.tolist()):
            incidence[row, list(self.vars[k][1].members)] = 1
        pair = (incidence.T * weight) @ incidence  # pair[i, j] = LP weight of groups with both
        np.fill_diagonal(pair, 0.0)
        adjacent = pair > 1e-9
        known = set(self.cuts)
        triples: list[tuple[int, int, int]] = []
        for i in range(n):
            js = np.flatnonzero(adjacent[i, i + 1 :]) + i + 1
            for j in js.tolist():
                ks = np.flatnonzero((adjacent[i] | adjacent[j])[j + 1 :]) + j + 1
                triples.extend((i, j, k) for k in ks.tolist() if (i, j, k) not in known)
        self.counted[3] += len(triples) * (frac_idx.size + 4)
        if not triples:
            charge_work(self.work, self.counted, LP_WORK)
            return 0
        found: list[tuple[float, tuple[int, int, int]]] = []
        for start in range(0, len(triples), 20_000):
            chunk = np.array(triples[start : start + 20_000], dtype=np.int64)
            hits = incidence[:, chunk].sum(axis=2) >= 2  # groups x triples
            lhs = weight @ hits
            for t in np.flatnonzero(lhs > 1 + 1e-4).tolist():
                i, j, k = (int(x) for x in chunk[t])
                found.append((float(lhs[t]), (i, j, k)))
        found.sort(key=lambda p: (-p[0], p[1]))
        used: dict[int, int] = {}
        added = 0
        for _, triple in found:
            if added >= max_cuts:
                break
            if any(used.get(i, 0) >= 3 for i in triple):
                continue  # spread the cuts over the items
            for i in triple:
                used[i] = used.get(i, 0) + 1
            ct = self.solver.Constraint(-self.solver.infinity(), 1, f"sr[{triple}]")
            for var, col in self.vars:
                if sum(i in col.members for i in triple) >= 2:
                    ct.SetCoefficient(var, 1)
            self.cuts.append(triple)
            self.cut_rows.append(ct)
            self.counted[2] += len(self.vars)
            added += 1
        charge_work(self.work, self.counted, LP_WORK)
        return added


def _offset_fn(rows: Sequence[SideRow], sigma: Sequence[float]) -> Callable[[int, int], float]:
    def offset(size: int, tag: int) -> float:
        return sum(s * r.coef(size, tag) for r, s in zip(rows, sigma, strict=True) if s)

    return offset


def lagrangian_bound(
    pi: np.ndarray,
    sigma: Sequence[float],
    rows: Sequence[SideRow],
    max_groups: int,
    min_rc: float,
    mu: Sequence[float] = (),
) -> float:
    """A lower bound on every partition's cost from any duals (see the module docstring);
    a subset-row cut holds at most 1 in a partition, so its dual (<= 0) counts once."""
    bound = float(pi.sum())
    for row, s in zip(rows, sigma, strict=True):
        bound += min(s * row.lo, s * row.hi)
    bound += sum(min(0.0, m) for m in mu)
    return bound + max_groups * min(0.0, min_rc)


def _cheap_columns(lp: _Lp, sol: LpSolution, rows: Sequence[SideRow], limit: float) -> list[Column]:
    """The LP's generated groups whose reduced cost is at most ``limit``."""
    offset = _offset_fn(rows, sol.sigma)
    penalty = sol.penalty()
    found = []
    lp.counted[2] += sum(len(col.members) + 4 for _, col in lp.vars)
    charge_work(lp.work, lp.counted, LP_WORK)
    for _, col in lp.vars:
        rc = (
            col.cost
            - float(sol.pi[list(col.members)].sum())
            - offset(len(col.members), col.tag)
            + (penalty(col.members) if penalty else 0.0)
        )
        if rc <= limit:
            found.append(col)
    return found


def _solve_master(
    n: int,
    rows: Sequence[SideRow],
    columns: Sequence[Column],
    hint: Sequence[Column] | None,
    time_limit: float,
    workers: int,
    seed: int,
    stop: object,
) -> tuple[Status, list[Column], int | None, int | None]:
    """CP-SAT set partitioning over ``columns``: (status, chosen, objective, bound)."""
    clock.charge(
        MASTER_SECONDS_PER_TERM * sum(len(col.members) + 2 * len(rows) + 4 for col in columns)
    )
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"g[{k}]") for k in range(len(columns))]
    by_item: list[list[int]] = [[] for _ in range(n)]
    for k, col in enumerate(columns):
        for i in col.members:
            by_item[i].append(k)
    for i in range(n):
        # every item in exactly one chosen group
        model.add_exactly_one(x[k] for k in by_item[i])
    for row in rows:
        terms = [
            (row.coef(len(col.members), col.tag), x[k])
            for k, col in enumerate(columns)
            if row.coef(len(col.members), col.tag)
        ]
        expr = sum(c * v for c, v in terms)
        model.add_linear_constraint(expr, row.lo, row.hi)
    model.minimize(sum(col.cost * x[k] for k, col in enumerate(columns)))
    if hint:
        chosen = {c.key for c in hint}
        for k, col in enumerate(columns):
            model.add_hint(x[k], col.key in chosen)

    def lp_heavy(solver: cp_model.CpSolver) -> None:
        # reason: set partitioning with a tight LP is proven by LP-driven search; one worker
        # at linearization level 2 proved a 630-column BV master in 0.1 s where the default
        # took 3 s and two default workers 8 s (benchmarks/README.md, "BV")
        solver.parameters.linearization_level = 2

    run = run_cpsat(
        model,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        stop=stop,  # type: ignore[arg-type]
        extra=lp_heavy,
    )
    if not run.has_solution:
        return run.status, [], None, None
    picked = [col for k, col in enumerate(columns) if run.solver.value(x[k])]
    objective = sum(col.cost for col in picked)
    bound = math.ceil(run.bound - TOL) if run.bound is not None else None
    return run.status, picked, objective, bound


def solve_grouping(
    pricer: Pricer,
    rows: Sequence[SideRow],
    pool: Sequence[Column],
    incumbent: Sequence[Column] | None,
    *,
    time_limit: float,
    workers: int = 1,
    seed: int = 0,
    stop: object = None,
    max_columns: int = 50_000,
    neighbours: Sequence[int] = (8, 12),
    cut_rounds: int = 6,
    insure_from: int = 40,
) -> GroupingResult:
    """Partition the pricer's items into groups of least total cost (see the module doc).

    ``pool`` seeds the LP with nearby groups; ``incumbent`` is a feasible partition (its
    cost is the first upper bound and CP-SAT's hint). Stays within ``time_limit``:
    column generation with a fast neighbourhood pricing and subset-row cuts, then exact
    enumeration at the LP duals (proving the LP bound and listing every group that can
    still improve) and CP-SAT over the listed groups, widening the listing while time
    allows and the bound does not yet meet the best solution.
    """
    wall0 = time.perf_counter()  # diagnostics only (stats)
    t0 = clock.now()
    deadline = t0 + max(0.05, time_limit)
    n = pricer.n
    stats: dict[str, float] = {}
    notes: list[str] = []
    lp = _Lp(n, rows, artificial=not incumbent)
    for col in itertools.chain(pool, incumbent or ()):
        lp.add(col)
    batch = max(50, 2 * n)
    max_groups = pricer.max_groups()

    def price(
        sol: LpSolution,
        threshold: float,
        limit: int,
        until: float,
        width: int | None = None,
        enough: int | None = None,
    ) -> Enumeration:
        return pricer.enumerate(
            sol.pi,
            _offset_fn(rows, sol.sigma),
            threshold,
            limit,
            until,
            neighbours=width,
            penalty=sol.penalty(),
            enough=enough,
        )

    def lp_round(until: float) -> LpSolution | None:
        """Column generation with the fast neighbourhood pricing, widening the
        neighbourhood each time it finds nothing (the exact search is the last word)."""
        sol = lp.solve()
        for width in neighbours:
            while sol is not None and clock.now() < until:
                found = price(sol, -TOL, batch, until, width)
                added = sum(lp.add(col) for _, col in found.columns)
                stats["lp_iterations"] = stats.get("lp_iterations", 0) + 1
                if not added:
                    break
                sol = lp.solve()
        return sol

    lp_until = t0 + 0.4 * max(0.05, time_limit)
    solved = lp_round(lp_until)
    for _ in range(cut_rounds):
        if solved is None or clock.now() > lp_until:
            break
        before = solved.value
        if not lp.separate(max(10, n // 2)):
            break
        solved = lp_round(lp_until)
        if solved is not None and solved.value - before <= 1e-4 * max(1.0, abs(before)):
            break
    stats["lp_seconds"] = time.perf_counter() - wall0
    lp_cut_short = clock.now() >= lp_until  # no time even for the LP to converge
    stats["cuts"] = len(lp.cuts)
    if solved is None:
        notes.append("the LP relaxation could not be solved")
    else:
        stats["lp_value"] = solved.value  # after the cuts (heuristic pricing: not yet proven)
    best = list(incumbent) if incumbent else []
    ub = sum(c.cost for c in best) if best else None
    if solved is not None and ub is not None and ub > solved.value * 1.01 + 1:
        # a weak start: a quick master over the LP's cheap groups gives a better incumbent
        # (and a smaller listing threshold below)
        cheap = _cheap_columns(lp, solved, rows, 0.02 * abs(solved.value))
        share = min(0.15 * max(0.05, time_limit), deadline - clock.now() - 0.05)
        if share > 0.05:
            _, picked, obj, _ = _solve_master(
                n, rows, [*cheap, *best], best, share, workers, seed, stop
            )
            if obj is not None and obj < ub:
                best, ub = picked, obj
        stats["early_master_seconds"] = time.perf_counter() - wall0

    # Exact enumeration at the LP duals proves the LP bound and lists every group with
    # reduced cost <= delta; CP-SAT solves the set partitioning over them (plus the LP's
    # own cheap groups and the incumbent). delta starts narrow (0.1 % of the bound: a
    # narrow listing costs little more than the proof alone) and widens while the listed
    # groups cannot exclude a better solution.
    lb: float | None = None
    bound: int | None = None
    rounds = 0
    delta: float | None = None
    proven = False  # no improving group exists at the current duals (exact pricing)

    def insure(sol: LpSolution, until: float) -> None:
        """The fallback when the exact pricing cannot finish: the Lagrangian bound of
        slightly scaled-down duals, proven by a search for the single least reduced cost
        (cheaper: scaled duals leave few groups below zero)."""
        nonlocal bound
        t_ins = time.perf_counter()
        for theta in (0.9, 0.95):
            scaled = LpSolution(
                sol.value * theta,
                sol.pi * theta,
                [x * theta for x in sol.sigma],
                sol.cuts,
                [x * theta for x in sol.mu],
            )
            found = price(scaled, -TOL, 1, until)
            if not found.complete:
                break
            least = found.columns[0][0] if found.columns else 0.0
            value = lagrangian_bound(
                scaled.pi, scaled.sigma, rows, max_groups, min(0.0, least), scaled.mu
            )
            guess = math.ceil(value - TOL)
            bound = guess if bound is None else max(bound, guess)
        stats["insurance_seconds"] = time.perf_counter() - t_ins

    # Large problems on a busy machine keep a reserve for the insurance above: the exact
    # pricing must finish that much before the deadline (it usually finishes well before,
    # and then no insurance is needed).
    reserve = max(2.0, 0.15 * time_limit) if n >= insure_from else 0.0
    scarce = lp_cut_short or deadline - clock.now() < 2 * reserve
    if reserve and scarce and solved is not None and solved.value < _Lp.BIG * 0.5:
        # so little time (the LP could not converge, or less than twice the reserve is
        # left) that the exact pricing will hardly finish: insure first
        insure(solved, min(deadline, clock.now() + reserve))
    pricing_rounds = 0
    while solved is not None and clock.now() < deadline - 0.05 and rounds < 8:
        if solved.value >= _Lp.BIG * 0.5:
            notes.append("no feasible start: the LP still uses artificial columns")
            break
        pi, sigma, mu = solved.pi, solved.sigma, solved.mu
        base = lagrangian_bound(pi, sigma, rows, max_groups, 0.0, mu)
        t_enum = time.perf_counter()
        if not proven:
            # exact pricing: the best `batch` groups below zero (cheap: the heap's bar drops)
            keep = min(reserve, 0.5 * (deadline - clock.now())) if bound is None else 0.0
            found = price(solved, -TOL, batch, deadline - keep)
            stats["pricing_seconds"] = stats.get("pricing_seconds", 0.0) + (
                time.perf_counter() - t_enum
            )
            if not found.complete:
                notes.append("exact pricing ran out of time")
                if keep > 0:
                    insure(solved, deadline)
                break
            if found.columns:
                # the neighbourhood pricing missed improving groups: add them and re-solve
                pricing_rounds += 1
                for _, col in found.columns:
                    lp.add(col)
                solved = lp_round(deadline - keep)
                continue
            proven = True
            lb = lagrangian_bound(pi, sigma, rows, max_groups, -TOL, mu)
            bound = math.ceil(lb - TOL) if bound is None else max(bound, math.ceil(lb - TOL))
            if ub is not None and bound >= ub:
                break
            t_enum = time.perf_counter()
        rounds += 1
        if delta is None:
            delta = max(1.0, 0.001 * abs(base))
            if ub is not None:
                delta = min(delta, ub - base + TOL)
        listed = price(solved, delta, max_columns, deadline)
        stats["enumeration_seconds"] = stats.get("enumeration_seconds", 0.0) + (
            time.perf_counter() - t_enum
        )
        stats["listed"] = len(listed.columns)
        stats["delta"] = delta
        if not listed.complete:
            notes.append("listing the groups that could improve ran out of time")
            break
        min_rc = -TOL
        lb = lagrangian_bound(pi, sigma, rows, max_groups, min_rc, mu)
        slack = (max_groups - 1) * min(0.0, min_rc)
        overflow = len(listed.columns) >= max_columns
        proven_delta = (max(rc for rc, _ in listed.columns) - TOL) if overflow else delta
        columns = {c.key: c for _, c in listed.columns}
        for col in _cheap_columns(lp, solved, rows, 0.02 * abs(base) + delta):
            columns.setdefault(col.key, col)
        for col in best:
            columns.setdefault(col.key, col)
        stats["master_columns"] = len(columns)
        st, picked, obj, master_bound = _solve_master(
            n,
            rows,
            list(columns.values()),
            best,
            max(0.05, deadline - clock.now()),
            workers,
            seed,
            stop,
        )
        if obj is not None and (ub is None or obj < ub):
            best, ub = picked, obj
        # A solution using an unlisted group costs more than base + slack + proven_delta;
        # the extra LP groups in the master do not weaken this (they are only more choice).
        outside = math.floor(base + slack + proven_delta + TOL) + 1
        candidate = outside if st == "infeasible" else None
        if master_bound is not None:
            candidate = min(master_bound, outside)
        lb_int = math.ceil(lb - TOL)
        found_bound = lb_int if candidate is None else max(lb_int, candidate)
        bound = found_bound if bound is None else max(bound, found_bound)
        if ub is not None and bound >= ub:
            break
        if st not in {"optimal", "infeasible"} or overflow:
            break  # out of time, or too many groups to list: keep what is proven
        # widen geometrically (a poor incumbent would list far too many groups at once)
        delta = 5 * delta if ub is None else min(5 * delta, ub - base + TOL)
    stats["enumeration_rounds"] = rounds
    stats["pricing_rounds"] = pricing_rounds
    stats["seconds"] = time.perf_counter() - wall0
    if lb is None:
        trivial = math.ceil(pricer.trivial_bound() - TOL)
        bound = trivial if bound is None else max(bound, trivial)
        notes.append("no proven LP bound: the bound is a Lagrangian or simple relaxation's")
    if ub is None:
        # no partition found: unknown (infeasibility is proven by the caller's own model)
        return GroupingResult("unknown", [], None, bound, lb, notes, stats)
    if bound is not None and bound > ub:
        notes.append(f"internal: bound {bound} above objective {ub}; bound capped")
        bound = ub
    status: Status = "optimal" if bound is not None and bound >= ub else "feasible"
    return GroupingResult(status, best, ub, bound, lb, notes, stats)


def improve_by_lns(
    pricer: Pricer, columns: list[Column], until: float, neighbourhood: int = 5
) -> tuple[list[Column], int]:
    """Large-neighbourhood search: re-solve a group and its nearest groups exactly.

    Each step takes one group and the ``neighbourhood - 1`` groups nearest to it (mean
    distance between their items, ``pricer.distance``), and partitions their items anew
    into the same number of groups (and as many oversize groups) with :func:`solve_grouping`
    on ``pricer.restrict``; a cheaper result replaces them. The rest of the solution and
    every constraint are unaffected (a sub-problem keeps its group count, and wishes
    concern items inside one group). Stops at ``until`` or after a full round without
    improvement. Returns the groups and the number of steps.
    """
    dist = pricer.distance
    current = list(columns)
    steps = 0
    unchanged = 0
    seed_index = 0
    while clock.now() < until - 0.2 and len(current) > 1 and unchanged < len(current):
        seed_index %= len(current)
        seed = list(current[seed_index].members)
        near = sorted(
            range(len(current)),
            key=lambda k: (float(dist[np.ix_(seed, list(current[k].members))].mean()), k),
        )
        chosen = near[:neighbourhood]
        items = sorted(i for k in chosen for i in current[k].members)
        sub, rows = pricer.restrict(items, [current[k] for k in chosen])
        where = {item: pos for pos, item in enumerate(items)}
        start = [
            sub.column_of([where[i] for i in current[k].members], current[k].tag, where)
            for k in chosen
        ]
        before = sum(current[k].cost for k in chosen)
        budget = min(3.0, until - clock.now() - 0.1)
        if budget <= 0.1:
            break
        res = solve_grouping(sub, rows, [], start, time_limit=budget, workers=1, insure_from=10**9)
        steps += 1
        if res.objective is not None and res.objective < before:
            taken = set(chosen)
            replaced = [pricer.lift(col, items) for col in res.columns]
            current = [c for k, c in enumerate(current) if k not in taken] + replaced
            unchanged = 0
        else:
            unchanged += 1
            seed_index += 1
    return current, steps


# --------------------------------------------------------------------------- pricers


class _Collector:
    """Keeps the ``limit`` groups of least reduced cost at or below ``threshold``."""

    def __init__(self, threshold: float, limit: int, enough: int | None = None) -> None:
        self.threshold = threshold
        self.limit = limit
        self.enough = enough
        self.negatives = 0
        self.heap: list[tuple[float, int, Column]] = []
        self.counter = 0
        self.min_rc = math.inf
        self.overflow = False
        self.seen: set[tuple[tuple[int, ...], int]] = set()

    def current(self) -> float:
        if len(self.heap) >= self.limit:
            return min(self.threshold, -self.heap[0][0])
        return self.threshold

    def add(self, rc: float, column: Column) -> None:
        self.min_rc = min(self.min_rc, rc)
        if rc > self.current() or column.key in self.seen:
            return
        self.seen.add(column.key)
        self.counter += 1
        if rc < -TOL:
            self.negatives += 1
        item = (-rc, self.counter, column)
        if len(self.heap) < self.limit:
            heapq.heappush(self.heap, item)
        else:
            self.overflow = True
            heapq.heapreplace(self.heap, item)

    @property
    def full(self) -> bool:
        """True once ``enough`` groups of negative reduced cost are held (stop early)."""
        return self.enough is not None and self.negatives >= self.enough

    def result(self, complete: bool) -> Enumeration:
        cols = sorted(((-neg, col) for neg, _, col in self.heap), key=lambda p: p[0])
        return Enumeration(cols, complete, self.threshold, self.min_rc)


class PairwisePricer:
    """Groups of ``sizes`` with a pairwise, size-dependent cost (the BV cluster cost).

    ``minutes`` is the whole-minute travel matrix (``minutes[a, b]`` from a to b). The cost
    of a group is computed by ``cost_fn(members) -> int`` (the objective module's exact
    integers); the search bounds it from below by

        travel_weight * 60/s * Σ_{pairs} (t_ab + t_ba) + board pairs
        + worst_weight * 60/s * max row * f(s)  - rounding slack,

    which is exact up to rounding (the slack is 0.5 per term for sizes not dividing 60);
    ``f(s)`` is 1, or ``s`` when ``worst_per_school`` (``bv.worst_travel_per = school``:
    every member counts its group's worst). ``together``/``apart`` are pairs that must
    share / must not share a group.
    """

    def __init__(
        self,
        minutes: np.ndarray,
        sizes: Sequence[int],
        oversize_from: int,
        cost_fn: Callable[[tuple[int, ...]], int],
        travel_weight: int,
        worst_weight: int,
        board_matrix: np.ndarray,
        together: Sequence[tuple[int, int]] = (),
        apart: Sequence[tuple[int, int]] = (),
        max_groups: int | None = None,
        worst_per_school: bool = False,
    ) -> None:
        self.n = int(minutes.shape[0])
        self.worst_per_school = worst_per_school
        self.T = minutes.astype(float)
        self.D = self.T + self.T.T
        self.sizes = [s for s in sizes if 0 < s <= self.n]
        self.oversize_from = oversize_from
        self.cost_fn = cost_fn
        self.tw = travel_weight
        self.ww = worst_weight
        self.B = board_matrix.astype(float)
        self.partners: list[list[int]] = [[] for _ in range(self.n)]
        for a, b in together:
            self.partners[a].append(b)
            self.partners[b].append(a)
        self.apart = np.zeros((self.n, self.n), dtype=bool)
        for a, b in apart:
            self.apart[a, b] = self.apart[b, a] = True
        self._max_groups = max_groups if max_groups is not None else self.n // min(self.sizes)
        self.nodes = 0
        self.work = [0, 0, 0]
        """Counted work of the searches (array cells, array steps, exact costings x size²),
        charged to the clock as :data:`PAIRWISE_WORK` seconds."""

    def tag(self, size: int) -> int:
        """1 for an oversize group."""
        return 1 if size >= self.oversize_from else 0

    @property
    def distance(self) -> np.ndarray:
        """Travel both ways between two items."""
        return self.D

    def restrict(
        self, items: Sequence[int], groups: Sequence[Column]
    ) -> tuple[PairwisePricer, list[SideRow]]:
        """The sub-problem on ``items``: as many groups (and oversize groups) as ``groups``."""
        items = list(items)
        where = {item: pos for pos, item in enumerate(items)}
        cost_fn = self.cost_fn

        def sub_cost(members: tuple[int, ...]) -> int:
            return cost_fn(tuple(sorted(items[i] for i in members)))

        together = [
            (where[a], where[b]) for a in items for b in self.partners[a] if b in where and a < b
        ]
        apart = [
            (where[a], where[b])
            for a in items
            for b in np.flatnonzero(self.apart[a]).tolist()
            if b in where and a < b
        ]
        sub = PairwisePricer(
            self.T[np.ix_(items, items)].astype(np.int64),
            self.sizes,
            self.oversize_from,
            sub_cost,
            self.tw,
            self.ww,
            self.B[np.ix_(items, items)],
            together=together,
            apart=apart,
            max_groups=len(groups),
            worst_per_school=self.worst_per_school,
        )
        big = sum(len(g.members) >= self.oversize_from for g in groups)
        rows = [SideRow("groups", len(groups), len(groups), lambda size, tag: 1)]
        if big:
            rows.append(SideRow("oversize", 0, big, lambda size, tag: tag))
        return sub, rows

    def column_of(self, members: Sequence[int], tag: int, where: dict[int, int]) -> Column:
        """The column of local ``members``."""
        return self.column(members)

    def lift(self, column: Column, items: Sequence[int]) -> Column:
        """A sub-problem's column in this problem's indices."""
        return self.column([items[i] for i in column.members])

    def max_groups(self) -> int:
        """At most n / smallest size groups."""
        return self._max_groups

    def column(self, members: Sequence[int]) -> Column:
        """The column of a group (sorted members, exact cost, oversize tag)."""
        m = tuple(sorted(members))
        return Column(m, self.cost_fn(m), self.tag(len(m)))

    def trivial_bound(self) -> float:
        """Every school pays at least its cheapest possible average travel (no worst term)."""
        total = 0.0
        for i in range(self.n):
            row = np.sort(np.delete(self.T[i], i))
            total += min(
                self.tw * 60.0 / s * float(row[: s - 1].sum()) - 0.5 * self.tw for s in self.sizes
            )
        board_min = min(0.0, float(self.B.min())) * self.n
        return total + board_min

    def enumerate(
        self,
        pi: np.ndarray,
        offset: Callable[[int, int], float],
        threshold: float,
        limit: int,
        deadline: float,
        neighbours: int | None = None,
        penalty: CutPenalty | None = None,
        enough: int | None = None,
    ) -> Enumeration:
        """Every group with reduced cost <= ``threshold`` (the best ``limit`` of them).

        Exact unless ``neighbours`` is given: then only groups inside the first member's
        ``neighbours`` nearest items are searched (a fast heuristic for column generation).
        """
        out = _Collector(threshold, limit, enough)
        complete = True
        cuts = None
        if penalty is not None:
            cuts = (penalty, penalty.incidence(self.n), penalty.pair_share(self.n))
        for s in self.sizes:
            if not self._enumerate_size(
                s, pi, offset(s, self.tag(s)), out, deadline, neighbours, cuts
            ):
                complete = False
                break
        return out.result(complete and neighbours is None)

    MAX_CELLS = 1_500_000
    """Largest frontier (nodes x candidates) processed at once; larger ones are split."""

    def _enumerate_size(
        self,
        s: int,
        pi: np.ndarray,
        off: float,
        out: _Collector,
        deadline: float,
        neighbours: int | None,
        cuts: tuple[CutPenalty, np.ndarray, np.ndarray] | None = None,
    ) -> bool:
        """Branch and bound over groups of size ``s``, breadth-first and vectorised.

        Every group has an *anchor*: its smallest index (exact mode), or a member whose
        ``neighbours`` nearest items hold the rest (heuristic mode). Each anchor gets a
        small local problem (item 0 the anchor, then its candidates), stacked with the
        other anchors of similar candidate count so that one depth of the search over all
        of them is a few array operations. A node is a set S of chosen members with, per
        candidate j, ``delta[j]`` = pair costs of j with S minus j's dual (inf once j can
        no longer join). Lower bound of a completion by r more members: the r smallest
        ``delta[j] + ½ (r-1 smallest pair costs of j among the anchor's candidates)`` plus
        the worst term of the members' rows completed by their r nearest candidates. A
        candidate that cannot be part of any completion below the threshold is dropped;
        at the anchor the local problem is rebuilt from the survivors (tighter pair
        bounds). The last depth evaluates every completion; a group that passes is costed
        exactly with ``cost_fn``.
        """
        n = self.n
        if s == 1:
            for a in range(n):
                col = self.column([a])
                out.add(col.cost - float(pi[a]) - off, col)
            return True
        per = s if self.worst_per_school else 1  # times a group's worst counts
        cw = self.ww * 60.0 / s * per
        slack = 0.0 if 60 % s == 0 else 0.5 * (self.tw + self.ww * per)
        P = (self.tw * 60.0 / s) * self.D + self.B  # pair cost: D = t(a->b) + t(b->a)
        if cuts is not None:
            P = P + cuts[2]  # a third of each cut's dual on its pairs (a lower bound)
        Bfull = self.B
        tw, ww = self.tw, self.ww
        T = self.T
        inf = math.inf
        const = -off - slack
        partners = self.partners
        has_partners = any(partners)
        r0 = s - 1

        # ---- candidates per anchor, then the cheap root filter (delta alone)
        if neighbours is None:
            allowed = np.triu(np.ones((n, n), dtype=bool), k=1)
            if has_partners:
                skip = np.array([any(p < a for p in partners[a]) for a in range(n)], dtype=bool)
                allowed[skip] = False
        else:
            order = np.argsort(self.D + np.diag(np.full(n, inf)), axis=1, kind="stable")
            allowed = np.zeros((n, n), dtype=bool)
            allowed[np.arange(n)[:, None], order[:, : min(neighbours, n - 1)]] = True
        allowed &= ~self.apart
        np.fill_diagonal(allowed, False)
        delta0 = np.where(allowed, P - pi[None, :], inf)
        # the newcomers' pairs among themselves are not in delta0; they can only lower a
        # group's cost when some pair cost is negative (same-board pairs under 'together'),
        # so the root filter then allows for the most they could take off
        cheapest_pair = float(np.min(P + np.diag(np.full(n, inf)))) if n > 1 else 0.0
        base0 = -pi + const + min(0.0, cheapest_pair) * r0 * (r0 - 1) / 2
        thr = out.current()
        part = np.partition(delta0, r0 - 1, axis=1)[:, :r0]
        ok = np.isfinite(part).all(axis=1)
        part = np.where(ok[:, None], part, 0.0)
        ok &= base0 + part.sum(axis=1) <= thr
        rest = np.where(ok, part.sum(axis=1) - part.max(axis=1), inf)
        allowed &= delta0 <= (thr - base0 - rest)[:, None] + TOL
        allowed[~ok] = False
        cand_lists = {
            int(a): np.flatnonzero(allowed[a]) for a in range(n) if allowed[a].sum() >= r0
        }
        nodes = 0
        counted = [n * n * (r0 + 4), 1 + n // 8, 0]  # the root filter, not yet charged

        def tick(cells: int, steps: int = 1, costings: int = 0) -> None:
            counted[0] += cells
            counted[1] += steps
            counted[2] += costings

        def spent() -> bool:
            """Charge the work counted so far to the clock; True once past the deadline."""
            charge_work(self.work, counted, PAIRWISE_WORK)
            return clock.now() > deadline

        def build(anchors: list[int], lists: dict[int, np.ndarray]) -> dict[str, np.ndarray]:
            """Stacked local problems of ``anchors`` (padded to the largest list)."""
            c = max(lists[a].size for a in anchors)
            B = len(anchors)
            tick(B * (c + 1) * (c + 1) * (s + 4), 2 + B // 8)
            loc = np.zeros((B, c + 1), dtype=np.int64)
            real = np.zeros((B, c + 1), dtype=bool)
            for b, a in enumerate(anchors):
                k = lists[a].size
                loc[b, 0] = a
                loc[b, 1 : k + 1] = lists[a]
                real[b, : k + 1] = True
            both = real[:, :, None] & real[:, None, :]
            Pl = np.where(both, P[loc[:, :, None], loc[:, None, :]], 0.0)
            Tl = np.where(both, T[loc[:, :, None], loc[:, None, :]], 0.0)
            Bl = np.where(both, Bfull[loc[:, :, None], loc[:, None, :]], 0.0)
            apart = self.apart[loc[:, :, None], loc[:, None, :]] | ~both
            pair_cum = np.zeros((B, c + 1, s))
            if s >= 3 and c >= 2:
                Q = np.where(both, Pl, inf)[:, 1:, 1:]
                diag = np.arange(c)
                Q[:, diag, diag] = inf
                k = min(s - 2, c - 1)
                smallest = np.sort(np.partition(Q, k - 1, axis=2)[:, :, :k], axis=2)
                smallest = np.where(np.isfinite(smallest), smallest, 0.0)
                pair_cum[:, 1:, 1 : k + 1] = np.cumsum(smallest, axis=2)
                pair_cum[:, 1:, k + 1 :] = pair_cum[:, 1:, k : k + 1]
            # row_cum[b, j, q]: the q shortest trips from candidate j to other candidates
            row_cum = np.zeros((B, c + 1, s))
            if s >= 3 and c >= 2 and cw > 0:
                R = np.where(both, Tl, inf)[:, 1:, 1:]
                diag = np.arange(c)
                R[:, diag, diag] = inf
                k = min(s - 2, c - 1)
                shortest = np.sort(np.partition(R, k - 1, axis=2)[:, :, :k], axis=2)
                shortest = np.where(np.isfinite(shortest), shortest, 0.0)
                row_cum[:, 1:, 1 : k + 1] = np.cumsum(shortest, axis=2)
                row_cum[:, 1:, k + 1 :] = row_cum[:, 1:, k : k + 1]
            delta = np.where(real, Pl[:, 0, :] - pi[loc], inf)
            delta[:, 0] = inf
            return {
                "loc": loc,
                "P": Pl,
                "T": Tl,
                "B": Bl,
                "pi": pi[loc],
                "apart": apart,
                "pair_cum": pair_cum,
                "row_cum": row_cum,
                "delta": delta,
                "aval": -pi[loc[:, 0]],
            }

        def prune(
            L: dict[str, np.ndarray],
            slot: np.ndarray,
            members: np.ndarray,
            aval: np.ndarray,
            delta: np.ndarray,
            rows: np.ndarray,
        ) -> tuple[np.ndarray, np.ndarray]:
            """(alive nodes, viable candidates per alive node) under the threshold."""
            F, m = members.shape
            r = s - m
            finite = np.isfinite(delta)
            enough = finite.sum(axis=1) >= r  # otherwise the node cannot be completed
            worst = np.zeros(F)
            Tl = L["T"]
            for q in range(m):
                row_q = np.where(finite, Tl[slot, members[:, q]], inf)
                low_q = np.partition(row_q, r - 1, axis=1)[:, :r].sum(axis=1)
                worst = np.maximum(worst, rows[:, q] + np.where(enough, low_q, 0.0))
            # each newcomer's own row: its trips to the members and to r-1 other newcomers;
            # the r newcomers' largest row is at least the r-th smallest of these bounds
            own = np.zeros(delta.shape)
            if cw > 0:
                for q in range(m):
                    own += Tl[slot, :, members[:, q]]
                own += L["row_cum"][slot, :, r - 1]
                own = np.where(finite, own, inf)
                newest = np.partition(own, r - 1, axis=1)[:, r - 1]
                worst = np.maximum(worst, np.where(enough, newest, 0.0))
            eff = delta + 0.5 * L["pair_cum"][slot, :, r - 1]
            part = np.partition(eff, r - 1, axis=1)[:, :r]
            part = np.where(enough[:, None], part, 0.0)
            base = aval + const + cw * worst
            thr = out.current()
            total = part.sum(axis=1)
            alive = enough & (base + total <= thr)
            rest = total[alive] - part[alive].max(axis=1)
            # a candidate's own row also bounds the worst term of any group holding it
            worst_with = cw * np.maximum(worst[alive][:, None], own[alive]) if cw > 0 else 0.0
            viable = eff[alive] + worst_with <= (thr - (aval + const)[alive] - rest)[:, None] + TOL
            return alive, viable

        def leaves(
            L: dict[str, np.ndarray],
            slot: np.ndarray,
            members: np.ndarray,
            aval: np.ndarray,
            delta: np.ndarray,
            rows: np.ndarray,
            bsum: np.ndarray,
            pisum: np.ndarray,
        ) -> None:
            """Every completion of every node by one candidate, costed exactly in bulk."""
            m = members.shape[1]
            Tl, Bl = L["T"], L["B"]
            grown_max = np.full(delta.shape, -inf)
            grow = np.zeros(delta.shape)
            own = np.zeros(delta.shape)
            board = np.zeros(delta.shape)
            for q in range(m):
                mq = members[:, q]
                tq = Tl[slot, mq]
                grown_max = np.maximum(grown_max, rows[:, q : q + 1] + tq)
                grow += tq
                own += Tl[slot, :, mq]
                board += Bl[slot, mq]
            maxrow = np.maximum(grown_max, own)
            lower = aval[:, None] + delta + cw * maxrow + const
            hit_f, hit_j = np.nonzero(lower <= out.current() + TOL)
            if hit_f.size == 0:
                return
            # exact integer cost (the objective module's formula, vectorised)
            total = (rows.sum(axis=1)[hit_f] + grow[hit_f, hit_j] + own[hit_f, hit_j]).astype(
                np.int64
            )
            worst_row = maxrow[hit_f, hit_j].astype(np.int64)
            travel_s = (120 * total + s) // (2 * s)
            worst_s = (120 * worst_row + s) // (2 * s)
            cost = tw * travel_s + ww * per * worst_s + (bsum[hit_f] + board[hit_f, hit_j])
            rc = cost - (pisum[hit_f] + L["pi"][slot[hit_f], hit_j]) - off
            keep = rc <= out.current() + TOL
            hit_f, hit_j, rc = hit_f[keep], hit_j[keep], rc[keep]
            if hit_f.size == 0:
                return
            loc = L["loc"]
            groups = np.concatenate(
                [
                    loc[slot[hit_f][:, None], members[hit_f]],
                    loc[slot[hit_f], hit_j][:, None],
                ],
                axis=1,
            )
            if cuts is not None:
                incidence, weights = cuts[1], cuts[0].weights
                hits = incidence[groups].sum(axis=1)
                rc = rc + ((hits >= 2) * weights[None, :]).sum(axis=1)
                keep = rc <= out.current() + TOL
                groups, rc = groups[keep], rc[keep]
            if has_partners:
                ok = [
                    all(p in set(g.tolist()) for x in g.tolist() for p in partners[x])
                    for g in groups
                ]
                groups, rc = groups[np.array(ok, dtype=bool)], rc[np.array(ok, dtype=bool)]
            if rc.size > out.limit:
                best_k = np.argpartition(rc, out.limit - 1)[: out.limit]
                groups, rc = groups[best_k], rc[best_k]
            tick(0, 0, int(rc.size) * s * s)
            for h in np.argsort(rc, kind="stable"):
                group = groups[h].tolist()
                col = self.column(group)  # the objective module's exact cost
                exact = col.cost - float(pi[group].sum()) - off
                if cuts is not None:
                    exact += cuts[0](group)
                out.add(exact, col)

        def level(
            L: dict[str, np.ndarray],
            slot: np.ndarray,
            members: np.ndarray,
            aval: np.ndarray,
            delta: np.ndarray,
            rows: np.ndarray,
            bsum: np.ndarray,
            pisum: np.ndarray,
        ) -> bool:
            """One depth of the search for all ``slot``-indexed nodes (then the next)."""
            nonlocal nodes
            F = members.shape[0]
            if F == 0:
                return True
            if F * delta.shape[1] > self.MAX_CELLS and F > 1:
                h = F // 2
                first = (slot[:h], members[:h], aval[:h], delta[:h], rows[:h], bsum[:h])
                second = (slot[h:], members[h:], aval[h:], delta[h:], rows[h:], bsum[h:])
                return level(L, *first, pisum[:h]) and level(L, *second, pisum[h:])
            tick(F * delta.shape[1] * (members.shape[1] + 4))
            if out.full or spent():
                return False
            nodes += F
            r = s - members.shape[1]
            if r == 1:
                leaves(L, slot, members, aval, delta, rows, bsum, pisum)
                return True
            alive, viable = prune(L, slot, members, aval, delta, rows)
            if not alive.any():
                return True
            slot, members, aval, rows = slot[alive], members[alive], aval[alive], rows[alive]
            bsum, pisum = bsum[alive], pisum[alive]
            delta = np.where(viable, delta[alive], inf)
            # children: (node, viable j) with at least r - 1 viable candidates above j
            above = np.cumsum(viable[:, ::-1], axis=1)[:, ::-1] - viable
            f_idx, j_idx = np.nonzero(viable & (above >= r - 1))
            if f_idx.size == 0:
                return True
            tick(int(f_idx.size) * delta.shape[1] * 3, 0)
            cslot = slot[f_idx]
            child_delta = delta[f_idx] + L["P"][cslot, j_idx]
            width = delta.shape[1]
            child_delta[np.arange(width)[None, :] <= j_idx[:, None]] = inf
            child_delta[L["apart"][cslot, j_idx]] = inf
            child_aval = aval[f_idx] + delta[f_idx, j_idx]
            parent = members[f_idx]
            Tl = L["T"]
            child_rows = np.concatenate(
                [
                    rows[f_idx] + Tl[cslot[:, None], parent, j_idx[:, None]],
                    Tl[cslot[:, None], j_idx[:, None], parent].sum(axis=1, keepdims=True),
                ],
                axis=1,
            )
            child_bsum = bsum[f_idx] + L["B"][cslot[:, None], parent, j_idx[:, None]].sum(axis=1)
            child_pisum = pisum[f_idx] + L["pi"][cslot, j_idx]
            child_members = np.concatenate([parent, j_idx[:, None]], axis=1)
            return level(
                L,
                cslot,
                child_members,
                child_aval,
                child_delta,
                child_rows,
                child_bsum,
                child_pisum,
            )

        def buckets(lists: dict[int, np.ndarray]) -> list[list[int]]:
            """Anchors grouped by candidate count (powers of two), in anchor order."""
            groups: dict[int, list[int]] = {}
            for a in sorted(lists):
                size = lists[a].size
                groups.setdefault(1 << max(2, (size - 1).bit_length()), []).append(a)
            return [groups[k] for k in sorted(groups)]

        try:
            # anchors: strong root filter, rebuild from the survivors, then search
            survivors: dict[int, np.ndarray] = {}
            for group in buckets(cand_lists):
                if out.full or spent():
                    return False
                L = build(group, cand_lists)
                B = len(group)
                slot = np.arange(B)
                alive, viable = prune(
                    L,
                    slot,
                    np.zeros((B, 1), dtype=np.int64),
                    L["aval"],
                    L["delta"],
                    np.zeros((B, 1)),
                )
                for b, keep in zip(np.flatnonzero(alive), viable, strict=True):
                    chosen = L["loc"][b, 1:][keep[1:]]
                    chosen = chosen[np.isin(chosen, cand_lists[group[b]])]
                    if chosen.size >= r0:
                        survivors[group[b]] = np.sort(chosen)
            for group in buckets(survivors):
                if out.full or spent():
                    return False
                L = build(group, survivors)
                B = len(group)
                if not level(
                    L,
                    np.arange(B),
                    np.zeros((B, 1), dtype=np.int64),
                    L["aval"],
                    L["delta"],
                    np.zeros((B, 1)),
                    np.zeros(B),
                    L["pi"][:, 0].copy(),
                ):
                    return False
            return True
        finally:
            self.nodes += nodes
            charge_work(self.work, counted, PAIRWISE_WORK)


class MedianPricer:
    """Groups around a median with a capacity (capacitated p-median).

    A group is a median ``m`` (its tag) and the items assigned to it, ``m`` included; its
    cost is ``Σ dist[i, m]`` and the demands of its members sum to at most ``capacity``.
    """

    def __init__(self, dist: np.ndarray, demand: Sequence[int], capacity: int, p: int) -> None:
        self.n = int(dist.shape[0])
        self.dist = np.asarray(dist, dtype=np.int64)
        self.demand = np.asarray(demand, dtype=np.int64)
        self.capacity = int(capacity)
        self.p = p
        self.nodes = 0
        self.work = [0, 0, 0]
        """Counted work (nodes, suffix-table cells, medians): :data:`MEDIAN_WORK`."""

    def max_groups(self) -> int:
        """Exactly p groups."""
        return self.p

    @property
    def distance(self) -> np.ndarray:
        """Distance both ways between two points."""
        return (self.dist + self.dist.T).astype(float)

    def restrict(
        self, items: Sequence[int], groups: Sequence[Column]
    ) -> tuple[MedianPricer, list[SideRow]]:
        """The sub-problem on ``items``: as many medians as ``groups`` have."""
        items = list(items)
        sub = MedianPricer(
            self.dist[np.ix_(items, items)],
            self.demand[items].tolist(),
            self.capacity,
            len(groups),
        )
        return sub, [SideRow("medians", len(groups), len(groups), lambda size, tag: 1)]

    def column_of(self, members: Sequence[int], tag: int, where: dict[int, int]) -> Column:
        """The column of local ``members`` around the local median of ``tag``."""
        return self.column(where[tag], members)

    def lift(self, column: Column, items: Sequence[int]) -> Column:
        """A sub-problem's column in this problem's indices."""
        return self.column(items[column.tag], [items[i] for i in column.members])

    def column(self, median: int, members: Sequence[int]) -> Column:
        """The column of ``median`` serving ``members`` (median included)."""
        m = tuple(sorted(set(members) | {median}))
        return Column(m, int(self.dist[list(m), median].sum()), median)

    def pool(self) -> list[Column]:
        """Seed groups: every point as a median with its nearest points up to capacity."""
        cols = {}
        for m in range(self.n):
            room = self.capacity - int(self.demand[m])
            chosen = []
            for i in np.argsort(self.dist[:, m], kind="stable"):
                i = int(i)
                if i != m and self.demand[i] <= room:
                    chosen.append(i)
                    room -= int(self.demand[i])
            col = self.column(m, chosen)
            cols[col.key] = col
        return list(cols.values())

    def start(self, time_limit: float, seed: int = 0) -> list[Column] | None:
        """A feasible assignment from a compact CP-SAT model (the engine's incumbent):
        ``open[m]`` median m is open, ``x[i,m]`` point i is served by m."""
        n = self.n
        model = cp_model.CpModel()
        opened = [model.new_bool_var(f"open[m={m}]") for m in range(n)]
        x = {(i, m): model.new_bool_var(f"x[i={i},m={m}]") for i in range(n) for m in range(n)}
        for i in range(n):
            model.add_exactly_one(x[i, m] for m in range(n))
        for m in range(n):
            model.add(x[m, m] == opened[m])  # a median serves itself
            load = sum(int(self.demand[i]) * x[i, m] for i in range(n))
            model.add(load <= self.capacity * opened[m])
        model.add(sum(opened) == self.p)
        model.minimize(sum(int(self.dist[i, m]) * x[i, m] for i in range(n) for m in range(n)))
        run = run_cpsat(model, time_limit=time_limit, workers=1, seed=seed)
        if not run.has_solution:
            return None
        groups = []
        for m in range(n):
            if run.solver.value(opened[m]):
                groups.append(self.column(m, [i for i in range(n) if run.solver.value(x[i, m])]))
        return groups

    def trivial_bound(self) -> float:
        """Every item assigned to its nearest other point, except p of them (medians)."""
        d = self.dist.astype(float) + np.eye(self.n) * 1e18
        nearest = np.sort(d.min(axis=1))
        return float(nearest[: self.n - self.p].sum())

    def enumerate(
        self,
        pi: np.ndarray,
        offset: Callable[[int, int], float],
        threshold: float,
        limit: int,
        deadline: float,
        neighbours: int | None = None,
        penalty: CutPenalty | None = None,
        enough: int | None = None,
    ) -> Enumeration:
        """Per median, every set of points it can serve with reduced cost <= threshold.

        For a median m the reduced cost of serving the set S is
        ``-pi[m] - offset + Σ_{i in S} (dist[i, m] - pi[i])`` under the knapsack
        ``Σ demand <= capacity - demand[m]``. A suffix table (least value of any subset of
        the items from k on within capacity c, by dynamic programming over capacities)
        bounds every completion exactly, so the search visits only sets that lead to a
        listed group. With ``neighbours``, only the median's nearest points are tried.
        """
        out = _Collector(threshold, limit, enough)
        nodes = 0
        inf = math.inf
        counted = [0, 0, 0]

        def spent() -> bool:
            """Charge the work counted so far to the clock; True once past the deadline."""
            charge_work(self.work, counted, MEDIAN_WORK)
            return clock.now() > deadline

        for m in range(self.n):
            counted[2] += 1
            if out.full or spent():
                self.nodes += nodes
                return out.result(False)
            base = -float(pi[m]) - offset(1, m)
            cap = self.capacity - int(self.demand[m])
            if cap < 0:
                continue
            others = np.array(
                [i for i in range(self.n) if i != m and self.demand[i] <= cap], dtype=np.int64
            )
            if neighbours is not None and others.size > neighbours:
                nearest = np.argsort(self.dist[others, m], kind="stable")[:neighbours]
                others = np.sort(others[nearest])
            vals = self.dist[others, m].astype(float) - pi[others]
            if penalty is not None and len(penalty.triples):
                # a cut holding the median costs its weight once another of its items
                # joins: half the weight on each of the other two is a lower bound
                hit = (penalty.triples == m).any(axis=1)
                if hit.any():
                    extra = np.zeros(self.n)
                    for triple, w in zip(penalty.triples[hit], penalty.weights[hit], strict=True):
                        for i in triple.tolist():
                            if i != m:
                                extra[i] += w / 2.0
                    vals = vals + extra[others]
            order = np.argsort(vals, kind="stable")
            items, vals = others[order], vals[order]
            dem = self.demand[items].astype(np.int64)
            k_count = items.size
            counted[1] += (k_count + 1) * (cap + 1) + 4 * others.size
            # suffix[k, c]: least sum of vals over subsets of items k.. with demand <= c
            suffix = np.zeros((k_count + 1, cap + 1))
            for k in range(k_count - 1, -1, -1):
                row = suffix[k + 1].copy()
                d = int(dem[k])
                if d <= cap:
                    take = np.full(cap + 1, inf)
                    take[d:] = vals[k] + suffix[k + 1, : cap + 1 - d]
                    row = np.minimum(row, take)
                suffix[k] = row
            if base + suffix[0, cap] > out.current():
                continue
            chosen: list[int] = []

            def rec(
                start: int,
                room: int,
                acc: float,
                m: int = m,
                items: np.ndarray = items,
                vals: np.ndarray = vals,
                dem: np.ndarray = dem,
                suffix: np.ndarray = suffix,
                chosen: list[int] = chosen,
            ) -> bool:
                nonlocal nodes
                nodes += 1
                counted[0] += 1
                if out.full or (nodes % 256 == 0 and spent()):
                    return False
                if acc <= out.current() + TOL:
                    group = [m, *(int(items[i]) for i in chosen)]
                    value = acc + (penalty(group) if penalty else 0.0)
                    if value <= out.current() + TOL:
                        out.add(value, self.column(m, group))
                if start >= items.size:
                    return True
                js = np.arange(start, items.size)
                fits = dem[js] <= room
                js = js[fits]
                if js.size == 0:
                    return True
                after = suffix[js + 1, room - dem[js]]
                bound = acc + vals[js] + after
                for j in js[bound <= out.current() + TOL].tolist():
                    chosen.append(j)
                    ok = rec(j + 1, room - int(dem[j]), acc + float(vals[j]))
                    chosen.pop()
                    if not ok:
                        return False
                return True

            if not rec(0, cap, base):
                self.nodes += nodes
                charge_work(self.work, counted, MEDIAN_WORK)
                return out.result(False)
        self.nodes += nodes
        charge_work(self.work, counted, MEDIAN_WORK)
        return out.result(neighbours is None)


# --------------------------------------------------------------------------- diversity


def _class_indicator(c: int) -> Callable[[int, int], int]:
    """A side row's coefficient: 1 for a column of class (tag) ``c``."""

    def coef(size: int, tag: int) -> int:
        return 1 if tag == c else 0

    return coef


class DiversityPricer:
    """Pairwise **maximise** mode: groups whose within-group pair weights sum to the most.

    The maximally diverse grouping problem (MDGP) and any "spread them out" composition:
    ``weight[i, j]`` (symmetric, integer) is the diversity of the pair; every group ``g``
    has size bounds ``bounds[g] = (lo, hi)``; maximise the total within-group weight. The
    engine minimises, so a group's column cost is **minus** its weight sum (an exact
    integer) and :func:`solve_grouping`'s bound is minus an upper bound on the diversity.

    Groups with equal bounds are interchangeable: they form a *class* (the column's tag),
    and :meth:`side_rows` asks for exactly as many groups of each class as there are
    labels with those bounds (one class when all groups have the same bounds). A solution
    maps back to group labels by :meth:`labels`.

    Pricing is exact (every group of every allowed size, vectorised) while the number of
    candidate groups is at most ``exact_limit``; beyond that, and whenever
    ``neighbours`` is given, a greedy build plus swap search from every item (a heuristic:
    the LP bound is then not proven and the engine falls back to :meth:`trivial_bound`).
    Subset-row cuts are not supported (call :func:`solve_grouping` with ``cut_rounds=0``).
    Large instances are improved by :func:`improve_diversity_by_swaps`.
    """

    def __init__(
        self,
        weight: np.ndarray,
        bounds: Sequence[tuple[int, int]],
        exact_limit: int = 2_000_000,
        classes: Sequence[tuple[int, int]] | None = None,
    ) -> None:
        self.W = np.asarray(weight, dtype=np.int64).copy()
        np.fill_diagonal(self.W, 0)
        self.n = int(self.W.shape[0])
        self.bounds = [(int(lo), int(hi)) for lo, hi in bounds]
        # ``classes`` lets a sub-problem share its parent's tags (LNS)
        self.classes: list[tuple[int, int]] = (
            list(classes) if classes is not None else sorted(set(self.bounds))
        )
        self.class_count = [self.bounds.count(c) for c in self.classes]
        self.exact_limit = exact_limit
        self.nodes = 0
        self.work = [0, 0]
        """Counted work (array cells, array steps): :data:`DIVERSITY_WORK`."""

    # -- the model
    def side_rows(self) -> list[SideRow]:
        """Exactly as many groups of each class as there are labels with its bounds."""
        return [
            SideRow(f"class[{c}]", k, k, _class_indicator(c))
            for c, k in enumerate(self.class_count)
        ]

    def classes_of(self, size: int) -> list[int]:
        """The classes whose bounds admit ``size``."""
        return [
            c for c, (lo, hi) in enumerate(self.classes) if lo <= size <= hi and self.class_count[c]
        ]

    def sizes(self) -> list[int]:
        """Every size some class in use admits."""
        return sorted(
            {
                s
                for (lo, hi), k in zip(self.classes, self.class_count, strict=True)
                if k
                for s in range(max(1, lo), hi + 1)
            }
        )

    def weight_of(self, members: Sequence[int]) -> int:
        """The group's within-group weight sum."""
        idx = np.asarray(members, dtype=np.int64)
        return int(self.W[np.ix_(idx, idx)].sum()) // 2

    def column(self, members: Sequence[int], tag: int) -> Column:
        """The column of a group of class ``tag`` (cost = minus its weight)."""
        m = tuple(sorted(int(i) for i in members))
        return Column(m, -self.weight_of(m), tag)

    def labels(self, columns: Sequence[Column]) -> list[int]:
        """Group label per item: each class's columns take that class's labels in order."""
        free: dict[int, list[int]] = {}
        for g, b in enumerate(self.bounds):
            free.setdefault(self.classes.index(b), []).append(g)
        out = [-1] * self.n
        for col in columns:
            g = free[col.tag].pop(0)
            for i in col.members:
                out[i] = g
        return out

    # -- the Pricer protocol
    def max_groups(self) -> int:
        """Exactly one group per label."""
        return len(self.bounds)

    def trivial_bound(self) -> float:
        """Every item gains at most its ``hi-1`` largest positive weights (each pair counted
        from both ends, hence the half): minus that is a lower bound on the cost."""
        hi = max(h for (_, h), k in zip(self.classes, self.class_count, strict=True) if k)
        W = np.where(np.eye(self.n, dtype=bool), 0, np.maximum(self.W, 0)).astype(float)
        top = -np.sort(-W, axis=1)[:, : max(0, hi - 1)]
        return -0.5 * float(top.sum())

    @property
    def distance(self) -> np.ndarray:
        """Items of high mutual weight belong together: ``max W - W`` as a distance."""
        return (float(self.W.max()) - self.W).astype(float)

    def restrict(
        self, items: Sequence[int], groups: Sequence[Column]
    ) -> tuple[DiversityPricer, list[SideRow]]:
        """The sub-problem on ``items`` with the classes of ``groups``."""
        items = list(items)
        bounds = [self.classes[g.tag] for g in groups]
        sub = DiversityPricer(
            self.W[np.ix_(items, items)], bounds, self.exact_limit, classes=self.classes
        )
        return sub, sub.side_rows()

    def column_of(self, members: Sequence[int], tag: int, where: dict[int, int]) -> Column:
        """The sub-problem's column of local ``members`` (classes are shared)."""
        return self.column(members, tag)

    def lift(self, column: Column, items: Sequence[int]) -> Column:
        """A sub-problem's column in this problem's indices."""
        return self.column([items[i] for i in column.members], column.tag)

    def candidate_count(self) -> int:
        """How many groups exact pricing would have to consider."""
        return sum(math.comb(self.n, s) for s in self.sizes())

    def enumerate(
        self,
        pi: np.ndarray,
        offset: Callable[[int, int], float],
        threshold: float,
        limit: int,
        deadline: float,
        neighbours: int | None = None,
        penalty: CutPenalty | None = None,
        enough: int | None = None,
    ) -> Enumeration:
        """Groups of reduced cost ``-weight - Σπ - offset`` at most ``threshold``."""
        out = _Collector(threshold, limit, enough)
        if neighbours is None and self.candidate_count() <= self.exact_limit:
            complete = self._exact(pi, offset, out, deadline)
            return out.result(complete)
        self._heuristic(pi, offset, out, deadline)
        return out.result(False)

    def _exact(
        self, pi: np.ndarray, offset: Callable[[int, int], float], out: _Collector, deadline: float
    ) -> bool:
        W = self.W.astype(float)
        for s in self.sizes():
            tags = self.classes_of(s)
            combos = itertools.combinations(range(self.n), s)
            while True:
                chunk = np.array(list(itertools.islice(combos, 100_000)), dtype=np.int64)
                if chunk.size == 0:
                    break
                rows = chunk.size // s
                charge_work(
                    self.work, [rows * (s * s + 2 * s + 2 * len(tags)), 4 + s * s], DIVERSITY_WORK
                )
                if clock.now() > deadline:
                    return False
                chunk = chunk.reshape(-1, s)
                self.nodes += len(chunk)
                value = np.zeros(len(chunk))
                for a in range(s):
                    value += pi[chunk[:, a]]
                    for b in range(a + 1, s):
                        value += W[chunk[:, a], chunk[:, b]]
                for tag in tags:
                    rc = -value - offset(s, tag)
                    for k in np.flatnonzero(rc <= out.current() + TOL).tolist():
                        out.add(float(rc[k]), self.column(chunk[k].tolist(), tag))
        return True

    def _heuristic(
        self, pi: np.ndarray, offset: Callable[[int, int], float], out: _Collector, deadline: float
    ) -> None:
        """From every item and class: grow the group by the best gain (weight to the group
        plus the item's dual), keep the best size within the bounds, then swap members
        with outsiders while that helps."""
        W = self.W.astype(float)
        n = self.n
        for tag, (lo, hi) in enumerate(self.classes):
            if not self.class_count[tag]:
                continue
            for a in range(n):
                counted = [n * hi * (4 + 2 * hi), 8 + 6 * hi]
                charge_work(self.work, counted, DIVERSITY_WORK)
                if clock.now() > deadline:
                    return
                inside = np.zeros(n, dtype=bool)
                inside[a] = True
                gain = W[a] + pi
                value = float(pi[a])
                best: tuple[float, np.ndarray] | None = None
                for size in range(2, hi + 1):
                    g = np.where(inside, -math.inf, gain)
                    j = int(np.argmax(g))
                    value += float(g[j])
                    inside[j] = True
                    gain = gain + W[j]
                    if size >= lo and (best is None or value - offset(size, tag) > best[0]):
                        best = (value - offset(size, tag), inside.copy())
                if best is None:
                    continue
                members = best[1]
                link = W[:, members].sum(axis=1)
                for _ in range(2 * hi):
                    ins, outs = np.flatnonzero(members), np.flatnonzero(~members)
                    if outs.size == 0:
                        break
                    # swap i (inside) for o (outside): o's link without i, minus i's link
                    delta = (
                        (link[outs] + pi[outs])[None, :]
                        - W[np.ix_(ins, outs)]
                        - (link[ins] + pi[ins])[:, None]
                    )
                    k = int(np.argmax(delta))
                    if delta.flat[k] <= TOL:
                        break
                    i, o = int(ins[k // outs.size]), int(outs[k % outs.size])
                    members[i], members[o] = False, True
                    link += W[:, o] - W[:, i]
                    self.nodes += 1
                group = np.flatnonzero(members).tolist()
                col = self.column(group, tag)
                rc = col.cost - float(pi[group].sum()) - offset(len(group), tag)
                out.add(rc, col)


def improve_diversity_by_swaps(
    pricer: DiversityPricer,
    columns: list[Column],
    until: float,
    seed: int = 0,
    perturb: int = 3,
) -> tuple[list[Column], int]:
    """Iterated local search for the maximise mode (groups too large for the exact LNS).

    Moves (one item to another group, sizes permitting) and swaps (two items of two
    groups), best improvement first, to a local optimum; then ``perturb`` random swaps and
    again, keeping the best partition, until ``until``. Classes and size bounds always
    hold. Returns the best columns and the number of improving steps.
    """
    import random

    rng = random.Random(seed)
    W = pricer.W.astype(float)
    n = pricer.n
    group = np.full(n, -1, dtype=np.int64)
    tags = [c.tag for c in columns]
    for k, col in enumerate(columns):
        group[list(col.members)] = k
    if (group < 0).any():
        raise ValueError("the columns do not cover every item")
    K = len(columns)
    lo = np.array([pricer.classes[t][0] for t in tags])
    hi = np.array([pricer.classes[t][1] for t in tags])

    def total(g: np.ndarray) -> float:
        same = g[:, None] == g[None, :]
        return float((W * same).sum()) / 2

    def descend(g: np.ndarray) -> int:
        steps = 0
        onehot = np.zeros((n, K))
        onehot[np.arange(n), g] = 1
        M = W @ onehot  # M[i, k]: weight of i to group k
        size = onehot.sum(axis=0).astype(np.int64)
        while True:
            charge_work(pricer.work, [n * K * 8 + n * n * 10, 20], DIVERSITY_WORK)
            if clock.now() >= until:
                break
            own = M[np.arange(n), g]
            # moves: i to group k
            move = M - own[:, None]
            movable = (size[g] > lo[g])[:, None] & (size < hi)[None, :]
            move = np.where(movable & (np.arange(K)[None, :] != g[:, None]), move, -math.inf)
            # swaps: i and j of different groups
            swap = M[:, g] - own[:, None] + (M[:, g] - own[:, None]).T - 2 * W
            swap = np.where(g[:, None] != g[None, :], swap, -math.inf)
            mi = int(np.argmax(move))
            si = int(np.argmax(swap))
            best_move, best_swap = move.flat[mi], swap.flat[si]
            if max(best_move, best_swap) <= TOL:
                break
            if best_move >= best_swap:
                i, k = divmod(mi, K)
                old = int(g[i])
                M[:, old] -= W[:, i]
                M[:, k] += W[:, i]
                size[old] -= 1
                size[k] += 1
                g[i] = k
            else:
                i, j = divmod(si, n)
                gi, gj = int(g[i]), int(g[j])
                M[:, gi] += W[:, j] - W[:, i]
                M[:, gj] += W[:, i] - W[:, j]
                g[i], g[j] = gj, gi
            steps += 1
        return steps

    steps = descend(group)
    best, best_value = group.copy(), total(group)
    current = group
    while K > 1:
        charge_work(pricer.work, [n * n * 6 + n * K * 2, 8 + perturb], DIVERSITY_WORK)
        if clock.now() >= until:
            break
        trial = best.copy() if rng.random() < 0.5 else current.copy()
        for _ in range(perturb):
            i, j = rng.randrange(n), rng.randrange(n)
            trial[i], trial[j] = trial[j], trial[i]
        steps += descend(trial)
        value = total(trial)
        current = trial
        if value > best_value + TOL:
            best, best_value = trial.copy(), value
    out = [pricer.column(np.flatnonzero(best == k).tolist(), tags[k]) for k in range(K)]
    return out, steps
