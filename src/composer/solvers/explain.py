"""``composer explain``: why no plan exists, the smallest conflict, and a verified fix.

For every LOS region group (regions sharing a facilitator, as the LOS stage solves them)
and for the BV clusters, a CP-SAT *explain model* states the hard rules with one
enforcement literal per named constraint group: a rule id, the item it is about and an
aspect (``L1 N07 max``: "network N07 takes at most 18 learners"; ``L4 L0012 roster``:
"L0012 is free at their network's slot"; ``L5 IO03 availability``; ``B4 C1 capacity``;
...; ``L9 <region> visits``: the region's yearly visit arcs, as in the LOS model).
Unlike the solving model it prunes nothing, so that a learner refused everywhere
for curriculum (L3) or travel (L7) reasons still shows up as a conflict between named
groups.

1. Solve with every literal as an assumption (first without the L9 groups, which make
   the model slow: a conflict without them is found sooner). Feasible: nothing to
   explain.
2. Infeasible: CP-SAT's ``sufficient_assumptions_for_infeasibility`` gives a core; a
   deletion filter shrinks it to a *minimal* core (dropping any one group makes the rest
   satisfiable; proven by a solve per group, within a time limit per check).
3. Each group in the core offers relaxations as change files (raise ``max_size`` of N07
   by k, free a learner's roster at a slot, add a day to an IO's availability, raise a
   coordinator's ``max_groups``, ``bv.allow_seven`` ...), each with a cost. The cheapest
   combination of them (at most one change per field) that makes the explain model
   feasible is found and proven by implicit hitting sets (:func:`cheapest_relaxation`):
   every core asks for one of its groups' relaxations (and, in BV, for the changes that
   reshape its sector-region: :meth:`ExplainModel.reshaping_relaxations`), a small
   CP-SAT model picks the cheapest set meeting all cores so far, and a set that still
   leaves a core adds it.
   When that search does not conclude in time, a greedy search takes over (cheapest
   single change, else the cheapest that breaks the core, and repeat; not proven).

The models mirror :mod:`composer.solvers.los_model` rule by rule (same rule logic from
:mod:`composer.los_rules` / :mod:`composer.bv_rules`); the CLI additionally verifies a
proposed relaxation with the real solver and the checker.
"""

from __future__ import annotations

import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ortools.sat.python import cp_model

from composer import clock, los_rules
from composer.bv_rules import (
    bv_eligible,
    bv_layout,
    cluster_count_range,
    coordinators,
    splittable,
    wish_conflicts,
)
from composer.los_rules import Position, SlotKey, slot_label
from composer.model.change import AddOp, ChangeFile, ModifyOp, RemoveOp, SetOp
from composer.model.instance import STUDENT_KINDS, Instance

Check = Literal["feasible", "infeasible", "unknown"]


@dataclass(frozen=True)
class Element:
    """A named constraint group: rule id, the item it is about, the aspect, and words."""

    rule: str
    item: str
    aspect: str
    text: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule, self.item, self.aspect)

    def render(self) -> str:
        return f"[{self.rule}] {self.text}"


@dataclass(frozen=True)
class Relaxation:
    """A change that softens one group, its cost (lower is cheaper) and what it does."""

    change: ChangeFile
    cost: float
    text: str
    rule: str
    monotone: bool = True
    """Only loosens rules (every plan stays a plan). False for a change that also takes
    freedom away, such as removing a learner (one fewer to fill a network's minimum):
    the cheapest-combination search then keeps the cores found under it conditional."""


@dataclass(frozen=True)
class Interchangeable:
    """A run of relaxations that act alike (:meth:`ExplainModel.interchangeable_relaxations`):
    choosing any k of them is as good as choosing the first k, unless a breaker is
    chosen too. The cheapest-combination search then considers only their prefixes."""

    run: list[Relaxation]
    breakers: list[Relaxation]


Decider = Callable[[Instance], bool]
"""Whether a (relaxed) full instance has a plan, by the stage's own search: asked where the
explain model cannot tell within its time limit."""


L3_OFFERS = 3
"""How many networks explain offers to widen for a learner's curriculum (L3): the nearest
ones they may travel to (each change costs the same)."""


@dataclass
class Explanation:
    """What explain found for one part (an LOS region group or the BV clusters)."""

    programme: Literal["los", "bv"]
    key: str
    status: Check
    core: list[Element] = field(default_factory=list)
    minimal: bool = True
    relaxations: list[Relaxation] = field(default_factory=list)
    relaxed_status: Check | None = None
    notes: list[str] = field(default_factory=list)
    """Reasons found without search (the LOS stage's pruning) when the model could not
    decide in time."""
    cheapest_proven: bool = False
    """The relaxation is proven the cheapest combination of the offered changes (at most
    one per field) that makes the explain model feasible; False: found greedily."""
    left_out: bool = False
    """BV only: the conflict is one the BV stage plans around, as ``composer solve`` does:
    without the schools of an impossible count (B8) or of a sector-region whose wishes
    contradict each other (B2), and the clusters no coordinator can take (B4), which it
    lists in ``plan.unplaced``; everything else holds. The core and
    the relaxation then say why they are left out and how to include them."""
    stage_failed: bool = False
    """The LOS stage found no plan within the time limit although the explain model finds
    one (status "unknown"): the stage needs more time, or the conflict lies in what only
    the stage checks."""
    more_cores: list[tuple[list[Element], bool]] = field(default_factory=list)
    """The other conflicts of the part, each sharing no group with :attr:`core` or the
    ones before it (with: proven minimal). A planner fixing only :attr:`core` would
    still have no plan, and the relaxation answers these too, so they are shown."""
    further_rules: list[str] = field(default_factory=list)
    """The rules of the relaxation's changes that no group of the conflicts shown
    offers: they answer a further conflict that shares groups with those shown (found
    only once these are relaxed), so dropping one group of them is not enough."""


# --------------------------------------------------------------------------- cores


class ExplainModel:
    """A CP-SAT model whose constraint groups have enforcement literals (base class)."""

    max_conditional_options: int | None = None
    """Above this many changes that take freedom away (not monotone) offered to one
    conflict found up front, :func:`cheapest_relaxation` leaves the part to the greedy
    search: each such change makes the cores found under it conditional on it, so the
    rounds try them one by one (None: no limit)."""

    deferred_rules: tuple[str, ...] = ()
    """Rules whose groups live in :attr:`full` only and are checked only when the other
    groups hold together: their variables slow the model down several times."""

    def __init__(self) -> None:
        self.model = cp_model.CpModel()
        """Every group but those of :attr:`deferred_rules`."""
        self.full: cp_model.CpModel | None = None
        """A clone of :attr:`model` (same variable indices) with the deferred groups
        added; None when there are none. A subclass clones it after building
        :attr:`model`, which then stays as it is."""
        self.groups: dict[tuple[str, str, str], tuple[cp_model.IntVar, Element]] = {}
        self.last_solution: list[int] = []

    def lit(self, rule: str, item: str, aspect: str, text: str) -> cp_model.IntVar:
        """The enforcement literal of a group (created on first use, in :attr:`full`
        for a deferred rule)."""
        key = (rule, item, aspect)
        if key not in self.groups:
            model = self.model
            if rule in self.deferred_rules:
                assert self.full is not None, "clone the model before adding deferred groups"
                model = self.full
            var = model.new_bool_var(f"enforce[{rule},{item},{aspect}]")
            self.groups[key] = (var, Element(rule, item, aspect, text))
        return self.groups[key][0]

    def relaxations(self, element: Element) -> list[Relaxation]:
        """The ways to soften ``element``, cheapest first (none by default)."""
        return []

    def relaxations_in_core(
        self, element: Element, core: set[tuple[str, str, str]]
    ) -> list[Relaxation]:
        """The relaxations of ``element`` that can help resolve ``core`` (a conflict that
        holds it) while the other groups of the core stay as they are: by default all."""
        return self.relaxations(element)

    def reshaping_relaxations(self, core: set[tuple[str, str, str]]) -> list[Relaxation]:
        """The relaxations offered by groups outside ``core`` that may still resolve it
        by reshaping the model rather than softening a group of it (a deferred school
        changes its sector-region's count): none by default."""
        return []

    def interchangeable_relaxations(self) -> list[Interchangeable]:
        """Relaxations that act alike on the model: any k of one such run make the model
        as feasible as its first k do (each at the same cost), unless one of its
        breakers is chosen too. None by default."""
        return []

    def check(self, keys: list[tuple[str, str, str]], time_limit: float) -> tuple[Check, list]:
        """Solve with the groups ``keys`` enforced (the others free); with the core when
        infeasible (group keys).

        The groups of the rules not deferred are checked first, in :attr:`model`: a
        conflict among them is found without the deferred groups' variables, and a
        solution is the hint for the solve in :attr:`full` with the deferred groups."""
        plain = [k for k in keys if k[0] not in self.deferred_rules]
        status, core = self._solve(self.model, plain, time_limit)
        if status != "feasible" or len(plain) == len(keys) or self.full is None:
            return status, core
        full = self.full
        full.clear_hints()
        for i, value in enumerate(self.last_solution):
            full.add_hint(full.get_int_var_from_proto_index(i), value)
        return self._solve(full, keys, time_limit)

    def _solve(
        self, m: cp_model.CpModel, keys: list[tuple[str, str, str]], time_limit: float
    ) -> tuple[Check, list]:
        m.clear_assumptions()
        m.add_assumptions([self.groups[k][0] for k in keys])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = max(0.05, time_limit)
        solver.parameters.linearization_level = 2
        # as in the LOS full model: presolve turns the roster rows into clauses the LP
        # loses; without it the LP proves counting conflicts (L1 seats) directly
        solver.parameters.cp_model_presolve = False
        status = solver.solve(m)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.last_solution = list(solver.response_proto.solution)
            return "feasible", []
        if status == cp_model.INFEASIBLE:
            by_index = {var.index: k for k, (var, _) in self.groups.items()}
            core = [
                by_index[i]
                for i in solver.sufficient_assumptions_for_infeasibility()
                if i in by_index
            ]
            return "infeasible", core
        return "unknown", []

    def minimal_core(
        self,
        time_limit: float,
        budget: float = 120.0,
        among: list[tuple[str, str, str]] | None = None,
    ) -> tuple[Check, list[Element], bool]:
        """(status, minimal core, proven minimal) with every group enforced (or the
        groups ``among``).

        The deletion filter stops after ``budget`` seconds; the core is then a conflict
        but not proven minimal (a large region can have a core of hundreds of groups,
        each needing a solve to prove it is needed). Groups of :attr:`deferred_rules`
        join only when the others alone hold together (:meth:`check`).
        """
        started = time.monotonic()
        keys = list(self.groups) if among is None else among
        status, core = self.check(keys, time_limit)
        if status != "infeasible":
            return status, [], True
        proven = True
        core = list(dict.fromkeys(core)) or keys
        i = 0
        while i < len(core):
            if time.monotonic() - started > budget:
                return "infeasible", [self.groups[k][1] for k in core], False
            trial = core[:i] + core[i + 1 :]
            result, smaller = self.check(trial, time_limit)
            if result == "infeasible":
                keep = set(smaller) if smaller else set(trial)
                core = [k for k in trial if k in keep]
                continue  # core[i] was not needed (and maybe more went with it)
            if result == "unknown":
                proven = False
            i += 1
        return "infeasible", [self.groups[k][1] for k in core], proven


# --------------------------------------------------------------------------- LOS


def _modify(what: Any, ident: str, fields: dict[str, Any], description: str) -> ChangeFile:
    return ChangeFile(
        description=description,
        operations=(ModifyOp(op="modify", what=what, id=ident, fields=fields),),
    )


def _set(key: str, value: Any, description: str) -> ChangeFile:
    return ChangeFile(description=description, operations=(SetOp(op="set", key=key, value=value),))


class LosExplainModel(ExplainModel):
    """The LOS rules L1-L7 and L9 (and placement, pins) of one region group, nothing
    pruned."""

    deferred_rules = ("L9",)  # the visit arcs make the model several times slower

    def __init__(self, inst: Instance) -> None:
        super().__init__()
        self.inst = inst
        self._fits: dict[tuple[SlotKey, str, SlotKey, str], bool] = {}
        m = self.model
        idx = inst.index
        settings = inst.los.settings
        self.slots: list[SlotKey] = los_rules.planning_slots(inst)
        slots = self.slots
        nets = inst.los.networks
        by_region: dict[str, list[int]] = defaultdict(list)
        for n, net in enumerate(nets):
            by_region[net.region].append(n)
        # --- who may join what (nothing pruned: refusals become groups)
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.refused: dict[tuple[int, int], tuple[str, str]] = {}
        for lr, learner in enumerate(inst.learners):
            cands = list(by_region.get(los_rules.learner_region(inst, learner), []))
            pin = idx.network.get(learner.network or "")
            if pin is not None and pin not in cands:
                cands.append(pin)
            for n in cands:
                net = nets[n]
                x = m.new_bool_var(f"x[l={lr},n={n}]")
                self.x[(lr, n)] = x
                refusal = los_rules.component_refusal(inst, learner, net)
                if refusal is not None:
                    self.refused[(lr, n)] = ("L3", refusal.reason)
                    m.add(x == 0).only_enforce_if(
                        self.lit("L3", learner.id, "needs", self._needs_text(learner))
                    )
                    continue
                refusal = los_rules.travel_refusal(inst, learner, net)
                if refusal is not None:
                    self.refused[(lr, n)] = ("L7", refusal.reason)
                    limit = los_rules.travel_limit(inst, net)
                    m.add(x == 0).only_enforce_if(
                        self.lit(
                            "L7",
                            learner.id,
                            "travel",
                            f"{learner.id} travels at most {limit:g} min from "
                            f"{learner.home_school} to a network",
                        )
                    )
        self.networks_of: dict[int, list[int]] = defaultdict(list)
        self.members_of: dict[int, list[int]] = defaultdict(list)
        for lr, n in self.x:
            self.networks_of[lr].append(n)
            self.members_of[n].append(lr)
        # --- placement and pins
        for lr, learner in enumerate(inst.learners):
            xs = [self.x[(lr, n)] for n in self.networks_of[lr]]
            m.add(sum(xs) <= 1)
            pin = idx.network.get(learner.network or "")
            if pin is not None:
                m.add(self.x[(lr, pin)] == 1).only_enforce_if(
                    self.lit(
                        "P1", learner.id, "pin", f"{learner.id} is pinned to {learner.network}"
                    )
                )
            if not settings.allow_unplaced or pin is not None:
                m.add(sum(xs) == 1).only_enforce_if(
                    self.lit("P1", learner.id, "placed", f"{learner.id} must be placed")
                )
        # --- slots (L4)
        self.y: dict[tuple[int, int], cp_model.IntVar] = {}
        self.size: dict[int, Any] = {}
        for n, net in enumerate(nets):
            ys = [m.new_bool_var(f"y[n={n},s={s}]") for s in range(len(slots))]
            for s, y in enumerate(ys):
                self.y[(n, s)] = y
            m.add_exactly_one(ys)
            if net.slot is not None:
                fixed = (net.slot.weekday, net.slot.block)
                enforce = self.lit(
                    "L4", net.id, "fixed-slot", f"network {net.id} meets at {slot_label(fixed)}"
                )
                if fixed in slots:
                    m.add(self.y[(n, slots.index(fixed))] == 1).only_enforce_if(enforce)
                else:
                    m.add_bool_or([enforce.Not()])
            self.size[n] = sum(self.x[(lr, n)] for lr in self.members_of[n])
        for lr, learner in enumerate(inst.learners):
            busy = [s for s, key in enumerate(slots) if not los_rules.learner_free(learner, key)]
            if not busy:
                continue
            enforce = self.lit(
                "L4",
                learner.id,
                "roster",
                f"{learner.id} teaches at {', '.join(slot_label(slots[s]) for s in busy)} "
                "and must be free at their network's slot",
            )
            free = [s for s in range(len(slots)) if s not in set(busy)]
            for n in self.networks_of[lr]:
                # x[l,n] <= sum of y[n,s] over the slots l is free (one linear row per pair)
                m.add(sum(self.y[(n, s)] for s in free) >= self.x[(lr, n)]).only_enforce_if(enforce)
        # --- L1 size, L2 kinds
        for n, net in enumerate(nets):
            low, high = los_rules.size_bounds(inst, net)
            m.add(self.size[n] >= low).only_enforce_if(
                self.lit("L1", net.id, "min", f"network {net.id} needs at least {low} learners")
            )
            m.add(self.size[n] <= high).only_enforce_if(
                self.lit("L1", net.id, "max", f"network {net.id} takes at most {high} learners")
            )
            if net.type == "mixed" and not net.mixed_agreed:
                m.add(self.size[n] == 0).only_enforce_if(
                    self.lit(
                        "L2", net.id, "mixed", f"mixed network {net.id} is not agreed (no members)"
                    )
                )
            need = los_rules.min_students(net)
            if need > 0:
                students = [
                    self.x[(lr, n)]
                    for lr in self.members_of[n]
                    if inst.learners[lr].kind in STUDENT_KINDS
                ]
                m.add(sum(students) >= need).only_enforce_if(
                    self.lit(
                        "L2",
                        net.id,
                        "students",
                        f"opleiding network {net.id} needs at least {need} student(s)",
                    )
                )
        # --- L5 leaders, availability, one place at a time; L6 budget
        pool = los_rules.facilitators_by_region(inst)
        fidx = idx.facilitator
        self.lead: dict[tuple[int, Position, int], cp_model.IntVar] = {}
        options: dict[int, list[tuple[int, Position]]] = defaultdict(list)
        positions: tuple[Position, ...] = ("so", "second")
        for n, net in enumerate(nets):
            for pos in positions:
                found = los_rules.facilitator_candidates(inst, net, pos, pool)
                fixed_id = los_rules.fixed_facilitator(net, pos)
                roles = " or ".join(sorted(los_rules.position_roles(net, pos)))
                text = (
                    f"network {net.id} is led by {fixed_id} ({pos}, fixed)"
                    if fixed_id
                    else f"network {net.id} needs a {roles} of region {net.region}"
                )
                leads = []
                for fac in found:
                    f = fidx[fac.id]
                    var = m.new_bool_var(f"lead[n={n},p={pos},f={f}]")
                    self.lead[(n, pos, f)] = var
                    options[f].append((n, pos))
                    leads.append(var)
                m.add(sum(leads) == 1).only_enforce_if(
                    self.lit("L5", net.id, f"{pos}-leader", text)
                )
        self.options = options
        for f, opts in sorted(options.items()):
            fac = inst.facilitators[f]
            days = ", ".join(fac.available_days)
            blocks = f" (blocks {', '.join(fac.available_blocks)})" if fac.available_blocks else ""
            avail = self.lit(
                "L5",
                fac.id,
                "availability",
                f"{fac.id} ({fac.role}) is available on {days}{blocks}",
            )
            present = [s for s, key in enumerate(slots) if fac.available(*key)]
            if len(present) < len(slots):
                for n, pos in opts:
                    m.add(
                        sum(self.y[(n, s)] for s in present) >= self.lead[(n, pos, f)]
                    ).only_enforce_if(avail)
            networks = sorted({n for n, _ in opts})
            if len(networks) >= 2:
                once = self.lit(
                    "L5", fac.id, "once", f"{fac.id} is in one place at a time (travel included)"
                )
                w: dict[tuple[int, int], cp_model.IntVar] = {}
                for n, pos in opts:
                    for s in range(len(slots)):
                        var = m.new_bool_var(f"w[n={n},f={f},s={s}]")
                        m.add_bool_or([var, self.lead[(n, pos, f)].Not(), self.y[(n, s)].Not()])
                        w[(n, s)] = var
                for s in range(len(slots)):
                    m.add(sum(w[(n, s)] for n in networks) <= 1).only_enforce_if(once)
                for s1, a in enumerate(slots):
                    for s2, b in enumerate(slots):
                        if s2 <= s1 or a[0] != b[0]:
                            continue
                        for n1 in networks:
                            for n2 in networks:
                                if n1 == n2:
                                    continue
                                if not self.travel_fits(a, nets[n1].location, b, nets[n2].location):
                                    m.add(w[(n1, s1)] + w[(n2, s2)] <= 1).only_enforce_if(once)
            if fac.max_groups is not None and len(networks) > fac.max_groups:
                m.add(
                    sum(self.lead[(n, pos, f)] for n, pos in opts) <= fac.max_groups
                ).only_enforce_if(
                    self.lit(
                        "L6",
                        fac.id,
                        "groups",
                        f"{fac.id} leads at most {fac.max_groups} network(s)",
                    )
                )
            cap = los_rules.so_capacity(inst, fac)
            so_opts = [n for n, pos in opts if pos == "so"]
            if cap is not None and so_opts:
                loads = []
                for n in so_opts:
                    _, high = los_rules.size_bounds(inst, nets[n])
                    top = max(high, len(self.members_of[n]))
                    load = m.new_int_var(0, top, f"load[n={n},f={f}]")
                    m.add(load >= self.size[n] - top * (1 - self.lead[(n, "so", f)]))
                    loads.append(load)
                m.add(sum(loads) <= cap).only_enforce_if(
                    self.lit(
                        "L6",
                        fac.id,
                        "capacity",
                        f"schoolopleider {fac.id} leads at most {cap} learners "
                        f"({fac.capacity_days:g} day(s) x {settings.so_students_per_day})",
                    )
                )
        self._add_l9_visits(by_region)

    def travel_fits(self, slot_a: SlotKey, place_a: str, slot_b: SlotKey, place_b: str) -> bool:
        """:func:`composer.los_rules.travel_fits`, remembered (asked for every pair of
        networks a person may lead, at every pair of slots)."""
        key = (slot_a, place_a, slot_b, place_b)
        fits = self._fits.get(key)
        if fits is None:
            fits = self._fits[key] = los_rules.travel_fits(self.inst, *key)
        return fits

    def _add_l9_visits(self, by_region: dict[str, list[int]]) -> None:
        """L9: per region of ``visits_per_year`` (k) + 1 networks or more, one group: every
        network's duo visits k other networks of the region and hosts k, never the same
        pair both ways when the region has 2k + 1 networks or more, and a visit only
        where the host's slot leaves the duo free (not their own slot; on one weekday,
        time to travel; with ``visits_within_availability`` the visitor's fixed
        facilitators available then; no duo member leads the host).

        This mirrors the LOS model's ``_add_l9_visitable``; like it, it leaves to the
        stage the duo's *other* networks at the host's slot
        (:func:`composer.solvers.los_model.duo_free`). The groups go into :attr:`full`,
        a clone of the model built so far."""
        inst = self.inst
        settings = inst.los.settings
        k = settings.visits_per_year
        if k <= 0 or all(len(members) < k + 1 for members in by_region.values()):
            return
        self.full = m = self.model.clone()  # self.model stays without the visits
        nets = inst.los.networks
        slots = self.slots
        led: dict[tuple[int, int], list[cp_model.IntVar]] = defaultdict(list)
        leaders_of: dict[int, set[int]] = defaultdict(set)
        for (n, _pos, f), var in self.lead.items():
            led[(n, f)].append(var)
            leaders_of[n].add(f)
        self.visit: dict[tuple[int, int], cp_model.IntVar] = {}
        # per pair of locations: the host slots a visitor at slot s cannot reach (L5 travel)
        apart: dict[tuple[str, str], dict[int, list[int]]] = {}
        same_day = {
            s: [t for t, other in enumerate(slots) if other[0] == at[0]]
            for s, at in enumerate(slots)
        }
        idx = inst.index
        blocks = [los_rules.block_of(inst, block) for _, block in slots]
        times = [
            (los_rules.minutes_of_day(b.start), los_rules.minutes_of_day(b.end)) for b in blocks
        ]
        for region, members in sorted(by_region.items()):
            if len(members) < k + 1:
                continue  # too few networks to visit: the calendar stage reports it
            one_way = len(members) >= 2 * k + 1
            enforce = self.lit(
                "L9",
                region,
                "visits",
                f"every network of region {region} visits {k} other network(s) of the "
                f"region a year and hosts {k}"
                + (", no two networks visiting each other" if one_way else "")
                + ", at a slot its duo is free",
            )
            for a in members:
                fixed = [
                    inst.facilitators[idx.facilitator[fid]]
                    for pos in ("so", "second")
                    if (fid := los_rules.fixed_facilitator(nets[a], pos)) is not None
                ]
                absent = (
                    [t for t, at in enumerate(slots) if not all(f.available(*at) for f in fixed)]
                    if settings.visits_within_availability
                    else []
                )
                for b in members:
                    if a == b:
                        continue
                    arc = m.new_bool_var(f"visit[v={a},h={b}]")
                    self.visit[(a, b)] = arc
                    places = (nets[a].location, nets[b].location)
                    if places not in apart:
                        # only slots of one weekday can clash: the same slot, or too little
                        # time to travel from the earlier block's school to the later one's
                        # (L5, as los_rules.travel_fits, with the minutes looked up once)
                        there = idx.travel_minutes(idx.school[places[0]], idx.school[places[1]])
                        back = idx.travel_minutes(idx.school[places[1]], idx.school[places[0]])
                        apart[places] = {
                            s: [
                                t
                                for t in same_day[s]
                                if t == s
                                or not los_rules.blocks_fit(
                                    *times[s], *times[t], there if times[s] <= times[t] else back
                                )
                            ]
                            for s in range(len(slots))
                        }
                    for s in range(len(slots)):
                        clash = sorted({*apart[places][s], *absent})
                        if clash:
                            terms = [arc, self.y[(a, s)], *(self.y[(b, t)] for t in clash)]
                            m.add(sum(terms) <= 2).only_enforce_if(enforce)
                    for f in sorted(leaders_of[a]):
                        if (b, f) in led:
                            # f in a's duo cannot visit b while leading b
                            m.add(arc + sum(led[(a, f)]) + sum(led[(b, f)]) <= 2).only_enforce_if(
                                enforce
                            )
            for n in members:
                m.add(sum(self.visit[(n, b)] for b in members if b != n) == k).only_enforce_if(
                    enforce
                )
                m.add(sum(self.visit[(a, n)] for a in members if a != n) == k).only_enforce_if(
                    enforce
                )
            if one_way:
                for a in members:
                    for b in members:
                        if a < b:
                            m.add(self.visit[(a, b)] + self.visit[(b, a)] <= 1).only_enforce_if(
                                enforce
                            )
            # redundant with the arcs (labelled), as in the LOS model: Hall's condition,
            # at most half the region's networks at one slot (they cannot visit each other)
            for s in range(len(slots)):
                m.add(sum(self.y[(n, s)] for n in members) <= len(members) // 2).only_enforce_if(
                    enforce
                )

    @staticmethod
    def _needs_text(learner: Any) -> str:
        if learner.needs:
            return f"{learner.id} needs {'+'.join(learner.needs)} from their network"
        return f"{learner.id} is a UU student: their network offers a UU component or admits them"

    # ------------------------------------------------------------------ relaxations
    def relaxations_in_core(
        self, element: Element, core: set[tuple[str, str, str]]
    ) -> list[Relaxation]:
        """As :meth:`relaxations`, but while the core holds a learner's pin (P1), their
        curriculum (L3) and travel (L7) groups can only be helped at the pinned network:
        the changes at other networks help only once the pin goes, which the pin's own
        group offers."""
        found = self.relaxations(element)
        rule, item, _ = element.key
        if rule not in ("L3", "L7") or ("P1", item, "pin") not in core:
            return found
        pinned = self.inst.learners[self.inst.index.learner[item]].network
        return [
            r
            for r in found
            if not any(
                isinstance(op, ModifyOp) and op.what == "networks" and op.id != pinned
                for op in r.change.operations
            )
        ]

    def _curriculum_options(self, lr: int) -> list[int]:
        """The networks whose curriculum (L3) refuses learner ``lr`` that explain offers to
        widen: the :data:`L3_OFFERS` nearest ones the learner may travel to (L7), else all;
        never an induction network for a component (it may offer none).

        Every such change costs the same, so offering the nearest few loses no cheaper
        change; offering every network of a large region made each core a menu of dozens
        of equal options, which the cheapest-change search could not close in its budget
        (midden-nederland: 200 s, then the greedy answer)."""
        inst = self.inst
        learner = inst.learners[lr]
        nets = inst.los.networks
        refused = [
            n
            for n in self.networks_of[lr]
            if self.refused.get((lr, n), ("",))[0] == "L3"
            # an induction network offers no curriculum (L3): no change there can help
            and not (nets[n].type == "inductie" and set(learner.needs) - set(nets[n].components))
        ]
        reachable = [n for n in refused if los_rules.travel_refusal(inst, learner, nets[n]) is None]
        if not reachable:
            return refused
        reachable.sort(key=lambda n: (los_rules.travel_to(inst, learner, nets[n]), n))
        return reachable[:L3_OFFERS]

    def relaxations(self, element: Element) -> list[Relaxation]:
        """The ways to soften ``element``, cheapest first."""
        inst = self.inst
        idx = inst.index
        rule, item, aspect = element.key
        out: list[Relaxation] = []

        def add(change: ChangeFile, cost: float, text: str, monotone: bool = True) -> None:
            out.append(Relaxation(change, cost, text, rule, monotone))

        if item in idx.learner and aspect in ("needs", "travel", "roster", "placed", "pin"):
            # leaving the learner out removes every group about them
            text = f"leave {item} out of this plan (remove the learner)"
            change = ChangeFile(
                description=text,
                operations=(RemoveOp(op="remove", what="learners", ids=(item,)),),
            )
            add(change, 10, text, monotone=False)
        if rule == "L1":
            net = inst.los.networks[idx.network[item]]
            low, high = los_rules.size_bounds(inst, net)
            for k in range(1, 7):
                if aspect == "max":
                    text = f"raise max_size of {item} by {k} to {high + k}"
                    add(_modify("networks", item, {"max_size": high + k}, text), 2 * k, text)
                elif low - k >= 1:
                    text = f"lower min_size of {item} by {k} to {low - k}"
                    add(_modify("networks", item, {"min_size": low - k}, text), 2 * k, text)
        elif rule == "L2" and aspect == "students":
            net = inst.los.networks[idx.network[item]]
            need = los_rules.min_students(net)
            for k in range(1, need + 1):
                text = f"lower min_students of {item} by {k} to {need - k}"
                add(_modify("networks", item, {"min_students": need - k}, text), 3 * k, text)
        elif rule == "L2" and aspect == "mixed":
            text = f"mark mixed network {item} as agreed with the institutes (mixed_agreed)"
            add(_modify("networks", item, {"mixed_agreed": True}, text), 5, text)
        elif rule == "L3":
            lr = idx.learner[item]
            learner = inst.learners[lr]
            for n in self._curriculum_options(lr):
                net = inst.los.networks[n]
                missing = [c for c in learner.needs if c not in net.components]
                if missing:
                    text = f"let network {net.id} also offer {', '.join(missing)}"
                    fields = {"components": [*net.components, *missing]}
                    add(_modify("networks", net.id, fields, text), 6, text)
                else:
                    text = f"let network {net.id} admit UU students"
                    add(_modify("networks", net.id, {"admits_uu_students": True}, text), 5, text)
        elif rule == "L7":
            lr = idx.learner[item]
            learner = inst.learners[lr]
            for n in self.networks_of[lr]:
                if self.refused.get((lr, n), ("",))[0] != "L7":
                    continue
                net = inst.los.networks[n]
                minutes = los_rules.travel_to(inst, learner, net)
                limit = los_rules.travel_limit(inst, net) or 0
                text = (
                    f"raise max_travel_minutes of {net.id} from {limit:g} to {minutes} "
                    f"(so {item} may travel to it)"
                )
                cost = 2 + (minutes - limit) / 10
                add(_modify("networks", net.id, {"max_travel_minutes": minutes}, text), cost, text)
        elif rule == "L4" and aspect == "roster":
            learner = inst.learners[idx.learner[item]]
            roster = learner.roster.model_dump(mode="json")
            for key in self.slots:
                if los_rules.learner_free(learner, key):
                    continue
                day, block = key
                new = dict(roster)
                new[day] = [b for b in roster[day] if b != block]
                text = f"free {item} of teaching at {slot_label(key)} (roster)"
                add(_modify("learners", item, {"roster": new}, text), 4, text)
        elif rule == "L4" and aspect == "fixed-slot":
            text = f"let network {item} meet at any slot (unfix its slot)"
            add(_modify("networks", item, {"slot": None}, text), 3, text)
        elif rule == "L5" and aspect == "availability":
            fac = inst.facilitators[idx.facilitator[item]]
            for day in inst.calendar.weekdays:
                if day not in fac.available_days:
                    text = f"make {item} available on {day} as well (or move their day)"
                    days = [*fac.available_days, day]
                    add(_modify("facilitators", item, {"available_days": days}, text), 3, text)
            if fac.available_blocks:
                text = f"make {item} available in every time block"
                add(_modify("facilitators", item, {"available_blocks": []}, text), 3, text)
        elif rule == "L5" and aspect.endswith("-leader"):
            net = inst.los.networks[idx.network[item]]
            pos = aspect.removesuffix("-leader")
            field_name = "schoolopleider" if pos == "so" else "second_facilitator"
            if getattr(net, field_name) is not None:
                text = f"let another facilitator lead {item} ({field_name} open)"
                add(_modify("networks", item, {field_name: None}, text), 4, text)
        elif rule == "L5" and aspect == "once":
            for n, pos in self.options.get(idx.facilitator[item], []):
                net = inst.los.networks[n]
                field_name = "schoolopleider" if pos == "so" else "second_facilitator"
                if getattr(net, field_name) == item:
                    text = f"let another facilitator lead {net.id} instead of {item}"
                    add(_modify("networks", net.id, {field_name: None}, text), 4, text)
        elif rule == "L6":
            fac = inst.facilitators[idx.facilitator[item]]
            if aspect == "groups" and fac.max_groups is not None:
                for k in (1, 2):
                    text = f"raise max_groups of {item} by {k} to {fac.max_groups + k}"
                    add(
                        _modify("facilitators", item, {"max_groups": fac.max_groups + k}, text),
                        4 * k,
                        text,
                    )
            cap = los_rules.so_capacity(inst, fac)
            if aspect == "capacity" and cap is not None:
                per_day = inst.los.settings.so_students_per_day
                for k in range(1, 19):
                    room = math.ceil((cap + k) / per_day * 100) / 100
                    if math.floor(room * per_day + 1e-9) < cap + k:
                        room += 0.01
                    text = (
                        f"raise capacity_days of {item} to {room:g} (room for {k} more learner(s))"
                    )
                    add(_modify("facilitators", item, {"capacity_days": room}, text), k, text)
        elif rule == "P1" and aspect == "placed":
            text = "allow learners to be left unplaced (los.settings.allow_unplaced, penalised)"
            add(_set("los.settings.allow_unplaced", True, text), 8, text)
        elif rule == "L9":
            settings = inst.los.settings
            if settings.visits_within_availability:
                text = (
                    "let duos visit at any slot, also outside their facilitators' available "
                    "days (los.settings.visits_within_availability false)"
                )
                add(_set("los.settings.visits_within_availability", False, text), 5, text)
                # the fixed facilitators' days bound the visits too
                positions: tuple[Position, ...] = ("so", "second")
                for net in inst.los.networks:
                    if net.region != item:
                        continue
                    for pos in positions:
                        fixed = los_rules.fixed_facilitator(net, pos)
                        if fixed is not None:
                            out.extend(self.relaxations(Element("L5", fixed, "availability", "")))
            k = settings.visits_per_year
            text = (
                f"plan {k - 1} cross-network visit(s) a year instead of {k} "
                "(los.settings.visits_per_year, every region)"
            )
            # fewer visits may forbid a pair visiting each other (2k + 1 networks or more)
            add(_set("los.settings.visits_per_year", k - 1, text), 7, text, monotone=False)
        if rule == "P1" and inst.learners[idx.learner[item]].network is not None:
            # the pin's own group, and a pinned learner's placement: a pinned learner must
            # be placed even where unplaced learners are allowed
            text = f"unpin {item} (let the planner choose their network)"
            add(_modify("learners", item, {"network": None}, text), 3, text)
        out.sort(key=lambda r: r.cost)
        return out


# --------------------------------------------------------------------------- BV


class BvExplainModel(ExplainModel):
    """B2 sizes per sector-region (B8 counts) and the planners' together / apart wishes,
    eligible schools clustered (B1), and coordinators per cluster within their capacity
    and regions (B4)."""

    max_conditional_options = 60
    """Measured: a coordinator shortage (B4) of midden-nederland's 93 po schools offers a
    deferral per school; the rounds tried them one at a time and did not close in 60."""

    def __init__(self, inst: Instance) -> None:
        super().__init__()
        self.inst = inst
        m = self.model
        bv = inst.bv
        self.layout = layout = bv_layout(inst)
        """The parts and B8 findings of ``inst``, as the BV stage splits them."""
        parts: list[tuple[str, str, Sequence[int], int]] = [
            (p.key, p.region, p.schools, p.max_oversize) for p in layout.parts
        ]
        left: dict[tuple[str, str], list[int]] = defaultdict(list)
        for s, finding in layout.left_out.items():
            left[(finding.sector, finding.region)].append(s)
        for (sector, region), stranded in sorted(left.items()):
            parts.append((f"{sector}:{region}", region, tuple(sorted(stranded)), 0))
        self.parts = parts
        low, high = bv.min_size, bv.max_size
        self.k: dict[str, cp_model.IntVar] = {}
        coords = [inst.facilitators[i] for i in coordinators(inst)]
        assign: dict[str, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
        for key, region, schools, oversize in parts:
            n = len(schools)
            placed = []
            for s in schools:
                sid = inst.schools[s].id
                var = m.new_bool_var(f"placed[{sid}]")
                m.add(var == 1).only_enforce_if(
                    self.lit("B1", sid, "placed", f"eligible school {sid} ({key}) is clustered")
                )
                placed.append(var)
            # at most n clusters: the size group, not the domain, says n // low (so that
            # it shows up in a core that needs it)
            k = m.new_int_var(0, max(1, n), f"k[{key}]")
            big = m.new_int_var(0, oversize, f"big[{key}]")
            self.k[key] = k
            rule = "B2" if splittable(n, low, high, oversize) else "B8"
            size = self.lit(
                rule,
                key,
                "size",
                f"{key} forms clusters of {low}-{high} schools"
                + (f" (one of {high + 1} allowed)" if oversize else "")
                + f"; it has {n} eligible school(s)",
            )
            total = sum(placed)
            m.add(big <= k)
            m.add(total >= low * (k - big) + (high + 1) * big).only_enforce_if(size)
            m.add(total <= high * (k - big) + (high + 1) * big).only_enforce_if(size)
            self._add_b2_wishes(key, schools, dict(zip(schools, placed, strict=True)), k, big, size)
            covered = [c for c in coords if region in c.regions]
            vars_ = []
            for c in covered:
                a = m.new_int_var(0, max(1, n), f"a[{key},{c.id}]")
                assign[c.id].append((key, a))
                vars_.append(a)
            m.add(sum(vars_) == k).only_enforce_if(
                self.lit(
                    "B4",
                    key,
                    "coordinated",
                    f"every cluster of {key} has an OCW coordinator of region {region} "
                    f"({', '.join(c.id for c in covered) or 'none'})",
                )
            )
        for c in coords:
            if c.max_groups is None or not assign[c.id]:
                continue
            m.add(sum(a for _, a in assign[c.id]) <= c.max_groups).only_enforce_if(
                self.lit(
                    "B4",
                    c.id,
                    "capacity",
                    f"coordinator {c.id} guides at most {c.max_groups} cluster(s)",
                )
            )

    def _add_b2_wishes(
        self,
        key: str,
        schools: Sequence[int],
        placed: dict[int, cp_model.IntVar],
        k: cp_model.IntVar,
        big: cp_model.IntVar,
        size: cp_model.IntVar,
    ) -> None:
        """B2 wishes of one part, a group each: two schools in one cluster (``together``)
        or in different clusters (``apart``), as the solver holds them.

        Only a part with wishes gets cluster slots c: ``used[c]``, ``count[c]`` (its
        schools, within the part's sizes under the part's size group, the slots adding
        up to the part's k clusters and its placed schools) and ``in[s,c]`` for the
        schools a wish names (the others only fill the counts)."""
        inst, m = self.inst, self.model
        bv = inst.bv
        members = set(schools)
        idx = inst.index
        wishes = [
            (w, idx.school[w.school_a], idx.school[w.school_b])
            for w in bv.wishes
            if idx.school.get(w.school_a) in members and idx.school.get(w.school_b) in members
        ]
        if not wishes:
            return
        low, high = bv.min_size, bv.max_size
        n = len(schools)
        slots = range(max(1, n))
        used = [m.new_bool_var(f"used[{key},c={c}]") for c in slots]
        count = [m.new_int_var(0, n, f"count[{key},c={c}]") for c in slots]
        oversize = [m.new_bool_var(f"oversize[{key},c={c}]") for c in slots]
        m.add(sum(used) == k)
        m.add(sum(count) == sum(placed.values()))
        m.add(sum(oversize) == big)
        for c in slots:
            m.add(count[c] <= n * used[c])
            m.add(oversize[c] <= used[c])
            m.add(count[c] >= low * used[c]).only_enforce_if(size)
            m.add(count[c] <= high * used[c] + oversize[c]).only_enforce_if(size)
            if c > 0:
                m.add(used[c] <= used[c - 1])  # symmetry: slots in use come first
        named = sorted({s for _, a, b in wishes for s in (a, b)})
        inside = {(s, c): m.new_bool_var(f"in[{key},s={s},c={c}]") for s in named for c in slots}
        for s in named:
            m.add(sum(inside[(s, c)] for c in slots) == placed[s])
        for c in slots:
            m.add(sum(inside[(s, c)] for s in named) <= count[c])
        for wish, a, b in wishes:
            pair = f"{wish.school_a}|{wish.school_b}"
            why = f" ({wish.reason})" if wish.reason else ""
            if wish.kind == "together":
                enforce = self.lit(
                    "B2",
                    pair,
                    "together",
                    f"schools {wish.school_a} and {wish.school_b} are in one cluster (wish{why})",
                )
                for c in slots:
                    m.add(inside[(a, c)] == inside[(b, c)]).only_enforce_if(enforce)
            else:
                enforce = self.lit(
                    "B2",
                    pair,
                    "apart",
                    f"schools {wish.school_a} and {wish.school_b} are in different clusters "
                    f"(wish{why})",
                )
                for c in slots:
                    m.add(inside[(a, c)] + inside[(b, c)] <= 1).only_enforce_if(enforce)

    def relaxations(self, element: Element) -> list[Relaxation]:
        """The ways to soften ``element``, cheapest first."""
        inst = self.inst
        rule, item, aspect = element.key
        out: list[Relaxation] = []

        def add(change: ChangeFile, cost: float, text: str, monotone: bool = True) -> None:
            out.append(Relaxation(change, cost, text, rule, monotone))

        if aspect in ("together", "apart"):
            first, second = item.split("|", 1)
            text = f"drop the wish that schools {first} and {second} be {aspect} (bv.wishes)"
            # one wish by its schools and kind: several wishes may be dropped together
            drop = RemoveOp(
                op="remove",
                what="bv_wishes",
                ids=(first,),
                where={"school_b": second, "kind": aspect},
            )
            add(ChangeFile(description=text, operations=(drop,)), 4, text)
        elif aspect == "size":
            out.extend(self._b8_remedies(rule, item))
        elif aspect == "placed":
            out.append(self._deferral(item))
        elif aspect == "capacity":
            fac = inst.facilitators[inst.index.facilitator[item]]
            for k in (1, 2, 3):
                text = (
                    f"raise max_groups of coordinator {item} by {k} to {(fac.max_groups or 0) + k}"
                )
                add(
                    _modify("facilitators", item, {"max_groups": (fac.max_groups or 0) + k}, text),
                    3 * k,
                    text,
                )
        elif aspect == "coordinated":
            region = item.split(":", 1)[1].split("+")[0]
            for i in coordinators(inst):
                fac = inst.facilitators[i]
                if region not in fac.regions:
                    text = f"let coordinator {fac.id} also work in region {region}"
                    fields = {"regions": [*fac.regions, region]}
                    add(_modify("facilitators", fac.id, fields, text), 6, text)
            add(*self._new_coordinator(item, region))
        out.sort(key=lambda r: r.cost)
        return out

    def _b8_remedies(self, rule: str, key: str) -> list[Relaxation]:
        """``bv.allow_seven`` and ``bv.allow_merge`` (where not set yet), offered for the
        part ``key``; a merge only where the part's sector has eligible schools in
        another region (there is nothing to merge with otherwise). Neither is monotone:
        both decide which parts merge (bv_layout), and the cores found after a merge are
        about other groups."""
        inst = self.inst
        bv = inst.bv
        sector = key.split(":", 1)[0]
        regions = {
            inst.schools[s].region for s in bv_eligible(inst) if inst.schools[s].sector == sector
        }
        out = []
        if not bv.allow_seven:
            text = f"allow one cluster of {bv.max_size + 1} (bv.allow_seven) for {key}"
            out.append(Relaxation(_set("bv.allow_seven", True, text), 3, text, rule, False))
        if not bv.allow_merge and len(regions) > 1:
            text = f"merge {key} with the nearest region of its sector (bv.allow_merge)"
            out.append(Relaxation(_set("bv.allow_merge", True, text), 4, text, rule, False))
        return out

    def _new_coordinator(self, key: str, region: str) -> tuple[ChangeFile, float, str]:
        """A new OCW coordinator for ``region`` who can guide every cluster of the part
        ``key`` (its most clusters), to be named by the planner: the answer where no
        coordinator works there or those who do are full (B4). Costs more than letting an
        existing coordinator work in the region (6): someone has to be found."""
        inst = self.inst
        schools = next(s for k, _, s, _ in self.parts if k == key)
        _, most = cluster_count_range(len(schools), inst.bv.min_size, inst.bv.max_size)
        taken = set(inst.index.facilitator) | set(inst.index.school)
        new_id = next(
            cid for n in itertools.count(1) if (cid := f"OCW-NEW-{region}-{n}") not in taken
        )
        change = new_coordinator_change(new_id, region, max(1, most))
        return change, 8, change.description

    def _deferral(self, school_id: str) -> Relaxation:
        school = self.inst.schools[self.inst.index.school[school_id]]
        text = (
            f"defer school {school_id} ({school.sector}:{school.region}) to the next round "
            "(bv_subsidy false for now)"
        )
        change = _modify("schools", school_id, {"bv_subsidy": False}, text)
        # a deferred school no longer counts towards its part's sizes: not monotone
        return Relaxation(change, 5, text, "B1", monotone=False)

    def reshaping_relaxations(self, core: set[tuple[str, str, str]]) -> list[Relaxation]:
        """The deferrals (B1) and B8 remedies (``bv.allow_seven``, ``bv.allow_merge``)
        that may resolve ``core`` although no group of it offers them.

        A deferral changes its school's part (sector-region): its count, which the size
        group bounds, and through the wishes' cluster slots the clusters the coordinator
        group must cover; and it drops the wishes naming the school. Parts are
        independent otherwise: a coordinator shared with another part constrains that
        part only through the part's own coordinator group, which a core without it
        leaves free. So a deferral may resolve a core holding its part's size or
        coordinator group, or a wish naming the school; allow_seven and a merge, which
        reshape parts, one holding a size or coordinator group. Under ``bv.allow_merge``
        a count also decides which regions of the sector merge, and allow_seven which
        stranded part stays apart: any group of a school of the sector may then change.
        """
        inst = self.inst
        idx = inst.index
        members = {key: schools for key, _, schools, _ in self.parts}
        reach: set[int] = set()
        out: list[Relaxation] = []
        for _, item, aspect in sorted(core):
            if aspect in ("size", "coordinated"):
                reach.update(members[item])
                out.extend(self._b8_remedies("B8", item))
            elif aspect in ("together", "apart", "placed"):
                reach.update(idx.school[sid] for sid in item.split("|"))
        if inst.bv.allow_merge and reach:
            sectors = {inst.schools[s].sector for s in reach}
            reach.update(s for s in bv_eligible(inst) if inst.schools[s].sector in sectors)
            out.extend(self._b8_remedies("B8", "every stranded part"))
        out.extend(self._deferral(inst.schools[s].id) for s in sorted(reach))
        return out

    def interchangeable_relaxations(self) -> list[Interchangeable]:
        """Per part, the deferrals of its schools that no wish names: the model counts
        them and nothing else (B2 sizes, B4 clusters), so deferring any k of them
        does what deferring the first k does. A merge breaks this where the sector has
        another region (the nearest region, by travel, depends on which schools stay);
        under ``bv.allow_merge`` there are no runs."""
        inst = self.inst
        if inst.bv.allow_merge:
            return []
        named = {sid for w in inst.bv.wishes for sid in (w.school_a, w.school_b)}
        runs: list[Interchangeable] = []
        for key, _, schools, _ in self.parts:
            ids = sorted(inst.schools[s].id for s in schools if inst.schools[s].id not in named)
            if len(ids) < 2:
                continue
            remedies = self._b8_remedies("B8", key)
            merges = [r for r in remedies if _set_key(r) == "bv.allow_merge"]
            runs.append(Interchangeable([self._deferral(sid) for sid in ids], merges))
        return runs


# --------------------------------------------------------------------------- driver

Builder = Callable[[Instance], ExplainModel]
ApplyFn = Callable[[Instance, ChangeFile], Instance | None]


def new_coordinator_change(new_id: str, region: str, clusters: int) -> ChangeFile:
    """Add OCW coordinator ``new_id`` for ``region`` who may guide ``clusters`` clusters,
    to be named by the planner (B4)."""
    row = {
        "id": new_id,
        "name": f"new OCW coordinator for {region} (to be named)",
        "role": "ocw_coordinator",
        "regions": [region],
        "max_groups": clusters,
    }
    text = (
        f"add an OCW coordinator for region {region} who may guide {clusters} cluster(s) "
        f"({new_id}: give the row a real name and id)"
    )
    return ChangeFile(
        description=text, operations=(AddOp(op="add", what="facilitators", rows=(row,)),)
    )


def _least_new_coordinators(
    result: Explanation, instance: Instance, build: Builder, apply: ApplyFn, time_limit: float
) -> None:
    """Give each new coordinator of ``result``'s change the fewest clusters with which the
    change still makes the rules hold (a bisection over ``max_groups``, the other changes
    applied): offered with the most clusters their part could form, they read as if the
    region needed a coordinator for all of them (23 on midden-nederland, where 2 will do)."""

    def holds(relaxations: list[Relaxation]) -> bool:
        trial: Instance | None = instance
        for r in relaxations:
            trial = apply(trial, r.change) if trial is not None else None
        if trial is None:
            return False
        model = build(trial)
        return model.check(list(model.groups), time_limit)[0] == "feasible"

    for i, r in enumerate(result.relaxations):
        ops = r.change.operations
        if not (len(ops) == 1 and isinstance(ops[0], AddOp) and ops[0].what == "facilitators"):
            continue
        row = ops[0].rows[0]
        if not str(row.get("id", "")).startswith("OCW-NEW-"):
            continue

        def with_clusters(k: int, r: Relaxation = r, row: dict[str, Any] = row) -> Relaxation:
            change = new_coordinator_change(row["id"], row["regions"][0], k)
            return replace(r, change=change, text=change.description)

        low, high = 1, int(row["max_groups"])
        while low < high:
            mid = (low + high) // 2
            trial = [*result.relaxations[:i], with_clusters(mid), *result.relaxations[i + 1 :]]
            low, high = (low, mid) if holds(trial) else (mid + 1, high)
        result.relaxations[i] = with_clusters(low)


@dataclass(frozen=True)
class RelaxationOption:
    """A relaxation as a choice of the cheapest-combination search: its identity (the
    change without its description) and the field it sets, of which a combination
    changes each at most once."""

    key: str
    relaxation: Relaxation
    target: tuple[str, ...]
    numeric: bool

    @staticmethod
    def of(relaxation: Relaxation) -> RelaxationOption:
        change = relaxation.change
        ops = change.operations
        key = change.model_dump_json(exclude={"description"})
        value: Any = None
        target: tuple[str, ...] = ("change", key)
        if len(ops) == 1 and isinstance(ops[0], ModifyOp) and len(ops[0].fields) == 1:
            ((name, value),) = ops[0].fields.items()
            target = ("modify", ops[0].what, ops[0].id, name)
        elif len(ops) == 1 and isinstance(ops[0], SetOp):
            target, value = ("set", ops[0].key), ops[0].value
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        return RelaxationOption(key, relaxation, target, numeric)

    def dominated_by(self, chosen: Sequence[RelaxationOption]) -> bool:
        """Chosen already, or a chosen option moves the same number at least as far (the
        numeric relaxations of one field cost more the further they move it)."""
        return any(
            c.key == self.key
            or (
                c.target == self.target
                and c.numeric
                and self.numeric
                and c.relaxation.cost >= self.relaxation.cost
            )
            for c in chosen
        )


Cut = tuple[frozenset[str], frozenset[str]]
"""A clause over the options: pick one of the first set, or leave out one of the second."""

Run = tuple[list[str], list[str]]
"""Options that act alike, in order, and the options that break this (:class:`Interchangeable`)."""


def _cheapest_hitting_set(
    options: dict[str, RelaxationOption],
    cuts: list[Cut],
    nogoods: list[set[str]],
    runs: Sequence[Run] = (),
) -> tuple[Check, list[str]]:
    """The cheapest set of options meeting every cut, at most one per field and none of
    the ``nogoods`` sets whole, and of each run of ``runs`` a prefix unless a breaker of
    it is chosen; ("infeasible", []) when there is none."""
    m = cp_model.CpModel()
    keys = _distinct_options(options, cuts, [*nogoods, *({*a, *b} for a, b in runs)])
    pick = {k: m.new_bool_var(f"pick[{i}]") for i, k in enumerate(keys)}
    for run, breakers in runs:
        for first, then in itertools.pairwise(run):
            m.add_implication(pick[then], pick[first]).only_enforce_if(
                [pick[b].Not() for b in breakers]
            )
    for wanted, unless in cuts:
        answer = [pick[k] for k in sorted(wanted) if k in pick]
        m.add_bool_or(answer + [pick[k].Not() for k in sorted(unless)])
    by_target: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for k in keys:
        by_target[options[k].target].append(k)
    for same in by_target.values():
        if len(same) > 1:
            m.add_at_most_one(pick[k] for k in same)
    for bad in nogoods:
        m.add_bool_or([pick[k].Not() for k in sorted(bad)])
    m.minimize(sum(round(options[k].relaxation.cost * 100) * pick[k] for k in keys))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 10.0
    status = solver.solve(m)
    if status == cp_model.INFEASIBLE:
        return "infeasible", []
    if status != cp_model.OPTIMAL:
        return "unknown", []
    return "feasible", [k for k in keys if solver.boolean_value(pick[k])]


def _distinct_options(
    options: dict[str, RelaxationOption], cuts: list[Cut], held: Sequence[Iterable[str]]
) -> list[str]:
    """The options a cheapest hitting set needs to choose from, sorted: of the options
    that only ever answer cuts (never undo one, none of ``held``: in a nogood or a run,
    alone on their field), those answering the same cuts are interchangeable, so only
    the cheapest of them is kept, and none that answers no cut.

    A coordinator shortage found under a merge offers every deferral of the sector
    (national: 2,578 options); CP-SAT's presolve spent 4.7 s on such a model, where the
    search took 0.05 s (without presolve, though, small hitting sets took seconds)."""
    answers: dict[str, list[int]] = defaultdict(list)
    pinned: set[str] = {k for keys in held for k in keys}
    for i, (wanted, unless) in enumerate(cuts):
        for k in wanted:
            answers[k].append(i)
        pinned.update(unless)
    on_field: dict[tuple[str, ...], int] = defaultdict(int)
    for option in options.values():
        on_field[option.target] += 1
    cheapest: dict[tuple[int, ...], str] = {}
    kept: list[str] = []
    for k in sorted(options):
        if k in pinned or on_field[options[k].target] > 1:
            kept.append(k)
        elif answers[k]:
            same = tuple(answers[k])
            best = cheapest.get(same)
            if best is None or options[k].relaxation.cost < options[best].relaxation.cost:
                cheapest[same] = k
    return sorted([*kept, *cheapest.values()])


def independent_cores(
    model: ExplainModel,
    core: list[Element],
    time_limit: float,
    budget: float = 30.0,
    rounds: int = 60,
) -> list[tuple[list[Element], bool]]:
    """The conflicts of ``model`` that share no group with ``core`` or with one another,
    each (minimal core, proven minimal), within ``budget`` seconds.

    A part can fail in several unrelated ways (a learner needing a component no network
    offers, and an SO whose capacity is too small): each is a minimal conflict of its
    own, which the planner must see, and each a cut of the cheapest-combination search.
    """
    started = time.monotonic()
    found: list[tuple[list[Element], bool]] = []
    seen = {e.key for e in core}
    for _ in range(rounds):
        left = budget - (time.monotonic() - started)
        rest = [k for k in model.groups if k not in seen]
        if left <= 0 or not rest:
            break
        status, other, proven = model.minimal_core(time_limit, budget=min(left, 10.0), among=rest)
        if status != "infeasible" or not other:
            break
        seen.update(e.key for e in other)
        found.append((other, proven))
    return found


def cheapest_relaxation(
    instance: Instance,
    model: ExplainModel,
    core: list[Element],
    build: Builder,
    apply: ApplyFn,
    time_limit: float,
    budget: float = 30.0,
    rounds: int = 60,
    others: Sequence[list[Element]] | None = None,
    decide: Decider | None = None,
) -> tuple[Check, list[Relaxation]]:
    """The cheapest combination of the offered relaxations that makes the explain model
    feasible, proven by implicit hitting sets (as MaxHS solves MaxSAT).

    Each core of conflicting groups asks for one option of its groups' menus (their
    :meth:`ExplainModel.relaxations` on ``instance``) that the options already applied
    do not dominate. The cheapest set meeting every such cut (at most one option per
    field) is applied; when the model is still infeasible, its new core becomes one
    more cut. The first set that makes the model feasible is the cheapest there is.
    ("infeasible", []) when no combination of the menu suffices, ("unknown", []) when
    the search did not conclude within ``budget`` seconds or ``rounds`` sets. The
    conflicts independent of the first are ``others``, or when None collected up front
    (:func:`independent_cores`), within another ``budget``. ``decide`` (optional) says
    whether a relaxed instance has a plan when the model cannot tell within
    ``time_limit`` (the LOS stage's own search: :func:`_los_region_solves`).
    """
    started = time.monotonic()
    options: dict[str, RelaxationOption] = {}

    def menu(source: ExplainModel, keys: Sequence[tuple[str, str, str]]) -> set[str]:
        together = set(keys)
        offered: list[Relaxation] = []
        for key in keys:
            owner = model if key in model.groups else source
            if key in owner.groups:
                offered.extend(owner.relaxations_in_core(owner.groups[key][1], together))
        # the model the core was found in says which changes reshape it
        offered.extend(source.reshaping_relaxations(together))
        found: set[str] = set()
        for relaxation in offered:
            option = RelaxationOption.of(relaxation)
            options.setdefault(option.key, option)
            found.add(option.key)
        return found

    def register(relaxations: list[Relaxation]) -> list[str]:
        found = [RelaxationOption.of(r) for r in relaxations]
        for option in found:
            options.setdefault(option.key, option)
        return [option.key for option in found]

    # any k of a run are as good as its first k: the hitting sets try prefixes only
    runs: list[Run] = [
        (register(x.run), register(x.breakers)) for x in model.interchangeable_relaxations()
    ]
    if others is None:
        others = [c for c, _ in independent_cores(model, core, time_limit, budget, rounds)]
    # the conflicts that do not share a group with the first, each a cut up front (no
    # relaxed model to build for them; a part with several independent conflicts would
    # otherwise find them one round at a time)
    cuts: list[Cut] = [
        (frozenset(menu(model, [e.key for e in c])), frozenset()) for c in [core, *others]
    ]
    limit = model.max_conditional_options
    # a run of alike options is tried by its prefixes only: its later members add no
    # combination of their own
    later_in_run = {k for run, _ in runs for k in run[1:]}
    if limit is not None and any(
        sum(not options[k].relaxation.monotone for k in wanted if k not in later_in_run) > limit
        for wanted, _ in cuts
    ):
        return "unknown", []
    started = time.monotonic()  # the rounds below get a budget of their own
    nogoods: list[set[str]] = []
    for _ in range(rounds):
        left = budget - (time.monotonic() - started)
        if left <= 0:
            return "unknown", []
        status, chosen = _cheapest_hitting_set(options, cuts, nogoods, runs)
        if status != "feasible":
            return status, []
        trial: Instance | None = instance
        for k in chosen:
            assert trial is not None
            trial = apply(trial, options[k].relaxation.change)
            if trial is None:
                break
        if trial is None:
            nogoods.append(set(chosen))  # the changes together make an invalid instance
            continue
        trial_model = build(trial)
        # a smaller core is a stronger cut; past 10 s the core found so far will do
        status, new_core, _ = trial_model.minimal_core(time_limit, budget=min(left, 10.0))
        if status == "unknown" and decide is not None and decide(trial):
            status = "feasible"  # the stage's own search finds the plan the model did not
        if status == "feasible":
            return "feasible", sorted(
                (options[k].relaxation for k in chosen), key=lambda r: (r.cost, r.text)
            )
        if status == "unknown":
            return "unknown", []
        # the core holds as long as its groups are relaxed no further, unless an applied
        # change that also takes freedom away is undone
        applied = [options[k] for k in chosen]
        wanted = menu(trial_model, [e.key for e in new_core])
        cuts.append(
            (
                frozenset(k for k in wanted if not options[k].dominated_by(applied)),
                frozenset(k for k in chosen if not options[k].relaxation.monotone),
            )
        )
    return "unknown", []


def explain_part(
    programme: Literal["los", "bv"],
    key: str,
    instance: Instance,
    build: Builder,
    apply: ApplyFn,
    time_limit: float = 10.0,
    rounds: int = 4,
    max_trials: int = 40,
    decide: Decider | None = None,
) -> tuple[Explanation, ExplainModel]:
    """Explain one part of ``instance`` (``build`` makes its explain model from a full
    instance) and search the cheapest verified relaxation (``apply`` applies a change to
    the full instance, None when the changed instance is invalid; ``decide``: whether a
    relaxed full instance has a plan, where the model cannot tell in time).

    Returns the explanation and the explain model of ``instance`` itself, built once
    here, for what the caller asks of it next (BV: what the stage plans around)."""
    model = build(instance)
    status, core, proven = model.minimal_core(time_limit)
    result = Explanation(programme, key, status, core, proven)
    if status != "infeasible":
        return result, model
    result.more_cores = independent_cores(model, core, time_limit)
    found, cheapest = cheapest_relaxation(
        instance,
        model,
        core,
        build,
        apply,
        time_limit,
        others=[c for c, _ in result.more_cores],
        decide=decide,
    )
    if found == "feasible":
        result.relaxations, result.relaxed_status = cheapest, "feasible"
        result.cheapest_proven = True
    else:
        _greedy_relaxation(
            result, instance, model, build, apply, time_limit, rounds, max_trials, decide
        )
    if result.relaxed_status == "feasible":
        _least_new_coordinators(result, instance, build, apply, time_limit)
    result.further_rules = _further_rules(result, model)
    return result, model


def _further_rules(result: Explanation, model: ExplainModel) -> list[str]:
    """The rules of ``result``'s changes that no group of the conflicts it shows offers
    (:attr:`Explanation.further_rules`)."""
    offered = {
        RelaxationOption.of(r).key
        for c in [result.core, *(c for c, _ in result.more_cores)]
        for e in c
        for r in model.relaxations(e)
    }
    return sorted({r.rule for r in result.relaxations if RelaxationOption.of(r).key not in offered})


def _greedy_relaxation(
    result: Explanation,
    instance: Instance,
    model: ExplainModel,
    build: Builder,
    apply: ApplyFn,
    time_limit: float,
    rounds: int,
    max_trials: int,
    decide: Decider | None = None,
) -> None:
    """Fill ``result``'s relaxation greedily, when the cheapest-combination search did
    not conclude: the cheapest single change, else the cheapest that breaks the core,
    and repeat (at most ``rounds`` times, ``max_trials`` single changes a round);
    ``decide`` as in :func:`cheapest_relaxation`."""
    # changes are applied one after the other, re-reading the relaxed instance
    current, current_model, current_core = instance, model, result.core
    for _ in range(rounds):
        options = _distinct_relaxations(
            current_model, [r for e in current_core for r in current_model.relaxations(e)]
        )
        if not options:
            result.relaxed_status = "infeasible"
            return
        for option in options[:max_trials]:
            trial = apply(current, option.change)
            if trial is None:
                continue
            trial_model = build(trial)
            outcome, _ = trial_model.check(list(trial_model.groups), time_limit)
            if outcome == "feasible":
                result.relaxations = _latest_per_field([*result.relaxations, option])
                result.relaxed_status = "feasible"
                return
        # no single change suffices: take the cheapest one that breaks this core (the
        # core's groups, as far as they remain, become satisfiable) and look again
        core_keys = [x.key for x in current_core]
        for option in options:
            trial = apply(current, option.change)
            if trial is None:
                continue
            trial_model = build(trial)
            left = [k for k in core_keys if k in trial_model.groups]
            if trial_model.check(left, time_limit)[0] != "feasible":
                continue
            result.relaxations = _latest_per_field([*result.relaxations, option])
            current = trial
            break
        else:
            result.relaxed_status = "infeasible"
            return
        current_model = build(current)
        status, current_core, _ = current_model.minimal_core(time_limit)
        if status == "unknown" and decide is not None and decide(current):
            status = "feasible"
        if status == "feasible":
            result.relaxed_status = "feasible"
            return
        if status == "unknown":
            result.relaxed_status = "unknown"
            return
    result.relaxed_status = "infeasible"


def _distinct_relaxations(model: ExplainModel, offered: list[Relaxation]) -> list[Relaxation]:
    """``offered`` by cost, each change once, and of a run of changes that act alike
    (:meth:`ExplainModel.interchangeable_relaxations`: deferring any of a part's schools
    that no wish names) only the first: trying the others one by one spent the greedy's
    trials on equals (midden-nederland's coordinator shortage offers 91 deferrals, and a
    new coordinator, which answers it alone, was never tried)."""
    alike = {
        RelaxationOption.of(r).key
        for run in model.interchangeable_relaxations()
        for r in run.run[1:]
    }
    seen: set[str] = set()
    out = []
    for r in sorted(offered, key=lambda r: r.cost):
        key = RelaxationOption.of(r).key
        if key in alike or key in seen:
            continue
        seen.add(key)
        out.append(r)
    return out


def _latest_per_field(relaxations: list[Relaxation]) -> list[Relaxation]:
    """The greedy's changes with one per field: a later change of the same field (a
    coordinator's ``max_groups`` raised again) replaces the earlier one in place, so the
    change file sets it once, to its final value, and the costs are not summed twice."""
    out: list[Relaxation] = []
    for r in relaxations:
        target = RelaxationOption.of(r).target
        if target[0] != "change":
            out = [x for x in out if RelaxationOption.of(x).target != target]
        out.append(r)
    return out


def _los_region_solves(sub: Instance, time_limit: float) -> bool:
    """True when the LOS stage's own solver finds a plan for the region within
    ``time_limit`` (its construction and search find plans the plain explain model needs
    long to find on a large region)."""
    from composer.solvers.los import RegionTask, solve_region

    task = RegionTask(
        key="explain",
        regions=(),
        instance=sub,
        weight=1.0,
        deadline=clock.now() + time_limit,
        parallel=1,
        workers=1,
        seed=0,
        remaining_weight=1.0,
    )
    return solve_region(task).status in {"optimal", "feasible"}


def explain_instance(
    instance: Instance, apply: ApplyFn, time_limit: float = 10.0
) -> list[Explanation]:
    """Explain every LOS region group (independent, as the LOS stage solves them) and the
    BV clusters of ``instance``; one :class:`Explanation` each."""
    from composer.solvers.los import region_groups, sub_instance

    found: list[Explanation] = []
    if instance.los.networks or instance.learners:
        for regions in region_groups(instance):
            wanted = tuple(regions)

            def build(full: Instance, wanted: tuple[str, ...] = wanted) -> ExplainModel:
                return LosExplainModel(sub_instance(full, wanted))

            if _los_region_solves(sub_instance(instance, wanted), time_limit):
                found.append(Explanation("los", "+".join(regions), "feasible"))
                continue

            def decide(full: Instance, wanted: tuple[str, ...] = wanted) -> bool:
                return _los_region_solves(sub_instance(full, wanted), time_limit)

            result, _ = explain_part(
                "los", "+".join(regions), instance, build, apply, time_limit, decide=decide
            )
            if result.status == "feasible":
                # the stage found no plan: "nothing to explain" would contradict solve
                result.status, result.stage_failed = "unknown", True
            if result.status == "unknown":
                from composer.solvers.los_model import prepare_region

                blocking = prepare_region(sub_instance(instance, wanted)).blocking
                result.notes = [r.render() for r in blocking]
            found.append(result)
    if any(s.bv_subsidy for s in instance.schools):
        result, model = explain_part("bv", "bv", instance, BvExplainModel, apply, time_limit)
        if result.status == "infeasible":
            assert isinstance(model, BvExplainModel)
            result.left_out = _bv_plans_around(model, time_limit)
            if not result.left_out:
                _lead_with_unplannable(result, model, time_limit)
            _name_b8_remedies(result, instance, apply)
        found.append(result)
    return found


def _name_b8_remedies(result: Explanation, instance: Instance, apply: ApplyFn) -> None:
    """Say which sector-regions ``bv.allow_seven`` and ``bv.allow_merge`` of ``result``'s
    change act on, with the rest of the change applied (bv_layout).

    Both settings act on every sector-region of an impossible count: their offers named
    the part whose conflict offered them first, which need not be one they act on
    (national: "one cluster of 7 for go:noord-limburg", a part of 2 schools, where
    go:roermond-en-omstreken has 7)."""
    settings = {"bv.allow_seven", "bv.allow_merge"}
    if not any(_set_key(r) in settings for r in result.relaxations):
        return
    relaxed: Instance | None = instance
    for r in result.relaxations:
        relaxed = apply(relaxed, r.change) if relaxed is not None else None
    if relaxed is None:
        return
    layout = bv_layout(relaxed)
    part_of = layout.part_of()
    seven, merged = [], []
    for finding in layout.findings:
        label = f"{finding.sector}:{finding.region} ({len(finding.schools)} schools)"
        if finding.applied == "seven":
            seven.append(label)
        elif finding.applied == "merge":
            school = relaxed.index.school[finding.schools[0]]
            merged.append(f"{label} joins region {part_of[school].region}")
    named = {
        "bv.allow_seven": (
            f"allow one cluster of {relaxed.bv.max_size + 1} (bv.allow_seven): "
            + (", ".join(seven) or "no sector-region of 7 schools")
        ),
        "bv.allow_merge": (
            "merge each impossible count with the nearest region of its sector "
            "(bv.allow_merge): " + ("; ".join(merged) or "no sector-region merges")
        ),
    }
    result.relaxations = [
        replace(r, text=text, change=r.change.model_copy(update={"description": text}))
        if (text := named.get(_set_key(r) or "")) is not None
        else r
        for r in result.relaxations
    ]


def _set_key(relaxation: Relaxation) -> str | None:
    """The setting ``relaxation`` sets, when it is one set operation."""
    ops = relaxation.change.operations
    return ops[0].key if len(ops) == 1 and isinstance(ops[0], SetOp) else None


def _bv_planned_around(model: BvExplainModel) -> set[tuple[str, str, str]]:
    """The BV groups the stage leaves out and reports: the schools of a sector-region
    with an impossible count (B8: its size group and their "is clustered" groups), every
    coordinator group (B4: the stage lists the clusters no coordinator can take), and the
    schools and wishes of a sector-region whose wishes contradict each other (B2: the
    stage leaves its schools unclustered, :func:`composer.bv_rules.wish_conflicts`)."""
    inst = model.inst
    left_out = {inst.schools[s].id for s in model.layout.left_out}
    conflicts = wish_conflicts(inst, model.layout)
    contradicted = {
        inst.schools[s].id
        for part in model.layout.parts
        if part.key in conflicts
        for s in part.schools
    }
    return {
        key
        for key in model.groups
        if key[0] in {"B4", "B8"}
        or (key[0] == "B1" and key[1] in left_out | contradicted)
        or (key[0] == "B2" and set(key[1].split("|")) & contradicted)
    }


def _bv_plans_around(model: BvExplainModel, time_limit: float) -> bool:
    """True when the BV groups hold without those the stage leaves out and reports
    (:func:`_bv_planned_around`). The stage then plans the rest, as ``composer solve``
    does."""
    around = _bv_planned_around(model)
    kept = [key for key in model.groups if key not in around]
    return model.check(kept, time_limit)[0] == "feasible"


def _lead_with_unplannable(result: Explanation, model: BvExplainModel, time_limit: float) -> None:
    """BV has no plan: put first a conflict the stage cannot plan around (no group of it
    is left out by the stage), so that "no plan" is followed by its reason rather than
    by an impossible count the stage plans around (B8), which then comes after it."""
    around = _bv_planned_around(model)
    cores = [(result.core, result.minimal), *result.more_cores]
    lead = next((c for c in cores if not {e.key for e in c[0]} & around), None)
    if lead is None:
        kept = [key for key in model.groups if key not in around]
        status, core, proven = model.minimal_core(time_limit, among=kept)
        if status != "infeasible":
            return
        lead = (core, proven)
        # a conflict found before that shares groups with it is no longer one "sharing no
        # group with those above": the change still answers it (a further conflict)
        taken = {e.key for e in core}
        cores = [c for c in cores if not taken & {e.key for e in c[0]}]
    else:
        cores.remove(lead)
    (result.core, result.minimal), result.more_cores = lead, cores
    result.further_rules = _further_rules(result, model)
