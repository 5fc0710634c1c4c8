"""TN composition checks: T3 members, T4 the network's own facilitator, T6 composition and
region, T7 size with absence, pins and placement (P1), and the recomputed TN objective.

Plain Python. What counts as a leader, a participant's attribute value and a network's size
bounds come from :mod:`composer.tn_rules`, the objective from :mod:`composer.objective.tn`
(the same functions the solver uses); everything else is recomputed here from the plan.
The calendar rules of TN (T1, T2, T4 double bookings, T5) are checked with the sessions in
:mod:`composer.check.calendar`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from composer.check.core import Violation, rule_check, stage_objective
from composer.model.instance import Instance, TnNetwork, TnParticipant
from composer.model.plan import Plan, PlannedTnNetwork
from composer.objective.tn import tn_objective_parts
from composer.tn_rules import (
    absence_text,
    attribute_value,
    candidates,
    expected_present,
    is_leader,
    participant_region,
    pin_possible,
    size_bounds,
)


def _groups(
    instance: Instance, plan: Plan
) -> Iterator[tuple[PlannedTnNetwork, TnNetwork, list[TnParticipant]]]:
    """The plan's TN networks with their instance rows and known members (unknown ids are
    P1's business)."""
    idx = instance.index
    tn = instance.tn
    for group in plan.tn_networks:
        if group.id not in idx.tn_network:
            continue
        members = [
            tn.participants[idx.tn_participant[p]]
            for p in group.participants
            if p in idx.tn_participant
        ]
        yield group, tn.networks[idx.tn_network[group.id]], members


def _composed(plan: Plan) -> bool:
    """True when the plan holds a TN composition to judge (the stage found one, or the plan
    was made without the stage but lists TN networks)."""
    result = plan.stages.get("tn")
    if result is None:
        return bool(plan.tn_networks)
    return result.status in {"optimal", "feasible"}


@rule_check("T3", stage="tn")
def check_t3_members(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Per network and school at most ``tn.members_per_school`` people, a non-leader only with
    a leader of their school, a school in one network (``tn.school_together``), and, in a
    plan made by the TN stage, every participant either placed or listed as unplaced."""
    tn = instance.tn
    school_nets: dict[str, set[str]] = defaultdict(set)
    for group, _net, members in _groups(instance, plan):
        by_school: dict[str, list[TnParticipant]] = defaultdict(list)
        for p in members:
            by_school[p.school].append(p)
            school_nets[p.school].add(group.id)
        for school_id, people in sorted(by_school.items()):
            ids = tuple(p.id for p in people)
            if len(people) > tn.members_per_school:
                yield Violation(
                    "T3",
                    f"network {group.id} holds {len(people)} participants of school "
                    f"{school_id}; a school brings a leader plus one other "
                    f"(tn.members_per_school {tn.members_per_school})",
                    (group.id, school_id, *ids),
                )
            if not any(is_leader(instance, p) for p in people):
                yield Violation(
                    "T3",
                    f"network {group.id} holds {', '.join(ids)} of school {school_id} without "
                    f"a school leader or team leader of that school "
                    f"({', '.join(sorted({p.function for p in people}))})",
                    (group.id, school_id, *ids),
                )
    if tn.school_together:
        for school_id, nets in sorted(school_nets.items()):
            if len(nets) > 1:
                yield Violation(
                    "T3",
                    f"the participants of school {school_id} are split over networks "
                    f"{', '.join(sorted(nets))}; a school joins one network "
                    "(tn.school_together)",
                    (school_id, *sorted(nets)),
                )
    result = plan.stages.get("tn")
    if result is None or result.status not in {"optimal", "feasible"}:
        return  # only the TN stage claims to have placed or listed everyone
    placed = {p for g in plan.tn_networks for p in g.participants}
    listed = {u.id for u in plan.unplaced if u.what == "participant"}
    for part in tn.participants:
        if part.id not in placed and part.id not in listed:
            yield Violation(
                "T3",
                f"participant {part.id} is in no TN network and not listed as unplaced",
                (part.id,),
            )


@rule_check("T4", stage="tn")
def check_t4_network_facilitator(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """A composed network is led by the procesbegeleider the instance gives it."""
    for group, net, _members in _groups(instance, plan):
        if group.facilitator != net.facilitator:
            yield Violation(
                "T4",
                f"network {group.id} is led by {group.facilitator} in the plan, by "
                f"{net.facilitator} in the instance",
                (group.id, group.facilitator),
            )


@rule_check("T6", stage="tn")
def check_t6_composition(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Members of a network with a region come from that region; a homogeneous network
    holds one value of its attribute, a diverse one of two or more members at least two."""
    for group, net, members in _groups(instance, plan):
        if net.region is not None:
            outside = [p for p in members if participant_region(instance, p) != net.region]
            if outside:
                yield Violation(
                    "T6",
                    f"network {group.id} is for region {net.region} but holds participants "
                    f"of other regions",
                    (group.id, *(p.id for p in outside)),
                )
        values: dict[str, list[str]] = defaultdict(list)
        for p in members:
            values[attribute_value(instance, p, net.composition_attribute)].append(p.id)
        shown = "; ".join(f"{v}: {', '.join(ids)}" for v, ids in sorted(values.items()))
        if net.composition == "homogeneous" and len(values) > 1:
            yield Violation(
                "T6",
                f"network {group.id} is homogeneous on {net.composition_attribute} but holds "
                f"{len(values)} values ({shown})",
                (group.id,),
            )
        if net.composition == "diverse" and len(members) >= 2 and len(values) < 2:
            yield Violation(
                "T6",
                f"network {group.id} is diverse on {net.composition_attribute} but all its "
                f"{len(members)} members share one value ({shown})",
                (group.id,),
            )


@rule_check("T7", stage="tn")
def check_t7_size(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """A held network has at most ``max_size`` members and enough that ``min_size`` still
    attend at the expected absence; a listed network without members is not held."""
    for group, net, _members in _groups(instance, plan):
        count = len(group.participants)
        low, high = size_bounds(net)
        if count == 0:
            yield Violation(
                "T7",
                f"network {group.id} is listed without participants; a network that is not "
                "held is left out of the plan",
                (group.id,),
            )
        elif count > high:
            yield Violation(
                "T7",
                f"network {group.id} has {count} members; its max_size is {high}",
                (group.id,),
            )
        elif count < low:
            present = expected_present(net, count)
            yield Violation(
                "T7",
                f"network {group.id} has {count} members, so {float(present):g} are expected "
                f"at {absence_text(net)} absence; its min_size is {net.min_size}, so it needs "
                f"at least {low} members",
                (group.id,),
            )


@rule_check("P1", stage="tn")
def check_tn_pins_and_placement(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """A pinned participant is in their network (or, where the static rules forbid the pin,
    unplaced); nobody is both placed and listed as unplaced."""
    if not _composed(plan):
        return
    cand = candidates(instance)
    network_of = {p: g.id for g in plan.tn_networks for p in g.participants}
    listed = {u.id for u in plan.unplaced if u.what == "participant"}
    for p, part in enumerate(instance.tn.participants):
        placed_in = network_of.get(part.id)
        if part.network is not None and placed_in is not None and placed_in != part.network:
            yield Violation(
                "P1",
                f"{part.id} is pinned to {part.network} but placed in {placed_in}",
                (part.id, part.network, placed_in),
            )
        if placed_in is None and part.network is not None and pin_possible(instance, cand, p):
            yield Violation(
                "P1",
                f"{part.id} is pinned to {part.network} but left unplaced, though the rules "
                "allow the pin",
                (part.id, part.network),
            )
        if placed_in is not None and part.id in listed:
            yield Violation(
                "P1",
                f"{part.id} is placed in {placed_in} and also listed as unplaced",
                (part.id,),
            )


@stage_objective("tn")
def tn_objective(instance: Instance, plan: Plan) -> dict[str, float]:
    """The TN objective of the plan by part, recomputed from the instance."""
    return tn_objective_parts(instance, plan.tn_networks)
