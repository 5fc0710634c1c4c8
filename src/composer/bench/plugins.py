"""The plug-in points of ``composer bench``: literature runners and peers.

Both are plain functions ``fn(task: BenchTask) -> BenchResult`` registered by name as
``"module:function"`` strings (imported only when used, like ``pipeline.STAGE_FUNCTIONS``),
so a stage owner adds one line here and keeps the code in its own module, usually under
``benchmarks/`` (the bench puts the repository root on ``sys.path``).

- :data:`LITERATURE_RUNNERS`: literature kind (``cpmp``, ``gap``, ``mdgp``) → composer's own
  engine solving one file of that family. It returns the objective, the bound, its solve
  seconds and the solution (one integer per item, see :mod:`composer.bench.literature`); the
  bench recomputes the objective from the solution and looks up the published value itself.
- :data:`PEERS`: peer name (``greedy``, ``highs``, ``kmeans``) → {target → function}, where
  a target is a stage of an instance entry (``los``, ``bv``, ``tn``, ``calendar``) or a
  literature kind. An instance peer returns a :class:`~composer.model.plan.Plan` with its
  stage filled in (the bench runs ``composer check`` on it); a literature peer returns a
  solution like a runner. The bench reports objective and time ratios composer/peer.

Every runner and peer runs in its own child process (see :mod:`composer.bench.runner`),
so its wall time, CPU time and peak memory are measured the same way as composer's.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from composer.model.plan import Plan, Status

_P = "benchmarks.bench_plugins"

LITERATURE_RUNNERS: dict[str, str] = {
    "cpmp": f"{_P}:run_cpmp",  # grouping engine, median mode
    "gap": f"{_P}:run_gap",  # the LOS assignment model on CP-SAT
    "mdgp": f"{_P}:run_mdgp",  # grouping engine, pairwise maximise mode
}
"""Literature kind → ``module:function`` of composer's engine on that family."""

PEERS: dict[str, dict[str, str]] = {
    "greedy": {
        "los": f"{_P}:greedy_los",
        "bv": f"{_P}:greedy_bv",
        "cpmp": f"{_P}:greedy_cpmp",
        "gap": f"{_P}:greedy_gap",
        "mdgp": f"{_P}:greedy_mdgp",
    },
    "highs": {
        "bv": f"{_P}:highs_bv",
        "cpmp": f"{_P}:highs_cpmp",
        "gap": f"{_P}:highs_gap",
    },
    "kmeans": {"bv": f"{_P}:kmeans_bv"},
}
"""Peer name → {stage or literature kind → ``module:function``} (see
``benchmarks/bench_plugins.py`` for what each one is)."""


RunStatus = Status | Literal["error"]
"""A plan status, or ``error`` when the runner failed (its notes say why)."""


@dataclass(frozen=True)
class BenchTask:
    """One solve a runner or peer must do.

    ``target`` is a stage (``bv``; ``path`` is an instance file) or a literature kind
    (``cpmp``; ``path`` is a literature file). ``time_limit`` is the wall-clock budget in
    seconds, ``workers`` the threads it may use, ``seed`` its random seed; ``options`` are
    the entry's ``sets`` (setting overrides, passed through unchanged).
    """

    target: str
    path: Path
    time_limit: float
    seed: int = 0
    workers: int = 1
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class BenchResult:
    """What a runner or peer found. ``seconds`` is its own solve time (reading excluded);
    None lets the bench use the child's wall time. ``solution`` (literature) and ``plan``
    (instances) are verified by the bench, never trusted."""

    status: RunStatus
    objective: float | None = None
    bound: float | None = None
    seconds: float | None = None
    solution: list[int] | None = None
    plan: Plan | None = None
    notes: list[str] = field(default_factory=list)


Runner = Callable[[BenchTask], BenchResult]


def import_target(target: str) -> Runner:
    """The function named by ``module:function``."""
    module, _, name = target.partition(":")
    fn: Runner = getattr(importlib.import_module(module), name)
    return fn


def literature_runner(kind: str) -> str | None:
    """The registered runner of a literature kind, or None in a build without one."""
    return LITERATURE_RUNNERS.get(kind)


def peer_target(peer: str, target: str) -> str | None:
    """The registered function of ``peer`` on ``target`` (a stage or literature kind)."""
    return PEERS.get(peer, {}).get(target)
