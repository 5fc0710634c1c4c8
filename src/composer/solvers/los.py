"""LOS stage: compose networks with one CP-SAT model per region.

For every region (regions that share a facilitator are solved together) one CP-SAT model
decides at once which network each learner joins, each network's weekly slot and the
facilitators of its open positions, under L1–L7 and the pins, minimising the objective
of :mod:`composer.objective.los`. Regions are independent subproblems solved in parallel
processes (:func:`composer.parallel.map_tasks`).

Formulation (one region; ``l`` learner, ``n`` network, ``s`` slot, ``f`` facilitator):

- ``x[l,n]`` learner l joins n — created only for candidate pairs of
  :func:`composer.los_rules.candidates` (region, pins, L2, L3, L7 and "free at one of
  n's possible slots" are settled before the model is built: no variable, no
  constraint); ``u[l]`` l is left unplaced (only with ``allow_unplaced``, never for a
  pinned learner).
- ``y[n,s]`` n meets at s, only for the slots L4/L5 and pruning leave; exactly one.
- ``lead[n,p,f]`` f fills position p (``so``/``second``) of n, only for open positions;
  ``w[n,f,s]`` f leads n at s (= ``lead and y``), only for facilitators who could lead
  two or more networks, the only ones who could be double-booked.
- There is no learner x network x slot variable: a learner's roster is linked to the
  network's slot by ``x[l,n] <= sum of y[n,s] over the slots s where l is free``.
- L9: ``visit[v,h]`` the duo of v visits h (per region, only when
  ``visits_per_year`` k > 0): every network visits and hosts k, no pair both ways from
  2k+1 networks on, and an arc only between slots one person can attend both of (not
  the same slot; on one weekday, time to travel), so the calendar's visit cycle exists.
  Necessary and, for k = 1 when only "same slot" blocks a visit, sufficient: no slot
  holds more than half the region's networks (Hall's condition; conversely a complete
  multipartite graph with no part above half is Hamiltonian). The search keeps the same
  rule through :func:`~composer.solvers.los_model.visit_deficit`.
- Identical networks (same rules, place, candidates, slots and leaders, named by no
  learner) get ordered slot indices (symmetry breaking).
- Search mode (``RegionData.elastic``): every learner has ``u[l]``; leaving out one who
  must be placed costs more than any plan, so partial constructions are starts and an
  optimum that leaves someone out proves that no plan exists.

Per region (:func:`solve_region_here`): prune, report what blocks the region up front,
construct a plan (greedy slots and facilitators, min-cost flow for learners), compute a
Lagrangian bound whose slot values guide a second construction, then run the full model
(CP-SAT, presolve off so its LP keeps the roster links; seeded with the best plan) in a
helper thread beside a local search in this thread: slot moves with an optimal
re-assignment of every learner by min-cost flow, a sharper Lagrangian bound, and exact
re-planning of groups of nearby networks. Regions too large for the full model
(:data:`FULL_MODEL_PAIRS`) use the local search and the Lagrangian bound only. Every
plan is re-evaluated with :mod:`composer.objective.los`; the solver's objective must
equal the recomputed one.

Every constraint family has its own function named after its rule (``_add_l1_size``,
``_add_l4_slot``, ...). Each takes its enforcement literals from :class:`Groups`, so a
later ``composer explain`` can switch rule families (or single items) on and off as
assumptions; in a normal solve the groups give no literal and the constraints are hard.

Time: the stage never runs past ``params.time_limit``. Regions start largest first; each
gets a floor (:func:`region_floor`) plus its size's part of the time that is left once
the regions running in other processes and the floors of the later regions are served,
so time left over by regions that finish early goes to the later ones. A region that
has no plan at the end of its share may take one more share, within the deadline.

Infeasible regions: the other regions are still planned. The plan's LOS stage is then
``infeasible``; its networks hold the planned regions only, each infeasible region's
networks are listed in ``plan.unplaced`` (what ``network``) with the blocking rule, and so
are its learners (what ``learner``: "region R has no plan: <the reason about them, for a
learner no network could take, else the first blocking reason>; see the stage notes");
the stage notes say, per region, which rule ids and items block
it. A region without a plan in time (``unknown``) is listed the same way, without a rule.
The stage objective, bound and parts then describe the planned regions only.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from composer import clock, los_rules
from composer.los_rules import Position, Refusal, SlotKey
from composer.model.instance import STUDENT_KINDS, Instance, LosProgramme
from composer.model.plan import Plan, PlannedNetwork, PlannedSlot, StageResult, Status, Unplaced
from composer.objective.los import TERMS
from composer.parallel import cluster_address, map_tasks
from composer.parallel import ignore_sigint as parallel_ignore_sigint
from composer.params import SolveParams
from composer.pipeline import Progress, relative_gap
from composer.solvers.cpsat import CpRun, run_cpsat
from composer.solvers.los_model import (
    POSITIONS,
    GroupMode,
    LosModel,
    RegionData,
    prepare_region,
    visit_deficit,
    visit_regions,
)
from composer.solvers.los_search import (
    LOS_SECONDS_PER_DTIME,
    Start,
    greedy_start,
    lagrangian_bound,
    large_neighbourhood_search,
    slot_search,
    start_objective,
)

STAGE = "los"


def safety_seconds(time_limit: float) -> float:
    """Kept back from the time limit for starting processes and assembling the plan."""
    return min(5.0, 0.5 + 0.025 * time_limit)


# --------------------------------------------------------------------------- tasks


@dataclass
class RegionTask:
    """One subproblem: the regions solved together and their sub-instance."""

    key: str
    regions: tuple[str, ...]
    instance: Instance
    weight: float
    deadline: float
    parallel: int
    workers: int
    seed: int
    remaining_weight: float
    floor: float = 0.0
    """Seconds this region gets at least (its share of the time starts from there)."""
    remaining_floor: float = 0.0
    """The floors of the regions that start after this one (in-process runs)."""
    channel: Any = None
    """Stop flag, progress and time shares shared with local worker processes (a
    multiprocessing manager); always None for a Dask cluster, whose tasks must be plain
    picklable data."""
    groups: GroupMode = "off"


@dataclass
class RegionResult:
    """What a subproblem decided, by string id."""

    key: str
    regions: tuple[str, ...]
    status: Status
    objective: float | None = None
    bound: float | None = None
    parts: dict[str, float] = field(default_factory=dict)
    assignment: dict[str, str] = field(default_factory=dict)
    slots: dict[str, SlotKey] = field(default_factory=dict)
    leaders: dict[str, tuple[str, str]] = field(default_factory=dict)
    unplaced: list[tuple[str, str, str | None]] = field(default_factory=list)
    blocking: list[Refusal] = field(default_factory=list)
    learners: int = 0
    networks: int = 0
    seconds: float = 0.0
    share: float = 0.0
    """Seconds the region was given (diagnostics; plans hold no times)."""
    stopped: bool = False


@dataclass
class ShareState:
    """What a region learns when it starts, to size its share of the time."""

    remaining_weight: float
    """Weights of the regions not yet started, this one included."""
    later_floors: float
    """Floors of the regions that start after this one."""
    committed: float = 0.0
    """Seconds the regions running in other processes still hold."""


def region_floor(learners: int) -> float:
    """Seconds every region gets at least: enough to prune, construct and repair a small
    region (a share proportional to size alone starves the small ones at the end)."""
    return 1.5 + 0.004 * learners


def _share(task: RegionTask, state: ShareState) -> float:
    """Seconds this region may use: its floor, plus its weight's part of what is left
    once the regions running elsewhere and the floors of the later regions are served.
    ``task.parallel`` regions run at once; never past the deadline."""
    left = task.deadline - clock.now()
    capacity = task.parallel * left - state.committed - state.later_floors - task.floor
    part = task.weight / max(state.remaining_weight, task.weight, 1e-9)
    share = task.floor + max(0.0, capacity) * part
    return max(0.05, min(share, left))


ReportFn = Callable[[str, float, float], None]
"""``report(key, objective, bound)``: live progress of one region."""


def solve_region(task: RegionTask) -> RegionResult:
    """Solve one subproblem in a worker process (stop flag and progress via the channel)."""
    channel = task.channel
    if channel is None:
        state = ShareState(task.remaining_weight, task.remaining_floor)
        return solve_region_here(task, None, None, state)
    state = channel.take(task.key, task.weight, task.floor)
    try:
        result = solve_region_here(
            task, channel.stop, channel.report, state, lambda end: channel.started(task.key, end)
        )
        if result.objective is not None:  # the final figures, bound included
            channel.report(task.key, result.objective, result.bound or 0.0)
        return result
    finally:
        channel.finished(task.key)


FULL_MODEL_PAIRS = 40_000
"""Regions with at most this many candidate (learner, network) pairs are finished with
the full CP-SAT model (a region of seed 000's size has ~12,000); larger ones by the
neighbourhood search, with the Lagrangian bound as their bound."""


MODEL_SECONDS_PER_PAIR = 1.2e-4
"""Seconds to build the full model per candidate pair (measured on the national regions,
2 busy cores: 15,000 pairs in 1.6-2.5 s); a region whose share left cannot hold twice
that goes on with the search alone."""


GREEDY_SECONDS_PER_PAIR = 5e-6
MODEL_WORK_PER_PAIR = 4e-5
"""Work charged (:mod:`composer.clock`) per candidate pair for one greedy construction
and for building the full model (measured on midden-nederland, 12,000 pairs: 0.05 s and
0.44 s on the reference machine; MODEL_SECONDS_PER_PAIR is the busy-machine figure the
wall-clock room test keeps)."""


def _full_model_parameters(solver: Any) -> None:
    # CP-SAT's presolve turns the roster links x[l,n] <= sum(y) into clauses that its LP
    # relaxation leaves out; without presolve the LP keeps them and its bound is far
    # stronger on this model (measured: optimal in ~1 s instead of a 5 % gap after 20 s
    # on a 140-learner region).
    solver.parameters.cp_model_presolve = False


def solve_region_here(
    task: RegionTask,
    stop: threading.Event | None,
    report: ReportFn | None,
    state: ShareState,
    announce: Any = None,
) -> RegionResult:
    """Plan one subproblem within its share of the time.

    1. Prune candidates and look for what blocks the region up front (then infeasible,
       with the reasons).
    2. Construct a plan (:func:`greedy_start`) and compute a Lagrangian lower bound; its
       slot values guide a second construction. A construction may leave learners out;
       the search below repairs it (elastic model).
    3. Regions up to :data:`FULL_MODEL_PAIRS` candidate pairs: the full CP-SAT model,
       hinted with the best plan, runs until the end (in a helper thread, one worker)
       while this thread moves networks to other slots with an optimal re-assignment of
       every learner (:func:`slot_search`), sharpens the Lagrangian bound and re-plans
       groups of nearby networks exactly (:func:`large_neighbourhood_search`); with one
       worker the two run one after the other. The model proves optimality, tightens
       the bound, or proves that no plan exists.
    4. Larger regions: slot moves, neighbourhood search, then a sharper Lagrangian bound.
    5. A region still without a plan may take one more share to repair (grace).
    ``announce(end)`` tells the other processes until when this region runs.
    """
    t0 = clock.now()
    wall0 = time.perf_counter()
    share = _share(task, state)
    end = min(task.deadline, t0 + share)
    result_share = share
    if announce is not None:
        announce(end)
    inst = task.instance
    result = RegionResult(task.key, task.regions, "unknown", share=result_share)
    result.learners, result.networks = len(inst.learners), len(inst.los.networks)
    data = prepare_region(inst)
    if data.blocking:
        result.status = "infeasible"
        result.blocking = data.blocking
        result.seconds = time.perf_counter() - wall0
        return result
    if not data.networks:
        # no network in the region: every learner is unplaced (allowed, else blocking)
        _fill(result, data, {}, {}, {})
        result.status = "optimal"
        result.bound = result.objective
        result.seconds = time.perf_counter() - wall0
        return result

    ready = clock.now()

    def at(fraction: float) -> float:
        """A moment ``fraction`` of the way from now (after pruning) to the end."""
        return ready + (end - ready) * fraction

    def stopped() -> bool:
        return stop is not None and stop.is_set()

    best: Start | None = None
    best_value: float | None = None
    visits: dict[Any, int] = {}  # L9 visit deficits by slot pattern
    bound: float | None = None

    def offer(candidate: Start) -> bool:
        """Keep ``candidate`` when it is a plan (complete, admits the visit cycle) and
        better than the best; True when it is a plan."""
        nonlocal best, best_value
        if not candidate.complete or not _sound(data, candidate, visits):
            return False
        value = start_objective(data, candidate)
        if best_value is None or value < best_value:
            best, best_value = candidate, value
            if report is not None:
                report(task.key, value, bound if bound is not None else 0.0)
        return True

    def improved(value: int) -> None:
        if report is not None:
            report(task.key, value, bound if bound is not None else 0.0)

    search = replace(data, elastic=True)  # the search may hold plans that leave people out

    def missing(candidate: Start) -> int:
        """Learners who must be placed but are not (a partial construction)."""
        return sum(
            1 for lr in data.learners if lr not in candidate.network_of and not data.may_unplace[lr]
        )

    # the cheap construction first, so a plan exists early; every later phase is cut or
    # skipped when the region's share is spent (the stage honours --time-limit)
    built_at = clock.now()
    start = greedy_start(data)
    clock.charge(GREEDY_SECONDS_PER_PAIR * len(data.pair_cost))
    construction = clock.now() - built_at
    offer(start)
    # a bound for the gap: at least one subgradient step (a fraction of a construction)
    lagrange = lagrangian_bound(
        data,
        start,
        at(0.08),
        iterations=150,
        min_iterations=40,
        hard_deadline=end,
    )
    bound = lagrange.bound
    if lagrange.slot_values and end - clock.now() > 2 * construction:
        guided = greedy_start(data, lagrange.slot_values)
        clock.charge(GREEDY_SECONDS_PER_PAIR * len(data.pair_cost))
        offer(guided)
        if len(guided.slot) == len(data.networks) and (
            len(start.slot) < len(data.networks) or missing(guided) < missing(start)
        ):
            start = guided
    current = best if best is not None else start  # may still leave learners out
    searchable = len(current.slot) == len(data.networks)
    small = len(data.pair_cost) <= FULL_MODEL_PAIRS
    open_gap = best_value is None or bound is None or best_value > bound
    infeasible = False
    # the full model only when the share leaves time to build it and then to solve it
    # (building costs about MODEL_SECONDS_PER_PAIR per candidate pair; measured)
    room = end - clock.now() >= 2 * MODEL_SECONDS_PER_PAIR * len(data.pair_cost) + 0.5
    if small and open_gap and not stopped() and room:
        # The full model runs in a helper thread (CP-SAT releases the GIL) while this
        # thread searches by slot moves and neighbourhoods: two cores, two methods. The
        # model's LP gives the bound; whichever finds the better plan wins. The model is
        # elastic: a learner who must be placed may be left out at a cost above any plan,
        # so a partial construction is a start, and an optimum that leaves someone out
        # (or a bound above that cost) proves that no plan exists.
        # L9 lazily: the model holds the slot cap only (its LP bound is far stronger
        # without the visit arcs) and every solution it finds is checked for the visit
        # cycle before it counts; should the relaxation's optimum miss visits, the model
        # with the arcs gets the time left (measured on midden-nederland: bound 5,005
        # with the arcs, 5,086 without, in the same 7 s)
        lazy = bool(visit_regions(data))
        built = LosModel(replace(search, visit_arcs=False) if lazy else search, task.groups)
        clock.charge(MODEL_WORK_PER_PAIR * len(data.pair_cost))
        if searchable:
            built.add_hint(current)
        done = threading.Event()
        halt = _Either(stop, done)
        holder: dict[str, CpRun] = {}
        incumbents: list[Start] = []  # every solution of the model, best last

        def progress(objective: float, cp: float, elapsed: float) -> None:
            shown = best_value if lazy else objective
            if report is not None and shown is not None and shown < data.big:
                report(task.key, shown, max(cp, bound or cp))

        def keep(solution: Any) -> None:
            incumbents.append(_read_solution(search, built, solution))

        def solve_full() -> None:
            try:
                holder["run"] = run_cpsat(
                    built.model,
                    time_limit=max(0.05, end - clock.now()),
                    workers=max(1, task.workers - 1) if searchable else max(1, task.workers),
                    seed=task.seed,
                    stop=stop,
                    progress=progress,
                    extra=_full_model_parameters,
                    seconds_per_dtime=LOS_SECONDS_PER_DTIME,
                    on_solution=keep if lazy else None,
                )
            finally:
                done.set()

        if task.workers <= 1:
            # one worker asked for: one thing at a time (slot moves, then the model)
            if searchable:
                current = slot_search(
                    search,
                    current,
                    at(0.3),
                    seed=task.seed,
                    values=lagrange.slot_values,
                    stop=stop,
                    on_improve=improved,
                )
                offer(current)
                built.add_hint(current)
            solve_full()
        else:
            helper = threading.Thread(target=solve_full, name="los-cp-sat", daemon=True)
            helper.start()
            if searchable:
                # slot moves for up to half the time (a partial construction: a quarter,
                # then the neighbourhood search repairs around who is left out)
                current = slot_search(
                    search,
                    current,
                    at(0.5) if missing(current) == 0 else at(0.25),
                    seed=task.seed,
                    values=lagrange.slot_values,
                    stop=halt,
                    on_improve=improved,
                )
                offer(current)
            if best is not None and not halt.is_set() and bound is not None:
                # a tighter Lagrangian bound, now aimed at the improved plan (in case the
                # model's LP does not finish in time)
                again = lagrangian_bound(
                    data, best, min(end, at(0.65)), iterations=600, warm=lagrange, min_iterations=0
                )
                if again.bound is not None:
                    bound = max(bound, again.bound)
            if searchable and not halt.is_set():
                current, _stats = large_neighbourhood_search(
                    search, current, end, seed=task.seed, workers=1, stop=halt, on_improve=improved
                )
                offer(current)
            helper.join()

        def absorb(run: CpRun, model: LosModel, checked: list[Start] | None) -> bool:
            """Take a model run's plan and bound; True when it proves that no plan exists
            (a proof from the relaxation holds for L9 too: the slot cap is necessary)."""
            nonlocal bound
            result.stopped = result.stopped or run.stopped
            proof = run.status == "infeasible" or (run.bound is not None and run.bound >= data.big)
            if proof:
                return best is None
            if run.has_solution:
                if checked is not None:
                    # the best solution that admits the visit cycle (checked best first)
                    for candidate in reversed(checked):
                        if offer(candidate):
                            break
                else:
                    offer(_read_solution(search, model, run.solver))
                cp_bound = run.bound if run.status != "optimal" else run.objective
                if cp_bound is not None and cp_bound < data.big:
                    bound = cp_bound if bound is None else max(bound, cp_bound)
            return False

        run = holder.get("run")
        if run is not None:
            infeasible = absorb(run, built, incumbents if lazy else None)
            unproven = best_value is None or bound is None or best_value > bound
            relaxation_short = lazy and not infeasible and run.status == "optimal" and unproven
            if relaxation_short and not stopped() and end - clock.now() > 0.5:
                # the relaxation's optimum misses visits: the model with the arcs, hinted
                # with the best plan, for the time left
                exact = LosModel(search, task.groups)
                clock.charge(MODEL_WORK_PER_PAIR * len(data.pair_cost))
                if best is not None:
                    exact.add_hint(best)
                again_run = run_cpsat(
                    exact.model,
                    time_limit=end - clock.now(),
                    workers=max(1, task.workers),
                    seed=task.seed,
                    stop=stop,
                    extra=_full_model_parameters,
                    seconds_per_dtime=LOS_SECONDS_PER_DTIME,
                )
                infeasible = absorb(again_run, exact, None)
    elif open_gap and searchable and not stopped() and clock.now() < end:
        # too large for the full model (or no time to build it): slot moves,
        # neighbourhoods, then a tighter Lagrangian bound from the best plan
        current = slot_search(
            search,
            current,
            at(0.55),
            seed=task.seed,
            values=lagrange.slot_values,
            stop=stop,
            on_improve=improved,
        )
        offer(current)
        if not stopped():
            current, _stats = large_neighbourhood_search(
                search,
                current,
                at(0.9),
                seed=task.seed,
                workers=task.workers,
                stop=stop,
                on_improve=improved,
            )
            offer(current)
        if not stopped() and best is not None:
            again = lagrangian_bound(
                data, best, end, iterations=10_000, warm=lagrange, min_iterations=0
            )
            if again.bound is not None:
                bound = again.bound if bound is None else max(bound, again.bound)
    if best is None and not infeasible and searchable and not stopped():
        # grace: a region without any plan yet may take one more share (within the
        # deadline, leaving the later regions their floors) to repair its partial plan
        grace = min(task.deadline - state.later_floors / task.parallel, clock.now() + share)
        if grace - clock.now() > 0.2:
            current, _stats = large_neighbourhood_search(
                search, current, grace, seed=task.seed + 1, workers=1, stop=stop
            )
            offer(current)
    if infeasible:
        result.status = "infeasible"
        result.blocking = _explain_infeasible(data, task)
        result.seconds = time.perf_counter() - wall0
        return result
    result.stopped = result.stopped or stopped()
    if best is None:
        result.status = "unknown"
        result.seconds = time.perf_counter() - wall0
        return result
    _fill(result, data, best.network_of, best.slot, best.leaders)
    if result.objective is None or best_value is None or abs(result.objective - best_value) > 1e-6:
        raise RuntimeError(
            f"LOS region {task.key}: the search's objective {best_value} differs from the "
            f"recomputed {result.objective}; this is a bug"
        )
    # no bound: feasible, not proven (never claim optimality without one)
    result.bound = None if bound is None else min(bound, result.objective)
    proven = result.bound is not None and result.bound >= result.objective
    result.status = "optimal" if proven else "feasible"
    result.seconds = time.perf_counter() - wall0
    return result


class _Either(threading.Event):
    """Set when any of its events is set (a stop flag for helpers that poll is_set)."""

    def __init__(self, *events: threading.Event | None) -> None:
        super().__init__()
        self._events = [e for e in events if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self._events)


def _sound(data: RegionData, start: Start, cache: dict[Any, int] | None = None) -> bool:
    """A cheap guard on a constructed plan: every network has a slot and two leaders, a
    size within L1, its L2 students, and members who are candidates free at its slot;
    every learner who must be placed is; the slots admit the L9 visit cycle
    (:func:`~composer.solvers.los_model.visit_deficit`). (The checker remains the
    referee.)"""
    sizes: dict[int, int] = defaultdict(int)
    students: dict[int, int] = defaultdict(int)
    for lr, n in start.network_of.items():
        if (lr, n) not in data.pair_cost or start.slot.get(n) not in data.free[lr]:
            return False
        sizes[n] += 1
        students[n] += data.learner(lr).kind in STUDENT_KINDS
    for n in data.networks:
        low, high = los_rules.size_bounds(data.inst, data.network(n))
        if n not in start.slot or not low <= sizes[n] <= high:
            return False
        if students[n] < los_rules.min_students(data.network(n)):
            return False
        if (n, "so") not in start.leaders or (n, "second") not in start.leaders:
            return False
    if not all(lr in start.network_of or data.may_unplace[lr] for lr in data.learners):
        return False
    # L9: the slots leave room for every region's visit cycle
    return visit_deficit(data, start.slot, cache, start.leaders) == 0


def _read_solution(data: RegionData, built: LosModel, solver: Any) -> Start:
    """The plan held by a solved full model, as a :class:`Start`."""
    v = built.v
    network_of = {lr: n for (lr, n), var in v.x.items() if solver.boolean_value(var)}
    slot = {n: s for (n, s), var in v.y.items() if solver.boolean_value(var)}
    leaders: dict[tuple[int, Position], int] = {}
    for (n, pos), f in data.fixed.items():
        if f is not None:
            leaders[(n, pos)] = f
    for (n, pos, f), var in v.lead.items():
        if solver.boolean_value(var):
            leaders[(n, pos)] = f
    complete = len(slot) == len(data.networks) and all(
        lr in network_of or data.may_unplace[lr] for lr in data.learners
    )
    return Start(slot=slot, leaders=leaders, network_of=network_of, complete=complete)


def _fill(
    result: RegionResult,
    d: RegionData,
    network_of: dict[int, int],
    slot: dict[int, int],
    leaders: dict[tuple[int, Position], int],
) -> None:
    """Store a solution by string ids and its objective recomputed by term."""
    inst = d.inst
    for lr, n in network_of.items():
        result.assignment[inst.learners[lr].id] = d.network(n).id
    for n, s in slot.items():
        result.slots[d.network(n).id] = d.slots[s]
    for n in d.networks:
        if (n, "so") in leaders and (n, "second") in leaders:
            result.leaders[d.network(n).id] = (
                inst.facilitators[leaders[(n, "so")]].id,
                inst.facilitators[leaders[(n, "second")]].id,
            )
    for lr in d.learners:
        if lr in network_of:
            continue
        refusals = list(d.cand.refusals[lr].values())
        if not d.cand.networks_of[lr]:
            reason = "no network could take them: " + (
                los_rules.summarise(refusals) if refusals else "no network in their region"
            )
            rule = refusals[0].rule if refusals else "L7"
        else:
            reason = (
                "the networks that could take them are full or would break a rule "
                f"(leaving them out costs {d.settings.weights.unplaced} per learner)"
            )
            rule = "L1"
        result.unplaced.append((inst.learners[lr].id, reason, rule))
    plan = Plan(instance=inst.name, networks=tuple(_planned(d.inst, result)))
    parts = d.objective.evaluate(plan)
    result.parts = parts
    result.objective = sum(parts.values())


def _planned(inst: Instance, result: RegionResult) -> Iterator[PlannedNetwork]:
    """The planned networks of a region result, in instance order, members sorted."""
    members: dict[str, list[str]] = defaultdict(list)
    for lid, nid in result.assignment.items():
        members[nid].append(lid)
    order = inst.index.learner
    for net in inst.los.networks:
        if net.id not in result.slots:
            continue
        weekday, block_id = result.slots[net.id]
        block = los_rules.block_of(inst, block_id)
        yield PlannedNetwork(
            id=net.id,
            region=net.region,
            slot=PlannedSlot(weekday=weekday, block=block_id, start=block.start, end=block.end),
            location=net.location,
            learners=tuple(sorted(members[net.id], key=order.__getitem__)),
            facilitators=result.leaders.get(net.id, ()),
        )


def _explain_infeasible(d: RegionData, task: RegionTask) -> list[Refusal]:
    """Rule families that together block a region the search proved infeasible.

    Re-solves with one enforcement literal per rule family as assumptions (one worker, a
    few seconds) and names the families in the infeasible core CP-SAT returns. ``composer
    explain`` (issue 7) will shrink this to items.
    """
    limit = min(5.0, max(0.0, task.deadline - clock.now()))
    families = "L1, L2, L4, L5, L6, L9"
    if limit < 0.2:
        return [Refusal("L1", f"no plan satisfies {families} together (no time to narrow it)")]
    built = LosModel(d, "family")
    built.model.add_assumptions(list(built.groups.literals.values()))
    run = run_cpsat(built.model, time_limit=limit, workers=1, seed=task.seed)
    if run.status != "infeasible":
        return [Refusal("L1", f"no plan satisfies {families} together")]
    core = {int(i) for i in run.solver.sufficient_assumptions_for_infeasibility()}
    names = sorted(rule for (rule, _), lit in built.groups.literals.items() if lit.index in core)
    if not names:
        return [Refusal("L1", f"no plan satisfies {families} together")]
    return [
        Refusal(
            names[0],
            f"rules {', '.join(names)} cannot all hold together in this region "
            "(the rosters, sizes, slots, facilitators and yearly visits leave no common plan)",
        )
    ]


# --------------------------------------------------------------------------- live line


class _Live:
    """The stage's live progress line: the best objective and bound summed over the
    regions that have a plan so far, and how many of all regions that is. A heartbeat
    thread repeats the line every ``every`` seconds so the elapsed time the CLI shows keeps
    moving while a region searches without finding anything new."""

    def __init__(self, progress: Progress, regions: int, every: float = 1.0) -> None:
        self.progress = progress
        self.regions = regions
        self.every = every
        self.best: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._beat, name="los-live", daemon=True)

    def __enter__(self) -> _Live:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.done.set()
        self.thread.join(2.0)

    def report(self, key: str, objective: float, bound: float) -> None:
        """A region's best objective and bound so far."""
        with self.lock:
            self.best[key] = (objective, min(bound, objective))
        self.emit()

    def emit(self) -> None:
        with self.lock:
            values = list(self.best.values())
        if not values:
            self.progress(STAGE, f"0 of {self.regions} region(s) planned so far")
            return
        self.progress(
            STAGE,
            f"{len(values)} of {self.regions} region(s) planned so far",
            sum(v for v, _ in values),
            sum(b for _, b in values),
        )

    def _beat(self) -> None:
        while not self.done.wait(self.every):
            with contextlib.suppress(Exception):
                self.emit()


# --------------------------------------------------------------------------- channel


class _Channel:
    """Shared state between the stage and worker processes: stop flag, progress queue,
    and the weight of regions not yet started (for time shares)."""

    def __init__(self, manager: Any, total_weight: float, total_floor: float) -> None:
        self.stop = manager.Event()
        self.queue = manager.Queue()
        self._remaining = manager.Value("d", total_weight)
        self._floors = manager.Value("d", total_floor)
        self._ends = manager.dict()
        self._lock = manager.Lock()

    def take(self, key: str, weight: float, floor: float) -> ShareState:
        """Register a region as starting; what it needs to size its share."""
        with self._lock:
            remaining = float(self._remaining.value)
            floors = float(self._floors.value) - floor
            self._remaining.value = remaining - weight
            self._floors.value = floors
            now = time.time()
            committed = sum(max(0.0, end - now) for end in self._ends.values())
        return ShareState(remaining, max(0.0, floors), committed)

    def started(self, key: str, end: float) -> None:
        """The region runs until ``end`` (wall clock)."""
        self._ends[key] = end

    def finished(self, key: str) -> None:
        """The region is done; its time is free again."""
        with contextlib.suppress(Exception):
            self._ends.pop(key, None)

    def report(self, key: str, objective: float, bound: float) -> None:
        with contextlib.suppress(Exception):
            self.queue.put_nowait((key, objective, bound))


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def _channel(
    params: SolveParams, live: _Live, total_weight: float, total_floor: float
) -> Iterator[_Channel]:
    import multiprocessing
    from multiprocessing.managers import SyncManager

    manager = SyncManager(ctx=multiprocessing.get_context("spawn"))
    manager.start(parallel_ignore_sigint)  # a light import in the manager process
    channel = _Channel(manager, total_weight, total_floor)
    done = threading.Event()

    def pump() -> None:
        while not done.is_set():
            if params.stop.is_set() and not channel.stop.is_set():
                channel.stop.set()
            try:
                key, objective, bound = channel.queue.get(timeout=0.1)
            except Exception:
                continue
            live.report(key, objective, bound)

    thread = threading.Thread(target=pump, name="los-progress", daemon=True)
    thread.start()
    try:
        yield channel
    finally:
        done.set()
        thread.join(1.0)
        manager.shutdown()


# --------------------------------------------------------------------------- stage


def region_groups(instance: Instance) -> list[tuple[str, ...]]:
    """Regions to solve together: regions linked by a facilitator who could lead networks
    in both (fixed or candidate), so nobody is double-booked across subproblems. Regions
    with learners or networks only, in instance order."""
    idx = instance.index
    regions = [
        r.id
        for r in instance.regions
        if r.id in idx.learners_by_region or r.id in idx.networks_by_region
    ]
    parent = {r: r for r in regions}

    def find(r: str) -> str:
        while parent[r] != r:
            parent[r] = parent[parent[r]]
            r = parent[r]
        return r

    pool = los_rules.facilitators_by_region(instance)
    reach: dict[str, set[str]] = defaultdict(set)
    for net in instance.los.networks:
        for pos in POSITIONS:
            for f in los_rules.facilitator_candidates(instance, net, pos, pool):
                reach[f.id].add(net.region)
    for linked in reach.values():
        first, *rest = sorted(linked)
        for other in rest:
            if first in parent and other in parent:
                parent[find(other)] = find(first)
    groups: dict[str, list[str]] = defaultdict(list)
    for r in regions:
        groups[find(r)].append(r)
    return [tuple(g) for g in groups.values()]


def sub_instance(instance: Instance, regions: Sequence[str]) -> Instance:
    """The part of ``instance`` one subproblem needs: its regions' learners, networks,
    the facilitators who may lead them, the schools they refer to, and the settings.

    Built without re-validation (the rows come from a valid instance).
    """
    idx = instance.index
    wanted = set(regions)
    learners = [instance.learners[i] for r in regions for i in idx.learners_by_region.get(r, [])]
    learners.sort(key=lambda lr: idx.learner[lr.id])
    networks = [
        instance.los.networks[i] for r in regions for i in idx.networks_by_region.get(r, [])
    ]
    networks.sort(key=lambda n: idx.network[n.id])
    fixed = {f for n in networks for f in (n.schoolopleider, n.second_facilitator) if f}
    facilitators = [
        f for f in instance.facilitators if f.id in fixed or wanted.intersection(f.regions)
    ]
    schools = {lr.home_school for lr in learners}
    for n in networks:
        schools.add(n.location)
        schools.update(n.partner_schools)
    schools.update(f.home_school for f in facilitators if f.home_school)
    los = LosProgramme.model_construct(
        settings=instance.los.settings,
        components=instance.los.components,
        networks=tuple(networks),
    )
    return Instance.model_construct(
        name=instance.name,
        calendar=instance.calendar,
        regions=instance.regions,
        institutions=instance.institutions,
        schools=tuple(s for s in instance.schools if s.id in schools),
        travel=instance.travel,
        travel_times=tuple(
            t for t in instance.travel_times if t.origin in schools and t.destination in schools
        ),
        learners=tuple(learners),
        facilitators=tuple(facilitators),
        los=los,
    )


def _combine(statuses: list[Status]) -> Status:
    if not statuses:
        return "not_planned"
    bad: Status
    for bad in ("infeasible", "unknown"):
        if bad in statuses:
            return bad
    return "optimal" if all(s == "optimal" for s in statuses) else "feasible"


def construct_plan(instance: Instance) -> tuple[Plan, int]:
    """The LOS plan of the constructive start alone, region by region: slots and leaders
    greedily, learners by min-cost flow (:func:`composer.solvers.los_search.greedy_start`),
    no search after it; and how many regions it left incomplete. The ``greedy`` peer of the
    bench, and the baseline every search improves on."""
    results = []
    incomplete = 0
    for regions in region_groups(instance):
        sub = sub_instance(instance, regions)
        result = RegionResult("+".join(regions), regions, "unknown")
        result.learners, result.networks = len(sub.learners), len(sub.los.networks)
        data = prepare_region(sub)
        if data.blocking:
            result.status = "infeasible"
            result.blocking = data.blocking
        else:
            start = greedy_start(data)
            incomplete += not start.complete
            _fill(result, data, start.network_of, start.slot, start.leaders)
            result.status = "feasible"
        results.append(result)
    return _assemble(instance, Plan(instance=instance.name), results), incomplete


def run_stage(instance: Instance, plan: Plan, params: SolveParams, progress: Progress) -> Plan:
    """The ``los`` stage: fill ``plan.networks``, ``plan.unplaced`` and ``stages["los"]``."""
    t0 = clock.now()
    if not instance.los.networks and not instance.learners:
        result = StageResult(status="not_planned", notes=("no LOS networks or learners",))
        return plan.model_copy(update={"stages": {**plan.stages, STAGE: result}})
    deadline = t0 + max(0.1, params.time_limit - safety_seconds(params.time_limit))
    groups = region_groups(instance)
    tasks = []
    for regions in groups:
        sub = sub_instance(instance, regions)
        # time shares follow the work: learners, and networks (slots, facilitators)
        weight = float(len(sub.learners) + 10 * len(sub.los.networks) + 50)
        tasks.append((regions, sub, weight))
    # largest first: their fixed costs (pruning hundreds of thousands of pairs, building
    # the model) come while there is time; the floors of the later, smaller regions are
    # kept aside, and time that a region does not use flows to the ones after it
    order = sorted(range(len(tasks)), key=lambda i: (-tasks[i][2], i))
    total = sum(t[2] for t in tasks)
    processes = max(1, min(params.parallel_processes, len(tasks)))
    region_tasks: list[RegionTask] = []
    remaining = total
    floors = [region_floor(len(tasks[i][1].learners)) for i in order]
    for rank, i in enumerate(order):
        regions, sub, weight = tasks[i]
        region_tasks.append(
            RegionTask(
                key="+".join(regions),
                regions=regions,
                instance=sub,
                weight=weight,
                deadline=deadline,
                parallel=processes,
                workers=params.workers,
                seed=params.seed,
                remaining_weight=remaining,
                floor=floors[rank],
                remaining_floor=sum(floors[rank + 1 :]),
            )
        )
        remaining -= weight
    progress(STAGE, f"{len(region_tasks)} region(s)")
    results: list[RegionResult] = []
    with _Live(progress, len(region_tasks)) as live:
        if cluster_address() is not None:
            # a Dask cluster: the tasks travel as plain data (no manager proxy can reach
            # a worker), so each region sizes its share from the figures it carries and
            # stops at the deadline; no region progress or Ctrl-C reaches the workers
            results = map_tasks(solve_region, region_tasks, processes)
        elif processes > 1:
            with _channel(params, live, total, sum(floors)) as channel:
                for task in region_tasks:
                    task.channel = channel
                results = map_tasks(solve_region, region_tasks, processes)
                for task in region_tasks:
                    task.channel = None
        else:
            for task in region_tasks:
                if params.stop.is_set():
                    results.append(RegionResult(task.key, task.regions, "unknown", stopped=True))
                    continue
                state = ShareState(task.remaining_weight, task.remaining_floor)
                solved = solve_region_here(task, params.stop, live.report, state)
                if solved.objective is not None:  # the final figures, bound included
                    live.report(task.key, solved.objective, solved.bound or 0.0)
                results.append(solved)
    by_key = {r.key: r for r in results}
    ordered = [by_key["+".join(regions)] for regions, _, _ in tasks]
    return _assemble(instance, plan, ordered)


def _without_plan(
    learners: list[str],
    region: str,
    head: Refusal,
    own: dict[str, Refusal] | None = None,
) -> Iterator[Unplaced]:
    """The learners of ``region``, which got no plan (infeasible, or none found in time):
    in no network, each listed with the reason about them (``own``: a learner no network
    could take) or else the region's ``head`` reason (the stage notes hold the rest)."""
    own = own or {}
    for lid in learners:
        why = own.get(lid, head)
        yield Unplaced(
            id=lid,
            what="learner",
            reason=f"region {region} has no plan: {why.reason}; see the stage notes",
            rule=why.rule or None,
        )


def _assemble(instance: Instance, plan: Plan, results: list[RegionResult]) -> Plan:
    """One plan from the region results (instance order), with the stage's result."""
    networks: list[PlannedNetwork] = []
    unplaced: list[Unplaced] = []
    notes: list[str] = []
    statuses: list[Status] = []
    parts = dict.fromkeys(TERMS, 0.0)
    objective = 0.0
    bound: float | None = 0.0
    solved = 0
    for r in results:
        statuses.append(r.status)
        label = f"region {r.key}"
        if r.objective is not None and r.status in {"optimal", "feasible"}:
            solved += 1
            networks.extend(_planned(instance, r))
            unplaced.extend(
                Unplaced(id=i, what="learner", reason=why, rule=rule) for i, why, rule in r.unplaced
            )
            objective += r.objective
            bound = None if bound is None or r.bound is None else bound + r.bound
            for term, value in r.parts.items():
                parts[term] += value
            gap = relative_gap(r.objective, r.bound)
            gap_text = f", gap {gap:.2%}" if gap is not None else ""
            bound_text = "no bound" if r.bound is None else f"bound {r.bound:,.0f}"
            notes.append(
                f"{label}: {r.status}, objective {r.objective:,.0f} ({bound_text}{gap_text}), "
                f"{len(r.assignment)} of {r.learners} learners in {r.networks} networks"
            )
            continue
        ids = [n.id for n in instance.los.networks if n.region in r.regions]
        people = [
            instance.learners[lr].id
            for region in r.regions
            for lr in instance.index.learners_by_region.get(region, [])
        ]
        if r.status == "infeasible":
            head = r.blocking[0] if r.blocking else Refusal("L1", "no plan satisfies the rules")
            notes.append(
                f"{label}: infeasible — {len(r.blocking)} reason(s); its {len(ids)} network(s) "
                f"are not planned and its {len(people)} learner(s) are in no network"
            )
            for refusal in r.blocking[:20]:
                notes.append(f"  {refusal.render()}")
            if len(r.blocking) > 20:
                notes.append(f"  ... and {len(r.blocking) - 20} more")
            unplaced.extend(
                Unplaced(
                    id=nid,
                    what="network",
                    reason=f"region {r.key} is infeasible: {head.reason}",
                    rule=head.rule,
                )
                for nid in ids
            )
            own = {lid: ref for ref in r.blocking for lid in ref.about}
            unplaced.extend(_without_plan(people, r.key, head, own))
        else:
            why = "no plan found within the time limit" + (" (stopped)" if r.stopped else "")
            notes.append(
                f"{label}: {why}; its {len(ids)} network(s) are not planned and its "
                f"{len(people)} learner(s) are in no network"
            )
            unplaced.extend(
                Unplaced(id=nid, what="network", reason=f"region {r.key}: {why}", rule=None)
                for nid in ids
            )
            unplaced.extend(_without_plan(people, r.key, Refusal("", why)))
    status = _combine(statuses)
    order = instance.index.network
    networks.sort(key=lambda p: order[p.id])
    learner_order = instance.index.learner
    unplaced.sort(key=lambda u: (u.what, learner_order.get(u.id, order.get(u.id, 0))))
    planned_any = solved > 0
    result = StageResult(
        status=status,
        objective=objective if planned_any else None,
        bound=bound if planned_any else None,
        gap=relative_gap(objective, bound) if planned_any else None,
        parts={k: v for k, v in parts.items()} if planned_any else {},
        notes=tuple(notes),
    )
    return plan.model_copy(
        update={
            "networks": tuple(networks),
            "unplaced": (*plan.unplaced, *unplaced),
            "stages": {**plan.stages, STAGE: result},
        }
    )


__all__ = [
    "RegionResult",
    "RegionTask",
    "region_groups",
    "run_stage",
    "solve_region",
    "sub_instance",
]
