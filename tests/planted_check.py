"""Independent, plain-Python check that a planted plan satisfies the LOS semantics.

This is the evidence that generated instances are feasible: it re-reads the binding
rules of LOS_SEMANTICS.md (L1-L7, pins, TN sizes, and that the planted slots and duos
admit the L9 visits) and checks the hidden plan the generator returns against the
instance, sharing no code with the generator.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping

from composer.model.instance import Instance

STUDENTS = {"student", "uu_student"}
SECOND_ROLES = {
    "opleiding": {"instituutsopleider"},
    "inductie": {"schoolbegeleider"},
    "mixed": {"instituutsopleider", "schoolbegeleider"},
}


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def los_violations(
    inst: Instance,
    network_of: Mapping[str, str],
    slot_of: Mapping[str, tuple[str, str]],
    so_of: Mapping[str, str],
    second_of: Mapping[str, str],
) -> list[str]:
    """Every way the plan breaks a LOS rule; empty when it is a feasible LOS plan."""
    out: list[str] = []
    idx = inst.index
    settings = inst.los.settings
    blocks = {b.id: b for b in inst.calendar.time_blocks}
    fac = {f.id: f for f in inst.facilitators}
    uu_components = {c.id for c in inst.los.components if c.institution == "UU"}
    members: dict[str, list[str]] = defaultdict(list)

    if set(network_of) != {lr.id for lr in inst.learners}:
        out.append("not every learner is placed exactly once")
    for lr in inst.learners:
        nid = network_of.get(lr.id)
        if nid is None:
            continue
        net = idx.network_of(nid)
        members[nid].append(lr.id)
        home = idx.school_of(lr.home_school)
        if home.region != net.region:
            out.append(f"region: {lr.id} ({home.region}) in {nid} ({net.region})")
        if lr.network is not None and lr.network != nid:
            out.append(f"pin: {lr.id} pinned to {lr.network}, planted in {nid}")
        if not set(lr.needs) <= set(net.components):
            out.append(f"L3: {lr.id} needs {lr.needs}, {nid} offers {net.components}")
        if (
            lr.kind == "uu_student"
            and not (set(net.components) & uu_components)
            and not net.admits_uu_students
        ):
            out.append(f"L3: UU student {lr.id} in {nid} without UU component or admission")
        day, block = slot_of[nid]
        if lr.roster.busy(day, block):
            out.append(f"L4: {lr.id} teaches at {day} {block}, the slot of {nid}")
        limit = (
            net.max_travel_minutes
            if net.max_travel_minutes is not None
            else settings.max_travel_minutes
        )
        minutes = idx.travel_minutes(idx.school[lr.home_school], idx.school[net.location])
        if limit is not None and minutes > limit:
            out.append(f"L7: {lr.id} travels {minutes} > {limit} min to {nid}")

    led: dict[str, list[str]] = defaultdict(list)
    load: dict[str, int] = defaultdict(int)
    for net in inst.los.networks:
        nid = net.id
        size = len(members[nid])
        low, high = net.size_bounds(settings)
        if not low <= size <= high:
            out.append(f"L1: {nid} has {size} members, bounds {low}..{high}")
        if net.type == "mixed" and not net.mixed_agreed:
            out.append(f"L2: mixed {nid} not agreed")
        if net.type == "opleiding":
            students = sum(_kind(inst, m) in STUDENTS for m in members[nid])
            need = net.min_students if net.min_students is not None else 1
            if students < need:
                out.append(f"L2: opleiding {nid} has {students} students, needs {need}")
        day, block = slot_of[nid]
        if net.slot is not None and (net.slot.weekday, net.slot.block) != (day, block):
            out.append(f"L4: {nid} fixed slot differs from the planted slot")
        if day not in inst.calendar.weekdays or block not in blocks:
            out.append(f"L4: {nid} slot {day} {block} is not a calendar slot")
        so_id, second_id = so_of[nid], second_of[nid]
        if net.schoolopleider is not None and net.schoolopleider != so_id:
            out.append(f"L5: {nid} fixed SO differs from planted")
        if net.second_facilitator is not None and net.second_facilitator != second_id:
            out.append(f"L5: {nid} fixed second facilitator differs from planted")
        so, second = fac[so_id], fac[second_id]
        if so.role != "schoolopleider":
            out.append(f"L5: {so_id} of {nid} is no schoolopleider")
        if second.role not in SECOND_ROLES[net.type]:
            out.append(f"L5: {second_id} ({second.role}) cannot lead {net.type} {nid}")
        for person in (so, second):
            if net.region not in person.regions:
                out.append(f"L5: {person.id} does not work in {net.region}")
            if not person.available(day, block):
                out.append(f"L5: {person.id} not available at {day} {block} for {nid}")
            led[person.id].append(nid)
        if second.institution and net.institution and second.institution != net.institution:
            out.append(f"L5: {second_id} of {second.institution} leads {net.institution} {nid}")
        load[so_id] += size

    for pid, nets in led.items():
        person = fac[pid]
        if person.max_groups is not None and len(nets) > person.max_groups:
            out.append(f"L6: {pid} leads {len(nets)} > max_groups {person.max_groups}")
        seen: dict[tuple[str, str], str] = {}
        for nid in nets:
            key = slot_of[nid]
            if key in seen:
                out.append(f"L5: {pid} leads {seen[key]} and {nid} at once")
            seen[key] = nid
        for a in nets:
            for b in nets:
                (da, ba), (db, bb) = slot_of[a], slot_of[b]
                if a >= b or da != db or ba == bb:
                    continue
                first, later = sorted((blocks[ba], blocks[bb]), key=lambda t: t.start)
                gap = _minutes(later.start) - _minutes(first.end)
                la, lb = idx.network_of(a).location, idx.network_of(b).location
                if idx.travel_minutes(idx.school[la], idx.school[lb]) > gap:
                    out.append(f"L5: {pid} cannot travel between {a} and {b} on {da}")
    for so_id, learners in load.items():
        cap = fac[so_id].capacity_days
        if cap is not None and learners > cap * settings.so_students_per_day + 1e-9:
            out.append(f"L6: SO {so_id} leads {learners} learners, capacity {cap} days")
    return out


def _kind(inst: Instance, learner_id: str) -> str:
    return inst.learners[inst.index.learner[learner_id]].kind


def tn_violations(inst: Instance, tn_network_of: Mapping[str, str]) -> list[str]:
    """TN: everyone in a network, sizes within bounds even with the expected absence."""
    out: list[str] = []
    if set(tn_network_of) != {p.id for p in inst.tn.participants}:
        out.append("not every TN participant is placed")
    sizes: dict[str, int] = defaultdict(int)
    for net_id in tn_network_of.values():
        sizes[net_id] += 1
    led: dict[str, int] = defaultdict(int)
    fac = {f.id: f for f in inst.facilitators}
    for net in inst.tn.networks:
        size = sizes[net.id]
        if not net.min_size <= size <= net.max_size:
            out.append(f"T7: {net.id} has {size}, bounds {net.min_size}..{net.max_size}")
        if size * (1 - net.expected_absence) < net.min_size:
            out.append(f"T7: {net.id} falls below {net.min_size} with the expected absence")
        led[net.facilitator] += 1
    for pid, count in led.items():
        cap = fac[pid].max_groups
        if cap is not None and count > cap:
            out.append(f"T4: {pid} leads {count} TN networks > {cap}")
    return out


def candidate_counts(inst: Instance) -> dict[str, int]:
    """Per learner: how many networks could take them on their own (L2, L3, L4, L7).

    A network's possible slots are its fixed slot, or the blocks of the days its fixed
    facilitators (or, where open, any facilitator of the right role in the region) are
    available. Used to show generated instances are not trivially forced.
    """
    idx = inst.index
    settings = inst.los.settings
    uu_components = {c.id for c in inst.los.components if c.institution == "UU"}
    blocks = [b.id for b in inst.calendar.time_blocks]
    slots: dict[str, set[tuple[str, str]]] = {}
    for net in inst.los.networks:
        if net.slot is not None:
            slots[net.id] = {(net.slot.weekday, net.slot.block)}
            continue
        days = set(inst.calendar.weekdays)
        for fixed, roles in (
            (net.schoolopleider, {"schoolopleider"}),
            (net.second_facilitator, SECOND_ROLES[net.type]),
        ):
            if fixed is not None:
                days &= set(idx.facilitator_of(fixed).available_days)
            else:
                days &= {
                    d
                    for f in inst.facilitators
                    if f.role in roles and net.region in f.regions
                    for d in f.available_days
                }
        slots[net.id] = {(d, b) for d in days for b in blocks}
    counts: dict[str, int] = {}
    for lr in inst.learners:
        home = idx.school_of(lr.home_school)
        n = 0
        for i in idx.networks_by_region.get(home.region, []):
            net = inst.los.networks[i]
            if not set(lr.needs) <= set(net.components):
                continue
            if (
                lr.kind == "uu_student"
                and not (set(net.components) & uu_components)
                and not net.admits_uu_students
            ):
                continue
            limit = (
                net.max_travel_minutes
                if net.max_travel_minutes is not None
                else settings.max_travel_minutes
            )
            travel = idx.travel_minutes(idx.school[lr.home_school], idx.school[net.location])
            if limit is not None and travel > limit:
                continue
            if any(not lr.roster.busy(d, b) for d, b in slots[net.id]):
                n += 1
        counts[lr.id] = n
    return counts


def busy_share(inst: Instance) -> list[float]:
    """Per learner: the share of (weekday, block) cells their roster marks busy."""
    cells = len(inst.calendar.weekdays) * len(inst.calendar.time_blocks)
    return [
        sum(len(getattr(lr.roster, d)) for d in inst.calendar.weekdays) / cells
        for lr in inst.learners
    ]


def visit_violations(
    inst: Instance,
    slot_of: Mapping[str, tuple[str, str]],
    so_of: Mapping[str, str],
    second_of: Mapping[str, str],
    budget: int = 200_000,
) -> list[str]:
    """L9: per region, whether the planted slots and duos admit the yearly visit cycle.

    Each network's SO+IO duo visits ``visits_per_year`` (k) other networks of its region
    and hosts k; no pair visits each other when the region has 2k+1 or more networks.
    Duo v may visit h when each of them can attend v's session and h's (different
    weekdays always fit, one slot never, on one weekday the earlier block's end plus the
    travel between the schools must not pass the later block's start: L5), is free at
    h's slot (leads neither h nor another network whose session clashes with h's) and,
    with ``visits_within_availability``, is available at h's slot. An exact depth-first
    search (``budget`` steps; running out counts as a violation) decides whether the
    arcs hold a visit plan. Regions with k or fewer networks take no part (as in the
    solvers).
    """
    settings = inst.los.settings
    k = settings.visits_per_year
    if k <= 0:
        return []
    idx = inst.index
    blocks = {b.id: b for b in inst.calendar.time_blocks}
    fac = {f.id: f for f in inst.facilitators}
    by_region: dict[str, list[str]] = defaultdict(list)
    for net in inst.los.networks:
        by_region[net.region].append(net.id)
    location = {net.id: net.location for net in inst.los.networks}
    led: dict[str, list[str]] = defaultdict(list)
    for nid in location:
        led[so_of[nid]].append(nid)
        led[second_of[nid]].append(nid)

    def one_person(a: str, b: str) -> bool:
        (da, ba), (db, bb) = slot_of[a], slot_of[b]
        if da != db:
            return True
        if ba == bb:
            return False
        first, later = sorted((a, b), key=lambda n: (blocks[slot_of[n][1]].start, n))
        gap = _minutes(blocks[slot_of[later][1]].start) - _minutes(blocks[slot_of[first][1]].end)
        minutes = idx.travel_minutes(idx.school[location[first]], idx.school[location[later]])
        return minutes <= gap

    def may_visit(v: str, h: str) -> bool:
        if not one_person(v, h):
            return False
        for person in (so_of[v], second_of[v]):
            if h in led[person]:
                return False
            if any(m != v and not one_person(m, h) for m in led[person]):
                return False
            if settings.visits_within_availability and not fac[person].available(*slot_of[h]):
                return False
        return True

    out: list[str] = []
    for region, nets in sorted(by_region.items()):
        if len(nets) < k + 1:
            continue
        arcs = {v: [h for h in nets if h != v and may_visit(v, h)] for v in nets}
        found = _visit_plan(nets, arcs, k, len(nets) >= 2 * k + 1, budget)
        if found is None:
            out.append(f"L9: region {region}: search for a visit plan ran out of steps")
        elif not found:
            out.append(f"L9: region {region}: the planted slots admit no visit plan")
    return out


def _visit_plan(
    nets: list[str], arcs: Mapping[str, list[str]], k: int, forbid_mutual: bool, budget: int
) -> bool | None:
    """Is there a set of arcs with k out and k in per network (no pair both ways when
    ``forbid_mutual``)? Depth-first over the visitors, fewest options first, pruned when
    a host can no longer collect k visitors. None: ``budget`` steps were not enough."""
    from itertools import combinations

    order = sorted(nets, key=lambda n: (len(arcs[n]), n))
    into: dict[str, int] = dict.fromkeys(nets, 0)
    chosen: set[tuple[str, str]] = set()
    steps = 0

    def hosts_reachable(rest: list[str]) -> bool:
        can: dict[str, int] = dict.fromkeys(nets, 0)
        for v in rest:
            for h in arcs[v]:
                can[h] += 1
        return all(into[h] + can[h] >= k for h in nets)

    def go(pos: int) -> bool | None:
        nonlocal steps
        if pos == len(order):
            return True
        v = order[pos]
        options = [h for h in arcs[v] if into[h] < k and not (forbid_mutual and (h, v) in chosen)]
        for hosts in combinations(options, k):
            steps += 1
            if steps > budget:
                return None
            for h in hosts:
                into[h] += 1
                chosen.add((v, h))
            result = go(pos + 1) if hosts_reachable(order[pos + 1 :]) else False
            for h in hosts:
                into[h] -= 1
                chosen.discard((v, h))
            if result is None or result:
                return result
        return False

    if not hosts_reachable(order):
        return False
    return go(0)
