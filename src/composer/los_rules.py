"""Who may join which LOS network, when a network can meet, and who can lead it.

Plain Python, shared by the CP-SAT model (:mod:`composer.solvers.los`), the independent
checker (:mod:`composer.check.los`) and the pre-solve diagnostics, so the three never
disagree about a rule. The semantics are those of DOMAIN.md section 1 as decided in
``LOS_SEMANTICS.md`` (region, L2 kinds, L3 components, L4 slot, L5 facilitators, L6
budget, L7 travel, pins). Each refusal carries the rule id and a sentence a planner
understands.

Conventions
- A *slot* is a ``(weekday, block id)`` pair; the planning slots are
  ``calendar.weekdays x calendar.time_blocks`` in calendar order.
- "May join" (:func:`join_refusal`) is the *static* part: region, pin, L2, L3, L7. It does
  not look at rosters, because the roster test needs the network's slot (L4).
  :func:`candidates` adds L4 (the learner must be free at some slot the network can have)
  and prunes slots no feasible plan can use; the solver builds its model on that result
  and the diagnostics explain from it.
- The region of a learner is the region of their home school. A learner joins only
  networks of that region; this is reported under ``L7`` (where a learner may go).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from composer.model.instance import (
    STUDENT_KINDS,
    Facilitator,
    Instance,
    Learner,
    LosNetwork,
    TimeBlock,
)

SlotKey = tuple[str, str]
"""A weekly slot: (weekday, time block id)."""

Position = Literal["so", "second"]
"""The two facilitator positions of a network (L5): the schoolopleider and the second
facilitator (instituutsopleider or schoolbegeleider)."""

SECOND_ROLES: dict[str, frozenset[str]] = {
    "opleiding": frozenset({"instituutsopleider"}),
    "inductie": frozenset({"schoolbegeleider"}),
    "mixed": frozenset({"instituutsopleider", "schoolbegeleider"}),
}
"""L5: the roles that may fill the second position, per network type."""

UU_INSTITUTION_ID = "UU"
"""The institution id a ``uu_student`` without an ``institution`` is taken to belong to."""


@dataclass(frozen=True)
class Refusal:
    """Why something is not allowed: the rule id and a planner-facing reason."""

    rule: str
    reason: str
    about: tuple[str, ...] = ()
    """Ids of the learners the reason is about, when it is about particular learners (a
    region without a plan then gives each their own reason in ``plan.unplaced``)."""

    def render(self) -> str:
        """``[L3] network N07 does not offer PiP1``."""
        return f"[{self.rule}] {self.reason}"


# --------------------------------------------------------------------------- basics


def slot_label(slot: SlotKey) -> str:
    """``tue block 2`` for messages."""
    return f"{slot[0]} block {slot[1]}"


def planning_slots(instance: Instance) -> list[SlotKey]:
    """Every slot a network may use: calendar weekdays x time blocks, in calendar order."""
    return [(d, b.id) for d in instance.calendar.weekdays for b in instance.calendar.time_blocks]


def block_of(instance: Instance, block_id: str) -> TimeBlock:
    """The time block with this id."""
    return instance.calendar.time_blocks[instance.index.block[block_id]]


def minutes_of_day(t: object) -> int:
    """Minutes since midnight of a ``datetime.time``."""
    return int(t.hour) * 60 + int(t.minute)  # type: ignore[attr-defined]


def learner_region(instance: Instance, learner: Learner) -> str:
    """A learner's region: the region of their home school."""
    return instance.index.school_of(learner.home_school).region


def size_bounds(instance: Instance, network: LosNetwork) -> tuple[int, int]:
    """L1: (min, max) learners of ``network`` (its own bounds or the programme defaults)."""
    return network.size_bounds(instance.los.settings)


def min_students(network: LosNetwork) -> int:
    """L2: students (``student`` or ``uu_student``) a network needs at least.

    An opleiding network needs ``min_students`` (default 1); inductie and mixed need none.
    """
    if network.type != "opleiding":
        return 0
    return 1 if network.min_students is None else network.min_students


def travel_limit(instance: Instance, network: LosNetwork) -> float | None:
    """L7: the maximum travel in minutes to this network (its own, else the programme's)."""
    if network.max_travel_minutes is not None:
        return network.max_travel_minutes
    return instance.los.settings.max_travel_minutes


def travel_to(instance: Instance, learner: Learner, network: LosNetwork) -> int:
    """Whole minutes from the learner's home school to the network's location."""
    idx = instance.index
    return idx.travel_minutes(idx.school[learner.home_school], idx.school[network.location])


def so_capacity(instance: Instance, facilitator: Facilitator) -> int | None:
    """L6: learners an SO may lead in total, ``floor(capacity_days x so_students_per_day)``.

    None when the facilitator has no ``capacity_days`` (no limit).
    """
    if facilitator.capacity_days is None:
        return None
    per_day = instance.los.settings.so_students_per_day
    return math.floor(facilitator.capacity_days * per_day + 1e-9)


# --------------------------------------------------------------------------- joining


def uu_institutions(learner: Learner) -> frozenset[str]:
    """The institution ids that count as "UU" for a ``uu_student`` (L3).

    The student's own ``institution`` when given, else :data:`UU_INSTITUTION_ID`.
    """
    return frozenset({learner.institution or UU_INSTITUTION_ID})


def fits_uu_student(instance: Instance, learner: Learner, network: LosNetwork) -> bool:
    """L3: a ``uu_student`` may join a network that offers a component of their institution
    (UU) or that ``admits_uu_students``."""
    if network.admits_uu_students:
        return True
    wanted = uu_institutions(learner)
    comps = instance.los.components
    idx = instance.index
    return any(comps[idx.component[c]].institution in wanted for c in network.components)


def pin_refusal(learner: Learner, network: LosNetwork) -> Refusal | None:
    """Pins: a learner pinned to another network may not join this one."""
    if learner.network is not None and learner.network != network.id:
        return Refusal("P1", f"{learner.id} is pinned to network {learner.network}")
    return None


def region_refusal(instance: Instance, learner: Learner, network: LosNetwork) -> Refusal | None:
    """Region (reported as L7): a learner joins only networks of their home school's region."""
    region = learner_region(instance, learner)
    if network.region != region:
        return Refusal(
            "L7",
            f"network {network.id} is in region {network.region}, {learner.id} works in "
            f"region {region}",
        )
    return None


def kind_refusal(learner: Learner, network: LosNetwork) -> Refusal | None:
    """L2: every kind may join every network type; a mixed network exists only where agreed."""
    if network.type == "mixed" and not network.mixed_agreed:
        return Refusal("L2", f"mixed network {network.id} is not agreed with the institutes")
    return None


def component_refusal(instance: Instance, learner: Learner, network: LosNetwork) -> Refusal | None:
    """L3: the network offers every component the learner needs, and a UU student's rule."""
    missing = [c for c in learner.needs if c not in network.components]
    if missing:
        return Refusal(
            "L3",
            f"network {network.id} does not offer {', '.join(missing)} ({learner.id} needs it)",
        )
    if learner.kind == "uu_student" and not fits_uu_student(instance, learner, network):
        return Refusal(
            "L3",
            f"network {network.id} offers no UU component and does not admit UU students "
            f"({learner.id} is a UU student)",
        )
    return None


def travel_refusal(instance: Instance, learner: Learner, network: LosNetwork) -> Refusal | None:
    """L7: the travel from the learner's home school is within the network's limit."""
    limit = travel_limit(instance, network)
    if limit is not None:
        minutes = travel_to(instance, learner, network)
        if minutes > limit:
            return Refusal(
                "L7",
                f"network {network.id} at {network.location} is {minutes} min from "
                f"{learner.home_school}; the limit is {limit:g} min",
            )
    return None


def join_refusal(instance: Instance, learner: Learner, network: LosNetwork) -> Refusal | None:
    """Why ``learner`` may not join ``network`` on static grounds, or None when they may.

    Checked in this order: pin, region, L2 (mixed only where agreed), L3 (components,
    UU students), L7 (travel limit). Rosters (L4) are not looked at here.
    """
    return (
        pin_refusal(learner, network)
        or region_refusal(instance, learner, network)
        or kind_refusal(learner, network)
        or component_refusal(instance, learner, network)
        or travel_refusal(instance, learner, network)
    )


def may_join(instance: Instance, learner: Learner, network: LosNetwork) -> bool:
    """True when :func:`join_refusal` finds nothing."""
    return join_refusal(instance, learner, network) is None


def learner_free(learner: Learner, slot: SlotKey) -> bool:
    """L4: True when the learner does not teach at this slot."""
    return not learner.roster.busy(slot[0], slot[1])


# --------------------------------------------------------------------------- facilitators


def position_roles(network: LosNetwork, position: Position) -> frozenset[str]:
    """L5: the roles that may fill ``position`` in ``network``."""
    return frozenset({"schoolopleider"}) if position == "so" else SECOND_ROLES[network.type]


def fixed_facilitator(network: LosNetwork, position: Position) -> str | None:
    """The facilitator the instance fixes in ``position``, or None when it is open."""
    return network.schoolopleider if position == "so" else network.second_facilitator


def facilitator_refusal(
    network: LosNetwork, facilitator: Facilitator, position: Position
) -> Refusal | None:
    """Why ``facilitator`` may not fill ``position`` of ``network``, or None when they may.

    A fixed facilitator is the only one allowed. An open position takes a facilitator of
    the right role whose ``regions`` include the network's region; a second facilitator
    with an ``institution`` must match the network's ``institution`` when that is set.
    """
    fixed = fixed_facilitator(network, position)
    if fixed is not None:
        if facilitator.id == fixed:
            return None
        return Refusal("L5", f"network {network.id} has {fixed} fixed as its {position}")
    roles = position_roles(network, position)
    if facilitator.role not in roles:
        return Refusal(
            "L5",
            f"{facilitator.id} is a {facilitator.role}; the {position} of a {network.type} "
            f"network is a {' or '.join(sorted(roles))}",
        )
    if network.region not in facilitator.regions:
        return Refusal(
            "L5", f"{facilitator.id} does not work in region {network.region} of {network.id}"
        )
    if (
        position == "second"
        and facilitator.institution is not None
        and network.institution is not None
        and facilitator.institution != network.institution
    ):
        return Refusal(
            "L5",
            f"{facilitator.id} is from {facilitator.institution}, network {network.id} from "
            f"{network.institution}",
        )
    return None


def facilitators_by_region(instance: Instance) -> dict[str, list[Facilitator]]:
    """Facilitators per region id they work in (instance order); for fast candidate lookups."""
    pool: dict[str, list[Facilitator]] = {}
    for f in instance.facilitators:
        for region in f.regions:
            pool.setdefault(region, []).append(f)
    return pool


def facilitator_candidates(
    instance: Instance,
    network: LosNetwork,
    position: Position,
    pool: dict[str, list[Facilitator]] | None = None,
) -> list[Facilitator]:
    """Every facilitator who may fill ``position`` of ``network`` (instance order).

    ``pool`` (from :func:`facilitators_by_region`) avoids scanning every facilitator.
    """
    fixed = fixed_facilitator(network, position)
    if fixed is not None:
        return [instance.index.facilitator_of(fixed)]
    scan = instance.facilitators if pool is None else pool.get(network.region, [])
    return [f for f in scan if facilitator_refusal(network, f, position) is None]


def slot_refusal(
    instance: Instance,
    network: LosNetwork,
    slot: SlotKey,
    leaders: dict[str, list[Facilitator]] | None = None,
) -> Refusal | None:
    """Why ``network`` cannot meet at ``slot`` whoever joins it, or None when it can.

    L4: a fixed slot is the only one; the slot must be a planning slot. L5: the fixed
    facilitators must be available then, and an open position needs some candidate who is.
    ``leaders`` may give the candidates per position (``{"so": [...], "second": [...]}``).
    """
    weekday, block = slot
    if network.slot is not None and (network.slot.weekday, network.slot.block) != slot:
        return Refusal(
            "L4",
            f"network {network.id} has its slot fixed at {slot_label(network_slot_key(network))}",
        )
    if weekday not in instance.calendar.weekdays or block not in instance.index.block:
        return Refusal("L4", f"{slot_label(slot)} is not a planning slot")
    positions: tuple[Position, ...] = ("so", "second")
    for position in positions:
        if leaders is not None:
            found = leaders[position]
        else:
            found = facilitator_candidates(instance, network, position)
        if not any(f.available(weekday, block) for f in found):
            fixed = fixed_facilitator(network, position)
            if fixed is not None:
                return Refusal(
                    "L5",
                    f"{fixed} ({position} of {network.id}) is not available at {slot_label(slot)}",
                )
            roles = " or ".join(sorted(position_roles(network, position)))
            return Refusal(
                "L5",
                f"no {roles} who may lead {network.id} is available at {slot_label(slot)}",
            )
    return None


def network_slot_key(network: LosNetwork) -> SlotKey:
    """The fixed slot of a network as a key (only call when ``network.slot`` is set)."""
    assert network.slot is not None
    return (network.slot.weekday, network.slot.block)


def network_slots(instance: Instance, network: LosNetwork) -> list[SlotKey]:
    """The slots ``network`` could meet at by L4 (fixed slot) and L5 (facilitators)."""
    return [s for s in planning_slots(instance) if slot_refusal(instance, network, s) is None]


# --------------------------------------------------------------------------- travel fit


def blocks_fit(a_start: int, a_end: int, b_start: int, b_end: int, travel_minutes: int) -> bool:
    """True when one person can attend block a and then block b (or b then a) on one day.

    Times are minutes since midnight; ``travel_minutes`` is the travel between the two
    locations. The earlier block (by start) must end, plus the travel, no later than the
    later one starts. Overlapping blocks never fit, even at one location.
    """
    if (a_start, a_end) > (b_start, b_end):
        a_start, a_end, b_start, b_end = b_start, b_end, a_start, a_end
    return a_end + travel_minutes <= b_start


def travel_fits(
    instance: Instance, slot_a: SlotKey, location_a: str, slot_b: SlotKey, location_b: str
) -> bool:
    """L5: can one facilitator lead a network at (slot_a, location_a) and one at
    (slot_b, location_b)? Different weekdays always fit; the same slot never does; on one
    weekday, the end of the earlier block plus the travel between the locations must not
    pass the start of the later block."""
    if slot_a[0] != slot_b[0]:
        return True
    if slot_a[1] == slot_b[1]:
        return False
    a, b = block_of(instance, slot_a[1]), block_of(instance, slot_b[1])
    idx = instance.index
    earlier_loc, later_loc = (
        (location_a, location_b)
        if (a.start, a.end) <= (b.start, b.end)
        else (location_b, location_a)
    )
    minutes = idx.travel_minutes(idx.school[earlier_loc], idx.school[later_loc])
    return blocks_fit(
        minutes_of_day(a.start),
        minutes_of_day(a.end),
        minutes_of_day(b.start),
        minutes_of_day(b.end),
        minutes,
    )


# --------------------------------------------------------------------------- candidates


@dataclass
class Candidates:
    """Who may join which network and at which slots, after pruning (positions).

    ``networks_of[l]`` lists the networks learner ``l`` may join (static rules and L4);
    ``learners_of[n]`` the reverse; ``slots_of[n]`` the slots network ``n`` can still
    use. ``refusals[l][n]`` says why a network is not a candidate for learner ``l``;
    ``slot_refusals[n][slot]`` why a slot is not usable. ``network_refusals[n]`` holds
    reasons why a network cannot run at all (too few candidates, no slot).
    """

    learners: list[int]
    networks: list[int]
    slots_of: dict[int, list[SlotKey]] = field(default_factory=dict)
    networks_of: dict[int, list[int]] = field(default_factory=dict)
    learners_of: dict[int, list[int]] = field(default_factory=dict)
    refusals: dict[int, dict[int, Refusal]] = field(default_factory=dict)
    slot_refusals: dict[int, dict[SlotKey, Refusal]] = field(default_factory=dict)
    network_refusals: dict[int, list[Refusal]] = field(default_factory=dict)


def candidates(
    instance: Instance,
    learners: Sequence[int] | None = None,
    networks: Sequence[int] | None = None,
) -> Candidates:
    """Candidate pairs and slots for the given learners and networks (default: all).

    Only networks of a learner's own region (and the network a learner is pinned to) are
    looked at and listed in ``refusals``; other regions' networks are refused by region.

    Starts from the static rules (:func:`join_refusal`) and the slots L4/L5 allow
    (:func:`slot_refusal`), then repeats until nothing changes:

    - a learner is a candidate of a network only when free at one of its slots (L4);
    - a slot is dropped when a learner pinned to the network teaches then (L4), when
      fewer candidates than the network's minimum are free then (L1), or, for an opleiding
      network, fewer students than it needs (L2).

    Every dropped pair or slot would be impossible in any plan, so the solver may build
    on the result without losing a feasible plan.
    """
    all_learners = instance.learners
    all_networks = instance.los.networks
    ls = list(range(len(all_learners))) if learners is None else list(learners)
    ns = list(range(len(all_networks))) if networks is None else list(networks)
    cand = Candidates(ls, ns)
    slots = planning_slots(instance)
    pool = facilitators_by_region(instance)
    by_region: dict[str, list[int]] = {}
    for n in ns:
        net = all_networks[n]
        by_region.setdefault(net.region, []).append(n)
        leaders = {
            "so": facilitator_candidates(instance, net, "so", pool),
            "second": facilitator_candidates(instance, net, "second", pool),
        }
        cand.slot_refusals[n] = {}
        ok: list[SlotKey] = []
        for s in slots:
            refusal = slot_refusal(instance, net, s, leaders)
            if refusal is None:
                ok.append(s)
            else:
                cand.slot_refusals[n][s] = refusal
        cand.slots_of[n] = ok
        cand.learners_of[n] = []
        cand.network_refusals[n] = []
    in_scope = set(ns)
    idx = instance.index
    regions = {lr: learner_region(instance, all_learners[lr]) for lr in ls}
    limits = {n: travel_limit(instance, all_networks[n]) for n in ns}
    offered = {n: frozenset(all_networks[n].components) for n in ns}
    location = {n: idx.school[all_networks[n].location] for n in ns}
    agreed_missing = {
        n: all_networks[n].type == "mixed" and not all_networks[n].mixed_agreed for n in ns
    }
    for lr in ls:
        learner = all_learners[lr]
        cand.refusals[lr] = {}
        cand.networks_of[lr] = []
        # networks of other regions are refused by region without listing each one,
        # except the one a learner is pinned to
        considered = list(by_region.get(regions[lr], []))
        pinned = instance.index.network.get(learner.network or "")
        if pinned is not None and pinned in in_scope and pinned not in considered:
            considered.append(pinned)
        home = idx.school[learner.home_school]
        needs = set(learner.needs)
        for n in considered:
            net = all_networks[n]
            # join_refusal's tests in its order on precomputed figures (hundreds of
            # thousands of pairs nationally); only the failing rule builds its message
            limit = limits[n]
            if learner.network is not None and learner.network != net.id:
                refusal = pin_refusal(learner, net)
            elif net.region != regions[lr]:
                refusal = region_refusal(instance, learner, net)
            elif agreed_missing[n]:
                refusal = kind_refusal(learner, net)
            elif not needs <= offered[n] or (
                learner.kind == "uu_student" and not fits_uu_student(instance, learner, net)
            ):
                refusal = component_refusal(instance, learner, net)
            elif limit is not None and idx.travel_minutes(home, location[n]) > limit:
                refusal = travel_refusal(instance, learner, net)
            else:
                refusal = None
            if refusal is None:
                cand.networks_of[lr].append(n)
                cand.learners_of[n].append(lr)
            else:
                cand.refusals[lr][n] = refusal

    _prune(instance, cand, slots)

    for n in ns:
        net = all_networks[n]
        low, _ = size_bounds(instance, net)
        reasons: list[Refusal] = []
        if not cand.slots_of[n]:
            reasons.append(
                Refusal(
                    "L4",
                    f"network {net.id} has no slot where it can meet: "
                    + summarise(cand.slot_refusals[n].values()),
                )
            )
        if len(cand.learners_of[n]) < low:
            reasons.append(
                Refusal(
                    "L1",
                    f"network {net.id} needs {low} learners but only "
                    f"{len(cand.learners_of[n])} may join it",
                )
            )
        students = sum(1 for lr in cand.learners_of[n] if all_learners[lr].kind in STUDENT_KINDS)
        if students < min_students(net):
            reasons.append(
                Refusal(
                    "L2",
                    f"opleiding network {net.id} needs {min_students(net)} student(s) but only "
                    f"{students} may join it",
                )
            )
        cand.network_refusals[n] = reasons
    return cand


def _prune(instance: Instance, cand: Candidates, slots: list[SlotKey]) -> None:
    """Drop pairs and slots no plan can use, until nothing changes (see :func:`candidates`).

    Rosters are held as a learner x slot matrix of "free" flags so each round costs a few
    vectorised sums per network, even for a national instance.
    """
    all_learners = instance.learners
    all_networks = instance.los.networks
    slot_pos = {s: i for i, s in enumerate(slots)}
    row = {lr: i for i, lr in enumerate(cand.learners)}
    free = np.ones((len(cand.learners), len(slots)), dtype=bool)
    for lr, i in row.items():
        roster = all_learners[lr].roster
        for weekday in ("mon", "tue", "wed", "thu", "fri"):
            for block in getattr(roster, weekday):
                k = slot_pos.get((weekday, block))
                if k is not None:
                    free[i, k] = False
    student = np.array([all_learners[lr].kind in STUDENT_KINDS for lr in cand.learners], bool)
    usable = {n: np.array([s in set(cand.slots_of[n]) for s in slots], bool) for n in cand.networks}

    pinned_to: dict[str, set[int]] = {}
    for lr in cand.learners:
        pin = all_learners[lr].network
        if pin is not None:
            pinned_to.setdefault(pin, set()).add(lr)

    changed = True
    while changed:
        changed = False
        for n in cand.networks:
            net = all_networks[n]
            members = cand.learners_of[n]
            if not members:
                continue
            rows = np.array([row[lr] for lr in members])
            # L4: a learner needs a slot of the network where they are free
            reach = (free[rows] & usable[n]).any(axis=1)
            if not reach.all():
                changed = True
                ok_slots = [s for s, u in zip(slots, usable[n], strict=True) if u]
                shown = ", ".join(slot_label(s) for s in ok_slots[:4])
                more = "" if len(ok_slots) <= 4 else ", ..."
                for lr, r in zip(members, reach, strict=True):
                    if r:
                        continue
                    cand.networks_of[lr].remove(n)
                    cand.refusals[lr][n] = Refusal(
                        "L4",
                        f"{all_learners[lr].id} teaches at every slot network {net.id} can "
                        f"meet ({shown}{more})"
                        if ok_slots
                        else f"network {net.id} has no slot it can meet at",
                    )
                members = [lr for lr, r in zip(members, reach, strict=True) if r]
                cand.learners_of[n] = members
                rows = rows[reach]
            # slots no plan can use
            low, _ = size_bounds(instance, net)
            need_students = min_students(net)
            matrix = free[rows]
            counts = matrix.sum(axis=0)
            student_counts = matrix[student[rows]].sum(axis=0)
            pins = pinned_to.get(net.id)
            pinned = [i for i, lr in enumerate(members) if lr in pins] if pins else []
            for k in (int(v) for v in np.flatnonzero(usable[n])):
                slot = slots[k]
                busy_pins = [all_learners[members[i]].id for i in pinned if not matrix[i, k]]
                refusal = None
                if busy_pins:
                    refusal = Refusal(
                        "L4",
                        f"{', '.join(busy_pins)} (pinned to {net.id}) teach at {slot_label(slot)}",
                    )
                elif counts[k] < low:
                    refusal = Refusal(
                        "L1",
                        f"only {counts[k]} learners who may join {net.id} are free at "
                        f"{slot_label(slot)}; it needs {low}",
                    )
                elif student_counts[k] < need_students:
                    refusal = Refusal(
                        "L2",
                        f"only {student_counts[k]} students who may join {net.id} are free at "
                        f"{slot_label(slot)}; it needs {need_students}",
                    )
                if refusal is not None:
                    usable[n][k] = False
                    cand.slot_refusals[n][slot] = refusal
                    changed = True
    for n in cand.networks:
        cand.slots_of[n] = [s for s, u in zip(slots, usable[n], strict=True) if u]


def summarise(refusals: Iterable[Refusal], limit: int = 3) -> str:
    """Refusals grouped by rule, a few reasons each: ``[L3] 3x: ...; [L7] 2x: ...``."""
    by_rule: dict[str, list[str]] = {}
    for r in refusals:
        by_rule.setdefault(r.rule, []).append(r.reason)
    parts = []
    for rule_id in sorted(by_rule):
        reasons = by_rule[rule_id]
        shown = "; ".join(reasons[:limit])
        more = f"; and {len(reasons) - limit} more" if len(reasons) > limit else ""
        parts.append(f"[{rule_id}] {shown}{more}")
    return " ".join(parts)
