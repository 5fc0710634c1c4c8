"""What every output format needs: the instance, the plan, names, the checker and L6.

:class:`ExportContext` is built once per export and shared by the workbook, the CSV
files, the calendars and the HTML report, so they all show the same numbers. It also
answers the small questions each format asks: which region a session belongs to, which
sessions a person attends, how a place is written as a calendar location.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from composer.check import CheckReport, check_plan
from composer.check.core import fold_alike
from composer.check.structure import check_plan_integrity
from composer.errors import InputError, Issue
from composer.export.privacy import Names
from composer.hours import FacilitationHours, facilitation_hours
from composer.model.instance import Instance
from composer.model.plan import Plan, PlannedTnNetwork, Session, Visit
from composer.rules import RULES

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def joint_session_of(session: Session, tn: PlannedTnNetwork) -> bool:
    """True when ``session``, a joint TN session (the kick-off, group ``all``), is one of
    ``tn``'s: one of its participants attends or its facilitator leads (T1)."""
    people = set(session.attendees) | set(session.facilitators)
    return session.programme == "tn" and bool(people & {*tn.participants, tn.facilitator})


@dataclass(frozen=True)
class RuleResult:
    """The checker's verdict on one rule id: ``ok``, ``violated``, ``warning`` or not checked."""

    rule: str
    title: str
    checked: bool
    errors: int
    warnings: int
    messages: tuple[str, ...]

    @property
    def result(self) -> str:
        """``ok``, ``N violation(s)``, ``N warning(s)`` or ``not checked``."""
        if not self.checked:
            return "not checked"
        if self.errors:
            return f"{self.errors} violation(s)"
        if self.warnings:
            return f"{self.warnings} warning(s)"
        return "ok"


@dataclass
class ExportContext:
    """The plan with everything the outputs derive from it, computed once."""

    instance: Instance
    plan: Plan
    names: Names
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @classmethod
    def build(
        cls,
        instance: Instance,
        plan: Plan,
        pseudonymise: bool = False,
        salt: str = "",
        now: dt.datetime | None = None,
    ) -> ExportContext:
        """The context of a plan; refuse a plan that names what the instance lacks.

        A plan failing the integrity check (unknown or repeated ids,
        :func:`composer.check.structure.check_plan_integrity`) was made for another instance:
        every output would be wrong, so this raises :class:`InputError` naming the ids. Other rule
        violations are reported inside the outputs, not refused.
        """
        broken = [v for v in check_plan_integrity(instance, plan) if v.severity == "error"]
        if broken:
            raise InputError(
                [
                    Issue(
                        v.message + (f" ({', '.join(v.items[:8])})" if v.items else ""), rule="P1"
                    )
                    for v in broken
                ],
                summary="the plan does not match the instance; no output written",
            )
        return cls(
            instance=instance,
            plan=plan,
            names=Names(instance, pseudonymise=pseudonymise, salt=salt),
            now=now or dt.datetime.now(dt.UTC),
        )

    @cached_property
    def report(self) -> CheckReport:
        """The checker's report on the plan, computed when a format first shows it.

        The workbook, CSV files and report show it; calendars do not, so an ``ics``-only
        export does not pay for checking a national plan.
        """
        return check_plan(self.instance, self.plan)

    @cached_property
    def hours(self) -> FacilitationHours:
        """Facilitation hours (L6) of the plan, computed on first use."""
        return facilitation_hours(self.instance, self.plan)

    # ------------------------------------------------------------------ checker
    @cached_property
    def rule_results(self) -> list[RuleResult]:
        """One verdict per rule id of DOMAIN.md (and C1–C4, P1), in rule order."""
        checked = set(self.report.rules_checked)
        results = []
        for rule_id, rule in RULES.items():
            found = [v for v in self.report.violations if v.rule == rule_id]
            results.append(
                RuleResult(
                    rule=rule_id,
                    title=rule.title,
                    checked=rule_id in checked,
                    errors=sum(1 for v in found if v.severity == "error"),
                    warnings=sum(1 for v in found if v.severity == "warning"),
                    messages=tuple(self.names.text(a.render()) for a in fold_alike(found)),
                )
            )
        return results

    # ------------------------------------------------------------------ lookups
    @cached_property
    def network_region(self) -> dict[str, str]:
        """LOS network id → region."""
        return {n.id: n.region for n in self.plan.networks}

    @cached_property
    def cluster_region(self) -> dict[str, str]:
        """BV cluster id → region."""
        return {c.id: c.region for c in self.plan.clusters}

    @cached_property
    def tn_region(self) -> dict[str, str]:
        """TN network id → region ('' when the instance gives none)."""
        idx = self.instance.index
        return {
            t.id: (self.instance.tn.networks[idx.tn_network[t.id]].region or "")
            for t in self.plan.tn_networks
        }

    def school_region(self, place: str) -> str:
        """The region of a school id ('' for an institution or unknown place)."""
        pos = self.instance.index.school.get(place)
        return "" if pos is None else self.instance.schools[pos].region

    def session_region(self, session: Session) -> str:
        """The region of a session ('' if none), for the per-region outputs.

        Its group's region (a network, cluster or TN network); a group that is a region
        id is that region (the calendar stage plans L10 development meetings per region,
        often at an institute); a joint TN kick-off (group ``all``) belongs to the regions
        of the TN networks whose people attend it, comma-separated; else the region of
        the school where it takes place.
        """
        for table in (self.network_region, self.cluster_region, self.tn_region):
            region = table.get(session.group)
            if region:
                return region
        if session.group in self.instance.index.region:
            return session.group
        if session.programme == "tn" and session.group == "all":
            regions = {
                self.tn_region.get(tn.id, "")
                for tn in self.plan.tn_networks
                if joint_session_of(session, tn)
            } - {""}
            if regions:
                return ", ".join(r for r in self.regions() if r in regions)
        return self.school_region(session.location)

    def group_name(self, group: str) -> str:
        """A readable name of a network, cluster or TN network ('' when it has none)."""
        idx = self.instance.index
        if group in idx.network:
            return self.instance.los.networks[idx.network[group]].name
        if group in idx.tn_network:
            return self.instance.tn.networks[idx.tn_network[group]].name
        return ""

    def location_text(self, place: str) -> str:
        """A place as a calendar location: name, then postcode and municipality when known."""
        idx = self.instance.index
        pos = idx.school.get(place)
        if pos is not None:
            school = self.instance.schools[pos]
            address = " ".join(p for p in (school.postcode, school.municipality) if p)
            return f"{school.name}, {address}" if address else school.name
        return self.names.place(place)

    def coordinates(self, place: str) -> tuple[float, float] | None:
        """(lat, lon) of a school or institution, when known."""
        idx = self.instance.index
        pos = idx.school.get(place)
        if pos is not None:
            return self.instance.schools[pos].lat, self.instance.schools[pos].lon
        ipos = idx.institution.get(place)
        if ipos is not None:
            inst = self.instance.institutions[ipos]
            if inst.lat is not None and inst.lon is not None:
                return inst.lat, inst.lon
        return None

    def travel(self, origin: str, destination: str) -> int | None:
        """Whole minutes between two schools (None when either is not a school)."""
        idx = self.instance.index
        if origin not in idx.school or destination not in idx.school:
            return None
        return idx.travel_minutes(idx.school[origin], idx.school[destination])

    # ------------------------------------------------------------------ sessions
    @cached_property
    def sessions_by_group(self) -> dict[str, list[Session]]:
        """Sessions per group id, by date and start time."""
        groups: dict[str, list[Session]] = defaultdict(list)
        for session in sorted(self.plan.sessions, key=lambda s: (s.date, s.start, s.id)):
            groups[session.group].append(session)
        return dict(groups)

    def visit_times(self, visit: Visit) -> tuple[dt.time, dt.time] | None:
        """The visit's clock times: its own, else the host network's slot (None if unknown)."""
        if visit.start is not None and visit.end is not None:
            return visit.start, visit.end
        for net in self.plan.networks:
            if net.id == visit.host and net.slot is not None:
                return net.slot.start, net.slot.end
        return None

    def visit_location(self, visit: Visit) -> str:
        """Where a visit happens: the host network's location."""
        for net in self.plan.networks:
            if net.id == visit.host:
                return net.location
        return ""

    def visit_facilitators(self, visit: Visit) -> tuple[str, ...]:
        """The visiting duo: the visit's own list, else the visitor network's facilitators."""
        if visit.facilitators:
            return visit.facilitators
        for net in self.plan.networks:
            if net.id == visit.visitor:
                return net.facilitators
        return ()

    @cached_property
    def group_people(self) -> dict[str, tuple[set[str], set[str]]]:
        """Group id → (members, facilitators) of LOS networks, TN networks and clusters."""
        groups: dict[str, tuple[set[str], set[str]]] = {}
        for net in self.plan.networks:
            groups[net.id] = (set(net.learners), set(net.facilitators))
        for tn in self.plan.tn_networks:
            groups[tn.id] = (set(tn.participants), {tn.facilitator})
        for cluster in self.plan.clusters:
            groups[cluster.id] = (set(), {cluster.coordinator} if cluster.coordinator else set())
        return groups

    def session_people(self, session: Session) -> set[str]:
        """The people a session concerns: the ones it names, else its group's people.

        A session names its people in ``facilitators``, ``attendees`` and ``helpers``. A
        stage may leave ``attendees`` empty for a group's regular meetings, so the group
        fills in: an LOS session concerns its network's members and facilitators, a
        review (L11) the network's facilitators, a BV meeting the cluster's coordinator,
        a TN meeting its participants and facilitator, a joint TN kick-off (group
        ``all``) every TN network's people, and a development meeting (L10) that names
        nobody every LOS network's facilitators (the SO/IO duos).
        """
        who = set(session.facilitators) | set(session.attendees) | set(session.helpers)
        members, leaders = self.group_people.get(session.group, (set(), set()))
        if session.programme in {"los", "bv", "tn"}:
            who |= members | leaders
        elif session.programme == "review":
            who |= leaders
        if session.programme == "tn" and session.group == "all":
            for tn in self.plan.tn_networks:
                who.update(tn.participants)
                who.add(tn.facilitator)
        if session.programme == "development" and not who:
            if session.group in self.group_people:
                who |= leaders
            else:
                who.update(f for net in self.plan.networks for f in net.facilitators)
        return who & self._person_ids

    @cached_property
    def sessions_of_person(self) -> dict[str, list[Session]]:
        """Person id → the sessions they attend (see :meth:`session_people`), by date."""
        result: dict[str, list[Session]] = defaultdict(list)
        for session in sorted(self.plan.sessions, key=lambda s: (s.date, s.start, s.id)):
            for pid in sorted(self.session_people(session)):
                result[pid].append(session)
        return dict(result)

    @cached_property
    def visits_of_person(self) -> dict[str, list[Visit]]:
        """Facilitator id → the cross-network visits they make (L9)."""
        result: dict[str, list[Visit]] = defaultdict(list)
        for visit in sorted(self.plan.visits, key=lambda v: (v.date, v.visitor, v.host)):
            for fid in self.visit_facilitators(visit):
                result[fid].append(visit)
        return dict(result)

    @cached_property
    def _person_ids(self) -> set[str]:
        inst = self.instance
        return (
            {p.id for p in inst.learners}
            | {p.id for p in inst.facilitators}
            | {p.id for p in inst.tn.participants}
        )

    def person_kind(self, person_id: str) -> str:
        """``learner``, ``participant`` or the facilitator's role."""
        idx = self.instance.index
        if person_id in idx.learner:
            return "learner"
        if person_id in idx.tn_participant:
            return "participant"
        if person_id in idx.facilitator:
            return self.instance.facilitators[idx.facilitator[person_id]].role
        return ""

    def regions(self) -> list[str]:
        """Region ids in instance order."""
        return [r.id for r in self.instance.regions]
