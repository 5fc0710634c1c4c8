"""TN composition rules shared by the solver, the checker and the diagnostics (plain Python).

DOMAIN.md section 3, as composer reads it for composing the networks (the calendar rules
T1, T2, T4, T5 live in :mod:`composer.calendar`):

- **T3 members** — "a school leader or team leader plus one other person per school". A
  school's *delegation* in a network is its participants there. It holds at most
  ``tn.members_per_school`` people (default 2: the leader plus one other), and a
  participant whose function is not a leader function (``tn.leader_functions``, compared
  without case) joins only together with a leader of their own school. With
  ``tn.school_together`` (the default) the participants of one school are never split over
  two networks: schools take part, as the seed's invitation says ("scholen ... nodigen we
  uit"). A school sending more people than that, or a non-leader without a leader, leaves
  someone unplaced (listed with rule T3).
- **T6 composition** — a network with a ``region`` takes only participants of schools in that
  region (the seed: "formed by ... region"). On its ``composition_attribute`` (the
  participant's ``function``, or their school's ``region``, ``sector`` or id ``school``) a
  *homogeneous* network holds one value only; a *diverse* network holds at least two values
  as soon as it has two members, and more distinct values are better (a soft term of the
  objective). Themes are a soft goal too (:mod:`composer.objective.tn`).
- **T7 size and absence** — a held network has at most ``max_size`` members and at least
  ``ceil(min_size / (1 - expected_absence))``: with ``m`` members, ``m * (1 - a)`` are
  expected to attend, and ``m * (1 - a) >= min_size`` holds exactly when ``m`` reaches that
  ceiling (equivalently ``floor(m * (1 - a)) >= min_size``, since ``min_size`` is whole).
  The share is read as the decimal the planner typed (``0.1`` is exactly one tenth), so
  ``min_size`` 9 at 10 % absence needs 10 members, not 11. A network may stay empty (not
  held; penalised in the objective and listed as unplaced with rule T7).
- **Pins** — ``participant.network`` is where they must be. A pin that the static rules
  above forbid (another region, no leader of their school, a network that can never be
  held) cannot hold: the participant is left unplaced with that rule; otherwise the pin is
  hard (checked under P1).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

from composer.errors import Issue
from composer.los_rules import Refusal

if TYPE_CHECKING:
    from composer.model.instance import Instance, TnNetwork, TnParticipant


def attribute_value(instance: Instance, participant: TnParticipant, attribute: str) -> str:
    """The participant's value of a T6 composition attribute: their ``function`` (without
    case), or their school's ``region``, ``sector`` or id (``school``)."""
    if attribute == "function":
        return participant.function.strip().casefold()
    if attribute == "school":
        return participant.school
    school = instance.index.school_of(participant.school)
    return str(getattr(school, attribute))


def is_leader(instance: Instance, participant: TnParticipant) -> bool:
    """T3: True when the participant's function is a school leader or team leader function."""
    leaders = {f.strip().casefold() for f in instance.tn.leader_functions}
    return participant.function.strip().casefold() in leaders


def absence_share(network: TnNetwork) -> Fraction:
    """The expected absence as an exact fraction of the decimal typed (0.1 -> 1/10)."""
    return Fraction(repr(network.expected_absence)).limit_denominator(10**6)


def min_members(network: TnNetwork) -> int:
    """T7: the fewest members for which ``min_size`` still attend at the expected absence,
    ``ceil(min_size / (1 - expected_absence))``, in exact arithmetic."""
    present = 1 - absence_share(network)
    return math.ceil(Fraction(network.min_size) / present)


def expected_present(network: TnNetwork, members: int) -> Fraction:
    """T7: members expected to attend, ``members * (1 - expected_absence)`` (exact)."""
    return members * (1 - absence_share(network))


def absence_text(network: TnNetwork) -> str:
    """The expected absence as a planner reads it: ``10%``."""
    return f"{float(absence_share(network)) * 100:g}%"


def size_bounds(network: TnNetwork) -> tuple[int, int]:
    """(fewest, most) members of a held network (T7); fewest > most: it can never be held."""
    return min_members(network), network.max_size


def participant_region(instance: Instance, participant: TnParticipant) -> str:
    """The region of a participant: their school's region."""
    return instance.index.school_of(participant.school).region


def normalised_theme(theme: str) -> str:
    """A theme as compared: stripped and without case."""
    return theme.strip().casefold()


def theme_rank(participant: TnParticipant, network: TnNetwork) -> int | None:
    """0 when the network's theme is the participant's first wanted theme, 1 the second, ...;
    None when it is not on their list. Networks without a theme and participants without
    wishes are treated as a match (rank 0): there is nothing to honour."""
    if not network.theme.strip() or not participant.themes:
        return 0
    wanted = [normalised_theme(t) for t in participant.themes]
    theme = normalised_theme(network.theme)
    return wanted.index(theme) if theme in wanted else None


# --------------------------------------------------------------------------- candidates


def network_refusal(network: TnNetwork) -> Refusal | None:
    """T7: a network whose minimum (with absence) exceeds its maximum is never held."""
    low, high = size_bounds(network)
    if low > high:
        return Refusal(
            "T7",
            f"network {network.id} can never be held: min_size {network.min_size} at "
            f"{absence_text(network)} expected absence needs {low} members, "
            f"its max_size is {high}",
        )
    return None


def join_refusal(
    instance: Instance, participant: TnParticipant, network: TnNetwork
) -> Refusal | None:
    """Why ``participant`` may not join ``network`` on static grounds (pin, T7 never held,
    T6 region), or None. T3 (leaders, schools together) is looked at by :func:`candidates`."""
    if participant.network is not None and participant.network != network.id:
        return Refusal("P1", f"{participant.id} is pinned to network {participant.network}")
    refused = network_refusal(network)
    if refused is not None:
        return refused
    if network.region is not None:
        region = participant_region(instance, participant)
        if region != network.region:
            return Refusal(
                "T6",
                f"network {network.id} is for region {network.region}; {participant.id}'s "
                f"school {participant.school} is in region {region}",
            )
    return None


@dataclass
class TnCandidates:
    """Which network each participant may join (positions), and why not the others."""

    networks_of: dict[int, list[int]] = field(default_factory=dict)
    refusals: dict[int, dict[int, Refusal]] = field(default_factory=dict)
    schools: dict[str, list[int]] = field(default_factory=dict)
    """participant positions per school id, in instance order"""
    pin_of: dict[int, int] = field(default_factory=dict)
    """the network position each pinned participant is pinned to"""

    def why_none(self, p: int) -> Refusal:
        """The reason a participant has no network: why not their pinned network when they
        have a pin, else the first refusal by a network they could otherwise join (not only
        for lying in another region, T6, which says the least), else the first that is not
        about a pin."""
        found = self.refusals.get(p, {})
        if p in self.pin_of and self.pin_of[p] in found:
            return found[self.pin_of[p]]
        rest = (
            [r for r in found.values() if r.rule not in {"P1", "T6"}]
            or [r for r in found.values() if r.rule != "P1"]
            or list(found.values())
        )
        return rest[0] if rest else Refusal("T3", "the instance has no TN network")


def candidates(instance: Instance) -> TnCandidates:
    """Every (participant, network) pair the static rules allow.

    Static: the pin, a network that can never be held (T7), the network's region (T6); then
    T3: a non-leader may join a network only where a leader of their school may, and with
    ``tn.school_together`` a school with a pinned participant joins only a network its pins
    name (pins of one school to two networks cannot all hold: the solve is infeasible and
    says which pin to move).
    """
    tn = instance.tn
    out = TnCandidates()
    schools: dict[str, list[int]] = defaultdict(list)
    for p, part in enumerate(tn.participants):
        schools[part.school].append(p)
    out.schools = dict(schools)
    out.pin_of = {
        p: instance.index.tn_network[part.network]
        for p, part in enumerate(tn.participants)
        if part.network is not None and part.network in instance.index.tn_network
    }
    for p, part in enumerate(tn.participants):
        allowed: list[int] = []
        refused: dict[int, Refusal] = {}
        for n, net in enumerate(tn.networks):
            why = join_refusal(instance, part, net)
            if why is None:
                allowed.append(n)
            else:
                refused[n] = why
        out.networks_of[p] = allowed
        out.refusals[p] = refused
    for school_id, members in out.schools.items():
        # pins the static rules allow (an impossible pin leaves its participant out and
        # binds nobody else)
        pinned = sorted(
            {
                tn.networks[out.pin_of[p]].id
                for p in members
                if p in out.pin_of and out.pin_of[p] in out.networks_of[p]
            }
        )
        if tn.school_together and pinned:
            for p in members:
                for n in list(out.networks_of[p]):
                    if tn.networks[n].id not in pinned:
                        out.networks_of[p].remove(n)
                        out.refusals[p][n] = Refusal(
                            "T3",
                            f"school {school_id} joins one network and has a participant "
                            f"pinned to {', '.join(str(x) for x in pinned)}",
                        )
        leader_nets: set[int] = set()
        for p in members:
            if is_leader(instance, tn.participants[p]):
                leader_nets.update(out.networks_of[p])
        for p in members:
            if is_leader(instance, tn.participants[p]):
                continue
            for n in list(out.networks_of[p]):
                if n not in leader_nets:
                    out.networks_of[p].remove(n)
                    out.refusals[p][n] = Refusal(
                        "T3",
                        f"{tn.participants[p].id} ({tn.participants[p].function}) joins only "
                        f"with a school leader or team leader of school {school_id}, and none "
                        f"of them may join {tn.networks[n].id}",
                    )
    return out


def pin_possible(instance: Instance, cand: TnCandidates, p: int) -> bool:
    """True when participant ``p`` is pinned and the static rules allow their pin."""
    part = instance.tn.participants[p]
    if part.network is None or part.network not in instance.index.tn_network:
        return False
    return instance.index.tn_network[part.network] in cand.networks_of[p]


# --------------------------------------------------------------------------- diagnostics


def tn_findings(instance: Instance) -> list[Issue]:
    """Pre-solve warnings for the TN programme, with rule ids and the fix.

    T7: a network that can never be held, fewer candidates than a network's minimum, fewer
    seats than participants; T6: a homogeneous network whose candidates share no value often
    enough to reach its minimum, a diverse network whose candidates bring one value only;
    T3 and pins: participants no network can take (with the reason), pins that cannot hold
    together (one school pinned to two networks, more pinned than a network or a school's
    delegation holds).
    """
    tn = instance.tn
    if not tn.participants or not tn.networks:
        if tn.participants:
            return [
                Issue(
                    f"{len(tn.participants)} TN participant(s) but no TN network",
                    rule="T3",
                    severity="warning",
                    fix="add TN networks (tn_networks) or remove the participants",
                )
            ]
        return []
    cand = candidates(instance)
    issues: list[Issue] = []

    def warn(rule: str, message: str, fix: str) -> None:
        issues.append(Issue(message, rule=rule, severity="warning", fix=fix))

    for net in tn.networks:
        refused = network_refusal(net)
        if refused is not None:
            warn("T7", refused.reason, "raise max_size, lower min_size or expected_absence")
    seats = sum(net.max_size for net in tn.networks if network_refusal(net) is None)
    if len(tn.participants) > seats:
        warn(
            "T7",
            f"{len(tn.participants)} TN participants but the networks seat at most {seats}",
            "add a TN network or raise max_size; otherwise some participants stay unplaced",
        )
    for n, net in enumerate(tn.networks):
        if network_refusal(net) is not None:
            continue
        low, _ = size_bounds(net)
        members = [p for p, nets in cand.networks_of.items() if n in nets]
        if len(members) < low:
            warn(
                "T7",
                f"network {net.id} needs at least {low} members (min_size {net.min_size}, "
                f"{absence_text(net)} expected absence) but only {len(members)} "
                "participant(s) may join it; it will not be held",
                "lower min_size or expected_absence, widen its region, or add participants",
            )
            continue
        values: dict[str, int] = defaultdict(int)
        for p in members:
            values[attribute_value(instance, tn.participants[p], net.composition_attribute)] += 1
        if net.composition == "homogeneous" and max(values.values(), default=0) < low:
            warn(
                "T6",
                f"network {net.id} is homogeneous on {net.composition_attribute}, but no "
                f"value is shared by {low} of its {len(members)} candidates "
                f"({', '.join(f'{v}: {c}' for v, c in sorted(values.items()))}); "
                "it will not be held",
                "make it diverse, choose another composition_attribute, or lower min_size",
            )
        if net.composition == "diverse" and len(values) < 2 and low >= 2:
            warn(
                "T6",
                f"network {net.id} is diverse on {net.composition_attribute}, but all its "
                f"candidates have the same value ({next(iter(values), '-')}); "
                "it will not be held",
                "make it homogeneous or choose another composition_attribute",
            )
    for p, nets in cand.networks_of.items():
        if nets:
            continue
        part = tn.participants[p]
        why = cand.why_none(p)
        warn(
            why.rule,
            f"TN participant {part.id} ({part.function}, school {part.school}) can join no "
            f"network: {why.render()}",
            "they will be left unplaced; change the pin, the network's region, or add a "
            "school leader or team leader of their school",
        )
    # pins that cannot all hold
    pinned: dict[int, list[int]] = defaultdict(list)
    for p, part in enumerate(tn.participants):
        if pin_possible(instance, cand, p):
            pinned[instance.index.tn_network[part.network or ""]].append(p)
    if tn.school_together:
        for school_id, people in sorted(cand.schools.items()):
            pins_to = sorted(
                {
                    tn.participants[p].network or ""
                    for p in people
                    if pin_possible(instance, cand, p)
                }
            )
            if len(pins_to) > 1:
                warn(
                    "T3",
                    f"the participants of school {school_id} are pinned to {', '.join(pins_to)}; "
                    "a school joins one network (tn.school_together)",
                    "pin them to one network or set tn.school_together to false",
                )
    for n, members in sorted(pinned.items()):
        net = tn.networks[n]
        if len(members) > net.max_size:
            warn(
                "T7",
                f"{len(members)} participants are pinned to {net.id}, its max_size is "
                f"{net.max_size}",
                "unpin some participants or raise max_size",
            )
        per_school: dict[str, int] = defaultdict(int)
        for p in members:
            per_school[tn.participants[p].school] += 1
        for school_id, count in sorted(per_school.items()):
            if count > tn.members_per_school:
                warn(
                    "T3",
                    f"{count} participants of school {school_id} are pinned to {net.id}; a "
                    f"school brings at most {tn.members_per_school} (tn.members_per_school)",
                    "unpin one of them",
                )
    return issues
