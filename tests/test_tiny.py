"""The hand-made tiny instance: its optimum, checked by exhaustive enumeration.

The README of ``instances/tiny`` argues the optimum by hand; these tests enumerate every
LOS plan (learner networks, slots, facilitators) and every BV split and confirm it.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import NamedTuple

from composer.builders.tiny import EXPECTED, GO, PO_CULEMBORG, PO_SUPPORTED, PO_UTRECHT, build_tiny
from composer.diagnostics import bv_eligible, diagnose
from composer.io import load_instance
from composer.io.json_io import instance_to_json
from composer.model.instance import Instance
from planted_check import SECOND_ROLES, los_violations

SHIPPED = Path(__file__).resolve().parent.parent / "instances" / "tiny" / "instance.json"


def test_shipped_tiny_is_the_builder_output() -> None:
    assert SHIPPED.read_text(encoding="utf-8") == instance_to_json(build_tiny())
    assert load_instance(SHIPPED) == build_tiny()


def _learner_options(inst: Instance) -> dict[str, list[str]]:
    """Networks each learner may join on their own (region, L3, L7, pin)."""
    idx = inst.index
    uu = {c.id for c in inst.los.components if c.institution == "UU"}
    out = {}
    for lr in inst.learners:
        home = idx.school_of(lr.home_school)
        options = []
        for net in inst.los.networks:
            if net.region != home.region or not set(lr.needs) <= set(net.components):
                continue
            if lr.kind == "uu_student" and not set(net.components) & uu:
                continue
            limit = net.max_travel_minutes or inst.los.settings.max_travel_minutes
            travel = idx.travel_minutes(idx.school[lr.home_school], idx.school[net.location])
            if limit is not None and travel > limit:
                continue
            if lr.network is not None and lr.network != net.id:
                continue
            options.append(net.id)
        out[lr.id] = options
    return out


def _network_options(
    inst: Instance, net_id: str, members: list[str]
) -> list[tuple[tuple[str, str], str, str]]:
    """(slot, SO, second) choices of one network that pass its local rules."""
    idx = inst.index
    net = idx.network_of(net_id)
    learners = [inst.learners[idx.learner[m]] for m in members]
    slots = [
        (d, b.id)
        for d in inst.calendar.weekdays
        for b in inst.calendar.time_blocks
        if net.slot is None or (net.slot.weekday, net.slot.block) == (d, b.id)
    ]
    sos = [f for f in inst.facilitators if f.role == "schoolopleider"]
    seconds = [f for f in inst.facilitators if f.role in SECOND_ROLES[net.type]]
    out = []
    for slot in slots:
        if any(lr.roster.busy(*slot) for lr in learners):
            continue
        for so in sos:
            if net.schoolopleider not in (None, so.id) or not so.available(*slot):
                continue
            for second in seconds:
                if net.second_facilitator not in (None, second.id):
                    continue
                if not second.available(*slot) or net.region not in second.regions:
                    continue
                if (
                    second.institution
                    and net.institution
                    and second.institution != (net.institution)
                ):
                    continue
                out.append((slot, so.id, second.id))
    return out


class LosPlan(NamedTuple):
    network_of: dict[str, str]
    slot_of: dict[str, tuple[str, str]]
    so_of: dict[str, str]
    second_of: dict[str, str]


def _feasible_plans(inst: Instance) -> list[LosPlan]:
    options = _learner_options(inst)
    ids = sorted(options)
    plans = []
    for combo in itertools.product(*(options[i] for i in ids)):
        network_of = dict(zip(ids, combo, strict=True))
        members = {
            n.id: [who for who, m in network_of.items() if m == n.id] for n in inst.los.networks
        }
        if any(
            not n.size_bounds(inst.los.settings)[0]
            <= len(members[n.id])
            <= n.size_bounds(inst.los.settings)[1]
            for n in inst.los.networks
        ):
            continue
        per_net = [_network_options(inst, n.id, members[n.id]) for n in inst.los.networks]
        for choice in itertools.product(*per_net):
            nets = [n.id for n in inst.los.networks]
            slot_of = {n: c[0] for n, c in zip(nets, choice, strict=True)}
            so_of = {n: c[1] for n, c in zip(nets, choice, strict=True)}
            second_of = {n: c[2] for n, c in zip(nets, choice, strict=True)}
            if not los_violations(inst, network_of, slot_of, so_of, second_of):
                plans.append(LosPlan(network_of, slot_of, so_of, second_of))
    return plans


def _travel(inst: Instance, network_of: dict[str, str]) -> int:
    idx = inst.index
    total = 0
    for lr in inst.learners:
        location = idx.network_of(network_of[lr.id]).location
        total += idx.travel_minutes(idx.school[lr.home_school], idx.school[location])
    return total


def test_los_has_exactly_the_two_plans_worked_out_by_hand() -> None:
    inst = build_tiny()
    plans = _feasible_plans(inst)
    # Two feasible plans: L09 in N1 (the optimum) or L09 in N2; everything else forced.
    assert len(plans) == 2
    expected = EXPECTED["networks"]
    assert isinstance(expected, dict)
    best = next(p for p in plans if p.network_of["L09"] == "N1")
    other = next(p for p in plans if p.network_of["L09"] == "N2")
    for net_id, want in expected.items():
        members = sorted(who for who, n in best.network_of.items() if n == net_id)
        assert members == want["learners"]
        assert best.slot_of[net_id] == want["slot"]
        assert [best.so_of[net_id], best.second_of[net_id]] == want["facilitators"]
    # the alternative differs only in L09; it costs 16 more travel minutes, L09's
    # preference and L09's own-school network, with the same sizes (4,3,3 vs 3,4,3)
    diff = {k for k in best.network_of if best.network_of[k] != other.network_of[k]}
    assert diff == {"L09"}
    assert _travel(inst, best.network_of) == EXPECTED["los_travel_minutes"]
    assert _travel(inst, other.network_of) == EXPECTED["los_travel_minutes_alternative"]


def test_bv_optimum_is_the_two_towns() -> None:
    inst = build_tiny()
    idx = inst.index
    eligible = [inst.schools[i].id for i in bv_eligible(inst)]
    assert PO_SUPPORTED not in eligible
    po = sorted(s for s in eligible if idx.school_of(s).sector == "po")
    assert po == sorted(PO_UTRECHT + PO_CULEMBORG)
    assert sorted(s for s in eligible if idx.school_of(s).sector == "go") == sorted(GO)

    def cost(group: tuple[str, ...]) -> int:
        return sum(
            idx.travel_minutes(idx.school[a], idx.school[b])
            for a, b in itertools.combinations(group, 2)
        )

    splits = []
    for first in itertools.combinations(po, 4):
        if po[0] not in first:
            continue  # each split once
        second = tuple(s for s in po if s not in first)
        splits.append((cost(first) + cost(second), sorted([sorted(first), sorted(second)])))
    splits.sort()
    assert splits[0][1] == sorted(EXPECTED["clusters"])  # type: ignore[arg-type]
    assert splits[0][0] < splits[1][0]  # unique optimum


def test_tiny_diagnostics_name_only_the_go_group() -> None:
    warnings = diagnose(build_tiny())
    assert [w.rule for w in warnings] == ["B8"]
    assert all(g in warnings[0].message for g in GO)
