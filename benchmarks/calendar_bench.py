"""Benchmark of the ``calendar`` stage: date every group of a large instance, then check.

Usage (from the repository root)::

    PYTHONPATH=src python -m benchmarks.calendar_bench \\
        [--instance instances/national] [--plan PLAN.json] \\
        [--time-limit 60] [--processes 2] [--workers 2] [--seed 0] [--out FILE.json]

The calendar stage needs groups (LOS networks with slots, BV clusters with coordinators,
TN networks). With ``--plan`` they are read from a plan (e.g. one written by
``composer solve --stage los --stage bv --stage tn``); the groups the plan lacks (or all,
without ``--plan``) are synthesised here from the instance, deterministically:

- BV clusters: the eligible schools (B1) of every sector-region, sorted north to south,
  cut into clusters of 4-6 (a sector-region that cannot be split, B8, is left out);
  each cluster gets the least loaded coordinator of its region (B4 capacity respected
  where possible);
- LOS networks: the network's fixed SO and second facilitator (else the least loaded of
  the right role in the region), the first slot where both are available and free
  (travel included), the region's learners dealt round robin (pins respected);
- TN networks: the participants' pins, else schools dealt round robin over the networks
  of their region (two people per school stay together).

The result (wall time, status, objective, violations per rule) is printed and, with
``--out``, written as JSON. Timings depend on the machine and its load: record the core
count and load average beside them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from composer.calendar import BusyIndex, weekday_of
from composer.check import check_plan
from composer.io import load_instance, read_plan
from composer.model.instance import Instance
from composer.model.plan import Cluster, Plan, PlannedNetwork, PlannedSlot, PlannedTnNetwork
from composer.params import SolveParams, apply_overrides, parse_override
from composer.solvers.calendar import run_stage

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCES = (
    ROOT / "instances" / "national" / "instance.json",
    ROOT.parent / "data" / "instances" / "national" / "instance.json",
)


# --------------------------------------------------------------------------- groups


def _sizes(count: int, low: int, high: int) -> list[int]:
    """Cluster sizes for ``count`` schools: as few clusters as possible, balanced."""
    groups = -(-count // high)
    while groups * low > count:
        groups -= 1
    if groups == 0 or groups * high < count:
        return []
    base, extra = divmod(count, groups)
    return [base + 1] * extra + [base] * (groups - extra)


def synth_clusters(instance: Instance) -> tuple[Cluster, ...]:
    """BV clusters of 4-6 eligible schools per sector-region (see the module docstring)."""
    bv = instance.bv
    by_group: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for s in instance.schools:
        if s.bv_subsidy and not s.bv_individual_support:
            by_group[(s.sector, s.region)].append(s)
    coordinators: dict[str, list[Any]] = defaultdict(list)
    for f in instance.facilitators:
        if f.role == "ocw_coordinator":
            for r in f.regions:
                coordinators[r].append(f)
    load: dict[str, int] = defaultdict(int)
    clusters = []
    for (sector, region), schools in sorted(by_group.items()):
        schools.sort(key=lambda s: (-s.lat, s.lon, s.id))
        start = 0
        for n, size in enumerate(_sizes(len(schools), bv.min_size, bv.max_size)):
            members = tuple(s.id for s in schools[start : start + size])
            start += size
            options = sorted(
                coordinators.get(region, []),
                key=lambda f: (
                    f.max_groups is not None and load[f.id] >= f.max_groups,
                    load[f.id],
                    f.id,
                ),
            )
            coordinator = options[0].id if options else None
            if coordinator is not None:
                load[coordinator] += 1
            clusters.append(
                Cluster(
                    id=f"{sector}-{region}-{n + 1:02d}"[:64],
                    sector=sector,
                    region=region,
                    schools=members,
                    coordinator=coordinator,
                )
            )
    return tuple(clusters)


def synth_networks(instance: Instance) -> tuple[PlannedNetwork, ...]:
    """LOS networks with facilitators, a free slot and learners (module docstring)."""
    idx = instance.index
    blocks = list(instance.calendar.time_blocks)
    busy = BusyIndex(instance)
    load: dict[str, int] = defaultdict(int)
    by_role_region: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for f in instance.facilitators:
        for r in f.regions:
            by_role_region[(f.role, r)].append(f)
    wanted = {
        "opleiding": ("instituutsopleider",),
        "inductie": ("schoolbegeleider",),
        "mixed": ("instituutsopleider", "schoolbegeleider"),
    }
    learners: dict[str, list[str]] = defaultdict(list)
    pinned: dict[str, list[str]] = defaultdict(list)
    for lr in instance.learners:
        if lr.network is not None:
            pinned[lr.network].append(lr.id)
        else:
            learners[idx.school_of(lr.home_school).region].append(lr.id)
    region_nets: dict[str, list[str]] = defaultdict(list)
    for net in instance.los.networks:
        region_nets[net.region].append(net.id)
    dealt: dict[str, list[str]] = defaultdict(list)
    for region, ids in learners.items():
        for i, lid in enumerate(ids):
            if region_nets.get(region):
                dealt[region_nets[region][i % len(region_nets[region])]].append(lid)
    slot_load: dict[tuple[str, str, str], int] = defaultdict(int)
    out = []
    # slots repeat weekly: one probe date per weekday stands for all of them
    first = min(y.start for y in instance.calendar.school_years)
    probe_day = {
        weekday_of(first + dt.timedelta(days=k)): first + dt.timedelta(days=k) for k in range(7)
    }

    def options(role_options: tuple[str, ...], region: str, fixed: str | None) -> list[Any]:
        if fixed is not None:
            return [idx.facilitator_of(fixed)]
        found = [f for role in role_options for f in by_role_region.get((role, region), [])]
        return sorted(found, key=lambda f: (load[f.id], f.id))

    block_of = {b.id: b for b in blocks}
    order = {b.id: i for i, b in enumerate(blocks)}
    day_count: dict[tuple[str, str], int] = defaultdict(int)

    def fits(people: list[Any], day: str, block_id: str, location: str) -> bool:
        block = block_of[block_id]
        return all(f.available(day, block_id) for f in people) and busy.free(
            [f.id for f in people], probe_day[day], block.start, block.end, location
        )

    def score(region: str, day: str, block_id: str) -> tuple[int, int, int]:
        # L9 needs partners on the same weekday (duos are often there one day only) at
        # blocks far apart (time to travel): join busy days, keep blocks spread
        used = [order[b] for (r, d, b), n in slot_load.items() if r == region and d == day and n]
        spread = min((abs(order[block_id] - u) for u in used), default=len(blocks))
        crowded = slot_load[(region, day, block_id)]
        on_day = day_count[(region, day)]
        need = 0 if on_day in (1, 2) else (1 if on_day >= 3 else 2)  # fill days to three
        return (crowded, need, -spread)

    # networks with the fewest possible days choose first
    def freedom(net: Any) -> int:
        so = options(("schoolopleider",), net.region, net.schoolopleider)
        second = options(wanted[net.type], net.region, net.second_facilitator)
        days = {d for f in so for d in f.available_days} & {
            d for f in second for d in f.available_days
        }
        return len(days)

    for net in sorted(instance.los.networks, key=lambda n: (freedom(n), n.id)):
        best: tuple[Any, ...] | None = None
        for so in options(("schoolopleider",), net.region, net.schoolopleider)[:6]:
            for second in options(wanted[net.type], net.region, net.second_facilitator)[:6]:
                people = [so, second]
                candidates = (
                    [(net.slot.weekday, net.slot.block)]
                    if net.slot
                    else [(d, b.id) for d in instance.calendar.weekdays for b in blocks]
                )
                for day, block_id in candidates:
                    if not fits(people, day, block_id, net.location):
                        continue
                    key = (*score(net.region, day, block_id), load[so.id] + load[second.id])
                    if best is None or key < best[0]:
                        best = (key, people, day, block_id)
        if best is None:
            continue
        _, people, day, block_id = best
        block = block_of[block_id]
        slot_load[(net.region, day, block_id)] += 1
        day_count[(net.region, day)] += 1
        for f in people:
            load[f.id] += 1
            busy.add(f.id, probe_day[day], block.start, block.end, net.location, net.id)
        out.append(
            PlannedNetwork(
                id=net.id,
                region=net.region,
                slot=PlannedSlot(weekday=day, block=block_id, start=block.start, end=block.end),
                location=net.location,
                learners=tuple(pinned[net.id] + dealt[net.id]),
                facilitators=tuple(f.id for f in people),
            )
        )
    return tuple(sorted(out, key=lambda n: n.id))


def synth_tn(instance: Instance) -> tuple[PlannedTnNetwork, ...]:
    """TN networks from the pins, else schools dealt round robin per region."""
    tn = instance.tn
    if any(p.network for p in tn.participants):
        return ()  # the calendar stage derives the groups from the pins itself
    idx = instance.index
    by_region: dict[str | None, list[str]] = defaultdict(list)
    for net in tn.networks:
        by_region[net.region].append(net.id)
    members: dict[str, list[str]] = defaultdict(list)
    schools: dict[str, list[str]] = defaultdict(list)
    for p in tn.participants:
        schools[p.school].append(p.id)
    turn: dict[str | None, int] = defaultdict(int)
    all_nets = [n.id for n in tn.networks]
    for school_id, people in sorted(schools.items()):
        region = idx.school_of(school_id).region
        options = by_region.get(region) or all_nets
        if not options:
            continue
        net = options[turn[region] % len(options)]
        turn[region] += 1
        members[net].extend(people)
    return tuple(
        PlannedTnNetwork(id=n.id, participants=tuple(members[n.id]), facilitator=n.facilitator)
        for n in tn.networks
        if members[n.id]
    )


# --------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the benchmark and return its record."""
    path = (
        Path(args.instance)
        if args.instance
        else next((p for p in DEFAULT_INSTANCES if p.is_file()), None)
    )
    if path is None:
        raise SystemExit("no instance: pass --instance (e.g. instances/national)")
    t0 = time.perf_counter()
    overrides = dict(parse_override(text) for text in args.set or ())
    instance = apply_overrides(load_instance(path), overrides)
    t_load = time.perf_counter() - t0
    given = read_plan(Path(args.plan)) if args.plan else Plan(instance=instance.name)
    source = {}
    networks = given.networks or synth_networks(instance)
    source["networks"] = f"plan {args.plan}" if given.networks else "synthesised"
    clusters = given.clusters or synth_clusters(instance)
    source["clusters"] = f"plan {args.plan}" if given.clusters else "synthesised"
    tn_nets = given.tn_networks or synth_tn(instance)
    source["tn_networks"] = f"plan {args.plan}" if given.tn_networks else "synthesised"
    plan = Plan(
        instance=instance.name,
        instance_hash=instance.content_hash(),
        networks=networks,
        clusters=clusters,
        tn_networks=tn_nets,
    )
    params = SolveParams(
        time_limit=args.time_limit,
        workers=args.workers,
        processes=args.processes,
        seed=args.seed,
        stages=("calendar",),
    )

    def progress(stage: str, message: str, objective=None, bound=None) -> None:  # type: ignore[no-untyped-def]
        if args.verbose:
            print(f"  [{time.perf_counter() - t1:6.1f}s] {stage}: {message}", flush=True)

    t1 = time.perf_counter()
    out = run_stage(instance, plan, params, progress)
    t_stage = time.perf_counter() - t1
    t2 = time.perf_counter()
    report = check_plan(instance, out)
    t_check = time.perf_counter() - t2
    result = out.stages["calendar"]
    by_rule: dict[str, int] = defaultdict(int)
    for v in report.errors:
        by_rule[v.rule] += 1
    warnings: dict[str, int] = defaultdict(int)
    for v in report.violations:
        if v.severity == "warning":
            warnings[v.rule] += 1
    programmes: dict[str, int] = defaultdict(int)
    for s in out.sessions:
        programmes[s.programme] += 1
    return {
        "instance": str(path),
        "groups": source,
        "networks": len(networks),
        "clusters": len(clusters),
        "coordinators": len({c.coordinator for c in clusters if c.coordinator}),
        "tn_networks": len(tn_nets) or "from pins",
        "sessions": dict(sorted(programmes.items())),
        "visits": len(out.visits),
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "parts": result.parts,
        "notes": list(result.notes),
        "violations": dict(sorted(by_rule.items())),
        "warnings": dict(sorted(warnings.items())),
        "objective_mismatches": report.mismatches,
        "seconds": {
            "load": round(t_load, 2),
            "calendar_stage": round(t_stage, 2),
            "check": round(t_check, 2),
        },
        "params": {
            "overrides": overrides,
            "time_limit": args.time_limit,
            "processes": args.processes,
            "workers": args.workers,
            "seed": args.seed,
        },
        "machine": {"cpus": os.cpu_count(), "loadavg": [round(x, 2) for x in os.getloadavg()]},
    }


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instance", help="instance (JSON, CSV folder or xlsx)")
    parser.add_argument("--plan", help="a plan.json whose groups are dated")
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write the record as JSON here")
    parser.add_argument(
        "--set", action="append", help="override a setting, e.g. bv.meetings_per_year=6"
    )
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args()
    record = run(args)
    text = json.dumps(record, indent=1, default=str)
    print(text)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
