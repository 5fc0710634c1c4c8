"""Re-measure the grouping engine's work rates (composer.solvers.grouping: PAIRWISE_WORK,
LP_WORK, MASTER_SECONDS_PER_TERM), which a ``--workers 1`` run charges to its work clock.

Runs the BV stage of an instance under the wall clock, times every pricing, LP solve
(with the columns added before it), cut separation and master build by CPU time
(``time.process_time()``: on a shared machine CPU time is what an idle machine's wall
time would be), fits each call's counts to its time (non-negative least squares) and
prints the fitted rates next to the ones in use, with the total each predicts::

    PYTHONPATH=src python -m benchmarks.work_rates instances/midden-nederland 20
    PYTHONPATH=src python -m benchmarks.work_rates instances/national 40

Also prints CP-SAT's CPU seconds per unit of deterministic time on the masters (the
clock's SECONDS_PER_CPSAT_DTIME).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import nnls

from composer import clock
from composer.io import load_instance
from composer.model.plan import Plan
from composer.params import SolveParams
from composer.solvers import bv
from composer.solvers import grouping as g


def measure(path: Path, seconds: float) -> dict[str, list[list[float]]]:
    """Counts and CPU seconds per call of the BV stage's searches (wall clock)."""
    rec: dict[str, list[list[float]]] = {"pricing": [], "lp": [], "separation": [], "master": []}
    pending = [0.0, 0.0]  # CPU seconds and coefficients of the columns added since a solve
    originals: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        original = getattr(owner, name)
        originals.append((owner, name, original))
        setattr(owner, name, make(original))

    def pricing(original: Any) -> Any:
        def enumerate_(self: g.PairwisePricer, *args: Any, **kw: Any) -> Any:
            before, t = list(self.work), time.process_time()
            out = original(self, *args, **kw)
            spent = time.process_time() - t
            rec["pricing"].append([a - b for a, b in zip(self.work, before, strict=True)] + [spent])
            return out

        return enumerate_

    def adding(original: Any) -> Any:
        def add(self: g._Lp, column: g.Column) -> bool:
            t, coefficients = time.process_time(), self.counted[2]
            out = original(self, column)
            pending[0] += time.process_time() - t
            pending[1] += self.counted[2] - coefficients
            return bool(out)

        return add

    def lp_solving(original: Any) -> Any:
        def solve(self: g._Lp) -> Any:
            before = [a + b for a, b in zip(self.work, self.counted, strict=True)]
            t = time.process_time()
            out = original(self)
            counts = [a - b for a, b in zip(self.work, before, strict=True)]
            counts[2] += int(pending[1])
            rec["lp"].append([*counts, time.process_time() - t + pending[0]])
            pending[:] = [0.0, 0.0]
            return out

        return solve

    def separating(original: Any) -> Any:
        def separate(self: g._Lp, max_cuts: int) -> int:
            before = [a + b for a, b in zip(self.work, self.counted, strict=True)]
            t = time.process_time()
            out = original(self, max_cuts)
            counts = [a - b for a, b in zip(self.work, before, strict=True)]
            rec["separation"].append([*counts, time.process_time() - t])
            return int(out)

        return separate

    def mastering(original: Any) -> Any:
        def master(n: int, rows: Sequence[g.SideRow], columns: Sequence[g.Column], *a: Any) -> Any:
            terms = sum(len(c.members) + 2 * len(rows) + 4 for c in columns)
            run_cpsat = g.run_cpsat
            seen: dict[str, float] = {}
            t = time.process_time()

            def timed(model: Any, **kw: Any) -> Any:
                seen["build"] = time.process_time() - t
                t2 = time.process_time()
                run = run_cpsat(model, **kw)
                seen["solve"] = time.process_time() - t2
                seen["dtime"] = run.solver.deterministic_time
                return run

            g.run_cpsat = timed
            try:
                return original(n, rows, columns, *a)
            finally:
                g.run_cpsat = run_cpsat
                rec["master"].append(
                    [terms, seen.get("build", 0.0), seen.get("solve", 0.0), seen.get("dtime", 0.0)]
                )

        return master

    patch(g.PairwisePricer, "enumerate", pricing)
    patch(g._Lp, "add", adding)
    patch(g._Lp, "solve", lp_solving)
    patch(g._Lp, "separate", separating)
    patch(g, "_solve_master", mastering)
    try:
        instance = load_instance(path)
        params = SolveParams(time_limit=seconds, workers=1, processes=1, stages=("bv",))
        with clock.use(clock.WallClock()):
            bv.run_stage(instance, Plan(instance=instance.name), params, lambda *a, **k: None)
    finally:
        for owner, name, original in reversed(originals):
            setattr(owner, name, original)
    return rec


def report(name: str, rows: list[list[float]], rates: Sequence[float]) -> None:
    """The fitted rates of one kind of call against the ones in use."""
    if not rows:
        print(f"{name}: no calls")
        return
    data = np.array(rows, dtype=float)
    counts, spent = data[:, : len(rates)], data[:, -1]
    fitted, _ = nnls(counts, spent)
    used = counts @ np.array(rates)
    print(
        f"{name}: {len(rows)} calls, {spent.sum():.2f} CPU s; in use {tuple(rates)} charge "
        f"{used.sum():.2f} s; fitted {tuple(float(f'{r:.3g}') for r in fitted)} charge "
        f"{(counts @ fitted).sum():.2f} s"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instance", type=Path)
    parser.add_argument("seconds", type=float)
    args = parser.parse_args(argv)
    rec = measure(args.instance, args.seconds)
    report("pricing", rec["pricing"], g.PAIRWISE_WORK)
    report("LP solves", rec["lp"], g.LP_WORK)
    report("separation", rec["separation"], g.LP_WORK)
    masters = np.array(rec["master"], dtype=float).reshape(-1, 4)
    if len(masters):
        terms, build, solve, dtime = masters.sum(axis=0)
        print(
            f"masters: {len(masters)}, build {build:.2f} CPU s for {terms:.0f} terms "
            f"({build / max(terms, 1):.2g} s/term, in use {g.MASTER_SECONDS_PER_TERM:g}); "
            f"CP-SAT {solve:.2f} CPU s for {dtime:.2f} deterministic time "
            f"({solve / max(dtime, 1e-9):.2f} s per unit, in use {clock.SECONDS_PER_CPSAT_DTIME:g})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
