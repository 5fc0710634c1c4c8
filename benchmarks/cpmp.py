"""Capacitated p-median (Osman & Christofides; Ceselli & Righini) through the grouping
engine in median mode, against the published optima.

Reader: ``../shared/bench/cpmp_osman_ceselli/pmedcap*.txt`` (first line ``problem opt``,
wrong for set 2; then ``n p Q``; then ``id x y demand`` per point). Distances are the floor
of the Euclidean distance, as the published optima use. Published values come from
``../shared/bench/BEST_KNOWN.csv``. A result below a published optimum is a bug (of the
reader, the distance or the engine), reported as such, never as a win.

Run: ``PYTHONPATH=src python -m benchmarks.cpmp [--seconds 30] [--only pmedcap1_01 ...]``
"""

from __future__ import annotations

import argparse
import csv
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from composer import clock
from composer.solvers.grouping import MedianPricer, SideRow, improve_by_lns, solve_grouping


def _find_bench() -> Path:
    """``shared/bench`` beside the checkout or a parent of it (``$COMPOSER_BENCH`` wins)."""
    import os

    if os.environ.get("COMPOSER_BENCH"):
        return Path(os.environ["COMPOSER_BENCH"])
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared" / "bench").is_dir():
            return parent / "shared" / "bench"
    return Path("../shared/bench")


BENCH = _find_bench()


@dataclass(frozen=True)
class CpmpInstance:
    """One capacitated p-median instance."""

    name: str
    p: int
    capacity: int
    xy: np.ndarray
    demand: np.ndarray

    @property
    def n(self) -> int:
        """Number of points."""
        return len(self.demand)

    def distances(self) -> np.ndarray:
        """floor(Euclidean distance) between every two points."""
        diff = self.xy[:, None, :] - self.xy[None, :, :]
        return np.floor(np.sqrt((diff**2).sum(axis=2)) + 1e-9).astype(np.int64)


def read_cpmp(path: Path) -> CpmpInstance:
    """Parse one OR-Library style CPMP file."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    n, p, q = (int(v) for v in rows[1][:3])
    points = rows[2 : 2 + n]
    if len(points) != n:
        raise ValueError(f"{path.name}: expected {n} points, found {len(points)}")
    xy = np.array([[float(r[1]), float(r[2])] for r in points])
    demand = np.array([int(float(r[3])) for r in points], dtype=np.int64)
    return CpmpInstance(path.stem, p, q, xy, demand)


def verify_raw(path: Path, groups: list[tuple[int, list[int]]]) -> int:
    """Recompute a solution's value from the raw file with plain Python, independently of
    :func:`read_cpmp` and numpy: ``groups`` are (median, points) by 0-based position.
    Raises AssertionError when the solution breaks a rule of the problem."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    n, p, capacity = (int(v) for v in rows[1][:3])
    points = [(float(r[1]), float(r[2]), int(float(r[3]))) for r in rows[2 : 2 + n]]
    seen: set[int] = set()
    total = 0
    assert len(groups) == p, "p medians"
    for median, members in groups:
        assert median in members, "a median serves itself"
        assert sum(points[i][2] for i in members) <= capacity, "capacity"
        for i in members:
            assert i not in seen, "a point served twice"
            seen.add(i)
            dx = points[i][0] - points[median][0]
            dy = points[i][1] - points[median][1]
            total += math.floor(math.hypot(dx, dy))
    assert seen == set(range(n)), "every point served"
    return total


def published() -> dict[str, int]:
    """Published optimum per instance name, from BEST_KNOWN.csv."""
    values = {}
    with (BENCH / "BEST_KNOWN.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["family"] == "CPMP":
                values[Path(row["file"]).stem] = int(float(row["value"]))
    return values


def greedy_cpmp(inst: CpmpInstance, dist: np.ndarray | None = None) -> list[int] | None:
    """A constructive solution (median per point) or None: medians by greedy addition
    (uncapacitated p-median), then points by largest regret to the nearest median with
    room. The bench's ``greedy`` peer, and a second incumbent for the engine."""
    d = (inst.distances() if dist is None else dist).astype(float)
    medians: list[int] = []
    best = np.full(inst.n, np.inf)
    for _ in range(inst.p):
        totals = np.minimum(best[:, None], d).sum(axis=0)
        totals[medians] = np.inf
        m = int(np.argmin(totals))
        medians.append(m)
        best = np.minimum(best, d[:, m])
    demand = [int(v) for v in inst.demand]
    room = {m: inst.capacity - demand[m] for m in medians}
    if any(r < 0 for r in room.values()):
        return None
    assignment = [-1] * inst.n
    for m in medians:
        assignment[m] = m
    left = [i for i in range(inst.n) if assignment[i] < 0]
    while left:
        pick: tuple[float, int, int] | None = None
        for i in left:
            fits = sorted((d[i, m], m) for m in medians if room[m] >= demand[i])
            if not fits:
                return None
            regret = fits[1][0] - fits[0][0] if len(fits) > 1 else math.inf
            if pick is None or regret > pick[0]:
                pick = (regret, i, fits[0][1])
        assert pick is not None
        _, i, m = pick
        assignment[i] = m
        room[m] -= demand[i]
        left.remove(i)
    return assignment


def solve_cpmp(
    inst: CpmpInstance, seconds: float, seed: int = 0, path: Path | None = None
) -> dict[str, object]:
    """Solve one instance; the objective is recomputed from the chosen groups."""
    t0 = time.perf_counter()
    dist = inst.distances()
    pricer = MedianPricer(dist, inst.demand.tolist(), inst.capacity, inst.p)
    start = pricer.start(min(5.0, 0.2 * seconds), seed=seed)
    if start is None:  # a busy machine: try once more with more time
        start = pricer.start(min(15.0, 0.5 * seconds), seed=seed)
    greedy = greedy_cpmp(inst, dist)
    if greedy is not None:
        # the constructive solution when the short CP-SAT start is worse (a busy machine)
        greedy_start = [
            pricer.column(m, [i for i in range(inst.n) if greedy[i] == m]) for m in set(greedy)
        ]
        if start is None or sum(c.cost for c in greedy_start) < sum(c.cost for c in start):
            start = greedy_start
    if start is None:
        wall = time.perf_counter() - t0
        return {"status": "unknown", "objective": None, "bound": None, "seconds": wall}
    rows = [SideRow("medians", inst.p, inst.p, lambda size, tag: 1)]
    # the searches' deadlines are composer.clock readings (wall seconds by default)
    deadline = clock.now() + seconds - (time.perf_counter() - t0)
    result = solve_grouping(
        pricer,
        rows,
        pricer.pool(),
        start,
        # a quarter of the time is kept to improve an unproven solution (LNS)
        time_limit=max(0.5, 0.75 * (deadline - clock.now())),
        workers=1,
        seed=seed,
        # groups of up to ~12 points: wider neighbourhoods for the heuristic pricing; no
        # subset-row cuts (their duals are not additive over a median's points, so the
        # knapsack bound would ignore them and the search would grow)
        neighbours=(16, 24, 32),
        cut_rounds=0,
    )
    columns = list(result.columns)
    status = result.status
    if status == "feasible" and columns:
        columns, _ = improve_by_lns(pricer, columns, deadline, neighbourhood=3)
        if result.bound is not None and sum(c.cost for c in columns) <= result.bound:
            status = "optimal"
    wall = time.perf_counter() - t0
    objective = None
    assignment: list[int] | None = None
    if columns:
        members = sorted(i for c in columns for i in c.members)
        assert members == list(range(inst.n)), "not a partition"
        for c in columns:
            assert inst.demand[list(c.members)].sum() <= inst.capacity, "capacity"
            assert c.tag in c.members, "a median serves itself"
        assert len(columns) == inst.p
        objective = int(sum(dist[list(c.members), c.tag].sum() for c in columns))
        assert objective == sum(c.cost for c in columns)
        if path is not None:
            raw = verify_raw(path, [(c.tag, list(c.members)) for c in columns])
            assert raw == objective, f"raw file gives {raw}, the engine {objective}"
        assignment = [0] * inst.n
        for c in columns:
            for i in c.members:
                assignment[i] = c.tag
    return {
        "status": status,
        "objective": objective,
        "bound": result.bound,
        "seconds": wall,
        "notes": result.notes,
        "assignment": assignment,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="time limit per instance")
    parser.add_argument("--only", nargs="*", default=None, help="instance names to run")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    best = published()
    files = sorted((BENCH / "cpmp_osman_ceselli").glob("pmedcap*.txt"))
    if args.only:
        files = [f for f in files if f.stem in set(args.only)]
    print(
        f"{'instance':<13} {'n':>4} {'p':>3} {'Q':>4} {'published':>9} {'found':>7} "
        f"{'bound':>7} {'gap %':>7} {'status':<9} {'time s':>7}"
    )
    gaps: dict[int, list[float]] = {}
    bugs = []
    for path in files:
        inst = read_cpmp(path)
        out = solve_cpmp(inst, args.seconds, args.seed, path)
        ref = best.get(inst.name)
        found = out["objective"]
        gap = None
        if found is not None and ref is not None:
            gap = 100.0 * (float(found) - ref) / ref  # type: ignore[arg-type]
            gaps.setdefault(inst.n, []).append(gap)
            if found < ref:  # type: ignore[operator]
                bugs.append(inst.name)
        print(
            f"{inst.name:<13} {inst.n:>4} {inst.p:>3} {inst.capacity:>4} {ref!s:>9} "
            f"{found!s:>7} {out['bound']!s:>7} "
            f"{'-' if gap is None else f'{gap:.2f}':>7} {out['status']!s:<9} "
            f"{out['seconds']:>7.1f}",
            flush=True,
        )
    for n, values in sorted(gaps.items()):
        print(
            f"n={n}: {len(values)} instances, median gap {statistics.median(values):.2f} %, "
            f"mean {statistics.mean(values):.2f} %, max {max(values):.2f} %, "
            f"at the optimum {sum(v == 0 for v in values)}"
        )
    if bugs:
        print(f"BUG: below the published optimum: {', '.join(bugs)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
