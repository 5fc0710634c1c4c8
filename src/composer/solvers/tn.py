"""The TN stage: compose the thematic networks (T3, T6, T7, pins) with CP-SAT.

Who may join what is decided first in plain Python (:func:`composer.tn_rules.candidates`:
pins, the network's region, networks that can never be held, T3 leaders), so a pair that
no plan could use never becomes a variable. The model then decides, for every remaining
(participant, network) pair, whether the participant joins, under

- **T3 members** (:func:`_add_t3_members`): at most ``tn.members_per_school`` of a school per
  network; a non-leader only with a leader of their school; with ``tn.school_together`` a
  school's participants in one network;
- **T6 composition** (:func:`_add_t6_composition`): a homogeneous network holds one value of
  its attribute; a diverse network of two or more members holds at least two values, and the
  values it repeats cost ``tn.weights.diversity`` each;
- **T7 size** (:func:`_add_t7_size`): a held network has ``ceil(min / (1 - absence))`` to
  ``max`` members, or none at all (not held, ``tn.weights.closed_network``);
- **pins** (:func:`_add_placement`): a participant is in at most one network, a pinned one in
  their network (where the static rules allow it; otherwise they are left unplaced with the
  rule that forbids it).

The objective is :mod:`composer.objective.tn`'s (themes, diversity, networks not held,
unplaced participants), built from the same functions the checker uses. Parts that share
no candidate pair (typically the networks of different regions) are independent
(:func:`components`) and solved one after the other, each from a greedy start
(:func:`greedy_start`, a CP-SAT hint). When the pins of a part cannot all hold its model is
infeasible; the stage then solves it once more with the pins as soft wishes and names the
pins it had to break.

Re-planning (``composer whatif``, :func:`run_stage` with ``keep``): a participant who may
stay in their network of the plan re-planned is moved only when no plan keeps them
(``stay[p]``, a penalty that outweighs every other term, as for LOS learners). The stage's
objective is still the objective module's; it then reports no bound (a re-plan keeps what
still holds rather than proving an optimum).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from composer import clock
from composer.model.plan import Plan, PlannedTnNetwork, StageResult, Status, Unplaced
from composer.objective.tn import theme_cost, tn_objective_parts
from composer.pipeline import relative_gap
from composer.solvers.cpsat import run_cpsat
from composer.tn_rules import (
    TnCandidates,
    attribute_value,
    candidates,
    is_leader,
    pin_possible,
    size_bounds,
    tn_findings,
)

if TYPE_CHECKING:
    from composer.model.instance import Instance
    from composer.params import SolveParams
    from composer.pipeline import Progress

STAGE = "tn"


@dataclass
class TnModel:
    """The CP-SAT model of one TN composition, with its named variables.

    ``x[p, n]``: participant ``p`` joins network ``n`` (only for candidate pairs);
    ``unplaced[p]``; ``held[n]``: network ``n`` has members; ``size[n]``: its members;
    ``school_in[s, n]``: school ``s`` is in network ``n`` (T3, ``school_together``);
    ``one_value[n, v]``: homogeneous network ``n`` holds value ``v``; ``has_value[n, v]``:
    diverse network ``n`` holds value ``v``; ``pin_broken[p]``: only with soft pins.
    """

    instance: Instance
    cand: TnCandidates
    parts: list[int]
    """the participants of this model (positions): a component of the candidate graph"""
    nets: list[int]
    """the networks of this model (positions)"""
    soft_pins: bool = False
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    unplaced: dict[int, cp_model.IntVar] = field(default_factory=dict)
    held: dict[int, cp_model.IntVar] = field(default_factory=dict)
    size: dict[int, cp_model.IntVar] = field(default_factory=dict)
    school_in: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    one_value: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    has_value: dict[tuple[int, str], cp_model.IntVar] = field(default_factory=dict)
    pin_broken: dict[int, cp_model.IntVar] = field(default_factory=dict)
    by_net: dict[int, list[int]] = field(default_factory=dict)
    keep: dict[int, int] = field(default_factory=dict)
    """participant -> their network in the plan re-planned (positions), when they may stay"""

    def members(self, n: int) -> list[int]:
        """Participants that may join network ``n``."""
        return self.by_net.get(n, [])

    def schools(self) -> dict[str, list[int]]:
        """This model's participants per school."""
        mine = set(self.parts)
        out = {s: [p for p in ps if p in mine] for s, ps in self.cand.schools.items()}
        return {s: ps for s, ps in out.items() if ps}


def _add_variables(m: TnModel) -> None:
    tn = m.instance.tn
    for p in m.parts:
        pid = tn.participants[p].id
        for n in m.cand.networks_of[p]:
            m.x[p, n] = m.model.new_bool_var(f"x[p={pid},n={tn.networks[n].id}]")
            m.by_net.setdefault(n, []).append(p)
        m.unplaced[p] = m.model.new_bool_var(f"unplaced[p={pid}]")
    for n in m.nets:
        net = tn.networks[n]
        m.held[n] = m.model.new_bool_var(f"held[n={net.id}]")
        m.size[n] = m.model.new_int_var(0, net.max_size, f"size[n={net.id}]")


def _add_placement(m: TnModel) -> None:
    """Every participant is in one network or unplaced; a pin that may hold holds."""
    tn = m.instance.tn
    idx = m.instance.index
    for p in m.parts:
        m.model.add_exactly_one([m.unplaced[p], *(m.x[p, n] for n in m.cand.networks_of[p])])
        if not pin_possible(m.instance, m.cand, p):
            continue
        pin = idx.tn_network[tn.participants[p].network or ""]
        if m.soft_pins:
            broken = m.model.new_bool_var(f"pin_broken[p={tn.participants[p].id}]")
            m.model.add(m.x[p, pin] == 1).only_enforce_if(~broken)
            m.pin_broken[p] = broken
        else:
            m.model.add(m.x[p, pin] == 1)


def _add_t3_members(m: TnModel) -> None:
    """T3: a leader plus at most one other per school and network; schools stay together."""
    tn = m.instance.tn
    for school_id, members in m.schools().items():
        nets = sorted({n for p in members for n in m.cand.networks_of[p]})
        for n in nets:
            here = [p for p in members if (p, n) in m.x]
            if len(here) > tn.members_per_school:
                m.model.add(sum(m.x[p, n] for p in here) <= tn.members_per_school)
            leaders = [p for p in here if is_leader(m.instance, tn.participants[p])]
            for q in here:
                if q not in leaders:
                    # a non-leader joins only together with a leader of their school
                    m.model.add(m.x[q, n] <= sum(m.x[p, n] for p in leaders))
        if tn.school_together and len(members) > 1 and len(nets) > 1:
            for n in nets:
                m.school_in[school_id, n] = m.model.new_bool_var(
                    f"school_in[s={school_id},n={tn.networks[n].id}]"
                )
                for p in members:
                    if (p, n) in m.x:
                        m.model.add_implication(m.x[p, n], m.school_in[school_id, n])
            m.model.add_at_most_one(m.school_in[school_id, n] for n in nets)


def _add_t6_composition(m: TnModel) -> None:
    """T6: homogeneous networks hold one value; diverse ones at least two from two members."""
    inst = m.instance
    tn = inst.tn
    for n in m.nets:
        net = tn.networks[n]
        by_value: dict[str, list[int]] = defaultdict(list)
        for p in m.members(n):
            by_value[attribute_value(inst, tn.participants[p], net.composition_attribute)].append(p)
        if net.composition == "homogeneous":
            if len(by_value) <= 1:
                continue
            for value, ps in sorted(by_value.items()):
                var = m.model.new_bool_var(f"one_value[n={net.id},v={value}]")
                m.one_value[n, value] = var
                for p in ps:
                    m.model.add_implication(m.x[p, n], var)
            m.model.add_at_most_one(m.one_value[n, v] for v in sorted(by_value))
        else:
            for value, ps in sorted(by_value.items()):
                var = m.model.new_bool_var(f"has_value[n={net.id},v={value}]")
                m.has_value[n, value] = var
                m.model.add_max_equality(var, [m.x[p, n] for p in ps])
            distinct = sum(m.has_value[n, v] for v in by_value)
            two = m.model.new_bool_var(f"two_or_more[n={net.id}]")
            m.model.add(m.size[n] >= 2).only_enforce_if(two)
            m.model.add(m.size[n] <= 1).only_enforce_if(~two)
            m.model.add(distinct >= 2).only_enforce_if(two)


def _add_t7_size(m: TnModel) -> None:
    """T7: a held network has min-with-absence..max members; one not held has none."""
    tn = m.instance.tn
    for n in m.nets:
        net = tn.networks[n]
        low, high = size_bounds(net)
        m.model.add(m.size[n] == sum(m.x[p, n] for p in m.members(n)))
        if low > high:
            m.model.add(m.held[n] == 0)
        m.model.add(m.size[n] >= max(1, low)).only_enforce_if(m.held[n])
        m.model.add(m.size[n] <= high).only_enforce_if(m.held[n])
        m.model.add(m.size[n] == 0).only_enforce_if(~m.held[n])


def _add_redundant(m: TnModel) -> None:
    tn = m.instance.tn
    # redundant: every participant is counted once, in a network or as unplaced
    m.model.add(sum(m.size.values()) + sum(m.unplaced.values()) == len(m.parts))
    if tn.school_together:
        for members in m.schools().values():
            placed = [m.x[p, n] for p in members for n in m.cand.networks_of[p]]
            if len(members) > tn.members_per_school and placed:
                # redundant: a school sits in one network, so it places at most
                # members_per_school people in all
                m.model.add(sum(placed) <= tn.members_per_school)


def _set_objective(m: TnModel) -> None:
    """The objective of :mod:`composer.objective.tn`, term by term."""
    inst = m.instance
    tn = inst.tn
    w = tn.weights
    theme = sum(
        theme_cost(w, tn.participants[p], tn.networks[n]) * var for (p, n), var in m.x.items()
    )
    diversity = sum(
        w.diversity * (m.size[n] - sum(v for (k, _), v in m.has_value.items() if k == n))
        for n in m.nets
        if tn.networks[n].composition == "diverse"
    )
    closed = sum(w.closed_network * (1 - held) for held in m.held.values())
    unplaced = sum(w.unplaced * u for u in m.unplaced.values())
    objective = theme + diversity + closed + unplaced
    # a broken pin, or a move of someone who may stay (a re-plan), outweighs everything
    # else together
    big = 1 + w.unplaced * len(m.parts) + w.closed_network * len(m.nets)
    big += (w.unwanted_theme + w.theme_rank * 10 + w.diversity) * len(m.parts)
    if m.soft_pins:
        objective += big * sum(m.pin_broken.values())
    stays = [m.x[p, n] for p, n in sorted(m.keep.items()) if (p, n) in m.x]
    if stays:
        objective += big * (len(stays) - sum(stays))
    m.model.minimize(objective)


def build_model(
    instance: Instance,
    cand: TnCandidates,
    component: tuple[list[int], list[int]] | None = None,
    soft_pins: bool = False,
    keep: dict[int, int] | None = None,
) -> TnModel:
    """The CP-SAT model of the TN composition, one function per rule family, for the
    ``component`` (participants, networks) or, by default, the whole instance; ``keep``:
    participant -> network of the plan re-planned (positions), moved only when needed."""
    tn = instance.tn
    parts, nets = component or (list(range(len(tn.participants))), list(range(len(tn.networks))))
    m = TnModel(instance, cand, parts, nets, soft_pins, keep=dict(keep or {}))
    _add_variables(m)
    _add_placement(m)
    _add_t3_members(m)
    _add_t6_composition(m)
    _add_t7_size(m)
    _add_redundant(m)
    _set_objective(m)
    start = greedy_start(m)
    start.update({p: n for p, n in m.keep.items() if (p, n) in m.x})
    _add_hint(m, start)
    return m


# --------------------------------------------------------------------------- start


def greedy_start(m: TnModel) -> dict[int, int]:
    """A quick composition to start the search from (a CP-SAT hint; it need not be
    feasible): school by school, fewest options first, each school's delegation (its
    leaders first, at most ``members_per_school``) goes whole to the network where it adds
    the least theme and diversity cost, has room and keeps a homogeneous network to one
    value; a pinned school goes to its pin. Returns participant -> network."""
    inst = m.instance
    tn = inst.tn
    w = tn.weights
    size: dict[int, int] = defaultdict(int)
    seen: dict[int, set[str]] = defaultdict(set)
    assign: dict[int, int] = {}
    value = {
        (p, n): attribute_value(inst, tn.participants[p], tn.networks[n].composition_attribute)
        for (p, n) in m.x
    }
    schools = m.schools()

    def options(members: list[int]) -> set[int]:
        sets = [set(m.cand.networks_of[p]) for p in members]
        return set.intersection(*sets) if sets else set()

    order = sorted(schools, key=lambda sid: (len(options(schools[sid][:1])), sid))
    for sid in order:
        people = sorted(schools[sid], key=lambda p: (not is_leader(inst, tn.participants[p]), p))
        delegation = people[: tn.members_per_school]
        if not delegation or not is_leader(inst, tn.participants[delegation[0]]):
            continue
        best: tuple[int, int, list[int]] | None = None
        for team in (delegation, delegation[:1]):
            for n in sorted(options(team)):
                net = tn.networks[n]
                pins = {tn.participants[p].network for p in team} - {None}
                if pins and pins != {net.id}:
                    continue
                if size[n] + len(team) > net.max_size:
                    continue
                vals = [value[p, n] for p in team]
                if net.composition == "homogeneous" and len(set(vals) | seen[n]) > 1:
                    continue
                cost = sum(theme_cost(w, tn.participants[p], net) for p in team)
                if net.composition == "diverse":
                    cost += w.diversity * (len(vals) - len(set(vals) - seen[n]))
                cost += w.unplaced * (len(delegation) - len(team))
                if best is None or (cost, n) < best[:2]:
                    best = (cost, n, team)
        if best is not None:
            _, n, team = best
            for p in team:
                assign[p] = n
                seen[n].add(value[p, n])
            size[n] += len(team)
    return assign


def _add_hint(m: TnModel, assign: dict[int, int]) -> None:
    """Hint the search with ``assign`` (participant -> network)."""
    for (p, n), var in m.x.items():
        m.model.add_hint(var, assign.get(p) == n)
    for p, var in m.unplaced.items():
        m.model.add_hint(var, p not in assign)


# --------------------------------------------------------------------------- reading back


def _groups(m: TnModel, solver: cp_model.CpSolver) -> list[PlannedTnNetwork]:
    tn = m.instance.tn
    groups = []
    for n in m.nets:
        net = tn.networks[n]
        members = sorted(p for p in m.members(n) if solver.value(m.x[p, n]))
        if members:
            groups.append(
                PlannedTnNetwork(
                    id=net.id,
                    participants=tuple(tn.participants[p].id for p in members),
                    facilitator=net.facilitator,
                )
            )
    return groups


def why_unplaced(
    instance: Instance, cand: TnCandidates, p: int, groups: list[PlannedTnNetwork]
) -> tuple[str, str]:
    """(rule, reason) for a participant the plan leaves out, as specific as the plan allows."""
    tn = instance.tn
    part = tn.participants[p]
    nets = cand.networks_of[p]
    if not nets:
        why = cand.why_none(p)
        return why.rule, f"no network may take them: {why.reason}"
    by_id = {g.id: g for g in groups}
    mates = {tn.participants[q].id for q in cand.schools.get(part.school, []) if q != p}
    school_net = next((g.id for g in groups if mates & set(g.participants)), None)
    reasons: list[tuple[str, str]] = []
    for n in nets:
        net = tn.networks[n]
        low, high = size_bounds(net)
        group = by_id.get(net.id)
        if group is None:
            reasons.append(("T7", f"{net.id} is not held (it needs at least {low} members)"))
            continue
        present = [tn.participants[instance.index.tn_participant[q]] for q in group.participants]
        same_school = [q for q in present if q.school == part.school]
        if len(group.participants) >= high:
            reasons.append(("T7", f"{net.id} is full ({high})"))
        elif tn.school_together and school_net is not None and school_net != net.id:
            reasons.append(("T3", f"their school {part.school} is in {school_net}"))
        elif len(same_school) >= tn.members_per_school:
            reasons.append(
                ("T3", f"{net.id} already holds {len(same_school)} of school {part.school}")
            )
        elif not is_leader(instance, part) and not any(is_leader(instance, q) for q in same_school):
            reasons.append(("T3", f"no leader of school {part.school} is in {net.id}"))
        elif net.composition == "homogeneous" and present:
            value = attribute_value(instance, part, net.composition_attribute)
            held = attribute_value(instance, present[0], net.composition_attribute)
            if value != held:
                reasons.append(
                    (
                        "T6",
                        f"{net.id} is homogeneous on {net.composition_attribute} ({held}); "
                        f"theirs is {value}",
                    )
                )
            else:
                reasons.append(("T3", f"joining {net.id} would break T3/T6 for others"))
        else:
            reasons.append(("T3", f"joining {net.id} costs more than leaving them out"))
    rule = reasons[0][0]
    return rule, "no seat under the rules: " + "; ".join(r for _, r in reasons)


def _unplaced_rows(
    instance: Instance,
    cand: TnCandidates,
    groups: list[PlannedTnNetwork],
    failed: dict[tuple[str, int], str],
) -> list[Unplaced]:
    """Every participant in no network and every network not held, with rule and reason;
    ``failed`` holds the reason for those of parts the solver found no plan for."""
    tn = instance.tn
    placed = {pid for g in groups for pid in g.participants}
    rows = []
    for p, part in enumerate(tn.participants):
        if part.id in placed:
            continue
        if ("p", p) in failed:
            rows.append(Unplaced(id=part.id, what="participant", reason=failed["p", p], rule="P1"))
            continue
        rule, reason = why_unplaced(instance, cand, p, groups)
        rows.append(Unplaced(id=part.id, what="participant", reason=reason, rule=rule))
    held = {g.id for g in groups}
    for n, net in enumerate(tn.networks):
        if net.id in held:
            continue
        if ("n", n) in failed:
            rows.append(Unplaced(id=net.id, what="network", reason=failed["n", n], rule="P1"))
            continue
        low, high = size_bounds(net)
        able = sum(1 for nets in cand.networks_of.values() if n in nets)
        reason = (
            f"not held: it needs {low}..{high} members (min_size {net.min_size} with "
            f"{net.expected_absence:g} expected absence, T7); {able} participant(s) may join it"
        )
        rows.append(Unplaced(id=net.id, what="network", reason=reason, rule="T7"))
    return rows


# --------------------------------------------------------------------------- the stage


def components(instance: Instance, cand: TnCandidates) -> list[tuple[list[int], list[int]]]:
    """Independent parts of the composition: the connected components of the graph of
    candidate pairs (participants of one school joined, T3). Participants and networks
    without any candidate pair share one last part. Largest first."""
    import networkx as nx

    tn = instance.tn
    graph = nx.Graph()
    graph.add_nodes_from(("p", p) for p in range(len(tn.participants)))
    graph.add_nodes_from(("n", n) for n in range(len(tn.networks)))
    for p, nets in cand.networks_of.items():
        graph.add_edges_from((("p", p), ("n", n)) for n in nets)
    for members in cand.schools.values():
        graph.add_edges_from((("p", a), ("p", b)) for a, b in itertools.pairwise(members))
    linked: list[tuple[list[int], list[int]]] = []
    loose: tuple[list[int], list[int]] = ([], [])
    for nodes in nx.connected_components(graph):
        parts = sorted(i for kind, i in nodes if kind == "p")
        nets = sorted(i for kind, i in nodes if kind == "n")
        if any(cand.networks_of[p] for p in parts):
            linked.append((parts, nets))
        else:
            loose[0].extend(parts)
            loose[1].extend(nets)
    linked.sort(key=lambda c: (-sum(len(cand.networks_of[p]) for p in c[0]), c[1]))
    if loose[0] or loose[1]:
        linked.append((sorted(loose[0]), sorted(loose[1])))
    return linked


def _broken_pins(
    instance: Instance,
    cand: TnCandidates,
    component: tuple[list[int], list[int]],
    time_limit: float,
    params: SolveParams,
) -> list[str]:
    """The pins a plan has to break (solved with the pins as soft wishes)."""
    m = build_model(instance, cand, component, soft_pins=True)
    run = run_cpsat(
        m.model, time_limit=time_limit, workers=params.workers, seed=params.seed, stop=params.stop
    )
    if not run.has_solution:
        return []
    tn = instance.tn
    return [
        f"{tn.participants[p].id} (pinned to {tn.participants[p].network})"
        for p, var in sorted(m.pin_broken.items())
        if run.solver.value(var)
    ]


def _margin(time_limit: float) -> float:
    """Seconds of the stage's time limit kept back from the solver (0.5 s + 3 %, at most 3 s)."""
    return min(3.0, 0.5 + 0.03 * time_limit)


def _label(instance: Instance, component: tuple[list[int], list[int]]) -> str:
    nets = [instance.tn.networks[n].id for n in component[1]]
    shown = ", ".join(nets[:4]) + (" ..." if len(nets) > 4 else "")
    return f"networks {shown}" if nets else "participants without a network"


def run_stage(
    instance: Instance,
    plan: Plan,
    params: SolveParams,
    progress: Progress,
    keep: dict[str, str] | None = None,
) -> Plan:
    """Compose the TN networks of ``instance`` into ``plan`` (``tn_networks``, ``unplaced``
    and the stage result).

    Independent parts (:func:`components`, e.g. the networks of different regions) are
    solved one after the other, each with a share of the time left in proportion to its
    candidate pairs; the stage never runs past ``params.time_limit``. ``keep`` (a
    re-plan): participant id -> their network in the plan re-planned; they stay where the
    rules allow, and the stage reports no bound.
    """
    t0 = clock.now()
    tn = instance.tn
    if not tn.participants or not tn.networks:
        note = "no TN participants" if not tn.participants else "no TN networks"
        result = StageResult(status="not_planned", notes=(note,))
        return plan.model_copy(update={"stages": {**plan.stages, STAGE: result}})
    notes = [f"[{i.rule}] {i.message}" for i in tn_findings(instance)]
    cand = candidates(instance)
    parts_list = components(instance, cand)
    progress(
        STAGE,
        f"composing {len(tn.participants)} participants into {len(tn.networks)} networks "
        f"({len(parts_list)} independent part(s))",
    )
    idx = instance.index
    stay = {
        idx.tn_participant[pid]: idx.tn_network[nid]
        for pid, nid in (keep or {}).items()
        if pid in idx.tn_participant and nid in idx.tn_network
    }
    weight = [1 + sum(len(cand.networks_of[p]) for p in c[0]) for c in parts_list]
    groups: list[PlannedTnNetwork] = []
    statuses: list[Status] = []
    bound_total: float | None = 0.0
    model_total = 0.0
    failed: dict[tuple[str, int], str] = {}
    for k, component in enumerate(parts_list):
        # keep a margin for building models and reading results (a loaded machine)
        left = params.time_limit - (clock.now() - t0) - _margin(params.time_limit)
        limit = max(0.1, left * weight[k] / sum(weight[k:]))
        m = build_model(instance, cand, component, keep=stay)

        def report(objective: float, bound: float, _elapsed: float) -> None:
            progress(STAGE, "improved", objective, bound)

        run = run_cpsat(
            m.model,
            time_limit=limit,
            workers=params.workers,
            seed=params.seed,
            stop=params.stop,
            progress=report if len(parts_list) == 1 else None,
        )
        statuses.append(run.status)
        if not run.has_solution:
            bound_total = None
            why = (
                f"the pins of {_label(instance, component)} cannot all hold (see the notes)"
                if run.status == "infeasible"
                else f"no composition of {_label(instance, component)} found in time"
            )
            failed.update({("p", p): why for p in component[0]})
            failed.update({("n", n): why for n in component[1]})
            if run.status == "infeasible":
                rest = max(0.1, min(limit, params.time_limit - (clock.now() - t0) - 0.5))
                broken = _broken_pins(instance, cand, component, rest, params)
                notes.append(
                    f"[P1] {_label(instance, component)}: the pins cannot all hold together "
                    "with T3, T6 and T7"
                    + (f"; a plan must move {', '.join(broken)}" if broken else "")
                    + "; change or remove these pins"
                )
            else:
                notes.append(
                    f"{_label(instance, component)}: no composition found within "
                    f"{limit:.1f}s; raise --time-limit"
                )
            continue
        groups.extend(_groups(m, run.solver))
        model_total += run.objective or 0.0
        if bound_total is not None and run.bound is not None:
            # the objective is whole, so the bound rounds up to the next whole number
            bound_total += float(math.ceil(run.bound - 1e-6))
        if run.status != "optimal" and len(parts_list) > 1:
            notes.append(
                f"{_label(instance, component)}: {run.status}, objective {run.objective:g}, "
                f"bound {run.bound:g}"
            )
    order = {net.id: n for n, net in enumerate(tn.networks)}
    groups.sort(key=lambda g: order[g.id])
    unplaced = _unplaced_rows(instance, cand, groups, failed)
    if "infeasible" in statuses or "unknown" in statuses:
        status: Status = "infeasible" if "infeasible" in statuses else "unknown"
        result = StageResult(status=status, notes=tuple(notes))
        progress(STAGE, status)
        return plan.model_copy(
            update={
                "tn_networks": (*plan.tn_networks, *groups),
                "unplaced": (*plan.unplaced, *unplaced),
                "stages": {**plan.stages, STAGE: result},
            }
        )
    parts = tn_objective_parts(instance, groups)
    total = sum(parts.values())
    if abs(total - model_total) > 1e-6 and not stay:  # stay penalties are not objective
        notes.append(f"internal: model objective {model_total:g} differs from {total:g}")
    bound = None if stay else bound_total
    status = "optimal" if bound is not None and bound >= total - 1e-6 else "feasible"
    gap = relative_gap(total, bound)
    if gap:
        notes.append(f"gap {gap:.2%} ({status})")
    result = StageResult(
        status=status, objective=total, bound=bound, gap=gap, parts=parts, notes=tuple(notes)
    )
    progress(STAGE, "done", result.objective, result.bound)
    return plan.model_copy(
        update={
            "tn_networks": (*plan.tn_networks, *groups),
            "unplaced": (*plan.unplaced, *unplaced),
            "stages": {**plan.stages, STAGE: result},
        }
    )
