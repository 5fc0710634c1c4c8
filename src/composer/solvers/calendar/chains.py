"""Chains of dated meetings: the CP-SAT building block of BV meetings and TN series.

A *chain* is the ordered meetings of one group (a BV cluster over its school years, a TN
network after its kick-off). Each meeting gets a date from the group's candidate days
(school days of every member, on the programme's weekdays, with nobody unavailable and
the leader free), at least ``gap`` days after the previous one and, for BV, in a later
calendar month (B6). Chains that share a leader (a coordinator, a procesbegeleider) never
meet on the same day. The objective is the total distance in days from evenly spread
target dates (:mod:`composer.objective.calendar`).

Dates are integers (``date.toordinal()``) inside the model. The greedy helpers below
(earliest dates, closest-to-target dates) prove a single chain infeasible exactly and
give CP-SAT a starting hint.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ortools.sat.python import cp_model

from composer.calendar import month_of


@dataclass(frozen=True)
class Segment:
    """Meetings of a chain inside one school year: candidate days and target days."""

    label: str
    days: tuple[int, ...]
    targets: tuple[int, ...]

    @property
    def count(self) -> int:
        """How many meetings this segment holds."""
        return len(self.targets)


@dataclass(frozen=True)
class Chain:
    """The ordered meetings of one group; ``earliest`` bounds the first date from below."""

    name: str
    segments: tuple[Segment, ...]
    earliest: int | None = None

    @property
    def count(self) -> int:
        """How many meetings the chain holds."""
        return sum(s.count for s in self.segments)


def next_month_start(day: int) -> int:
    """Ordinal of the first day of the month after the one holding ``day``."""
    date = dt.date.fromordinal(day)
    if date.month == 12:
        return dt.date(date.year + 1, 1, 1).toordinal()
    return dt.date(date.year, date.month + 1, 1).toordinal()


def _after(prev: int | None, gap: int, one_per_month: bool) -> int | None:
    """The first ordinal a meeting after ``prev`` may use."""
    if prev is None:
        return None
    low = prev + max(1, gap)
    if one_per_month:
        low = max(low, next_month_start(prev))
    return low


def earliest_dates(
    chain: Chain, gap: int, one_per_month: bool
) -> tuple[list[int], tuple[str, int] | None]:
    """Greedy earliest dates of a chain on its own.

    Returns the dates placed and, when the chain cannot be completed, the label of the
    segment where it broke and how many of its meetings fitted. Placing every meeting as
    early as possible is optimal for feasibility (the constraints only bound a meeting
    from below by its predecessor), so a failure here proves the chain infeasible.
    """
    placed: list[int] = []
    prev: int | None = None
    low0 = chain.earliest
    for seg in chain.segments:
        for fitted in range(seg.count):
            low = _after(prev, gap, one_per_month)
            if low is None:
                low = low0 if low0 is not None else -(10**9)
            elif low0 is not None:
                low = max(low, low0)
            i = bisect_left(seg.days, low)
            if i >= len(seg.days):
                return placed, (seg.label, fitted)
            prev = seg.days[i]
            placed.append(prev)
    return placed, None


def most_per_segment(chain: Chain, gap: int, one_per_month: bool) -> int:
    """The most meetings every segment of ``chain`` can hold at once (each cut to its
    first k), by the exact greedy of :func:`earliest_dates`: what a per-year count may be
    lowered to (B6 ``bv.meetings_per_year``, T1 a series after its kick-off)."""

    def fits(k: int) -> bool:
        cut = tuple(Segment(s.label, s.days, s.targets[:k]) for s in chain.segments)
        return earliest_dates(Chain(chain.name, cut, chain.earliest), gap, one_per_month)[1] is None

    low, high = 0, max((s.count for s in chain.segments), default=0)
    while low < high:  # fewer meetings per segment never fit worse
        mid = (low + high + 1) // 2
        low, high = (mid, high) if fits(mid) else (low, mid - 1)
    return low


def largest_gap(chain: Chain, gap: int, one_per_month: bool) -> int | None:
    """The largest gap below ``gap`` at which every meeting of ``chain`` fits (a smaller
    gap never fits worse), or None when not even meetings on consecutive candidate days
    fit: then the gap is not what stops the chain."""
    if earliest_dates(chain, 1, one_per_month)[1] is not None:
        return None
    low, high = 1, max(1, gap - 1)
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (
            (mid, high) if earliest_dates(chain, mid, one_per_month)[1] is None else (low, mid - 1)
        )
    return low


HAND_OVER_SECONDS = 2.0
"""Time for each check of which group, led by someone else, lets a leader's other groups
fit (the fix of an infeasible B6 or T4 calendar, :func:`hand_over`)."""

GroupT = TypeVar("GroupT")


def hand_over(
    groups: Sequence[GroupT],
    fits_without: Callable[[tuple[GroupT, ...]], bool],
    name: Callable[[GroupT], str],
) -> list[str]:
    """The names of the ``groups`` of one leader without which the others fit: each
    checked by ``fits_without`` on the rest (a short solve; one that cannot tell in time
    says no, so the group is not named)."""
    found = []
    for group in groups:
        rest = tuple(other for other in groups if other is not group)
        if rest and fits_without(rest):
            found.append(name(group))
    return found


def upper_bound(model: cp_model.CpModel, var: cp_model.IntVar) -> int:
    """The largest value of ``var``'s domain: what a term can add to an objective at most
    (a keep penalty weighs one more than all such terms together)."""
    domain = list(model.proto.variables[var.index].domain)  # the proto's [-1] reads 0
    return int(domain[-1])


class KeepWishes:
    """Choices of the plan re-planned to keep where the rules let them (a host, a
    helper): each one broken costs more than any value the model's own objective terms
    can take together, so only what must change does. The outcome reports the calendar's
    own objective (the penalty taken out) and no proof while any wish is in the model."""

    def __init__(self, model: cp_model.CpModel) -> None:
        self.model = model
        self.broken: list[cp_model.LinearExpr] = []
        self.weight = 1

    def wish(self, chosen: cp_model.IntVar, name: str) -> None:
        """Keep the boolean ``chosen`` true where the rules allow (``name``: its label)."""
        kept = self.model.new_bool_var(name)
        self.model.add(kept <= chosen)
        self.broken.append(1 - kept)

    def minimize(self, terms: Sequence[cp_model.IntVar]) -> None:
        """Minimise ``terms`` with every broken wish weighing one more than all of them."""
        self.weight = 1 + sum(upper_bound(self.model, term) for term in terms)
        self.model.minimize(
            cp_model.LinearExpr.sum(terms) + self.weight * cp_model.LinearExpr.sum(self.broken)
        )

    def own_objective(self, solver: cp_model.CpSolver, objective: float | None) -> int:
        """The solved objective without the penalty of the wishes broken."""
        broken = sum(int(solver.value(b)) for b in self.broken)
        return round(objective or 0) - self.weight * broken

    def bound(self, bound: float | None) -> float | None:
        """The solve's bound, or None with wishes (it bounds the penalised objective)."""
        return None if self.broken else bound


def greedy_dates(chain: Chain, gap: int, one_per_month: bool, taken: set[int]) -> list[int] | None:
    """Dates closest to the targets (never on a day in ``taken``), chain order kept.

    Used as a CP-SAT hint; None when the greedy gets stuck (CP-SAT then searches alone).
    Days used are added to ``taken``.
    """
    chosen: list[int] = []
    prev: int | None = None
    for seg in chain.segments:
        for k, target in enumerate(seg.targets):
            later = seg.count - k - 1
            low = _after(prev, gap, one_per_month)
            if low is None:
                low = chain.earliest if chain.earliest is not None else -(10**9)
            elif chain.earliest is not None:
                low = max(low, chain.earliest)
            options = [d for d in seg.days if d >= low and d not in taken]
            # leave a few days for the meetings still to come in this segment
            if later:
                options = options[: max(0, len(options) - later)]
            if not options:
                return None
            pick = min(options, key=lambda d: (abs(d - target), d))
            chosen.append(pick)
            prev = pick
    taken.update(chosen)
    return chosen


def nearest_bound(chain: Chain) -> int:
    """A lower bound on a chain's spread: each meeting at the candidate day nearest to its
    target, ignoring every other meeting."""
    return sum(
        min((abs(d - t) for d in seg.days), default=0)
        for seg in chain.segments
        for t in seg.targets
    )


def deviation(chain: Chain, dates: list[int]) -> int:
    """The spread of ``dates`` for ``chain``: total days from the targets."""
    targets = [t for seg in chain.segments for t in seg.targets]
    return sum(abs(d - t) for d, t in zip(dates, targets, strict=True))


@dataclass
class ChainVars:
    """The CP-SAT variables of one chain: a date and a deviation per meeting."""

    dates: list[cp_model.IntVar]
    deviations: list[cp_model.IntVar]
    targets: list[int]
    months: list[dict[int, cp_model.IntVar]]

    def hint(self, model: cp_model.CpModel, values: list[int]) -> None:
        """Hint a complete assignment of this chain (dates, months, deviations)."""
        for m, value in enumerate(values):
            model.add_hint(self.dates[m], value)
            model.add_hint(self.deviations[m], abs(value - self.targets[m]))
            month = month_of(dt.date.fromordinal(value))
            for mo, var in self.months[m].items():
                model.add_hint(var, int(mo == month))


def add_chain(
    model: cp_model.CpModel, chain: Chain, tag: str, gap: int, one_per_month: bool
) -> ChainVars:
    """Add one chain: date variables on candidate days, order, gap and month rules,
    and |date - target| deviations (B6 / T1 cadence)."""
    dates: list[cp_model.IntVar] = []
    months: list[cp_model.LinearExprT | None] = []
    month_vars: list[dict[int, cp_model.IntVar]] = []
    deviations: list[cp_model.IntVar] = []
    targets: list[int] = []
    m = 0
    for s_index, seg in enumerate(chain.segments):
        days = list(seg.days)
        span = max(1, days[-1] - days[0]) if days else 1
        for k, target in enumerate(seg.targets):
            name = f"[{tag},y={s_index},k={k}]"
            date = model.new_int_var_from_domain(cp_model.Domain.from_values(days), f"date{name}")
            month: cp_model.LinearExprT | None = None
            if one_per_month:
                # which calendar month the meeting falls in: one bool per month holding a
                # candidate day, the date inside that month's first..last candidate day
                by_month: dict[int, list[int]] = {}
                for day in days:
                    by_month.setdefault(month_of(dt.date.fromordinal(day)), []).append(day)
                in_month = {mo: model.new_bool_var(f"month{name}[{mo}]") for mo in sorted(by_month)}
                model.add_exactly_one(in_month.values())
                model.add(date >= sum(min(by_month[mo]) * var for mo, var in in_month.items()))
                model.add(date <= sum(max(by_month[mo]) * var for mo, var in in_month.items()))
                month = sum(mo * var for mo, var in in_month.items())
            month_vars.append(in_month if one_per_month else {})
            nearest = min(abs(d - target) for d in days)
            # redundant: no meeting lies closer to its target than the nearest candidate day
            dev = model.new_int_var(nearest, span + abs(target - days[0]) + 1, f"dev{name}")
            # |date - target|: presolve derives its domain from the date's (holes
            # included), so the distance to the nearest candidate day is a proven bound
            model.add_abs_equality(dev, date - target)
            if chain.earliest is not None and m == 0:
                model.add(date >= chain.earliest)
            dates.append(date)
            months.append(month)
            deviations.append(dev)
            targets.append(target)
            m += 1
    for a in range(len(dates) - 1):
        # B6/T1: at least ``gap`` days (and never the same day) between consecutive meetings
        model.add(dates[a + 1] >= dates[a] + max(1, gap))
        this_month, next_month = months[a], months[a + 1]
        if this_month is not None and next_month is not None:
            # B6: at most one meeting per calendar month (meetings are in date order)
            model.add(next_month >= this_month + 1)
    return ChainVars(dates, deviations, targets, month_vars)


def months_distinct(days: list[int]) -> bool:
    """True when no two of ``days`` share a calendar month."""
    months = [month_of(dt.date.fromordinal(d)) for d in days]
    return len(months) == len(set(months))


def matched_previous(chain: Chain, previous: list[int]) -> list[int] | None:
    """Which meeting of the plan re-planned (``previous``: ordinals, by date) each meeting
    of ``chain`` continues, as indices into ``previous``: all of them in order when the
    number of meetings is the same; when the chain is shorter (a series shortened, fewer
    meetings a year), per segment the first of the previous meetings within its school
    year, the last ones dropped. None when a segment has fewer previous meetings than it
    holds (a longer series: nothing to match the meetings by)."""
    if len(previous) == chain.count:
        return list(range(chain.count))
    if len(previous) < chain.count:
        return None
    picked: list[int] = []
    for seg in chain.segments:
        if not seg.count:
            continue
        if not seg.days:
            return None
        low, high = min(seg.days), max(seg.days)
        inside = [i for i, day in enumerate(previous) if low <= day <= high]
        if len(inside) < seg.count:
            return None
        picked.extend(inside[: seg.count])
    return picked


def kept_dates(chain: Chain, previous: list[int]) -> tuple[int | None, ...] | None:
    """Per meeting of ``chain``, its date in the plan re-planned (``previous``: ordinals,
    by date) where that is still a candidate day of its segment, else None; None when
    the number of meetings changed (nothing to match them by)."""
    if len(previous) != chain.count:
        return None
    kept: list[int | None] = []
    m = 0
    for seg in chain.segments:
        allowed = set(seg.days)
        for _ in range(seg.count):
            kept.append(previous[m] if previous[m] in allowed else None)
            m += 1
    return tuple(kept)


class Outcome(Protocol):
    """What :func:`keep_or_date_anew` needs of a task's outcome (BV, TN or visits)."""

    status: str
    bound: float | None
    notes: list[str]

    @property
    def objective(self) -> int | None:
        """The outcome's objective value (None without a solution)."""


OutcomeT = TypeVar("OutcomeT", bound=Outcome)


def keep_or_date_anew(
    outcome: OutcomeT,
    kept: list[str],
    anew: Callable[[], OutcomeT],
    note: str,
    free_bound: float,
) -> OutcomeT:
    """The outcome of a task solved with the dates its groups (``kept``) keep from the
    plan re-planned (or, for visits, the pairs). When those no longer fit together (no
    solution), the task solved anew by ``anew``, with ``note``. Otherwise its bound is
    ``free_bound`` (what the objective could be without the kept choices, which are not
    made for it), and it is ``feasible`` unless it reaches that bound."""
    if not kept:
        return outcome
    if outcome.status not in {"optimal", "feasible"}:
        outcome = anew()
        outcome.notes.append(note)
        return outcome
    outcome.bound = free_bound if outcome.bound is None else min(outcome.bound, free_bound)
    if outcome.objective is not None and outcome.objective > outcome.bound:
        outcome.status = "feasible"
    return outcome
