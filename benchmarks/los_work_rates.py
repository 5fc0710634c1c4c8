"""Check the work the LOS, TN and calendar searches charge to a ``--workers 1`` run's work
clock (:mod:`composer.clock`) against the wall time they take.

Solves an instance through the pipeline under a recording work clock and prints, per
phase (CP-SAT runs, Lagrangian bound, slot search, neighbourhood search, constructions,
model builds), the wall seconds spent in it (exclusive of nested phases) next to the work
it charged. A ratio near 1 on a quiet machine means the rates in ``los.py`` /
``los_search.py`` and ``clock.SECONDS_PER_CPSAT_DTIME`` still fit; ``--no-full-model``
sends every region down the large-region path (slot moves and neighbourhood rounds)::

    PYTHONPATH=src python -m benchmarks.los_work_rates instances/midden-nederland 10 los
    PYTHONPATH=src python -m benchmarks.los_work_rates instances/national 40 los --no-full-model

Construction and model-build charges are made by the caller after the call, so they show
under ``(outside a phase)``. The BV engine's rates: ``benchmarks/work_rates.py``.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from composer import clock, pipeline
from composer.io import load_instance
from composer.params import SolveParams
from composer.solvers import cpsat, los, los_search, tn
from composer.solvers.calendar import stage as calendar_stage

OUTSIDE = "(outside a phase)"


class Recorder:
    """Wall seconds (exclusive) and charged work per labelled phase."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.work: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self.stack: list[list[Any]] = []  # [label, started, nested seconds]

    def wrap(self, module: Any, name: str, label: str) -> None:
        fn = getattr(module, name)

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.stack.append([label, time.perf_counter(), 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                _, started, nested = self.stack.pop()
                spent = time.perf_counter() - started
                self.wall[label] += spent - nested
                self.calls[label] += 1
                if self.stack:
                    self.stack[-1][2] += spent

        setattr(module, name, timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("seconds", type=float)
    parser.add_argument("stages", nargs="?", default="los", help="comma-separated stages")
    parser.add_argument("--no-full-model", action="store_true")
    args = parser.parse_args(argv)

    rec = Recorder()

    class RecordingClock(clock.WorkClock):
        def charge(self, seconds: float) -> None:
            super().charge(seconds)
            rec.work[rec.stack[-1][0] if rec.stack else OUTSIDE] += max(0.0, seconds)

    rec.wrap(cpsat, "run_cpsat", "CP-SAT")
    for module in (los, los_search, tn, calendar_stage):
        if hasattr(module, "run_cpsat"):
            module.run_cpsat = cpsat.run_cpsat  # type: ignore[attr-defined]
    rec.wrap(los, "greedy_start", "construction")
    rec.wrap(los, "lagrangian_bound", "Lagrangian bound")
    rec.wrap(los, "slot_search", "slot search")
    rec.wrap(los, "large_neighbourhood_search", "neighbourhoods")
    rec.wrap(los, "LosModel", "model build")
    rec.wrap(los, "prepare_region", "prepare (not charged)")
    if args.no_full_model:
        los.FULL_MODEL_PAIRS = 0

    instance = load_instance(args.instance)
    stages = tuple(args.stages.split(","))
    params = SolveParams(time_limit=args.seconds, workers=1, processes=1, stages=stages)
    work = RecordingClock(args.seconds)
    clock.WorkClock = lambda limit, safety=None: work  # type: ignore[assignment,misc]
    started = time.perf_counter()
    plan, _log = pipeline.solve(instance, params)
    total = time.perf_counter() - started
    print(f"{args.instance} {stages} limit {args.seconds:g}: wall {total:.2f} s, ", end="")
    print(f"work {work.now():.2f}, safety net fired {work.overran}")
    for name, result in plan.stages.items():
        print(f"  {name}: {result.status} {result.objective} bound {result.bound}")
    print(f"  {'phase':24s} {'calls':>6s} {'wall s':>8s} {'work':>8s} {'work/wall':>9s}")
    for label in sorted(set(rec.wall) | set(rec.work)):
        wall, charged = rec.wall[label], rec.work[label]
        ratio = f"{charged / wall:9.2f}" if wall > 0 else f"{'-':>9s}"
        print(f"  {label:24s} {rec.calls[label]:6d} {wall:8.2f} {charged:8.2f} {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
