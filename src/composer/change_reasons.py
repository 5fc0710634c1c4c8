"""Why each session and visit of a re-plan changed: the reason ``composer whatif``'s diff
gives beside every session and visit it lists as added, removed or changed.

A reason is derived from the two instances (the baseline's and the changed one) and the
two plans, never guessed:

- what about a session's old date no longer holds under the changed instance, and held
  under the baseline's: the day falls outside the school year or on a day that is no
  planning weekday any more (C1), in a school holiday of the holiday region of its place
  or of a member school (C2, naming the holiday), on a public holiday (C3, naming it);
  someone of the session or a member school is unavailable (C4, naming the person and
  the unavailability row); a leader does not work on that weekday (a new coordinator
  whose days differ, B4);
- what changed about its group: an LOS network closed, new, re-slotted (L1, L4), its
  facilitators or place (L5, L7); a BV cluster dissolved or formed anew (B8, B2), its
  coordinator (B4), a host school that left the cluster or BV (B5); a TN network not
  held (T7), a participant or host school that left it (T2, T5), its series shortened
  (T1); fewer BV meetings a year (B6), fewer development meetings or reviews (L10, L11);
  the places a development meeting may be held (L10);
- the calendar stage's own word that it dated a group anew because the dates it kept no
  longer fitted together (``[B6]``/``[T4]``/``[L9]`` notes of the re-plan), or a
  commitment of one of the session's people at its old time that the stage planned
  before the session (nobody is in two places at once).

Where none of these applies, the reason is :data:`FALLBACK` ("moved to keep the calendar
valid around other changes"), without a rule: a reason is never invented.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from composer.bv_rules import is_bv_eligible
from composer.calendar import (
    Busy,
    BusyIndex,
    SchoolCalendar,
    development_institutions,
    duo_networks,
    holiday_region_of,
    minutes,
    school_calendar,
    tn_series_settings,
    weekday_of,
)
from composer.model.instance import Facilitator, Instance
from composer.model.plan import Plan, PlannedNetwork


@dataclass(frozen=True)
class Why:
    """One reason: the rule id (empty when no rule can be told) and a planner's sentence."""

    rule: str
    text: str


FALLBACK = Why("", "moved to keep the calendar valid around other changes")
"""The reason of a change none of the instance's or the plans' differences explains."""

_DAYS = {
    "mon": "Mondays",
    "tue": "Tuesdays",
    "wed": "Wednesdays",
    "thu": "Thursdays",
    "fri": "Fridays",
    "sat": "Saturdays",
    "sun": "Sundays",
}
_LEADER_RULE = {"los": "L5", "review": "L5", "development": "L10", "bv": "B4", "tn": "T4"}
"""The rule about who leads a session of the programme (present, on their days)."""
_BUSY_RULE = {"los": "L5", "review": "L5", "development": "L5", "visit": "L5", "bv": "B6"}
"""The rule that keeps a person from two meetings at once, per programme (TN: T4)."""
_STEP = {"los": 1, "kickoff": 1, "tn": 2, "bv": 2, "visit": 3, "development": 4, "review": 5}
"""The order in which the calendar stage books what it keeps: a session's old moment can
only have been taken by something booked before it."""


def why_data(causes: list[Why]) -> dict[str, Any]:
    """The ``why`` field of a change in ``diff.json``: the first cause's rule and text, and
    the further causes (``also``) when the change has several."""
    first, *more = causes
    data: dict[str, Any] = {"rule": first.rule, "text": first.text}
    if more:
        data["also"] = [{"rule": w.rule, "text": w.text} for w in more]
    return data


def why_text(why: dict[str, Any]) -> str:
    """A ``why`` field as the diff prints it: ``[C2] the day now falls in ...``."""
    parts = [why, *why.get("also", [])]
    return "; ".join(f"[{p['rule']}] {p['text']}" if p["rule"] else p["text"] for p in parts)


def attach_reasons(
    old_instance: Instance,
    new_instance: Instance,
    before: Plan,
    after: Plan,
    sessions: list[dict[str, Any]],
    visits: list[dict[str, Any]],
    names: dict[str, str] | None = None,
    notes: Iterable[str] = (),
) -> None:
    """Add a ``why`` field (:func:`why_data`) to every session and visit change of the
    diff: ``old_instance`` is the baseline's instance, ``new_instance`` the one ``after``
    was planned for; ``notes`` are the re-plan's notes (a cluster re-formed, ...)."""
    reasons = Reasons(old_instance, new_instance, before, after, names or {}, list(notes))
    removed_visits = {c["visitor"]: c for c in visits if c["change"] == "removed"}
    for c in visits:
        if c["change"] == "removed":
            c["why"] = why_data(reasons.visit(c))
    for c in visits:
        if c["change"] != "removed":
            c["why"] = why_data(reasons.visit(c, removed_visits.get(c["visitor"])))
    for c in sessions:
        if c["change"] == "removed":
            c["why"] = why_data(reasons.session(c))
    kickoffs = [c for c in sessions if c["change"] == "removed" and c["group"] == "all"]
    for c in sessions:
        if c["change"] != "removed":
            c["why"] = why_data(reasons.session(c, kickoffs))


# --------------------------------------------------------------------------- one side


class _Side:
    """One instance with the plan made for it (the baseline's, or the re-plan's)."""

    def __init__(self, instance: Instance, plan: Plan) -> None:
        self.instance = instance
        self.plan = plan
        self.cal: SchoolCalendar = school_calendar(instance)
        self.idx = instance.index
        self.networks = {n.id: n for n in plan.networks}
        self.clusters = {c.id: c for c in plan.clusters}
        self.tn = {t.id: t for t in plan.tn_networks}
        self.unplaced = {(u.what, u.id): u for u in plan.unplaced}
        self.rows: dict[str, list[Any]] = defaultdict(list)
        for row in instance.unavailability:
            self.rows[row.who].append(row)
        self.part_school = {p.id: p.school for p in instance.tn.participants}

    def facilitator(self, fid: str | None) -> Facilitator | None:
        return (
            None if fid is None or fid not in self.idx.facilitator else self.idx.facilitator_of(fid)
        )

    def eligible(self, school: str) -> bool:
        """B1: the school is in the instance, subsidised and without individual support."""
        if school not in self.idx.school:
            return False
        return is_bv_eligible(self.idx.school_of(school))

    def schools_of(self, participants: Iterable[str]) -> list[str]:
        return list(
            dict.fromkeys(self.part_school[p] for p in participants if p in self.part_school)
        )


@dataclass
class _Group:
    """What changed about a session's group (network, cluster, TN network, region)."""

    gone: Why | None = None
    new: Why | None = None
    leaders: Why | None = None
    place: Why | None = None
    slot: Why | None = None
    count: Why | None = None
    settings: list[Why] = field(default_factory=list)
    anew: Why | None = None
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Blocker:
    """Something that rules a moment out on one side: its key (to compare the sides), the
    rule, and the sentence when it is new (``now``) or no longer there (``gone``)."""

    key: tuple[Any, ...]
    rule: str
    now: str
    gone: str


# --------------------------------------------------------------------------- reasons


class Reasons:
    """The reasons of one diff's session and visit changes (see the module doc)."""

    def __init__(
        self,
        old_instance: Instance,
        new_instance: Instance,
        before: Plan,
        after: Plan,
        names: dict[str, str],
        notes: list[str],
    ) -> None:
        self.old = _Side(old_instance, before)
        self.new = _Side(new_instance, after)
        self.names = names
        self.notes = notes
        self._groups: dict[tuple[str, str], _Group] = {}
        self._anew = _dated_anew(
            after.stages["calendar"].notes if "calendar" in after.stages else ()
        )
        self._busy: (
            tuple[BusyIndex, dict[tuple[str, dt.date], list[tuple[Busy, int, bool]]]] | None
        ) = None
        self._kept_before: set[tuple[str, str, dt.date, int]] = set()

    # ---------------------------------------------------------------- words

    def who(self, item: str) -> str:
        name = self.names.get(item, "")
        return f"{item} {name}" if name and name != item else item

    def people(self, items: Iterable[str]) -> str:
        return ", ".join(self.who(i) for i in items) or "-"

    # ---------------------------------------------------------------- sessions

    def session(self, c: dict[str, Any], kickoffs: Sequence[dict[str, Any]] = ()) -> list[Why]:
        """The causes of one session change (at least one: :data:`FALLBACK`); ``kickoffs``:
        the TN kick-offs no longer held (with their ``why``), one of which a new kick-off
        replaces."""
        if c["change"] == "removed":
            causes = self._removed(c)
        elif c["change"] == "added":
            causes = self._added(c)
            if not causes and c["group"] == "all" and kickoffs and "why" in kickoffs[0]:
                old = kickoffs[0]
                causes = [
                    Why(
                        old["why"]["rule"],
                        f"it replaces the kick-off of {old['before']['date']}: "
                        f"{old['why']['text']}",
                    )
                ]
        else:
            causes = self._changed(c)
        return _unique(causes) or [FALLBACK]

    def _group(self, programme: str, group: str) -> _Group:
        key = (programme, group)
        if key not in self._groups:
            if programme in {"los", "review"}:
                found = self._network(group)
                if programme == "review":
                    found.count = self._setting(
                        "los.settings", "reviews_per_year", "L11", "reviews a year"
                    )
            elif programme == "bv":
                found = self._cluster(group)
            elif programme == "tn" and group != "all":
                found = self._tn(group)
            elif programme == "development":
                found = self._region(group)
            else:
                found = _Group(settings=self._kickoff_settings())
            self._groups[key] = found
        return self._groups[key]

    def _removed(self, c: dict[str, Any]) -> list[Why]:
        programme, g = c["programme"], self._group(c["programme"], c["group"])
        if g.gone is not None:
            return [g.gone]
        causes = [w for w in (g.slot, g.count, g.place) if w is not None]
        causes += self._blocked(c, c["before"])
        if programme == "tn" and c["group"] == "all":
            causes += g.settings
        return causes

    def _added(self, c: dict[str, Any]) -> list[Why]:
        programme, g = c["programme"], self._group(c["programme"], c["group"])
        if g.new is not None:
            return [g.new]
        causes = [w for w in (g.slot, g.count, g.place) if w is not None]
        causes += self._unblocked(c, c["after"])
        if programme == "tn" and c["group"] == "all":
            causes += g.settings
        return causes

    def _changed(self, c: dict[str, Any]) -> list[Why]:
        a, b = c["before"], c["after"]
        g = self._group(c["programme"], c["group"])
        causes: list[Why] = []
        lost = c.get("without", [])
        gained = [f for f in b["facilitators"] if f not in a["facilitators"]]
        if lost or gained:
            causes += self._leader_causes(c, g, lost, gained)
        if a["location"] != b["location"]:
            causes += self._place_causes(c, g)
        if (a["date"], a["start"], a["end"]) != (b["date"], b["start"], b["end"]):
            causes += self._date_causes(c, g)
        if a.get("helpers", []) != b.get("helpers", []):
            causes += self._helper_causes(c, g)
        return causes

    def _leader_causes(
        self, c: dict[str, Any], g: _Group, lost: list[str], gained: list[str]
    ) -> list[Why]:
        day = dt.date.fromisoformat(c["before"]["date"])
        if g.leaders is not None:
            return [g.leaders, *self._absent_leaders(c, day)]
        rule = _LEADER_RULE.get(c["programme"], "C4")
        causes: list[Why] = []
        for f in lost:
            row = self._new_row(f, day)
            if row is not None:
                causes.append(Why("C4", self._row_text(f, row)))
            elif self.new.facilitator(f) is None and f in self.old.idx.facilitator:
                causes.append(Why(rule, f"{self.who(f)} left the instance"))
        for f in gained:
            row = self._old_row(f, day)
            if row is not None:
                causes.append(Why("C4", f"{self.who(f)} is no longer unavailable that day"))
        return causes

    def _absent_leaders(self, c: dict[str, Any], day: dt.date) -> list[Why]:
        """C4: the network's new leaders a weekly session goes ahead without (away that
        day): the line says only whom it lost."""
        net = self.new.networks.get(c["group"]) if c["programme"] == "los" else None
        if net is None:
            return []
        causes = []
        for f in net.facilitators:
            if f in c["after"]["facilitators"]:
                continue
            row = next((r for r in self.new.rows.get(f, ()) if r.start <= day <= r.end), None)
            if row is not None:
                causes.append(Why("C4", self._row_text(f, row)))
        return causes

    def _place_causes(self, c: dict[str, Any], g: _Group) -> list[Why]:
        programme, group = c["programme"], c["group"]
        old_place, new_place = c["before"]["location"], c["after"]["location"]
        if programme in {"los", "review"}:
            return [g.place] if g.place is not None else []
        if programme == "bv":
            return self._host_causes(group, old_place, new_place, g, "B5")
        if programme == "tn" and group != "all":
            return self._host_causes(group, old_place, new_place, g, "T2")
        if programme == "development":
            return self._development_place(group, old_place)
        return []

    def _host_causes(self, group: str, old: str, new: str, g: _Group, rule: str) -> list[Why]:
        """B5/T2: why a BV meeting (``rule`` B5) or a TN meeting (T2) got another host: the
        host left (BV, the cluster, or has nobody in the TN network any more), a school
        that joined hosts in turn, or the turns were taken anew after members changed."""
        if rule == "B5":
            members = set(self.new.clusters[group].schools) if group in self.new.clusters else set()
            gone_from = "BV" if not self.new.eligible(old) else f"cluster {group}"
        else:
            net = self.new.tn.get(group)
            members = set(self.new.schools_of(net.participants)) if net else set()
            gone_from = group
        if old not in members and rule == "T2":
            who = self._members_left_school(group, old)
            return [Why(rule, f"host {self.who(old)} has nobody in {group} any more{who}")]
        if old not in members:
            return [Why(rule, f"host {self.who(old)} left {gone_from}")]
        if new in g.joined:
            return [Why(rule, f"{self.who(new)} joined {group} and hosts in turn")]
        if g.joined or g.left:
            return [Why(rule, f"the hosts take turns anew after {self._membership(g)}")]
        if g.count is not None:
            return [Why(g.count.rule, f"{g.count.text} (the hosts take turns anew)")]
        return []

    def _members_left_school(self, group: str, school: str) -> str:
        """`` (TNP01 left the instance; TNP02 is in no network (T3))``: what became of the
        participants of ``school`` that were in TN network ``group``."""
        net = self.old.tn.get(group)
        if net is None:
            return ""
        gone = [p for p in net.participants if self.old.part_school.get(p) == school]
        return f" ({'; '.join(self._participant_left(p, group) for p in gone)})" if gone else ""

    def _participant_left(self, pid: str, group: str) -> str:
        if pid not in self.new.idx.tn_participant:
            return f"{self.who(pid)} left the instance"
        to = next((t.id for t in self.new.tn.values() if pid in t.participants), None)
        if to is not None:
            return f"{self.who(pid)} moved to {to}"
        u = self.new.unplaced.get(("participant", pid))
        return f"{self.who(pid)} is in no network" + (f" ({u.rule})" if u and u.rule else "")

    def _membership(self, g: _Group) -> str:
        parts = []
        if g.left:
            parts.append(f"{', '.join(self.who(s) for s in g.left)} left")
        if g.joined:
            parts.append(f"{', '.join(self.who(s) for s in g.joined)} joined")
        return " and ".join(parts)

    def _development_place(self, region: str, place: str) -> list[Why]:
        """L10: a development meeting's place is no longer one of its kind."""
        old_ok, new_ok = (self._development_places(s, region) for s in (self.old, self.new))
        if place in old_ok[0] and place not in new_ok[0]:
            return [
                Why("L10", f"{place} is no longer an institution of the SO/IO duos of {region}")
            ]
        if place in old_ok[1] and place not in new_ok[1]:
            return [Why("L10", f"{place} is no longer the location of a duo network of {region}")]
        return []

    @staticmethod
    def _development_places(side: _Side, region: str) -> tuple[set[str], set[str]]:
        nets = duo_networks(side.instance, side.plan).get(region, [])
        return set(development_institutions(side.instance, nets)), {n.location for n in nets}

    def _date_causes(self, c: dict[str, Any], g: _Group) -> list[Why]:
        if g.slot is not None:
            return [g.slot]
        causes = self._blocked(c, c["before"])
        if causes:
            return causes
        if g.count is not None:
            return [Why(g.count.rule, f"{g.count.text} (the meetings kept are numbered anew)")]
        causes = [*g.settings]
        if g.anew is not None:
            causes.append(g.anew)
        if not causes:
            causes = self._taken(c)
        return causes

    def _helper_causes(self, c: dict[str, Any], g: _Group) -> list[Why]:
        """T5: a helper who left the network or is unavailable now; or the rota made
        anew after members left or joined."""
        group = c["group"]
        net = self.new.tn.get(group)
        day = dt.date.fromisoformat(c["before"]["date"])
        causes = []
        for p in c["before"].get("helpers", []):
            if net is None or p not in net.participants:
                causes.append(Why("T5", f"helper {self._participant_left(p, group)}"))
            elif (row := self._new_row(p, day)) is not None:
                causes.append(Why("C4", self._row_text(p, row)))
        if not causes and (g.joined or g.left):
            causes.append(
                Why("T5", f"the support rota takes turns anew after {self._membership(g)}")
            )
        if not causes and g.count is not None:
            causes.append(Why(g.count.rule, f"{g.count.text} (the support rota takes turns anew)"))
        return causes

    # ---------------------------------------------------------------- groups

    def _network(self, nid: str) -> _Group:
        b, a = self.old.networks.get(nid), self.new.networks.get(nid)
        g = _Group()
        if b is not None and a is None:
            g.gone = self._network_gone(nid)
        elif a is not None and b is None:
            again = nid in self.old.idx.network
            g.new = Why("L1", f"network {nid} is {'planned again' if again else 'new'}")
        elif a is not None and b is not None:
            if _slot(b) != _slot(a):
                g.slot = Why("L4", f"the weekly slot of {nid} moved from {_slot(b)} to {_slot(a)}")
            elif (
                a.slot is not None
                and b.slot is not None
                and ((a.slot.start, a.slot.end) != (b.slot.start, b.slot.end))
            ):
                g.slot = Why(
                    "L4",
                    f"time block {a.slot.block} is now {a.slot.start:%H:%M}-{a.slot.end:%H:%M}",
                )
            if b.facilitators != a.facilitators:
                g.leaders = Why("L5", self._leaders_text(f"the facilitators of {nid}", b, a))
            if b.location != a.location:
                g.place = Why("L7", f"network {nid} now meets at {self.who(a.location)}")
        return g

    def _network_gone(self, nid: str) -> Why:
        if nid not in self.new.idx.network:
            return Why("L1", f"network {nid} closed (removed by the change)")
        u = self.new.unplaced.get(("network", nid))
        if u is not None:
            return Why(u.rule or "L1", f"network {nid} is not planned: {u.reason}")
        return Why("L1", f"network {nid} is no longer planned")

    def _leaders_text(self, what: str, b: PlannedNetwork, a: PlannedNetwork) -> str:
        lost = [f for f in b.facilitators if f not in a.facilitators]
        gained = [f for f in a.facilitators if f not in b.facilitators]
        text = f"{what} changed: {self.people(lost)} -> {self.people(gained)}"
        why = [self._leader_left(f, b.slot.weekday if b.slot else None) for f in lost]
        said = [w for w in why if w]
        return text + (f" ({'; '.join(said)})" if said else "")

    def _leader_left(self, fid: str, weekday: str | None) -> str:
        """Why a leader no longer leads: left the instance, or no longer works that day."""
        f = self.new.facilitator(fid)
        if f is None:
            return f"{fid} left the instance"
        old = self.old.facilitator(fid)
        if weekday and old and weekday in old.available_days and weekday not in f.available_days:
            return f"{fid} no longer works on {_DAYS[weekday]}"
        return ""

    def _cluster(self, cid: str) -> _Group:
        b, a = self.old.clusters.get(cid), self.new.clusters.get(cid)
        g = _Group()
        count = self._setting("bv", "meetings_per_year", "B6", "BV meetings a year")
        horizon = self._setting("bv", "horizon_years", "B4")
        first = self._setting("bv", "first_school_year", "B4")
        g.count = count or horizon or first
        g.settings = [
            w
            for key in ("min_gap_days", "one_meeting_per_month", "meeting_weekdays")
            if (w := self._setting("bv", key, "B6")) is not None
        ]
        g.settings += [
            w
            for key in ("meeting_start", "meeting_end")
            if (w := self._setting("bv", key, "B6")) is not None
        ]
        if b is not None and a is None:
            g.gone = self._cluster_gone(cid, b.schools, b.sector, b.region)
        elif a is not None and b is None:
            g.new = self._cluster_new(cid, a.schools)
        elif a is not None and b is not None:
            g.joined = [s for s in a.schools if s not in b.schools]
            g.left = [s for s in b.schools if s not in a.schools]
            u = self.new.unplaced.get(("cluster", cid))
            if u is not None and ("cluster", cid) not in self.old.unplaced:
                g.gone = Why(u.rule or "B6", f"cluster {cid} is listed as unplaced: {u.reason}")
            if b.coordinator != a.coordinator:
                g.leaders = Why("B4", self._coordinator_text(cid, b.coordinator, a.coordinator))
        if cid in self._anew.get("bv", {}):
            g.anew = Why(
                "B6",
                f"the kept dates of coordinator {self._anew['bv'][cid]}'s clusters no longer "
                "fitted together, so they were all dated anew",
            )
        return g

    def _cluster_gone(self, cid: str, schools: tuple[str, ...], sector: str, region: str) -> Why:
        u = self.new.unplaced.get(("cluster", cid))
        if u is not None:
            return Why(u.rule or "B2", f"cluster {cid} is not held: {u.reason}")
        left = [s for s in schools if not self.new.eligible(s)]
        rest = [s for s in schools if s not in left]
        head = f"cluster {cid} dissolved" + (
            f": {', '.join(self.who(s) for s in left)} left BV" if left else ""
        )
        reformed = self._note("[B2] the clusters of", sector, region)
        if reformed is not None:
            return Why("B2", f"{head}; its sector-region was clustered anew ({reformed})")
        out = [self.new.unplaced.get(("school", s)) for s in rest]
        if rest and all(u is not None for u in out):
            rules = sorted({u.rule or "" for u in out if u is not None})
            if rules == ["B8"]:
                low, high = self.new.instance.bv.min_size, self.new.instance.bv.max_size
                return Why(
                    "B8",
                    f"{head}; the {len(rest)} school(s) left over cannot form a cluster of "
                    f"{low}-{high}",
                )
            first = next(u for u in out if u is not None)
            return Why(
                first.rule or "B2", f"{head}; its other schools are left out: {first.reason}"
            )
        now = sorted({c.id for c in self.new.plan.clusters for s in rest if s in c.schools})
        if now and any(n.startswith("[B8]") and "still-valid cluster" in n for n in self.notes):
            return Why(
                "B8",
                f"{head}; re-formed so that the schools the change left over can be clustered: "
                f"its schools are now in {', '.join(now)}",
            )
        if now:
            return Why("B2", f"{head}; its schools are now in {', '.join(now)}")
        return Why("B2", head)

    def _cluster_new(self, cid: str, schools: tuple[str, ...]) -> Why:
        joined = [s for s in schools if not self.old.eligible(s)]
        text = f"cluster {cid} formed anew" + (
            f" ({', '.join(self.who(s) for s in joined)} joined BV)" if joined else ""
        )
        return Why("B2", text)

    def _coordinator_text(self, cid: str, old: str | None, new: str | None) -> str:
        text = f"the coordinator of {cid} changed: {self.who(old or '-')} -> {self.who(new or '-')}"
        if old is None:
            return text
        f = self.new.facilitator(old)
        if f is None:
            return f"{text} ({old} left the instance)"
        if f.role != "ocw_coordinator" or not any(
            c.region in f.regions for c in self.old.plan.clusters if c.id == cid
        ):
            return f"{text} ({old} no longer works in its region)"
        guided = sum(1 for c in self.new.plan.clusters if c.coordinator == old)
        if f.max_groups is not None and guided >= f.max_groups:
            return f"{text} ({old} has no room: guides {guided}, at most {f.max_groups})"
        return text

    def _tn(self, tid: str) -> _Group:
        b, a = self.old.tn.get(tid), self.new.tn.get(tid)
        g = _Group()
        if b is not None and a is None:
            u = self.new.unplaced.get(("network", tid))
            if tid not in self.new.idx.tn_network:
                g.gone = Why("T1", f"TN network {tid} was removed by the change")
            elif u is not None:
                g.gone = Why(u.rule or "T7", f"TN network {tid} is not held: {u.reason}")
            else:
                g.gone = Why("T7", f"TN network {tid} is no longer held")
        elif a is not None and b is None:
            g.new = Why(
                "T1",
                f"TN network {tid} is {'held now' if tid in self.old.idx.tn_network else 'new'}",
            )
        elif a is not None and b is not None:
            g.joined = [p for p in a.participants if p not in b.participants]
            g.left = [p for p in b.participants if p not in a.participants]
            if a.facilitator != b.facilitator:
                g.leaders = Why(
                    "T4",
                    f"the facilitator of {tid} changed: {self.who(b.facilitator)} -> "
                    f"{self.who(a.facilitator)}",
                )
        old_s, new_s = (
            tn_series_settings(self.old.instance, tid),
            tn_series_settings(self.new.instance, tid),
        )
        if old_s.series_length != new_s.series_length:
            verb = "shortened" if new_s.series_length < old_s.series_length else "lengthened"
            g.count = Why(
                "T1",
                f"the series of {tid} was {verb} from {old_s.series_length} to "
                f"{new_s.series_length} meetings",
            )
        if (old_s.kickoff_date, old_s.kickoff_location) != (
            new_s.kickoff_date,
            new_s.kickoff_location,
        ):
            g.settings.append(
                Why(
                    "T1",
                    f"the kick-off of {tid} moved to {new_s.kickoff_date or 'a date chosen'} "
                    f"at {new_s.kickoff_location or 'a place chosen'}",
                )
            )
        if old_s.helpers_per_meeting != new_s.helpers_per_meeting:
            g.settings.append(
                Why("T5", f"{tid} now has {new_s.helpers_per_meeting} helper(s) per meeting")
            )
        for key in ("min_gap_days", "meeting_weekdays", "meeting_start", "meeting_end"):
            if (w := self._setting("tn", key, "T1")) is not None:
                g.settings.append(w)
        if tid in self._anew.get("tn", {}):
            g.anew = Why(
                "T4",
                f"the kept dates of facilitator {self._anew['tn'][tid]}'s networks no longer "
                "fitted together, so they were all dated anew",
            )
        return g

    def _kickoff_settings(self) -> list[Why]:
        causes = [
            w
            for key in ("kickoff_date", "kickoff_location", "meeting_start", "meeting_end")
            if (w := self._setting("tn", key, "T1")) is not None
        ]
        for tid in self.new.tn:
            rows = [
                side.instance.tn.networks[side.idx.tn_network[tid]]
                for side in (self.old, self.new)
                if tid in side.idx.tn_network
            ]
            if len(rows) < 2:
                continue
            new_s = tn_series_settings(self.new.instance, tid)
            if (rows[0].kickoff_date, rows[0].kickoff_location) != (
                rows[1].kickoff_date,
                rows[1].kickoff_location,
            ):
                causes.append(
                    Why(
                        "T1",
                        f"the kick-off of {tid} is now on {new_s.kickoff_date or 'a date chosen'} "
                        f"at {new_s.kickoff_location or 'a place chosen'}",
                    )
                )
        return causes

    def _region(self, region: str) -> _Group:
        g = _Group()
        g.count = self._setting(
            "los.settings", "development_meetings_per_year", "L10", "development meetings a year"
        ) or (self._setting("los.settings", "development_meetings_at_institution", "L10"))
        for key in ("development_start", "development_end"):
            if (w := self._setting("los.settings", key, "L10")) is not None:
                g.settings.append(w)
        old = duo_networks(self.old.instance, self.old.plan).get(region, [])
        new = duo_networks(self.new.instance, self.new.plan).get(region, [])
        if old and not new:
            g.gone = Why("L10", f"region {region} has no network led by an SO/IO duo any more")
        elif new and not old:
            g.new = Why("L10", f"region {region} now has networks led by an SO/IO duo")
        return g

    def _setting(self, path: str, key: str, rule: str, count: str = "") -> Why | None:
        """``bv.min_gap_days changed from 28 to 35`` when the setting differs between the
        instances (``count``: what a number counts, ``fewer BV meetings a year: ...``)."""
        olds, news = (self._settings_of(side.instance, path) for side in (self.old, self.new))
        a, b = getattr(olds, key), getattr(news, key)
        if a == b:
            return None
        head = ""
        if count and isinstance(a, int) and isinstance(b, int):
            head = f"{'fewer' if b < a else 'more'} {count}: "
        return Why(rule, f"{head}{path}.{key} changed from {_value(a)} to {_value(b)}")

    @staticmethod
    def _settings_of(instance: Instance, path: str) -> Any:
        found: Any = instance
        for part in path.split("."):
            found = getattr(found, part)
        return found

    def _note(self, prefix: str, sector: str, region: str) -> str | None:
        """The rest of a re-plan note ``{prefix} {part key} ...`` about the BV part of
        ``sector`` and ``region`` (``po:r1``, merged ``po:r1+r2``)."""
        for note in self.notes:
            if not note.startswith(f"{prefix} {sector}:"):
                continue
            key = note[len(prefix) + 1 :].split(" ", 1)[0]
            if region in key.split(":", 1)[1].split("+"):
                return note[len(prefix) :].strip()
        return None

    # ---------------------------------------------------------------- dates

    def _blocked(self, c: dict[str, Any], view: dict[str, Any]) -> list[Why]:
        """What rules the moment of ``view`` out under the changed instance that did not
        under the baseline's (a holiday, someone unavailable, a leader's days, ...)."""
        old = {b.key: b for b in self._blockers(self.old, c, view)}
        return [Why(b.rule, b.now) for b in self._blockers(self.new, c, view) if b.key not in old]

    def _unblocked(self, c: dict[str, Any], view: dict[str, Any]) -> list[Why]:
        """What ruled the moment of ``view`` out under the baseline's instance and no longer
        does (a holiday removed, ...): why a session is held there now."""
        new = {b.key for b in self._blockers(self.new, c, view)}
        return [Why(b.rule, b.gone) for b in self._blockers(self.old, c, view) if b.key not in new]

    def _blockers(self, side: _Side, c: dict[str, Any], view: dict[str, Any]) -> list[_Blocker]:
        programme, group = c["programme"], c["group"]
        day = dt.date.fromisoformat(view["date"])
        place = view["location"]
        if programme == "los" and group in side.networks:
            # a weekly session is dated by its network's location on each side
            place = side.networks[group].location
        cal = side.cal
        found: list[_Blocker] = []
        if cal.year_of(day) is None:
            found.append(
                _Blocker(
                    ("C1", "year"),
                    "C1",
                    "the day is now outside every school year",
                    "the day now lies in a school year",
                )
            )
        elif day.weekday() not in cal.weekdays:
            days = _DAYS[weekday_of(day)]
            found.append(
                _Blocker(
                    ("C1", "weekday", days),
                    "C1",
                    f"{days} are no longer planning weekdays (calendar.weekdays)",
                    f"{days} are planning weekdays again (calendar.weekdays)",
                )
            )
        if programme in {"los", "development", "review"} and cal.year_of(day) is not None:
            year = cal.plan_year()
            if year is not None and not year.start <= day <= year.end:
                found.append(
                    _Blocker(
                        ("C1", "plan", year.id),
                        "C1",
                        f"the plan year is now {year.id}",
                        f"the plan year is now {year.id}",
                    )
                )
        name = cal.public_holiday_name(day)
        if name is not None:
            found.append(
                _Blocker(
                    ("C3", day, name),
                    "C3",
                    f"the day is now a public holiday ({name})",
                    f"the day is no longer a public holiday ({name})",
                )
            )
        places, people, leaders = self._who_attends(side, programme, group, view)
        for region in dict.fromkeys(holiday_region_of(side.instance, p) for p in [place, *places]):
            holiday = self._holiday(side, day, region)
            if holiday is not None:
                found.append(
                    _Blocker(
                        ("C2", region, holiday.name, holiday.start),
                        "C2",
                        f"the day now falls in {holiday.name} of holiday region {region} "
                        f"({holiday.start} to {holiday.end})",
                        f"the day no longer falls in {holiday.name} of holiday region {region}",
                    )
                )
        for who in dict.fromkeys([*people, *places]):
            for row in side.rows.get(who, ()):
                if row.start <= day <= row.end:
                    found.append(
                        _Blocker(
                            ("C4", who, row.start, row.end),
                            "C4",
                            self._row_text(who, row),
                            f"{self.who(who)} is no longer unavailable that day",
                        )
                    )
        rule = _LEADER_RULE.get(programme, "L5")
        weekday = weekday_of(day)
        block = (
            next(
                (
                    b.id
                    for b in side.instance.calendar.time_blocks
                    if b.start.strftime("%H:%M") == view["start"]
                ),
                None,
            )
            if programme == "review"
            else None
        )
        for fid in leaders:
            f = side.facilitator(fid)
            if f is not None and weekday not in f.available_days:
                found.append(
                    _Blocker(
                        ("days", fid, weekday),
                        rule,
                        f"{self.who(fid)} does not work on {_DAYS[weekday]}",
                        f"{self.who(fid)} now works on {_DAYS[weekday]}",
                    )
                )
            elif f is not None and block is not None and not f.available(weekday, block):
                found.append(
                    _Blocker(
                        ("block", fid, block),
                        rule,
                        f"{self.who(fid)} is not available in block {block}",
                        f"{self.who(fid)} is now available in block {block}",
                    )
                )
        meeting_days = {
            "bv": side.instance.bv.meeting_weekdays,
            "tn": side.instance.tn.meeting_weekdays,
        }
        if programme in meeting_days and weekday not in meeting_days[programme]:
            what = "BV meetings" if programme == "bv" else "TN meetings"
            found.append(
                _Blocker(
                    ("weekdays", programme, weekday),
                    "B6" if programme == "bv" else "T1",
                    f"{what} are no longer held on {_DAYS[weekday]} ({programme}.meeting_weekdays)",
                    f"{what} may now be held on {_DAYS[weekday]} ({programme}.meeting_weekdays)",
                )
            )
        return found

    def _who_attends(
        self, side: _Side, programme: str, group: str, view: dict[str, Any]
    ) -> tuple[list[str], list[str], list[str]]:
        """(places whose holiday regions count, people and schools whose unavailability
        counts, leaders whose working days count) of a session's group on one side. An
        LOS session goes ahead without whoever is away, and so does a development
        meeting; a BV meeting waits for its schools and coordinator, a TN meeting for its
        participants and facilitator, a review and a visit for their duo."""
        if programme == "bv":
            cluster = side.clusters.get(group)
            if cluster is None:
                return [], [], []
            leaders = [cluster.coordinator] if cluster.coordinator else []
            return list(cluster.schools), [*leaders, *cluster.schools], leaders
        if programme == "tn" and group != "all":
            net = side.tn.get(group)
            if net is None:
                return [], [], []
            schools = side.schools_of(net.participants)
            return schools, [net.facilitator, *net.participants], [net.facilitator]
        if programme == "review":
            network = side.networks.get(group)
            duo = network.facilitators if network is not None else view["facilitators"]
            return [], list(duo), list(duo)
        if programme == "development":
            nets = duo_networks(side.instance, side.plan).get(group, [])
            return [n.location for n in nets], [], []
        if programme == "visit":
            return [], list(view["facilitators"]), []
        tn = side.instance.tn
        if programme == "tn" and not [d for d in (tn.kickoff_date, *tn_dates(tn)) if d]:
            # a kick-off whose date is chosen: the first school day that suits everyone
            people = [p for net in side.tn.values() for p in (net.facilitator, *net.participants)]
            return side.schools_of(people), people, []
        return [], [], []

    @staticmethod
    def _holiday(side: _Side, day: dt.date, region: str | None) -> Any:
        if region is None:
            return None
        for h in side.instance.calendar.holidays:
            if h.holiday_region == region and h.start <= day <= h.end:
                return h
        return None

    def _row_text(self, who: str, row: Any) -> str:
        tail = f" ({row.reason})" if row.reason else ""
        return f"{self.who(who)} is unavailable {row.start} to {row.end}{tail}"

    def _new_row(self, who: str, day: dt.date) -> Any:
        """The changed instance's unavailability row of ``who`` covering ``day`` that the
        baseline's instance did not have, or None."""
        old = {(r.start, r.end) for r in self.old.rows.get(who, ()) if r.start <= day <= r.end}
        for row in self.new.rows.get(who, ()):
            if row.start <= day <= row.end and (row.start, row.end) not in old:
                return row
        return None

    def _old_row(self, who: str, day: dt.date) -> Any:
        new = {(r.start, r.end) for r in self.new.rows.get(who, ()) if r.start <= day <= r.end}
        for row in self.old.rows.get(who, ()):
            if row.start <= day <= row.end and (row.start, row.end) not in new:
                return row
        return None

    # ---------------------------------------------------------------- taken moments

    def _taken(self, c: dict[str, Any], programme: str | None = None) -> list[Why]:
        """Someone of the session has, at its old moment, a commitment the calendar stage
        booked before it (and did not have then in the baseline): nobody is in two places
        at once. Empty when there is none."""
        programme = programme or c["programme"]
        view = c["before"]
        if view.get("start") is None or view.get("end") is None:
            return []
        step = _STEP["kickoff" if c.get("group") == "all" else programme]
        day = dt.date.fromisoformat(view["date"])
        start, end = dt.time.fromisoformat(view["start"]), dt.time.fromisoformat(view["end"])
        place = view.get("location") or self._visit_place(c) or ""
        busy, items = self._after_busy()
        probe = Busy(day, minutes(start), minutes(end), place, "")
        label = c.get("session") or f"visit {c.get('visitor')} -> {c.get('host')}"
        people = list(view.get("facilitators", []))
        if programme in {"bv", "tn", "review"}:
            _, people, _ = self._who_attends(self.new, programme, c["group"], view)
        people = [p for p in people if p not in self.new.idx.school]
        for person in people:
            for item, other_step, kept in items.get((person, day), []):
                if item.label == label or other_step >= step or (other_step >= 3 and not kept):
                    continue
                if (person, item.label, day, item.start) in self._kept_before:
                    continue
                if busy.clash(item, probe):
                    return [
                        Why(
                            _BUSY_RULE.get(programme, "T4"),
                            f"at its old time {self.who(person)} now has {item.label}",
                        )
                    ]
        return []

    def _after_busy(
        self,
    ) -> tuple[BusyIndex, dict[tuple[str, dt.date], list[tuple[Busy, int, bool]]]]:
        """Every commitment of the re-plan per (person, day), with the step that booked it
        and whether it was kept as it was in the baseline."""
        if self._busy is not None:
            return self._busy
        busy = BusyIndex(self.new.instance)
        items: dict[tuple[str, dt.date], list[tuple[Busy, int, bool]]] = defaultdict(list)
        schools = self.new.idx.school
        before = {(s.id, s.date, s.start, s.end, s.location) for s in self.old.plan.sessions}
        for s in self.new.plan.sessions:
            step = _STEP["kickoff" if s.group == "all" else s.programme]
            kept = (s.id, s.date, s.start, s.end, s.location) in before
            # learners never lead, visit or review: a weekly session's attendees are left out
            attendees = () if s.programme == "los" else s.attendees
            for p in dict.fromkeys((*s.facilitators, *attendees, *s.helpers)):
                if p not in schools:
                    items[(p, s.date)].append(
                        (
                            Busy(s.date, minutes(s.start), minutes(s.end), s.location, s.id),
                            step,
                            kept,
                        )
                    )
        old_visits = {(v.visitor, v.host, v.date, v.start) for v in self.old.plan.visits}
        for v in self.new.plan.visits:
            host = self.new.networks.get(v.host)
            if v.start is None or v.end is None or host is None:
                continue
            kept = (v.visitor, v.host, v.date, v.start) in old_visits
            label = f"visit {v.visitor} -> {v.host}"
            for p in v.facilitators:
                items[(p, v.date)].append(
                    (Busy(v.date, minutes(v.start), minutes(v.end), host.location, label), 3, kept)
                )
        for s in self.old.plan.sessions:
            attendees = () if s.programme == "los" else s.attendees
            for p in (*s.facilitators, *attendees, *s.helpers):
                self._kept_before.add((p, s.id, s.date, minutes(s.start)))
        self._busy = (busy, dict(items))
        return self._busy

    def _visit_place(self, c: dict[str, Any]) -> str | None:
        host = self.old.networks.get(c.get("host", ""))
        return None if host is None else host.location

    # ---------------------------------------------------------------- visits

    def visit(self, c: dict[str, Any], replaced: dict[str, Any] | None = None) -> list[Why]:
        """The causes of one visit change (L9); ``replaced``: the removed visit of the same
        visitor, which an added visit replaces."""
        return _unique(self._visit(c, replaced)) or [FALLBACK]

    def _visit(self, c: dict[str, Any], replaced: dict[str, Any] | None) -> list[Why]:
        visitor, host = c["visitor"], c["host"]
        gv, gh = self._group("los", visitor), self._group("los", host)
        per_year = self._setting("los.settings", "visits_per_year", "L9", "visits a year")
        region = self._region_of(visitor)
        anew = self._anew.get("visit", {}).get(region)
        again = (
            Why(
                "L9",
                f"the visits of region {region} were paired anew"
                + self._region_changes(region)
                + ": the pairs kept could not be completed so that every network visits and "
                f"hosts {self.new.instance.los.settings.visits_per_year} a year",
            )
            if anew
            else None
        )
        if c["change"] == "removed":
            for g in (gv, gh):
                if g.gone is not None:
                    return [g.gone]
            settings = [w for w in (per_year, again) if w is not None]
            if settings:
                return settings
            # the pair is no longer possible: its duo or a slot changed
            return [w for w in (gv.leaders, gv.slot, gh.slot) if w is not None]
        if c["change"] == "added":
            for g in (gv, gh):
                if g.new is not None:
                    return [g.new]
            settings = [w for w in (per_year, again) if w is not None]
            if settings:
                return settings
            if replaced is not None and replaced.get("why"):
                lost = replaced["why"]
                text = f"it replaces the visit {visitor} -> {replaced['host']}: {lost['text']}"
                return [Why("L9", text)]
            return []
        causes: list[Why] = []
        a, b = c["before"], c["after"]
        if a["facilitators"] != b["facilitators"] and gv.leaders is not None:
            causes.append(gv.leaders)
        if (a["date"], a["start"], a["end"]) != (b["date"], b["start"], b["end"]):
            causes += self._visit_date(c, gh)
        return causes

    def _visit_date(self, c: dict[str, Any], gh: _Group) -> list[Why]:
        a = c["before"]
        place = self._visit_place(c)
        view = {**a, "location": place or ""}
        entry = {**c, "programme": "visit", "group": c["host"]}
        causes = self._blocked(entry, view) if place else []
        if causes:
            return causes
        if gh.slot is not None:
            return [gh.slot]
        day = dt.date.fromisoformat(a["date"])
        held = any(
            s.group == c["host"]
            and s.programme == "los"
            and s.date == day
            and s.start.strftime("%H:%M") == a["start"]
            for s in self.new.plan.sessions
        )
        if not held:
            return [Why("L9", f"{c['host']} no longer meets at that time")]
        return self._taken({**c, "before": view}, "visit")

    def _region_of(self, network: str) -> str:
        net = self.old.networks.get(network) or self.new.networks.get(network)
        return net.region if net is not None else ""

    def _region_changes(self, region: str) -> str:
        """`` (UEO-N02 closed)``: the networks of ``region`` the change closed or opened."""
        old = {n.id for n in self.old.plan.networks if n.region == region}
        new = {n.id for n in self.new.plan.networks if n.region == region}
        parts = [f"{n} closed" for n in sorted(old - new)]
        parts += [f"{n} is new" for n in sorted(new - old)]
        return f" ({', '.join(parts)})" if parts else ""


# --------------------------------------------------------------------------- helpers

_ANEW = (
    (
        "bv",
        re.compile(r"^\[B6\] coordinator (\S+): the dates of clusters (.+) in the plan re-planned"),
    ),
    (
        "tn",
        re.compile(r"^\[T4\] facilitator (\S+): the dates of networks (.+) in the plan re-planned"),
    ),
    ("visit", re.compile(r"^\[L9\] region (\S+): the visits (.+) of the plan re-planned cannot")),
)


def _dated_anew(notes: Iterable[str]) -> dict[str, dict[str, str]]:
    """From the calendar stage's notes: per programme, the groups it dated anew because
    their kept dates (or visit pairs) no longer fitted together -> the coordinator or
    facilitator (for visits: region -> region)."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for note in notes:
        for programme, pattern in _ANEW:
            m = pattern.match(note)
            if m is None:
                continue
            if programme == "visit":
                found["visit"][m.group(1)] = m.group(1)
            else:
                for group in m.group(2).split(", "):
                    found[programme][group] = m.group(1)
    return dict(found)


def tn_dates(tn: Any) -> list[Any]:
    """The kick-off dates the TN networks' rows give (T1)."""
    return [n.kickoff_date for n in tn.networks]


def _slot(net: PlannedNetwork) -> str:
    return "-" if net.slot is None else f"{net.slot.weekday} {net.slot.block}"


def _value(value: Any) -> str:
    if isinstance(value, tuple | list):
        return ";".join(str(v) for v in value) or "-"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return "-" if value is None else str(value)


def _unique(causes: list[Why]) -> list[Why]:
    return list(dict.fromkeys(causes))
