"""The LOS checks: one function per rule id L1–L8 (and pins/placement under P1).

Plain Python, no solver: each check re-reads the plan's networks against the instance
with the rule logic of :mod:`composer.los_rules` and reports every violation with the
people and networks involved. :func:`los_objective` recomputes the stage objective with
:mod:`composer.objective.los`, the module the solver takes its coefficients from.

The checks apply when the plan planned LOS (it has networks or a ``los`` stage that did
not report ``not_planned``; an ``infeasible`` or ``unknown`` stage counts: it planned
what it could and lists the rest). A network of the instance missing from such a plan
is an L1 violation (every network runs); a learner in no network is a P1 violation
unless the instance allows unplaced learners. Each is reported once, under that rule,
with the reason the plan gives in ``plan.unplaced`` (for a region without a plan: the
rule that blocks it), so a plan that leaves a region out is never called clean.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from composer import los_rules
from composer.check.core import Violation, rule_check, stage_objective
from composer.model.instance import STUDENT_KINDS, Instance, LosNetwork
from composer.model.plan import Plan, PlannedNetwork
from composer.objective.los import LosObjective


def los_planned(instance: Instance, plan: Plan) -> bool:
    """True when the plan is meant to hold LOS networks: it has some, or its LOS stage ran
    (also when it ended ``infeasible`` or ``unknown``: the regions it could not plan are
    missing from it, and that is what the checks report)."""
    if plan.networks:
        return True
    result = plan.stages.get("los")
    return result is not None and result.status != "not_planned"


def _plan_says(plan: Plan, what: str) -> dict[str, str]:
    """Id -> `` (plan says: [L5] ...)`` of the plan's ``unplaced`` entries of kind ``what``
    (the first entry of an id), built once per check."""
    says: dict[str, str] = {}
    for u in plan.unplaced:
        if u.what == what and u.id not in says:
            rule = f"[{u.rule}] " if u.rule else ""
            says[u.id] = f" (plan says: {rule}{u.reason})"
    return says


def _known(instance: Instance, plan: Plan) -> Iterator[tuple[PlannedNetwork, LosNetwork]]:
    idx = instance.index
    for planned in plan.networks:
        n = idx.network.get(planned.id)
        if n is not None:
            yield planned, instance.los.networks[n]


def _learners(instance: Instance, planned: PlannedNetwork) -> list[int]:
    idx = instance.index
    return [idx.learner[lid] for lid in planned.learners if lid in idx.learner]


@rule_check("L1", stage="los")
def check_l1_size(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Every network of the instance runs, with between its minimum and maximum learners."""
    if not los_planned(instance, plan):
        return
    planned_ids = {p.id for p in plan.networks}
    says = _plan_says(plan, "network")
    for net in instance.los.networks:
        if net.id not in planned_ids:
            yield Violation(
                "L1",
                f"network {net.id} of region {net.region} is missing from the plan; every "
                "network runs with at least its minimum size" + says.get(net.id, ""),
                (net.id,),
            )
    for planned, net in _known(instance, plan):
        low, high = los_rules.size_bounds(instance, net)
        size = len(planned.learners)
        if size < low:
            yield Violation(
                "L1",
                f"network {net.id} has {size} learners; its minimum is {low}",
                (net.id,),
            )
        elif size > high:
            yield Violation(
                "L1",
                f"network {net.id} has {size} learners; its maximum is {high}",
                (net.id,),
            )


@rule_check("L2", stage="los")
def check_l2_kinds(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Opleiding networks hold their minimum of students; mixed networks only where agreed."""
    for planned, net in _known(instance, plan):
        members = _learners(instance, planned)
        if net.type == "mixed" and not net.mixed_agreed:
            yield Violation(
                "L2",
                f"mixed network {net.id} runs without agreement of the institutes",
                (net.id,),
            )
        need = los_rules.min_students(net)
        students = [
            instance.learners[lr].id
            for lr in members
            if instance.learners[lr].kind in STUDENT_KINDS
        ]
        if len(students) < need:
            yield Violation(
                "L2",
                f"opleiding network {net.id} has {len(students)} student(s); it needs at least "
                f"{need}",
                (net.id, *students),
            )


@rule_check("L3", stage="los")
def check_l3_curriculum(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Each learner's network offers every component they need; UU students fit theirs."""
    for planned, net in _known(instance, plan):
        for lr in _learners(instance, planned):
            learner = instance.learners[lr]
            refusal = los_rules.component_refusal(instance, learner, net)
            if refusal is not None:
                yield Violation("L3", refusal.reason, (learner.id, net.id))


@rule_check("L4", stage="los")
def check_l4_slot(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Each network has one planning slot (its fixed one if set) and no member teaches then."""
    idx = instance.index
    for planned, net in _known(instance, plan):
        slot = planned.slot
        if slot is None:
            yield Violation("L4", f"network {net.id} has no weekly slot", (net.id,))
            continue
        key = (slot.weekday, slot.block)
        if slot.weekday not in instance.calendar.weekdays or slot.block not in idx.block:
            yield Violation(
                "L4",
                f"network {net.id} meets at {los_rules.slot_label(key)}, which is not a "
                "planning slot (calendar weekdays x time blocks)",
                (net.id,),
            )
            continue
        if net.slot is not None and los_rules.network_slot_key(net) != key:
            yield Violation(
                "L4",
                f"network {net.id} meets at {los_rules.slot_label(key)}; its slot is fixed at "
                f"{los_rules.slot_label(los_rules.network_slot_key(net))}",
                (net.id,),
            )
        block = los_rules.block_of(instance, slot.block)
        if (slot.start, slot.end) != (block.start, block.end):
            yield Violation(
                "L4",
                f"network {net.id}: the slot's times {slot.start:%H:%M}-{slot.end:%H:%M} are "
                f"not those of block {block.id} ({block.start:%H:%M}-{block.end:%H:%M})",
                (net.id,),
            )
        busy = [
            instance.learners[lr].id
            for lr in _learners(instance, planned)
            if not los_rules.learner_free(instance.learners[lr], key)
        ]
        if busy:
            yield Violation(
                "L4",
                f"network {net.id} meets at {los_rules.slot_label(key)} while {len(busy)} of "
                "its learners teach then",
                (net.id, *busy),
            )


@rule_check("L5", stage="los")
def check_l5_facilitators(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """An SO and a second facilitator of the right role, present at the slot, nobody in two
    places at once, and time to travel between two networks on one day."""
    idx = instance.index
    sessions: dict[str, list[tuple[los_rules.SlotKey, str, str]]] = defaultdict(list)
    for planned, net in _known(instance, plan):
        leaders = [f for f in planned.facilitators if f in idx.facilitator]
        if len(planned.facilitators) != 2:
            yield Violation(
                "L5",
                f"network {net.id} lists {len(planned.facilitators)} facilitator(s); it needs "
                "its schoolopleider and one instituutsopleider or schoolbegeleider",
                (net.id, *planned.facilitators),
            )
        positions: tuple[los_rules.Position, ...] = ("so", "second")
        for position, fid in zip(positions, leaders, strict=False):
            refusal = los_rules.facilitator_refusal(net, idx.facilitator_of(fid), position)
            if refusal is not None:
                yield Violation("L5", refusal.reason, (net.id, fid))
        if planned.slot is None:
            continue
        key = (planned.slot.weekday, planned.slot.block)
        for fid in leaders:
            fac = idx.facilitator_of(fid)
            if not fac.available(*key):
                yield Violation(
                    "L5",
                    f"{fid} leads {net.id} at {los_rules.slot_label(key)} but is not available "
                    "then",
                    (fid, net.id),
                )
            sessions[fid].append((key, net.location, net.id))
    for fid, items in sessions.items():
        for i, (slot_a, loc_a, net_a) in enumerate(items):
            for slot_b, loc_b, net_b in items[i + 1 :]:
                if slot_a == slot_b:
                    yield Violation(
                        "L5",
                        f"{fid} leads {net_a} and {net_b} at the same time "
                        f"({los_rules.slot_label(slot_a)})",
                        (fid, net_a, net_b),
                    )
                elif not los_rules.travel_fits(instance, slot_a, loc_a, slot_b, loc_b):
                    minutes = idx.travel_minutes(idx.school[loc_a], idx.school[loc_b])
                    yield Violation(
                        "L5",
                        f"{fid} cannot get from {net_a} ({los_rules.slot_label(slot_a)} at "
                        f"{loc_a}) to {net_b} ({los_rules.slot_label(slot_b)} at {loc_b}): "
                        f"the blocks leave too little time for {minutes} min of travel",
                        (fid, net_a, net_b),
                    )


@rule_check("L6", stage="los")
def check_l6_budget(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """An SO leads no more learners than capacity_days x so_students_per_day; nobody leads
    more networks than their max_groups."""
    idx = instance.index
    learners: dict[str, int] = defaultdict(int)
    groups: dict[str, list[str]] = defaultdict(list)
    for planned in plan.networks:
        for position, fid in enumerate(planned.facilitators):
            if fid not in idx.facilitator:
                continue
            groups[fid].append(planned.id)
            if position == 0:
                learners[fid] += len(planned.learners)
    for fid, count in learners.items():
        fac = idx.facilitator_of(fid)
        cap = los_rules.so_capacity(instance, fac)
        if fac.role == "schoolopleider" and cap is not None and count > cap:
            yield Violation(
                "L6",
                f"schoolopleider {fid} leads {count} learners; {fac.capacity_days:g} day(s) a "
                f"week allow {cap}",
                (fid, *groups[fid]),
            )
    for fid, nets in groups.items():
        fac = idx.facilitator_of(fid)
        if fac.max_groups is not None and len(nets) > fac.max_groups:
            yield Violation(
                "L6",
                f"{fid} leads {len(nets)} networks; at most {fac.max_groups}",
                (fid, *nets),
            )


@rule_check("L7", stage="los")
def check_l7_location(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """A network meets at its own location in its own region; learners come from that
    region and travel within the limit."""
    for planned, net in _known(instance, plan):
        if planned.location != net.location:
            yield Violation(
                "L7",
                f"network {net.id} meets at {planned.location}; its location is {net.location}",
                (net.id,),
            )
        if planned.region != net.region:
            yield Violation(
                "L7",
                f"network {net.id} is listed in region {planned.region}; it belongs to "
                f"{net.region}",
                (net.id,),
            )
        for lr in _learners(instance, planned):
            learner = instance.learners[lr]
            refusal = los_rules.region_refusal(instance, learner, net) or los_rules.travel_refusal(
                instance, learner, net
            )
            if refusal is not None:
                yield Violation("L7", refusal.reason, (learner.id, net.id))


@rule_check("L8", stage="los")
def report_l8_spare_seats(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """A report, not an error: spare seats per region up to each network's maximum, open to
    other learners of the school (no seat is reserved)."""
    spare: dict[str, list[str]] = defaultdict(list)
    totals: dict[str, int] = defaultdict(int)
    for planned, net in _known(instance, plan):
        _, high = los_rules.size_bounds(instance, net)
        free = high - len(planned.learners)
        if free > 0:
            spare[net.region].append(f"{net.id} {free}")
            totals[net.region] += free
    for region in sorted(spare):
        yield Violation(
            "L8",
            f"region {region}: {totals[region]} spare seat(s) for open sessions "
            f"({', '.join(spare[region])})",
            (region,),
            severity="warning",
        )


@rule_check("P1", stage="los")
def check_pins_and_placement(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Pinned learners are in their network; every learner is placed unless the instance
    allows unplaced learners, and nobody is both placed and listed as unplaced. In a plan
    made by the LOS stage everyone in no network is listed in ``plan.unplaced`` (so the
    plan says who it left out and why). One violation per learner at most."""
    if not los_planned(instance, plan):
        return
    network_of = {lid: p.id for p in plan.networks for lid in p.learners}
    plan_says = _plan_says(plan, "learner")
    listed = set(plan_says)
    allow = instance.los.settings.allow_unplaced
    by_stage = "los" in plan.stages  # the stage lists everyone it leaves out
    for learner in instance.learners:
        placed_in = network_of.get(learner.id)
        if learner.network is not None and placed_in is not None and placed_in != learner.network:
            yield Violation(
                "P1",
                f"{learner.id} is pinned to {learner.network} but placed in {placed_in}",
                (learner.id, learner.network, placed_in),
            )
        if placed_in is not None and learner.id in listed:
            yield Violation(
                "P1",
                f"{learner.id} is placed in {placed_in} and also listed as unplaced",
                (learner.id,),
            )
        if placed_in is not None:
            continue
        says = plan_says.get(learner.id, "")
        if not allow:
            yield Violation(
                "P1",
                f"{learner.id} is in no network; every learner is placed unless "
                f"los.settings.allow_unplaced{says}",
                (learner.id,),
            )
        elif learner.network is not None:
            yield Violation(
                "P1",
                f"{learner.id} is pinned to {learner.network} but left unplaced{says}",
                (learner.id, learner.network),
            )
        elif by_stage and learner.id not in listed:
            yield Violation(
                "P1",
                f"{learner.id} is in no network and not listed in the plan's unplaced; a "
                "plan says whom it leaves out and why",
                (learner.id,),
            )


@stage_objective("los")
def los_objective(instance: Instance, plan: Plan) -> dict[str, float]:
    """The LOS objective of the plan by term, recomputed from the instance."""
    return LosObjective(instance).evaluate(plan)
