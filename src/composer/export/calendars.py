"""Calendar files (iCalendar, RFC 5545) people import: per group and per person.

Built with the ``icalendar`` package, never as hand-written text. Files:

- ``ics/networks/<network>.ics`` — an LOS network's weekly sessions, its review (L11) and
  the cross-network visits it hosts (L9);
- ``ics/clusters/<cluster>.ics`` — a BV cluster's meetings;
- ``ics/tn/<network>.ics`` — a TN network's meetings, with the joint kick-off;
- ``ics/people/<person>.ics`` — everything one learner, facilitator, coordinator or TN
  participant attends (see :meth:`ExportContext.session_people`), and a facilitator's
  visits.

Times are local Dutch time: every DTSTART/DTEND carries ``TZID=Europe/Amsterdam`` and each
file holds the matching VTIMEZONE (generated from the system's time-zone database for the
years the plan spans), so summer and winter time come out right in any client.

**Weekly LOS sessions** are one recurring event per network: DTSTART is the first
session, ``RRULE:FREQ=WEEKLY;UNTIL=<last session>`` and one EXDATE for every week
in between without a session (holidays, public holidays). The occurrences are exactly
the plan's dated sessions. Should a network's sessions not share one weekday, time and
location, each such run becomes its own series. BV, TN, development and review meetings
and visits are single events.

**UIDs** are derived from the plan's ids, never from dates or times, so re-importing a
re-planned calendar updates the events instead of duplicating them (and a network's file
and a person's file name the same event with the same UID):

- ``<instance>/los-series/<network>@composer`` (a second run of a network: ``.../<network>/2``);
- ``<instance>/session/<session id>@composer`` for every single session;
- ``<instance>/visit/<visitor>/<host>@composer`` (a repeated visit: ``.../<host>/2``).

Ids cannot contain ``/``, so the parts never run together. DTSTAMP is the export's time
(clients use it to see which copy is newer). No ATTENDEE or ORGANIZER is written:
importing a file never sends invitations, and no e-mail address travels with it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar

from composer import __version__
from composer.export.context import ExportContext
from composer.model.plan import Session

TIMEZONE = "Europe/Amsterdam"
TZ = ZoneInfo(TIMEZONE)
PRODID = f"-//composer//leernetwerken plan {__version__}//NL"

_PROGRAMME_LABEL = {
    "los": "Leernetwerk",
    "bv": "Basisvaardigheden",
    "tn": "Thematisch netwerk",
    "development": "Professionalisering",
    "review": "Ontwikkelingsgericht gesprek",
}


_KIND_LABEL = {"meeting": "", "development": "", "review": "", "kickoff": "kick-off"}


def labelled(label: str, name: str) -> str:
    """``label name``, unless the name already says what it is: a network called
    "Leernetwerk St Bonifatius" or "Inductienetwerk Culemborg" keeps its own name."""
    first = name.split(maxsplit=1)[0].lower() if name.strip() else ""
    if name.lower().startswith(label.lower()) or first.endswith("netwerk"):
        return name
    return f"{label} {name}"


def uid(instance: str, kind: str, *parts: str) -> str:
    """A stable event UID: ``<instance>/<kind>/<part>/...@composer`` (see the module doc)."""
    return "/".join((instance, kind, *parts)) + "@composer"


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=TZ)


@dataclass(frozen=True)
class Series:
    """A run of weekly LOS sessions with one weekday, time and location."""

    network: str
    number: int
    sessions: tuple[Session, ...]

    @property
    def dates(self) -> list[dt.date]:
        """The dates of the sessions, ascending."""
        return sorted({s.date for s in self.sessions})


def weekly_series(network: str, sessions: list[Session]) -> list[Series]:
    """Split a network's LOS sessions into weekly runs of the same weekday, time and place."""
    runs: dict[tuple[int, dt.time, dt.time, str], list[Session]] = defaultdict(list)
    for s in sorted(sessions, key=lambda s: (s.date, s.start)):
        runs[(s.date.weekday(), s.start, s.end, s.location)].append(s)
    ordered = sorted(runs.values(), key=lambda run: (run[0].date, run[0].start))
    return [Series(network, k, tuple(run)) for k, run in enumerate(ordered, start=1)]


def exdates(dates: list[dt.date]) -> list[dt.date]:
    """Every week from the first date to the last that has no session (the exceptions)."""
    have = set(dates)
    missing = []
    day = dates[0]
    while day < dates[-1]:
        day += dt.timedelta(days=7)
        if day not in have:
            missing.append(day)
    return missing


class CalendarBuilder:
    """Builds each event once and assembles the group and person calendars from them."""

    def __init__(self, ctx: ExportContext) -> None:
        self.ctx = ctx
        self.instance = ctx.instance.name
        self._session_events: dict[str, icalendar.Event] = {}
        self._series: dict[str, list[Series]] = {}
        self._series_events: dict[tuple[str, int], icalendar.Event] = {}
        self._visit_events: dict[int, icalendar.Event] = {}
        self._bytes: dict[int, bytes] = {}  # id(component) -> its to_ical(); see calendar_bytes
        self._fixed_head: bytes | None = None
        dates = [s.date for s in ctx.plan.sessions] + [v.date for v in ctx.plan.visits]
        first = min(dates, default=dt.date(2000, 1, 1))
        last = max(dates, default=dt.date(2000, 1, 1))
        self.timezone = icalendar.Timezone.from_tzinfo(
            TZ,
            tzid=TIMEZONE,
            first_date=dt.date(first.year - 1, 1, 1),
            last_date=dt.date(last.year + 2, 1, 1),
        )
        for net in ctx.plan.networks:
            los = [s for s in ctx.sessions_by_group.get(net.id, []) if s.programme == "los"]
            self._series[net.id] = weekly_series(net.id, los)
        visit_numbers: dict[tuple[str, str], int] = defaultdict(int)
        self._visit_uid: dict[int, str] = {}
        for i, visit in sorted(
            enumerate(ctx.plan.visits), key=lambda iv: (iv[1].date, iv[1].visitor, iv[1].host)
        ):
            visit_numbers[(visit.visitor, visit.host)] += 1
            n = visit_numbers[(visit.visitor, visit.host)]
            parts = (visit.visitor, visit.host) + ((str(n),) if n > 1 else ())
            self._visit_uid[i] = uid(self.instance, "visit", *parts)

    # ------------------------------------------------------------------ texts
    def _title(self, session: Session) -> str:
        ctx = self.ctx
        label = _PROGRAMME_LABEL.get(session.programme, session.programme)
        group = ctx.group_name(session.group) or session.group
        kind = _KIND_LABEL.get(session.kind, session.kind)
        if session.programme == "development":
            return f"{label} SO/IO-duo's" + (f" ({kind})" if kind else "")
        if session.programme == "review":
            return f"{label} {group}"
        if session.group == "all":
            return f"{label}: {kind or 'gezamenlijke bijeenkomst'}"
        return labelled(label, group) + (f" ({kind})" if kind else "")

    def _description(self, session: Session) -> str:
        ctx, names = self.ctx, self.ctx.names
        group = "gezamenlijk" if session.group == "all" else session.group
        lines = [f"{_PROGRAMME_LABEL.get(session.programme, session.programme)} — {group}"]
        if session.facilitators:
            lines.append(f"Begeleiding: {names.people(session.facilitators)}")
        members, leaders = ctx.group_people.get(session.group, (set(), set()))
        if session.programme == "los":
            if leaders and not session.facilitators:
                lines.append(f"Begeleiding: {names.people(sorted(leaders))}")
            lines.append(f"Deelnemers: {len(members) or len(session.attendees)}")
        elif session.programme == "bv":
            schools = next((c.schools for c in ctx.plan.clusters if c.id == session.group), ())
            lines.append("Scholen: " + ", ".join(names.place(s) for s in schools))
            if leaders and not session.facilitators:
                lines.append(f"Coördinator: {names.people(sorted(leaders))}")
        elif session.attendees:
            lines.append(f"Deelnemers: {names.people(session.attendees)}")
        if session.helpers:
            lines.append(f"Voorbereiding: {names.people(session.helpers)}")
        lines.append(f"Locatie: {ctx.location_text(session.location)}")
        lines.append(f"Plan: {ctx.plan.instance} (composer)")
        return "\n".join(lines)

    def _base_event(
        self, event_uid: str, summary: str, description: str, place: str, categories: str
    ) -> icalendar.Event:
        event = icalendar.Event()
        event.add("uid", event_uid)
        event.add("dtstamp", self.ctx.now.astimezone(dt.UTC))
        event.add("summary", summary)
        event.add("description", description)
        if place:
            event.add("location", self.ctx.location_text(place))
            coordinates = self.ctx.coordinates(place)
            if coordinates is not None:
                event.add("geo", coordinates)
        event.add("categories", [categories])
        return event

    # ------------------------------------------------------------------ events
    def session_event(self, session: Session) -> icalendar.Event:
        """A single event for one dated session."""
        cached = self._session_events.get(session.id)
        if cached is not None:
            return cached
        event = self._base_event(
            uid(self.instance, "session", session.id),
            self._title(session),
            self._description(session),
            session.location,
            session.programme,
        )
        event.add("dtstart", _local(session.date, session.start))
        event.add("dtend", _local(session.date, session.end))
        self._session_events[session.id] = event
        return event

    def series_event(self, series: Series) -> icalendar.Event:
        """One recurring event: weekly from the first to the last session, holidays excepted."""
        key = (series.network, series.number)
        cached = self._series_events.get(key)
        if cached is not None:
            return cached
        first = series.sessions[0]
        parts = (series.network,) + ((str(series.number),) if series.number > 1 else ())
        event = self._base_event(
            uid(self.instance, "los-series", *parts),
            self._title(first),
            self._description(first),
            first.location,
            "los",
        )
        dates = series.dates
        event.add("dtstart", _local(dates[0], first.start))
        event.add("dtend", _local(dates[0], first.end))
        if len(dates) > 1:
            until = _local(dates[-1], first.start).astimezone(dt.UTC)
            event.add("rrule", {"freq": "weekly", "until": until})
            skipped = exdates(dates)
            if skipped:
                event.add("exdate", [_local(d, first.start) for d in skipped])
        self._series_events[key] = event
        return event

    def visit_event(self, index: int) -> icalendar.Event:
        """A cross-network visit (L9) at the host network's location and slot."""
        cached = self._visit_events.get(index)
        if cached is not None:
            return cached
        ctx, visit = self.ctx, self.ctx.plan.visits[index]
        duo = ctx.visit_facilitators(visit)
        description = "\n".join(
            [
                f"Netwerkbezoek (L9): het duo van {visit.visitor} bezoekt {visit.host}",
                f"Bezoekers: {ctx.names.people(duo)}" if duo else "",
                f"Plan: {ctx.plan.instance} (composer)",
            ]
        ).replace("\n\n", "\n")
        event = self._base_event(
            self._visit_uid[index],
            "Bezoek aan " + labelled("leernetwerk", ctx.group_name(visit.host) or visit.host),
            description,
            ctx.visit_location(visit),
            "visit",
        )
        times = ctx.visit_times(visit)
        if times is not None:
            event.add("dtstart", _local(visit.date, times[0]))
            event.add("dtend", _local(visit.date, times[1]))
        else:
            event.add("dtstart", visit.date)  # an all-day event when no time is known
            event.add("dtend", visit.date + dt.timedelta(days=1))
        self._visit_events[index] = event
        return event

    def events_for_sessions(self, sessions: list[Session]) -> list[icalendar.Event]:
        """Events for a set of sessions: LOS series where the whole series is included."""
        chosen = {s.id for s in sessions}
        events: list[icalendar.Event] = []
        covered: set[str] = set()
        for net_id in sorted({s.group for s in sessions if s.programme == "los"}):
            for series in self._series.get(net_id, []):
                ids = {s.id for s in series.sessions}
                if ids <= chosen:
                    events.append(self.series_event(series))
                    covered |= ids
        for session in sorted(sessions, key=lambda s: (s.date, s.start, s.id)):
            if session.id not in covered:
                events.append(self.session_event(session))
        return events

    # ------------------------------------------------------------------ calendars
    def calendar(self, name: str, events: list[icalendar.Event]) -> icalendar.Calendar:
        """A VCALENDAR with the Amsterdam VTIMEZONE and ``events``."""
        cal = self._head(name)
        cal.add_component(self.timezone)
        for event in events:
            cal.add_component(event)
        return cal

    def _head(self, name: str) -> icalendar.Calendar:
        cal = self._constant_head()
        cal.add("name", name)
        cal.add("x-wr-calname", name)
        return cal

    @staticmethod
    def _constant_head() -> icalendar.Calendar:
        cal = icalendar.Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-timezone", TIMEZONE)
        return cal

    def _component_bytes(self, component: icalendar.cal.Component) -> bytes:
        # keyed by id(): every component is kept alive by the builder's caches
        key = id(component)
        cached = self._bytes.get(key)
        if cached is None:
            cached = self._bytes[key] = component.to_ical()
        return cached

    def calendar_bytes(self, name: str, events: list[icalendar.Event]) -> bytes:
        """The text of ``calendar(name, events)``, with every component serialised once.

        An event appears in its group's file and in the file of everyone attending it (a
        weekly series in some twenty files), and the VTIMEZONE and the calendar's fixed
        properties in every file; the ``icalendar`` package serialises each anew every
        time, which made the national export take minutes. A VCALENDAR's text is its
        properties (in any order, RFC 5545 3.6) followed by its components, so this joins
        texts the package wrote once: the fixed properties, the two naming properties of
        this file, the VTIMEZONE and each event. It parses to the same calendar as
        :meth:`calendar` (``tests/test_export.py`` compares them).
        """
        if self._fixed_head is None:
            self._fixed_head = _inner_lines(self._constant_head().to_ical())
        naming = icalendar.Calendar()
        naming.add("name", name)
        naming.add("x-wr-calname", name)
        parts = [_BEGIN_CALENDAR, self._fixed_head, _inner_lines(naming.to_ical())]
        parts.append(self._component_bytes(self.timezone))
        parts += [self._component_bytes(event) for event in events]
        parts.append(_END_CALENDAR)
        return b"".join(parts)

    def group_events(self) -> dict[str, tuple[str, list[icalendar.Event]]]:
        """Relative path → (calendar name, events) of every network, cluster and TN network."""
        ctx = self.ctx
        out: dict[str, tuple[str, list[icalendar.Event]]] = {}
        joint_tn = [s for s in ctx.sessions_by_group.get("all", []) if s.programme == "tn"]
        hosted: dict[str, list[int]] = defaultdict(list)
        for i, visit in enumerate(ctx.plan.visits):
            hosted[visit.host].append(i)
        for net in ctx.plan.networks:
            events = self.events_for_sessions(ctx.sessions_by_group.get(net.id, []))
            events += [self.visit_event(i) for i in hosted.get(net.id, [])]
            if events:
                label = ctx.group_name(net.id) or net.id
                out[f"networks/{net.id}.ics"] = (labelled("Leernetwerk", label), events)
        for cluster in ctx.plan.clusters:
            events = self.events_for_sessions(ctx.sessions_by_group.get(cluster.id, []))
            if events:
                out[f"clusters/{cluster.id}.ics"] = (f"Basisvaardigheden {cluster.id}", events)
        for tn in ctx.plan.tn_networks:
            sessions = joint_tn + ctx.sessions_by_group.get(tn.id, [])
            events = self.events_for_sessions(sessions)
            if events:
                label = ctx.group_name(tn.id) or tn.id
                out[f"tn/{tn.id}.ics"] = (labelled("Thematisch netwerk", label), events)
        return out

    def person_events(self) -> dict[str, tuple[str, list[icalendar.Event]]]:
        """Relative path → (calendar name, events) of every person who attends something."""
        ctx = self.ctx
        visits_of: dict[str, list[int]] = defaultdict(list)
        for i, visit in enumerate(ctx.plan.visits):
            for fid in ctx.visit_facilitators(visit):
                visits_of[fid].append(i)
        people = sorted(set(ctx.sessions_of_person) | set(visits_of))
        out: dict[str, tuple[str, list[icalendar.Event]]] = {}
        for pid in people:
            events = self.events_for_sessions(ctx.sessions_of_person.get(pid, []))
            events += [self.visit_event(i) for i in visits_of.get(pid, [])]
            out[f"people/{pid}.ics"] = (f"Rooster {ctx.names.person(pid)}", events)
        return out

    def group_calendars(self) -> dict[str, icalendar.Calendar]:
        """Relative path → calendar, for every network, cluster and TN network with events."""
        return {path: self.calendar(*named) for path, named in self.group_events().items()}

    def person_calendars(self) -> dict[str, icalendar.Calendar]:
        """Relative path → calendar, for every person who attends something."""
        return {path: self.calendar(*named) for path, named in self.person_events().items()}


_BEGIN_CALENDAR = b"BEGIN:VCALENDAR\r\n"
_END_CALENDAR = b"END:VCALENDAR\r\n"


def _inner_lines(text: bytes) -> bytes:
    """A serialised VCALENDAR without its BEGIN and END lines (its properties)."""
    if not (text.startswith(_BEGIN_CALENDAR) and text.endswith(_END_CALENDAR)):
        raise RuntimeError("icalendar wrote a calendar without BEGIN/END:VCALENDAR")
    return text[len(_BEGIN_CALENDAR) : -len(_END_CALENDAR)]


def write_calendars(ctx: ExportContext, folder: Path) -> list[Path]:
    """Write every group and person calendar under ``folder``; returns the files written."""
    builder = CalendarBuilder(ctx)
    written = []
    calendars = {**builder.group_events(), **builder.person_events()}
    for sub in {Path(relative).parent for relative in calendars}:
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for relative, (name, events) in calendars.items():
        path = folder / relative
        path.write_bytes(builder.calendar_bytes(name, events))
        written.append(path)
    return written
