"""A thin, shared way to run a CP-SAT model: limits, seed, progress and clean stopping.

Every CP-SAT model in composer is solved through :func:`run_cpsat`, so all stages honour
the time limit, the worker count and the seed the same way, report progress the same
way, and stop the same way when the planner presses Ctrl-C: the solve runs in a helper
thread while the calling thread waits in short steps, so Python's signal handlers run
and can set the stop flag; the search is then stopped and the best solution kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ortools.sat.python import cp_model

from composer import clock
from composer.model.plan import Status

ProgressFn = Callable[[float, float, float], None]
"""Called with (objective, bound, elapsed seconds) at every improving solution."""

SolutionFn = Callable[[cp_model.CpSolverSolutionCallback], None]
"""Called at every improving solution with the callback, whose ``boolean_value`` and
``value`` read that solution (to keep or check each incumbent, not only the last)."""

_STATUS: dict[Any, Status] = {
    cp_model.OPTIMAL: "optimal",
    cp_model.FEASIBLE: "feasible",
    cp_model.INFEASIBLE: "infeasible",
    cp_model.MODEL_INVALID: "unknown",
    cp_model.UNKNOWN: "unknown",
}


@dataclass
class CpRun:
    """The outcome of one CP-SAT solve; ``solver`` holds the values when a solution exists."""

    solver: cp_model.CpSolver
    status: Status
    objective: float | None
    bound: float | None
    wall_seconds: float
    stopped: bool

    @property
    def has_solution(self) -> bool:
        """True when the solver holds a feasible assignment."""
        return self.status in {"optimal", "feasible"}


class _Callback(cp_model.CpSolverSolutionCallback):
    def __init__(
        self,
        progress: ProgressFn | None,
        stop: threading.Event | None,
        on_solution: SolutionFn | None = None,
    ) -> None:
        super().__init__()
        self._progress = progress
        self._stop = stop
        self._on_solution = on_solution
        self._t0 = time.perf_counter()

    def on_solution_callback(self) -> None:
        if self._on_solution is not None:
            self._on_solution(self)
        if self._progress is not None:
            self._progress(
                self.ObjectiveValue(), self.BestObjectiveBound(), time.perf_counter() - self._t0
            )
        if self._stop is not None and self._stop.is_set():
            self.StopSearch()


def run_cpsat(
    model: cp_model.CpModel,
    *,
    time_limit: float,
    workers: int = 2,
    seed: int = 0,
    stop: threading.Event | None = None,
    progress: ProgressFn | None = None,
    log: bool = False,
    extra: Callable[[cp_model.CpSolver], None] | None = None,
    on_solution: SolutionFn | None = None,
    seconds_per_dtime: float = clock.SECONDS_PER_CPSAT_DTIME,
) -> CpRun:
    """Solve ``model`` within ``time_limit`` seconds; stop early when ``stop`` is set.

    With ``workers == 1`` CP-SAT is deterministic for a given seed up to its time limit;
    under a work clock (:mod:`composer.clock`, ``--workers 1``) the limit is deterministic
    time, so the search stops at the same point on a busy machine too, and the
    deterministic time used is charged to the clock. ``extra`` may set further solver
    parameters (a labelled reason each, at the call site). ``on_solution`` sees every
    improving solution (see :data:`SolutionFn`). ``seconds_per_dtime`` converts CP-SAT's
    deterministic time to work seconds for a family of models whose rate differs from
    the default (measured per family; see :mod:`composer.clock`).
    """
    solver = cp_model.CpSolver()
    work = clock.current()
    if work.deterministic:
        budget = max(0.0, float(time_limit)) / seconds_per_dtime
        solver.parameters.max_deterministic_time = max(0.001, budget)
        solver.parameters.max_time_in_seconds = max(0.01, work.wall_left())
    else:
        solver.parameters.max_time_in_seconds = max(0.01, float(time_limit))
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = int(seed)
    solver.parameters.log_search_progress = log
    if extra is not None:
        extra(solver)
    callback = _Callback(progress, stop, on_solution)
    outcome: dict[str, Any] = {}

    def target() -> None:
        outcome["status"] = solver.solve(model, callback)

    t0 = time.perf_counter()
    thread = threading.Thread(target=target, name="cp-sat", daemon=True)
    thread.start()
    stopped = False
    while thread.is_alive():
        thread.join(0.05)
        if stop is not None and stop.is_set() and not stopped:
            solver.stop_search()
            stopped = True
    wall = time.perf_counter() - t0
    work.charge(solver.deterministic_time * seconds_per_dtime)
    status: Status = _STATUS.get(outcome.get("status", cp_model.UNKNOWN), "unknown")
    has = status in {"optimal", "feasible"}
    objective = solver.objective_value if has else None
    bound = solver.best_objective_bound if has else None
    return CpRun(solver, status, objective, bound, wall, stopped)
