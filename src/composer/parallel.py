"""Run independent subproblems (regions, sector-regions) in parallel processes.

Solvers call :func:`map_tasks` with a top-level function and a list of picklable tasks;
results come back in task order whatever order they finish in, so runs are reproducible.
With one process (or one task) everything runs in this process, which keeps tracebacks,
profiling and ``--workers 1`` determinism simple.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def map_tasks(fn: Callable[[T], R], tasks: Sequence[T], processes: int) -> list[R]:
    """``[fn(t) for t in tasks]``, using up to ``processes`` worker processes.

    Workers ignore Ctrl-C: the parent decides how to stop (each task honours its own time
    limit), so an interrupt never leaves a half-finished result list.
    """
    processes = max(1, min(processes, len(tasks), os.cpu_count() or 1))
    if processes <= 1:
        return [fn(task) for task in tasks]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=_ignore_sigint
    ) as pool:
        return list(pool.map(fn, tasks))
