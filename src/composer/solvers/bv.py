"""The BV stage: basisvaardigheden clusters with a coordinator each (B1, B2, B4, B7, B8).

How it plans (issue 4):

1. :func:`composer.bv_rules.bv_layout` selects the eligible schools (B1) and splits them into
   *parts* (one sector of one region, B2); parts whose count cannot be split (B8) get the
   remedy the run allows (``bv.allow_seven``, ``bv.allow_merge``) or are left out, their
   schools listed in ``plan.unplaced`` with rule B8 and the named remedies in the notes.
2. **Coordinator capacity (B4)** couples the parts: a region's coordinators are shared by
   its sectors and a coordinator may work in several regions. Before solving, a max-flow
   decides how many clusters each part may form (:func:`allocate_cluster_caps`); when even
   the fewest clusters exceed the capacity the shortage is reported and the clusters that
   get no coordinator are listed as unplaced (``what="cluster"``, rule B4).
3. Each part is then independent and solved in its own process
   (:func:`composer.parallel.map_tasks`) by the exact set-partitioning engine of
   :mod:`composer.solvers.grouping` in *pairwise* mode: column generation for the LP bound,
   reduced-cost enumeration of every cluster that can still improve, CP-SAT over them.
   Planner wishes (``bv.wishes``: together / apart) are hard; ``bv.board_policy`` is a soft
   term of the objective (:mod:`composer.objective.bv`).
4. Coordinators are assigned by a min-cost flow (travel from a coordinator's home school
   to the cluster's schools when known), within their regions and ``max_groups``.

The objective is :mod:`composer.objective.bv`'s, in whole seconds; the checker recomputes it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from ortools.sat.python import cp_model

from composer import clock
from composer.bv_rules import (
    BvLayout,
    BvPart,
    bv_layout,
    cluster_count_range,
    coordinator_flow,
    coordinator_shortage,
    coordinators,
    unusable_wishes,
    usable_sizes,
    wish_conflicts,
)
from composer.model.plan import Cluster, Plan, StageResult, Status, Unplaced
from composer.objective.bv import BvCostModel, cluster_terms
from composer.parallel import map_tasks
from composer.pipeline import relative_gap
from composer.solvers.cpsat import run_cpsat
from composer.solvers.grouping import (
    Column,
    PairwisePricer,
    SideRow,
    improve_by_lns,
    solve_grouping,
)

if TYPE_CHECKING:
    from composer.model.instance import Instance
    from composer.params import SolveParams
    from composer.pipeline import Progress

STAGE = "bv"


# --------------------------------------------------------------------------- one part


@dataclass(frozen=True)
class PartTask:
    """Everything one part's solve needs, picklable (solved in a worker process)."""

    key: str
    school_ids: tuple[str, ...]
    minutes: tuple[tuple[int, ...], ...]
    boards: tuple[str, ...]
    min_size: int
    max_size: int
    max_oversize: int
    max_clusters: int
    travel_weight: int
    worst_weight: int
    board_weight: int
    board_policy: str
    together: tuple[tuple[int, int], ...] = ()
    worst_per: str = "cluster"
    """``bv.worst_travel_per``: the fairness term counts per cluster or per member school."""
    apart: tuple[tuple[int, int], ...] = ()
    time_limit: float = 10.0
    workers: int = 1
    seed: int = 0
    deadline: float | None = None
    """The :func:`composer.clock.now` reading by which the whole stage must be done
    (``time.time()`` under the wall clock; counted work under a work clock)."""

    @property
    def n(self) -> int:
        """Number of schools."""
        return len(self.school_ids)

    def cost_model(self) -> BvCostModel:
        """The objective's weights and board policy."""
        return BvCostModel(
            self.travel_weight,
            self.worst_weight,
            self.board_weight,
            self.board_policy,
            self.worst_per,
        )

    def sizes(self) -> list[int]:
        """Cluster sizes some plan of this part can use (with the oversize one when
        allowed): under a cap that forces the fewest clusters, the sizes no split into
        that many clusters holds are left out (:func:`usable_sizes`)."""
        fewest, _ = cluster_count_range(self.n, self.min_size, self.max_size, self.max_oversize)
        usable = usable_sizes(
            self.n, self.min_size, self.max_size, self.max_oversize, max(self.max_clusters, fewest)
        )
        top = self.max_size + (1 if self.max_oversize else 0)
        # an unsplittable part (B8, or a search that must prove it has no plan) keeps every size
        return usable or [s for s in range(self.min_size, top + 1) if s <= self.n]


@dataclass
class PartResult:
    """A part's clusters (school ids) and what the solve proved."""

    key: str
    status: Status
    clusters: list[tuple[str, ...]]
    objective: int | None
    bound: int | None
    notes: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)


def size_plan(n: int, low: int, high: int, oversize: int, k: int) -> list[int] | None:
    """Sizes of ``k`` clusters holding ``n`` schools as evenly as possible, or None."""
    if k <= 0:
        return [] if n == 0 else None
    base, extra = divmod(n, k)
    sizes = [base + 1] * extra + [base] * (k - extra)
    if all(low <= s <= high for s in sizes):
        return sizes
    if oversize and k >= 1:
        # one cluster of high + 1, the rest even
        rest = size_plan(n - (high + 1), low, high, 0, k - 1)
        if rest is not None:
            return [high + 1, *rest]
    return None


class _Wishes:
    """Together-blocks and apart pairs of one part, in local indices."""

    def __init__(
        self, n: int, together: Sequence[tuple[int, int]], apart: Sequence[tuple[int, int]]
    ):
        parent = list(range(n))

        def find(a: int) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for a, b in together:
            parent[find(a)] = find(b)
        blocks: dict[int, list[int]] = defaultdict(list)
        for i in range(n):
            blocks[find(i)].append(i)
        self.block_of = {i: tuple(blocks[find(i)]) for i in range(n)}
        self.apart: dict[int, set[int]] = defaultdict(set)
        for a, b in apart:
            self.apart[a].add(b)
            self.apart[b].add(a)

    def valid(self, members: Sequence[int]) -> bool:
        """True when ``members`` holds whole together-blocks and no apart pair."""
        ms = set(members)
        return all(ms.issuperset(self.block_of[m]) and not self.apart[m] & ms for m in members)


def greedy_partition(
    task: PartTask, dist: np.ndarray, wishes: _Wishes
) -> list[tuple[int, ...]] | None:
    """A feasible partition: clusters grown around the most outlying remaining school.

    Uses the most clusters the cap allows (smaller clusters travel less), sizes as even as
    possible; together-blocks move as one, apart pairs are kept apart. None when it fails.
    """
    n = task.n
    low, high = cluster_count_range(n, task.min_size, task.max_size, task.max_oversize)
    for k in range(min(high, task.max_clusters), low - 1, -1):
        sizes = size_plan(n, task.min_size, task.max_size, task.max_oversize, k)
        if sizes is None:
            continue
        remaining = set(range(n))
        clusters: list[tuple[int, ...]] = []
        ok = True
        for size in sorted(sizes, reverse=True):
            rem = sorted(remaining)
            sub = dist[np.ix_(rem, rem)].sum(axis=1)
            seed = rem[int(np.argmax(sub))]
            cluster = list(wishes.block_of[seed])
            if len(cluster) > size:
                ok = False
                break
            while len(cluster) < size:
                best: tuple[float, int] | None = None
                for j in remaining:
                    if j in cluster:
                        continue
                    block = wishes.block_of[j]
                    if len(cluster) + len(block) > size:
                        continue
                    if any(wishes.apart[b] & set(cluster) for b in block):
                        continue
                    cost = float(dist[block, :][:, cluster].sum()) / len(block)
                    if best is None or (cost, j) < best:
                        best = (cost, j)
                if best is None:
                    ok = False
                    break
                cluster.extend(b for b in wishes.block_of[best[1]] if b not in cluster)
            if not ok:
                break
            clusters.append(tuple(sorted(cluster)))
            remaining -= set(cluster)
        if ok and not remaining:
            return clusters
    return None


def cpsat_partition(task: PartTask, time_limit: float) -> tuple[Status, list[tuple[int, ...]]]:
    """A feasible partition from a compact CP-SAT model (used when the greedy fails on
    wishes): ``x[i,k]`` school i in cluster k, sizes ``min..max`` or empty."""
    n = task.n
    _, kmax = cluster_count_range(n, task.min_size, task.max_size, task.max_oversize)
    kmax = min(kmax, task.max_clusters)
    model = cp_model.CpModel()
    x = {(i, k): model.new_bool_var(f"x[i={i},k={k}]") for i in range(n) for k in range(kmax)}
    used = [model.new_bool_var(f"used[k={k}]") for k in range(kmax)]
    big = [model.new_bool_var(f"oversize[k={k}]") for k in range(kmax)]
    for i in range(n):
        model.add_exactly_one(x[i, k] for k in range(kmax))
    for k in range(kmax):
        size = sum(x[i, k] for i in range(n))
        model.add(size >= task.min_size).only_enforce_if(used[k])
        model.add(size <= task.max_size + big[k]).only_enforce_if(used[k])
        model.add(size == 0).only_enforce_if(~used[k])
        if k > 0:
            model.add_implication(used[k], used[k - 1])  # symmetry: used clusters first
    model.add(sum(big) <= task.max_oversize)
    for a, b in task.together:
        for k in range(kmax):
            model.add(x[a, k] == x[b, k])
    for a, b in task.apart:
        for k in range(kmax):
            model.add_bool_or([~x[a, k], ~x[b, k]])
    model.add(x[0, 0] == 1)  # symmetry: the first school is in the first cluster
    run = run_cpsat(model, time_limit=time_limit, workers=task.workers, seed=task.seed)
    if not run.has_solution:
        return run.status, []
    clusters = [tuple(i for i in range(n) if run.solver.value(x[i, k])) for k in range(kmax)]
    return run.status, [c for c in clusters if c]


def nearby_pool(task: PartTask, dist: np.ndarray, wishes: _Wishes, make: object) -> list[Column]:
    """Seed columns: for every school and size, its nearest neighbours and a greedy cluster
    grown from it (cheap, diverse, mostly near-optimal clusters for the first LP)."""
    make_col = make  # Callable[[Sequence[int]], Column]
    pool: dict[tuple[tuple[int, ...], int], Column] = {}
    n = task.n
    sizes = task.sizes()
    for a in range(n):
        order = [int(j) for j in np.argsort(dist[a], kind="stable") if j != a]
        for s in sizes:
            nearest = [a, *order[: s - 1]]
            grown = [a]
            while len(grown) < s:
                rest = [j for j in order[: 3 * s] if j not in grown]
                if not rest:
                    break
                grown.append(min(rest, key=lambda j: (float(dist[j, grown].sum()), j)))
            for members in (nearest, grown):
                if len(members) == s and wishes.valid(members):
                    col = make_col(members)  # type: ignore[operator]
                    pool.setdefault(col.key, col)
    return list(pool.values())


EXPIRED_SECONDS = 0.05
"""A part whose time left (to its limit or deadline) is below this gets the greedy
partition only (:func:`greedy_only`): no LP, no CP-SAT, no search."""


def greedy_only(task: PartTask) -> PartResult:
    """The part's greedy partition as its plan, without a bound (status ``feasible``), or
    ``unknown`` when the greedy fails: what a part whose deadline has passed returns at
    once, so many small parts cannot each overrun a spent stage budget by their fixed costs.
    The greedy partition meets every hard rule of a part (sizes, cluster cap, wishes)."""
    n = task.n
    minutes = np.array(task.minutes, dtype=np.int64).reshape(n, n)
    dist = minutes + minutes.T
    wishes = _Wishes(n, task.together, task.apart)
    start = greedy_partition(task, dist, wishes)
    if start is None:
        return PartResult(task.key, "unknown", [], None, None, ["no clustering found in time"])
    cost_model = task.cost_model()
    objective = sum(
        cost_model.cluster_cost(
            cluster_terms(members, lambda a, b: int(minutes[a, b]), task.boards)
        )
        for members in start
    ) + cost_model.part_constant(range(n), task.boards)
    clusters = [tuple(task.school_ids[i] for i in members) for members in start]
    return PartResult(
        task.key,
        "feasible",
        clusters,
        objective,
        None,
        ["time limit reached before this part was searched: greedy clustering, no bound"],
    )


def tight(task: PartTask) -> bool:
    """True when the cap forces the fewest clusters though more would fit (B4: the
    coordinators have just enough capacity): every cluster is at its largest size."""
    fewest, most = cluster_count_range(task.n, task.min_size, task.max_size, task.max_oversize)
    return task.max_clusters <= fewest < most


def lns_split(task: PartTask) -> float:
    """The share of a part's time for the exact engine; the rest improves an unproven
    plan by LNS. Small parts: all of it."""
    if task.n < 60:
        return 1.0
    return 0.75 if tight(task) else 0.9


def solve_part(task: PartTask) -> PartResult:
    """Cluster one part exactly (see the module docstring); runs in a worker process."""
    t0 = time.perf_counter()  # diagnostics (stats) only
    started = time.time()
    c0 = clock.now()  # the search's clock: wall time, or counted work (composer.clock)
    limit = task.time_limit
    if task.deadline is not None:
        limit = min(limit, task.deadline - c0)
    if limit < EXPIRED_SECONDS:
        return greedy_only(task)
    n = task.n
    minutes = np.array(task.minutes, dtype=np.int64).reshape(n, n)
    dist = minutes + minutes.T
    cost_model = task.cost_model()
    boards = task.boards

    def cost_fn(members: tuple[int, ...]) -> int:
        terms = cluster_terms(members, lambda a, b: int(minutes[a, b]), boards)
        return cost_model.cluster_cost(terms)

    sign = cost_model.board_sign()
    board_matrix = np.zeros((n, n))
    if sign:
        for a in range(n):
            for b in range(n):
                if a != b and boards[a] and boards[a] == boards[b]:
                    board_matrix[a, b] = sign * cost_model.board_pair_cost
    pricer = PairwisePricer(
        minutes,
        task.sizes(),
        task.max_size + 1,
        cost_fn,
        task.travel_weight,
        task.worst_weight,
        board_matrix,
        together=task.together,
        apart=task.apart,
        max_groups=task.max_clusters,
        worst_per_school=task.worst_per == "school",
    )
    wishes = _Wishes(n, task.together, task.apart)
    notes: list[str] = []
    start = greedy_partition(task, dist, wishes)
    if start is None:
        status, start = cpsat_partition(task, max(0.5, 0.2 * limit))
        if not start:
            why = (
                "no clustering satisfies the wishes and sizes"
                if status == "infeasible"
                else "no clustering found in time"
            )
            return PartResult(task.key, status, [], None, None, [why])
    incumbent = [pricer.column(c) for c in start]
    pool = nearby_pool(task, dist, wishes, pricer.column)
    fewest, _ = cluster_count_range(n, task.min_size, task.max_size, task.max_oversize)
    rows = [SideRow("clusters", fewest, task.max_clusters, lambda size, tag: 1)]
    if task.max_oversize:
        rows.append(SideRow("oversize", 0, task.max_oversize, lambda size, tag: tag))
    remaining = limit - (clock.now() - c0)
    result = solve_grouping(
        pricer,
        rows,
        pool,
        incumbent,
        # large parts keep time to improve an unproven plan (LNS below): a quarter when
        # the cap forces the fewest clusters (every cluster at its largest size: the LP is
        # weak and a proof rare), else a tenth (the proof usually comes and needs the time)
        time_limit=max(0.2, lns_split(task) * remaining),
        # one LP-driven CP-SAT worker per part: parts already run in parallel processes,
        # and the set-partitioning master is proven fastest by a single LP worker
        workers=1,
        seed=task.seed,
    )
    notes.extend(result.notes)
    columns = list(result.columns)
    objective_raw = result.objective
    if result.status == "feasible" and columns:
        columns, steps = improve_by_lns(pricer, columns, c0 + limit)
        objective_raw = sum(c.cost for c in columns)
        result.stats["lns_steps"] = steps
    constant = cost_model.part_constant(range(n), boards)
    clusters = [tuple(task.school_ids[i] for i in col.members) for col in columns]
    if objective_raw is not None and result.bound is not None and objective_raw <= result.bound:
        result.status = "optimal"
    objective = None if objective_raw is None else objective_raw + constant
    bound = None if result.bound is None else result.bound + constant
    stats = dict(result.stats)
    stats["nodes"] = float(pricer.nodes)
    stats["seconds"] = time.perf_counter() - t0
    stats["started"] = started
    stats["limit"] = limit
    return PartResult(task.key, result.status, clusters, objective, bound, notes, stats)


# --------------------------------------------------------------------------- the stage


def allocate_cluster_caps(instance: Instance, layout: BvLayout) -> tuple[dict[str, int], list[str]]:
    """The most clusters each part may form so that every cluster can get a coordinator.

    When the coordinators can guide every part's largest count, nothing couples the parts.
    Otherwise every part starts at its fewest clusters and extra clusters go, one at a
    time, to the part where one more cluster is expected to save most travel (the one
    whose schools are farthest from their nearest neighbours), as long as the max-flow of
    clusters to coordinators stays complete. The flow-feasible counts form a polymatroid,
    so this greedy is optimal for the estimated savings; the estimate is a heuristic.
    Parts whose regions lack coordinators even for their fewest clusters keep the fewest.
    """
    notes: list[str] = []
    ranges = {p.key: p.count_range() for p in layout.parts}
    if not coordinators(instance):
        return {k: r[1] for k, r in ranges.items()}, notes

    def demand(caps: dict[str, int]) -> dict[str, int]:
        total: dict[str, int] = defaultdict(int)
        for part in layout.parts:
            total[part.region] += caps[part.key]
        return dict(total)

    most = {k: r[1] for k, r in ranges.items()}
    flow, _, _ = coordinator_flow(instance, demand(most))
    if flow >= sum(most.values()):
        return most, notes
    caps = {k: r[0] for k, r in ranges.items()}
    flow, per_region, _ = coordinator_flow(instance, demand(caps))
    short_regions = {r for r, d in demand(caps).items() if per_region.get(r, 0) < d}
    idx = instance.index
    spacing: dict[str, float] = {}
    for part in layout.parts:
        near = []
        for a in part.schools:
            row = sorted(idx.travel_minutes(a, b) for b in part.schools if b != a)
            near.append(sum(row[: part.min_size - 1]))
        spacing[part.key] = sum(near) / max(1, len(near))
    open_parts = [
        p for p in layout.parts if p.region not in short_regions and caps[p.key] < most[p.key]
    ]
    while open_parts:
        # the part expected to gain most from one more cluster (ties: more schools/cluster)
        part = max(
            open_parts,
            key=lambda p: (spacing[p.key], len(p.schools) / (caps[p.key] + 1), p.key),
        )
        caps[part.key] += 1
        trial = demand(caps)
        got, _, _ = coordinator_flow(instance, trial)
        if got < sum(trial.values()):
            caps[part.key] -= 1
            open_parts.remove(part)
            continue
        if caps[part.key] >= most[part.key]:
            open_parts.remove(part)
    limited = [p.key for p in layout.parts if caps[p.key] < most[p.key]]
    if limited:
        notes.append(
            "B4: coordinator capacity limits the number of clusters in "
            + ", ".join(f"{k} (at most {caps[k]})" for k in limited)
        )
    return caps, notes


def part_task(
    instance: Instance,
    part: BvPart,
    cap: int,
    time_limit: float,
    params: SolveParams,
    deadline: float | None = None,
) -> PartTask:
    """The picklable task of one part: local travel matrix, boards, wishes, bounds, cap."""
    idx = instance.index
    local = {s: i for i, s in enumerate(part.schools)}
    minutes = tuple(tuple(idx.travel_minutes(a, b) for b in part.schools) for a in part.schools)
    together: list[tuple[int, int]] = []
    apart: list[tuple[int, int]] = []
    for wish in instance.bv.wishes:
        a, b = idx.school.get(wish.school_a), idx.school.get(wish.school_b)
        if a in local and b in local:
            pair = (local[a], local[b])
            (together if wish.kind == "together" else apart).append(pair)
    weights = instance.bv.weights
    return PartTask(
        key=part.key,
        school_ids=tuple(instance.schools[s].id for s in part.schools),
        minutes=minutes,
        boards=tuple(instance.schools[s].board for s in part.schools),
        min_size=part.min_size,
        max_size=part.max_size,
        max_oversize=part.max_oversize,
        max_clusters=cap,
        travel_weight=weights.travel,
        worst_weight=weights.worst_travel,
        board_weight=weights.board,
        board_policy=instance.bv.board_policy,
        together=tuple(together),
        worst_per=instance.bv.worst_travel_per,
        apart=tuple(apart),
        time_limit=time_limit,
        workers=params.workers,
        seed=params.seed,
        deadline=deadline,
    )


def schedule_parts(
    instance: Instance,
    parts: Sequence[BvPart],
    caps: dict[str, int],
    params: SolveParams,
    spent: float,
) -> list[PartTask]:
    """The parts as tasks, in the order they run, each with its time limit and deadline.

    The stage's budget (its share of ``params.time_limit`` minus what is spent) is shared
    in proportion to n² (the work grows about that fast), ``processes`` parts at a time.
    Parts run smallest first: the many small parts are proven early and every second they
    leave goes to the large ones, which run last. The largest part is the exception: it
    starts first, on its own lane, while the others fill the other lanes (its proof needs
    one long stretch, ~20 s for 177 schools, and last in line it got what was left: 60 s
    national run at load 1.6, 70 instead of 68 of 71 parts proven). Each task has a soft
    limit (1.5 times its share, at least a few seconds) and a hard deadline that keeps
    back half the share of every part after it (spread over the lanes), so a part that
    cannot be proven does not starve the others. The last ``processes`` parts (the
    largest after the first) have no soft limit: they take all the time left until their
    deadline. ``spent`` (what the stage used before) and the deadlines are in the units of
    :func:`composer.clock.now`: wall seconds, or counted work in a ``--workers 1`` run.
    """
    lanes = max(1, min(params.parallel_processes, len(parts)))
    budget = max(0.2, 0.92 * params.time_limit - spent - 0.5)
    stage_end = clock.now() + budget
    ordered = sorted(parts, key=lambda p: (len(p.schools), p.key))
    if lanes > 1 and len(ordered) > lanes:
        # the largest part first, on its own lane, while the others fill the other lanes
        ordered = [ordered[-1], *ordered[:-1]]
    weight = [float(len(p.schools)) ** 2 for p in ordered]
    total = sum(weight) or 1.0
    shares = [budget * lanes * w / total for w in weight]
    # what the parts after each one are owed at least: half their share (0.3 s minimum),
    # scaled down when these minimums together would not fit in half the budget (national
    # has ~71 parts: 71 x 0.3 s is more than a short limit), so no deadline lies in the past
    owed = [max(0.3, 0.5 * share) for share in shares]
    fits = 0.5 * budget * lanes
    if sum(owed) > fits:
        owed = [need * fits / sum(owed) for need in owed]
    after = sum(owed)
    tasks = []
    for k, (part, share, need) in enumerate(zip(ordered, shares, owed, strict=True)):
        after -= need
        last = k >= len(ordered) - lanes
        tasks.append(
            part_task(
                instance,
                part,
                caps[part.key],
                budget if last else min(budget, max(min(6.0, budget), 1.5 * share)),
                params,
                stage_end - after / lanes,
            )
        )
    return tasks


def assign_coordinators(
    instance: Instance, clusters: list[Cluster]
) -> tuple[list[Cluster], list[Unplaced]]:
    """B4: one coordinator per cluster, of its region, within ``max_groups``.

    A min-cost flow: each cluster to one coordinator who works in its region, at the cost
    of the coordinator's travel from their home school to the cluster (mean minutes to its
    schools; 0 when no home school is known). Clusters that cannot get one are returned as
    unplaced (rule B4).
    """
    import networkx as nx

    idx = instance.index
    coords = [instance.facilitators[i] for i in coordinators(instance)]
    graph = nx.DiGraph()
    graph.add_node("source", demand=-len(clusters))
    graph.add_node("sink", demand=len(clusters))
    for k, cluster in enumerate(clusters):
        graph.add_edge("source", ("k", k), capacity=1, weight=0)
        graph.add_edge(("k", k), "none", capacity=1, weight=10**7)
        positions = [idx.school[s] for s in cluster.schools]
        for fac in coords:
            if cluster.region not in fac.regions:
                continue
            if fac.home_school is not None and fac.home_school in idx.school:
                home = idx.school[fac.home_school]
                minutes = sum(idx.travel_minutes(home, p) for p in positions)
                cost = round(minutes / max(1, len(positions)))
            else:
                cost = 0
            graph.add_edge(("k", k), ("c", fac.id), capacity=1, weight=cost)
    graph.add_edge("none", "sink", capacity=len(clusters), weight=0)
    for fac in coords:
        cap = len(clusters) if fac.max_groups is None else fac.max_groups
        if cap > 0 and graph.has_node(("c", fac.id)):
            graph.add_edge(("c", fac.id), "sink", capacity=cap, weight=0)
    flow = nx.min_cost_flow(graph) if clusters else {}
    assigned: list[Cluster] = []
    missing: list[Unplaced] = []
    for k, cluster in enumerate(clusters):
        coordinator = next(
            (
                target[1]
                for target, amount in flow.get(("k", k), {}).items()
                if amount > 0 and target != "none"
            ),
            None,
        )
        assigned.append(cluster.model_copy(update={"coordinator": coordinator}))
        if coordinator is None:
            missing.append(
                Unplaced(
                    id=cluster.id,
                    what="cluster",
                    reason=f"no OCW coordinator of region {cluster.region!r} has capacity "
                    "left; add a coordinator or raise max_groups",
                    rule="B4",
                )
            )
    return assigned, missing


def run_stage(instance: Instance, plan: Plan, params: SolveParams, progress: Progress) -> Plan:
    """Plan the BV clusters of ``instance`` into ``plan`` (clusters, unplaced, stage result)."""
    t0 = time.perf_counter()  # the live log only
    c0 = clock.now()
    layout = bv_layout(instance)
    unplaced: list[Unplaced] = [
        Unplaced(
            id=instance.schools[s].id,
            what="school",
            reason="receives individual support, so it is not placed in a cluster",
            rule="B1",
        )
        for s in layout.support_excluded
    ]
    if not layout.parts and not layout.left_out:
        result = StageResult(status="not_planned", notes=("no eligible BV schools",))
        return plan.model_copy(
            update={
                "stages": {**plan.stages, STAGE: result},
                "unplaced": (*plan.unplaced, *unplaced),
            }
        )

    notes: list[str] = [f"[B8] {f.message()}. Remedies: {f.fix()}" for f in layout.findings]
    for s, finding in sorted(layout.left_out.items()):
        unplaced.append(
            Unplaced(
                id=instance.schools[s].id,
                what="school",
                reason=f"{finding.sector} in region {finding.region!r} has "
                f"{len(finding.schools)} eligible school(s), which cannot form clusters of "
                f"{finding.min_size}-{finding.max_size}; remedies: {finding.fix()}",
                rule="B8",
            )
        )
    notes.extend(
        f"[B4] {s.message()}. Fix: {s.fix()}" for s in coordinator_shortage(instance, layout)
    )
    notes.extend(f"[B2] {line}" for line in unusable_wishes(instance, layout))
    conflicts = wish_conflicts(instance, layout)
    parts = []
    for part in layout.parts:
        if part.key in conflicts:
            notes.append(f"[B2] {part.key}: {conflicts[part.key]}; its schools are not clustered")
            for s in part.schools:
                unplaced.append(
                    Unplaced(
                        id=instance.schools[s].id,
                        what="school",
                        reason=f"the wishes for {part.key} cannot all hold: {conflicts[part.key]}",
                        rule="B2",
                    )
                )
        else:
            parts.append(part)
    caps, cap_notes = allocate_cluster_caps(instance, layout)
    notes.extend(cap_notes)

    tasks = schedule_parts(instance, parts, caps, params, clock.now() - c0)
    progress(STAGE, f"clustering {sum(t.n for t in tasks)} schools in {len(tasks)} parts")
    # under a work clock (one process, never a Dask cluster: SolveParams.deterministic)
    # map_tasks runs the parts here, so their deadlines are readings of this clock
    solved = map_tasks(
        solve_part, tasks, params.parallel_processes, size=lambda task: float(task.n)
    )
    results: dict[str, PartResult] = {t.key: r for t, r in zip(tasks, solved, strict=True)}
    stage_start = time.time() - (time.perf_counter() - t0)
    for task, res in zip(tasks, solved, strict=True):
        # live log only (a plan holds no wall times): when each part ran and how long
        began = res.stats.get("started", stage_start) - stage_start
        progress(
            STAGE,
            f"{task.key} ({task.n} schools): {res.status}, started at {began:.1f} s, "
            f"ran {res.stats.get('seconds', 0.0):.1f} s of {res.stats.get('limit', 0.0):.1f} s",
            res.objective,
            res.bound,
        )

    clusters: list[Cluster] = []
    numbering: dict[tuple[str, str], int] = defaultdict(int)
    statuses: list[Status] = []
    objective = 0
    bound: int | None = 0
    for part in parts:
        res = results[part.key]
        statuses.append(res.status)
        if res.status in {"infeasible", "unknown"} or res.objective is None:
            # proven infeasible: the wishes (B2; sizes and caps are settled up front);
            # otherwise no clustering was found in time, which breaks no rule
            proven = res.status == "infeasible"
            why = "; ".join(res.notes) or res.status
            notes.append(
                f"[B2] {part.key}: {why}"
                if proven
                else f"{part.key}: no clustering found within the time limit ({why}); "
                "raise --time-limit"
            )
            for s in part.schools:
                unplaced.append(
                    Unplaced(
                        id=instance.schools[s].id,
                        what="school",
                        reason=f"no clustering of {part.key} found: {why}"
                        if proven
                        else f"no clustering of {part.key} found within the time limit: {why}",
                        rule="B2" if proven else None,
                    )
                )
            continue
        objective += res.objective
        bound = None if bound is None or res.bound is None else bound + res.bound
        for members in sorted(sorted(c) for c in res.clusters):
            numbering[(part.sector, part.region)] += 1
            number = numbering[(part.sector, part.region)]
            clusters.append(
                Cluster(
                    id=f"bv-{part.sector}-{part.region}-{number:02d}",
                    sector=part.sector,
                    region=part.region,
                    schools=tuple(members),
                )
            )
        gap = relative_gap(float(res.objective), None if res.bound is None else float(res.bound))
        if gap is not None and gap > 0:
            notes.append(f"{part.key}: gap {gap:.2%} ({res.status})")
        elif res.bound is None and res.notes:
            notes.append(f"{part.key}: {'; '.join(res.notes)}")
    clusters, missing = assign_coordinators(instance, clusters)
    unplaced.extend(missing)
    planned = [s for s in statuses if s in {"optimal", "feasible"}]
    if not planned and statuses:
        status: Status = "infeasible" if "infeasible" in statuses else "unknown"
    elif not statuses:
        status = "optimal"  # nothing could be clustered: every school is listed with why
    else:
        status = "optimal" if all(s == "optimal" for s in planned) else "feasible"
    from composer.objective.bv import bv_objective_parts

    parts_value = bv_objective_parts(instance, clusters)
    total = sum(parts_value.values())
    if planned and abs(total - objective) > 1e-6:
        notes.append(f"internal: objective {objective} differs from recomputed {total:g}")
    result = StageResult(
        status=status,
        objective=total if planned or not statuses else None,
        bound=float(bound) if bound is not None and planned else (0.0 if not statuses else None),
        gap=relative_gap(total, float(bound)) if bound is not None and planned else None,
        parts=parts_value,
        notes=tuple(notes),
    )
    progress(STAGE, "done", result.objective, result.bound)
    return plan.model_copy(
        update={
            "clusters": (*plan.clusters, *clusters),
            "unplaced": (*plan.unplaced, *unplaced),
            "stages": {**plan.stages, STAGE: result},
        }
    )
