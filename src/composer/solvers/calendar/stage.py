"""The ``calendar`` stage: turn the composed groups into dated sessions and visits.

Input: the groups already in the plan (``plan.networks``, ``plan.clusters``,
``plan.tn_networks``; TN groups are derived from ``participant.network`` pins when the
plan has none). Output: ``plan.sessions``, ``plan.visits`` and ``plan.stages["calendar"]``.
Sessions and visits already in the input plan are those of a plan being re-planned
(``composer whatif`` puts its baseline's there): BV clusters keep the meeting dates still
possible and their hosts (:mod:`.bv`), TN networks their meeting dates still possible
(:mod:`.tn`), and the LOS duos keep every visit, development meeting and review of the
plan year that still holds (3-5 below); only the rest is planned anew, around what is
kept, and the output's sessions and visits replace the input's. In order:

1. LOS sessions (L4, C1-C3): every network meets on every school day of the plan year
   (``calendar.plan_year``, else the first school year) that falls on its slot's weekday,
   skipping its location's holidays and public holidays. Generated, no solver. A learner
   or facilitator unavailable on a date (C4) is left off that session (a note says so).
2. TN series (:mod:`.tn`) and BV meetings (:mod:`.bv`): CP-SAT per facilitator and per
   coordinator, solved in parallel together with the visit cycles (3).
3. Cross-network visits (:mod:`.visits`, L9): who visits whom per region (CP-SAT), then
   each visit dated on one of the host's session dates where the visiting duo is free,
   the dates spread over the year. Re-planning: a pair of the plan re-planned is kept
   while the duo can still visit the host (the region planned anew when the kept pairs
   cannot be completed, with a note), and its date while the host still meets then at
   the same time and the duo is free.
4. Development meetings (L10): per region ``development_meetings_per_year`` meetings for
   the SO/IO duos (networks with an instituutsopleider): the school days of the year are
   cut into that many equal windows, one meeting per window on the date where the fewest
   invited SO/IO are busy (a network session, a visit, another meeting) or unavailable;
   the first ``development_meetings_at_institution`` at the region's HU/UU institution(s)
   (those of its networks and IOs, in turn), the others at the network location with the
   least total travel from the region's network locations. Invitees who are busy that
   day are not listed as attendees and are counted in ``development_absent``.
   Re-planning: a meeting keeps its date and place while the date is a school day there
   and the place one of its kind (an institution of the region, a school of its duo
   networks); it goes ahead without the invitees who can no longer come (a note).
5. Reviews (L11): ``reviews_per_year`` per network, SO + second facilitator, at the
   network's location, in a time block both are available and free, the date nearest
   to evenly spread targets over the year (the middle of the year for one review).
   Re-planning: a review is kept while its facilitators are the same, both available
   that day and free then, at a time and place this step could choose.

What is kept is booked before anything is dated anew. Kept visits are not chosen for the
preference cost: their regions' bound is the free one (:func:`.visits.free_bound`), and a
kept development meeting missing more invitees than its window's bound makes the stage
``feasible``, as kept BV and TN dates do.

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
from typing import TYPE_CHECKING, Any, Protocol

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
    BvOutcome,
    BvTask,
    kept_meetings,
    prepare_bv,
    proven_greedy,
    solve_bv_task,
)
from composer.solvers.calendar.chains import Chain, Segment, kept_dates
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


def previous_visits(visits: Sequence[Visit], year: SchoolYear) -> dict[tuple[str, str], Visit]:
    """(visitor, host) -> the visit of a plan in ``year``: what a re-plan keeps where it
    still holds (visits of another year, as in last year's plan, are not kept)."""
    return {(v.visitor, v.host): v for v in visits if year.start <= v.date <= year.end}


def _visit_tasks(
    instance: Instance,
    plan: Plan,
    los: dict[str, list[Session]],
    cal: SchoolCalendar,
    busy: BusyIndex,
    acc: _Acc,
    previous: dict[tuple[str, str], Visit],
) -> list[VisitTask]:
    """One task per region; the pairs of ``previous`` still possible (an arc) are kept."""
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
        kept = tuple((v, h) for v, h, _ in arcs if (nets[v].id, nets[h].id) in previous)
        tasks.append(
            VisitTask(
                region,
                tuple(n.id for n in nets),
                tuple(arcs),
                per_year,
                forbid_mutual,
                kept=kept,
            )
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


@dataclass(frozen=True)
class _VisitArc:
    """A chosen visit still to be dated: who visits whom, its target date, and this
    pair's visit in the plan re-planned (None when it had none)."""

    visitor: PlannedNetwork
    host: PlannedNetwork
    target: dt.date
    previous: Visit | None


def _chosen_visits(
    plan: Plan,
    solved: list[tuple[VisitTask, VisitOutcome]],
    year: SchoolYear,
    previous: dict[tuple[str, str], Visit],
    acc: _Acc,
) -> list[_VisitArc]:
    """The visits the regions' outcomes chose, each with its target date (spread over the
    year in the order of the region's arcs); the outcomes' status and notes are folded in."""
    nets = {n.id: n for n in plan.networks}
    found = []
    for task, outcome in solved:
        acc.absorb(outcome.status, outcome.notes)
        region_nets = list(task.networks)
        arcs = [(region_nets[v], region_nets[h]) for v, h in outcome.chosen]
        if outcome.missing == 0 and not verify_regular(region_nets, arcs, task.per_year):
            acc.fail(f"[L9] region {outcome.region}: the visits chosen do not form cycles")
        targets = spread_targets(year.start, year.end, max(1, len(arcs)))
        for (visitor_id, host_id), target in zip(arcs, targets, strict=False):
            pair = (visitor_id, host_id)
            found.append(_VisitArc(nets[visitor_id], nets[host_id], target, previous.get(pair)))
        acc.parts["visit_preference"] += outcome.cost
        acc.add_bound(outcome.bound if outcome.missing == 0 else None)
    return found


def _keep_visit_dates(
    instance: Instance,
    arcs: list[_VisitArc],
    previous: dict[tuple[str, str], Visit],
    los: dict[str, list[Session]],
    cal: SchoolCalendar,
    busy: BusyIndex,
    acc: _Acc,
) -> list[_VisitArc]:
    """Date every chosen visit whose pair visited on a date that is still possible (the
    host meets then at the same time and the duo is free) on that date; the others are
    returned, to be dated after what else is kept. A note says how many were kept."""
    rest = []
    kept = 0
    for arc in arcs:
        session = _still_possible(instance, arc, los, cal, busy)
        if session is None:
            rest.append(arc)
            continue
        _add_visit(arc.visitor, arc.host, session, busy, acc)
        kept += 1
    if previous:
        pairs = sum(1 for arc in arcs if arc.previous is not None)
        parts = [
            f"{kept} of the {len(previous)} visits of the plan re-planned keep their pair and date"
        ]
        if pairs > kept:
            parts.append(f"{pairs - kept} their pair only (the date is no longer possible)")
        if len(previous) > pairs:
            parts.append(
                f"{len(previous) - pairs} are planned anew (a network left or changed, its duo "
                "is no longer free at the host's slot, or the region's visits could not be "
                "completed around the kept ones)"
            )
        acc.notes.append("; ".join(parts))
    return rest


def _still_possible(
    instance: Instance,
    arc: _VisitArc,
    los: dict[str, list[Session]],
    cal: SchoolCalendar,
    busy: BusyIndex,
) -> Session | None:
    """The host's session a visit of the plan re-planned can still attend on its date,
    at its time, or None."""
    before = arc.previous
    if before is None:
        return None
    block = arc.host.slot.block if arc.host.slot else None
    for session in los.get(arc.host.id, []):
        if (session.date, session.start, session.end) == (before.date, before.start, before.end):
            if _free_for_visit(instance, arc.visitor, session, block, cal, busy):
                return session
            return None
    return None


def _date_visits(
    instance: Instance,
    arcs: list[_VisitArc],
    los: dict[str, list[Session]],
    cal: SchoolCalendar,
    busy: BusyIndex,
    acc: _Acc,
) -> None:
    """Date each visit on the host's session nearest its target where the duo is free."""
    for arc in arcs:
        visitor, host = arc.visitor, arc.host
        options = _visit_dates(instance, visitor, host, los[host.id], cal, busy)
        if not options:
            acc.fail(
                f"[L9] the duo of {visitor.id} ({', '.join(visitor.facilitators)}) has no "
                f"free moment left at the slot of {host.id}; fix: give one network another "
                "slot or facilitator"
            )
            continue
        pick = min(options, key=lambda s: (abs((s.date - arc.target).days), s.date))
        _add_visit(visitor, host, pick, busy, acc)


def _add_visit(
    visitor: PlannedNetwork, host: PlannedNetwork, session: Session, busy: BusyIndex, acc: _Acc
) -> None:
    """Record the visit of ``visitor``'s duo to ``session`` of ``host`` and book the duo."""
    acc.visits.append(
        Visit(
            visitor=visitor.id,
            host=host.id,
            date=session.date,
            start=session.start,
            end=session.end,
            facilitators=tuple(visitor.facilitators),
        )
    )
    for person in visitor.facilitators:
        busy.add(
            person, session.date, session.start, session.end, session.location, f"visit {host.id}"
        )


# --------------------------------------------------------------------------- L10, L11


@dataclass(frozen=True)
class _KeptDates:
    """A group's meetings matched with those of the plan re-planned: per meeting its kept
    date (ordinal) or None (:func:`composer.solvers.calendar.chains.kept_dates`)."""

    chain: Chain
    kept: tuple[int | None, ...] | None


@dataclass(frozen=True)
class _DevMeeting:
    """One development meeting of a region still to hold (L10): its number (from 0), its
    place, the window of school days it is dated in and the places a meeting of its kind
    may be held (``allowed``: the region's institutions, or its duo network schools)."""

    region: str
    number: int
    place: str
    window: tuple[dt.date, ...]
    invitees: tuple[str, ...]
    net_regions: frozenset[str | None]
    allowed: frozenset[str]


def previous_sessions(
    sessions: Sequence[Session], programme: str, year: SchoolYear
) -> dict[str, list[Session]]:
    """Group id -> the sessions of ``programme`` (development meetings per region, reviews
    per network) of a plan in ``year``, by date: what a re-plan keeps where it still holds."""
    found: dict[str, list[Session]] = defaultdict(list)
    for s in sorted(sessions, key=lambda s: (s.date, s.start, s.id)):
        if s.programme == programme and year.start <= s.date <= year.end:
            found[s.group].append(s)
    return dict(found)


def _development_meetings(
    instance: Instance, plan: Plan, cal: SchoolCalendar, year: SchoolYear, acc: _Acc
) -> list[_DevMeeting]:
    """L10: each region's development meetings, with their place and window; a region
    without a linked institution or a year with too few school days is noted."""
    settings = instance.los.settings
    total, at_inst = (
        settings.development_meetings_per_year,
        settings.development_meetings_at_institution,
    )
    if total == 0:
        return []
    meetings = []
    for region, nets in sorted(duo_networks(instance, plan).items()):
        invitees = tuple(sorted({f for n in nets for f in n.facilitators}))
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
        net_regions = frozenset(holiday_region_of(instance, loc) for loc in locations)
        for j, place in enumerate(places):
            if j < at_inst and not institutions:
                continue
            days = cal.school_days(year, net_regions | {holiday_region_of(instance, place)})
            window = days[j * len(days) // total : (j + 1) * len(days) // total]
            if not window:
                acc.fail(
                    f"[L10] region {region}: too few school days in {year.id} for "
                    f"{total} development meetings; fix: lower "
                    "los.settings.development_meetings_per_year"
                )
                continue
            allowed = institutions if j < at_inst else locations
            meetings.append(
                _DevMeeting(
                    region, j, place, tuple(window), invitees, net_regions, frozenset(allowed)
                )
            )
    return meetings


def _keep_development(
    instance: Instance,
    meetings: list[_DevMeeting],
    previous: dict[str, list[Session]],
    cal: SchoolCalendar,
    busy: BusyIndex,
    weekly: BusyIndex,
    year: SchoolYear,
    acc: _Acc,
) -> list[_DevMeeting]:
    """Hold every development meeting of the plan re-planned that is still possible: the
    same number of meetings in its region, its place still one for its kind (an
    institution of the region, a school of its duo networks) and its date a school day
    there. The others are returned, to be dated anew; a note says how many were kept."""
    by_region: dict[str, list[_DevMeeting]] = defaultdict(list)
    for m in meetings:
        by_region[m.region].append(m)
    rest: list[_DevMeeting] = []
    matched = []
    for region, items in by_region.items():
        before = previous.get(region, [])
        if len(before) != len(items):
            rest.extend(items)  # none, or another number: nothing to match them by
            continue
        segments = []
        for m, b in zip(items, before, strict=True):
            place = b.location if b.location in m.allowed else m.place
            days = cal.school_days(year, m.net_regions | {holiday_region_of(instance, place)})
            middle = m.window[len(m.window) // 2]
            segments.append(
                Segment(
                    str(m.number + 1), tuple(d.toordinal() for d in days), (middle.toordinal(),)
                )
            )
        chain = Chain(region, tuple(segments))
        kept = kept_dates(chain, [b.date.toordinal() for b in before])
        assert kept is not None  # as many meetings as before
        held: list[int | None] = []
        for m, b, day in zip(items, before, kept, strict=True):
            if day is None or b.location not in m.allowed:
                held.append(None)
                rest.append(m)
                continue
            absent = _hold_development(
                instance, replace(m, place=b.location), b.date, cal, busy, weekly, year, acc
            )
            lost = [p for p in b.attendees if p in absent]
            if lost:
                acc.notes.append(
                    f"[L10] development meeting {b.id} keeps its date {b.date} and goes ahead "
                    f"without {', '.join(lost)}, who can no longer come (unavailable or busy "
                    "that day)"
                )
            held.append(day)
        matched.append(_KeptDates(chain, tuple(held)))
    _note_kept(acc, matched, "region(s)", ", with their places", "development meeting dates")
    return rest


def _date_development(
    instance: Instance,
    meetings: list[_DevMeeting],
    cal: SchoolCalendar,
    busy: BusyIndex,
    weekly: BusyIndex,
    year: SchoolYear,
    acc: _Acc,
) -> None:
    """L10: each meeting on the day of its window that the fewest invitees miss (then
    nearest the window's middle)."""
    settings = instance.los.settings
    start, end = settings.development_start, settings.development_end
    for m in meetings:
        middle = m.window[len(m.window) // 2]
        best: tuple[int, int, dt.date] | None = None
        for day in m.window:
            absent = sum(
                1
                for p in m.invitees
                if cal.unavailable(p, day) is not None
                or busy.conflict(p, day, start, end, m.place) is not None
            )
            key = (absent, abs((day - middle).days), day)
            if best is None or key < best:
                best = key
        assert best is not None
        _hold_development(instance, m, best[2], cal, busy, weekly, year, acc)


def _hold_development(
    instance: Instance,
    m: _DevMeeting,
    day: dt.date,
    cal: SchoolCalendar,
    busy: BusyIndex,
    weekly: BusyIndex,
    year: SchoolYear,
    acc: _Acc,
) -> list[str]:
    """Record development meeting ``m`` on ``day``; invitees busy or unavailable then are
    not listed and count in ``development_absent`` (returned). Its bound: on every day of
    the window at least the invitees unavailable then or at their own network's weekly
    session (``weekly``, fixed by L4) are absent, whatever else this stage plans."""
    settings = instance.los.settings
    start, end = settings.development_start, settings.development_end
    unavoidable = min(
        sum(
            cal.unavailable(p, d) is not None
            or weekly.conflict(p, d, start, end, m.place) is not None
            for p in m.invitees
        )
        for d in m.window
    )
    acc.add_bound(unavoidable)
    absent = [
        p
        for p in m.invitees
        if cal.unavailable(p, day) is not None
        or busy.conflict(p, day, start, end, m.place) is not None
    ]
    present = tuple(p for p in m.invitees if p not in absent)
    acc.sessions.append(
        Session(
            id=session_id("dev", m.region, year.id, str(m.number + 1)),
            programme="development",
            group=m.region,
            date=day,
            start=start,
            end=end,
            location=m.place,
            attendees=present,
            kind="development",
            headcount=len(present),
        )
    )
    for p in present:
        busy.add(p, day, start, end, m.place, f"development meeting {m.region}")
    acc.parts["development_absent"] += len(absent)
    if len(absent) > unavoidable:
        acc.all_optimal = False
    return absent


@dataclass
class _Reviews:
    """The reviews (L11) of one network: its facilitators, the school days of its
    location, the target per review, the days used and the reviews still to hold."""

    net: PlannedNetwork
    people: list[str]
    days: list[dt.date]
    targets: list[dt.date]
    todo: list[int]
    used: set[dt.date] = field(default_factory=set)


def _review_plans(
    instance: Instance,
    plan: Plan,
    cal: SchoolCalendar,
    year: SchoolYear,
    los: dict[str, list[Session]],
    acc: _Acc,
) -> list[_Reviews]:
    """The reviews every network with two facilitators holds (L11); the others noted."""
    count = instance.los.settings.reviews_per_year
    if count == 0:
        return []
    found = []
    for net in plan.networks:
        if net.id not in los:
            continue
        people = list(net.facilitators)
        if len(people) < 2:
            acc.notes.append(
                f"[L11] network {net.id} has {len(people)} facilitator(s): no SO/IO review planned"
            )
            continue
        days = cal.school_days(year, [holiday_region_of(instance, net.location)])
        if not days:
            continue
        targets = spread_targets(days[0], days[-1], count)
        found.append(_Reviews(net, people, days, targets, list(range(count))))
    return found


def _review_moments(instance: Instance) -> list[tuple[str | None, dt.time, dt.time]]:
    """The times a review may take: every time block, else the development meeting hours."""
    blocks = instance.calendar.time_blocks
    settings = instance.los.settings
    if blocks:
        return [(b.id, b.start, b.end) for b in blocks]
    return [(None, settings.development_start, settings.development_end)]


def _block_available(
    instance: Instance, people: list[str], day: dt.date, block: str | None
) -> bool:
    """True when every facilitator of ``people`` is available in ``block`` on ``day``."""
    idx = instance.index
    return block is None or all(
        idx.facilitator_of(p).available(weekday_of(day), block)
        for p in people
        if p in idx.facilitator
    )


def _next_to(session: Session) -> list[tuple[str, dt.time, dt.time]]:
    """The times right after and right before ``session``, as long as it, on its day."""
    day = session.date
    session_start = dt.datetime.combine(day, session.start)
    session_end = dt.datetime.combine(day, session.end)
    length = session_end - session_start
    return [
        (where, begin.time(), end.time())
        for where, begin, end in (
            ("after", session_end, session_end + length),
            ("before", session_start - length, session_start),
        )
        if begin.date() == day and end.date() == day
    ]


def _keep_reviews(
    instance: Instance,
    plans: list[_Reviews],
    previous: dict[str, list[Session]],
    los: dict[str, list[Session]],
    cal: SchoolCalendar,
    busy: BusyIndex,
    year: SchoolYear,
    acc: _Acc,
) -> None:
    """Hold every review of the plan re-planned that is still possible: the same number
    for its network, held by the same facilitators, on a school day both are available,
    at a time and place the stage could choose (:func:`_review_fits`) and free. A note
    says how many were kept; the others stay to be dated."""
    moments = _review_moments(instance)
    matched = []
    for rp in plans:
        before = previous.get(rp.net.id, [])
        if not before:
            continue
        days = tuple(d.toordinal() for d in rp.days if cal.available_all(rp.people, d))
        chain = Chain(
            rp.net.id, (Segment(year.id, days, tuple(t.toordinal() for t in rp.targets)),)
        )
        kept = kept_dates(chain, [b.date.toordinal() for b in before])
        if kept is None:
            continue
        held: list[int | None] = []
        for r, (b, day) in enumerate(zip(before, kept, strict=True)):
            if (
                day is None
                or b.date in rp.used
                or set(b.facilitators) != set(rp.people)
                or not _review_fits(instance, rp, b, los.get(rp.net.id, []), busy, moments)
            ):
                held.append(None)
                continue
            _add_review(
                rp.net.id, rp.people, r, year, b.date, b.start, b.end, b.location, busy, acc
            )
            rp.used.add(b.date)
            rp.todo.remove(r)
            held.append(day)
        matched.append(_KeptDates(chain, tuple(held)))
    _note_kept(acc, matched, "network(s)", ", with their times and places", "review dates")


def _review_fits(
    instance: Instance,
    rp: _Reviews,
    review: Session,
    sessions: list[Session],
    busy: BusyIndex,
    moments: list[tuple[str | None, dt.time, dt.time]],
) -> bool:
    """True when ``review`` is at a time and place :func:`_date_reviews` could choose on its
    day (a block both are available in, at one of :func:`_review_places`; or right next
    to one of the network's LOS ``sessions`` there) and its facilitators are free then."""
    day, people = review.date, rp.people
    if not busy.free(people, day, review.start, review.end, review.location):
        return False
    at = (review.start, review.end)
    if any(
        (start, end) == at and _block_available(instance, people, day, block)
        for block, start, end in moments
    ) and review.location in _review_places(instance, rp.net.location, people, day, busy):
        return True
    return any(
        s.date == day
        and s.location == review.location
        and at in {(a, b) for _, a, b in _next_to(s)}
        for s in sessions
    )


def _date_reviews(
    instance: Instance,
    plans: list[_Reviews],
    los: dict[str, list[Session]],
    cal: SchoolCalendar,
    busy: BusyIndex,
    year: SchoolYear,
    acc: _Acc,
) -> None:
    """L11: each review still to hold on the day nearest its target where both are
    available, in a block both are available and free, at the first of
    :func:`_review_places` that is free; else next to one of the network's sessions."""
    moments = _review_moments(instance)
    for rp in plans:
        net, people, used = rp.net, rp.people, rp.used
        for r in rp.todo:
            target = rp.targets[r]
            options = sorted(rp.days, key=lambda d: (abs((d - target).days), d))
            placed = False
            for day in options:
                if day in used or not cal.available_all(people, day):
                    continue
                places = _review_places(instance, net.location, people, day, busy)
                for block_id, start, end in moments:
                    if not _block_available(instance, people, day, block_id):
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
        for where, start_t, end_t in _next_to(session):
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
    kept_visits = previous_visits(plan.visits, year)
    visit_tasks = _visit_tasks(instance, plan, los, cal, busy, acc, kept_visits)

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
    by_region = list(zip(visit_tasks, visit_results, strict=True))
    arcs = _chosen_visits(plan, by_region, year, kept_visits, acc)
    # what the plan re-planned holds that is still possible is booked first, so that
    # what is dated anew plans around it
    arcs = _keep_visit_dates(instance, arcs, kept_visits, los, cal, busy, acc)
    meetings = _development_meetings(instance, plan, cal, year, acc)
    meetings = _keep_development(
        instance,
        meetings,
        previous_sessions(plan.sessions, "development", year),
        cal,
        busy,
        weekly,
        year,
        acc,
    )
    reviews = _review_plans(instance, plan, cal, year, los, acc)
    _keep_reviews(
        instance,
        reviews,
        previous_sessions(plan.sessions, "review", year),
        los,
        cal,
        busy,
        year,
        acc,
    )
    _date_visits(instance, arcs, los, cal, busy, acc)
    _date_development(instance, meetings, cal, busy, weekly, year, acc)
    _date_reviews(instance, reviews, los, cal, busy, year, acc)
    return _finish(plan, acc)


class _KeepsDates(Protocol):
    """A group matched with the plan re-planned (a BV cluster, a TN series,
    :class:`_KeptDates`): its chain of meetings and per meeting the date it keeps."""

    @property
    def chain(self) -> Chain: ...

    @property
    def kept(self) -> tuple[int | None, ...] | None: ...


def _note_kept(
    acc: _Acc,
    kept: Sequence[_KeepsDates],
    what: str,
    also: str,
    dates_of: str = "meeting dates",
) -> None:
    """A note of how many dates (``dates_of``) the groups of the plan re-planned keep."""
    if not kept:
        return
    dates = sum(1 for group in kept for day in group.kept or () if day is not None)
    total = sum(group.chain.count for group in kept)
    acc.notes.append(
        f"{len(kept)} {what} of the plan re-planned keep {dates} of their {total} "
        f"{dates_of} (those still possible){also}"
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
