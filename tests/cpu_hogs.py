"""Busy-machine helper for the reproducibility tests: processes that spin on every core."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.synchronize import Event


def _spin(ready: Event) -> None:  # pragma: no cover - runs in a child process
    ready.set()
    while True:
        pass


@contextmanager
def cpu_hogs(count: int = 2) -> Iterator[None]:
    """Run the body while ``count`` processes spin: all are spinning when it starts, and
    all are killed and reaped when it ends (also on failure)."""
    context = multiprocessing.get_context("spawn")
    ready = [context.Event() for _ in range(count)]
    hogs = [context.Process(target=_spin, args=(r,), daemon=True) for r in ready]
    try:
        for hog in hogs:
            hog.start()
        if not all(r.wait(timeout=60.0) for r in ready):
            raise RuntimeError("the CPU hogs did not start within 60 s")
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.join(timeout=5.0)
