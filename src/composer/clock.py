"""The clock every search reads its deadlines from: wall seconds, or counted work.

A solve shares its time limit among stages, regions and search phases, and every search
stops at a deadline. Read from the wall clock, a busy machine reaches another point of
the search than a quiet one, so the same instance, seed and ``--workers 1`` could give
another plan (issue 9 item 5). With one worker in one process the pipeline therefore
installs a :class:`WorkClock`: its "seconds" are counted work, not elapsed time.

- CP-SAT reports its deterministic time (a count of basic operations that does not
  depend on the machine's load); :func:`composer.solvers.cpsat.run_cpsat` charges it,
  converted by :data:`SECONDS_PER_CPSAT_DTIME`.
- Python searches (slot moves, neighbourhood rounds, subgradient steps, enumerations)
  charge an estimate of their cost from what they did (moves tried, nodes visited),
  calibrated to seconds on the reference machine (benchmarks/README.md).
- The grouping engine's LP solves (GLOP) charge their simplex iterations times the LP
  size.

Work ignores what the searches do not count (building models, pruning, loading); the
pipeline takes an estimate of it off the budget up front (``pipeline.UNCOUNTED_SHARE``),
so on the reference machine a run takes about its limit or less, and a loaded machine
longer. As a safety net the wall clock stops everything at
:data:`WALL_SAFETY_FACTOR` times the limit: :meth:`WorkClock.now` then returns infinity
(every search stops at its next check) and :attr:`WorkClock.overran` is set, so the plan
can say that it may not repeat.

:class:`WallClock` (the default, and what runs with several workers or processes use) is
``time.time()``: comparable across the processes of one machine, as the LOS stage's
shared deadlines need.

The clock in use is process-wide (:func:`use`); searches call :func:`now` and
:func:`charge` instead of reading ``time`` themselves.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

SECONDS_PER_CPSAT_DTIME = 1.5
"""Work seconds per unit of CP-SAT deterministic time (one worker; measured on the
reference machine: benchmarks/README.md, "Reproducible runs")."""

WALL_SAFETY_FACTOR = 4.0
"""A work-clock run is stopped by the wall clock at this multiple of its time limit
(measured: two CPU hogs on the 2-core reference machine slow a one-worker run 2.4-3.1x)."""


class WallClock:
    """Elapsed wall time (``time.time()``); charging work does nothing."""

    deterministic = False
    overran = False

    def now(self) -> float:
        """Seconds since the epoch."""
        return time.time()

    def charge(self, seconds: float) -> None:
        """Nothing to count: the wall clock moves by itself."""

    def wall_left(self) -> float:
        """No wall limit of its own."""
        return float("inf")


class WorkClock:
    """Counted work in seconds of the reference machine, with a wall-clock safety net.

    ``limit`` is the run's time limit in seconds; the wall clock stops the run at
    ``safety * limit`` after the clock was made.
    """

    deterministic = True

    def __init__(self, limit: float, safety: float | None = None) -> None:
        self._work = 0.0
        self._lock = threading.Lock()
        factor = WALL_SAFETY_FACTOR if safety is None else safety
        self._wall_end = time.time() + max(1.0, factor * limit)
        self.overran = False
        """True once the wall-clock safety net has fired (the plan may not repeat)."""

    def now(self) -> float:
        """The work counted so far; infinity once the wall-clock safety net fires."""
        if time.time() >= self._wall_end:
            self.overran = True
            return float("inf")
        return self._work

    def charge(self, seconds: float) -> None:
        """Count ``seconds`` of work (negative or NaN amounts count nothing)."""
        if seconds > 0:
            with self._lock:
                self._work += seconds

    def wall_left(self) -> float:
        """Wall seconds until the safety net fires (a wall limit for CP-SAT)."""
        return max(0.0, self._wall_end - time.time())


Clock = WallClock | WorkClock

_current: list[Clock] = [WallClock()]


def current() -> Clock:
    """The clock in use in this process."""
    return _current[-1]


def now() -> float:
    """The current clock's reading: compare it with deadlines made from it."""
    return _current[-1].now()


def charge(seconds: float) -> None:
    """Count ``seconds`` of work on the current clock (a no-op on the wall clock)."""
    _current[-1].charge(seconds)


@contextlib.contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    """Within this block, :func:`now` and :func:`charge` use ``clock``."""
    _current.append(clock)
    try:
        yield clock
    finally:
        _current.pop()


def for_run(time_limit: float, deterministic: bool) -> Clock:
    """The clock a run of ``time_limit`` seconds uses: counted work when it must repeat
    (one worker in one process), else the wall clock."""
    return WorkClock(time_limit) if deterministic else WallClock()
