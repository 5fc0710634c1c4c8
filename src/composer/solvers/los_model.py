"""The CP-SAT model of one LOS region (or of a neighbourhood of it).

:func:`prepare_region` turns a (sub-)instance into :class:`RegionData` (candidates from
:func:`composer.los_rules.candidates`, pair costs from :mod:`composer.objective.los`,
leaders per position, and reasons that block the region up front); :class:`LosModel`
builds the model rule family by rule family. See :mod:`composer.solvers.los` for the
formulation.
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from ortools.sat.python import cp_model

from composer import los_rules
from composer.los_rules import Position, Refusal, SlotKey
from composer.model.instance import STUDENT_KINDS, Instance
from composer.objective.los import LosObjective

if TYPE_CHECKING:
    from composer.solvers.los_search import Start

POSITIONS: tuple[Position, ...] = ("so", "second")
GroupMode = Literal["off", "family", "item"]


# --------------------------------------------------------------------------- groups


class Groups:
    """Enforcement literals per named constraint group (rule family, or rule and item).

    ``off``: no literal, every constraint is hard (a normal solve). ``family``: one
    literal per rule id; ``item``: one per (rule id, item). The literals are added as
    assumptions, so an infeasible model yields the groups that conflict
    (``sufficient_assumptions_for_infeasibility``).
    """

    def __init__(self, model: cp_model.CpModel, mode: GroupMode) -> None:
        self.model = model
        self.mode = mode
        self.literals: dict[tuple[str, str], cp_model.IntVar] = {}

    def lits(self, rule: str, item: str = "") -> list[cp_model.IntVar]:
        """The enforcement literals of a constraint of ``rule`` about ``item``."""
        if self.mode == "off":
            return []
        key = (rule, item if self.mode == "item" else "")
        lit = self.literals.get(key)
        if lit is None:
            lit = self.model.new_bool_var(f"enforce[{key[0]},{key[1]}]")
            self.literals[key] = lit
        return [lit]


# --------------------------------------------------------------------------- data


@dataclass
class RegionData:
    """Everything the model needs about one region, in sub-instance positions."""

    inst: Instance
    objective: LosObjective
    cand: los_rules.Candidates
    slots: list[SlotKey]
    slot_minutes: list[tuple[int, int]]
    learners: list[int]
    networks: list[int]
    pair_cost: dict[tuple[int, int], int]
    slots_of: dict[int, list[int]]
    free: dict[int, frozenset[int]]
    leaders: dict[tuple[int, Position], list[int]]
    fixed: dict[tuple[int, Position], int | None]
    may_unplace: dict[int, bool]
    blocking: list[Refusal] = field(default_factory=list)
    outside: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    """For a neighbourhood: facilitator -> (location, slot) of sessions fixed outside it."""
    groups_used: dict[int, int] = field(default_factory=dict)
    """For a neighbourhood: facilitator -> networks led outside it."""
    load_used: dict[int, int] = field(default_factory=dict)
    """For a neighbourhood: schoolopleider -> learners led outside it."""
    frozen: frozenset[int] = frozenset()
    """For a neighbourhood: networks whose slot and facilitators stay as they are (their
    sessions count as outside); only some of their members may leave."""
    base_members: dict[int, list[int]] = field(default_factory=dict)
    """For a neighbourhood: network -> members who stay in it (not part of the model)."""
    elastic: bool = False
    """Search mode: a learner who must be placed may still be left out, at a cost of
    :attr:`big` each, so every construction is a (penalised) solution. A plan with such a
    learner out is no plan; when the optimum leaves one out, no plan exists."""
    big: int = 1
    """More than any plan's objective can be (set by :func:`prepare_region`)."""
    size_cap: dict[int, int] = field(default_factory=dict)
    """For a neighbourhood: network -> a lower maximum size than L1's (a frozen network
    whose schoolopleider has no spare capacity may not grow)."""
    outside_slots: dict[int, int] = field(default_factory=dict)
    """For a neighbourhood: the slot of every network of the region outside it (L9: the
    visit cycle spans the whole region)."""
    visits: bool = True
    """False: the model leaves L9 out (a neighbourhood of a region too large to carry
    every visit arc in each round; the search checks the visits of its result)."""
    visit_arcs: bool = True
    """False: the model keeps only L9's slot cap (Hall's condition, at most half a
    region's networks at one slot) and leaves the visit arcs out, a relaxation whose LP
    bound is much stronger; each solution it finds is checked with
    :func:`visit_deficit` before it counts (lazy L9)."""

    def unplaced_cost(self, lr: int) -> int:
        """What leaving ``lr`` out costs: ``weights.unplaced`` where allowed, else
        :attr:`big` (elastic search only)."""
        return self.settings.weights.unplaced if self.may_unplace[lr] else self.big

    def may_leave_out(self, lr: int) -> bool:
        """Whether the model has a "left out" variable for ``lr``."""
        return self.may_unplace[lr] or self.elastic

    def base_size(self, n: int) -> int:
        return len(self.base_members.get(n, ()))

    def max_size(self, n: int) -> int:
        high = los_rules.size_bounds(self.inst, self.network(n))[1]
        return min(high, self.size_cap.get(n, high))

    @property
    def settings(self) -> Any:
        return self.inst.los.settings

    def network(self, n: int) -> Any:
        return self.inst.los.networks[n]

    def learner(self, lr: int) -> Any:
        return self.inst.learners[lr]

    def location(self, n: int) -> int:
        return self.inst.index.school[self.network(n).location]

    def available(self, f: int, s: int) -> bool:
        return self.inst.facilitators[f].available(*self.slots[s])

    def can_attend(self, f: int, n: int, s: int) -> bool:
        """f is available at s and can combine leading n then with the sessions f has
        outside the (sub)problem (L5)."""
        if not self.available(f, s):
            return False
        booked = self.outside.get(f)
        if not booked:
            return True
        here = self.location(n)
        return all(self.fits_places(loc, t, here, s) for loc, t in booked)

    def groups_left(self, f: int) -> int | None:
        """L6: networks f may still lead here (None: no limit)."""
        limit = self.inst.facilitators[f].max_groups
        return None if limit is None else limit - self.groups_used.get(f, 0)

    def cap_left(self, f: int) -> int | None:
        """L6: learners schoolopleider f may still lead here (None: no limit)."""
        cap = los_rules.so_capacity(self.inst, self.inst.facilitators[f])
        return None if cap is None else cap - self.load_used.get(f, 0)

    def fits(self, n1: int, s1: int, n2: int, s2: int) -> bool:
        """L5: one facilitator can lead n1 at s1 and n2 at s2."""
        return self.fits_places(self.location(n1), s1, self.location(n2), s2)

    def fits_places(self, loc1: int, s1: int, loc2: int, s2: int) -> bool:
        """L5: one person can be at school loc1 at slot s1 and at school loc2 at s2
        (:func:`composer.los_rules.travel_fits` on positions)."""
        a, b = self.slots[s1], self.slots[s2]
        if a[0] != b[0]:
            return True
        if s1 == s2:
            return False
        (a0, a1), (b0, b1) = self.slot_minutes[s1], self.slot_minutes[s2]
        first, second = (loc1, loc2) if (a0, a1) <= (b0, b1) else (loc2, loc1)
        minutes = self.inst.index.travel_minutes(first, second)
        return los_rules.blocks_fit(a0, a1, b0, b1, minutes)


def prepare_region(inst: Instance) -> RegionData:
    """Candidates, costs and leaders of a (sub-)instance, and what blocks it up front."""
    cand = los_rules.candidates(inst)
    objective = LosObjective(inst)
    slots = los_rules.planning_slots(inst)
    slot_pos = {s: k for k, s in enumerate(slots)}
    minutes = []
    for _, block in slots:
        b = los_rules.block_of(inst, block)
        minutes.append((los_rules.minutes_of_day(b.start), los_rules.minutes_of_day(b.end)))
    learners = list(range(len(inst.learners)))
    networks = list(range(len(inst.los.networks)))
    pair_cost = {
        (lr, n): objective.pair_cost(lr, n) for lr in learners for n in cand.networks_of[lr]
    }
    slots_of = {n: [slot_pos[s] for s in cand.slots_of[n]] for n in networks}
    free = {
        lr: frozenset(
            k for k, s in enumerate(slots) if los_rules.learner_free(inst.learners[lr], s)
        )
        for lr in learners
    }
    pool = los_rules.facilitators_by_region(inst)
    fidx = inst.index.facilitator
    leaders: dict[tuple[int, Position], list[int]] = {}
    fixed: dict[tuple[int, Position], int | None] = {}
    for n in networks:
        net = inst.los.networks[n]
        for pos in POSITIONS:
            found = los_rules.facilitator_candidates(inst, net, pos, pool)
            # a candidate never available at one of the network's slots cannot lead it
            leaders[(n, pos)] = [
                fidx[f.id] for f in found if any(f.available(*slots[k]) for k in slots_of[n])
            ]
            fixed_id = los_rules.fixed_facilitator(net, pos)
            fixed[(n, pos)] = None if fixed_id is None else fidx[fixed_id]
    allow = inst.los.settings.allow_unplaced
    may_unplace = {lr: allow and inst.learners[lr].network is None for lr in learners}
    data = RegionData(
        inst,
        objective,
        cand,
        slots,
        minutes,
        learners,
        networks,
        pair_cost,
        slots_of,
        free,
        leaders,
        fixed,
        may_unplace,
    )
    data.blocking = blocking_reasons(data)
    w = inst.los.settings.weights
    most = sum(
        max((pair_cost[(lr, n)] for n in cand.networks_of[lr]), default=0) for lr in learners
    )
    most += w.size_balance * sum(los_rules.size_bounds(inst, net)[1] for net in inst.los.networks)
    most += w.kind_mix * sum(len(objective.mix_kinds(n)) for n in networks)
    most += w.unplaced * sum(1 for lr in learners if may_unplace[lr])
    data.big = most + 1
    return data


def learner_label(inst: Instance, lr: int) -> str:
    learner = inst.learners[lr]
    needs = f", needs {'+'.join(learner.needs)}" if learner.needs else ""
    return f"{learner.id} ({learner.kind}{needs}, {learner.home_school})"


def blocking_reasons(d: RegionData) -> list[Refusal]:
    """Reasons the region has no plan, found without search (empty when none is found)."""
    inst, cand = d.inst, d.cand
    found: list[Refusal] = []
    for lr in d.learners:
        if cand.networks_of[lr] or d.may_unplace[lr]:
            continue
        refusals = list(cand.refusals[lr].values())
        why = (
            los_rules.summarise(refusals)
            if refusals
            else f"region {los_rules.learner_region(inst, inst.learners[lr])} has no LOS network"
        )
        rule = refusals[0].rule if refusals else "L7"
        found.append(
            Refusal(
                rule,
                f"learner {learner_label(inst, lr)} has no network that could take them: {why}",
                about=(inst.learners[lr].id,),
            )
        )
    for n in d.networks:
        found.extend(cand.network_refusals[n])
        for pos in POSITIONS:
            if cand.slots_of[n] and not d.leaders[(n, pos)]:
                net = d.network(n)
                roles = " or ".join(sorted(los_rules.position_roles(net, pos)))
                found.append(
                    Refusal(
                        "L5",
                        f"network {net.id} has no {roles} who may lead it at one of "
                        "its possible slots",
                    )
                )
    # L6: facilitators fixed in more networks than they may lead, or with too many learners
    fixed_nets: dict[int, list[int]] = defaultdict(list)
    for (n, _pos), f in d.fixed.items():
        if f is not None:
            fixed_nets[f].append(n)
    for f, nets in fixed_nets.items():
        fac = inst.facilitators[f]
        names = ", ".join(d.network(n).id for n in nets)
        if fac.max_groups is not None and len(nets) > fac.max_groups:
            found.append(
                Refusal(
                    "L6",
                    f"{fac.id} is fixed in {len(nets)} networks ({names}); "
                    f"max_groups is {fac.max_groups}",
                )
            )
        cap = los_rules.so_capacity(inst, fac)
        so_nets = [n for n in nets if d.fixed[(n, "so")] == f]
        need = sum(los_rules.size_bounds(inst, d.network(n))[0] for n in so_nets)
        if cap is not None and need > cap:
            found.append(
                Refusal(
                    "L6",
                    f"schoolopleider {fac.id} is fixed in {names}, which need at "
                    f"least {need} learners together; {fac.capacity_days:g} day(s) allow {cap}",
                )
            )
    # L1: seats in the region
    must = sum(1 for lr in d.learners if not d.may_unplace[lr])
    seats = sum(los_rules.size_bounds(inst, d.network(n))[1] for n in d.networks)
    if d.networks and must > seats:
        found.append(
            Refusal(
                "L1",
                f"{must} learners must be placed but the {len(d.networks)} networks "
                f"seat at most {seats}",
            )
        )
    minimum = sum(los_rules.size_bounds(inst, d.network(n))[0] for n in d.networks)
    if minimum > len(d.learners):
        found.append(
            Refusal(
                "L1",
                f"the {len(d.networks)} networks need {minimum} learners together; "
                f"the region has {len(d.learners)}",
            )
        )
    found.extend(_fixed_duo_refusals(d))
    return found


def shared_leaders(d: RegionData, visitor: int, host: int) -> list[int]:
    """L9: facilitators who could lead both networks (a candidate for a position of
    each); such a person in ``visitor``'s duo cannot visit ``host``."""
    mine = {f for pos in POSITIONS for f in d.leaders[(visitor, pos)]}
    theirs = {f for pos in POSITIONS for f in d.leaders[(host, pos)]}
    return sorted(mine & theirs)


def _fixed_duo_refusals(d: RegionData) -> list[Refusal]:
    """L9 up front: a person fixed in two networks means neither duo can visit the
    other; when the arcs left cannot carry every region's visit cycle (whatever the
    slots), no plan exists. Names the people and networks and the fixes."""
    from composer.solvers.calendar.visits import VisitTask, solve_visit_task

    k = d.settings.visits_per_year
    found: list[Refusal] = []
    for region, nets in visit_regions(d).items():
        fixed = {n: {d.fixed[(n, pos)] for pos in POSITIONS} - {None} for n in nets}
        shared: dict[tuple[int, int], set[Any]] = {}
        for a, b in itertools.permutations(nets, 2):
            both = fixed[a] & fixed[b]
            if both:
                shared[(a, b)] = both
        if not shared:
            continue
        arcs = tuple(
            (i, j, 0)
            for i, a in enumerate(nets)
            for j, b in enumerate(nets)
            if i != j and (a, b) not in shared
        )
        task = VisitTask(
            region,
            tuple(d.network(n).id for n in nets),
            arcs,
            k,
            forbid_mutual=len(nets) >= 2 * k + 1,
            time_limit=2.0,
            workers=1,
        )
        outcome = solve_visit_task(task)
        if outcome.missing == 0 or not outcome.proven:
            continue
        pairs = sorted({(min(a, b), max(a, b)) for a, b in shared})
        who = "; ".join(
            f"{', '.join(sorted(d.inst.facilitators[f].id for f in shared[pair]))} "
            f"lead(s) both {d.network(pair[0]).id} and {d.network(pair[1]).id}"
            for pair in pairs
        )
        found.append(
            Refusal(
                "L9",
                f"region {region}: whatever the slots, at most {k * len(nets) - outcome.missing} "
                f"of {k * len(nets)} yearly visits are possible, because a duo cannot visit a "
                f"network one of its own members leads ({who}); fix: give one of these "
                "networks another schoolopleider or second facilitator, or lower "
                "los.settings.visits_per_year",
            )
        )
    return found


# --------------------------------------------------------------------------- L9 visits


def visit_fits(d: RegionData, visitor: int, s_visitor: int, host: int, s_host: int) -> bool:
    """L9: the duo of ``visitor`` (meeting at ``s_visitor``) can attend ``host``'s session
    at ``s_host`` in a week their own network meets: not the same slot, and on one
    weekday time to travel between the two schools (the L5 rule for one person). With
    ``visits_within_availability`` the visitor's fixed facilitators must also be
    available at the host's slot (open positions are the calendar's to check)."""
    if not d.fits(visitor, s_visitor, host, s_host):
        return False
    if d.settings.visits_within_availability:
        net = d.network(visitor)
        for pos in POSITIONS:
            fixed = los_rules.fixed_facilitator(net, pos)
            if fixed is not None and not d.available(d.inst.index.facilitator[fixed], s_host):
                return False
    return True


def visit_regions(d: RegionData) -> dict[str, list[int]]:
    """L9: per region with a network in the (sub)problem, every network of the region that
    takes part in the visit cycle (those outside a neighbourhood included). Empty when
    ``visits_per_year`` is 0; regions with too few networks for k visits are left out (the
    calendar reports them)."""
    k = d.settings.visits_per_year
    if k <= 0 or not d.visits:
        return {}
    nets: dict[str, list[int]] = defaultdict(list)
    for n in sorted({*d.networks, *d.outside_slots}):
        nets[d.network(n).region].append(n)
    inside = {d.network(n).region for n in d.networks if n not in d.outside_slots}
    return {r: ns for r, ns in sorted(nets.items()) if r in inside and len(ns) >= k + 1}


def visit_slots(d: RegionData, n: int) -> list[int]:
    """The slots network n can have in the visit model (its own when outside)."""
    return [d.outside_slots[n]] if n in d.outside_slots else list(d.slots_of[n])


Leaders = dict[tuple[int, Position], int]
"""(network, position) -> the facilitator who fills it."""


def duo_free(
    d: RegionData,
    visitor: int,
    host: int,
    slot: dict[int, int],
    leaders: Leaders,
) -> bool:
    """L9, the duo's other sessions: every member of ``visitor``'s duo is free at
    ``host``'s slot — none of them leads ``host``, and each other network one of them
    leads meets at a slot that leaves time to reach ``host``'s school (the L5 rule for one
    person). LOS networks meet every school week, so a clash at the weekly slots is a
    clash on every date the calendar could pick. ``slot`` must hold every network these
    people lead (a neighbourhood passes the whole plan's slots)."""
    s_host = slot.get(host, d.outside_slots.get(host, -1))
    duo = {leaders[(visitor, pos)] for pos in POSITIONS if (visitor, pos) in leaders}
    if not duo:
        return True
    for (m, _pos), f in leaders.items():
        if f not in duo or m == visitor:
            continue
        if m == host:
            return False  # a duo member leads the host itself
        s_m = slot.get(m, d.outside_slots.get(m, -1))
        if s_m >= 0 and s_host >= 0 and not d.fits(m, s_m, host, s_host):
            return False
    return True


def visit_deficit(
    d: RegionData,
    slot: dict[int, int],
    cache: dict[Any, int] | None = None,
    leaders: Leaders | None = None,
) -> int:
    """L9: how many visits the best visit plan misses when network n meets at ``slot[n]``
    (0: every network of every region can visit and host ``visits_per_year``).

    Solved exactly by the calendar's own visit model
    (:func:`composer.solvers.calendar.visits.solve_visit_task`) on the arcs
    :func:`visit_fits` allows — and, given the ``leaders``, :func:`duo_free` too — after
    two quick tests (a network nobody can visit or host; more than half the region at
    one slot). ``cache`` remembers answers per region, slot pattern and duos.
    """
    from composer.solvers.calendar.visits import VisitTask, solve_visit_task

    k = d.settings.visits_per_year
    total = 0
    for region, nets in visit_regions(d).items():
        at = {n: d.outside_slots.get(n, slot.get(n, -1)) for n in nets}
        if any(s < 0 for s in at.values()):
            total += k * len(nets)  # a network without a slot cannot take part
            continue

        def fits(a: int, b: int, at: dict[int, int] = at) -> bool:
            return visit_fits(d, a, at[a], b, at[b]) and (
                leaders is None or duo_free(d, a, b, slot, leaders)
            )

        key: tuple[Any, ...] = (region, tuple(at[n] for n in nets))
        if leaders is not None:
            duos = {leaders.get((n, pos)) for n in nets for pos in POSITIONS}
            busy = sorted(
                (f, m, slot.get(m, d.outside_slots.get(m, -1)))
                for (m, _pos), f in leaders.items()
                if f in duos
            )
            key += (tuple(busy),)
        if cache is not None and key in cache:
            total += cache[key]
            continue
        if k == 1 and _rotation_fits(nets, at, fits):
            if cache is not None:
                cache[key] = 0
            continue
        arcs = [
            (i, j, 0)
            for i, a in enumerate(nets)
            for j, b in enumerate(nets)
            if i != j and fits(a, b)
        ]
        outs: dict[int, int] = defaultdict(int)
        ins: dict[int, int] = defaultdict(int)
        for i, j, _ in arcs:
            outs[i] += 1
            ins[j] += 1
        crowd = max(Counter(at.values()).values())
        if crowd > len(nets) // 2 or any(outs[i] < k or ins[i] < k for i in range(len(nets))):
            # certainly short (Hall: a slot's networks need as many others to visit; a
            # network needs k arcs out and in); a lower bound on the visits missing
            missing = max(
                (crowd - len(nets) // 2) * k,
                sum(max(0, k - outs[i]) for i in range(len(nets))),
                sum(max(0, k - ins[i]) for i in range(len(nets))),
                1,
            )
        else:
            task = VisitTask(
                region,
                tuple(str(n) for n in nets),
                tuple(arcs),
                k,
                forbid_mutual=len(nets) >= 2 * k + 1,
                time_limit=2.0,
                workers=1,
            )
            missing = solve_visit_task(task).missing
        if cache is not None:
            cache[key] = missing
        total += missing
    return total


def _rotation_fits(nets: list[int], at: dict[int, int], fits: Any) -> bool:
    """A quick proof that one visit each is possible: the networks sorted by slot,
    ``h = ceil(n/2)``, and the cycle v0 -> vh -> v1 -> v(h+1) -> ... -> v(h-1) -> v0 (for two
    networks: they visit each other). Consecutive networks lie about half the slot order
    apart, so when no slot holds much more than a third of the region they meet at
    different slots (usually on different days); every step is tested with ``fits(v,
    h)``. False means "not shown", not "impossible"."""
    order = sorted(nets, key=lambda n: (at[n], n))
    n = len(order)
    h = (n + 1) // 2
    cycle = [order[i // 2] if i % 2 == 0 else order[h + i // 2] for i in range(n)]
    return all(fits(cycle[i], cycle[(i + 1) % n]) for i in range(n))


# --------------------------------------------------------------------------- model


@dataclass
class ModelVars:
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    u: dict[int, cp_model.IntVar] = field(default_factory=dict)
    y: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    size: dict[int, cp_model.IntVar] = field(default_factory=dict)
    lead: dict[tuple[int, Position, int], cp_model.IntVar] = field(default_factory=dict)
    w_open: dict[tuple[int, int, int], cp_model.IntVar] = field(default_factory=dict)
    load: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    over: dict[int, cp_model.IntVar] = field(default_factory=dict)
    under: dict[int, cp_model.IntVar] = field(default_factory=dict)
    missing: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    visit: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    visit_gap: dict[int, cp_model.IntVar] = field(default_factory=dict)


class LosModel:
    """The CP-SAT model of one region, built rule family by rule family."""

    def __init__(self, data: RegionData, mode: GroupMode = "off") -> None:
        self.d = data
        self.model = cp_model.CpModel()
        self.groups = Groups(self.model, mode)
        self.v = ModelVars()
        self.pairs_of: dict[int, list[int]] = defaultdict(list)  # network -> learners
        for lr, n in data.pair_cost:
            self.pairs_of[n].append(lr)
        # facilitator -> the (network, position) it could fill
        self.options: dict[int, list[tuple[int, Position]]] = defaultdict(list)
        for (n, pos), fs in data.leaders.items():
            for f in fs:
                self.options[f].append((n, pos))
        self._shared_cache: dict[int, dict[int, dict[int, list[Any]]]] | None = None
        self._add_variables()
        self._add_assignment()
        self._add_l1_size()
        self._add_l2_kinds()
        self._add_l3_curriculum()
        self._add_l4_slot()
        self._add_l5_facilitators()
        self._add_l5_double_booking()
        self._add_l5_travel()
        self._add_l6_budget()
        self._add_l7_travel_limit()
        self._add_l9_visitable()
        self._add_symmetry_breaking()
        self._add_objective()

    # ------------------------------------------------------------------ variables
    def _add_variables(self) -> None:
        m, d, v = self.model, self.d, self.v
        for lr, n in d.pair_cost:
            v.x[(lr, n)] = m.new_bool_var(f"x[l={lr},n={n}]")
        for lr in d.learners:
            if d.may_leave_out(lr):
                v.u[lr] = m.new_bool_var(f"u[l={lr}]")
        for n in d.networks:
            _, high = los_rules.size_bounds(d.inst, d.network(n))
            base = d.base_size(n)
            v.size[n] = m.new_int_var(base, max(base, high), f"size[n={n}]")
            for s in d.slots_of[n]:
                v.y[(n, s)] = m.new_bool_var(f"y[n={n},s={s}]")
            for pos in POSITIONS:
                if d.fixed[(n, pos)] is None and n not in d.frozen:
                    for f in d.leaders[(n, pos)]:
                        v.lead[(n, pos, f)] = m.new_bool_var(f"lead[n={n},p={pos},f={f}]")

    def _lead(self, n: int, pos: Position, f: int) -> cp_model.IntVar | None:
        """The literal "f fills pos of n"; None when f is fixed there (always true)."""
        return None if self.d.fixed[(n, pos)] == f else self.v.lead[(n, pos, f)]

    # ------------------------------------------------------------------ assignment
    def _add_assignment(self) -> None:
        """Every learner joins exactly one network, or is unplaced where allowed."""
        m, d, v = self.model, self.d, self.v
        networks_of: dict[int, list[int]] = defaultdict(list)
        for lr, n in d.pair_cost:
            networks_of[lr].append(n)
        for lr in d.learners:
            terms = [v.x[(lr, n)] for n in networks_of[lr]]
            if lr in v.u:
                terms.append(v.u[lr])
            m.add(sum(terms) == 1).with_name(f"assign[l={lr}]").only_enforce_if(
                self.groups.lits("P1", d.learner(lr).id)
            )
        for n in d.networks:
            xs = [v.x[(lr, n)] for lr in self.pairs_of[n]]
            m.add(v.size[n] == cp_model.LinearExpr.sum(xs) + d.base_size(n))
        # redundant: the sizes add up to the learners placed
        base = sum(d.base_size(n) for n in d.networks)
        m.add(sum(v.size.values()) == len(d.learners) + base - sum(v.u.values())).only_enforce_if(
            self.groups.lits("P1")
        )

    # ------------------------------------------------------------------ L1
    def _add_l1_size(self) -> None:
        """L1: every network runs with between its minimum and maximum learners."""
        m, d, v = self.model, self.d, self.v
        for n in d.networks:
            net = d.network(n)
            low, high = los_rules.size_bounds(d.inst, net)
            m.add(v.size[n] >= low).only_enforce_if(self.groups.lits("L1", net.id))
            m.add(v.size[n] <= min(high, d.max_size(n))).only_enforce_if(
                self.groups.lits("L1", net.id)
            )

    # ------------------------------------------------------------------ L2
    def _add_l2_kinds(self) -> None:
        """L2: an opleiding network holds at least ``min_students`` students.

        (Every kind may join every type; a mixed network exists only where agreed, which
        the instance validation and :func:`los_rules.kind_refusal` already enforce.)
        """
        m, d, v = self.model, self.d, self.v
        for n in d.networks:
            need = los_rules.min_students(d.network(n))
            if need <= 0:
                continue
            students = [
                v.x[(lr, n)] for lr in self.pairs_of[n] if d.learner(lr).kind in STUDENT_KINDS
            ]
            need -= sum(
                1 for lr in d.base_members.get(n, ()) if d.learner(lr).kind in STUDENT_KINDS
            )
            if need <= 0:
                continue
            m.add(sum(students) >= need).only_enforce_if(self.groups.lits("L2", d.network(n).id))

    # ------------------------------------------------------------------ L3
    def _add_l3_curriculum(self) -> None:
        """L3: settled by pruning — ``x[l,n]`` exists only where n offers what l needs
        (:func:`los_rules.component_refusal`); nothing to add."""

    # ------------------------------------------------------------------ L4
    def _add_l4_slot(self) -> None:
        """L4: one slot per network; a member is free at it.

        ``x[l,n] <= sum(y[n,s] for s where l is free)`` (no constraint when l is free at
        every slot n can have; the pair does not exist when l is free at none).
        """
        m, d, v = self.model, self.d, self.v
        total = cp_model.LinearExpr.sum
        for n in d.networks:
            net = d.network(n)
            enforce = self.groups.lits("L4", net.id)
            ys = [v.y[(n, s)] for s in d.slots_of[n]]
            m.add(total(ys) == 1).with_name(f"slot[n={n}]").only_enforce_if(enforce)
            slots = set(d.slots_of[n])
            busy_at: dict[int, list[cp_model.IntVar]] = defaultdict(list)
            for lr in self.pairs_of[n]:
                free = d.free[lr] & slots
                if free == slots:
                    continue
                x = v.x[(lr, n)]
                m.add(total([v.y[(n, s)] for s in sorted(free)]) >= x).only_enforce_if(enforce)
                for s in slots - free:
                    busy_at[s].append(x)
            _, high = los_rules.size_bounds(d.inst, net)
            for s, xs in sorted(busy_at.items()):
                if len(xs) > high:
                    # redundant: at the chosen slot no busy learner joins (aggregated)
                    m.add(total(xs) + high * v.y[(n, s)] <= high).only_enforce_if(enforce)

    # ------------------------------------------------------------------ L5
    def _add_l5_facilitators(self) -> None:
        """L5: each open position gets exactly one candidate, available at the slot.

        Fixed facilitators need nothing here: the slots they are not available at were
        pruned. An open candidate f is linked by ``lead[n,p,f] <= sum(y[n,s] for s where
        f is available)``.
        """
        m, d, v = self.model, self.d, self.v
        for n in d.networks:
            net = d.network(n)
            enforce = self.groups.lits("L5", net.id)
            for pos in POSITIONS:
                if d.fixed[(n, pos)] is not None or n in d.frozen:
                    continue
                leads = [v.lead[(n, pos, f)] for f in d.leaders[(n, pos)]]
                m.add(sum(leads) == 1).only_enforce_if(enforce)
                for f in d.leaders[(n, pos)]:
                    ok = [v.y[(n, s)] for s in d.slots_of[n] if d.can_attend(f, n, s)]
                    if len(ok) < len(d.slots_of[n]):
                        m.add(v.lead[(n, pos, f)] <= sum(ok)).only_enforce_if(enforce)

    def _shared(self) -> dict[int, dict[int, dict[int, list[Any]]]]:
        """For every facilitator who could be double-booked: slot -> location -> the
        literals "f leads network n (at that location) at that slot".

        A facilitator can be double-booked only when they may lead two or more networks
        and ``max_groups`` is not 1 (L6 already keeps such a one to one network). For a
        fixed position the literal is ``y[n,s]``; for an open one ``w[n,f,s]`` with
        ``w >= lead[n,p,f] and y[n,s]`` (w appears only on the small side of ``<= 1``
        constraints, so it need not be bounded from above). Built once, cached.
        """
        if self._shared_cache is not None:
            return self._shared_cache
        m, d, v = self.model, self.d, self.v
        shared: dict[int, dict[int, dict[int, list[Any]]]] = {}
        for f in sorted(self.options):
            networks = {n for n, _ in self.options[f]}
            left = d.groups_left(f)
            if len(networks) < 2 or (left is not None and left <= 1):
                continue
            at: dict[int, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
            for n, pos in self.options[f]:
                lead = self._lead(n, pos, f)
                for s in d.slots_of[n]:
                    if not d.can_attend(f, n, s):
                        continue
                    if lead is None:
                        lit = v.y[(n, s)]
                    else:
                        lit = m.new_bool_var(f"w[n={n},f={f},s={s}]")
                        m.add_bool_or([lit, lead.Not(), v.y[(n, s)].Not()])
                        v.w_open[(n, f, s)] = lit
                    at[s][d.location(n)].append(lit)
            shared[f] = at
        self._shared_cache = shared
        return shared

    def _add_l5_double_booking(self) -> None:
        """L5: nobody leads two networks at the same slot."""
        m, d = self.model, self.d
        for f, at in self._shared().items():
            enforce = self.groups.lits("L5", d.inst.facilitators[f].id)
            for s, by_loc in sorted(at.items()):
                lits = [lit for items in by_loc.values() for lit in items]
                if len(lits) > 1:
                    m.add(cp_model.LinearExpr.sum(lits) <= 1).with_name(
                        f"once[f={f},s={s}]"
                    ).only_enforce_if(enforce)

    def _add_l5_travel(self) -> None:
        """L5: two networks of one facilitator on one weekday leave time to travel.

        For slots s1, s2 of one weekday and a location A used at s1:
        ``sum(w at A, s1) + sum(w at s2 at every location B too far from A) <= 1``.
        Valid because at most one of the s2 literals holds anyway (double booking), and it
        forbids every too-tight pair (A, s1)-(B, s2). One constraint per (f, s1, s2, A).
        """
        m, d = self.model, self.d
        for f, at in self._shared().items():
            enforce = self.groups.lits("L5", d.inst.facilitators[f].id)
            slots = sorted(at)
            for s1 in slots:
                for s2 in slots:
                    if s2 <= s1 or d.slots[s1][0] != d.slots[s2][0]:
                        continue
                    for loc1, here in at[s1].items():
                        far = [
                            lit
                            for loc2, there in at[s2].items()
                            if not d.fits_places(loc1, s1, loc2, s2)
                            for lit in there
                        ]
                        if far:
                            m.add(cp_model.LinearExpr.sum([*here, *far]) <= 1).only_enforce_if(
                                enforce
                            )

    # ------------------------------------------------------------------ L6
    def _add_l6_budget(self) -> None:
        """L6: an SO leads at most ``floor(capacity_days x so_students_per_day)`` learners;
        anyone leads at most ``max_groups`` networks."""
        m, d, v = self.model, self.d, self.v
        involved: dict[int, list[tuple[int, Position]]] = defaultdict(list)
        here = set(d.networks)
        for (n, pos), f in d.fixed.items():
            if f is not None and n in here:
                involved[f].append((n, pos))
        for f, opts in self.options.items():
            for opt in opts:
                if opt not in involved[f]:
                    involved[f].append(opt)
        for f, opts in sorted(involved.items()):
            fac = d.inst.facilitators[f]
            enforce = self.groups.lits("L6", fac.id)
            groups = d.groups_left(f)
            if groups is not None and len(opts) > groups:
                count: list[Any] = []
                for n, pos in opts:
                    lead = self._lead(n, pos, f)
                    count.append(1 if lead is None else lead)
                m.add(sum(count) <= groups).only_enforce_if(enforce)
            cap = d.cap_left(f)
            so_opts = [n for n, pos in opts if pos == "so"]
            if cap is None or not so_opts:
                continue
            most = sum(los_rules.size_bounds(d.inst, d.network(n))[1] for n in so_opts)
            if most <= cap:
                continue  # never binding
            loads = []
            for n in so_opts:
                lead = self._lead(n, "so", f)
                if lead is None:
                    loads.append(v.size[n])
                    continue
                _, high = los_rules.size_bounds(d.inst, d.network(n))
                load = m.new_int_var(0, high, f"load[n={n},f={f}]")
                m.add(load == v.size[n]).only_enforce_if(lead)
                m.add(load == 0).only_enforce_if(lead.Not())
                v.load[(n, f)] = load
                loads.append(load)
            m.add(sum(loads) <= cap).only_enforce_if(enforce)

    # ------------------------------------------------------------------ L7
    def _add_l7_travel_limit(self) -> None:
        """L7 (and the region rule): settled by pruning — ``x[l,n]`` exists only for
        networks of the learner's region within the travel limit; nothing to add."""

    # ------------------------------------------------------------------ L9
    def _add_l9_visitable(self) -> None:
        """L9: the slots leave room for the yearly visit cycle of every region.

        Each network's SO+IO duo visits ``visits_per_year`` (k) other networks of its
        region at the host's slot while its own network does not meet (the calendar
        stage dates the visits, :mod:`composer.solvers.calendar.visits`). Here the duo of
        v can visit h when one person could attend v's session and h's (:func:`visit_fits`:
        not the same slot; on one weekday, time to travel between the two schools). The
        model holds the visit arcs ``visit[v,h]`` of every region with k+1 or more
        networks: every network visits and hosts exactly k, no pair visits each other when
        the region has 2k+1 or more networks (as the calendar demands), and an arc is
        used only when the two slots fit: ``visit[v,h] + y[v,s] + sum(y[h,t] for t that
        clash with s) <= 2``. So a plan always admits the calendar's visit cycle, as far as
        the weekly slots decide it (other sessions of the duo, unavailable days and
        holidays remain the calendar's business).

        In search mode (elastic) a missing visit costs :attr:`RegionData.big` (variable
        ``visit_gap[v]``), like a learner left out: every construction is a solution, and
        an optimum that misses a visit proves that no plan exists. In a neighbourhood,
        the networks outside it keep their slots (:attr:`RegionData.outside_slots`).
        """
        m, d, v = self.model, self.d, self.v
        k = d.settings.visits_per_year
        for region, nets in visit_regions(d).items():
            enforce = self.groups.lits("L9", region)
            if not d.visit_arcs:
                self._add_l9_slot_cap(nets, enforce)
                continue
            slots_of = {n: visit_slots(d, n) for n in nets}

            def lit(n: int, s: int) -> Any:
                return 1 if n in d.outside_slots else v.y[(n, s)]

            # slots by weekday: without visits_within_availability only slots of one
            # weekday can clash, so each slot is compared with at most a day's blocks
            by_day: dict[int, dict[str, list[int]]] = {n: defaultdict(list) for n in nets}
            for n in nets:
                for t in slots_of[n]:
                    by_day[n][d.slots[t][0]].append(t)
            anywhere = not d.settings.visits_within_availability
            for a in nets:
                for b in nets:
                    if a == b:
                        continue
                    clashes: dict[int, list[int]] = {}
                    for s in slots_of[a]:
                        near = by_day[b][d.slots[s][0]] if anywhere else slots_of[b]
                        clashes[s] = [t for t in near if not visit_fits(d, a, s, b, t)]
                    if all(len(clashes[s]) == len(slots_of[b]) for s in slots_of[a]):
                        continue  # every slot pair clashes: no arc
                    arc = m.new_bool_var(f"visit[v={a},h={b}]")
                    v.visit[(a, b)] = arc
                    self._add_l9_duo_not_leading_host(arc, a, b, enforce)
                    for s, clash in clashes.items():
                        if clash:
                            terms = [arc, lit(a, s), *(lit(b, t) for t in clash)]
                            m.add(sum(terms) <= 2).only_enforce_if(enforce)
            for n in nets:
                out = [v.visit[(n, b)] for b in nets if (n, b) in v.visit]
                into = [v.visit[(a, n)] for a in nets if (a, n) in v.visit]
                if d.elastic:
                    gap = m.new_int_var(0, k, f"visit_gap[n={n}]")
                    v.visit_gap[n] = gap
                    m.add(sum(out) + gap == k)
                    # out = in: the visits form cycles (so the gaps count missing visits)
                    m.add(sum(into) == sum(out))
                else:
                    m.add(sum(out) == k).only_enforce_if(enforce)
                    m.add(sum(into) == k).only_enforce_if(enforce)
            if len(nets) >= 2 * k + 1:
                for (a, b), arc in v.visit.items():
                    if a < b and (b, a) in v.visit and a in slots_of and b in slots_of:
                        m.add(arc + v.visit[(b, a)] <= 1).only_enforce_if(enforce)
            if not d.elastic:
                # redundant with the arcs (labelled): the slot cap below
                self._add_l9_slot_cap(nets, enforce)

    def _add_l9_duo_not_leading_host(
        self, arc: cp_model.IntVar, visitor: int, host: int, enforce: list[Any]
    ) -> None:
        """L9: nobody in ``visitor``'s duo leads ``host`` (their own session at that
        moment): for each facilitator who could lead both, ``visit[v,h]`` + "f leads v" +
        "f leads h" <= 2. (That the duo's *other* networks leave them free at the host's
        slot is checked on each solution, :func:`duo_free`.)"""
        if self.d.outside_slots and (visitor not in self.d.networks or host not in self.d.networks):
            return  # a network outside a neighbourhood: its leaders are not in the model
        for f in shared_leaders(self.d, visitor, host):
            led = [self._led_by(n, f) for n in (visitor, host)]
            if all(term is not None for term in led):
                self.model.add(arc + sum(led) <= 2).only_enforce_if(enforce)

    def _led_by(self, n: int, f: int) -> Any:
        """ "f leads n" as 1 (fixed there), a sum of lead literals, or None (never)."""
        lits = []
        for pos in POSITIONS:
            fixed = self.d.fixed[(n, pos)]
            if fixed is not None:
                if fixed == f:
                    return 1
                continue
            var = self.v.lead.get((n, pos, f))
            if var is not None:
                lits.append(var)
        return sum(lits) if lits else None

    def _add_l9_slot_cap(self, nets: list[int], enforce: list[Any]) -> None:
        """L9, Hall's condition: networks at one slot cannot visit each other, so each
        needs k visitors from other slots and each of those visits only k: at most half
        of a region's networks (``nets``, those outside a neighbourhood included) meet
        at one slot. Implied by the visit arcs (redundant there); on its own, the
        relaxation of L9 that :attr:`RegionData.visit_arcs` = False asks for."""
        m, d, v = self.model, self.d, self.v
        inside = [n for n in nets if n not in d.outside_slots]
        fixed_at: dict[int, int] = defaultdict(int)
        for n in nets:
            if n in d.outside_slots:
                fixed_at[d.outside_slots[n]] += 1
        for s in sorted({s for n in inside for s in d.slots_of[n]}):
            at = [v.y[(n, s)] for n in inside if s in d.slots_of[n]]
            m.add(sum(at) + fixed_at[s] <= len(nets) // 2).only_enforce_if(enforce)

    # ------------------------------------------------------------------ symmetry
    def _add_symmetry_breaking(self) -> None:
        """Identical networks (same rules, location, candidates, slots, leaders, and named
        by no learner) are interchangeable: order their slot indices.

        Valid because swapping everything two identical networks hold (members, slot,
        facilitators) gives a plan of the same cost.
        """
        m, d, v = self.model, self.d, self.v
        named = {lr.network for lr in d.inst.learners if lr.network}
        named |= {p for lr in d.inst.learners for p in lr.preferred_networks}
        classes: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for n in d.networks:
            net = d.network(n)
            if net.id in named or n in d.frozen or d.base_members.get(n):
                continue
            signature = (
                net.model_dump_json(exclude={"id", "name"}),
                tuple(sorted(self.pairs_of[n])),
                tuple(d.slots_of[n]),
                tuple(d.leaders[(n, "so")]),
                tuple(d.leaders[(n, "second")]),
                d.fixed[(n, "so")],
                d.fixed[(n, "second")],
            )
            classes[signature].append(n)
        for members in classes.values():
            for a, b in itertools.pairwise(members):
                index_a = sum(s * v.y[(a, s)] for s in d.slots_of[a])
                index_b = sum(s * v.y[(b, s)] for s in d.slots_of[b])
                m.add(index_a <= index_b)

    # ------------------------------------------------------------------ objective
    def _add_objective(self) -> None:
        """The objective of :mod:`composer.objective.los`, term by term."""
        m, d, v = self.model, self.d, self.v
        w = d.settings.weights
        terms: list[Any] = [cost * v.x[key] for key, cost in d.pair_cost.items() if cost]
        terms.extend(d.unplaced_cost(lr) * u for lr, u in v.u.items() if d.unplaced_cost(lr))
        terms.extend(d.big * gap for gap in v.visit_gap.values())
        if w.size_balance:
            for n in d.networks:
                low, high = d.objective.band(d.network(n))
                bound_low, bound_high = los_rules.size_bounds(d.inst, d.network(n))
                if high < bound_high:
                    v.over[n] = m.new_int_var(0, bound_high - high, f"over[n={n}]")
                    m.add(v.over[n] >= v.size[n] - high)
                    terms.append(w.size_balance * v.over[n])
                if low > bound_low:
                    v.under[n] = m.new_int_var(0, low - bound_low, f"under[n={n}]")
                    m.add(v.under[n] >= low - v.size[n])
                    terms.append(w.size_balance * v.under[n])
        offset = 0
        if w.kind_mix:
            for n in d.networks:
                staying = {d.learner(lr).kind for lr in d.base_members.get(n, ())}
                for kind in d.objective.mix_kinds(n):
                    if kind in staying:
                        continue
                    xs = [v.x[(lr, n)] for lr in self.pairs_of[n] if d.learner(lr).kind == kind]
                    if not xs:
                        offset += w.kind_mix  # no candidate of this kind is left
                        continue
                    miss = m.new_bool_var(f"missing[n={n},k={kind}]")
                    m.add(sum(xs) + miss >= 1)
                    v.missing[(n, kind)] = miss
                    terms.append(w.kind_mix * miss)
        self.objective_expr = sum(terms) + offset
        """The objective as an expression (re-planning adds move penalties to it)."""
        m.minimize(self.objective_expr)

    # ------------------------------------------------------------------ hint
    def add_hint(self, start: Start) -> None:
        """Hint a complete start (from :func:`greedy_start`) to the solver."""
        m, d, v = self.model, self.d, self.v
        m.clear_hints()
        sizes: dict[int, int] = defaultdict(int)
        kinds: dict[int, set[str]] = defaultdict(set)
        for n, staying in d.base_members.items():
            sizes[n] += len(staying)
            kinds[n].update(d.learner(lr).kind for lr in staying)
        for (lr, n), var in v.x.items():
            on = start.network_of.get(lr) == n
            m.add_hint(var, on)
            if on:
                sizes[n] += 1
                kinds[n].add(d.learner(lr).kind)
        for lr, var in v.u.items():
            m.add_hint(var, lr not in start.network_of)
        for (n, s), var in v.y.items():
            m.add_hint(var, start.slot.get(n) == s)
        for (n, pos, f), var in v.lead.items():
            m.add_hint(var, start.leaders.get((n, pos)) == f)
        for n, var in v.size.items():
            m.add_hint(var, sizes[n])
        for (n, f, s), var in v.w_open.items():
            leads = (start.leaders.get((n, "so")), start.leaders.get((n, "second")))
            m.add_hint(var, start.slot.get(n) == s and f in leads)
        for (n, f), var in v.load.items():
            m.add_hint(var, sizes[n] if start.leaders.get((n, "so")) == f else 0)
        for n, var in v.over.items():
            m.add_hint(var, max(0, sizes[n] - d.objective.band(d.network(n))[1]))
        for n, var in v.under.items():
            m.add_hint(var, max(0, d.objective.band(d.network(n))[0] - sizes[n]))
        for (n, kind), var in v.missing.items():
            m.add_hint(var, kind not in kinds[n])
