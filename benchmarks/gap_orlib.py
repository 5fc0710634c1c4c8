"""The OR-Library generalized assignment problem (GAP) through the LOS assignment ideas.

The learner-to-network assignment is a generalized assignment at heart: every job
(learner) goes to exactly one agent (network), each agent has a capacity, and the sum of
assignment costs is minimised. This benchmark reads the OR-Library GAP instances in
``../shared/bench/gap_orlib`` and solves them the way the LOS model does: one Boolean per
(job, agent) pair, pairs that can never fit pruned before the model is built, an
exactly-one row per job and a capacity row per agent, a constructed first plan (regret
greedy, the analogue of the LOS greedy + flow start) as a complete hint, and CP-SAT
through :func:`composer.solvers.cpsat.run_cpsat`. It reports the gap to the published
optimum (or best known value) of ``data.csv``; a result below a published optimum would
be a bug in the reader or the model.

    PYTHONPATH=src python benchmarks/gap_orlib.py --time-limit 30 --workers 2
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import dataclass
from pathlib import Path

from ortools.sat.python import cp_model

from composer.solvers.cpsat import run_cpsat

ROOT = Path(__file__).resolve().parents[1]


def default_folder() -> Path:
    """``../shared/bench/gap_orlib`` beside the checkout (or beside its parent, for a git
    worktree one level deeper)."""
    for base in (ROOT.parent, ROOT.parent.parent):
        folder = base / "shared" / "bench" / "gap_orlib"
        if folder.is_dir():
            return folder
    return ROOT.parent / "shared" / "bench" / "gap_orlib"


@dataclass(frozen=True)
class GapInstance:
    """``cost[a][j]`` and ``weight[a][j]`` of job j on agent a, ``capacity[a]``."""

    name: str
    cost: list[list[int]]
    weight: list[list[int]]
    capacity: list[int]

    @property
    def agents(self) -> int:
        return len(self.capacity)

    @property
    def jobs(self) -> int:
        return len(self.cost[0])


def read_gap(path: Path) -> GapInstance:
    """One OR-Library GAP instance: ``m n``, the m x n costs, the m x n weights, m
    capacities (whitespace-separated numbers, line breaks anywhere)."""
    numbers = [int(tok) for tok in path.read_text().split()]
    m, n = numbers[0], numbers[1]
    expected = 2 + 2 * m * n + m
    if len(numbers) != expected:
        raise ValueError(f"{path.name}: {len(numbers)} numbers, expected {expected} for {m}x{n}")
    pos = 2
    cost = [numbers[pos + a * n : pos + (a + 1) * n] for a in range(m)]
    pos += m * n
    weight = [numbers[pos + a * n : pos + (a + 1) * n] for a in range(m)]
    pos += m * n
    return GapInstance(path.name, cost, weight, numbers[pos : pos + m])


def published(folder: Path, name: str) -> tuple[int | None, int | None, int | None]:
    """(best known bound, optimum, best known value) from data.csv."""
    with (folder / "data.csv").open() as fh:
        for row in csv.DictReader(fh):
            if row["Path"].split("/")[-1] == name:
                found = [
                    int(row[key]) if row[key] else None
                    for key in ("Best known bound", "Optimum", "Best known solution value")
                ]
                return found[0], found[1], found[2]
    return None, None, None


def regret_greedy(inst: GapInstance) -> list[int] | None:
    """Assign jobs by largest regret (second-cheapest minus cheapest agent that still has
    room); None when some job finds no agent with room (then CP-SAT starts unhinted).

    Measured: on these tight instances it never finds room for every job; a fallback
    that ranks agents by the share of capacity a job takes always does, but its plans
    are poor (c40400: 12,291 against the optimum 4,244) and hinting them made CP-SAT
    much worse (e401600: 1,123,010 after 30 s instead of 189,065), so there is none."""
    room = list(inst.capacity)
    left = set(range(inst.jobs))
    agent_of = [-1] * inst.jobs
    while left:
        best_job, best_agent, best_regret = -1, -1, -1.0
        for j in left:
            fits = sorted(
                (inst.cost[a][j], a) for a in range(inst.agents) if inst.weight[a][j] <= room[a]
            )
            if not fits:
                return None
            regret = (fits[1][0] - fits[0][0]) if len(fits) > 1 else float("inf")
            if regret > best_regret:
                best_job, best_agent, best_regret = j, fits[0][1], regret
        agent_of[best_job] = best_agent
        room[best_agent] -= inst.weight[best_agent][best_job]
        left.remove(best_job)
    return agent_of


def solve(
    inst: GapInstance, time_limit: float, workers: int, seed: int, presolve: bool = True
) -> dict[str, object]:
    """Solve one instance; returns objective, bound, status and seconds."""
    t0 = time.perf_counter()
    model = cp_model.CpModel()
    x = {}
    for a in range(inst.agents):
        for j in range(inst.jobs):
            # pruning: a job heavier than the agent's capacity can never go there
            if inst.weight[a][j] <= inst.capacity[a]:
                x[(j, a)] = model.new_bool_var(f"x[j={j},a={a}]")
    for j in range(inst.jobs):
        model.add_exactly_one(x[(j, a)] for a in range(inst.agents) if (j, a) in x)
    for a in range(inst.agents):
        model.add(
            cp_model.LinearExpr.weighted_sum(
                [x[(j, a)] for j in range(inst.jobs) if (j, a) in x],
                [inst.weight[a][j] for j in range(inst.jobs) if (j, a) in x],
            )
            <= inst.capacity[a]
        )
    model.minimize(
        cp_model.LinearExpr.weighted_sum(list(x.values()), [inst.cost[a][j] for j, a in x])
    )
    start = regret_greedy(inst)
    start_value = None
    if start is not None:
        start_value = sum(inst.cost[a][j] for j, a in enumerate(start))
        for (j, a), var in x.items():
            model.add_hint(var, start[j] == a)

    def settings(solver: cp_model.CpSolver) -> None:
        # --no-presolve: the LOS model needs it off (its roster links become clauses the
        # LP drops); measured here for comparison
        solver.parameters.cp_model_presolve = presolve

    # the limit covers the whole call: building the model and the greedy start of the
    # 1,600-job files took 14-25 s of a 60 s limit under load, all of it past the limit
    left = max(0.1, time_limit - (time.perf_counter() - t0))
    run = run_cpsat(model, time_limit=left, workers=workers, seed=seed, extra=settings)
    assignment = None
    if run.has_solution:
        assignment = [-1] * inst.jobs
        for (j, a), var in x.items():
            if run.solver.value(var):
                assignment[j] = a
    return {
        "status": run.status,
        "objective": run.objective,
        "bound": run.bound,
        "start": start_value,
        "seconds": round(time.perf_counter() - t0, 2),
        "assignment": assignment,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="instance files (default: all in the folder)")
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--folder", type=Path, default=default_folder())
    parser.add_argument("--no-presolve", action="store_true", help="CP-SAT presolve off")
    args = parser.parse_args()
    folder = args.folder
    names = args.names or sorted(p.name for p in folder.iterdir() if p.name != "data.csv")
    head = (
        f"{'instance':<10} {'n x m':>9} {'start':>8} {'objective':>9} {'bound':>9} "
        f"{'published':>10} {'gap':>7} {'status':<9} {'s':>6}"
    )
    print(head)
    print("-" * len(head))
    for name in names:
        inst = read_gap(folder / name)
        result = solve(inst, args.time_limit, args.workers, args.seed, not args.no_presolve)
        _bound, optimum, best_known = published(folder, name)
        reference = optimum if optimum is not None else best_known
        objective = result["objective"]
        gap = (
            "-"
            if objective is None or reference is None
            else f"{(float(objective) - reference) / reference:.2%}"  # type: ignore[arg-type]
        )
        flag = " (opt)" if optimum is not None else " (best)"
        if objective is not None and optimum is not None and float(objective) < optimum:  # type: ignore[arg-type]
            flag += " BELOW PUBLISHED OPTIMUM: a bug"
        print(
            f"{name:<10} {inst.jobs:>4}x{inst.agents:<4} {result['start'] or '-':>8} "
            f"{objective if objective is not None else '-':>9} "
            f"{result['bound'] if result['bound'] is not None else '-':>9} "
            f"{reference if reference is not None else '-':>10} {gap:>7} "
            f"{result['status']:<9} {result['seconds']:>6}{flag}",
            flush=True,
        )


if __name__ == "__main__":
    main()
