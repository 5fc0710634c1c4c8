"""Objective terms of the calendar stage, shared by the solver and the checker.

Every term is a whole number; the solver minimises their sum (the terms belong to
independent decisions, so no weights are needed) and the checker recomputes each from
the plan with the same functions:

- ``bv_spread``: days by which each BV meeting lies from its *target date*; the targets
  spread a cluster's meetings evenly over its school year (no bunching, B6);
- ``tn_spread``: the same for the meetings of a TN series after the kick-off (T1);
- ``tn_helper_not_host``: TN meetings whose helpers (T5) include nobody of the host school;
- ``visit_preference``: per cross-network visit (L9) one point when visitor and host belong
  to the same institution, one more when they meet at the same school;
- ``development_absent``: invited SO/IO who cannot attend a development meeting (L10)
  because they are busy or unavailable that day.
"""

from __future__ import annotations

import datetime as dt

from composer.calendar import holiday_region_of, school_calendar
from composer.model.instance import Instance, SchoolYear

PARTS: tuple[str, ...] = (
    "bv_spread",
    "tn_spread",
    "tn_helper_not_host",
    "visit_preference",
    "development_absent",
)


def spread_targets(
    first: dt.date, last: dt.date, count: int, rank: int = 0, of: int = 1
) -> list[dt.date]:
    """``count`` dates spread evenly over ``first..last``: the middle of equal parts.

    ``rank`` of ``of`` groups sharing a leader (a coordinator's clusters) interleaves
    their targets, so the leader's meetings are spread too instead of all groups aiming
    at the same days: group ``rank`` takes parts ``rank, rank + of, ...`` of ``count * of``.

    Worked example: 2026-09-01..2027-06-28 (300 days), 4 meetings, one group → offsets
    37, 112, 187, 262 days (``(2k+1) * 300 // 8``).
    """
    span = (last - first).days
    parts = count * of
    return [
        first + dt.timedelta(days=((2 * (k * of + rank) + 1) * span) // (2 * parts))
        for k in range(count)
    ]


def series_targets(
    kickoff: dt.date, last: dt.date, remaining: int, rank: int = 0, of: int = 1
) -> list[dt.date]:
    """Targets of the ``remaining`` meetings of a TN series after its kick-off: evenly
    spaced after the kick-off, the last half a step before ``last`` (offsets
    ``2k * span // (2 * remaining + 1)``, k = 1..remaining); ``rank`` of ``of`` networks
    of one facilitator shifts them by ``rank / of`` of a step (interleaved)."""
    span = max(0, (last - kickoff).days)
    return [
        kickoff + dt.timedelta(days=((2 * k * of + 2 * rank) * span) // ((2 * remaining + 1) * of))
        for k in range(1, remaining + 1)
    ]


def leader_rank(groups: list[tuple[str, str | None]], group: str) -> tuple[int, int]:
    """(rank, count) of ``group`` among the groups with its leader, ordered by id.

    ``groups`` holds (group id, leader id) pairs, e.g. the plan's clusters with their
    coordinators; a group without a leader is alone: (0, 1).
    """
    leader = next((lead for gid, lead in groups if gid == group), None)
    if leader is None:
        return 0, 1
    peers = sorted(gid for gid, lead in groups if lead == leader)
    return peers.index(group), len(peers)


def bv_days(
    instance: Instance, schools: tuple[str, ...] | list[str], year: SchoolYear
) -> list[dt.date]:
    """Days a BV cluster of ``schools`` may meet in ``year`` (before anyone's
    unavailability): school days of every member's holiday region on a meeting weekday."""
    cal = school_calendar(instance)
    regions = {holiday_region_of(instance, s) for s in schools}
    weekdays = [w for w in instance.bv.meeting_weekdays if w in instance.calendar.weekdays]
    return cal.school_days(year, regions, weekdays)


def bv_targets(
    instance: Instance,
    schools: tuple[str, ...] | list[str],
    year: SchoolYear,
    rank: int = 0,
    of: int = 1,
) -> list[dt.date]:
    """The target dates of a cluster's ``bv.meetings_per_year`` meetings in ``year``;
    ``rank`` of ``of`` clusters of its coordinator (:func:`leader_rank`)."""
    days = bv_days(instance, schools, year)
    count = instance.bv.meetings_per_year
    if not days or count == 0:
        return []
    return spread_targets(days[0], days[-1], count, rank, of)


def tn_days(
    instance: Instance, places: tuple[str, ...] | list[str], year: SchoolYear
) -> list[dt.date]:
    """Days a TN network may meet in ``year``: school days of every participant school's
    holiday region on a TN meeting weekday."""
    cal = school_calendar(instance)
    regions = {holiday_region_of(instance, s) for s in places}
    weekdays = [w for w in instance.tn.meeting_weekdays if w in instance.calendar.weekdays]
    return cal.school_days(year, regions, weekdays)


def visit_preference_cost(instance: Instance, visitor: str, host: str) -> int:
    """L9 soft goal: 1 point for a visit within one institution, 1 more within one school.

    Institutions and locations come from the instance's network rows (``los.networks``);
    a network not in the instance counts as having neither.
    """
    idx = instance.index
    if visitor not in idx.network or host not in idx.network:
        return 0
    a, b = idx.network_of(visitor), idx.network_of(host)
    cost = 0
    if a.institution is not None and a.institution == b.institution:
        cost += 1
    if a.location == b.location:
        cost += 1
    return cost
