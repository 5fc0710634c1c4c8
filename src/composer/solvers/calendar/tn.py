"""TN series (T1, T2, T4, T5, C1-C4): the meetings of every thematic network.

- T1: the series starts with the joint kick-off of all networks on its fixed date and
  place (``TnNetwork.kickoff_*``, else ``tn.kickoff_*``); then ``series_length - 1``
  meetings in the kick-off's school year, each at least ``tn.min_gap_days`` after the
  previous one, on ``tn.meeting_weekdays``, on a school day of every participant's school
  (the host's region is one of them, C2), no public holiday (C3), nobody unavailable (C4).
- T2: those meetings take place at the participants' schools *in turn*: after every
  meeting the hosting counts of the schools differ by at most one, and no school hosts
  twice in a row.
- T4: the facilitator leads every meeting of the network and is never in two meetings
  at once: their networks meet on different days (meetings share the programme's clock
  times), never on a kick-off day of theirs, and never when they have a commitment in
  another programme (LOS, BV) that clashes, travel included.
- T5: ``helpers_per_meeting`` participants help prepare each meeting after the kick-off;
  after every meeting the helping counts differ by at most one (nobody twice before
  everyone once). The joint kick-off is prepared by the organisers, not by a rota.

Soft: dates close to evenly spread targets (``tn_spread``) and helpers from the host
school (``tn_helper_not_host``). Networks of one facilitator form one CP-SAT model;
different facilitators are independent and solved in parallel.

Re-planning (``composer whatif``): a network keeps every meeting date of the plan
re-planned that is still one of its candidate days (``TnSeries.kept``), as BV clusters do
(:mod:`.bv`), and its hosts and helpers while they still take turns over its schools and
members (T2, T5). When they no longer do (a school or a helper left the network), every
host and helper still in the network is kept where the rules let it: changing one costs
more than any calendar (``host_wish``, ``helper_wish``), so only the meetings that must
change do. When a facilitator's kept dates no longer fit together, their networks are
dated anew. The bound is then the free one (the kept dates are not chosen for spread).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import pairwise

from ortools.sat.python import cp_model

from composer.model.plan import Session
from composer.solvers.calendar.chains import (
    HAND_OVER_SECONDS,
    Chain,
    KeepWishes,
    add_chain,
    earliest_dates,
    greedy_dates,
    hand_over,
    keep_or_date_anew,
    kept_dates,
    largest_gap,
    matched_previous,
    most_per_segment,
    nearest_bound,
)
from composer.solvers.cpsat import run_cpsat


@dataclass(frozen=True)
class TnSeries:
    """One network's part of a task: participants, their schools and the chain."""

    network: str
    participants: tuple[str, ...]
    schools: tuple[str, ...]
    school_of: tuple[int, ...]
    helpers: int
    chain: Chain
    kept: tuple[int | None, ...] | None = None
    """Per meeting the date kept from the plan re-planned (None: dated anew)."""
    hosts: tuple[int, ...] | None = None
    """The host school positions kept from the plan re-planned (T2 still holds)."""
    helping: tuple[tuple[int, ...], ...] | None = None
    """The helper positions per meeting kept from the plan re-planned (T5 still holds)."""
    host_wish: tuple[int | None, ...] | None = None
    """When the hosts cannot all be kept: per meeting the previous host's position where
    that school is still in the network (None: it left); kept where T2 lets it."""
    helper_wish: tuple[tuple[int, ...], ...] | None = None
    """When the helpers cannot all be kept: per meeting the previous helpers still in the
    network; kept where T5 lets them."""

    @property
    def keeps(self) -> bool:
        """True when the series keeps (or tries to keep) a date, its hosts or helpers."""
        kept_any = any(d is not None for d in self.kept or ())
        wishes = self.host_wish is not None or self.helper_wish is not None
        return kept_any or self.hosts is not None or self.helping is not None or wishes

    def anew(self) -> TnSeries:
        """The series dated anew: nothing kept."""
        return replace(self, kept=None, hosts=None, helping=None, host_wish=None, helper_wish=None)


@dataclass(frozen=True)
class PreviousMeeting:
    """A TN meeting of the plan re-planned: its date (ordinal), host school and helpers."""

    day: int
    host: str
    helpers: tuple[str, ...]


def previous_meetings(sessions: Iterable[Session]) -> dict[str, list[PreviousMeeting]]:
    """Network id -> the TN meetings of a plan (after the kick-off), by date: what a
    re-plan keeps where it still holds (:func:`kept_of`)."""
    found: dict[str, list[PreviousMeeting]] = defaultdict(list)
    for s in sorted(sessions, key=lambda s: s.date):
        if s.programme == "tn" and s.kind == "meeting":
            found[s.group].append(PreviousMeeting(s.date.toordinal(), s.location, s.helpers))
    return dict(found)


def _takes_turns(chosen: list[tuple[int, ...]], items: int) -> bool:
    """True when after every meeting the counts of the items chosen so far differ by at
    most one (nobody a second time before everyone a first time, T2 / T5)."""
    counts = [0] * items
    for picks in chosen:
        for i in picks:
            counts[i] += 1
        if items and max(counts) - min(counts) > 1:
            return False
    return True


def with_kept(series: TnSeries, previous: list[PreviousMeeting]) -> TnSeries:
    """``series`` keeping what it can of its ``previous`` meetings (by date): per meeting
    its date where that is still a candidate day; its hosts while they still take turns
    over its schools (never twice in a row, T2), else as wishes (``host_wish``) the hosts
    still in the network; its helpers while they still take turns over its members in
    the number wanted (T5), else as wishes those still in the network. A shorter series
    continues the first of its previous meetings (the last are dropped,
    :func:`~.chains.matched_previous`); nothing is kept when it is longer."""
    matched = matched_previous(series.chain, [p.day for p in previous])
    if matched is None:
        return series
    previous = [previous[i] for i in matched]
    kept = kept_dates(series.chain, [p.day for p in previous])
    if kept is None:
        return series
    school = {s: i for i, s in enumerate(series.schools)}
    person = {p: i for i, p in enumerate(series.participants)}
    hosts = [school.get(p.host, -1) for p in previous]
    host_ok = -1 not in hosts and _takes_turns([(h,) for h in hosts], len(series.schools))
    host_ok = host_ok and all(a != b for a, b in pairwise(hosts))
    helping = [tuple(person.get(h, -1) for h in p.helpers) for p in previous]
    helpers_ok = all(-1 not in picks and len(picks) == series.helpers for picks in helping)
    helpers_ok = helpers_ok and _takes_turns(helping, len(series.participants))
    return replace(
        series,
        kept=kept,
        hosts=tuple(hosts) if host_ok else None,
        helping=tuple(helping) if helpers_ok else None,
        host_wish=None if host_ok else tuple(h if h >= 0 else None for h in hosts),
        helper_wish=None if helpers_ok else tuple(tuple(p for p in ps if p >= 0) for ps in helping),
    )


@dataclass(frozen=True)
class TnTask:
    """The networks of one facilitator."""

    facilitator: str
    series: tuple[TnSeries, ...]
    gap: int
    time_limit: float = 10.0
    workers: int = 1
    seed: int = 0


@dataclass
class TnOutcome:
    """Per network: (date ordinal, host school position, helper positions) per meeting."""

    facilitator: str
    status: str
    objective: int | None = None
    bound: float | None = None
    meetings: dict[str, list[tuple[int, int, tuple[int, ...]]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _add_in_turn(model: cp_model.CpModel, x: list[list[cp_model.IntVar]], tag: str) -> None:
    """After every meeting the counts of the items (schools, participants) chosen so far
    differ by at most one: nobody a second time before everyone a first time (T2, T5)."""
    meetings = len(x)
    items = len(x[0]) if x else 0
    if items <= 1:
        return
    for t in range(meetings):
        low = model.new_int_var(0, t + 1, f"{tag}_low[t={t}]")
        for i in range(items):
            running = sum(x[k][i] for k in range(t + 1))
            model.add(running >= low)
            model.add(running <= low + 1)


def _round_robin(meetings: int, items: int, per: int) -> list[list[int]]:
    """Items ``per`` at a time in a fixed cycle: a valid in-turn order (the hint)."""
    order = list(range(items))
    return [[order[(m * per + j) % items] for j in range(per)] for m in range(meetings)]


def solve_tn_task(task: TnTask) -> TnOutcome:
    """Solve one facilitator's networks: dates, hosts in turn and the support rota.

    Dates kept from the plan re-planned are fixed; when they no longer fit together the
    networks are dated anew (with a note), and with kept dates the bound is the free one.
    """
    kept = [s.network for s in task.series if s.keeps]
    return keep_or_date_anew(
        _solve_series(task),
        kept,
        lambda: _solve_series(replace(task, series=tuple(s.anew() for s in task.series))),
        f"[T4] facilitator {task.facilitator}: the dates of networks {', '.join(kept)} "
        "in the plan re-planned no longer fit together; they are dated anew",
        float(sum(nearest_bound(s.chain) for s in task.series)),
    )


def _shortened(task: TnTask, series: tuple[TnSeries, ...]) -> TnTask:
    """``task`` with only ``series``, and a short time limit: a hand-over check."""
    return replace(task, series=series, time_limit=min(task.time_limit, HAND_OVER_SECONDS))


def _solve_series(task: TnTask, probe: bool = True) -> TnOutcome:
    """The CP-SAT model of one facilitator's networks, kept dates fixed. When it has no
    solution and ``probe``, the note names the networks whose hand-over to another
    procesbegeleider lets the others fit (each checked by solving without it)."""
    model = cp_model.CpModel()
    objective_terms: list[cp_model.IntVar] = []
    wishes = KeepWishes(model)  # hosts and helpers of the plan re-planned (T2, T5)
    plans = []
    taken: set[int] = set()
    for ni, series in enumerate(task.series):
        chain_vars = add_chain(model, series.chain, f"n={ni}", task.gap, False)
        hint = greedy_dates(series.chain, task.gap, False, taken)
        if hint is not None:
            chain_vars.hint(model, hint)
        for m, day in enumerate(series.kept or ()):
            if day is not None:
                model.add(chain_vars.dates[m] == day).with_name(f"kept_date[n={ni},m={m}]")
        meetings = series.chain.count
        n_schools, n_people = len(series.schools), len(series.participants)
        host = [
            [model.new_bool_var(f"host[n={ni},m={m},s={s}]") for s in range(n_schools)]
            for m in range(meetings)
        ]
        helper = [
            [model.new_bool_var(f"helper[n={ni},m={m},p={p}]") for p in range(n_people)]
            for m in range(meetings)
        ]
        for m in range(meetings):
            model.add_exactly_one(host[m])
            model.add(sum(helper[m]) == series.helpers)
        # T2: hosts in turn, never twice in a row
        _add_in_turn(model, host, f"host[n={ni}]")
        if n_schools >= 2:
            for m in range(meetings - 1):
                for s in range(n_schools):
                    model.add(host[m][s] + host[m + 1][s] <= 1)
        # T5: the support rota
        _add_in_turn(model, helper, f"helper[n={ni}]")
        # soft: a helper of the host school (one point per meeting without one)
        for m in range(meetings):
            miss = model.new_bool_var(f"helper_not_host[n={ni},m={m}]")
            for s in range(n_schools):
                own = [helper[m][p] for p in range(n_people) if series.school_of[p] == s]
                model.add(miss >= host[m][s] - sum(own))
            objective_terms.append(miss)
        for m, chosen in enumerate(_round_robin(meetings, n_schools, 1)):
            for s, var in enumerate(host[m]):
                model.add_hint(var, int(s in chosen))
        for m, s in enumerate(series.hosts or ()):
            model.add(host[m][s] == 1).with_name(f"kept_host[n={ni},m={m}]")
        for m, picks in enumerate(series.helping or ()):
            for p in picks:
                model.add(helper[m][p] == 1).with_name(f"kept_helper[n={ni},m={m},p={p}]")
        for m, wished in enumerate(series.host_wish or ()):
            if wished is not None:
                wishes.wish(host[m][wished], f"kept_host_wish[n={ni},m={m},s={wished}]")
        for m, picks in enumerate(series.helper_wish or ()):
            for p in picks:
                wishes.wish(helper[m][p], f"kept_helper_wish[n={ni},m={m},p={p}]")
        objective_terms.extend(chain_vars.deviations)
        plans.append((chain_vars, host, helper))
    all_dates = [d for cv, _, _ in plans for d in cv.dates]
    if len(all_dates) > 1:
        # T4: one facilitator, never two meetings at once (same clock times: other days)
        model.add_all_different(all_dates)
    wishes.minimize(objective_terms)
    run = run_cpsat(model, time_limit=task.time_limit, workers=task.workers, seed=task.seed)
    outcome = TnOutcome(task.facilitator, run.status)
    if run.has_solution:
        solver = run.solver
        outcome.objective = wishes.own_objective(solver, run.objective)
        outcome.bound = wishes.bound(run.bound)
        for series, (cv, host, helper) in zip(task.series, plans, strict=True):
            rows = []
            for m, date in enumerate(cv.dates):
                h = next(s for s, var in enumerate(host[m]) if solver.value(var))
                helpers = tuple(p for p, var in enumerate(helper[m]) if solver.value(var))
                rows.append((int(solver.value(date)), h, helpers))
            outcome.meetings[series.network] = rows
        return outcome
    names = ", ".join(s.network for s in task.series)
    if run.status == "infeasible":
        kept = any(s.keeps for s in task.series)  # dated anew next: probe then
        movable = (
            hand_over(
                task.series,
                lambda rest: (
                    _solve_series(_shortened(task, rest), probe=False).status
                    in {"optimal", "feasible"}
                ),
                lambda series: series.network,
            )
            if probe and not kept
            else []
        )
        give = (
            f"give {' or '.join(movable)} another procesbegeleider (the others then fit)"
            if movable
            else "give a network another facilitator"
        )
        outcome.notes.append(
            f"[T4] facilitator {task.facilitator}: the meetings of networks {names} cannot "
            "all be held on different days within the gap rule, outside holidays and "
            f"unavailable days; fix: {give}, lower a series_length or tn.min_gap_days, or "
            "allow more tn.meeting_weekdays"
        )
    else:
        outcome.notes.append(
            f"[T4] facilitator {task.facilitator}: no calendar for networks {names} found "
            f"within {task.time_limit:.1f}s; raise --time-limit"
        )
    return outcome


def check_series_alone(series: TnSeries, gap: int) -> tuple[str, int] | None:
    """None when the series fits on its own; else (year, meetings that fit)."""
    _, broke = earliest_dates(series.chain, gap, False)
    return broke


def series_fixes(series: TnSeries, gap: int) -> str:
    """The changes that make a series that does not fit on its own fit, with the exact
    numbers (T1): the longest ``series_length`` that fits (its kick-off counts), and the
    largest ``tn.min_gap_days`` at which the whole series fits, when one does."""
    longest = 1 + most_per_segment(series.chain, gap, False)
    fixes = [f"lower its series_length to {longest}" if longest >= 2 else ""]
    widest = largest_gap(series.chain, gap, False)
    if widest is not None:
        fixes.append(f"tn.min_gap_days to {widest}")
    return ", or ".join(f for f in fixes if f)


def group_by_facilitator(items: list[tuple[str, TnSeries]], gap: int) -> list[TnTask]:
    """One task per facilitator, in facilitator order."""
    grouped: dict[str, list[TnSeries]] = defaultdict(list)
    for facilitator, series in items:
        grouped[facilitator].append(series)
    return [TnTask(f, tuple(grouped[f]), gap) for f in sorted(grouped)]
