"""The solve pipeline: run the stages in order and assemble one plan.

Each stage is a function ``run(instance, plan, params, progress) -> Plan`` living in
``composer.solvers`` (the only package that imports OR-Tools). It returns the plan with
its own part filled in (``networks``, ``clusters``, ...) and its :class:`StageResult`
under ``plan.stages[name]``. A stage with nothing to plan in the instance reports
``not_planned``. The pipeline adds the run's metadata and combines the stage results.
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from composer import __version__, clock
from composer.model.instance import Instance
from composer.model.plan import Plan, StageResult, Status
from composer.parallel import shared_pool
from composer.params import SolveParams


class Progress(Protocol):
    """Receives live progress: a stage's best objective and bound so far."""

    def __call__(
        self, stage: str, message: str, objective: float | None = None, bound: float | None = None
    ) -> None: ...


def no_progress(
    stage: str, message: str, objective: float | None = None, bound: float | None = None
) -> None:
    """A progress sink that ignores everything."""


StageFn = Callable[[Instance, Plan, SolveParams, Progress], Plan]

STAGE_FUNCTIONS: dict[str, str] = {
    "los": "composer.solvers.los:run_stage",
    "bv": "composer.solvers.bv:run_stage",
    "tn": "composer.solvers.tn:run_stage",
    "calendar": "composer.solvers.calendar:run_stage",
}
"""Stage name → ``module:function`` of its runner, imported when the stage runs."""


def stage_function(name: str) -> StageFn | None:
    """The runner of a stage, or None when this build has no solver for it."""
    target = STAGE_FUNCTIONS.get(name)
    if target is None:
        return None
    module, _, func = target.partition(":")
    fn: StageFn = getattr(importlib.import_module(module), func)
    return fn


STAGE_WEIGHTS: dict[str, float] = {"los": 4.0, "bv": 4.0, "tn": 2.0, "calendar": 2.0}
"""How the time left is shared among the stages still to run (time a stage does not use
flows to the ones after it)."""


WRITE_SECONDS_PER_ITEM = 1e-4
"""Serialising and writing plan.json per learner and school (national, 11,622 of them:
0.8-1.2 s on the shared 2-core machine)."""


def write_reserve(time_limit: float, items: int = 0) -> float:
    """Seconds kept back from the time limit for writing plan.json and run.json: a little
    of the limit, plus what a plan of ``items`` learners and schools takes to write."""
    return min(3.0, 0.2 + 0.01 * time_limit) + WRITE_SECONDS_PER_ITEM * items


def plan_items(instance: Instance) -> int:
    """The size of a plan for :func:`write_reserve`: learners plus schools."""
    return len(instance.learners) + len(instance.schools)


def stage_budget(end: float, now: float, name: str, rest: list[str]) -> float:
    """The time limit of stage ``name``: its weighted share of the time left until
    ``end``, shared with the stages in ``rest`` (still to run after it). The shares of
    the stages still to run never add up to more than is left; once nothing is left, a
    stage gets 0.1 s to return what it has (its best plan or ``unknown``)."""
    left = end - now
    if left <= 0.0:
        return 0.1
    mine = STAGE_WEIGHTS.get(name, 1.0)
    total = mine + sum(STAGE_WEIGHTS.get(n, 1.0) for n in rest)
    return left * mine / total


POOL_START_SECONDS = 1.5
"""Worker processes (``--workers`` > 1) import composer and OR-Tools before their first
task: the first parallel stage waits about this long on the shared 2-core machine."""

STAGE_FIXED_SECONDS: dict[str, float] = {"los": 0.1, "bv": 0.5, "tn": 0.05, "calendar": 0.1}
SECONDS_PER_LEARNER: dict[str, float] = {"los": 0.0017, "calendar": 0.0016}
SECONDS_PER_SCHOOL: dict[str, float] = {"bv": 0.0003}
"""What a stage costs at least, however short its share: LOS prunes and constructs every
region, BV allocates the cluster caps (a max-flow per region) and assigns coordinators,
the calendar prepares and dates every series. Fitted to runs at ``--time-limit 1`` on
the shared 2-core VM (load 2.5, 2026-11-23): national (3,000 learners, 8,622 schools)
los 5.1 s, bv 3.4 s, calendar 4.7 s; midden-nederland (595, 502) 1.0 s, 0.8 s, 0.6 s."""


def minimum_seconds(instance: Instance, params: SolveParams, elapsed: float = 0.0) -> float:
    """An estimate of the least wall time a solve of ``instance`` takes, whatever its time
    limit: ``elapsed`` (already spent: start, imports, loading), the worker start, each
    requested stage's fixed cost and the write reserve. Below it, the stages still return
    their best plan or ``unknown`` at their deadlines, but the run takes about this long;
    the CLI warns up front instead of overrunning silently. A floor measured on one
    machine (see the constants), not a promise."""
    learners, schools = len(instance.learners), len(instance.schools)
    need = elapsed + write_reserve(params.time_limit, plan_items(instance))
    if params.parallel_processes > 1:
        need += POOL_START_SECONDS
    for name in params.stages:
        need += STAGE_FIXED_SECONDS.get(name, 0.0)
        need += SECONDS_PER_LEARNER.get(name, 0.0) * learners
        need += SECONDS_PER_SCHOOL.get(name, 0.0) * schools
    return need


UNCOUNTED_SHARE = 0.5
"""A work-clock run's budget is its limit less this share of :func:`minimum_seconds`:
the work no search counts (start, loading, pruning, building, writing). The minimum is
fitted on a busy machine; on the quiet reference machine the uncounted part is about
half of it (national at 60 s, one worker: 6.9 s of 35.3 s wall against an estimate of
16.0 s)."""


@dataclass
class RunLog:
    """What a run measured but a plan must not hold (it differs between identical runs)."""

    wall_seconds: dict[str, float] = field(default_factory=dict)
    total_seconds: float = 0.0
    overran: bool = False
    """A work-clock run was stopped by the wall-clock safety net (:mod:`composer.clock`)."""
    work_seconds: float | None = None
    """The work a work-clock run counted (None on the wall clock)."""


def combine_status(statuses: list[Status]) -> Status:
    """The status of a plan from the statuses of its planned stages."""
    planned = [s for s in statuses if s != "not_planned"]
    if not planned:
        return "not_planned"
    if "infeasible" in planned:
        return "infeasible"
    if "unknown" in planned:
        return "unknown"
    if all(s == "optimal" for s in planned):
        return "optimal"
    return "feasible"


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """(objective - bound) / |objective|, 0 when both are 0; None when either is unknown."""
    if objective is None or bound is None:
        return None
    if abs(objective) < 1e-9:
        return 0.0 if abs(bound) < 1e-9 else None
    return max(0.0, (objective - bound) / abs(objective))


def finish_plan(plan: Plan) -> Plan:
    """Fill the plan's overall status, objective, bound and gap from its stages."""
    results: list[StageResult] = list(plan.stages.values())
    status = combine_status([r.status for r in results])
    counted = [r for r in results if r.status in {"optimal", "feasible"}]
    objective = sum(r.objective or 0.0 for r in counted) if counted else None
    bound = (
        sum(r.bound for r in counted if r.bound is not None)
        if counted and all(r.bound is not None for r in counted)
        else None
    )
    return plan.model_copy(
        update={
            "status": status,
            "objective": objective,
            "bound": bound,
            "gap": relative_gap(objective, bound),
        }
    )


def solve(
    instance: Instance, params: SolveParams, progress: Progress = no_progress
) -> tuple[Plan, RunLog]:
    """Run the requested stages on ``instance`` and return the plan and its timings.

    ``params.time_limit`` covers the whole solve from ``params.clock_start`` (the CLI
    passes its process start, so loading the instance counts) to the plan being written:
    each stage is given its share (:data:`STAGE_WEIGHTS`) of the time left, less
    :func:`write_reserve`.
    """
    log = RunLog()
    started = time.perf_counter()
    plan = Plan(
        instance=instance.name,
        instance_hash=instance.content_hash(),
        tool_version=__version__,
        parameters=params.record(),
    )
    runnable = [name for name in params.stages if stage_function(name) is not None]
    warm = [STAGE_FUNCTIONS[name].partition(":")[0] for name in runnable]
    run_clock = clock.for_run(params.time_limit, params.deterministic)
    if run_clock.deterministic:
        # work, not wall time (composer.clock): the stages' shares, and every deadline
        # within them, are counted from 0; what the searches do not count (loading,
        # pruning, building models, writing) is estimated up front from the instance
        end = params.time_limit - UNCOUNTED_SHARE * minimum_seconds(instance, params)
    else:
        begun = params.clock_start if params.clock_start is not None else started
        # the stages' clock is time.time(); the CLI's start is a perf_counter() reading
        end = (
            time.time()
            - (started - begun)
            + params.time_limit
            - write_reserve(params.time_limit, plan_items(instance))
        )
    with shared_pool(params.parallel_processes, warm), clock.use(run_clock):
        plan = _run_stages(instance, plan, params, progress, runnable, end, log)
    if params.stop.is_set():
        plan = plan.model_copy(update={"interrupted": True})
    if run_clock.deterministic:
        log.work_seconds = run_clock.now()
    if run_clock.overran:
        log.overran = True
        plan = _note_overrun(plan, params.time_limit)
    log.total_seconds = time.perf_counter() - started
    return finish_plan(plan), log


def _run_stages(
    instance: Instance,
    plan: Plan,
    params: SolveParams,
    progress: Progress,
    runnable: list[str],
    end: float,
    log: RunLog,
) -> Plan:
    for i, name in enumerate(runnable):
        fn = stage_function(name)
        assert fn is not None
        if params.stop.is_set():
            plan = plan.model_copy(update={"interrupted": True})
            break
        t0 = time.perf_counter()
        budget = stage_budget(end, clock.now(), name, runnable[i + 1 :])
        plan = fn(instance, plan, dataclasses.replace(params, time_limit=budget), progress)
        log.wall_seconds[name] = time.perf_counter() - t0
    return plan


def _note_overrun(plan: Plan, time_limit: float) -> Plan:
    """Tell, in every stage's notes, that the wall-clock safety net of a work-clock run
    fired: the plan is valid but a repeat of the run may differ."""
    note = (
        f"the wall clock stopped this --workers 1 run at {clock.WALL_SAFETY_FACTOR:g} x its "
        f"time limit of {time_limit:g} s (a busy or slow machine): the plan is sound, but "
        "a repeat of the run may give another one"
    )
    stages = {
        name: result.model_copy(update={"notes": (*result.notes, note)})
        for name, result in plan.stages.items()
    }
    return plan.model_copy(update={"stages": stages})
