"""The plan as tables: one :class:`pandas.DataFrame` per sheet of the workbook / CSV file.

Every table except the summary has a ``region`` column, so a per-region workbook is the
same tables filtered on it. Dates are :class:`datetime.date`, clock times
:class:`datetime.time`, so the workbook stores real Excel dates and times; CSV writes
them as ``2026-09-07`` and ``13:30``. Column names are snake_case, as in the instance CSV
format. Names of people come from :class:`~composer.export.privacy.Names` (pseudonymised
on request); ids always stay.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from composer.export.context import WEEKDAY_NAMES, ExportContext, joint_session_of
from composer.model.instance import STUDENT_KINDS
from composer.model.plan import Session
from composer.rules import RULES


@dataclass(frozen=True)
class Table:
    """One sheet / CSV file: its name, a one-line description and the data."""

    name: str
    title: str
    frame: pd.DataFrame

    @property
    def regional(self) -> bool:
        """True when rows carry a ``region`` column (filtered per region)."""
        return "region" in self.frame.columns


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    """A frame with exactly ``columns`` (also when there are no rows), object dtype."""
    return pd.DataFrame(rows, columns=list(columns), dtype=object)


def _weekday(day: dt.date) -> str:
    return WEEKDAY_NAMES[day.weekday()]


def _span(sessions: list[Session]) -> tuple[dt.date | None, dt.date | None]:
    if not sessions:
        return None, None
    return sessions[0].date, sessions[-1].date


# --------------------------------------------------------------------------- LOS


NETWORK_COLUMNS = (
    "region", "network", "name", "type", "institution", "location", "location_name",
    "weekday", "block", "start", "end", "learners", "students", "min_size", "max_size",
    "spare_seats", "components", "schoolopleider", "schoolopleider_name",
    "second_facilitator", "second_facilitator_name", "sessions", "first_session",
    "last_session", "visits_network",
)  # fmt: skip


def networks_table(ctx: ExportContext) -> Table:
    """One row per LOS network: slot, location, facilitators, size and spare seats (L8)."""
    inst, idx, names = ctx.instance, ctx.instance.index, ctx.names
    visits = {v.visitor: v.host for v in ctx.plan.visits}
    rows = []
    for net in ctx.plan.networks:
        spec = inst.los.networks[idx.network[net.id]]
        low, high = spec.size_bounds(inst.los.settings)
        students = sum(
            1 for lr in net.learners if inst.learners[idx.learner[lr]].kind in STUDENT_KINDS
        )
        so = net.facilitators[0] if net.facilitators else ""
        second = net.facilitators[1] if len(net.facilitators) > 1 else ""
        sessions = [s for s in ctx.sessions_by_group.get(net.id, []) if s.programme == "los"]
        first, last = _span(sessions)
        rows.append(
            {
                "region": net.region,
                "network": net.id,
                "name": spec.name,
                "type": spec.type,
                "institution": spec.institution or "",
                "location": net.location,
                "location_name": names.place(net.location),
                "weekday": net.slot.weekday if net.slot else "",
                "block": net.slot.block if net.slot else "",
                "start": net.slot.start if net.slot else None,
                "end": net.slot.end if net.slot else None,
                "learners": len(net.learners),
                "students": students,
                "min_size": low,
                "max_size": high,
                "spare_seats": max(0, high - len(net.learners)),
                "components": ", ".join(spec.components),
                "schoolopleider": so,
                "schoolopleider_name": names.person(so) if so else "",
                "second_facilitator": second,
                "second_facilitator_name": names.person(second) if second else "",
                "sessions": len(sessions),
                "first_session": first,
                "last_session": last,
                "visits_network": visits.get(net.id, ""),
            }
        )
    return Table(
        "networks",
        "LOS networks: slot, location, facilitators, size",
        _frame(rows, NETWORK_COLUMNS),
    )


MEMBER_COLUMNS = (
    "region", "network", "learner", "name", "email", "kind", "institution", "year",
    "home_school", "home_school_name", "weekday", "start", "end", "location",
    "location_name", "travel_minutes", "facilitators",
)  # fmt: skip


def members_table(ctx: ExportContext) -> Table:
    """One row per placed learner: network, weekly slot, location, travel, facilitators."""
    inst, idx, names = ctx.instance, ctx.instance.index, ctx.names
    rows = []
    for net in ctx.plan.networks:
        for lid in net.learners:
            learner = inst.learners[idx.learner[lid]]
            rows.append(
                {
                    "region": net.region,
                    "network": net.id,
                    "learner": lid,
                    "name": names.person(lid),
                    "email": names.email(lid),
                    "kind": learner.kind,
                    "institution": learner.institution or "",
                    "year": learner.year,
                    "home_school": learner.home_school,
                    "home_school_name": names.place(learner.home_school),
                    "weekday": net.slot.weekday if net.slot else "",
                    "start": net.slot.start if net.slot else None,
                    "end": net.slot.end if net.slot else None,
                    "location": net.location,
                    "location_name": names.place(net.location),
                    "travel_minutes": ctx.travel(learner.home_school, net.location),
                    "facilitators": names.people(net.facilitators),
                }
            )
    return Table("members", "one row per placed learner", _frame(rows, MEMBER_COLUMNS))


# --------------------------------------------------------------------------- BV


def _pairwise(ctx: ExportContext, schools: Sequence[str]) -> list[int]:
    return [
        t
        for i, a in enumerate(schools)
        for b in schools[i + 1 :]
        if (t := ctx.travel(a, b)) is not None
    ]


CLUSTER_COLUMNS = (
    "region", "cluster", "sector", "schools", "participants", "coordinator",
    "coordinator_name", "meetings", "first_meeting", "last_meeting",
    "mean_travel_minutes", "max_travel_minutes", "school_ids",
)  # fmt: skip


def clusters_table(ctx: ExportContext) -> Table:
    """One row per BV cluster: sector, size, coordinator (B4), meetings and travel (B7)."""
    names = ctx.names
    per_school = ctx.instance.bv.participants_per_school
    rows = []
    for cluster in ctx.plan.clusters:
        meetings = ctx.sessions_by_group.get(cluster.id, [])
        first, last = _span(meetings)
        pairs = _pairwise(ctx, cluster.schools)
        coordinator = cluster.coordinator or ""
        rows.append(
            {
                "region": cluster.region,
                "cluster": cluster.id,
                "sector": cluster.sector,
                "schools": len(cluster.schools),
                "participants": len(cluster.schools) * per_school,
                "coordinator": coordinator,
                "coordinator_name": names.person(coordinator) if coordinator else "",
                "meetings": len(meetings),
                "first_meeting": first,
                "last_meeting": last,
                "mean_travel_minutes": round(statistics.fmean(pairs), 1) if pairs else None,
                "max_travel_minutes": max(pairs) if pairs else None,
                "school_ids": ", ".join(cluster.schools),
            }
        )
    return Table("clusters", "BV clusters", _frame(rows, CLUSTER_COLUMNS))


CLUSTER_SCHOOL_COLUMNS = (
    "region", "cluster", "sector", "school", "school_name", "municipality", "postcode",
    "pupils", "hosts", "mean_travel_minutes",
)  # fmt: skip


def cluster_schools_table(ctx: ExportContext) -> Table:
    """One row per clustered school: its cluster, meetings it hosts (B5), its travel (B7)."""
    inst, idx = ctx.instance, ctx.instance.index
    rows = []
    for cluster in ctx.plan.clusters:
        hosted = Counter(s.location for s in ctx.sessions_by_group.get(cluster.id, []))
        for sid in cluster.schools:
            school = inst.schools[idx.school[sid]]
            others = [
                t for o in cluster.schools if o != sid and (t := ctx.travel(sid, o)) is not None
            ]
            rows.append(
                {
                    "region": cluster.region,
                    "cluster": cluster.id,
                    "sector": cluster.sector,
                    "school": sid,
                    "school_name": school.name,
                    "municipality": school.municipality,
                    "postcode": school.postcode,
                    "pupils": school.pupils,
                    "hosts": hosted.get(sid, 0),
                    "mean_travel_minutes": round(statistics.fmean(others), 1) if others else None,
                }
            )
    return Table(
        "cluster_schools",
        "one row per school in a BV cluster",
        _frame(rows, CLUSTER_SCHOOL_COLUMNS),
    )


# --------------------------------------------------------------------------- TN


TN_COLUMNS = (
    "region", "network", "name", "theme", "facilitator", "facilitator_name", "participants",
    "min_size", "max_size", "composition", "composition_attribute", "kickoff", "meetings",
    "first_meeting", "last_meeting",
)  # fmt: skip


def tn_networks_table(ctx: ExportContext) -> Table:
    """One row per TN network: theme, facilitator (T4), size (T7) and its meetings (T1).

    A network's series starts with the joint kick-off (T1), a session of all networks
    (group ``all``): ``kickoff`` is its date, and ``meetings``, ``first_meeting`` and
    ``last_meeting`` count it with the network's own meetings, so a series of five reads 5.
    """
    inst, idx, names = ctx.instance, ctx.instance.index, ctx.names
    joint = ctx.sessions_by_group.get("all", [])
    rows = []
    for tn in ctx.plan.tn_networks:
        spec = inst.tn.networks[idx.tn_network[tn.id]]
        kickoffs = [s for s in joint if joint_session_of(s, tn)]
        meetings = sorted(
            [*kickoffs, *ctx.sessions_by_group.get(tn.id, [])], key=lambda s: (s.date, s.start)
        )
        first, last = _span(meetings)
        rows.append(
            {
                "region": spec.region or "",
                "network": tn.id,
                "name": spec.name,
                "theme": spec.theme,
                "facilitator": tn.facilitator,
                "facilitator_name": names.person(tn.facilitator),
                "participants": len(tn.participants),
                "min_size": spec.min_size,
                "max_size": spec.max_size,
                "composition": spec.composition,
                "composition_attribute": spec.composition_attribute,
                "kickoff": kickoffs[0].date if kickoffs else None,
                "meetings": len(meetings),
                "first_meeting": first,
                "last_meeting": last,
            }
        )
    return Table("tn_networks", "thematic networks", _frame(rows, TN_COLUMNS))


TN_MEMBER_COLUMNS = (
    "region", "network", "participant", "name", "email", "function", "school", "school_name",
    "helps",
)  # fmt: skip


def tn_members_table(ctx: ExportContext) -> Table:
    """One row per TN participant: network, school, and how often they help prepare (T5)."""
    inst, idx, names = ctx.instance, ctx.instance.index, ctx.names
    helps = Counter(h for s in ctx.plan.sessions if s.programme == "tn" for h in s.helpers)
    rows = []
    for tn in ctx.plan.tn_networks:
        for pid in tn.participants:
            person = inst.tn.participants[idx.tn_participant[pid]]
            rows.append(
                {
                    "region": ctx.tn_region.get(tn.id, ""),
                    "network": tn.id,
                    "participant": pid,
                    "name": names.person(pid),
                    "email": names.email(pid),
                    "function": person.function,
                    "school": person.school,
                    "school_name": names.place(person.school),
                    "helps": helps.get(pid, 0),
                }
            )
    return Table("tn_members", "one row per TN participant", _frame(rows, TN_MEMBER_COLUMNS))


# --------------------------------------------------------------------------- calendar


SESSION_COLUMNS = (
    "region", "session", "programme", "kind", "group", "group_name", "date", "weekday",
    "start", "end", "location", "location_name", "address", "facilitators", "attendees",
    "headcount", "helpers",
)  # fmt: skip


def _session_row(
    ctx: ExportContext, s: Session, attendees: Callable[[Session], Any]
) -> dict[str, Any]:
    return {
        "region": ctx.session_region(s),
        "session": s.id,
        "programme": s.programme,
        "kind": s.kind,
        "group": s.group,
        "group_name": ctx.group_name(s.group),
        "date": s.date,
        "weekday": _weekday(s.date),
        "start": s.start,
        "end": s.end,
        "location": s.location,
        "location_name": ctx.names.place(s.location),
        "address": ctx.location_text(s.location),
        "facilitators": ctx.names.people(s.facilitators),
        "attendees": attendees(s),
        "headcount": s.headcount,
        "helpers": ctx.names.people(s.helpers),
    }


def _sorted_sessions(ctx: ExportContext, programmes: set[str] | None = None) -> list[Session]:
    return sorted(
        (s for s in ctx.plan.sessions if programmes is None or s.programme in programmes),
        key=lambda s: (s.date, s.start, s.group, s.id),
    )


def sessions_table(ctx: ExportContext) -> Table:
    """Every dated session of every programme, by date: ``attendees`` counts the ids it
    names (learners, schools or participants), ``headcount`` the people expected (B3)."""
    rows = [_session_row(ctx, s, lambda s: len(s.attendees)) for s in _sorted_sessions(ctx)]
    return Table("sessions", "every dated session", _frame(rows, SESSION_COLUMNS))


def development_table(ctx: ExportContext) -> Table:
    """Development meetings (L10) and yearly reviews (L11), with the attendees' names."""
    rows = [
        _session_row(ctx, s, lambda s: ctx.names.people(s.attendees))
        for s in _sorted_sessions(ctx, {"development", "review"})
    ]
    return Table("development", "development meetings and reviews", _frame(rows, SESSION_COLUMNS))


VISIT_COLUMNS = (
    "region", "visitor", "host", "date", "weekday", "start", "end", "location",
    "location_name", "facilitators",
)  # fmt: skip


def visits_table(ctx: ExportContext) -> Table:
    """Cross-network visits (L9): which duo visits which network, when and where."""
    rows = []
    for visit in sorted(ctx.plan.visits, key=lambda v: (v.date, v.visitor, v.host)):
        times = ctx.visit_times(visit)
        location = ctx.visit_location(visit)
        rows.append(
            {
                "region": ctx.network_region.get(visit.host, ""),
                "visitor": visit.visitor,
                "host": visit.host,
                "date": visit.date,
                "weekday": _weekday(visit.date),
                "start": times[0] if times else None,
                "end": times[1] if times else None,
                "location": location,
                "location_name": ctx.names.place(location) if location else "",
                "facilitators": ctx.names.people(ctx.visit_facilitators(visit)),
            }
        )
    return Table("visits", "cross-network visits (L9)", _frame(rows, VISIT_COLUMNS))


# --------------------------------------------------------------------------- L6


def wpb_hours_table(ctx: ExportContext) -> Table:
    """Werkplekbegeleider hours per school (L6), against the school's capacity."""
    rows = [
        {
            "region": s.region,
            "school": s.school,
            "school_name": s.name,
            "students": s.students,
            "hours": s.hours,
            "capacity_hours": s.capacity,
            "over_capacity": s.over,
        }
        for s in ctx.hours.schools
    ]
    columns = (
        "region",
        "school",
        "school_name",
        "students",
        "hours",
        "capacity_hours",
        "over_capacity",
    )
    return Table("wpb_hours", "werkplekbegeleider hours per school (L6)", _frame(rows, columns))


def so_days_table(ctx: ExportContext) -> Table:
    """Schoolopleider days a week (L6), against each SO's capacity."""
    rows = [
        {
            "region": ", ".join(sorted({ctx.network_region.get(n, "") for n in s.networks} - {""})),
            "schoolopleider": s.facilitator,
            "name": ctx.names.person(s.facilitator),
            "networks": ", ".join(s.networks),
            "learners": s.learners,
            "days_per_week": round(s.days, 3),
            "capacity_days": s.capacity_days,
            "over_capacity": s.over,
        }
        for s in ctx.hours.schoolopleiders
    ]
    columns = (
        "region", "schoolopleider", "name", "networks", "learners", "days_per_week",
        "capacity_days", "over_capacity",
    )  # fmt: skip
    return Table("so_days", "schoolopleider days a week (L6)", _frame(rows, columns))


def hours_regions_table(ctx: ExportContext) -> Table:
    """L6 totals per region."""
    rows = [
        {
            "region": r.region,
            "region_name": r.name,
            "students": r.students,
            "wpb_hours": r.wpb_hours,
            "schools_over_capacity": r.schools_over,
            "learners": r.learners,
            "so_days_per_week": round(r.so_days, 3),
            "schoolopleiders": r.schoolopleiders,
            "schoolopleiders_over_capacity": r.schoolopleiders_over,
        }
        for r in ctx.hours.regions
    ]
    columns = (
        "region", "region_name", "students", "wpb_hours", "schools_over_capacity", "learners",
        "so_days_per_week", "schoolopleiders", "schoolopleiders_over_capacity",
    )  # fmt: skip
    return Table("hours_regions", "facilitation hours per region (L6)", _frame(rows, columns))


# --------------------------------------------------------------------------- unplaced, quality


def _unplaced_region(ctx: ExportContext, what: str, item: str) -> str:
    inst, idx = ctx.instance, ctx.instance.index
    if what == "learner" and item in idx.learner:
        return ctx.school_region(inst.learners[idx.learner[item]].home_school)
    if what == "participant" and item in idx.tn_participant:
        return ctx.school_region(inst.tn.participants[idx.tn_participant[item]].school)
    if what == "school":
        return ctx.school_region(item)
    if what == "network" and item in idx.network:
        return inst.los.networks[idx.network[item]].region
    return ""


def _unplaced_name(ctx: ExportContext, what: str, item: str) -> str:
    if what in {"learner", "participant"}:
        return ctx.names.person(item)
    if what == "school":
        return ctx.names.place(item)
    return ctx.group_name(item)


def unplaced_table(ctx: ExportContext) -> Table:
    """Everyone and every school left out, with the reason and the rule id."""
    rows = [
        {
            "region": _unplaced_region(ctx, u.what, u.id),
            "id": u.id,
            "what": u.what,
            "name": _unplaced_name(ctx, u.what, u.id),
            "reason": ctx.names.text(u.reason),
            "rule": u.rule or "",
            "rule_title": RULES[u.rule].title if u.rule in RULES else "",
        }
        for u in ctx.plan.unplaced
    ]
    columns = ("region", "id", "what", "name", "reason", "rule", "rule_title")
    return Table("unplaced", "left out, with reason and rule", _frame(rows, columns))


def violations_table(ctx: ExportContext) -> Table:
    """Every violation the checker found, with the rule and the ids involved."""
    rows = [
        {
            "rule": v.rule,
            "title": RULES[v.rule].title if v.rule in RULES else "",
            "severity": v.severity,
            "message": ctx.names.text(v.message),
            "items": ", ".join(v.items),
        }
        for v in ctx.report.violations
    ]
    columns = ("rule", "title", "severity", "message", "items")
    return Table("violations", "the checker's findings", _frame(rows, columns))


def _fmt(value: float | None, pattern: str = "{:,.0f}") -> str:
    return "-" if value is None else pattern.format(value)


def summary_table(ctx: ExportContext, tables: dict[str, Table], region: str | None = None) -> Table:
    """The first sheet: status, objective, bound, gap, counts and the rule-by-rule result.

    Counts come from the (possibly region-filtered) ``tables``, so a per-region workbook
    counts its own region. Status, objective and the checker's verdict are the whole
    plan's (a plan is solved and checked as a whole).
    """
    plan = ctx.plan
    rows: list[dict[str, Any]] = []

    def add(item: str, value: Any, detail: str = "") -> None:
        rows.append({"item": item, "value": value, "detail": detail})

    add("instance", plan.instance, f"hash {plan.instance_hash[:12]}" if plan.instance_hash else "")
    if region is not None:
        add("region", region or "(no region)", "counts below are this region's")
    add("status", plan.status, "interrupted: best plan so far" if plan.interrupted else "")
    add("objective", plan.objective)
    add("bound", plan.bound)
    add("gap", "-" if plan.gap is None else f"{plan.gap:.2%}")
    for name, stage in plan.stages.items():
        detail = (
            f"objective {_fmt(stage.objective, '{:g}')}, bound {_fmt(stage.bound, '{:g}')}, "
            f"gap {'-' if stage.gap is None else f'{stage.gap:.2%}'}"
        )
        notes = "; ".join(ctx.names.text(n) for n in stage.notes)
        add(f"stage {name}", stage.status, f"{detail}; {notes}" if notes else detail)
    for label, value in count_items(tables):
        add(label, value)
    add("werkplekbegeleider hours", float(tables["wpb_hours"].frame["hours"].sum()))
    add(
        "schoolopleider days a week",
        round(float(tables["so_days"].frame["days_per_week"].sum()), 3),
    )
    over = int(tables["wpb_hours"].frame["over_capacity"].sum()) + int(
        tables["so_days"].frame["over_capacity"].sum()
    )
    add("over facilitation capacity (L6)", over, "schools and schoolopleiders")
    errors = len(ctx.report.errors)
    add(
        "checker",
        "ok" if ctx.report.ok else f"{errors} violation(s)",
        "; ".join(ctx.report.mismatches),
    )
    for result in ctx.rule_results:
        add(f"rule {result.rule} {result.title}", result.result, " | ".join(result.messages[:5]))
    add("pseudonymised", "yes" if ctx.names.pseudonymise else "no")
    return Table("summary", "status, counts and quality", _frame(rows, ("item", "value", "detail")))


COUNTS: tuple[tuple[str, str], ...] = (
    ("networks", "LOS networks"),
    ("learners", "learners placed"),
    ("learners_unplaced", "learners unplaced"),
    ("clusters", "BV clusters"),
    ("clustered_schools", "schools clustered"),
    ("tn_networks", "TN networks"),
    ("tn_participants", "TN participants placed"),
    ("sessions", "sessions"),
    ("los_sessions", "LOS sessions"),
    ("bv_meetings", "BV meetings"),
    ("tn_meetings", "TN meetings"),
    ("development", "development meetings and reviews"),
    ("visits", "visits"),
    ("unplaced", "unplaced"),
)
"""The counts every output shows: (key, label); the report tags each with ``data-count``."""


def count_items(tables: dict[str, Table]) -> list[tuple[str, int]]:
    """The counts of :data:`COUNTS` as (label, number), from the tables themselves."""
    found = counts(tables)
    return [(label, found[key]) for key, label in COUNTS]


def counts(tables: dict[str, Table]) -> dict[str, int]:
    """The counts of :data:`COUNTS` by key."""
    sessions = tables["sessions"].frame
    by_programme = Counter(sessions["programme"]) if len(sessions) else Counter()
    return {
        "networks": len(tables["networks"].frame),
        "learners": len(tables["members"].frame),
        "learners_unplaced": int((tables["unplaced"].frame["what"] == "learner").sum()),
        "clusters": len(tables["clusters"].frame),
        "clustered_schools": len(tables["cluster_schools"].frame),
        "tn_networks": len(tables["tn_networks"].frame),
        "tn_participants": len(tables["tn_members"].frame),
        "sessions": len(sessions),
        "los_sessions": by_programme.get("los", 0),
        "bv_meetings": by_programme.get("bv", 0),
        "tn_meetings": by_programme.get("tn", 0),
        "development": len(tables["development"].frame),
        "visits": len(tables["visits"].frame),
        "unplaced": len(tables["unplaced"].frame),
    }


BUILDERS: tuple[Callable[[ExportContext], Table], ...] = (
    networks_table,
    members_table,
    clusters_table,
    cluster_schools_table,
    tn_networks_table,
    tn_members_table,
    sessions_table,
    visits_table,
    development_table,
    wpb_hours_table,
    so_days_table,
    hours_regions_table,
    unplaced_table,
    violations_table,
)


def build_tables(ctx: ExportContext) -> dict[str, Table]:
    """Every table of the plan, summary first, keyed by sheet name."""
    tables = {t.name: t for t in (build(ctx) for build in BUILDERS)}
    return {"summary": summary_table(ctx, tables), **tables}


def _in_region(cell: Any, region: str) -> bool:
    text = "" if cell is None else str(cell)
    if region == "":
        return text == ""
    return region in {part.strip() for part in text.split(",")}


def region_tables(ctx: ExportContext, tables: dict[str, Table], region: str) -> dict[str, Table]:
    """The tables restricted to one region ('' = rows that belong to no region).

    A row belongs to a region when its ``region`` cell names it (an SO leading networks
    in two regions names both). Tables without a region column (the checker's
    violations) are kept whole.
    """
    out: dict[str, Table] = {}
    for name, table in tables.items():
        if name == "summary":
            continue
        if table.regional:
            mask = table.frame["region"].map(lambda cell: _in_region(cell, region)).astype(bool)
            frame = table.frame[mask].reset_index(drop=True)
            out[name] = Table(table.name, table.title, frame)
        else:
            out[name] = table
    return {"summary": summary_table(ctx, out, region), **out}


def regions_present(ctx: ExportContext, tables: dict[str, Table]) -> list[str]:
    """Regions named in any table, in instance order, then '' when some rows have none."""
    found: set[str] = set()
    for table in tables.values():
        if not table.regional:
            continue
        for cell in table.frame["region"]:
            text = "" if cell is None else str(cell)
            if text:
                found.update(part.strip() for part in text.split(","))
            else:
                found.add("")
    ordered = [r for r in ctx.regions() if r in found]
    ordered += sorted(found - set(ordered) - {""})
    if "" in found:
        ordered.append("")
    return ordered
