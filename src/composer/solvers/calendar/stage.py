"""The ``calendar`` stage: turn the composed groups into dated sessions and visits.

Input: the groups already in the plan (``plan.networks``, ``plan.clusters``,
``plan.tn_networks``; TN groups are derived from ``participant.network`` pins when the
plan has none). Output: ``plan.sessions``, ``plan.visits`` and ``plan.stages["calendar"]``.
Sessions already in the input plan are those of a plan being re-planned (``composer
whatif`` puts its baseline's there): BV clusters keep the meeting dates still possible
and their hosts (:mod:`.bv`), TN networks their meeting dates still possible (:mod:`.tn`);
everything else is dated anew and the output's sessions replace the input's. In order:

1. LOS sessions (L4, C1-C3): every network meets on every school day of the plan year
   (``calendar.plan_year``, else the first school year) that falls on its slot's weekday,
   skipping its location's holidays and public holidays. Generated, no solver. A learner
   or facilitator unavailable on a date (C4) is left off that session (a note says so).
2. TN series (:mod:`.tn`) and BV meetings (:mod:`.bv`): CP-SAT per facilitator and per
   coordinator, solved in parallel together with the visit cycles (3).
3. Cross-network visits (:mod:`.visits`, L9): who visits whom per region (CP-SAT), then
   each visit dated on one of the host's session dates where the visiting duo is free,
   the dates spread over the year.
4. Development meetings (L10): per region ``development_meetings_per_year`` meetings for
   the SO/IO duos (networks with an instituutsopleider): the school days of the year are
   cut into that many equal windows, one meeting per window on the date where the fewest
   invited SO/IO are busy (a network session, a visit, another meeting) or unavailable;
   the first ``development_meetings_at_institution`` at the region's HU/UU institution(s)
   (those of its networks and IOs, in turn), the others at the network location with the
   least total travel from the region's network locations. Invitees who are busy that
   day are not listed as attendees and are counted in ``development_absent``.
5. Reviews (L11): ``reviews_per_year`` per network, SO + second facilitator, at the
   network's location, in a time block both are available and free, the date nearest
   to evenly spread targets over the year (the middle of the year for one review).

Every person's commitments go into one :class:`~composer.calendar.BusyIndex` as they are
planned, so later steps never double-book anyone across programmes.

Status: ``infeasible`` when any hard rule cannot be met for some group (the notes name
the rule id, the group and the fix; everything else is still planned), ``optimal`` when
every CP-SAT part is proven optimal and nobody misses a development meeting, otherwise
``feasible``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from composer import clock
from composer.calendar import (
    BusyIndex,
    SchoolCalendar,
    development_institutions,
    duo_networks,
    holiday_region_of,
    medoid_place,
    school_calendar,
    tn_groups,
    tn_series_settings,
    travel_minutes_between,
    weekday_of,
)
from composer.model.instance import Instance, SchoolYear
from composer.model.plan import (
    Plan,
    PlannedNetwork,
    PlannedTnNetwork,
    Session,
    StageResult,
    Status,
    Unplaced,
    Visit,
)
from composer.objective.calendar import (
    PARTS,
    leader_rank,
    series_targets,
    spread_targets,
    tn_days,
    visit_preference_cost,
)
from composer.parallel import map_tasks
from composer.solvers.calendar.bv import (
    BvCluster,
    BvOutcome,
    BvTask,
    kept_meetings,
    prepare_bv,
    proven_greedy,
    solve_bv_task,
)
from composer.solvers.calendar.chains import Chain, Segment
from composer.solvers.calendar.tn import (
    PreviousMeeting,
    TnOutcome,
    TnSeries,
    TnTask,
    check_series_alone,
    group_by_facilitator,
    previous_meetings,
    series_fixes,
    solve_tn_task,
    with_kept,
)
from composer.solvers.calendar.visits import (
    VisitOutcome,
    VisitTask,
    solve_visit_task,
    verify_regular,
)

if TYPE_CHECKING:  # the pipeline layer calls this stage; only its types are needed here
    from composer.params import SolveParams
    from composer.pipeline import Progress

STAGE = "calendar"
MAX_ID = 64


def session_id(*parts: str) -> str:
    """A session id from its parts; shortened with a hash when longer than an id may be."""
    text = "-".join(parts)
    if len(text) <= MAX_ID:
        return text
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
    return f"{text[: MAX_ID - 13]}-{digest}"


def _solve_any(task: Any) -> Any:
    """Dispatch one subproblem (picklable, top level: runs in worker processes)."""
    if isinstance(task, BvTask):
        return solve_bv_task(task)
    if isinstance(task, TnTask):
        return solve_tn_task(task)
    return solve_visit_task(task)


@dataclass
class _Acc:
    """What the stage collects as it goes."""

    sessions: list[Session] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    infeasible: bool = False
    unknown: bool = False
    all_optimal: bool = True
    parts: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 0.0))
    bound: float | None = 0.0
    unplaced: list[Unplaced] = field(default_factory=list)

    def fail(self, note: str) -> None:
        self.infeasible = True
        self.notes.append(note)

    def absorb(self, status: str, notes: Sequence[str]) -> None:
        """A subproblem's status and notes, folded into the stage's."""
        self.notes.extend(notes)
        if status == "infeasible":
            self.infeasible = True
        elif status not in {"optimal", "feasible"}:
            self.unknown = True
        if status != "optimal":
            self.all_optimal = False

    def add_bound(self, value: float | None) -> None:
        if self.bound is not None and value is not None:
            self.bound += value
        else:
            self.bound = None


# --------------------------------------------------------------------------- LOS


def _los_sessions(
    instance: Instance, plan: Plan, cal: SchoolCalendar, year: SchoolYear, acc: _Acc
) -> dict[str, list[Session]]:
    """L4: every network at its slot in every school week of ``year``."""
    blocks = {b.id: b for b in instance.calendar.time_blocks}
    by_network: dict[str, list[Session]] = {}
    dropped: dict[str, int] = defaultdict(int)
    for net in plan.networks:
        if net.slot is None:
            acc.notes.append(
                f"[L4] network {net.id} has no weekly slot in the plan: no sessions dated "
                "(run the los stage first)"
            )
            continue
        block = blocks.get(net.slot.block)
        start, end = (block.start, block.end) if block else (net.slot.start, net.slot.end)
        region = holiday_region_of(instance, net.location)
        rows = []
        for day in cal.weekly_dates(year, net.slot.weekday, region):
            learners = tuple(lr for lr in net.learners if cal.unavailable(lr, day) is None)
            facs = tuple(f for f in net.facilitators if cal.unavailable(f, day) is None)
            for person in (*net.learners, *net.facilitators):
                if person not in learners and person not in facs:
                    dropped[person] += 1
            rows.append(
                Session(
                    id=session_id("los", net.id, f"{day:%Y%m%d}"),
                    programme="los",
                    group=net.id,
                    date=day,
                    start=start,
                    end=end,
                    location=net.location,
                    facilitators=facs,
                    attendees=learners,
                    kind="meeting",
                    headcount=len(learners) + len(facs),
                )
            )
        if not rows:
            acc.fail(
                f"[L4] network {net.id}: no school day on {net.slot.weekday} in school year "
                f"{year.id} at {net.location}; fix: check calendar.weekdays and the holidays "
                "of its holiday region"
            )
        by_network[net.id] = rows
    if dropped:
        listed = ", ".join(f"{p} ({n}x)" for p, n in sorted(dropped.items())[:10])
        more = f" and {len(dropped) - 10} more" if len(dropped) > 10 else ""
        acc.notes.append(
            f"[C4] LOS sessions on days someone is unavailable go ahead without them: "
            f"{listed}{more}"
        )
    return by_network


# --------------------------------------------------------------------------- TN


@dataclass(frozen=True)
class _Kickoff:
    day: dt.date
    place: str
    networks: tuple[str, ...]


def _tn_prepare(
    instance: Instance,
    groups: Sequence[PlannedTnNetwork],
    cal: SchoolCalendar,
    busy: BusyIndex,
    acc: _Acc,
    keep: dict[str, list[PreviousMeeting]] | None = None,
) -> tuple[list[_Kickoff], list[TnTask], dict[str, TnSeries]]:
    """The joint kick-off(s) and one task per facilitator of the TN series; ``keep``:
    network id -> the meetings of the plan re-planned, kept where still possible
    (:func:`composer.solvers.calendar.tn.with_kept`)."""
    keep = keep or {}
    tn = instance.tn
    idx = instance.index
    plan_year = cal.plan_year()
    part_school = {p.id: p.school for p in tn.participants}
    kick_of: dict[str, tuple[dt.date | None, str | None]] = {}
    for group in groups:
        settings = tn_series_settings(instance, group.id)
        kick_of[group.id] = (settings.kickoff_date, settings.kickoff_location)
    # networks sharing the same (given) date and place share one kick-off; missing date or
    # place are chosen once for all networks that lack them
    missing = [g for g in groups if kick_of[g.id][0] is None or kick_of[g.id][1] is None]
    if missing:
        kick_schools = sorted({part_school[p] for g in missing for p in g.participants})
        place_given = sorted(p for g in missing if (p := kick_of[g.id][1]) is not None)
        place = place_given[0] if place_given else None
        if place is None and kick_schools:
            place = medoid_place(
                instance, kick_schools, [part_school[p] for g in missing for p in g.participants]
            )
            acc.notes.append(
                f"[T1] no kick-off place given: the kick-off is held at {place}, the "
                "participants' school with the least total travel; set tn.kickoff_location"
            )
        dates_given = sorted(d for g in missing if (d := kick_of[g.id][0]) is not None)
        day = dates_given[0] if dates_given else None
        if day is None and plan_year is not None and place is not None:
            people = [p for g in missing for p in g.participants]
            facs = sorted({g.facilitator for g in missing})
            regions = {holiday_region_of(instance, s) for s in [*kick_schools, place]}
            weekdays = [w for w in tn.meeting_weekdays if w in instance.calendar.weekdays]
            for cand in cal.school_days(plan_year, regions, weekdays):
                if cal.available_all([*people, *facs], cand) and busy.free(
                    facs, cand, tn.meeting_start, tn.meeting_end, place
                ):
                    day = cand
                    break
            if day is not None:
                acc.notes.append(
                    f"[T1] no kick-off date given: the kick-off is on {day}, the first school "
                    f"day of {plan_year.id} that suits everyone; set tn.kickoff_date"
                )
        for g in missing:
            d0, p0 = kick_of[g.id]
            kick_of[g.id] = (d0 or day, p0 or place)
    by_kick: dict[tuple[dt.date, str], list[str]] = defaultdict(list)
    for group in groups:
        d, p = kick_of[group.id]
        if d is None or p is None:
            acc.fail(
                f"[T1] TN network {group.id}: no kick-off date could be found; fix: set "
                "tn.kickoff_date"
            )
            continue
        by_kick[(d, p)].append(group.id)
    kickoffs = []
    valid_kick: dict[str, _Kickoff] = {}
    for (d, p), nets in sorted(by_kick.items()):
        why = cal.why_not_school_day(d, holiday_region_of(instance, p))
        if why is not None:
            acc.fail(
                f"[T1] the kick-off of TN networks {', '.join(nets)} at {p}: {why}; fix: "
                "choose another kick-off date (tn.kickoff_date or the network's kickoff_date)"
            )
            continue
        k = _Kickoff(d, p, tuple(nets))
        kickoffs.append(k)
        for n in nets:
            valid_kick[n] = k
    facilitator_kick_days: dict[str, set[int]] = defaultdict(set)
    by_id = {g.id: g for g in groups}
    for k in kickoffs:
        for n in k.networks:
            facilitator_kick_days[by_id[n].facilitator].add(k.day.toordinal())
    items: list[tuple[str, TnSeries]] = []
    series_by_net: dict[str, TnSeries] = {}
    leaders: list[tuple[str, str | None]] = [(g.id, g.facilitator) for g in groups]
    for group in groups:
        kick = valid_kick.get(group.id)
        if kick is None:
            continue
        settings = tn_series_settings(instance, group.id)
        remaining = settings.series_length - 1
        if remaining <= 0 or not group.participants:
            continue
        helpers_wanted = settings.helpers_per_meeting
        year = cal.year_of(kick.day)
        assert year is not None  # a school day lies inside a school year
        schools: list[str] = []
        for p in group.participants:
            s = part_school[p]
            if s not in schools:
                schools.append(s)
        school_of = tuple(schools.index(part_school[p]) for p in group.participants)
        fac = (
            idx.facilitator_of(group.facilitator) if group.facilitator in idx.facilitator else None
        )
        base = tn_days(instance, schools, year)
        days = []
        for day in base:
            if day <= kick.day or day.toordinal() in facilitator_kick_days[group.facilitator]:
                continue
            if not cal.available_all([*group.participants, group.facilitator], day):
                continue
            if fac is not None and weekday_of(day) not in fac.available_days:
                continue
            if busy.on_day(group.facilitator, day) and not all(
                busy.free([group.facilitator], day, tn.meeting_start, tn.meeting_end, s)
                for s in schools
            ):
                continue
            days.append(day.toordinal())
        last = base[-1] if base else kick.day
        rank, of = leader_rank(leaders, group.id)
        targets = tuple(t.toordinal() for t in series_targets(kick.day, last, remaining, rank, of))
        chain = Chain(
            group.id,
            (Segment(year.id, tuple(days), targets),),
            earliest=kick.day.toordinal() + max(1, tn.min_gap_days),
        )
        series = TnSeries(
            group.id,
            tuple(group.participants),
            tuple(schools),
            school_of,
            min(helpers_wanted, len(group.participants)),
            chain,
        )
        if group.id in keep:
            series = with_kept(series, keep[group.id])
        broke = check_series_alone(series, tn.min_gap_days)
        if broke is not None:
            acc.fail(
                f"[T1] TN network {group.id}: only {broke[1]} of its {remaining} meetings after "
                f"the kick-off on {kick.day} fit in school year {year.id}, {tn.min_gap_days} "
                "days apart, outside the participants' holidays and unavailable days and on "
                f"days the facilitator is free; fix: {series_fixes(series, tn.min_gap_days)}, "
                "move the kick-off earlier, or allow more tn.meeting_weekdays"
            )
            continue
        items.append((group.facilitator, series))
        series_by_net[group.id] = series
    return kickoffs, group_by_facilitator(items, tn.min_gap_days), series_by_net


# --------------------------------------------------------------------------- visits


def _visit_tasks(
    instance: Instance,
    plan: Plan,
    los: dict[str, list[Session]],
    cal: SchoolCalendar,
    busy: BusyIndex,
    acc: _Acc,
) -> list[VisitTask]:
    per_year = instance.los.settings.visits_per_year
    if per_year == 0:
        return []
    by_region: dict[str, list[PlannedNetwork]] = defaultdict(list)
    for net in plan.networks:
        if los.get(net.id) and net.facilitators:
            by_region[net.region].append(net)
    tasks = []
    for region in sorted(by_region):
        nets = sorted(by_region[region], key=lambda n: n.id)
        n = len(nets)
        if n < per_year + 1:
            acc.notes.append(
                f"[L9] region {region} has {n} network(s): too few for each to visit "
                f"{per_year} other network(s); no visits planned there (visits across regions "
                "are not planned)"
            )
            continue
        forbid_mutual = n >= 2 * per_year + 1
        if not forbid_mutual:
            acc.notes.append(
                f"[L9] region {region} has only {n} networks: they visit each other (no other "
                "way for each to visit and host)"
            )
        arcs = []
        for v, visitor in enumerate(nets):
            for h, host in enumerate(nets):
                if v == h:
                    continue
                if _visit_dates(instance, visitor, host, los[host.id], cal, busy, first=True):
                    cost = visit_preference_cost(instance, visitor.id, host.id)
                    arcs.append((v, h, cost))
        tasks.append(
            VisitTask(region, tuple(n.id for n in nets), tuple(arcs), per_year, forbid_mutual)
        )
    return tasks


def _free_for_visit(
    instance: Instance,
    visitor: PlannedNetwork,
    session: Session,
    block: str | None,
    cal: SchoolCalendar,
    busy: BusyIndex,
) -> bool:
    idx = instance.index
    day = session.date
    for person in visitor.facilitators:
        if cal.unavailable(person, day) is not None:
            return False
        if (
            instance.los.settings.visits_within_availability
            and person in idx.facilitator
            and block is not None
            and not idx.facilitator_of(person).available(weekday_of(day), block)
        ):
            return False
        if busy.conflict(person, day, session.start, session.end, session.location) is not None:
            return False
    return True


def _visit_dates(
    instance: Instance,
    visitor: PlannedNetwork,
    host: PlannedNetwork,
    host_sessions: list[Session],
    cal: SchoolCalendar,
    busy: BusyIndex,
    first: bool = False,
) -> list[Session]:
    """The host's sessions the visiting duo can attend (just the first when ``first``)."""
    block = host.slot.block if host.slot else None
    found = []
    for session in host_sessions:
        if _free_for_visit(instance, visitor, session, block, cal, busy):
            found.append(session)
            if first:
                break
    return found


def _date_visits(
    instance: Instance,
    plan: Plan,
    solved: list[tuple[VisitTask, VisitOutcome]],
    los: dict[str, list[Session]],
    cal: SchoolCalendar,
    busy: BusyIndex,
    year: SchoolYear,
    acc: _Acc,
) -> None:
    nets = {n.id: n for n in plan.networks}
    for task, outcome in solved:
        acc.absorb(outcome.status, outcome.notes)
        region_nets = list(task.networks)
        arcs = [(region_nets[v], region_nets[h]) for v, h in outcome.chosen]
        if outcome.missing == 0 and not verify_regular(region_nets, arcs, task.per_year):
            acc.fail(f"[L9] region {outcome.region}: the visits chosen do not form cycles")
        targets = spread_targets(year.start, year.end, max(1, len(arcs)))
        for (visitor_id, host_id), target in zip(arcs, targets, strict=False):
            visitor, host = nets[visitor_id], nets[host_id]
            options = _visit_dates(instance, visitor, host, los[host_id], cal, busy)
            if not options:
                acc.fail(
                    f"[L9] the duo of {visitor_id} ({', '.join(visitor.facilitators)}) has no "
                    f"free moment left at the slot of {host_id}; fix: give one network another "
                    "slot or facilitator"
                )
                continue
            pick = min(options, key=lambda s: (abs((s.date - target).days), s.date))
            acc.visits.append(
                Visit(
                    visitor=visitor_id,
                    host=host_id,
                    date=pick.date,
                    start=pick.start,
                    end=pick.end,
                    facilitators=tuple(visitor.facilitators),
                )
            )
            for person in visitor.facilitators:
                busy.add(person, pick.date, pick.start, pick.end, pick.location, f"visit {host_id}")
        acc.parts["visit_preference"] += outcome.cost
        acc.add_bound(outcome.bound if outcome.missing == 0 else None)


# --------------------------------------------------------------------------- L10, L11


def _development(
    instance: Instance,
    plan: Plan,
    cal: SchoolCalendar,
    busy: BusyIndex,
    weekly: BusyIndex,
    year: SchoolYear,
    acc: _Acc,
) -> None:
    """L10: each region's development meetings, each on the day of its window that the
    fewest invitees miss. Its bound: on every day of the window at least the invitees
    unavailable then or at their own network's weekly session (``weekly``, fixed by L4) are
    absent, whatever else this stage plans."""
    settings = instance.los.settings
    total, at_inst = (
        settings.development_meetings_per_year,
        settings.development_meetings_at_institution,
    )
    if total == 0:
        return
    start, end = settings.development_start, settings.development_end
    for region, nets in sorted(duo_networks(instance, plan).items()):
        invitees = sorted({f for n in nets for f in n.facilitators})
        institutions = development_institutions(instance, nets)
        locations = sorted({n.location for n in nets})
        school_place = medoid_place(instance, locations, [n.location for n in nets])
        if at_inst and not institutions:
            acc.fail(
                f"[L10] region {region}: {at_inst} development meeting(s) belong at HU/UU but "
                "no institution is linked to its networks or instituutsopleiders; fix: set "
                "los_networks.institution or the IO's institution"
            )
        places = [
            institutions[j % len(institutions)] if j < at_inst and institutions else school_place
            for j in range(total)
        ]
        net_regions = {holiday_region_of(instance, loc) for loc in locations}
        for j, place in enumerate(places):
            if j < at_inst and not institutions:
                continue
            regions = net_regions | {holiday_region_of(instance, place)}
            days = cal.school_days(year, regions)
            window = days[j * len(days) // total : (j + 1) * len(days) // total]
            if not window:
                acc.fail(
                    f"[L10] region {region}: too few school days in {year.id} for "
                    f"{total} development meetings; fix: lower "
                    "los.settings.development_meetings_per_year"
                )
                continue
            middle = window[len(window) // 2]
            unavoidable = min(
                sum(
                    cal.unavailable(p, day) is not None
                    or weekly.conflict(p, day, start, end, place) is not None
                    for p in invitees
                )
                for day in window
            )
            acc.add_bound(unavoidable)
            best: tuple[int, int, dt.date, list[str]] | None = None
            for day in window:
                absent = [
                    p
                    for p in invitees
                    if cal.unavailable(p, day) is not None
                    or busy.conflict(p, day, start, end, place) is not None
                ]
                key = (len(absent), abs((day - middle).days), day, absent)
                if best is None or key[:3] < best[:3]:
                    best = key
            assert best is not None
            absent_count, _, day, absent = best
            present = tuple(p for p in invitees if p not in absent)
            acc.sessions.append(
                Session(
                    id=session_id("dev", region, year.id, str(j + 1)),
                    programme="development",
                    group=region,
                    date=day,
                    start=start,
                    end=end,
                    location=place,
                    attendees=present,
                    kind="development",
                    headcount=len(present),
                )
            )
            for p in present:
                busy.add(p, day, start, end, place, f"development meeting {region}")
            acc.parts["development_absent"] += absent_count
            if absent_count > unavoidable:
                acc.all_optimal = False


def _reviews(
    instance: Instance,
    plan: Plan,
    cal: SchoolCalendar,
    busy: BusyIndex,
    year: SchoolYear,
    los: dict[str, list[Session]],
    acc: _Acc,
) -> None:
    count = instance.los.settings.reviews_per_year
    if count == 0:
        return
    idx = instance.index
    blocks = instance.calendar.time_blocks
    settings = instance.los.settings
    moments = (
        [(b.id, b.start, b.end) for b in blocks]
        if blocks
        else [(None, settings.development_start, settings.development_end)]
    )
    for net in plan.networks:
        if net.id not in los:
            continue
        people = list(net.facilitators)
        if len(people) < 2:
            acc.notes.append(
                f"[L11] network {net.id} has {len(people)} facilitator(s): no SO/IO review planned"
            )
            continue
        region = holiday_region_of(instance, net.location)
        days = cal.school_days(year, [region])
        if not days:
            continue
        targets = spread_targets(days[0], days[-1], count)
        used: set[dt.date] = set()
        for r, target in enumerate(targets):
            options = sorted(days, key=lambda d: (abs((d - target).days), d))
            placed = False
            for day in options:
                if day in used or not cal.available_all(people, day):
                    continue
                places = _review_places(instance, net.location, people, day, busy)
                for block_id, start, end in moments:
                    if block_id is not None and not all(
                        idx.facilitator_of(p).available(weekday_of(day), block_id)
                        for p in people
                        if p in idx.facilitator
                    ):
                        continue
                    place = next(
                        (where for where in places if busy.free(people, day, start, end, where)),
                        None,
                    )
                    if place is None:
                        continue
                    _add_review(net.id, people, r, year, day, start, end, place, busy, acc)
                    if place != net.location:
                        acc.notes.append(
                            f"[L11] network {net.id}: review {r + 1} is held at {place}, where "
                            f"its facilitators are that day ({day.isoformat()}), not at the "
                            f"network's school {net.location}: travel leaves no other moment"
                        )
                    used.add(day)
                    placed = True
                    break
                if placed:
                    break
            if not placed:
                placed = _review_next_to_session(
                    net.id, people, options, used, los[net.id], busy, cal, r, year, acc
                )
            if not placed:
                acc.fail(
                    f"[L11] network {net.id}: its facilitators {', '.join(people)} share no free "
                    f"moment for review {r + 1} in {year.id}; fix: widen their available days "
                    "or blocks"
                )


def _review_places(
    instance: Instance, home: str, people: list[str], day: dt.date, busy: BusyIndex
) -> list[str]:
    """Where a review (L11) may be held on ``day``: the network's own school first, then
    every place one of the duo is already committed that day, nearest to the network's
    school first (then by id), so that travel between their other meetings does not rule
    the review out (DOMAIN.md L5) and the review stays as close to home as it can."""
    elsewhere = {item.place for p in people for item in busy.on_day(p, day)} - {home}
    return [
        home,
        *sorted(
            elsewhere, key=lambda place: (travel_minutes_between(instance, home, place), place)
        ),
    ]


def _add_review(
    network: str,
    people: list[str],
    r: int,
    year: SchoolYear,
    day: dt.date,
    start: dt.time,
    end: dt.time,
    location: str,
    busy: BusyIndex,
    acc: _Acc,
) -> None:
    """Record review ``r + 1`` of ``network`` (L11) and book its facilitators."""
    acc.sessions.append(
        Session(
            id=session_id("review", network, year.id, str(r + 1)),
            programme="review",
            group=network,
            date=day,
            start=start,
            end=end,
            location=location,
            facilitators=tuple(people),
            kind="review",
            headcount=len(people),
        )
    )
    for p in people:
        busy.add(p, day, start, end, location, f"review {network}")


def _review_next_to_session(
    network: str,
    people: list[str],
    days: list[dt.date],
    used: set[dt.date],
    sessions: list[Session],
    busy: BusyIndex,
    cal: SchoolCalendar,
    r: int,
    year: SchoolYear,
    acc: _Acc,
) -> bool:
    """Fallback for L11 when the duo shares no free available block: hold the review next
    to one of the network's own sessions, where both are present anyway, for as long as
    the session lasts: right after it, or, when that time is taken (by the duo's next
    session, say), right before it. Days are tried in ``days`` order (nearest to the
    review's target first); the choice is named in the stage notes."""
    on_day = {s.date: s for s in sessions if s.programme == "los"}
    for day in days:
        session = on_day.get(day)
        if session is None or day in used or not cal.available_all(people, day):
            continue
        session_start = dt.datetime.combine(day, session.start)
        session_end = dt.datetime.combine(day, session.end)
        length = session_end - session_start
        for where, begin, end in (
            ("after", session_end, session_end + length),
            ("before", session_start - length, session_start),
        ):
            if begin.date() != day or end.date() != day:
                continue
            start_t, end_t = begin.time(), end.time()
            if not busy.free(people, day, start_t, end_t, session.location):
                continue
            _add_review(network, people, r, year, day, start_t, end_t, session.location, busy, acc)
            used.add(day)
            acc.notes.append(
                f"[L11] network {network}: its facilitators share no other free block, so "
                f"review {r + 1} is held right {where} the session of {day.isoformat()} "
                f"({start_t:%H:%M}-{end_t:%H:%M})"
            )
            return True
    return False


# --------------------------------------------------------------------------- the stage


WARM_UP_SECONDS = 2.0
"""Subproblems are solved in this process until this much time has passed; only the rest
goes to worker processes (starting one costs about this much: imports of OR-Tools and
pydantic), so small calendars are not slowed down by parallelism."""


def _run_tasks(tasks: list[Any], processes: int) -> list[Any]:
    """Results of ``tasks`` in task order: the first ones here, the rest in parallel."""
    results: list[Any] = []
    started = time.perf_counter()
    for task in tasks:
        if processes > 1 and time.perf_counter() - started > WARM_UP_SECONDS:
            break
        results.append(_solve_any(task))
    rest = tasks[len(results) :]
    if rest:
        results.extend(map_tasks(_solve_any, rest, processes))
    return results


def _time_limits(tasks: list[Any], budget: float, processes: int, workers: int) -> list[Any]:
    """Give every task its share of the remaining budget (and its worker count)."""
    if not tasks:
        return tasks
    share = max(0.2, min(budget, budget * processes / len(tasks)))
    # one search worker per task when there are several: CP-SAT is then deterministic for
    # a seed, so the plan does not depend on the number of processes
    per_task_workers = workers if len(tasks) == 1 else 1
    return [replace(t, time_limit=share, workers=per_task_workers) for t in tasks]


def _bv_sessions(
    instance: Instance,
    plan: Plan,
    outcomes: list[BvOutcome],
    busy: BusyIndex,
    acc: _Acc,
) -> None:
    bv = instance.bv
    clusters = {c.id: c for c in plan.clusters}
    for outcome in outcomes:
        acc.absorb(outcome.status, outcome.notes)
        if not outcome.meetings:
            continue
        acc.parts["bv_spread"] += outcome.objective or 0
        acc.add_bound(outcome.bound)
        for cluster_id, meetings in outcome.meetings.items():
            cluster = clusters[cluster_id]
            facs = (cluster.coordinator,) if cluster.coordinator else ()
            for m, (ordinal, host) in enumerate(meetings):
                day = dt.date.fromordinal(ordinal)
                place = cluster.schools[host]
                acc.sessions.append(
                    Session(
                        id=session_id("bv", cluster_id, f"{m + 1:02d}"),
                        programme="bv",
                        group=cluster_id,
                        date=day,
                        start=bv.meeting_start,
                        end=bv.meeting_end,
                        location=place,
                        facilitators=facs,
                        attendees=tuple(cluster.schools),
                        kind="meeting",
                        headcount=len(cluster.schools) * bv.participants_per_school + len(facs),
                    )
                )
                for f in facs:
                    busy.add(f, day, bv.meeting_start, bv.meeting_end, place, f"BV {cluster_id}")


def _tn_sessions(
    instance: Instance,
    groups: Sequence[PlannedTnNetwork],
    kickoffs: list[_Kickoff],
    series: dict[str, TnSeries],
    outcomes: list[TnOutcome],
    cal: SchoolCalendar,
    busy: BusyIndex,
    acc: _Acc,
) -> None:
    tn = instance.tn
    by_id = {g.id: g for g in groups}
    for k in kickoffs:
        members = [by_id[n] for n in k.networks]
        people = [p for g in members for p in g.participants]
        facs = sorted({g.facilitator for g in members})
        present = tuple(p for p in people if cal.unavailable(p, k.day) is None)
        present_facs = tuple(f for f in facs if cal.unavailable(f, k.day) is None)
        away = [p for p in [*people, *facs] if p not in present and p not in present_facs]
        if away:
            acc.notes.append(
                f"[C4] the kick-off on {k.day} goes ahead without {', '.join(away)} "
                "(unavailable that day)"
            )
        acc.sessions.append(
            Session(
                id=session_id("tn-kickoff", f"{k.day:%Y%m%d}", k.place),
                programme="tn",
                group="all",
                date=k.day,
                start=tn.meeting_start,
                end=tn.meeting_end,
                location=k.place,
                facilitators=present_facs,
                attendees=present,
                kind="kickoff",
                headcount=len(present) + len(present_facs),
            )
        )
        for p in (*present, *present_facs):
            busy.add(p, k.day, tn.meeting_start, tn.meeting_end, k.place, "TN kick-off")
    for outcome in outcomes:
        acc.absorb(outcome.status, outcome.notes)
        if not outcome.meetings:
            continue
        acc.add_bound(outcome.bound)
        for net_id, rows in outcome.meetings.items():
            s = series[net_id]
            group = by_id[net_id]
            targets = [t for seg in s.chain.segments for t in seg.targets]
            for m, (ordinal, host, helpers) in enumerate(rows):
                day = dt.date.fromordinal(ordinal)
                place = s.schools[host]
                helper_ids = tuple(s.participants[p] for p in helpers)
                acc.parts["tn_spread"] += abs(ordinal - targets[m])
                if not any(s.school_of[p] == host for p in helpers):
                    acc.parts["tn_helper_not_host"] += 1
                acc.sessions.append(
                    Session(
                        id=session_id("tn", net_id, f"{m + 2:02d}"),
                        programme="tn",
                        group=net_id,
                        date=day,
                        start=tn.meeting_start,
                        end=tn.meeting_end,
                        location=place,
                        facilitators=(group.facilitator,),
                        attendees=tuple(group.participants),
                        helpers=helper_ids,
                        kind="meeting",
                        headcount=len(group.participants) + 1,
                    )
                )
                for p in (group.facilitator, *group.participants):
                    busy.add(p, day, tn.meeting_start, tn.meeting_end, place, f"TN {net_id}")


def run_stage(instance: Instance, plan: Plan, params: SolveParams, progress: Progress) -> Plan:
    """Fill ``plan.sessions``, ``plan.visits`` and ``plan.stages["calendar"]``."""
    t0 = clock.now()
    cal = school_calendar(instance)
    acc = _Acc()
    groups, tn_notes = tn_groups(instance, plan)
    acc.notes.extend(tn_notes)
    if not plan.networks and not plan.clusters and not groups:
        return _finish(plan, acc, status="not_planned")
    if not cal.years:
        acc.fail(
            "[C1] the calendar lists no school years: nothing can be dated; fix: add "
            "calendar.school_years (and the holidays of every holiday region)"
        )
        return _finish(plan, acc)
    year = cal.plan_year()
    assert year is not None  # plan_year refers to a listed year (checked on load)
    busy = BusyIndex(instance)
    # L4 fixes the LOS sessions (every school week at the network's slot): what keeps a
    # person from a development meeting then is no choice of this stage (its bound)
    weekly = BusyIndex(instance)

    progress(STAGE, "LOS sessions")
    los = _los_sessions(instance, plan, cal, year, acc)
    for rows in los.values():
        acc.sessions.extend(rows)
        for s in rows:
            for f in s.facilitators:
                for index in (busy, weekly):
                    index.add(f, s.date, s.start, s.end, s.location, f"LOS {s.group}")

    progress(STAGE, "preparing TN series and visits")
    kickoffs, tn_tasks, series = _tn_prepare(
        instance, groups, cal, busy, acc, previous_meetings(plan.sessions)
    )
    _note_kept(acc, [s for t in tn_tasks for s in t.series if s.keeps], "TN network(s)", "")
    by_id = {g.id: g for g in groups}
    for k in kickoffs:
        for n in k.networks:
            busy.add(
                by_id[n].facilitator,
                k.day,
                instance.tn.meeting_start,
                instance.tn.meeting_end,
                k.place,
                "TN kick-off",
            )
    visit_tasks = _visit_tasks(instance, plan, los, cal, busy, acc)

    def solve(tasks: list[Any], share: float) -> list[Any]:
        budget = max(0.5, (params.time_limit - (clock.now() - t0)) * 0.8 * share)
        timed = _time_limits(tasks, budget, params.parallel_processes, params.workers)
        timed = [replace(t, seed=params.seed) for t in timed]
        progress(STAGE, f"solving {len(timed)} subproblem(s)")
        return _run_tasks(timed, params.parallel_processes)

    # a person leading both TN networks and BV clusters couples the two: TN goes first
    coordinators = {c.coordinator for c in plan.clusters if c.coordinator}
    coupled = bool({t.facilitator for t in tn_tasks} & coordinators)
    first = solve([*tn_tasks, *visit_tasks], 0.5) if coupled else []
    if coupled:
        _tn_sessions(instance, groups, kickoffs, series, first[: len(tn_tasks)], cal, busy, acc)
    bv_prep = prepare_bv(instance, plan.clusters, cal, busy, kept_meetings(plan.sessions))
    acc.notes.extend(bv_prep.notes)
    _note_kept(
        acc,
        [item for t in bv_prep.tasks for item in t.clusters if item.keeps],
        "BV cluster(s)",
        " and their hosts where these still rotate",
    )
    acc.infeasible |= bv_prep.infeasible
    planned = {item.cluster for t in bv_prep.tasks for item in t.clusters}
    if instance.bv.meetings_per_year and bv_prep.years:
        acc.unplaced.extend(
            Unplaced(id=c.id, what="cluster", reason="no meetings could be dated", rule="B6")
            for c in plan.clusters
            if c.id not in planned
        )
    if coupled:
        bv_results = solve(list(bv_prep.tasks), 1.0)
        visit_results = first[len(tn_tasks) :]
    else:
        # provably optimal greedy BV calendars need no worker process
        proven = [proven_greedy(t) for t in bv_prep.tasks]
        hard = [t for t, p in zip(bv_prep.tasks, proven, strict=True) if p is None]
        found = solve([*tn_tasks, *hard, *visit_tasks], 1.0)
        n_tn, n_bv = len(tn_tasks), len(hard)
        _tn_sessions(instance, groups, kickoffs, series, found[:n_tn], cal, busy, acc)
        solved = iter(found[n_tn : n_tn + n_bv])
        bv_results = [p if p is not None else next(solved) for p in proven]
        visit_results = found[n_tn + n_bv :]
    _bv_sessions(instance, plan, bv_results, busy, acc)

    progress(STAGE, "dating visits, development meetings and reviews")
    _date_visits(
        instance,
        plan,
        list(zip(visit_tasks, visit_results, strict=True)),
        los,
        cal,
        busy,
        year,
        acc,
    )
    _development(instance, plan, cal, busy, weekly, year, acc)
    _reviews(instance, plan, cal, busy, year, los, acc)
    return _finish(plan, acc)


def _note_kept(acc: _Acc, kept: Sequence[BvCluster | TnSeries], what: str, also: str) -> None:
    """A note of how many meeting dates the groups of the plan re-planned keep."""
    if not kept:
        return
    dates = sum(1 for group in kept for day in group.kept or () if day is not None)
    total = sum(group.chain.count for group in kept)
    acc.notes.append(
        f"{len(kept)} {what} of the plan re-planned keep {dates} of their {total} meeting "
        f"dates (those still possible){also}"
    )


def _finish(plan: Plan, acc: _Acc, status: Status | None = None) -> Plan:
    if status is None:
        if acc.infeasible:
            status = "infeasible"
        elif acc.unknown:
            status = "unknown"
        elif acc.all_optimal:
            status = "optimal"
        else:
            status = "feasible"
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    if status in {"optimal", "feasible"}:
        objective = float(sum(acc.parts.values()))
        bound = acc.bound
        if status == "optimal":
            bound = objective
        if bound is not None:
            bound = min(bound, objective)
            gap = 0.0 if objective == 0 else max(0.0, (objective - bound) / objective)
    sessions = sorted(acc.sessions, key=lambda s: (s.date, s.start, s.programme, s.id))
    visits = sorted(acc.visits, key=lambda v: (v.date, v.visitor))
    result = StageResult(
        status=status,
        objective=objective,
        bound=bound,
        gap=gap,
        parts=dict(acc.parts) if objective is not None else {},
        notes=tuple(acc.notes),
    )
    return plan.model_copy(
        update={
            "sessions": tuple(sessions),
            "visits": tuple(visits),
            "stages": {**plan.stages, STAGE: result},
            "unplaced": (*plan.unplaced, *acc.unplaced),
        }
    )
