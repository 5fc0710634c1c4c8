"""The school calendar of an instance: school days and weeks per holiday region (DOMAIN.md §4).

Plain Python shared by the calendar solver, the checker and the exports, so all three
agree on what a school day is. Everything comes from the instance, nothing is a constant:

- a *school day* for a holiday region is a date inside one of ``calendar.school_years``,
  on one of ``calendar.weekdays`` (C1), outside that region's ``calendar.holidays`` (first
  and last day inclusive, C2) and not one of ``calendar.public_holidays`` (C3);
- the holiday region of a place is the school's ``holiday_region``, or the institution's
  when it has one (an institution without one only avoids public holidays);
- a *school week* of a region is a Monday-to-Sunday week holding at least one of its
  school days; a weekly slot occurs on its weekday in every school week where that
  weekday is a school day (L4: a network does not meet in its location's holidays);
- someone (a person or a school) listed in ``instance.unavailability`` is not scheduled
  between the first and last day of that row (C4).

:class:`BusyIndex` records who is where when (sessions and visits) and answers "is this
person free for that meeting, travel included?" for the solver and the checker alike.

Use :func:`school_calendar` to get the (cached) :class:`SchoolCalendar` of an instance.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from composer.model.base import WEEKDAYS, HolidayRegion, Weekday
from composer.model.index import great_circle_km
from composer.model.instance import Instance, SchoolYear
from composer.model.plan import Plan, PlannedNetwork, PlannedTnNetwork

ONE_DAY = dt.timedelta(days=1)


def weekday_of(day: dt.date) -> Weekday:
    """The weekday name (``mon``..``sun``) of a date."""
    return WEEKDAYS[day.weekday()]


def month_of(day: dt.date) -> int:
    """A month number that grows by one per calendar month (``year * 12 + month - 1``).

    Two dates share a calendar month exactly when their ``month_of`` is equal (B6: at
    most one meeting a month); consecutive months differ by one across a new year.
    """
    return day.year * 12 + day.month - 1


def month_label(month: int) -> str:
    """``2026-10`` for the :func:`month_of` number of October 2026."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def minutes(t: dt.time) -> int:
    """Minutes since midnight of a time of day."""
    return t.hour * 60 + t.minute


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())


def date_range(first: dt.date, last: dt.date) -> Iterable[dt.date]:
    """Every date from ``first`` to ``last`` inclusive."""
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


class SchoolCalendar:
    """School days, school weeks and unavailability of one instance (read-only)."""

    def __init__(self, instance: Instance) -> None:
        cal = instance.calendar
        self.instance = instance
        self.weekdays: frozenset[int] = frozenset(WEEKDAYS.index(d) for d in cal.weekdays)
        self.years: tuple[SchoolYear, ...] = tuple(sorted(cal.school_years, key=lambda y: y.start))
        self._year_starts = [y.start for y in self.years]
        self._year_by_id = {y.id: y for y in self.years}
        self._holidays: dict[str, dict[dt.date, str]] = defaultdict(dict)
        for hol in cal.holidays:
            for day in date_range(hol.start, hol.end):
                self._holidays[hol.holiday_region][day] = hol.name
        self._public: dict[dt.date, str] = {p.date: p.name for p in cal.public_holidays}
        self._unavailable: dict[str, list[tuple[dt.date, dt.date, str]]] = defaultdict(list)
        for row in instance.unavailability:
            self._unavailable[row.who].append((row.start, row.end, row.reason))
        self._school_days_cache: dict[tuple[str, tuple[str | None, ...]], list[dt.date]] = {}

    # ------------------------------------------------------------------ years
    def year(self, year_id: str) -> SchoolYear:
        """The school year with this id (KeyError when unknown)."""
        return self._year_by_id[year_id]

    def year_of(self, day: dt.date) -> SchoolYear | None:
        """The school year holding ``day``, or None when it falls outside every year."""
        i = bisect_right(self._year_starts, day) - 1
        if i >= 0 and self.years[i].start <= day <= self.years[i].end:
            return self.years[i]
        return None

    def plan_year(self) -> SchoolYear | None:
        """The year LOS sessions are planned for: ``calendar.plan_year``, else the first."""
        wanted = self.instance.calendar.plan_year
        if wanted is not None:
            return self._year_by_id.get(wanted)
        return self.years[0] if self.years else None

    def years_from(self, first_id: str | None, count: int) -> list[SchoolYear]:
        """``count`` consecutive school years from ``first_id`` (the first year when None).

        Shorter than ``count`` when the calendar lists fewer years; callers report that.
        """
        if not self.years:
            return []
        start = 0
        if first_id is not None:
            ids = [y.id for y in self.years]
            if first_id not in ids:
                return []
            start = ids.index(first_id)
        return list(self.years[start : start + count])

    # ------------------------------------------------------------------ days
    def holiday_name(self, day: dt.date, region: str | None) -> str | None:
        """The school holiday of ``region`` covering ``day`` (C2), or None."""
        if region is None:
            return None
        return self._holidays.get(region, {}).get(day)

    def public_holiday_name(self, day: dt.date) -> str | None:
        """The public holiday on ``day`` (C3), or None."""
        return self._public.get(day)

    def why_not_school_day(self, day: dt.date, region: str | None) -> str | None:
        """None for a school day of ``region``; else the reason, in a planner's words."""
        if self.year_of(day) is None:
            return f"{day} is outside every school year"
        if day.weekday() not in self.weekdays:
            return f"{day} is a {weekday_of(day)}, not a planning weekday"
        public = self._public.get(day)
        if public is not None:
            return f"{day} is a public holiday ({public})"
        holiday = self.holiday_name(day, region)
        if holiday is not None:
            return f"{day} falls in {holiday} of holiday region {region}"
        return None

    def is_school_day(self, day: dt.date, region: str | None) -> bool:
        """True when ``day`` is a school day in holiday region ``region`` (C1-C3)."""
        return (
            day.weekday() in self.weekdays
            and day not in self._public
            and (region is None or day not in self._holidays.get(region, {}))
            and self.year_of(day) is not None
        )

    def is_school_day_all(self, day: dt.date, regions: Iterable[str | None]) -> bool:
        """True when ``day`` is a school day in every one of ``regions``."""
        return all(self.is_school_day(day, r) for r in regions)

    def school_days(
        self,
        year: SchoolYear,
        regions: Iterable[str | None],
        weekdays: Iterable[str] | None = None,
    ) -> list[dt.date]:
        """The school days of ``year`` shared by all ``regions``, optionally only on
        ``weekdays`` (e.g. ``bv.meeting_weekdays``), in date order."""
        region_key = tuple(sorted(set(regions), key=lambda r: r or ""))
        key = (year.id, region_key)
        days = self._school_days_cache.get(key)
        if days is None:
            days = [
                d
                for d in date_range(year.start, year.end)
                if self.is_school_day_all(d, region_key or (None,))
            ]
            self._school_days_cache[key] = days
        if weekdays is None:
            return list(days)
        allowed = {WEEKDAYS.index(w) for w in weekdays}
        return [d for d in days if d.weekday() in allowed]

    def school_weeks(self, year: SchoolYear, region: str | None) -> list[dt.date]:
        """The Mondays of the weeks of ``year`` holding at least one school day of ``region``."""
        return sorted({week_start(d) for d in self.school_days(year, [region])})

    def weekly_dates(self, year: SchoolYear, weekday: str, region: str | None) -> list[dt.date]:
        """The dated occurrences of a weekly slot on ``weekday`` in ``year`` (L4): every
        school week, skipping the region's holidays and public holidays."""
        return self.school_days(year, [region], [weekday])

    # ------------------------------------------------------------------ people
    def unavailable(self, who: str, day: dt.date) -> str | None:
        """None when ``who`` (a person or school) may be scheduled on ``day`` (C4); else
        the reason (``unavailable 2026-11-02..2026-11-06: course``)."""
        for start, end, reason in self._unavailable.get(who, ()):
            if start <= day <= end:
                tail = f": {reason}" if reason else ""
                return f"unavailable {start}..{end}{tail}"
        return None

    def available_all(self, who: Iterable[str], day: dt.date) -> bool:
        """True when none of ``who`` is unavailable on ``day``."""
        return all(self.unavailable(w, day) is None for w in who)

    def has_unavailability(self, who: str) -> bool:
        """True when ``who`` has any unavailability row."""
        return who in self._unavailable


def school_calendar(instance: Instance) -> SchoolCalendar:
    """The :class:`SchoolCalendar` of ``instance``, built once and kept on its index."""
    idx = instance.index
    cached: SchoolCalendar | None = getattr(idx, "_school_calendar", None)
    if cached is None or cached.instance is not instance:
        cached = SchoolCalendar(instance)
        idx._school_calendar = cached  # type: ignore[attr-defined]
    return cached


# --------------------------------------------------------------------------- places


def holiday_region_of(instance: Instance, place: str) -> HolidayRegion | None:
    """The holiday region of a school or institution (None for an institution without one
    or an unknown id: then only public holidays apply)."""
    idx = instance.index
    if place in idx.school:
        return instance.schools[idx.school[place]].holiday_region
    if place in idx.institution:
        return instance.institutions[idx.institution[place]].holiday_region
    return None


def is_school_day_at(instance: Instance, day: dt.date, place: str) -> bool:
    """True when ``day`` is a school day at ``place`` (a school or institution)."""
    return school_calendar(instance).is_school_day(day, holiday_region_of(instance, place))


def place_coordinates(instance: Instance, place: str) -> tuple[float, float] | None:
    """(lat, lon) of a school or institution, None when unknown."""
    idx = instance.index
    if place in idx.school:
        school = instance.schools[idx.school[place]]
        return school.lat, school.lon
    if place in idx.institution:
        inst = instance.institutions[idx.institution[place]]
        if inst.lat is not None and inst.lon is not None:
            return inst.lat, inst.lon
    return None


def travel_minutes_between(instance: Instance, a: str, b: str) -> int:
    """Whole minutes of travel between two places (schools or institutions).

    Between schools :meth:`InstanceIndex.travel_minutes` (measured times win); with an
    institution the great-circle estimate of ``instance.travel``; 0 when a place has no
    coordinates (then travel cannot be judged and is not required).
    """
    if a == b:
        return 0
    idx = instance.index
    if a in idx.school and b in idx.school:
        return idx.travel_minutes(idx.school[a], idx.school[b])
    pa, pb = place_coordinates(instance, a), place_coordinates(instance, b)
    if pa is None or pb is None:
        return 0
    settings = instance.travel
    km = great_circle_km(pa[0], pa[1], pb[0], pb[1]) * settings.detour_factor
    return round(km / settings.speed_kmh * 60.0)


def medoid_place(instance: Instance, candidates: Sequence[str], origins: Sequence[str]) -> str:
    """The candidate place with the least total travel from ``origins`` (ties: first)."""
    best, best_cost = candidates[0], math.inf
    for cand in candidates:
        cost = sum(travel_minutes_between(instance, o, cand) for o in origins)
        if cost < best_cost:
            best, best_cost = cand, cost
    return best


# --------------------------------------------------------------------------- busy times


@dataclass(frozen=True)
class Busy:
    """One commitment of a person: a meeting on a date, from-to minutes, at a place."""

    day: dt.date
    start: int
    end: int
    place: str
    label: str


class BusyIndex:
    """Who is committed where and when; answers whether a new meeting fits (L5, T4, B6).

    Two meetings of one person clash when they overlap in time, or when they are on the
    same day at different places and the gap between them is shorter than the travel
    time between the places (DOMAIN.md L5: travel between locations takes time).
    """

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self._busy: dict[str, dict[dt.date, list[Busy]]] = defaultdict(lambda: defaultdict(list))

    def add(
        self,
        person: str,
        day: dt.date,
        start: dt.time,
        end: dt.time,
        place: str,
        label: str,
    ) -> None:
        """Record that ``person`` attends ``label`` on ``day`` from ``start`` to ``end``."""
        self._busy[person][day].append(Busy(day, minutes(start), minutes(end), place, label))

    def on_day(self, person: str, day: dt.date) -> list[Busy]:
        """Every commitment of ``person`` on ``day``."""
        per_person = self._busy.get(person)
        if per_person is None:
            return []
        return per_person.get(day, [])

    def days(self, person: str) -> set[dt.date]:
        """The days ``person`` has any commitment."""
        per_person = self._busy.get(person)
        return {d for d, items in per_person.items() if items} if per_person else set()

    def people(self) -> list[str]:
        """Everyone with a commitment."""
        return list(self._busy)

    def clash(
        self,
        a: Busy,
        b: Busy,
    ) -> bool:
        """True when one person cannot attend both ``a`` and ``b`` (overlap or travel)."""
        if a.day != b.day:
            return False
        if a.start < b.end and b.start < a.end:
            return True
        first, second = (a, b) if a.start <= b.start else (b, a)
        if first.place == second.place:
            return False
        return second.start - first.end < travel_minutes_between(
            self.instance, first.place, second.place
        )

    def conflict(
        self,
        person: str,
        day: dt.date,
        start: dt.time,
        end: dt.time,
        place: str,
    ) -> Busy | None:
        """The commitment of ``person`` that keeps them from this meeting, or None."""
        new = Busy(day, minutes(start), minutes(end), place, "")
        for item in self.on_day(person, day):
            if self.clash(item, new):
                return item
        return None

    def free(
        self,
        people: Iterable[str],
        day: dt.date,
        start: dt.time,
        end: dt.time,
        place: str,
    ) -> bool:
        """True when every one of ``people`` can attend this meeting."""
        return all(self.conflict(p, day, start, end, place) is None for p in people)


# --------------------------------------------------------------------------- groups


def tn_groups(instance: Instance, plan: Plan) -> tuple[tuple[PlannedTnNetwork, ...], list[str]]:
    """The TN groups to schedule: ``plan.tn_networks``, else derived from the pins
    (``participant.network``); notes about participants left out. A plan composed by the
    TN stage is taken as it is, even when it holds no network (none could be held)."""
    composed = plan.stages.get("tn")
    if plan.tn_networks or (composed is not None and composed.status in {"optimal", "feasible"}):
        return plan.tn_networks, []
    notes: list[str] = []
    members: dict[str, list[str]] = defaultdict(list)
    loose = []
    for part in instance.tn.participants:
        if part.network is None:
            loose.append(part.id)
        else:
            members[part.network].append(part.id)
    groups = tuple(
        PlannedTnNetwork(
            id=net.id, participants=tuple(members[net.id]), facilitator=net.facilitator
        )
        for net in instance.tn.networks
        if members.get(net.id)
    )
    if loose and instance.tn.networks:
        notes.append(
            f"[T3] {len(loose)} TN participant(s) are in no network (no pin and no tn "
            f"stage result): {', '.join(loose[:10])}{' ...' if len(loose) > 10 else ''}; "
            "they get no meetings"
        )
    empty = [n.id for n in instance.tn.networks if not members.get(n.id)]
    if empty and groups:
        notes.append(f"[T1] TN networks without participants are not scheduled: {', '.join(empty)}")
    return groups, notes


def duo_networks(instance: Instance, plan: Plan) -> dict[str, list[PlannedNetwork]]:
    """Networks led by an SO/IO duo (a facilitator with role instituutsopleider), per region."""
    idx = instance.index
    out: dict[str, list[PlannedNetwork]] = defaultdict(list)
    for net in plan.networks:
        roles = {idx.facilitator_of(f).role for f in net.facilitators if f in idx.facilitator}
        if "instituutsopleider" in roles:
            out[net.region].append(net)
    return out


def development_institutions(instance: Instance, nets: Sequence[PlannedNetwork]) -> list[str]:
    """L10: the HU/UU institutions of a region's duos (their networks' and IOs'
    institutions), most linked first."""
    idx = instance.index
    count: dict[str, int] = defaultdict(int)
    for net in nets:
        linked = set()
        if net.id in idx.network and idx.network_of(net.id).institution:
            linked.add(idx.network_of(net.id).institution)
        for f in net.facilitators:
            if f in idx.facilitator:
                fac = idx.facilitator_of(f)
                if fac.role == "instituutsopleider" and fac.institution:
                    linked.add(fac.institution)
        for inst in linked:
            if inst is not None and inst in idx.institution:
                count[inst] += 1
    return sorted(count, key=lambda i: (-count[i], i))


@dataclass(frozen=True)
class TnSeriesSettings:
    """A TN network's series settings, the network row's value else the programme's (T1, T5)."""

    kickoff_date: dt.date | None
    kickoff_location: str | None
    series_length: int
    helpers_per_meeting: int


def tn_series_settings(instance: Instance, network: str) -> TnSeriesSettings:
    """The kick-off, series length and helpers of TN network ``network``."""
    tn = instance.tn
    idx = instance.index
    row = tn.networks[idx.tn_network[network]] if network in idx.tn_network else None
    if row is None:
        return TnSeriesSettings(tn.kickoff_date, tn.kickoff_location, tn.series_length, 1)
    return TnSeriesSettings(
        row.kickoff_date or tn.kickoff_date,
        row.kickoff_location or tn.kickoff_location,
        row.series_length or tn.series_length,
        row.helpers_per_meeting,
    )
