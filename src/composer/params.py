"""Run parameters of a solve and per-run overrides of instance settings.

Weights, bounds and remedies live in the instance (so they travel with the data), but a
planner may change any scalar setting for one run: ``--set los.settings.weights.travel=3``
or ``--set bv.allow_seven=true``. :func:`apply_overrides` returns a new, re-validated
instance; the plan records the overrides in its ``parameters``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, fields
from typing import Any

from composer.errors import InputError, Issue
from composer.model.instance import Instance

STAGES: tuple[str, ...] = ("los", "bv", "tn", "calendar")
_NOT_RECORDED = frozenset({"stop", "clock_start"})
"""The stages of a solve, in the order they run (the calendar needs the groups)."""


@dataclass(frozen=True)
class SolveParams:
    """How to solve: time limit, parallelism, seed, stages and setting overrides.

    ``time_limit`` is the budget of the whole solve in seconds: wall-clock seconds, or
    with one worker in one process (:attr:`deterministic`) seconds of counted work on the
    reference machine, stopped by the wall clock at four times the limit; ``workers`` is
    the number of CP-SAT search workers per subproblem; ``processes`` the number of
    subproblems (regions, sector-regions) solved at once (default: ``workers``).
    """

    time_limit: float = 60.0
    workers: int = 2
    seed: int = 0
    processes: int | None = None
    stages: tuple[str, ...] = STAGES
    overrides: dict[str, Any] = field(default_factory=dict)
    stop: threading.Event = field(default_factory=threading.Event, compare=False, repr=False)
    clock_start: float | None = field(default=None, compare=False, repr=False)
    """``time.perf_counter()`` at which the ``time_limit`` clock started (the CLI passes
    the process start, so loading and hashing count); None: when the pipeline starts."""

    def record(self) -> dict[str, Any]:
        """The parameters as recorded in plan.json (no stop flag, no clock: a plan holds
        nothing that differs between identical runs)."""
        return {
            f.name: list(value) if isinstance(value, tuple) else value
            for f in fields(self)
            if f.name not in _NOT_RECORDED
            and not isinstance(value := getattr(self, f.name), threading.Event)
        }

    @property
    def deterministic(self) -> bool:
        """One CP-SAT worker in one process: searches are timed by counted work instead of
        the wall clock (:mod:`composer.clock`), so the same instance and seed give the
        same plan on a quiet or a busy machine."""
        from composer.parallel import cluster_address

        # a Dask cluster's workers read their own wall clocks
        return self.workers == 1 and self.parallel_processes == 1 and cluster_address() is None

    @property
    def parallel_processes(self) -> int:
        """How many subproblems run at once."""
        return max(1, self.processes if self.processes is not None else self.workers)


def process_start() -> float:
    """``time.perf_counter()`` at which this process started (Linux ``/proc``), so a time
    limit covers the interpreter's start and imports too; elsewhere: now."""
    import os
    import time

    now_perf = time.perf_counter()
    try:
        with open("/proc/self/stat", encoding="ascii") as handle:
            # the fields after the command name (which may hold spaces) start at ')'
            after = handle.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as handle:
            uptime = float(handle.read().split()[0])
        started_after_boot = int(after[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return now_perf
    age = uptime - started_after_boot
    return now_perf - age if 0.0 <= age < 3600.0 else now_perf


_entry_clock: list[float] = []


def mark_process_entry() -> None:
    """Called by the command-line entry point: this process exists to run one command,
    so its time limit starts at the process start (see :func:`clock_start_now`)."""
    _entry_clock[:] = [process_start()]


def clock_start_now() -> float:
    """Where a command's time limit starts: the process start when the process was
    started for this command (:func:`mark_process_entry`), else now (in a test runner
    or a notebook the process is older than the command)."""
    import time

    return _entry_clock[0] if _entry_clock else time.perf_counter()


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key.path=value``; the value is read as JSON when it can be (numbers, true)."""
    if "=" not in text:
        raise InputError(
            [Issue(f"--set {text!r} has no '='", fix="write --set los.settings.weights.travel=3")]
        )
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key, value


def apply_overrides(instance: Instance, overrides: dict[str, Any]) -> Instance:
    """A new instance with settings replaced; unknown keys are reported as issues.

    A value given as text is read as a cell of its setting (``ja``, ``40,5``, ``Apart``,
    ``mon;wed`` for a list setting; empty for the default), as in ``instance.yaml``.
    """
    if not overrides:
        return instance
    # here, not at the top: composer.io brings in openpyxl, which solver workers (they
    # import this module through composer.pipeline) never need
    from composer.io.fields import suggest
    from composer.io.issues import Where, build_model
    from composer.io.tabular import SETTING_BY_KEY, setting_value

    data = instance.model_dump(mode="json")
    issues: list[Issue] = []
    for key, given in overrides.items():
        node: Any = data
        parts = key.split(".")
        for part in parts[:-1]:
            if not isinstance(node, dict) or part not in node:
                node = None
                break
            node = node[part]
        if not isinstance(node, dict) or parts[-1] not in node:
            best = suggest(key, SETTING_BY_KEY)
            issues.append(
                Issue(
                    f"--set {key}: no such setting",
                    fix=f"did you mean {best}? (README, Settings, lists every key)"
                    if best
                    else "use a dotted key of a setting (README, Settings), e.g. "
                    "los.settings.weights.travel",
                )
            )
            continue
        value = setting_value(key, given)
        if isinstance(node[parts[-1]], list | dict) and not (
            isinstance(node[parts[-1]], list) and isinstance(value, list)
        ):
            issues.append(
                Issue(
                    f"--set {key}: only single values and ';'-separated lists can be set on "
                    "the command line",
                    fix=f"change {key} in instance.yaml (or the settings sheet)",
                )
            )
            continue
        node[parts[-1]] = value
    if issues:
        raise InputError(issues, "bad --set option")

    def locate(path: tuple[str | int, ...]) -> Where:
        return Where("--set", key=".".join(str(p) for p in path))

    return build_model(
        Instance, data, locate, "an override makes the instance invalid", decimal_comma=True
    )
