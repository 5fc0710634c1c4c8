"""Re-plan LOS networks with the least disruption to a baseline plan (issue 7).

Given a changed instance and a baseline plan, :func:`validity` decides which baseline
networks are *still valid*: the network exists, its slot and facilitators are still
allowed, and the members who still may join it and are free at its slot number within
its size bounds (L1) with its students (L2). Their learners should not move.

:func:`replan_los` then solves, per region group, the LOS CP-SAT model of
:mod:`composer.solvers.los_model` with its objective extended by move penalties,
lexicographically: moving a learner of a still-valid network, or changing a still-valid
network's slot or facilitators, costs more than any plan's objective
(``RegionData.big``), so it happens only when no plan exists otherwise; moving an
affected learner or re-slotting an affected network costs :data:`AFFECTED_MOVE`; then the
ordinary LOS objective. CP-SAT is hinted with the baseline. The plan's objective is the
ordinary LOS objective, recomputed from the plan (the penalties are reported in the diff,
not in the objective); its bound is left open (the solver proves the penalised optimum).

Shrinkage (not ``strict``): a network that falls below its minimum only because members
left keeps running with the members it has; its ``min_size`` in the re-planned instance is
lowered to that number (reported per network, rule L1). ``strict`` keeps L1 as it is, so
others must move in (as few as possible).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from composer import clock, los_rules
from composer.model.instance import STUDENT_KINDS, Instance
from composer.model.plan import Plan, StageResult
from composer.params import SolveParams
from composer.solvers.cpsat import run_cpsat
from composer.solvers.los import (
    RegionResult,
    _assemble,
    _fill,
    _full_model_parameters,
    _read_solution,
    region_groups,
    sub_instance,
)
from composer.solvers.los_model import LosModel, prepare_region
from composer.solvers.los_search import Start

AFFECTED_MOVE = 100
"""Penalty per move of a learner whose baseline network is no longer valid for them (and
per slot or facilitator change of a network that is no longer valid)."""


@dataclass
class Validity:
    """Which parts of the baseline still hold under the changed instance."""

    valid_networks: set[str] = field(default_factory=set)
    stays: dict[str, str] = field(default_factory=dict)
    """Learner -> baseline network that is still valid (they should not move)."""
    baseline_of: dict[str, str] = field(default_factory=dict)
    """Learner (still in the instance) -> their baseline network (if it still exists)."""
    reasons: dict[str, str] = field(default_factory=dict)
    """Network -> why it is no longer valid."""
    shrunk: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Network -> (members left, its minimum) for networks below their minimum."""


def validity(instance: Instance, baseline: Plan, strict: bool = False) -> Validity:
    """Which baseline networks and memberships are still valid in ``instance``."""
    idx = instance.index
    out = Validity()
    for pn in baseline.networks:
        n = idx.network.get(pn.id)
        if n is None:
            out.reasons[pn.id] = "the network was removed"
            continue
        net = instance.los.networks[n]
        stayers: list[str] = []
        for lid in pn.learners:
            if lid in idx.learner:
                out.baseline_of[lid] = pn.id
        why = ""
        slot = (pn.slot.weekday, pn.slot.block) if pn.slot else None
        if slot is None or slot not in los_rules.planning_slots(instance):
            why = "its slot is no longer a planning slot"
        elif (refusal := los_rules.slot_refusal(instance, net, slot)) is not None:
            why = f"its slot is no longer allowed: {refusal.reason}"
        else:
            for pos, fid in zip(("so", "second"), pn.facilitators, strict=False):
                fac = idx.facilitator.get(fid)
                if fac is None:
                    why = f"facilitator {fid} was removed"
                    break
                f = instance.facilitators[fac]
                refusal = los_rules.facilitator_refusal(net, f, pos)  # type: ignore[arg-type]
                if refusal is not None or not f.available(*slot):
                    why = f"{fid} can no longer lead it at {los_rules.slot_label(slot)}"
                    break
        if not why and slot is not None:
            for lid in pn.learners:
                if lid not in idx.learner:
                    continue
                learner = instance.learners[idx.learner[lid]]
                if los_rules.join_refusal(instance, learner, net) is None and (
                    los_rules.learner_free(learner, slot)
                ):
                    stayers.append(lid)
            low, high = los_rules.size_bounds(instance, net)
            students = sum(
                1 for lid in stayers if instance.learners[idx.learner[lid]].kind in STUDENT_KINDS
            )
            if len(stayers) > high:
                why = f"{len(stayers)} members exceed its maximum {high}"
            elif students < los_rules.min_students(net):
                why = f"it has {students} student(s) left; it needs {los_rules.min_students(net)}"
            elif len(stayers) < low:
                out.shrunk[pn.id] = (len(stayers), low)
                if strict:
                    why = f"{len(stayers)} members left, below its minimum {low}"
        if why:
            out.reasons[pn.id] = why
            continue
        out.valid_networks.add(pn.id)
        for lid in stayers:
            out.stays[lid] = pn.id
    return out


def shrink_minimums(instance: Instance, valid: Validity) -> Instance:
    """The instance with the minimum of every shrunk, still-valid network lowered to the
    members it has left (at least 1)."""
    lowered = {
        nid: max(1, left) for nid, (left, _) in valid.shrunk.items() if nid in valid.valid_networks
    }
    return with_min_sizes(instance, "los", lowered)


def with_min_sizes(instance: Instance, programme: str, lowered: dict[str, int]) -> Instance:
    """The instance with the ``min_size`` of the networks of ``programme`` (``los`` or
    ``tn``) in ``lowered`` set to the value given (network id -> minimum): a re-plan lets
    a network that lost members keep running with those who stay."""
    if not lowered:
        return instance
    data = instance.model_dump(mode="json")
    for row in data[programme]["networks"]:
        if row["id"] in lowered:
            row["min_size"] = lowered[row["id"]]
    return Instance.model_validate(data)


def _region_replan(
    sub: Instance, baseline: Plan, valid: Validity, time_limit: float, workers: int, seed: int
) -> tuple[RegionResult, dict[str, Any]]:
    data = prepare_region(sub)
    key = "+".join(sorted({n.region for n in sub.los.networks}))
    result = RegionResult(key, tuple(sorted({n.region for n in sub.los.networks})), "unknown")
    result.learners, result.networks = len(sub.learners), len(sub.los.networks)
    info: dict[str, Any] = {"penalised_optimum_proven": False}
    if data.blocking:
        result.status = "infeasible"
        result.blocking = data.blocking
        return result, info
    built = LosModel(data)
    m, v = built.model, built.v
    idx = sub.index
    big = data.big
    base = {pn.id: pn for pn in baseline.networks}
    penalties: list[Any] = []
    constant = 0
    start = Start()
    for lid, nid in valid.baseline_of.items():
        lr = idx.learner.get(lid)
        n = idx.network.get(nid)
        if lr is None or n is None:
            continue
        weight = big if lid in valid.stays else AFFECTED_MOVE
        x = v.x.get((lr, n))
        if x is None:
            constant += weight  # they cannot stay
            continue
        penalties.append(weight * (1 - x))
        start.network_of[lr] = n
    slot_pos = {s: k for k, s in enumerate(data.slots)}
    for nid, pn in base.items():
        n = idx.network.get(nid)
        if n is None or pn.slot is None:
            continue
        weight = big if nid in valid.valid_networks else AFFECTED_MOVE
        s = slot_pos.get((pn.slot.weekday, pn.slot.block))
        y = v.y.get((n, s)) if s is not None else None
        if y is None:
            constant += weight
        else:
            penalties.append(weight * (1 - y))
            start.slot[n] = s  # type: ignore[assignment]
        for pos, fid in zip(("so", "second"), pn.facilitators, strict=False):
            f = idx.facilitator.get(fid)
            if f is None:
                continue
            start.leaders[(n, pos)] = f  # type: ignore[index]
            lead = v.lead.get((n, pos, f))  # type: ignore[arg-type]
            if lead is not None:
                penalties.append(weight * (1 - lead))
            elif data.fixed.get((n, pos)) not in (None, f):  # type: ignore[arg-type]
                constant += weight
    m.minimize(built.objective_expr + sum(penalties) + constant)
    built.add_hint(start)
    run = run_cpsat(
        m, time_limit=time_limit, workers=workers, seed=seed, extra=_full_model_parameters
    )
    if run.status == "infeasible":
        result.status = "infeasible"
        from composer.los_rules import Refusal

        result.blocking = [
            Refusal("L1", "no plan satisfies the rules after the change; run composer explain")
        ]
        return result, info
    if not run.has_solution:
        return result, info
    sol = _read_solution(data, built, run.solver)
    _fill(result, data, sol.network_of, sol.slot, sol.leaders)
    result.status = "feasible"
    info["penalised_optimum_proven"] = run.status == "optimal"
    info["penalised_objective"] = run.objective
    return result, info


def replan_los(
    instance: Instance, baseline: Plan, params: SolveParams, strict: bool = False
) -> tuple[Instance, Plan, Validity, list[str]]:
    """Re-plan the LOS networks of ``instance`` close to ``baseline``.

    Returns the instance actually planned (minimums lowered for shrunk networks unless
    ``strict``), the plan (LOS stage only), the validity analysis and notes.
    """
    valid = validity(instance, baseline, strict)
    planned = instance if strict else shrink_minimums(instance, valid)
    notes: list[str] = []
    for nid, (left, low) in sorted(valid.shrunk.items()):
        if nid in valid.valid_networks and not strict:
            notes.append(
                f"[L1] {nid} keeps running with {left} learner(s), below its minimum {low}, "
                "after the change (min_size lowered for this re-plan; --strict refills it)"
            )
    for nid, why in sorted(valid.reasons.items()):
        notes.append(f"{nid} is no longer valid: {why}; its learners may move")
    t0 = clock.now()
    plan = Plan(
        instance=planned.name, instance_hash=planned.content_hash(), parameters=params.record()
    )
    groups = region_groups(planned)
    results = []
    proven = True
    for k, regions in enumerate(groups):
        budget = max(0.5, params.time_limit - (clock.now() - t0)) / (len(groups) - k)
        res, info = _region_replan(
            sub_instance(planned, regions), baseline, valid, budget, params.workers, params.seed
        )
        proven = proven and bool(info.get("penalised_optimum_proven"))
        results.append(res)
    plan = _assemble(planned, plan, results)
    stage = plan.stages["los"]
    extra = (
        "minimal-perturbation re-plan: fewest moves proven"
        if proven
        else "minimal-perturbation re-plan: fewest moves not proven within the time limit"
    )
    stage = StageResult(
        # a region without a plan keeps its status: no re-plan is not a feasible one
        status=stage.status if stage.status in {"infeasible", "unknown"} else "feasible",
        objective=stage.objective,
        bound=None,
        gap=None,
        parts=stage.parts,
        notes=(*stage.notes, extra, *notes),
    )
    plan = plan.model_copy(update={"stages": {**plan.stages, "los": stage}})
    return planned, plan, valid, notes
