"""Cross-row consistency of an instance: ids, references, bounds and dates.

Field types are pydantic's job; this module checks what needs more than one row: a
duplicate id, a reference to a school or person that does not exist, a minimum above its
maximum, a date outside every school year, overlapping holidays. Every problem becomes
an :class:`~composer.errors.Issue` whose ``path`` points into the model
(``("learners", 12, "home_school")``); the loaders translate that path to a file, row
and column. All issues are collected, none stops the others.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from composer.errors import DUPLICATE_ID, OUTSIDE_SCHOOL_YEARS, SHARED_ID, UNKNOWN_ID, IdRef, Issue

if TYPE_CHECKING:
    from composer.model.instance import Instance

Path = tuple[str | int, ...]


class SemanticIssues(ValueError):
    """Raised inside model validation; carries every cross-row issue found."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(f"{'.'.join(map(str, i.path))}: {i.message}" for i in issues))


def outside_school_years_message(what: str, day: Any) -> str:
    """The words for a date outside every school year (code ``OUTSIDE_SCHOOL_YEARS``)."""
    return f"{what} {day} is outside every school year"


class _Collector:
    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(
        self,
        path: Path,
        message: str,
        fix: str | None = None,
        rule: str | None = None,
        code: str | None = None,
        id_ref: IdRef | None = None,
    ) -> None:
        self.issues.append(
            Issue(message=message, path=path, fix=fix, rule=rule, code=code, id_ref=id_ref)
        )


def duplicate_id_message(what: str, id_: str, users: str) -> str:
    """The message of a duplicate id; ``users`` says which rows use it (``2 rows``; a
    reader that knows where the rows are says ``rows 2 and 12`` or ``learners[0] and
    learners[10]``)."""
    return f"duplicate {what} id {id_!r} ({users} use it)"


def _a(word: str) -> str:
    """``word`` with its indefinite article: ``an instituutsopleider``, ``a schoolopleider``."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"


def _ids(items: Iterable[Any]) -> set[str]:
    return {item.id for item in items}


def _check_unique(c: _Collector, table: Path, items: Sequence[Any], what: str) -> None:
    counts = Counter(item.id for item in items)
    seen: set[str] = set()
    for i, item in enumerate(items):
        if item.id in seen:
            c.add(
                (*table, i, "id"),
                duplicate_id_message(what, item.id, f"{counts[item.id]} rows"),
                fix="give every row its own id, or delete the repeated row",
                code=DUPLICATE_ID,
                id_ref=IdRef(what, item.id),
            )
        seen.add(item.id)


def _ref(
    c: _Collector,
    path: Path,
    value: str | None,
    known: set[str],
    what: str,
    table_hint: str,
) -> None:
    if value is not None and value not in known:
        _unknown(c, path, value, what, table_hint)


def _unknown(c: _Collector, path: Path, value: str, what: str, table_hint: str) -> None:
    c.add(
        path,
        f"unknown {what} {value!r}",
        fix=f"use an id listed in {table_hint}",
        code=UNKNOWN_ID,
        id_ref=IdRef(what, value),
    )


def _refs(
    c: _Collector, path: Path, values: Iterable[str], known: set[str], what: str, hint: str
) -> None:
    for value in values:
        _ref(c, path, value, known, what, hint)


def semantic_issues(inst: Instance) -> list[Issue]:
    """Every cross-row problem of ``inst``; an empty list means consistent."""
    c = _Collector()
    cal = inst.calendar

    # ---- unique ids per table
    tables: list[tuple[Path, Sequence[Any], str]] = [
        (("calendar", "time_blocks"), cal.time_blocks, "time block"),
        (("calendar", "school_years"), cal.school_years, "school year"),
        (("regions",), inst.regions, "region"),
        (("institutions",), inst.institutions, "institution"),
        (("schools",), inst.schools, "school"),
        (("learners",), inst.learners, "learner"),
        (("facilitators",), inst.facilitators, "facilitator"),
        (("los", "components"), inst.los.components, "component"),
        (("los", "networks"), inst.los.networks, "LOS network"),
        (("tn", "networks"), inst.tn.networks, "TN network"),
        (("tn", "participants"), inst.tn.participants, "TN participant"),
    ]
    for path, items, what in tables:
        _check_unique(c, path, items, what)

    # ids that name a person or a school must not be shared between tables: calendars,
    # unavailability rows and outputs per person are keyed by them.
    owners: dict[str, str] = {}
    keyed_tables: list[tuple[Path, Sequence[Any], str]] = [
        (("schools",), inst.schools, "school"),
        (("learners",), inst.learners, "learner"),
        (("facilitators",), inst.facilitators, "facilitator"),
        (("tn", "participants"), inst.tn.participants, "TN participant"),
    ]
    for path, items, what in keyed_tables:
        for i, item in enumerate(items):
            other = owners.get(item.id)
            if other is not None and other != what:
                c.add(
                    (*path, i, "id"),
                    f"id {item.id!r} is used both for a {other} and a {what}",
                    fix="ids of schools and people must be unique across all tables",
                    code=SHARED_ID,
                    id_ref=IdRef(what, item.id),
                )
            owners.setdefault(item.id, what)

    block_ids = _ids(cal.time_blocks)
    year_ids = _ids(cal.school_years)
    region_ids = _ids(inst.regions)
    institution_ids = _ids(inst.institutions)
    school_ids = _ids(inst.schools)
    learner_ids = _ids(inst.learners)
    facilitator_by_id = {f.id: f for f in inst.facilitators}
    component_ids = _ids(inst.los.components)
    network_ids = _ids(inst.los.networks)
    tn_network_ids = _ids(inst.tn.networks)
    participant_ids = _ids(inst.tn.participants)

    # ---- calendar
    for i, block in enumerate(cal.time_blocks):
        if block.start >= block.end:
            c.add(
                ("calendar", "time_blocks", i, "end"),
                f"time block {block.id!r} ends ({block.end:%H:%M}) before it starts "
                f"({block.start:%H:%M})",
                fix="swap start and end",
            )
    for i, year in enumerate(cal.school_years):
        if year.start >= year.end:
            c.add(
                ("calendar", "school_years", i, "end"),
                f"school year {year.id!r} ends on {year.end} before it starts on {year.start}",
                fix="a school year runs from August to July: check start and end",
            )
    ordered_years = sorted(enumerate(cal.school_years), key=lambda p: p[1].start)
    for (_, a), (j, b) in itertools.pairwise(ordered_years):
        if b.start <= a.end:
            c.add(
                ("calendar", "school_years", j, "start"),
                f"school year {b.id!r} starts on {b.start}, before {a.id!r} ends on {a.end}",
                fix="school years must not overlap",
            )
    for i, hol in enumerate(cal.holidays):
        if hol.start > hol.end:
            c.add(
                ("calendar", "holidays", i, "end"),
                f"holiday {hol.name!r} ({hol.holiday_region}) ends on {hol.end} before it "
                f"starts on {hol.start}",
                fix="swap start and end",
            )
    by_region: dict[str, list[tuple[int, Any]]] = defaultdict(list)
    for i, hol in enumerate(cal.holidays):
        by_region[hol.holiday_region].append((i, hol))
    for region_holidays in by_region.values():
        region_holidays.sort(key=lambda p: p[1].start)
        for (_, a), (j, b) in itertools.pairwise(region_holidays):
            if b.start <= a.end:
                c.add(
                    ("calendar", "holidays", j, "start"),
                    f"holiday {b.name!r} ({b.holiday_region}, from {b.start}) overlaps "
                    f"{a.name!r} (until {a.end})",
                    fix="merge the two rows or correct the dates",
                    rule="C2",
                )

    _ref(c, ("calendar", "plan_year"), cal.plan_year, year_ids, "school year", "school_years")

    def in_some_year(day: Any) -> bool:
        return any(y.start <= day <= y.end for y in cal.school_years)

    # ---- places
    for i, school in enumerate(inst.schools):
        _ref(c, ("schools", i, "region"), school.region, region_ids, "region", "regions")
    for i, tt in enumerate(inst.travel_times):
        _ref(c, ("travel_times", i, "origin"), tt.origin, school_ids, "school", "schools")
        _ref(c, ("travel_times", i, "destination"), tt.destination, school_ids, "school", "schools")

    # ---- people
    for i, lr in enumerate(inst.learners):
        base: Path = ("learners", i)
        _ref(c, (*base, "home_school"), lr.home_school, school_ids, "school", "schools")
        _ref(
            c,
            (*base, "institution"),
            lr.institution,
            institution_ids,
            "institution",
            "institutions",
        )
        _refs(c, (*base, "needs"), lr.needs, component_ids, "component", "los_components")
        _refs(
            c,
            (*base, "preferred_networks"),
            lr.preferred_networks,
            network_ids,
            "LOS network",
            "los_networks",
        )
        _ref(c, (*base, "network"), lr.network, network_ids, "LOS network", "los_networks")
        for day in ("mon", "tue", "wed", "thu", "fri"):
            _refs(
                c,
                (*base, "roster", day),
                getattr(lr.roster, day),
                block_ids,
                "time block",
                "time_blocks",
            )
    for i, fac in enumerate(inst.facilitators):
        base = ("facilitators", i)
        _ref(
            c,
            (*base, "institution"),
            fac.institution,
            institution_ids,
            "institution",
            "institutions",
        )
        _ref(c, (*base, "home_school"), fac.home_school, school_ids, "school", "schools")
        _refs(c, (*base, "regions"), fac.regions, region_ids, "region", "regions")
        _refs(
            c,
            (*base, "available_blocks"),
            fac.available_blocks,
            block_ids,
            "time block",
            "time_blocks",
        )
    all_who = school_ids | learner_ids | set(facilitator_by_id) | participant_ids
    for i, un in enumerate(inst.unavailability):
        _ref(
            c,
            ("unavailability", i, "who"),
            un.who,
            all_who,
            "person or school",
            "the people or schools tables",
        )
        if un.start > un.end:
            c.add(
                ("unavailability", i, "end"),
                f"ends on {un.end} before it starts on {un.start}",
                fix="swap start and end",
            )

    # ---- LOS
    los = inst.los
    if los.settings.min_size > los.settings.max_size:
        c.add(
            ("los", "settings", "min_size"),
            f"network size bounds {los.settings.min_size}..{los.settings.max_size}: "
            "the minimum is above the maximum",
            fix="DOMAIN.md's default is 15..18",
            rule="L1",
        )
    if (
        los.settings.development_meetings_at_institution
        > los.settings.development_meetings_per_year
    ):
        c.add(
            ("los", "settings", "development_meetings_at_institution"),
            f"{los.settings.development_meetings_at_institution} development meetings at an "
            f"institution but only {los.settings.development_meetings_per_year} a year",
            fix="DOMAIN.md's default is 3 of 4",
            rule="L10",
        )
    if los.settings.development_start >= los.settings.development_end:
        c.add(
            ("los", "settings", "development_end"),
            "development meetings end before they start",
            fix="swap the times",
        )
    for i, comp in enumerate(los.components):
        _ref(
            c,
            ("los", "components", i, "institution"),
            comp.institution,
            institution_ids,
            "institution",
            "institutions",
        )
    for i, net in enumerate(los.networks):
        base = ("los", "networks", i)
        _ref(c, (*base, "region"), net.region, region_ids, "region", "regions")
        _ref(
            c,
            (*base, "institution"),
            net.institution,
            institution_ids,
            "institution",
            "institutions",
        )
        _refs(
            c, (*base, "components"), net.components, component_ids, "component", "los_components"
        )
        _ref(c, (*base, "location"), net.location, school_ids, "school", "schools")
        _refs(c, (*base, "partner_schools"), net.partner_schools, school_ids, "school", "schools")
        low, high = net.size_bounds(los.settings)
        if low > high:
            c.add(
                (*base, "min_size"),
                f"network {net.id!r} size bounds {low}..{high}: the minimum is above the maximum",
                fix="lower min_size or raise max_size",
                rule="L1",
            )
        if net.type == "mixed" and not net.mixed_agreed:
            c.add(
                (*base, "mixed_agreed"),
                f"network {net.id!r} is mixed but not marked as agreed with the institutes",
                fix="set mixed_agreed to true once HU/UU agreed, or choose opleiding or inductie",
                rule="L2",
            )
        if net.type == "inductie" and net.components:
            c.add(
                (*base, "components"),
                f"inductie network {net.id!r} offers components {', '.join(net.components)}",
                fix="induction networks offer no HU/UU curriculum: remove the components",
                rule="L3",
            )
        if net.schoolopleider is not None:
            so = facilitator_by_id.get(net.schoolopleider)
            if so is None:
                _unknown(
                    c, (*base, "schoolopleider"), net.schoolopleider, "facilitator", "facilitators"
                )
            elif so.role != "schoolopleider":
                c.add(
                    (*base, "schoolopleider"),
                    f"{so.id!r} is {_a(so.role)}, not a schoolopleider",
                    rule="L5",
                    fix="choose a facilitator whose role is schoolopleider",
                    id_ref=IdRef("facilitator", so.id),
                )
        if net.second_facilitator is not None:
            second = facilitator_by_id.get(net.second_facilitator)
            wanted = {
                "opleiding": {"instituutsopleider"},
                "inductie": {"schoolbegeleider"},
                "mixed": {"instituutsopleider", "schoolbegeleider"},
            }[net.type]
            if second is None:
                _unknown(
                    c,
                    (*base, "second_facilitator"),
                    net.second_facilitator,
                    "facilitator",
                    "facilitators",
                )
            elif second.role not in wanted:
                c.add(
                    (*base, "second_facilitator"),
                    f"{second.id!r} is {_a(second.role)}; {_a(net.type)} network needs "
                    f"{_a(' or '.join(sorted(wanted)))}",
                    rule="L5",
                    fix="choose a facilitator with the right role",
                    id_ref=IdRef("facilitator", second.id),
                )
        if net.slot is not None:
            if net.slot.weekday not in cal.weekdays:
                c.add(
                    (*base, "slot", "weekday"),
                    f"slot weekday {net.slot.weekday!r} is not a planning weekday "
                    f"({', '.join(cal.weekdays)})",
                    fix="choose one of the calendar's weekdays",
                )
            _ref(
                c, (*base, "slot", "block"), net.slot.block, block_ids, "time block", "time_blocks"
            )

    # ---- BV
    bv = inst.bv
    if bv.min_size > bv.max_size:
        c.add(
            ("bv", "min_size"),
            f"cluster size bounds {bv.min_size}..{bv.max_size}: the minimum is above the maximum",
            fix="DOMAIN.md's bounds are 4..6",
            rule="B2",
        )
    _ref(
        c,
        ("bv", "first_school_year"),
        bv.first_school_year,
        year_ids,
        "school year",
        "school_years",
    )
    if bv.meeting_start >= bv.meeting_end:
        c.add(("bv", "meeting_end"), "BV meetings end before they start", fix="swap the times")
    for i, wish in enumerate(bv.wishes):
        _ref(c, ("bv", "wishes", i, "school_a"), wish.school_a, school_ids, "school", "schools")
        _ref(c, ("bv", "wishes", i, "school_b"), wish.school_b, school_ids, "school", "schools")
        if wish.school_a == wish.school_b:
            c.add(
                ("bv", "wishes", i, "school_b"),
                f"a wish names school {wish.school_a!r} twice",
                fix="name two different schools",
            )

    # ---- TN
    tn = inst.tn
    places = school_ids | institution_ids
    _ref(
        c,
        ("tn", "kickoff_location"),
        tn.kickoff_location,
        places,
        "school or institution",
        "schools or institutions",
    )
    if tn.kickoff_date is not None and cal.school_years and not in_some_year(tn.kickoff_date):
        c.add(
            ("tn", "kickoff_date"),
            outside_school_years_message("kick-off date", tn.kickoff_date),
            fix="choose a date inside a school year listed in school_years",
            rule="T1",
            code=OUTSIDE_SCHOOL_YEARS,
        )
    if tn.meeting_start >= tn.meeting_end:
        c.add(("tn", "meeting_end"), "TN meetings end before they start", fix="swap the times")
    for i, tnet in enumerate(tn.networks):
        base = ("tn", "networks", i)
        _ref(c, (*base, "region"), tnet.region, region_ids, "region", "regions")
        tn_fac = facilitator_by_id.get(tnet.facilitator)
        if tn_fac is None:
            _unknown(c, (*base, "facilitator"), tnet.facilitator, "facilitator", "facilitators")
        elif tn_fac.role != "procesbegeleider":
            c.add(
                (*base, "facilitator"),
                f"{tn_fac.id!r} is {_a(tn_fac.role)}, not a procesbegeleider",
                rule="T4",
                fix="choose a facilitator whose role is procesbegeleider",
                id_ref=IdRef("facilitator", tn_fac.id),
            )
        _ref(
            c,
            (*base, "kickoff_location"),
            tnet.kickoff_location,
            places,
            "school or institution",
            "schools or institutions",
        )
        if (
            tnet.kickoff_date is not None
            and cal.school_years
            and not in_some_year(tnet.kickoff_date)
        ):
            c.add(
                (*base, "kickoff_date"),
                outside_school_years_message("kick-off date", tnet.kickoff_date),
                fix="choose a date inside a listed school year",
                rule="T1",
                code=OUTSIDE_SCHOOL_YEARS,
            )
        if tnet.min_size > tnet.max_size:
            c.add(
                (*base, "min_size"),
                f"TN network {tnet.id!r} size bounds "
                f"{tnet.min_size}..{tnet.max_size}: the minimum is above the maximum",
                fix="lower min_size or raise max_size",
                rule="T7",
            )
    for i, part in enumerate(tn.participants):
        base = ("tn", "participants", i)
        _ref(c, (*base, "school"), part.school, school_ids, "school", "schools")
        _ref(c, (*base, "network"), part.network, tn_network_ids, "TN network", "tn_networks")

    return c.issues
