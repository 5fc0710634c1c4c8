"""BV clustering benchmark: composer (CP-SAT) against its peers, side by side.

For every sector-region of the instance: composer's clusters (the ``bv`` stage, exact
set partitioning with CP-SAT), size-bounded k-means (``k-means-constrained``) and a compact
MIP of the same model on HiGHS. Every method's clusters get coordinators by the same
assignment, are checked by the same checker and scored by the same objective
(:mod:`composer.objective.bv`). Reported per sector-region and overall: total travel per
meeting round, the worst school's average travel, the objective, rule violations, time,
and the ratio to composer.

Run (one command; figures go to stdout, ``--out`` also writes them as markdown)::

    PYTHONPATH=src python -m benchmarks.bv --instance instances/national/instance.json \\
        --time-limit 60 --mip-seconds 120 --out /tmp/bv-bench.md
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.bv_peers import kmeans_part, mip_part, project_km
from composer import clock
from composer.bv_rules import bv_layout
from composer.check import check_plan
from composer.io import load_instance
from composer.model.instance import Instance
from composer.model.plan import Cluster, Plan, StageResult
from composer.objective.bv import BvCostModel, bv_objective_parts, cluster_terms
from composer.parallel import map_tasks
from composer.params import SolveParams, apply_overrides, parse_override
from composer.pipeline import solve
from composer.solvers.bv import (
    PartTask,
    allocate_cluster_caps,
    assign_coordinators,
    part_task,
    solve_part,
)


@dataclass
class PartScore:
    """One method's result on one sector-region."""

    objective: float | None = None
    travel_min: float | None = None
    worst_min: float | None = None
    seconds: float = 0.0
    fairness_min: float | None = None
    """The objective's fairness term, unweighted: the sum over clusters of their worst
    school's average travel (minutes per meeting round)."""
    note: str = ""


@dataclass
class MethodRun:
    """One method over the whole instance."""

    name: str
    parts: dict[str, PartScore] = field(default_factory=dict)
    clusters: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)
    violations: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def score(instance: Instance, groups: list[tuple[str, ...]]) -> tuple[float, float, float, float]:
    """(objective, travel minutes per round, worst school's average minutes, the sum over
    clusters of their worst school's average minutes) of clusters."""
    idx = instance.index
    model = BvCostModel.of(instance)
    boards = [s.board for s in instance.schools]
    objective = travel = fairness = 0
    worst = 0.0
    for group in groups:
        members = [idx.school[s] for s in group]
        terms = cluster_terms(members, idx.travel_minutes, boards)
        objective += model.cluster_cost(terms)
        travel += terms.travel
        fairness += terms.worst
        worst = max(worst, terms.worst / 60.0)
    return float(objective), travel / 60.0, worst, fairness / 60.0


def school_averages(instance: Instance, groups: list[tuple[str, ...]]) -> list[float]:
    """Every member's average travel per meeting (minutes): the objective's ``avg(i)``."""
    idx = instance.index
    averages: list[float] = []
    for group in groups:
        members = [idx.school[s] for s in group]
        averages += [sum(idx.travel_minutes(i, j) for j in members) / len(members) for i in members]
    return averages


def plan_of(instance: Instance, base: Plan, clusters: dict[str, list[tuple[str, ...]]]) -> Plan:
    """A plan holding a method's clusters, coordinated like composer's, for the checker."""
    layout = bv_layout(instance)
    by_key = {p.key: p for p in layout.parts}
    numbering: Counter[tuple[str, str]] = Counter()
    built = []
    for key, groups in clusters.items():
        part = by_key[key]
        for group in sorted(sorted(g) for g in groups):
            numbering[(part.sector, part.region)] += 1
            number = numbering[(part.sector, part.region)]
            built.append(
                Cluster(
                    id=f"bv-{part.sector}-{part.region}-{number:02d}",
                    sector=part.sector,  # type: ignore[arg-type]
                    region=part.region,
                    schools=tuple(group),
                )
            )
    built, missing = assign_coordinators(instance, built)
    kept = [u for u in base.unplaced if u.what == "school"]
    parts = bv_objective_parts(instance, built)
    stage = StageResult(status="feasible", objective=sum(parts.values()), parts=parts)
    return base.model_copy(
        update={
            "clusters": tuple(built),
            "unplaced": (*kept, *missing),
            "stages": {**base.stages, "bv": stage},
        }
    )


def part_gaps(plan: Plan) -> dict[str, float]:
    """Gap per sector-region from the stage notes (``po:r1: gap 1.23% (feasible)``); a
    part without such a note was proven optimal."""
    import re

    found = {}
    stage = plan.stages.get("bv")
    for note in stage.notes if stage else ():
        match = re.match(r"^(\S+): gap ([0-9.]+)%", note)
        if match:
            found[match.group(1)] = float(match.group(2)) / 100.0
    return found


PART_LOG: list[tuple[str, float | None, float | None]] = []
"""The stage's per-part progress lines (message, objective, bound) of the last run."""


def _record(
    stage: str, message: str, objective: float | None = None, bound: float | None = None
) -> None:
    if stage == "bv" and " schools): " in message:
        PART_LOG.append((message, objective, bound))


def run_composer(instance: Instance, time_limit: float, workers: int) -> tuple[Plan, float]:
    t0 = time.perf_counter()
    PART_LOG.clear()
    params = SolveParams(time_limit=time_limit, workers=workers, stages=("bv",))
    plan, _ = solve(instance, params, _record)
    return plan, time.perf_counter() - t0


def run_parts(
    tasks: dict[str, PartTask], keys: list[str], seconds: float, deterministic: bool
) -> int:
    """Solve the named parts one by one, each alone for ``seconds`` (the stage's solver);
    ``deterministic`` (``--workers 1``): on counted work (composer.clock), so the figures
    repeat on a busy machine."""
    unknown = [k for k in keys if k not in tasks]
    if unknown:
        print(f"unknown sector-region(s): {', '.join(unknown)}; known: {', '.join(sorted(tasks))}")
        return 2
    print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print("| part | n | cap | status | objective | bound | gap | seconds | stats |")
    print("|---|---|---|---|---|---|---|---|---|")
    for key in keys:
        task = dataclasses.replace(tasks[key], time_limit=seconds, deadline=None)
        with clock.use(clock.for_run(seconds, deterministic)):
            res = solve_part(task)
        gap = (
            (res.objective - res.bound) / res.objective
            if res.objective and res.bound is not None
            else None
        )
        keep = ("lp_seconds", "lp_value", "cuts", "listed", "enumeration_rounds", "lns_steps")
        stats = ", ".join(f"{k} {res.stats[k]:.4g}" for k in keep if k in res.stats)
        print(
            f"| {key} | {task.n} | {task.max_clusters} | {res.status} | {res.objective} | "
            f"{res.bound} | {'-' if gap is None else f'{gap:.2%}'} | "
            f"{res.stats.get('seconds', 0.0):.1f} | {stats}; {'; '.join(res.notes)} |"
        )
    print(f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


def _mip_task(args: tuple[PartTask, float]) -> tuple[list[list[int]] | None, float | None, float]:
    task, seconds = args
    if task.n * task.n * max(1, task.max_clusters) > 2_500_000:
        return None, None, 0.0  # too large to build in memory here (reported as such)
    return mip_part(task, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="BV clustering: composer vs peers")
    parser.add_argument("--instance", default="instances/national")
    parser.add_argument("--time-limit", type=float, default=60.0, help="composer's limit, s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mip-seconds", type=float, default=120.0, help="HiGHS total, s")
    parser.add_argument("--skip-mip", action="store_true")
    parser.add_argument("--out", type=Path, default=None, help="also write markdown here")
    parser.add_argument(
        "--part",
        action="append",
        default=[],
        help="solve only this sector-region (repeatable), alone in one process with "
        "--time-limit seconds each, and print what the stage's solver proved; with "
        "--workers 1 the seconds are counted work (the figures repeat on a busy machine)",
    )
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        help="override a setting for every method, e.g. bv.weights.worst_travel=0",
    )
    args = parser.parse_args(argv)

    overrides = dict(parse_override(text) for text in args.sets)
    instance = apply_overrides(load_instance(Path(args.instance)), overrides)
    layout = bv_layout(instance)
    caps, _ = allocate_cluster_caps(instance, layout)
    params = SolveParams(time_limit=args.time_limit, workers=args.workers)
    tasks = {p.key: part_task(instance, p, caps[p.key], 10.0, params) for p in layout.parts}
    if args.part:
        return run_parts(tasks, args.part, args.time_limit, args.workers == 1)
    ids = {p.key: [instance.schools[s].id for s in p.schools] for p in layout.parts}

    runs: list[MethodRun] = []
    # ---- composer
    plan, wall = run_composer(instance, args.time_limit, args.workers)
    mine = MethodRun("composer", seconds=wall)
    part_of = {s: p.key for p in layout.parts for s in ids[p.key]}
    for cluster in plan.clusters:
        mine.clusters.setdefault(part_of[cluster.schools[0]], []).append(cluster.schools)
    report = check_plan(instance, plan)
    mine.violations.update(v.rule for v in report.errors)
    if report.mismatches:
        mine.violations["objective"] += len(report.mismatches)
    gaps = part_gaps(plan)
    for key in tasks:
        obj, trav, worst, fair = score(instance, mine.clusters.get(key, []))
        mine.parts[key] = PartScore(
            obj, trav, worst, note=f"{gaps.get(key, 0.0):.2%}", fairness_min=fair
        )
    runs.append(mine)

    # ---- k-means-constrained
    km = MethodRun("k-means-constrained")
    t_all = time.perf_counter()
    for key, task in tasks.items():
        pos = [instance.index.school[s] for s in ids[key]]
        lat = np.array([instance.schools[p].lat for p in pos])
        lon = np.array([instance.schools[p].lon for p in pos])
        groups, secs = kmeans_part(task, project_km(lat, lon))
        if groups is None:
            km.parts[key] = PartScore(seconds=secs, note="failed")
            continue
        named = [tuple(ids[key][i] for i in g) for g in groups]
        km.clusters[key] = named
        obj, trav, worst, fair = score(instance, named)
        km.parts[key] = PartScore(obj, trav, worst, secs, fairness_min=fair)
    km.seconds = time.perf_counter() - t_all
    runs.append(km)

    # ---- HiGHS MIP of the same model
    if not args.skip_mip:
        mip = MethodRun("HiGHS MIP")
        weight = {k: float(t.n) ** 2 for k, t in tasks.items()}
        total = sum(weight.values())
        lanes = 2
        keys = sorted(tasks, key=lambda k: tasks[k].n)
        jobs = [(tasks[k], max(2.0, args.mip_seconds * lanes * weight[k] / total)) for k in keys]
        t_all = time.perf_counter()
        results = map_tasks(_mip_task, jobs, lanes)
        mip.seconds = time.perf_counter() - t_all
        for key, (groups, bound, secs) in zip(keys, results, strict=True):
            if groups is None:
                note = "too large to build" if secs == 0.0 else "no solution in time"
                mip.parts[key] = PartScore(seconds=secs, note=note)
                continue
            named = [tuple(ids[key][i] for i in g) for g in groups]
            mip.clusters[key] = named
            obj, trav, worst, fair = score(instance, named)
            mip.parts[key] = PartScore(
                obj,
                trav,
                worst,
                secs,
                note=f"bound {bound:.0f}" if bound else "",
                fairness_min=fair,
            )
        runs.append(mip)

    # ---- the same checker for the peers (parts without a result are left out)
    for run in runs[1:]:
        peer_plan = plan_of(instance, plan, run.clusters)
        peer_report = check_plan(instance, peer_plan)
        run.violations.update(
            v.rule
            for v in peer_report.errors
            if not (v.rule == "B2" and "in no cluster" in v.message)  # missing parts: noted
        )

    lines = render(instance, layout, tasks, runs, plan, args)
    text = "\n".join(lines)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


def render(instance, layout, tasks, runs, plan, args) -> list[str]:
    mine = runs[0]
    stage = plan.stages.get("bv")
    header = [
        f"# BV benchmark: {instance.name}",
        "",
        f"- date {dt.date.today().isoformat()}, machine {platform.machine()} "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, load average "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}",
        f"- command: `python -m benchmarks.bv --instance {args.instance} --time-limit "
        f"{args.time_limit:g}"
        + (" --skip-mip" if args.skip_mip else f" --mip-seconds {args.mip_seconds:g}")
        + "".join(f" --set {t}" for t in args.sets)
        + "`",
        f"- composer: {sum(1 for k in tasks if part_gaps(plan).get(k, 0) == 0)} of "
        f"{len(tasks)} sector-regions proven optimal, "
        f"{sum(1 for k in tasks if part_gaps(plan).get(k, 0) <= 0.02)} within 2 %; largest "
        f"gap {max([0.0, *part_gaps(plan).values()]):.2%}",
        f"- {sum(len(p.schools) for p in layout.parts)} schools in {len(layout.parts)} "
        f"sector-regions; composer status {stage.status if stage else '-'}, gap "
        f"{(stage.gap or 0):.2%}"
        if stage
        else "",
        "",
        "Travel: minutes per meeting round summed over clusters; worst: the worst school's "
        "average travel per meeting (minutes); fairness: the objective's fairness term "
        "unweighted, the sum over clusters of their worst school's average travel "
        "(minutes); objective: weighted seconds "
        "(composer.objective.bv). Ratio = peer / composer (> 1: composer is better).",
        "",
    ]
    names = [r.name for r in runs]
    head = (
        "| sector-region | n | "
        + " | ".join(
            f"{n} travel | {n} worst | {n} obj" + (" | ratio" if i else " | gap")
            for i, n in enumerate(names)
        )
        + " |"
    )
    sep = "|" + "---|" * (2 + 4 * len(names))
    rows = [head, sep]
    totals = defaultdict(float)
    better = defaultdict(int)
    fairer = defaultdict(int)
    for key in sorted(tasks, key=lambda k: -tasks[k].n):
        cells = [key, str(tasks[key].n)]
        base = mine.parts[key].objective
        for i, run in enumerate(runs):
            sc = run.parts.get(key, PartScore(note="-"))
            if sc.objective is None:
                cells += ["-", "-", sc.note or "-", "-"]
                continue
            cells += [f"{sc.travel_min:.0f}", f"{sc.worst_min:.1f}", f"{sc.objective:.0f}"]
            totals[(run.name, "obj")] += sc.objective
            totals[(run.name, "travel")] += sc.travel_min or 0.0
            if not i:
                cells.append(sc.note)
            if i:
                ratio = sc.objective / base if base else float("nan")
                cells.append(f"{ratio:.3f}")
                ours = mine.parts[key].travel_min
                if ours is not None and sc.travel_min is not None and ours <= sc.travel_min:
                    better[run.name] += 1
                fair = mine.parts[key].fairness_min
                if fair is not None and sc.fairness_min is not None and fair <= sc.fairness_min:
                    fairer[run.name] += 1
        rows.append("| " + " | ".join(cells) + " |")
    summary = [
        "",
        "| method | parts solved | objective | travel min | objective ratio | travel ratio "
        "| parts where composer's travel <= peer's | fairness min | parts where composer's "
        "fairness <= peer's | violations | seconds |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        solved = [k for k, sc in run.parts.items() if sc.objective is not None]
        obj = sum(run.parts[k].objective or 0.0 for k in solved)
        trav = sum(run.parts[k].travel_min or 0.0 for k in solved)
        ref_obj = sum(mine.parts[k].objective or 0.0 for k in solved)
        ref_trav = sum(mine.parts[k].travel_min or 0.0 for k in solved)
        viol = ", ".join(f"{k} {v}" for k, v in sorted(run.violations.items())) or "none"
        fair = sum(run.parts[k].fairness_min or 0.0 for k in solved)
        wins = "-" if run is mine else f"{better[run.name]} of {len(solved)}"
        fair_wins = "-" if run is mine else f"{fairer[run.name]} of {len(solved)}"
        summary.append(
            f"| {run.name} | {len(solved)} of {len(tasks)} | {obj:.0f} | {trav:.0f} | "
            f"{obj / ref_obj if ref_obj else float('nan'):.3f} | "
            f"{trav / ref_trav if ref_trav else float('nan'):.3f} | {wins} | {fair:.0f} | "
            f"{fair_wins} | {viol} | {run.seconds:.1f} |"
        )
    summary += [
        "",
        "Per school: each school's average travel per meeting (minutes; it travels to the "
        "other hosts and stays home once), over the sector-regions the method solved.",
        "",
        "| method | clusters | schools | mean | p90 | p99 | max |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        groups = [g for key in sorted(run.clusters) for g in run.clusters[key]]
        averages = np.array(school_averages(instance, groups))
        if not len(averages):
            continue
        summary.append(
            f"| {run.name} | {len(groups)} | {len(averages)} | {averages.mean():.2f} | "
            f"{np.percentile(averages, 90):.1f} | {np.percentile(averages, 99):.1f} | "
            f"{averages.max():.1f} |"
        )
    # when the unproven and the longest-running parts ran (live log of the stage)
    timing = ["", "Composer's parts, unproven or longest-running (from the stage's log):", ""]
    timing += ["| part | objective | bound | gap | log |", "|---|---|---|---|---|"]

    def secs(line: str) -> float:
        return float(line.split(" ran ")[1].split(" s")[0]) if " ran " in line else 0.0

    shown = sorted(PART_LOG, key=lambda e: -secs(e[0]))
    for message, obj, bnd in shown:
        gap = (obj - bnd) / obj if obj and bnd is not None else None
        if (gap is None or gap <= 0) and secs(message) < 5.0:
            continue
        timing.append(
            f"| {message.split(' ')[0]} | {obj or 0:.0f} | {bnd or 0:.0f} | "
            f"{'-' if gap is None else f'{gap:.2%}'} | {message} |"
        )
    return [*header, *summary, "", *rows, *timing]


if __name__ == "__main__":
    sys.exit(main())
