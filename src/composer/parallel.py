"""Run independent subproblems (regions, sector-regions, bench entries) in parallel.

Solvers call :func:`map_tasks` with a top-level function and a list of picklable tasks;
results come back in task order whatever order they finish in, so runs are reproducible.
With one process (or one task) everything runs in this process, which keeps tracebacks,
profiling and ``--workers 1`` determinism simple.

Two backends, one contract (``[fn(t) for t in tasks]``, in task order):

- **local processes** (default): a :class:`~concurrent.futures.ProcessPoolExecutor`;
- **Dask distributed**: when a scheduler address is given (``cluster=`` or the
  ``COMPOSER_CLUSTER`` environment variable, e.g. ``tcp://10.0.0.5:8786``), the tasks go
  to that cluster through a :class:`dask.distributed.Client` and the results are gathered
  in task order. Needs the optional extra ``composer[dask]``. Workers must see the same
  files at the same paths as the caller (a shared file system) and run the same composer.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import multiprocessing.connection
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from composer.errors import InputError, Issue

T = TypeVar("T")
R = TypeVar("R")

CLUSTER_ENV = "COMPOSER_CLUSTER"
"""Environment variable naming a Dask scheduler (``tcp://HOST:PORT``) for :func:`map_tasks`."""

DASK_CONNECT_TIMEOUT = 20.0
"""Seconds to wait for the Dask scheduler before giving up with a planner-facing error."""


def ignore_sigint() -> None:
    """Process initializer: ignore Ctrl-C (the parent decides how to stop)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


_ignore_sigint = ignore_sigint


_shared: ProcessPoolExecutor | None = None
_shared_size = 0
_warming: list[Future[None]] = []


def _import(modules: Sequence[str]) -> None:
    for name in modules:
        importlib.import_module(name)


@contextlib.contextmanager
def shared_pool(processes: int, warm: Sequence[str] = ()) -> Iterator[None]:
    """Within this block, :func:`map_tasks` reuses one pool of ``processes`` local worker
    processes instead of starting a fresh pool per call.

    Starting a worker means a new interpreter importing composer, NumPy and OR-Tools
    (1-2 s each on a busy machine); a solve maps tasks once per stage, so sharing the
    pool saves that for every stage but the first. ``warm`` names modules each worker
    imports at once, while the caller prepares the first stage. Workers ignore Ctrl-C
    and are shut down when the block ends.
    """
    global _shared, _shared_size
    size = max(1, min(processes, os.cpu_count() or 1))
    if _shared is not None or size <= 1 or cluster_address() is not None:
        yield
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=size, mp_context=context, initializer=_ignore_sigint)
    warming = [pool.submit(_import, tuple(warm)) for _ in range(size)] if warm else []
    _shared, _shared_size = pool, size
    _warming[:] = warming
    try:
        yield
    finally:
        _shared, _shared_size = None, 0
        _warming.clear()
        close_pool(pool, warming)


def _still_warming() -> bool:
    return any(not f.done() for f in _warming)


def close_pool(pool: ProcessPoolExecutor, warming: Sequence[Future[None]] = ()) -> None:
    """Shut ``pool`` down and end its worker processes at once.

    Every :func:`map_tasks` call has returned when a pool is closed, so its workers are
    idle or still warming up (``warming``: their import tasks); nothing they hold is
    needed. Waiting for them cost a small solve (tiny, one region) 4-5 s of a 6 s run
    (workers still importing) and national 1.4 s (workers tearing OR-Tools down) on the
    shared 2-core machine, all of it past the time limit.
    """
    for future in warming:
        future.cancel()
    # ProcessPoolExecutor has no public way to end its workers before Python 3.14, and
    # shutdown() forgets them: take the list first
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if not process_ended(process):
            process.terminate()
    _wait_for(processes, 5.0)
    # a worker still alive 5 s after SIGTERM (seen once under load) is killed outright
    for process in processes:
        if not process_ended(process):
            process.kill()
    _wait_for(processes, 5.0)


def process_ended(process: multiprocessing.process.BaseProcess) -> bool:
    """True once ``process`` has exited.

    Not ``is_alive()``: the executor's own management thread joins its workers too, and
    whichever thread reaps a worker first takes its exit status; the other's waitpid then
    fails, and ``is_alive()`` keeps answering True for a process that is gone. The
    process's sentinel becomes ready when it exits, whoever reaps it.
    """
    if process.exitcode is not None:
        return True
    return bool(multiprocessing.connection.wait([process.sentinel], timeout=0))


def _wait_for(processes: Sequence[multiprocessing.process.BaseProcess], seconds: float) -> None:
    """Wait up to ``seconds`` in all until every process has exited."""
    deadline = time.monotonic() + seconds
    for process in processes:
        remaining = max(0.0, deadline - time.monotonic())
        multiprocessing.connection.wait([process.sentinel], timeout=remaining)


def cluster_address(cluster: str | None = None) -> str | None:
    """The Dask scheduler to use: ``cluster`` if given, else ``$COMPOSER_CLUSTER``, else None.

    Inside a Dask worker the answer is always None: a task that fans out again runs its
    subtasks locally, so a cluster whose every thread waits on subtasks cannot deadlock.
    """
    address = cluster if cluster is not None else os.environ.get(CLUSTER_ENV)
    address = (address or "").strip() or None
    if address is not None and _inside_dask_worker():
        return None
    return address


def _inside_dask_worker() -> bool:
    try:
        from distributed import get_worker
    except ImportError:
        return False
    try:
        get_worker()
    except ValueError:
        return False
    return True


def map_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    processes: int,
    cluster: str | None = None,
    size: Callable[[T], float] | None = None,
) -> list[R]:
    """``[fn(t) for t in tasks]``, on up to ``processes`` local processes or a Dask cluster.

    ``cluster`` (or ``$COMPOSER_CLUSTER``) is a Dask scheduler address; then ``processes``
    is ignored and the cluster decides how many tasks run at once. ``size`` estimates a
    task's work: while the shared workers warm up this process runs the smallest tasks
    (without it, the last ones in the list: solvers that order largest first). Local workers ignore
    Ctrl-C: the parent decides how to stop (each task honours its own time limit), so an
    interrupt never leaves a half-finished result list.
    """
    address = cluster_address(cluster)
    if address is not None and tasks:
        return _map_dask(fn, tasks, address)
    processes = max(1, min(processes, len(tasks), os.cpu_count() or 1))
    if processes <= 1:
        return [fn(task) for task in tasks]
    if _shared is not None and processes <= _shared_size:
        try:
            return _map_shared(_shared, fn, tasks, size)
        except BrokenProcessPool:
            # a worker died (killed, out of memory): later calls start fresh pools
            globals()["_shared"] = None
            raise
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=processes, mp_context=context, initializer=_ignore_sigint
    ) as pool:
        return list(pool.map(fn, tasks))


def _map_shared(
    pool: ProcessPoolExecutor,
    fn: Callable[[T], R],
    tasks: Sequence[T],
    size: Callable[[T], float] | None = None,
) -> list[R]:
    """``[fn(t) for t in tasks]`` on the shared pool; while its workers still import (1-3 s
    on a busy 2-core machine) this process takes the smallest tasks (by ``size``, else from
    the end of the list) instead of waiting idle."""
    futures = [pool.submit(fn, task) for task in tasks]
    here: dict[int, R] = {}
    order = list(range(len(tasks)))
    if size is not None:
        # smallest last; the stable sort keeps the later of equal tasks last
        order.sort(key=lambda i: -size(tasks[i]))
    while order and _still_warming() and futures[order[-1]].cancel():
        index = order.pop()
        here[index] = fn(tasks[index])
    return [here[i] if i in here else f.result() for i, f in enumerate(futures)]


def _map_dask(fn: Callable[[T], R], tasks: Sequence[T], address: str) -> list[R]:
    """Submit every task to the scheduler at ``address``; gather the results in task order."""
    try:
        from distributed import Client
    except ImportError:
        raise InputError(
            [
                Issue(
                    f"a Dask cluster was requested ({address}) but dask.distributed is not "
                    "installed",
                    fix="pip install 'composer[dask]', or drop --cluster / unset "
                    f"{CLUSTER_ENV} to run in local processes",
                )
            ]
        ) from None
    try:
        client: Any = Client(address, timeout=DASK_CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise InputError(
            [
                Issue(
                    f"cannot reach the Dask scheduler at {address}: {exc}",
                    fix="start one (`dask scheduler` and `dask worker ADDRESS` on each "
                    "machine) and pass its tcp://HOST:PORT, or run without --cluster",
                )
            ]
        ) from None
    with client:
        # pure=False: identical tasks (same seed, same instance) are still separate runs
        futures = client.map(fn, list(tasks), pure=False)
        try:
            results: list[R] = client.gather(futures)
        except RuntimeError as exc:
            if "deserializ" not in str(exc):
                raise
            cause = exc.__cause__ or exc
            raise InputError(
                [
                    Issue(
                        f"the Dask cluster at {address} could not unpack the tasks: "
                        f"{type(cause).__name__}: {cause}",
                        fix="run the same composer and packages on the scheduler and every "
                        "worker; tasks must be plain picklable data (a multiprocessing "
                        "manager proxy or lock cannot travel to a cluster)",
                    )
                ]
            ) from None
    return results
