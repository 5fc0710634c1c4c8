"""Checks of the dated calendar: C1-C4, L4 (dated), L5/T4/B6 double bookings, B3, B5, B6,
L9, L10, L11, T1, T2, T4, T5, and the recomputation of the calendar objective.

Plain Python. What a school day is, the holiday region of a place, TN groups and series
settings, the SO/IO duos and the objective's target dates come from the shared domain
logic (:mod:`composer.calendar`, :mod:`composer.objective.calendar`); everything else is
recomputed here from the plan and the instance, independently of the solver.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import networkx as nx

from composer.calendar import (
    Busy,
    BusyIndex,
    SchoolCalendar,
    development_institutions,
    duo_networks,
    holiday_region_of,
    minutes,
    month_label,
    month_of,
    school_calendar,
    tn_groups,
    tn_series_settings,
    travel_minutes_between,
    weekday_of,
)
from composer.check.core import Violation, rule_check, stage_objective
from composer.model.instance import Instance, SchoolYear
from composer.model.plan import Plan, PlannedNetwork, PlannedTnNetwork, Session, Visit
from composer.objective.calendar import (
    PARTS,
    bv_targets,
    leader_rank,
    series_targets,
    tn_days,
    visit_preference_cost,
)


@dataclass
class _Context:
    """What every calendar check needs, computed once per (instance, plan)."""

    cal: SchoolCalendar
    year: SchoolYear | None
    by_programme: dict[str, list[Session]] = field(default_factory=dict)
    by_group: dict[tuple[str, str], list[Session]] = field(default_factory=dict)
    tn: tuple[PlannedTnNetwork, ...] = ()


_CACHE: list[tuple[Instance, Plan, _Context]] = []


def _context(instance: Instance, plan: Plan) -> _Context:
    for inst, pl, ctx in _CACHE:
        if inst is instance and pl is plan:
            return ctx
    cal = school_calendar(instance)
    ctx = _Context(cal, cal.plan_year())
    by_programme: dict[str, list[Session]] = defaultdict(list)
    by_group: dict[tuple[str, str], list[Session]] = defaultdict(list)
    for s in sorted(plan.sessions, key=lambda s: (s.date, s.start, s.id)):
        by_programme[s.programme].append(s)
        by_group[(s.programme, s.group)].append(s)
    ctx.by_programme = dict(by_programme)
    ctx.by_group = dict(by_group)
    ctx.tn = tn_groups(instance, plan)[0]
    _CACHE.clear()
    _CACHE.append((instance, plan, ctx))
    return ctx


def _people(instance: Instance, s: Session) -> list[str]:
    """The people of a session (facilitators, attendees, helpers), not schools."""
    schools = instance.index.school
    return [
        p for p in dict.fromkeys((*s.facilitators, *s.attendees, *s.helpers)) if p not in schools
    ]


def _host_location(plan: Plan, visit: Visit) -> str | None:
    for net in plan.networks:
        if net.id == visit.host:
            return net.location
    return None


# --------------------------------------------------------------------------- C1-C4


@rule_check("C1", stage="calendar")
def check_c1_school_year(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Sessions and visits fall inside a school year, on a planning weekday, start < end."""
    cal = _context(instance, plan).cal
    for s in plan.sessions:
        if cal.year_of(s.date) is None:
            yield Violation(
                "C1", f"session {s.id} on {s.date} is outside every school year", (s.id,)
            )
        elif s.date.weekday() not in cal.weekdays:
            yield Violation(
                "C1",
                f"session {s.id} is on a {weekday_of(s.date)} ({s.date}), not a planning weekday",
                (s.id,),
            )
        if s.start >= s.end:
            yield Violation("C1", f"session {s.id} ends before it starts", (s.id,))
    for v in plan.visits:
        if cal.year_of(v.date) is None or v.date.weekday() not in cal.weekdays:
            yield Violation(
                "C1",
                f"visit of {v.visitor} to {v.host} on {v.date} is not on a school-year weekday",
                (v.visitor, v.host),
            )


@rule_check("C2", stage="calendar")
def check_c2_holidays(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """No session or visit in the school holidays of its location's holiday region."""
    cal = _context(instance, plan).cal
    for s in plan.sessions:
        region = holiday_region_of(instance, s.location)
        name = cal.holiday_name(s.date, region)
        if name is not None:
            yield Violation(
                "C2",
                f"session {s.id} on {s.date} at {s.location} falls in {name} ({region})",
                (s.id, s.location),
            )
    for v in plan.visits:
        place = _host_location(plan, v)
        if place is None:
            continue
        region = holiday_region_of(instance, place)
        name = cal.holiday_name(v.date, region)
        if name is not None:
            yield Violation(
                "C2",
                f"visit of {v.visitor} to {v.host} on {v.date} falls in {name} ({region})",
                (v.visitor, v.host),
            )


@rule_check("C3", stage="calendar")
def check_c3_public_holidays(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """No session or visit on a public holiday."""
    cal = _context(instance, plan).cal
    for s in plan.sessions:
        name = cal.public_holiday_name(s.date)
        if name is not None:
            yield Violation("C3", f"session {s.id} is on {s.date}, {name}", (s.id,))
    for v in plan.visits:
        name = cal.public_holiday_name(v.date)
        if name is not None:
            yield Violation(
                "C3", f"visit of {v.visitor} to {v.host} is on {v.date}, {name}", (v.visitor,)
            )


@rule_check("C4", stage="calendar")
def check_c4_unavailability(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Nobody (person or school) is scheduled on a day they are marked unavailable."""
    cal = _context(instance, plan).cal
    if not instance.unavailability:
        return
    for s in plan.sessions:
        for who in dict.fromkeys((*s.facilitators, *s.attendees, *s.helpers)):
            why = cal.unavailable(who, s.date)
            if why is not None:
                yield Violation(
                    "C4", f"{who} is in session {s.id} on {s.date} but {why}", (who, s.id)
                )
    for v in plan.visits:
        for who in v.facilitators:
            why = cal.unavailable(who, v.date)
            if why is not None:
                yield Violation(
                    "C4",
                    f"{who} visits {v.host} on {v.date} but {why}",
                    (who, v.visitor, v.host),
                )


# --------------------------------------------------------------------------- L4 dated


@rule_check("L4", stage="calendar")
def check_l4_weekly_sessions(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Every network meets at its slot on every school day of its weekday in the plan year,
    at its location, and on no other day."""
    ctx = _context(instance, plan)
    if ctx.year is None or not plan.sessions:
        return
    blocks = {b.id: b for b in instance.calendar.time_blocks}
    known = set()
    for net in plan.networks:
        known.add(net.id)
        if net.slot is None:
            continue
        region = holiday_region_of(instance, net.location)
        expected = set(ctx.cal.weekly_dates(ctx.year, net.slot.weekday, region))
        rows = ctx.by_group.get(("los", net.id), [])
        actual = Counter(s.date for s in rows)
        missing = sorted(expected - set(actual))
        if missing:
            yield Violation(
                "L4",
                f"network {net.id} does not meet on {len(missing)} school day(s) of its slot "
                f"({net.slot.weekday}): {', '.join(map(str, missing[:5]))}"
                f"{' ...' if len(missing) > 5 else ''}",
                (net.id,),
            )
        extra = sorted(d for d in actual if d not in expected)
        if extra:
            yield Violation(
                "L4",
                f"network {net.id} meets outside its weekly slot's school days: "
                f"{', '.join(map(str, extra[:5]))}{' ...' if len(extra) > 5 else ''}",
                (net.id,),
            )
        twice = sorted(d for d, n in actual.items() if n > 1)
        if twice:
            yield Violation("L4", f"network {net.id} has two sessions on {twice[0]}", (net.id,))
        block = blocks.get(net.slot.block)
        start, end = (block.start, block.end) if block else (net.slot.start, net.slot.end)
        for s in rows:
            if (s.start, s.end) != (start, end) or s.location != net.location:
                yield Violation(
                    "L4",
                    f"session {s.id} is not at the network's slot and location "
                    f"({start:%H:%M}-{end:%H:%M} at {net.location})",
                    (s.id, net.id),
                )
    for s in ctx.by_programme.get("los", []):
        if s.group not in known:
            yield Violation("L4", f"session {s.id} belongs to no planned network", (s.id,))


# --------------------------------------------------------------------------- double bookings


def _rule_of(programmes: set[str]) -> str:
    if "tn" in programmes:
        return "T4"
    if "bv" in programmes:
        return "B6"
    return "L5"


def _clashes(instance: Instance, plan: Plan) -> list[Violation]:
    """Every pair of commitments one person cannot combine (overlap, or too little time to
    travel between places on one day), with the rule of the programmes involved."""
    ctx = _context(instance, plan)
    cached = getattr(ctx, "_clashes", None)
    if cached is not None:
        return list(cached)
    busy = BusyIndex(instance)
    programme: dict[str, str] = {}
    for s in plan.sessions:
        programme[s.id] = s.programme
        for p in _people(instance, s):
            busy.add(p, s.date, s.start, s.end, s.location, s.id)
    nets = {n.id: n for n in plan.networks}
    for v in plan.visits:
        label = f"visit:{v.visitor}>{v.host}@{v.date}"
        programme[label] = "los"
        place = nets[v.host].location if v.host in nets else ""
        if v.start is None or v.end is None:
            continue
        for p in v.facilitators:
            busy.add(p, v.date, v.start, v.end, place, label)
    found: list[Violation] = []
    for person in busy.people():
        for day in sorted(busy.days(person)):
            items: list[Busy] = sorted(busy.on_day(person, day), key=lambda b: b.start)
            for i, a in enumerate(items):
                for b in items[i + 1 :]:
                    if not busy.clash(a, b):
                        continue
                    rule = _rule_of({programme[a.label], programme[b.label]})
                    if a.start < b.end and b.start < a.end:
                        what = "at the same time"
                    else:
                        travel = travel_minutes_between(instance, a.place, b.place)
                        what = (
                            f"with {b.start - a.end} min between them but {travel} min of travel "
                            f"from {a.place} to {b.place}"
                        )
                    found.append(
                        Violation(
                            rule,
                            f"{person} is booked twice on {day}: {a.label} and {b.label} {what}",
                            (person, a.label, b.label),
                        )
                    )
    ctx._clashes = found  # type: ignore[attr-defined]
    return list(found)


@rule_check("L5", stage="calendar")
def check_l5_double_booking(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Nobody attends two LOS sessions, visits, development meetings or reviews at once,
    travel included."""
    yield from (v for v in _clashes(instance, plan) if v.rule == "L5")


# --------------------------------------------------------------------------- BV


def _bv_years(instance: Instance, cal: SchoolCalendar) -> list[SchoolYear]:
    return cal.years_from(instance.bv.first_school_year, instance.bv.horizon_years)


@rule_check("B3", stage="calendar")
def check_b3_participants(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Every BV meeting is attended by the cluster's schools, participants_per_school each."""
    ctx = _context(instance, plan)
    clusters = {c.id: c for c in plan.clusters}
    pps = instance.bv.participants_per_school
    for s in ctx.by_programme.get("bv", []):
        cluster = clusters.get(s.group)
        if cluster is None:
            yield Violation("B3", f"BV session {s.id} belongs to no planned cluster", (s.id,))
            continue
        if set(s.attendees) != set(cluster.schools):
            yield Violation(
                "B3",
                f"BV session {s.id} lists {sorted(s.attendees)} but cluster {cluster.id} "
                f"holds {sorted(cluster.schools)}",
                (s.id, cluster.id),
            )
        expected = len(cluster.schools) * pps + len(s.facilitators)
        if s.headcount != expected:
            yield Violation(
                "B3",
                f"BV session {s.id} expects {s.headcount} people; {len(cluster.schools)} "
                f"schools x {pps} + {len(s.facilitators)} coordinator(s) = {expected}",
                (s.id,),
            )


@rule_check("B5", stage="calendar")
def check_b5_hosts(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Meetings at member schools; every school hosts, counts differ by at most one, no
    school hosts twice in a row."""
    ctx = _context(instance, plan)
    for cluster in plan.clusters:
        rows = ctx.by_group.get(("bv", cluster.id), [])
        if not rows:
            continue
        hosts = [s.location for s in rows]
        outside = [s.id for s in rows if s.location not in cluster.schools]
        if outside:
            yield Violation(
                "B5",
                f"cluster {cluster.id} meets away from its schools in {', '.join(outside)}",
                (cluster.id, *outside),
            )
        counts = Counter(h for h in hosts if h in cluster.schools)
        never = [s for s in cluster.schools if counts[s] == 0]
        if never:
            yield Violation(
                "B5",
                f"in cluster {cluster.id} these schools never host: {', '.join(never)}",
                (cluster.id, *never),
            )
        values = [counts[s] for s in cluster.schools]
        if values and max(values) - min(values) > 1:
            yield Violation(
                "B5",
                f"cluster {cluster.id} hosting is uneven: "
                + ", ".join(f"{s} {counts[s]}x" for s in cluster.schools),
                (cluster.id,),
            )
        for a, b in itertools.pairwise(rows):
            if a.location == b.location:
                yield Violation(
                    "B5",
                    f"{a.location} hosts cluster {cluster.id} twice in a row ({a.date}, {b.date})",
                    (cluster.id, a.id, b.id),
                )


@rule_check("B6", stage="calendar")
def check_b6_cadence(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Meetings per year, gap, one per month, weekdays, members' holidays, the coordinator
    present and free (never two meetings on one day), the meeting times; and BV double
    bookings across programmes."""
    ctx = _context(instance, plan)
    cal = ctx.cal
    bv = instance.bv
    idx = instance.index
    years = _bv_years(instance, cal)
    year_ids = {y.id for y in years}
    per_coordinator: dict[str, list[Session]] = defaultdict(list)
    for cluster in plan.clusters:
        rows = ctx.by_group.get(("bv", cluster.id), [])
        regions = {holiday_region_of(instance, s) for s in cluster.schools}
        for y in years:
            n = sum(1 for s in rows if y.start <= s.date <= y.end)
            if n != bv.meetings_per_year:
                yield Violation(
                    "B6",
                    f"cluster {cluster.id} has {n} meetings in {y.id}, not {bv.meetings_per_year}",
                    (cluster.id,),
                )
        for s in rows:
            year = cal.year_of(s.date)
            if year is None or year.id not in year_ids:
                yield Violation(
                    "B6", f"BV session {s.id} on {s.date} is outside the clusters' years", (s.id,)
                )
            if weekday_of(s.date) not in bv.meeting_weekdays:
                yield Violation("B6", f"BV session {s.id} is on a {weekday_of(s.date)}", (s.id,))
            for region in regions:
                name = cal.holiday_name(s.date, region)
                if name is not None:
                    yield Violation(
                        "B6",
                        f"BV session {s.id} on {s.date} falls in {name} of member schools "
                        f"({region})",
                        (s.id, cluster.id),
                    )
            if (s.start, s.end) != (bv.meeting_start, bv.meeting_end):
                yield Violation(
                    "B6",
                    f"BV session {s.id} is at {s.start:%H:%M}-{s.end:%H:%M}, not "
                    f"{bv.meeting_start:%H:%M}-{bv.meeting_end:%H:%M}",
                    (s.id,),
                )
            wanted = (cluster.coordinator,) if cluster.coordinator else ()
            if tuple(s.facilitators) != wanted:
                yield Violation(
                    "B6",
                    f"BV session {s.id} is led by {list(s.facilitators)}, not the cluster's "
                    f"coordinator {cluster.coordinator}",
                    (s.id,),
                )
            if cluster.coordinator:
                per_coordinator[cluster.coordinator].append(s)
                if (
                    cluster.coordinator in idx.facilitator
                    and weekday_of(s.date)
                    not in idx.facilitator_of(cluster.coordinator).available_days
                ):
                    yield Violation(
                        "B6",
                        f"coordinator {cluster.coordinator} is not available on "
                        f"{weekday_of(s.date)}s (session {s.id})",
                        (cluster.coordinator, s.id),
                    )
        for a, b in itertools.pairwise(rows):
            gap = (b.date - a.date).days
            if gap < max(1, bv.min_gap_days):
                yield Violation(
                    "B6",
                    f"cluster {cluster.id} meets {a.date} and {b.date}, {gap} days apart "
                    f"(at least {bv.min_gap_days})",
                    (cluster.id, a.id, b.id),
                )
            if bv.one_meeting_per_month and month_of(a.date) == month_of(b.date):
                yield Violation(
                    "B6",
                    f"cluster {cluster.id} meets twice in {month_label(month_of(a.date))}",
                    (cluster.id, a.id, b.id),
                )
    for coordinator, rows in sorted(per_coordinator.items()):
        days = Counter(s.date for s in rows)
        for day, n in sorted(days.items()):
            if n > 1:
                ids = [s.id for s in rows if s.date == day]
                yield Violation(
                    "B6",
                    f"coordinator {coordinator} has {n} meetings on {day}",
                    (coordinator, *ids),
                )
    yield from (v for v in _clashes(instance, plan) if v.rule == "B6")


# --------------------------------------------------------------------------- L9


def _visit_networks(plan: Plan, ctx: _Context) -> dict[str, list[PlannedNetwork]]:
    out: dict[str, list[PlannedNetwork]] = defaultdict(list)
    for net in plan.networks:
        if net.slot is not None and net.facilitators and ctx.by_group.get(("los", net.id)):
            out[net.region].append(net)
    return out


@rule_check("L9", stage="calendar")
def check_l9_visits(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Each duo visits k other networks of its region and each network hosts k (a k-regular
    graph: for k = 1 a cycle cover), no pair both ways, at the host's session, free."""
    ctx = _context(instance, plan)
    k = instance.los.settings.visits_per_year
    idx = instance.index
    nets = {n.id: n for n in plan.networks}
    graph = nx.DiGraph()
    for v in plan.visits:
        if v.visitor not in nets or v.host not in nets:
            yield Violation("L9", f"visit {v.visitor} -> {v.host} names an unplanned network")
            continue
        if v.visitor == v.host:
            yield Violation("L9", f"network {v.visitor} visits itself", (v.visitor,))
        visitor, host = nets[v.visitor], nets[v.host]
        if visitor.region != host.region:
            yield Violation(
                "L9", f"{v.visitor} visits {v.host} of another region", (v.visitor, v.host)
            )
        if graph.has_edge(v.visitor, v.host):
            yield Violation("L9", f"{v.visitor} visits {v.host} twice", (v.visitor, v.host))
        graph.add_edge(v.visitor, v.host)
        if set(v.facilitators) != set(visitor.facilitators):
            yield Violation(
                "L9",
                f"the visit of {v.visitor} to {v.host} is made by {list(v.facilitators)}, not "
                f"the network's duo {list(visitor.facilitators)}",
                (v.visitor,),
            )
        hosting = [s for s in ctx.by_group.get(("los", v.host), []) if s.date == v.date]
        if not hosting:
            yield Violation(
                "L9",
                f"{v.visitor} visits {v.host} on {v.date}, when {v.host} does not meet",
                (v.visitor, v.host),
            )
            continue
        session = hosting[0]
        if (v.start, v.end) != (session.start, session.end):
            yield Violation(
                "L9",
                f"the visit of {v.visitor} to {v.host} on {v.date} is not at the host's slot",
                (v.visitor, v.host),
            )
        own = [
            s
            for n in plan.networks
            if set(n.facilitators) & set(visitor.facilitators)
            for s in ctx.by_group.get(("los", n.id), [])
            if s.date == v.date and s.start < session.end and session.start < s.end
        ]
        if own:
            yield Violation(
                "L9",
                f"the duo of {v.visitor} visits {v.host} on {v.date} while leading {own[0].id}",
                (v.visitor, v.host, own[0].id),
            )
        block = host.slot.block if host.slot else None
        for person in v.facilitators if instance.los.settings.visits_within_availability else ():
            if person in idx.facilitator and block is not None:
                fac = idx.facilitator_of(person)
                if not fac.available(weekday_of(v.date), block):
                    yield Violation(
                        "L9",
                        f"{person} visits {v.host} on a {weekday_of(v.date)} block {block}, "
                        "when they are not available",
                        (person, v.visitor, v.host),
                    )
        if ctx.year is not None and not ctx.year.start <= v.date <= ctx.year.end:
            yield Violation(
                "L9", f"the visit {v.visitor} -> {v.host} is outside {ctx.year.id}", (v.visitor,)
            )
    if k == 0:
        return
    for region, members in sorted(_visit_networks(plan, ctx).items()):
        ids = sorted(n.id for n in members)
        if len(ids) < k + 1:
            yield Violation(
                "L9",
                f"region {region} has {len(ids)} network(s): nobody to visit",
                tuple(ids),
                severity="warning",
            )
            continue
        for net in ids:
            out = graph.out_degree(net) if net in graph else 0
            inc = graph.in_degree(net) if net in graph else 0
            if out != k or inc != k:
                yield Violation(
                    "L9",
                    f"network {net} visits {out} and hosts {inc} network(s); each does {k}",
                    (net,),
                )
        mutual = sorted(
            (a, b) for a, b in graph.edges if a < b and graph.has_edge(b, a) and a in ids
        )
        for a, b in mutual:
            yield Violation(
                "L9",
                f"{a} and {b} visit each other"
                + (
                    " (the region has too few networks for anything else)"
                    if len(ids) < 2 * k + 1
                    else ""
                ),
                (a, b),
                severity="warning" if len(ids) < 2 * k + 1 else "error",
            )


# --------------------------------------------------------------------------- L10, L11


def _excused(
    instance: Instance, plan: Plan, busy: BusyIndex, cal: SchoolCalendar, person: str, s: Session
) -> bool:
    if cal.unavailable(person, s.date) is not None:
        return True
    for item in busy.on_day(person, s.date):
        if item.label == s.id:
            continue
        probe = Busy(s.date, minutes(s.start), minutes(s.end), s.location, s.id)
        if busy.clash(item, probe):
            return True
    return False


def _all_busy(instance: Instance, plan: Plan) -> BusyIndex:
    busy = BusyIndex(instance)
    for s in plan.sessions:
        for p in _people(instance, s):
            busy.add(p, s.date, s.start, s.end, s.location, s.id)
    nets = {n.id: n for n in plan.networks}
    for v in plan.visits:
        if v.start is not None and v.end is not None and v.host in nets:
            for p in v.facilitators:
                busy.add(p, v.date, v.start, v.end, nets[v.host].location, f"visit {v.host}")
    return busy


@rule_check("L10", stage="calendar")
def check_l10_development(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Per region the year's development meetings for its SO/IO duos: the right number,
    the right share at HU/UU, the rest at a school, and every invitee attends unless busy
    or unavailable that day."""
    ctx = _context(instance, plan)
    settings = instance.los.settings
    total, at_inst = (
        settings.development_meetings_per_year,
        settings.development_meetings_at_institution,
    )
    regions = duo_networks(instance, plan)
    rows_by_region: dict[str, list[Session]] = defaultdict(list)
    for s in ctx.by_programme.get("development", []):
        rows_by_region[s.group].append(s)
    for region in sorted(set(rows_by_region) - set(regions)):
        yield Violation(
            "L10",
            f"development meetings for region {region}, which has no SO/IO duo",
            tuple(s.id for s in rows_by_region[region]),
        )
    if total == 0 or ctx.year is None:
        return
    busy: BusyIndex | None = None
    idx = instance.index
    for region, nets in sorted(regions.items()):
        year = ctx.year
        rows = [s for s in rows_by_region.get(region, []) if year.start <= s.date <= year.end]
        if len(rows) != total:
            yield Violation(
                "L10",
                f"region {region} has {len(rows)} development meeting(s) in {year.id}, not {total}",
                (region,),
            )
        institutions = set(development_institutions(instance, nets))
        n_inst = sum(1 for s in rows if s.location in institutions)
        n_school = sum(1 for s in rows if s.location in idx.school)
        if n_inst != at_inst or n_school != len(rows) - at_inst:
            yield Violation(
                "L10",
                f"region {region}: {n_inst} development meeting(s) at its HU/UU institution(s) "
                f"({', '.join(sorted(institutions)) or 'none linked'}) and {n_school} at a "
                f"school; wanted {at_inst} and {total - at_inst}",
                (region,),
            )
        invitees = {f for n in nets for f in n.facilitators}
        for s in rows:
            if (s.start, s.end) != (settings.development_start, settings.development_end):
                yield Violation("L10", f"development meeting {s.id} is at the wrong time", (s.id,))
            strangers = sorted(set(s.attendees) - invitees)
            if strangers:
                yield Violation(
                    "L10",
                    f"development meeting {s.id} lists people of no SO/IO duo of {region}: "
                    f"{', '.join(strangers)}",
                    (s.id, *strangers),
                )
            if busy is None:
                busy = _all_busy(instance, plan)
            cal = ctx.cal
            for person in sorted(invitees - set(s.attendees)):
                if not _excused(instance, plan, busy, cal, person, s):
                    yield Violation(
                        "L10",
                        f"{person} is free on {s.date} but not at development meeting {s.id}",
                        (person, s.id),
                    )


@rule_check("L11", stage="calendar")
def check_l11_reviews(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Every network with two facilitators holds reviews_per_year reviews with both."""
    ctx = _context(instance, plan)
    count = instance.los.settings.reviews_per_year
    known = {n.id for n in plan.networks}
    for s in ctx.by_programme.get("review", []):
        if s.group not in known:
            yield Violation("L11", f"review {s.id} belongs to no planned network", (s.id,))
    if ctx.year is None:
        return
    for net in plan.networks:
        if net.slot is None or len(net.facilitators) < 2:
            continue
        rows = [
            s
            for s in ctx.by_group.get(("review", net.id), [])
            if ctx.year.start <= s.date <= ctx.year.end
        ]
        if len(rows) != count:
            yield Violation(
                "L11",
                f"network {net.id} has {len(rows)} review(s) in {ctx.year.id}, not {count}",
                (net.id,),
            )
        for s in rows:
            if set(s.facilitators) != set(net.facilitators):
                yield Violation(
                    "L11",
                    f"review {s.id} is held by {list(s.facilitators)}, not by the network's "
                    f"facilitators {list(net.facilitators)}",
                    (s.id, net.id),
                )


# --------------------------------------------------------------------------- TN


def _kickoff_for(ctx: _Context, instance: Instance, group: PlannedTnNetwork) -> Session | None:
    """The kick-off session of a TN group: on its fixed date and place when given, else the
    kick-off holding its facilitator or participants."""
    settings = tn_series_settings(instance, group.id)
    for s in ctx.by_programme.get("tn", []):
        if s.kind != "kickoff":
            continue
        if settings.kickoff_date is not None and s.date != settings.kickoff_date:
            continue
        if settings.kickoff_location is not None and s.location != settings.kickoff_location:
            continue
        if group.facilitator in s.facilitators or set(group.participants) & set(s.attendees):
            return s
    return None


def _own_meetings(ctx: _Context, group: PlannedTnNetwork) -> list[Session]:
    return [s for s in ctx.by_group.get(("tn", group.id), []) if s.kind != "kickoff"]


@rule_check("T1", stage="calendar")
def check_t1_series(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """The joint kick-off on its date and place, then series_length - 1 meetings in its
    school year, min_gap_days apart, on TN weekdays, in every participant's school days."""
    ctx = _context(instance, plan)
    cal = ctx.cal
    tn = instance.tn
    schools_of = {p.id: p.school for p in tn.participants}
    for group in ctx.tn:
        settings = tn_series_settings(instance, group.id)
        kick = _kickoff_for(ctx, instance, group)
        if kick is None:
            yield Violation(
                "T1",
                f"TN network {group.id} has no kick-off"
                + (
                    f" on {settings.kickoff_date} at {settings.kickoff_location}"
                    if settings.kickoff_date
                    else ""
                ),
                (group.id,),
            )
            continue
        for person in (*group.participants, group.facilitator):
            listed = person in kick.attendees or person in kick.facilitators
            if not listed and cal.unavailable(person, kick.date) is None:
                yield Violation(
                    "T1",
                    f"{person} of TN network {group.id} is missing from the kick-off {kick.id}",
                    (person, group.id),
                )
        rows = _own_meetings(ctx, group)
        remaining = settings.series_length - 1
        if len(rows) != remaining:
            yield Violation(
                "T1",
                f"TN network {group.id} has {len(rows)} meeting(s) after the kick-off, not "
                f"{remaining}",
                (group.id,),
            )
        year = cal.year_of(kick.date)
        regions = {holiday_region_of(instance, schools_of.get(p, "")) for p in group.participants}
        prev = kick.date
        for s in rows:
            if year is None or not year.start <= s.date <= year.end:
                yield Violation(
                    "T1", f"TN meeting {s.id} is outside the kick-off's school year", (s.id,)
                )
            gap = (s.date - prev).days
            if gap < max(1, tn.min_gap_days):
                yield Violation(
                    "T1",
                    f"TN meeting {s.id} on {s.date} is {gap} days after the previous one "
                    f"(at least {tn.min_gap_days})",
                    (s.id, group.id),
                )
            prev = s.date
            if weekday_of(s.date) not in tn.meeting_weekdays:
                yield Violation("T1", f"TN meeting {s.id} is on a {weekday_of(s.date)}", (s.id,))
            for region in regions:
                name = cal.holiday_name(s.date, region)
                if name is not None:
                    yield Violation(
                        "T1",
                        f"TN meeting {s.id} on {s.date} falls in {name} of participants' "
                        f"schools ({region})",
                        (s.id,),
                    )
            if set(s.attendees) != set(group.participants):
                yield Violation(
                    "T1",
                    f"TN meeting {s.id} does not list exactly the network's participants",
                    (s.id, group.id),
                )
            if (s.start, s.end) != (tn.meeting_start, tn.meeting_end):
                yield Violation("T1", f"TN meeting {s.id} is at the wrong time", (s.id,))
    known = {g.id for g in ctx.tn}
    for s in ctx.by_programme.get("tn", []):
        if s.kind != "kickoff" and s.group not in known:
            yield Violation("T1", f"TN session {s.id} belongs to no TN network", (s.id,))


def _in_turn(order: list[list[str]], items: list[str]) -> str | None:
    """None when, after every meeting, the counts of ``items`` differ by at most one."""
    counts = dict.fromkeys(items, 0)
    for m, chosen in enumerate(order):
        for c in chosen:
            if c in counts:
                counts[c] += 1
        if counts and max(counts.values()) - min(counts.values()) > 1:
            top = max(counts, key=lambda c: counts[c])
            low = min(counts, key=lambda c: counts[c])
            return f"after meeting {m + 1} {top} has {counts[top]} turns and {low} {counts[low]}"
    return None


@rule_check("T2", stage="calendar")
def check_t2_hosting(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Meetings after the kick-off at the participants' schools, in turn (counts differ by
    at most one after every meeting), never the same school twice in a row."""
    ctx = _context(instance, plan)
    schools_of = {p.id: p.school for p in instance.tn.participants}
    for group in ctx.tn:
        schools = list(dict.fromkeys(schools_of[p] for p in group.participants if p in schools_of))
        rows = _own_meetings(ctx, group)
        for s in rows:
            if s.location not in schools:
                yield Violation(
                    "T2",
                    f"TN meeting {s.id} is at {s.location}, not at a participant's school",
                    (s.id, group.id),
                )
        problem = _in_turn([[s.location] for s in rows], schools)
        if problem:
            yield Violation(
                "T2", f"TN network {group.id} hosts out of turn: {problem}", (group.id,)
            )
        if len(schools) >= 2:
            for a, b in itertools.pairwise(rows):
                if a.location == b.location:
                    yield Violation(
                        "T2",
                        f"{a.location} hosts TN network {group.id} twice in a row",
                        (a.id, b.id),
                    )


@rule_check("T4", stage="calendar")
def check_t4_facilitator(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """The network's facilitator leads each of its meetings, never two TN meetings on one
    day, and is never double-booked across programmes."""
    ctx = _context(instance, plan)
    by_facilitator: dict[str, list[Session]] = defaultdict(list)
    for group in ctx.tn:
        for s in _own_meetings(ctx, group):
            if tuple(s.facilitators) != (group.facilitator,):
                yield Violation(
                    "T4",
                    f"TN meeting {s.id} is led by {list(s.facilitators)}, not {group.facilitator}",
                    (s.id,),
                )
            by_facilitator[group.facilitator].append(s)
    for fac, rows in sorted(by_facilitator.items()):
        for day, n in sorted(Counter(s.date for s in rows).items()):
            if n > 1:
                yield Violation(
                    "T4",
                    f"facilitator {fac} leads {n} TN meetings on {day}",
                    (fac, *[s.id for s in rows if s.date == day]),
                )
    yield from (v for v in _clashes(instance, plan) if v.rule == "T4")


@rule_check("T5", stage="calendar")
def check_t5_rota(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """helpers_per_meeting participants help at each meeting after the kick-off; nobody
    twice before everyone once."""
    ctx = _context(instance, plan)
    for group in ctx.tn:
        wanted = min(
            tn_series_settings(instance, group.id).helpers_per_meeting, len(group.participants)
        )
        rows = _own_meetings(ctx, group)
        for s in rows:
            if len(s.helpers) != wanted or len(set(s.helpers)) != len(s.helpers):
                yield Violation(
                    "T5",
                    f"TN meeting {s.id} has {len(s.helpers)} helper(s), not {wanted}",
                    (s.id,),
                )
            strangers = [h for h in s.helpers if h not in group.participants]
            if strangers:
                yield Violation(
                    "T5",
                    f"TN meeting {s.id} has helpers from outside the network: "
                    f"{', '.join(strangers)}",
                    (s.id, *strangers),
                )
        problem = _in_turn([list(s.helpers) for s in rows], list(group.participants))
        if problem:
            yield Violation(
                "T5", f"TN network {group.id} support rota out of turn: {problem}", (group.id,)
            )


# --------------------------------------------------------------------------- objective


def _bv_spread(instance: Instance, plan: Plan, ctx: _Context) -> int:
    total = 0
    years = _bv_years(instance, ctx.cal)
    leaders: list[tuple[str, str | None]] = [(c.id, c.coordinator) for c in plan.clusters]
    for cluster in plan.clusters:
        rows = ctx.by_group.get(("bv", cluster.id), [])
        for y in years:
            dates = [s.date for s in rows if y.start <= s.date <= y.end]
            rank, of = leader_rank(leaders, cluster.id)
            targets = bv_targets(instance, cluster.schools, y, rank, of)
            total += sum(abs((d - t).days) for d, t in zip(dates, targets, strict=False))
    return total


def _tn_parts(instance: Instance, plan: Plan, ctx: _Context) -> tuple[int, int]:
    spread = helper_miss = 0
    schools_of = {p.id: p.school for p in instance.tn.participants}
    leaders: list[tuple[str, str | None]] = [(g.id, g.facilitator) for g in ctx.tn]
    for group in ctx.tn:
        kick = _kickoff_for(ctx, instance, group)
        rows = _own_meetings(ctx, group)
        if kick is None or not rows:
            continue
        year = ctx.cal.year_of(kick.date)
        if year is None:
            continue
        schools = list(dict.fromkeys(schools_of[p] for p in group.participants if p in schools_of))
        days = tn_days(instance, schools, year)
        last = days[-1] if days else kick.date
        remaining = tn_series_settings(instance, group.id).series_length - 1
        rank, of = leader_rank(leaders, group.id)
        targets = series_targets(kick.date, last, remaining, rank, of)
        spread += sum(abs((s.date - t).days) for s, t in zip(rows, targets, strict=False))
        for s in rows:
            if not any(schools_of.get(h) == s.location for h in s.helpers):
                helper_miss += 1
    return spread, helper_miss


@stage_objective("calendar")
def calendar_objective(instance: Instance, plan: Plan) -> dict[str, float]:
    """The calendar objective recomputed from the plan (see composer.objective.calendar)."""
    ctx = _context(instance, plan)
    parts = dict.fromkeys(PARTS, 0.0)
    parts["bv_spread"] = float(_bv_spread(instance, plan, ctx))
    spread, helper_miss = _tn_parts(instance, plan, ctx)
    parts["tn_spread"] = float(spread)
    parts["tn_helper_not_host"] = float(helper_miss)
    parts["visit_preference"] = float(
        sum(visit_preference_cost(instance, v.visitor, v.host) for v in plan.visits)
    )
    regions = duo_networks(instance, plan)
    absent = 0
    for s in ctx.by_programme.get("development", []):
        invitees = {f for n in regions.get(s.group, []) for f in n.facilitators}
        absent += len(invitees - set(s.attendees))
    parts["development_absent"] = float(absent)
    return parts
