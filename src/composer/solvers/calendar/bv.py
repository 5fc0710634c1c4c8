"""BV meetings (B3, B5, B6, C1-C4): dates and hosts of every cluster's meetings.

Per cluster ``bv.meetings_per_year`` meetings in each of ``bv.horizon_years`` school years
from ``bv.first_school_year`` (the first school year when empty). Hard rules:

- B6 cadence: on ``bv.meeting_weekdays``; a school day of every member school's holiday
  region (members attend, so nobody is on holiday; the host's region is one of them, C2);
  no public holiday (C3); no member school and not the coordinator unavailable (C4);
  the coordinator present on one of their ``available_days`` and free of any other
  commitment at every member school; at least ``bv.min_gap_days`` between consecutive
  meetings and (``bv.one_meeting_per_month``) at most one per calendar month;
  a coordinator never has two meetings on one day (so travel between two meetings on one
  day never arises);
- B5 hosts: every meeting at a member school; every school hosts at least once over the
  horizon, hosting counts differ by at most one, no school hosts twice in a row.

Soft: meetings close to evenly spread target dates (``bv_spread``).

Re-planning (``composer whatif``): a cluster whose meetings the plan re-planned already
dated keeps every date that is still one of its candidate days, and its hosts while they
still rotate over its schools (B5), so that schools are not sent new dates for a change
that does not concern them; only the other meetings are dated anew. When the hosts no
longer rotate (a school joined or left the cluster), every other host is kept where B5
lets it: changing one costs more than any spread, so only the meetings that must change
do. The kept dates are a
choice, not the spread's optimum: such a task's bound is the free one. When a
coordinator's kept dates no longer fit together (gaps, months, one meeting a day), their
clusters are dated anew.

Clusters of one coordinator share the coordinator's days, so one CP-SAT model holds them
all; different coordinators are independent and solved in parallel
(:func:`composer.parallel.map_tasks`). Tasks carry only integers and ids, never the
instance, so they are cheap to send to worker processes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import pairwise

from ortools.sat.python import cp_model

from composer.calendar import BusyIndex, SchoolCalendar, weekday_of
from composer.model.instance import BvProgramme, Instance
from composer.model.plan import Cluster, Session
from composer.objective.calendar import bv_days, bv_targets, leader_rank
from composer.solvers.calendar.chains import (
    HAND_OVER_SECONDS,
    Chain,
    KeepWishes,
    Segment,
    add_chain,
    deviation,
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
class BvCluster:
    """One cluster's part of a task: its schools and its chain of meetings.

    A cluster re-planned keeps, per meeting, its date in the plan re-planned where that
    is still a candidate day (``kept``, None for a meeting dated anew), and its host
    positions (``hosts``) while they still rotate over its schools; when they no longer
    do (a school joined or left), per meeting the previous host's position where that
    school is still in the cluster (``host_wish``), kept where B5 lets it."""

    cluster: str
    schools: tuple[str, ...]
    chain: Chain
    kept: tuple[int | None, ...] | None = None
    hosts: tuple[int, ...] | None = None
    host_wish: tuple[int | None, ...] | None = None
    """When the hosts cannot all be kept (a school left the cluster): per meeting the
    previous host's position where that school is still a member (None: it left); kept
    where B5 lets it, a change costing more than any calendar."""

    @property
    def keeps(self) -> bool:
        """True when the cluster keeps (or tries to keep) a date or its hosts."""
        kept_any = any(d is not None for d in self.kept or ())
        return self.hosts is not None or self.host_wish is not None or kept_any

    def anew(self) -> BvCluster:
        """The cluster dated anew: nothing kept, hosts in rotation."""
        return BvCluster(self.cluster, self.schools, self.chain)

    def host_order(self) -> list[int]:
        """The kept hosts, else the rotation."""
        return list(self.hosts) if self.hosts else _rotation(self.chain.count, len(self.schools))


@dataclass(frozen=True)
class BvTask:
    """The clusters of one coordinator (or one cluster without a coordinator)."""

    coordinator: str | None
    clusters: tuple[BvCluster, ...]
    gap: int
    one_per_month: bool
    time_limit: float = 10.0
    workers: int = 1
    seed: int = 0


@dataclass
class BvOutcome:
    """Dates (ordinals) and host positions per cluster, with the solve's status."""

    coordinator: str | None
    status: str
    objective: int | None = None
    bound: float | None = None
    meetings: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _rotation(count: int, schools: int) -> list[int]:
    """Hosts 0, 1, ..., S-1, 0, 1, ...: counts differ by at most one, never twice in a row."""
    return [m % schools for m in range(count)]


def _add_b5_hosts(
    model: cp_model.CpModel, ci: int, meetings: int, schools: int
) -> list[list[cp_model.IntVar]]:
    """B5: one host per meeting, even hosting counts, no school twice in a row."""
    host = [
        [model.new_bool_var(f"host[c={ci},m={m},s={s}]") for s in range(schools)]
        for m in range(meetings)
    ]
    for m in range(meetings):
        model.add_exactly_one(host[m])
    low, high = meetings // schools, -(-meetings // schools)
    for s in range(schools):
        count = sum(host[m][s] for m in range(meetings))
        # every school hosts at least once (low >= 1 as meetings >= schools) and the
        # counts differ by at most one
        model.add(count >= low)
        model.add(count <= high)
    if schools >= 2:
        for m in range(meetings - 1):
            for s in range(schools):
                model.add(host[m][s] + host[m + 1][s] <= 1)
    return host


def _greedy(task: BvTask) -> tuple[list[list[int] | None], int]:
    """Greedy dates per cluster (None where stuck) and the nearest-day lower bound."""
    taken: set[int] = set()
    greedy: list[list[int] | None] = [
        greedy_dates(item.chain, task.gap, task.one_per_month, taken if task.coordinator else set())
        for item in task.clusters
    ]
    return greedy, sum(nearest_bound(item.chain) for item in task.clusters)


def proven_greedy(task: BvTask) -> BvOutcome | None:
    """The greedy calendar when it is provably optimal, else None.

    Greedy: each meeting on the free candidate day nearest its target (chain order, the
    coordinator's days kept apart), hosts in rotation. When its spread equals the lower
    bound of :func:`nearest_bound`, nothing can beat it and CP-SAT is not needed.
    """
    if any(item.keeps for item in task.clusters):
        return None  # kept dates and hosts: solve_bv_task fixes them
    greedy, bound = _greedy(task)
    if any(g is None for g in greedy):
        return None
    cost = sum(
        deviation(item.chain, g)
        for item, g in zip(task.clusters, greedy, strict=True)
        if g is not None
    )
    if cost != bound:
        return None
    outcome = BvOutcome(task.coordinator, "optimal", cost, float(bound))
    for item, dates in zip(task.clusters, greedy, strict=True):
        assert dates is not None
        rotation = _rotation(len(dates), len(item.schools))
        outcome.meetings[item.cluster] = list(zip(dates, rotation, strict=True))
    return outcome


def solve_bv_task(task: BvTask) -> BvOutcome:
    """Solve one coordinator's clusters: the greedy calendar when it is provably optimal
    (:func:`proven_greedy`), else the CP-SAT model (greedy as hint) within the task's
    time limit.

    Clusters keeping the dates of the plan re-planned are solved with them fixed; the
    outcome's bound is then that of the free chains (the kept dates are not chosen for
    spread). When they cannot all be kept, every cluster of the task is dated anew."""
    proven = proven_greedy(task)
    if proven is not None:
        return proven
    kept = [item.cluster for item in task.clusters if item.keeps]
    who = task.coordinator or task.clusters[0].cluster
    return keep_or_date_anew(
        _solve_chains(task),
        kept,
        lambda: solve_bv_task(replace(task, clusters=tuple(c.anew() for c in task.clusters))),
        f"[B6] coordinator {who}: the dates of clusters {', '.join(kept)} in the plan "
        "re-planned no longer fit together; they are dated anew",
        float(sum(nearest_bound(item.chain) for item in task.clusters)),
    )


def _shortened(task: BvTask, clusters: tuple[BvCluster, ...]) -> BvTask:
    """``task`` with only ``clusters``, and a short time limit: a hand-over check."""
    return replace(task, clusters=clusters, time_limit=min(task.time_limit, HAND_OVER_SECONDS))


def _solve_chains(task: BvTask, probe: bool = True) -> BvOutcome:
    """The CP-SAT model of one task (greedy as hint), kept hosts fixed; a wished host
    (``BvCluster.host_wish``) changed costs more than any spread of the dates. When it has
    no solution and ``probe``, the note names the clusters whose hand-over to another
    coordinator lets the others fit (each checked by solving without it)."""
    who = task.coordinator or task.clusters[0].cluster
    greedy, bound = _greedy(task)
    model = cp_model.CpModel()
    chains = []
    hosts = []
    wishes = KeepWishes(model)  # hosts of the plan re-planned, kept where B5 lets them
    for ci, (item, hint) in enumerate(zip(task.clusters, greedy, strict=True)):
        chain_vars = add_chain(model, item.chain, f"c={ci}", task.gap, task.one_per_month)
        chains.append(chain_vars)
        hosts.append(_add_b5_hosts(model, ci, item.chain.count, len(item.schools)))
        if hint is not None:
            chain_vars.hint(model, hint)
        for m, s in enumerate(item.host_order()):
            for s2, var in enumerate(hosts[-1][m]):
                model.add_hint(var, int(s2 == s))
        for m, day in enumerate(item.kept or ()):
            if day is not None:
                model.add(chain_vars.dates[m] == day).with_name(f"kept_date[c={ci},m={m}]")
        for m, s in enumerate(item.hosts or ()):
            model.add(hosts[-1][m][s] == 1).with_name(f"kept_host[c={ci},m={m}]")
        for m, wished in enumerate(item.host_wish or ()):
            if wished is not None:
                wishes.wish(hosts[-1][m][wished], f"kept_host_wish[c={ci},m={m},s={wished}]")
    if task.coordinator is not None:
        all_dates = [d for cv in chains for d in cv.dates]
        if len(all_dates) > 1:
            # B6: the coordinator never has two meetings on one day
            model.add_all_different(all_dates)
    wishes.minimize([dev for cv in chains for dev in cv.deviations])
    run = run_cpsat(model, time_limit=task.time_limit, workers=task.workers, seed=task.seed)
    outcome = BvOutcome(task.coordinator, run.status)
    if run.has_solution:
        solver = run.solver
        outcome.objective = wishes.own_objective(solver, run.objective)
        outcome.bound = wishes.bound(run.bound)
        for item, cv, host in zip(task.clusters, chains, hosts, strict=True):
            outcome.meetings[item.cluster] = [
                (
                    int(solver.value(cv.dates[m])),
                    next(s for s, var in enumerate(host[m]) if solver.value(var)),
                )
                for m in range(len(cv.dates))
            ]
        return outcome
    names = ", ".join(item.cluster for item in task.clusters)
    if run.status == "infeasible":
        total = sum(item.chain.count for item in task.clusters)
        kept = any(item.keeps for item in task.clusters)  # dated anew next: probe then
        movable = (
            hand_over(
                task.clusters,
                lambda rest: (
                    _solve_chains(_shortened(task, rest), probe=False).status
                    in {"optimal", "feasible"}
                ),
                lambda item: item.cluster,
            )
            if probe and task.coordinator and not kept
            else []
        )
        give = (
            f"give {' or '.join(movable)} another coordinator (B4; the others then fit)"
            if movable
            else "give a cluster another coordinator (B4)"
        )
        outcome.notes.append(
            f"[B6] coordinator {who}: the {total} meetings of clusters {names} cannot all "
            "be held on different days within the gap and month rules, outside holidays "
            f"and the coordinator's unavailable days; fix: {give}, lower "
            "bv.meetings_per_year or bv.min_gap_days, or allow more bv.meeting_weekdays"
        )
        return outcome
    if all(g is not None for g in greedy):
        # no CP-SAT solution in time: the greedy dates are valid (disjoint days, gaps,
        # months), with hosts in rotation
        outcome.status = "feasible"
        outcome.objective = 0
        outcome.bound = float(bound)
        for item, dates in zip(task.clusters, greedy, strict=True):
            assert dates is not None
            outcome.meetings[item.cluster] = list(zip(dates, item.host_order(), strict=True))
            outcome.objective += deviation(item.chain, dates)
        outcome.notes.append(
            f"coordinator {who}: no CP-SAT solution within {task.time_limit:.1f}s; "
            "greedy dates used (raise --time-limit for better spreading)"
        )
        return outcome
    outcome.notes.append(
        f"[B6] coordinator {who}: no calendar for clusters {names} found within "
        f"{task.time_limit:.1f}s; raise --time-limit"
    )
    return outcome


def cluster_fixes(chain: Chain, bv: BvProgramme, schools: int, years: int) -> str:
    """The settings that make a cluster's meetings fit on their own, with the exact
    numbers (B6), each followed by ", ": the most ``bv.meetings_per_year`` every year
    holds (while every school still hosts, B5), the largest ``bv.min_gap_days``, and
    dropping the one-per-month rule, where each makes the chain fit."""
    fixes = []
    most = most_per_segment(chain, bv.min_gap_days, bv.one_meeting_per_month)
    if most >= 1 and most * years >= schools:
        fixes.append(f"lower bv.meetings_per_year to {most}")
    widest = largest_gap(chain, bv.min_gap_days, bv.one_meeting_per_month)
    if widest is not None:
        fixes.append(f"lower bv.min_gap_days to {widest}")
    if bv.one_meeting_per_month and earliest_dates(chain, bv.min_gap_days, False)[1] is None:
        fixes.append("set bv.one_meeting_per_month to false")
    return "".join(f"{f}, or " for f in fixes)


# --------------------------------------------------------------------------- tasks


@dataclass
class BvPrepared:
    """The tasks to solve and what was found before solving."""

    tasks: list[BvTask]
    notes: list[str]
    infeasible: bool
    years: list[str]


def kept_meetings(sessions: Iterable[Session]) -> dict[str, list[tuple[int, str]]]:
    """Cluster id -> (date ordinal, host school) of the BV meetings of a plan, by date:
    what a re-plan keeps where it still holds (:func:`prepare_bv`)."""
    kept: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for s in sessions:
        if s.programme == "bv" and s.kind == "meeting":
            kept[s.group].append((s.date.toordinal(), s.location))
    return {group: sorted(rows) for group, rows in kept.items()}


def _b5_rotation(hosts: list[int], schools: int) -> bool:
    """True when ``hosts`` satisfy B5 for ``schools`` schools: every school hosts, counts
    differ by at most one, no school twice in a row."""
    counts = [hosts.count(s) for s in range(schools)]
    return (
        min(counts) >= 1
        and max(counts) - min(counts) <= 1
        and all(a != b for a, b in pairwise(hosts))
    )


def _with_kept(cluster: BvCluster, previous: list[tuple[int, str]]) -> BvCluster:
    """``cluster`` keeping what it can of its ``previous`` meetings (date, host) in the
    plan re-planned: per meeting its date where that is still a candidate day of its
    school year (None where not); the host positions while they still rotate over its
    schools (B5), else as wishes (``host_wish``) the hosts still members. Fewer meetings a
    year continue the first of each year's previous meetings
    (:func:`~.chains.matched_previous`); nothing is kept with more meetings."""
    matched = matched_previous(cluster.chain, [day for day, _ in previous])
    if matched is None:
        return cluster
    previous = [previous[i] for i in matched]
    kept = kept_dates(cluster.chain, [day for day, _ in previous])
    if kept is None:
        return cluster
    where = {school: position for position, school in enumerate(cluster.schools)}
    hosts = [where.get(host, -1) for _, host in previous]
    if -1 in hosts or not _b5_rotation(hosts, len(cluster.schools)):
        wish = tuple(h if h >= 0 else None for h in hosts)
        return replace(cluster, kept=kept, host_wish=wish)
    return replace(cluster, kept=kept, hosts=tuple(hosts))


def prepare_bv(
    instance: Instance,
    clusters: tuple[Cluster, ...],
    cal: SchoolCalendar,
    busy: BusyIndex,
    keep: dict[str, list[tuple[int, str]]] | None = None,
) -> BvPrepared:
    """Candidate days, targets and one task per coordinator; single-cluster impossibilities
    (too few years, hosts, days) are reported here with the rule and the fix. ``keep``
    (:func:`kept_meetings` of the plan re-planned): dates and hosts a cluster keeps while
    they hold."""
    keep = keep or {}
    bv = instance.bv
    idx = instance.index
    notes: list[str] = []
    infeasible = False
    years = cal.years_from(bv.first_school_year, bv.horizon_years)
    if not clusters:
        return BvPrepared([], notes, infeasible, [y.id for y in years])
    if len(years) < bv.horizon_years:
        infeasible = True
        first = bv.first_school_year or (cal.years[0].id if cal.years else "-")
        notes.append(
            f"[B4] clusters run for bv.horizon_years = {bv.horizon_years} school years from "
            f"{first}, but the calendar lists only {len(years)} of them; fix: add the "
            "missing school year(s) with their holidays to calendar.school_years, or "
            "lower bv.horizon_years"
        )
    if bv.meetings_per_year == 0 or not years:
        return BvPrepared([], notes, infeasible, [y.id for y in years])
    by_coordinator: dict[str | None, list[BvCluster]] = defaultdict(list)
    leaders = [(c.id, c.coordinator) for c in clusters]
    for cluster in clusters:
        rank, of = leader_rank(leaders, cluster.id)
        schools = tuple(cluster.schools)
        meetings = bv.meetings_per_year * len(years)
        if len(schools) < 2 or meetings < len(schools):
            infeasible = True
            notes.append(
                f"[B5] cluster {cluster.id}: {len(schools)} school(s) and {meetings} "
                "meetings over the horizon: every school must host and no school twice in "
                "a row; fix: raise bv.meetings_per_year or bv.horizon_years"
                + (" or form a cluster of 2+ schools (B2)" if len(schools) < 2 else "")
            )
            continue
        coordinator = cluster.coordinator
        fac = idx.facilitator_of(coordinator) if coordinator in idx.facilitator else None
        segments = []
        for year in years:
            base = bv_days(instance, schools, year)
            days = []
            for day in base:
                if not cal.available_all(schools, day):
                    continue
                if fac is not None:
                    if weekday_of(day) not in fac.available_days:
                        continue
                    if cal.unavailable(fac.id, day) is not None:
                        continue
                    if busy.on_day(fac.id, day) and not all(
                        busy.free([fac.id], day, bv.meeting_start, bv.meeting_end, s)
                        for s in schools
                    ):
                        continue
                days.append(day.toordinal())
            targets = tuple(t.toordinal() for t in bv_targets(instance, schools, year, rank, of))
            segments.append(Segment(year.id, tuple(days), targets))
        chain = Chain(cluster.id, tuple(segments))
        _, broke = earliest_dates(chain, bv.min_gap_days, bv.one_meeting_per_month)
        if broke is not None:
            infeasible = True
            year_id, fitted = broke
            seg = next(s for s in segments if s.label == year_id)
            notes.append(
                f"[B6] cluster {cluster.id}: only {fitted} of {bv.meetings_per_year} "
                f"meetings fit in school year {year_id} ({len(seg.days)} possible days on "
                f"{', '.join(bv.meeting_weekdays)} outside the members' holidays and "
                f"unavailable days{' and the coordinator' + chr(39) + 's' if fac else ''}, "
                f"{bv.min_gap_days} days apart"
                f"{', one per month' if bv.one_meeting_per_month else ''}); fix: "
                + cluster_fixes(chain, bv, len(schools), len(years))
                + "allow more bv.meeting_weekdays, or shorten the unavailability of its "
                "schools or coordinator"
            )
            continue
        item = BvCluster(cluster.id, schools, chain)
        if cluster.id in keep:
            item = _with_kept(item, keep[cluster.id])
        by_coordinator[coordinator].append(item)
    tasks: list[BvTask] = []
    for coordinator in sorted(by_coordinator, key=lambda c: c or ""):
        items = by_coordinator[coordinator]
        if coordinator is None:
            tasks.extend(
                BvTask(None, (item,), bv.min_gap_days, bv.one_meeting_per_month) for item in items
            )
        else:
            tasks.append(
                BvTask(coordinator, tuple(items), bv.min_gap_days, bv.one_meeting_per_month)
            )
    return BvPrepared(tasks, notes, infeasible, [y.id for y in years])
