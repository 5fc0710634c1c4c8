"""Literature runners and peers of ``composer bench`` (registered in
:mod:`composer.bench.plugins`).

Each function takes a :class:`~composer.bench.plugins.BenchTask` and returns a
:class:`~composer.bench.plugins.BenchResult`; the bench runs it in a measured child
process and verifies what it returns (literature solutions with the family's evaluator,
plans with ``composer check``). The solvers themselves live in the standalone benchmarks
and are reused, not copied:

- literature runners (composer's own engines): ``cpmp`` → :func:`benchmarks.cpmp.solve_cpmp`
  (grouping engine, median mode), ``gap`` → :func:`benchmarks.gap_orlib.solve` (the LOS
  assignment model on CP-SAT), ``mdgp`` → :func:`benchmarks.mdgp.solve_mdgp` (grouping
  engine, pairwise maximise mode);
- ``greedy`` peers (a constructive baseline): literature kinds here, ``bv`` by
  :func:`composer.solvers.bv.greedy_partition` per sector-region, ``los`` by
  :func:`composer.solvers.los_search.greedy_start` per region (no search after it);
- ``highs`` peers (a MIP of the same model on HiGHS): ``cpmp``, ``gap`` here; ``bv`` by
  :func:`benchmarks.bv_peers.mip_part` per sector-region;
- ``kmeans`` peer: ``bv`` by :func:`benchmarks.bv_peers.kmeans_part` (k-means-constrained
  per sector-region).

BV peers replace only the per-part solve of the ``bv`` stage (``solvers.bv.solve_part``,
in this child process only), so eligibility, B8 remedies, coordinators and the plan are
built by composer's own code exactly as for composer's run: the comparison is of the
clustering alone.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from composer import clock
from composer.bench.literature import GapInstance, read_cpmp, read_gap, read_mdgp
from composer.bench.plugins import BenchResult, BenchTask
from composer.model.plan import Plan

# --------------------------------------------------------------------------- runners


def run_cpmp(task: BenchTask) -> BenchResult:
    """Composer's grouping engine (median mode) on one capacitated p-median file."""
    from benchmarks.cpmp import read_cpmp as read_np
    from benchmarks.cpmp import solve_cpmp

    out = solve_cpmp(read_np(task.path), task.time_limit, task.seed, task.path)
    return _result(out, "assignment")


def run_gap(task: BenchTask) -> BenchResult:
    """Composer's LOS assignment model (CP-SAT) on one OR-Library GAP file."""
    from benchmarks.gap_orlib import read_gap as read_lists
    from benchmarks.gap_orlib import solve

    out = solve(read_lists(task.path), task.time_limit, task.workers, task.seed)
    return _result(out, "assignment")


def run_mdgp(task: BenchTask) -> BenchResult:
    """Composer's grouping engine (pairwise maximise mode) on one MDGPLIB file."""
    from benchmarks.mdgp import solve_mdgp

    out = solve_mdgp(read_mdgp(task.path), task.time_limit, task.seed)
    return _result(out, "groups")


def _result(out: dict[str, Any], key: str) -> BenchResult:
    solution = out.get(key)
    return BenchResult(
        status=out["status"] if solution is not None else "unknown",
        objective=None if out.get("objective") is None else float(out["objective"]),
        bound=None if out.get("bound") is None else float(out["bound"]),
        seconds=float(out["seconds"]),
        solution=None if solution is None else [int(v) for v in solution],
        notes=[str(n) for n in out.get("notes") or []],
    )


def _solution(status: str, solution: list[int] | None, t0: float, **kw: Any) -> BenchResult:
    if solution is None:
        return BenchResult("unknown", seconds=time.perf_counter() - t0, **kw)
    return BenchResult(status, solution=solution, seconds=time.perf_counter() - t0, **kw)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- greedy


def greedy_cpmp(task: BenchTask) -> BenchResult:
    """Medians by greedy addition, points by regret (:func:`benchmarks.cpmp.greedy_cpmp`)."""
    from benchmarks.cpmp import greedy_cpmp as construct
    from benchmarks.cpmp import read_cpmp as read_np

    t0 = time.perf_counter()
    return _solution("feasible", construct(read_np(task.path)), t0)


def greedy_gap(task: BenchTask) -> BenchResult:
    """Regret greedy (:func:`benchmarks.gap_orlib.regret_greedy`); when it finds no room
    for a job, jobs by decreasing weight to the agent with room whose capacity they use
    least."""
    from benchmarks.gap_orlib import read_gap as read_lists
    from benchmarks.gap_orlib import regret_greedy

    t0 = time.perf_counter()
    inst = read_lists(task.path)
    agent_of = regret_greedy(inst)
    notes = []
    if agent_of is None:
        notes.append("regret greedy found no room for a job; capacity-share fallback used")
        room = list(inst.capacity)
        agent_of = [-1] * inst.jobs
        order = sorted(
            range(inst.jobs), key=lambda j: -max(inst.weight[a][j] for a in range(inst.agents))
        )
        for j in order:
            fits = [a for a in range(inst.agents) if inst.weight[a][j] <= room[a]]
            if not fits:
                return _solution("unknown", None, t0, notes=[*notes, f"job {j}: no room"])
            a = min(fits, key=lambda a: (inst.weight[a][j] / inst.capacity[a], inst.cost[a][j]))
            agent_of[j] = a
            room[a] -= inst.weight[a][j]
    return _solution("feasible", agent_of, t0, notes=notes)


def greedy_mdgp(task: BenchTask) -> BenchResult:
    """The constructive start of the MDGP runner alone (:func:`benchmarks.mdgp.greedy_groups`)."""
    from benchmarks.mdgp import greedy_groups

    t0 = time.perf_counter()
    return _solution("feasible", greedy_groups(read_mdgp(task.path)), t0)


# --------------------------------------------------------------------------- HiGHS


def _highs_mip(
    cost: Sequence[float],
    rows: Sequence[tuple[float, float, Sequence[int], Sequence[float]]],
    time_limit: float,
    threads: int,
) -> tuple[str, np.ndarray | None, float | None, list[str]]:
    """Solve ``min cost·x`` over binaries ``x`` with ``lo <= a·x <= hi`` rows on HiGHS:
    (status, x or None, dual bound, notes)."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(1.0, float(time_limit)))
    h.setOptionValue("threads", max(1, threads))
    h.setOptionValue("mip_rel_gap", 1e-9)
    ncol = len(cost)
    h.addVars(ncol, np.zeros(ncol), np.ones(ncol))
    h.changeColsCost(ncol, np.arange(ncol, dtype=np.int32), np.array(cost, dtype=float))
    h.changeColsIntegrality(
        ncol,
        np.arange(ncol, dtype=np.int32),
        np.array([highspy.HighsVarType.kInteger] * ncol),
    )
    starts, index, value, lo, hi = [], [], [], [], []
    for r_lo, r_hi, idx, val in rows:
        starts.append(len(index))
        index.extend(idx)
        value.extend(val)
        lo.append(r_lo)
        hi.append(r_hi)
    h.addRows(
        len(lo),
        np.array(lo, dtype=float),
        np.array(hi, dtype=float),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=float),
    )
    h.run()
    info = h.getInfo()
    bound = info.mip_dual_bound if math.isfinite(info.mip_dual_bound) else None
    if info.primal_solution_status != 2:
        return "unknown", None, bound, [f"HiGHS: {h.modelStatusToString(h.getModelStatus())}"]
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = np.array(h.getSolution().col_value)
    return ("optimal" if optimal else "feasible"), x, bound, []


def highs_cpmp(task: BenchTask) -> BenchResult:
    """The compact CPMP MIP on HiGHS: ``x[i,m]`` point i served by m (``x[m,m]``: m open),
    ``x[i,m] <= x[m,m]``, demand per median within ``Q·x[m,m]``, exactly p medians."""
    t0 = time.perf_counter()
    inst = read_cpmp(task.path)
    n = inst.n
    var = {(i, m): i * n + m for i in range(n) for m in range(n)}
    cost = [float(inst.distance(i, m)) for i in range(n) for m in range(n)]
    rows: list[tuple[float, float, Sequence[int], Sequence[float]]] = []
    for i in range(n):
        rows.append((1, 1, [var[i, m] for m in range(n)], [1.0] * n))
    for m in range(n):
        for i in range(n):
            if i != m:
                rows.append((-math.inf, 0, [var[i, m], var[m, m]], [1.0, -1.0]))
        idx = [var[i, m] for i in range(n) if i != m] + [var[m, m]]
        val = [float(inst.demand[i]) for i in range(n) if i != m]
        rows.append((-math.inf, 0, idx, [*val, float(inst.demand[m] - inst.capacity)]))
    rows.append((inst.p, inst.p, [var[m, m] for m in range(n)], [1.0] * n))
    left = task.time_limit - (time.perf_counter() - t0)
    status, x, bound, notes = _highs_mip(cost, rows, left, task.workers)
    if x is None:
        return BenchResult("unknown", bound=bound, seconds=time.perf_counter() - t0, notes=notes)
    assignment = [max(range(n), key=lambda m, i=i: x[var[i, m]]) for i in range(n)]
    return _solution(status, assignment, t0, bound=bound, notes=notes)


def highs_gap(task: BenchTask) -> BenchResult:
    """The GAP MIP on HiGHS: ``x[j,a]`` (pairs heavier than the capacity pruned), one agent
    per job, capacity per agent."""
    t0 = time.perf_counter()
    inst: GapInstance = read_gap(task.path)
    pairs = [
        (j, a)
        for j in range(inst.jobs)
        for a in range(inst.agents)
        if inst.weight[a][j] <= inst.capacity[a]
    ]
    var = {p: k for k, p in enumerate(pairs)}
    cost = [float(inst.cost[a][j]) for j, a in pairs]
    rows: list[tuple[float, float, Sequence[int], Sequence[float]]] = []
    for j in range(inst.jobs):
        idx = [var[j, a] for a in range(inst.agents) if (j, a) in var]
        rows.append((1, 1, idx, [1.0] * len(idx)))
    for a in range(inst.agents):
        js = [j for j in range(inst.jobs) if (j, a) in var]
        rows.append(
            (-math.inf, inst.capacity[a], [var[j, a] for j in js], [inst.weight[a][j] for j in js])
        )
    left = task.time_limit - (time.perf_counter() - t0)
    status, x, bound, notes = _highs_mip(cost, rows, left, task.workers)
    if x is None:
        return BenchResult("unknown", bound=bound, seconds=time.perf_counter() - t0, notes=notes)
    agent_of = [-1] * inst.jobs
    for (j, a), k in var.items():
        if x[k] > 0.5:
            agent_of[j] = a
    return _solution(status, agent_of, t0, bound=bound, notes=notes)


# --------------------------------------------------------------------------- instance peers


def _load(task: BenchTask) -> Any:
    from composer.io import load_instance
    from composer.params import apply_overrides

    instance = load_instance(task.path)
    return apply_overrides(instance, dict(task.options)) if task.options else instance


def _params(task: BenchTask, stage: str) -> Any:
    from composer.params import SolveParams

    # one process: the replaced part solver lives in this process only
    return SolveParams(
        time_limit=task.time_limit,
        workers=task.workers,
        seed=task.seed,
        stages=(stage,),
        processes=1,
    )


def _plan_result(plan: Plan, stage: str, t0: float, notes: list[str]) -> BenchResult:
    result = plan.stages.get(stage)
    status = result.status if result is not None else "unknown"
    return BenchResult(
        status="feasible" if status == "optimal" else status,  # a peer proves nothing
        objective=None if result is None else result.objective,
        seconds=time.perf_counter() - t0,
        plan=plan,
        notes=notes + (list(result.notes[:5]) if result is not None else []),
    )


def _bv_with(
    task: BenchTask, part_solver: Callable[[Any], Any], instance: Any = None
) -> BenchResult:
    """Composer's ``bv`` stage with ``part_solver`` in place of its per-part solve."""
    import composer.solvers.bv as bv
    from composer.pipeline import Progress

    instance = _load(task) if instance is None else instance
    t0 = time.perf_counter()  # the stage alone, as composer's stage time
    original = bv.solve_part
    bv.solve_part = part_solver
    try:
        quiet: Progress = lambda *args, **kw: None  # noqa: E731
        plan = bv.run_stage(instance, Plan(instance=instance.name), _params(task, "bv"), quiet)
    finally:
        bv.solve_part = original
    return _plan_result(plan, "bv", t0, [])


def _part_result(task: Any, groups: list[list[int]] | None, note: str = "") -> Any:
    from composer.objective.bv import cluster_terms
    from composer.solvers.bv import PartResult

    if groups is None:
        return PartResult(task.key, "unknown", [], None, None, [note or "the peer found none"])
    minutes = np.array(task.minutes, dtype=np.int64).reshape(task.n, task.n)
    model = task.cost_model()
    cost = 0
    for g in groups:
        terms = cluster_terms(tuple(sorted(g)), lambda a, b: int(minutes[a, b]), task.boards)
        cost += model.cluster_cost(terms)
    clusters = [tuple(task.school_ids[i] for i in sorted(g)) for g in groups]
    return PartResult(task.key, "feasible", clusters, cost, None, [note] if note else [])


def _greedy_part(task: Any) -> Any:
    from composer.solvers.bv import _Wishes, greedy_partition

    minutes = np.array(task.minutes, dtype=np.int64).reshape(task.n, task.n)
    wishes = _Wishes(task.n, task.together, task.apart)
    found = greedy_partition(task, minutes + minutes.T, wishes)
    return _part_result(task, None if found is None else [list(g) for g in found])


def greedy_bv(task: BenchTask) -> BenchResult:
    """BV clusters grown greedily around the most outlying school, per sector-region."""
    return _bv_with(task, _greedy_part)


_COORDS: dict[str, tuple[float, float]] = {}


def _kmeans_part(task: Any) -> Any:
    from benchmarks.bv_peers import kmeans_part, project_km

    lat = np.array([_COORDS[s][0] for s in task.school_ids])
    lon = np.array([_COORDS[s][1] for s in task.school_ids])
    groups, _ = kmeans_part(task, project_km(lat, lon), seed=task.seed)
    return _part_result(task, groups, "" if groups is not None else "k-means-constrained failed")


def kmeans_bv(task: BenchTask) -> BenchResult:
    """k-means-constrained (size-bounded k-means on projected coordinates) per
    sector-region, k = the clusters the part may form."""
    instance = _load(task)
    _COORDS.clear()
    _COORDS.update({s.id: (s.lat, s.lon) for s in instance.schools})
    return _bv_with(task, _kmeans_part, instance)


MIP_CELLS = 2_500_000
"""Largest part (schools² × clusters) the BV MIP is built for (as in benchmarks/bv.py)."""


def _highs_part(task: Any) -> Any:
    from benchmarks.bv_peers import mip_part

    if task.n * task.n * max(1, task.max_clusters) > MIP_CELLS:
        return _part_result(task, None, f"{task.key}: too large to build the MIP here")
    limit = task.time_limit
    if task.deadline is not None:
        limit = min(limit, task.deadline - clock.now())  # a composer.clock reading
    groups, _, _ = mip_part(task, max(1.0, limit), threads=max(1, task.workers))
    return _part_result(task, groups, "" if groups else f"{task.key}: HiGHS found no solution")


def highs_bv(task: BenchTask) -> BenchResult:
    """The compact BV MIP (:func:`benchmarks.bv_peers.mip_part`) on HiGHS per sector-region."""
    return _bv_with(task, _highs_part)


def greedy_los(task: BenchTask) -> BenchResult:
    """LOS networks by composer's constructive start alone, per region: slots and leaders
    greedily, learners by min-cost flow (:func:`composer.solvers.los_search.greedy_start`),
    no search after it."""
    from composer.solvers import los

    instance = _load(task)
    t0 = time.perf_counter()  # the stage alone, as composer's stage time
    plan, incomplete = los.construct_plan(instance)
    notes = [f"{incomplete} region(s) with an incomplete construction"] if incomplete else []
    return _plan_result(plan, "los", t0, notes)


__all__ = [
    "greedy_bv",
    "greedy_cpmp",
    "greedy_gap",
    "greedy_los",
    "greedy_mdgp",
    "highs_bv",
    "highs_cpmp",
    "highs_gap",
    "kmeans_bv",
    "run_cpmp",
    "run_gap",
    "run_mdgp",
]
