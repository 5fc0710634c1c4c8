"""Test doubles for the bench: a tiny deterministic stage, literature runners and a peer.

They let the bench framework be tested without the real solvers. Tests register them
(``monkeypatch`` on ``pipeline.STAGE_FUNCTIONS``, ``composer.bench.plugins``); the bench
passes the registrations to its child processes, which import this module from the test
folder (on ``sys.path`` through ``conftest.py``).

``BENCH_FAKE_MODE`` (environment, inherited by the children) changes the fake stage:
``worse`` reports every cluster's travel at 110 % (and the fake objective recomputation
agrees), ``broken`` places one school in two clusters (a P1 violation).
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from composer.bench.literature import read_cpmp
from composer.bench.plugins import BenchResult, BenchTask
from composer.model.instance import Instance
from composer.model.plan import Cluster, Plan, StageResult
from composer.params import SolveParams
from composer.pipeline import Progress


def _mode() -> str:
    return os.environ.get("BENCH_FAKE_MODE", "")


def _eligible_groups(instance: Instance) -> Iterator[list[str]]:
    groups: dict[tuple[str, str], list[str]] = {}
    for school in instance.schools:
        if school.bv_subsidy and not school.bv_individual_support:
            groups.setdefault((school.sector, school.region), []).append(school.id)
    for key in sorted(groups):
        yield sorted(groups[key])


def _travel(instance: Instance, schools: tuple[str, ...]) -> int:
    idx = instance.index
    return sum(
        idx.travel_minutes(idx.school[a], idx.school[b])
        for a, b in itertools.combinations(schools, 2)
    )


def fake_bv_objective(instance: Instance, plan: Plan) -> dict[str, float]:
    """The fake stage's objective recomputed from the plan (registered as the bv objective
    in tests, so the bench's objective check is exercised)."""
    factor = 1.1 if _mode() == "worse" else 1.0
    return {"travel": float(sum(_travel(instance, c.schools) for c in plan.clusters) * factor)}


def fake_bv(instance: Instance, plan: Plan, params: SolveParams, progress: Progress) -> Plan:
    """Clusters of 4 eligible schools per sector-region, in an order shuffled by the seed.

    Deterministic for a seed; different seeds give different clusters on the tiny instance.
    """
    rng = random.Random(params.seed)
    clusters: list[Cluster] = []
    for schools in _eligible_groups(instance):
        rng.shuffle(schools)
        for k in range(len(schools) // 4):
            first = instance.index.school[schools[4 * k]]
            sector = instance.schools[first].sector
            region = instance.schools[first].region
            clusters.append(
                Cluster(
                    id=f"C{len(clusters) + 1:02d}",
                    sector=sector,
                    region=region,
                    schools=tuple(sorted(schools[4 * k : 4 * k + 4])),
                )
            )
    if _mode() == "broken" and len(clusters) >= 2:
        second = clusters[1]
        clusters[1] = second.model_copy(
            update={"schools": (*second.schools, clusters[0].schools[0])}
        )
    draft = plan.model_copy(update={"clusters": tuple(clusters)})
    objective = sum(fake_bv_objective(instance, draft).values())
    result = StageResult(status="feasible", objective=objective, bound=0.0)
    return draft.model_copy(update={"stages": {**plan.stages, "bv": result}})


# --------------------------------------------------------------------------- literature


def _median_solution(path: Path) -> tuple[list[int], float]:
    """The optimum of a small CPMP file by enumeration (tests use 4-6 points)."""
    inst = read_cpmp(path)
    best: tuple[float, list[int]] | None = None
    for medians in itertools.combinations(range(inst.n), inst.p):
        for choice in itertools.product(medians, repeat=inst.n):
            assignment = list(choice)
            ev = inst.evaluate(assignment)
            if ev.ok and ev.objective is not None and (best is None or ev.objective < best[0]):
                best = (ev.objective, assignment)
    assert best is not None
    return best[1], best[0]


def exact_cpmp(task: BenchTask) -> BenchResult:
    """A correct CPMP runner for tiny files: enumeration, with its solution."""
    t0 = time.perf_counter()
    solution, objective = _median_solution(task.path)
    return BenchResult("optimal", objective, objective, time.perf_counter() - t0, solution=solution)


def too_good_cpmp(task: BenchTask) -> BenchResult:
    """A wrong runner: claims one less than the optimum and gives no solution."""
    _, objective = _median_solution(task.path)
    return BenchResult("optimal", objective - 1, objective - 1, 0.01)


def infeasible_cpmp(task: BenchTask) -> BenchResult:
    """A wrong runner: every point on median 0 (breaks p and the capacity)."""
    n = read_cpmp(task.path).n
    return BenchResult("feasible", None, None, 0.01, solution=[0] * n)


def crashing_runner(task: BenchTask) -> BenchResult:
    """A runner with a bug."""
    raise ZeroDivisionError("division by zero in the fake runner")


def greedy_bv_peer(task: BenchTask) -> BenchResult:
    """A peer for the bv stage: clusters in id order (no shuffle), as a plan."""
    from composer.io import load_instance

    instance = load_instance(task.path)
    clusters = []
    for schools in _eligible_groups(instance):
        for k in range(len(schools) // 4):
            first = instance.schools[instance.index.school[schools[4 * k]]]
            clusters.append(
                Cluster(
                    id=f"G{len(clusters) + 1:02d}",
                    sector=first.sector,
                    region=first.region,
                    schools=tuple(schools[4 * k : 4 * k + 4]),
                )
            )
    plan = Plan(instance=instance.name, instance_hash=instance.content_hash())
    plan = plan.model_copy(update={"clusters": tuple(clusters)})
    objective = sum(fake_bv_objective(instance, plan).values())
    plan = plan.model_copy(
        update={"stages": {"bv": StageResult(status="feasible", objective=objective)}}
    )
    return BenchResult("feasible", seconds=0.001, plan=plan)


def sleepy_square(x: int) -> int:
    """For the order test of map_tasks: early tasks finish last."""
    time.sleep(0.05 * (5 - x) if 0 <= x < 5 else 0)
    return x * x


def is_set(event: Any) -> bool:
    """For the Dask error test: a task holding a multiprocessing proxy."""
    return bool(event.is_set())
