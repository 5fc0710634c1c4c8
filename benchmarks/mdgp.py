"""Maximally diverse grouping (MDGPLIB) through the grouping engine in pairwise maximise mode.

Partition ``n`` elements into ``G`` groups, group ``g`` of ``a_g..b_g`` elements, and
maximise the sum of the pair distances inside groups. The engine
(:class:`composer.solvers.grouping.DiversityPricer`) sees integer weights (the files give
three decimals: weight = round(1000 · d), exact) and minimises minus the diversity:

1. a constructive start (:func:`greedy_groups`, also the bench's ``greedy`` peer),
   improved by the engine's swap search;
2. :func:`composer.solvers.grouping.solve_grouping`: set partitioning over groups with
   column generation; exact pricing (so a proven optimum) while the groups can be listed
   (n ≤ 12 here, and n = 30 with groups of 6), heuristic pricing beyond;
3. the rest of the time: :func:`composer.solvers.grouping.improve_diversity_by_swaps`.

No published values are stored for these files (``../shared/bench/README.md``): the
bench reports the gap to the engine's own proven bound and the ratio to the greedy peer.

Run: ``PYTHONPATH=src python -m benchmarks.mdgp [--seconds 30] FILE...``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from composer import clock
from composer.bench.literature import MdgpInstance, read_mdgp
from composer.solvers.grouping import (
    Column,
    DiversityPricer,
    improve_diversity_by_swaps,
    solve_grouping,
)

SCALE = 1000
"""The files give distances with three decimals: weights are exact integers at this scale."""


def weights(inst: MdgpInstance) -> np.ndarray:
    """The integer weight matrix (``round(SCALE · d)``, symmetric, zero diagonal)."""
    W = np.zeros((inst.n, inst.n), dtype=np.int64)
    for (i, j), d in inst.distance.items():
        W[i, j] = W[j, i] = round(d * SCALE)
    return W


def greedy_groups(inst: MdgpInstance, W: np.ndarray | None = None) -> list[int]:
    """A constructive baseline: every group gets its lower bound first, then the rest up to
    the upper bounds; each step puts the (element, group) pair of the largest gain (weight
    to the group's members), elements taken in order of total weight. Group per element."""
    W = weights(inst) if W is None else W
    n, G = inst.n, inst.groups
    group = [-1] * n
    size = [0] * G
    gain = np.zeros((n, G))
    order = list(np.argsort(-W.sum(axis=1), kind="stable"))
    # seed each group with one element, far apart: the heaviest, then the least linked
    for g in range(G):
        free = [i for i in order if group[i] < 0]
        pick = free[0] if g == 0 else min(free, key=lambda i: gain[i, :g].sum())
        group[pick] = g
        size[g] = 1
        gain[:, g] += W[:, pick]
    for phase in ("lower", "upper"):
        for i in [i for i in order if group[i] < 0]:
            room = [
                g
                for g, (lo, hi) in enumerate(inst.bounds)
                if size[g] < (lo if phase == "lower" else hi)
            ]
            if not room:
                continue
            g = max(room, key=lambda g: (gain[i, g], -g))
            group[i] = g
            size[g] += 1
            gain[:, g] += W[:, i]
    if any(g < 0 for g in group):
        raise ValueError(f"{inst.name}: the bounds cannot hold {n} elements")
    return group


def _columns(pricer: DiversityPricer, inst: MdgpInstance, group: list[int]) -> list[Column]:
    return [
        pricer.column(
            [i for i in range(inst.n) if group[i] == g], pricer.classes.index(inst.bounds[g])
        )
        for g in range(inst.groups)
    ]


def solve_mdgp(inst: MdgpInstance, seconds: float, seed: int = 0) -> dict[str, object]:
    """Solve one instance; returns status, objective (diversity), bound, seconds, groups."""
    t0 = time.perf_counter()
    c0 = clock.now()  # the searches' deadlines are composer.clock readings
    deadline = c0 + seconds
    W = weights(inst)
    pricer = DiversityPricer(W, inst.bounds)
    start = _columns(pricer, inst, greedy_groups(inst, W))
    start, _ = improve_diversity_by_swaps(
        pricer, start, c0 + min(2.0, 0.1 * seconds), seed=seed, perturb=0
    )
    result = solve_grouping(
        pricer,
        pricer.side_rows(),
        start,
        start,
        time_limit=max(0.5, 0.6 * (deadline - clock.now())),
        workers=1,
        seed=seed,
        neighbours=(1,),  # any width: the heuristic pricing
        cut_rounds=0,  # the maximise mode has no subset-row cuts
        insure_from=10**9,
    )
    columns = list(result.columns) or start
    status = result.status
    notes = list(result.notes)
    if status != "optimal":
        columns, steps = improve_diversity_by_swaps(pricer, columns, deadline, seed=seed)
        notes.append(f"swap search: {steps} improving steps")
    cost = sum(c.cost for c in columns)
    if result.bound is not None and cost <= result.bound:
        status = "optimal"
    labels = pricer.labels(columns)
    objective = -cost / SCALE
    bound = None if result.bound is None else -result.bound / SCALE
    return {
        "status": status,
        "objective": objective,
        "bound": bound,
        "seconds": time.perf_counter() - t0,
        "groups": labels,
        "notes": notes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(f"{'instance':<22} {'greedy':>11} {'found':>11} {'bound':>11} {'status':<9} {'s':>6}")
    for path in args.files:
        inst = read_mdgp(path)
        greedy = inst.evaluate(greedy_groups(inst)).objective
        out = solve_mdgp(inst, args.seconds, args.seed)
        check = inst.evaluate(out["groups"])  # type: ignore[arg-type]
        assert check.ok, check.violations
        print(
            f"{inst.name:<22} {greedy:>11.3f} {check.objective:>11.3f} "
            f"{out['bound'] if out['bound'] is None else format(out['bound'], '.3f'):>11} "
            f"{out['status']!s:<9} {out['seconds']:>6.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
