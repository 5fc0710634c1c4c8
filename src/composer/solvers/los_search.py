"""Search helpers for the LOS model: a constructed first plan, a Lagrangian lower bound,
and a large-neighbourhood search over groups of nearby networks.

Plain heuristics around :class:`~composer.solvers.los_model.LosModel`; every plan they
produce is evaluated with :mod:`composer.objective.los` and checked by the same model.
"""

from __future__ import annotations

import math
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from composer import clock, los_rules
from composer.los_rules import Position
from composer.model.instance import STUDENT_KINDS
from composer.objective.los import size_deviation
from composer.solvers.los_model import POSITIONS, RegionData, visit_deficit, visit_regions

# --------------------------------------------------------------------------- start


@dataclass
class Start:
    """A constructed plan: slot and leaders per network, network per placed learner."""

    slot: dict[int, int] = field(default_factory=dict)
    leaders: dict[tuple[int, Position], int] = field(default_factory=dict)
    network_of: dict[int, int] = field(default_factory=dict)
    complete: bool = False


def free_rows(d: RegionData) -> tuple[dict[int, int], np.ndarray]:
    """L4 as a matrix: the row of each learner, and ``free[row, slot]`` (slot positions
    of ``d.slots``), for vectorised look-ups instead of a set test per pair and slot."""
    row_of = {lr: i for i, lr in enumerate(d.learners)}
    free = np.zeros((len(d.learners), len(d.slots)), dtype=bool)
    for lr, i in row_of.items():
        free[i, list(d.free[lr])] = True
    return row_of, free


def greedy_start(
    d: RegionData,
    prefer: dict[int, dict[int, float]] | None = None,
    rng: random.Random | None = None,
) -> Start:
    """A first plan: slots and leaders greedily, then learners by min-cost flow.

    Networks with the fewest slot options go first; each takes the slot where most of its
    candidates are free and its facilitators (fixed, else the least-used candidate) can
    be there without a double booking or a travel clash (L5), within max_groups and the
    SO's learner budget (L6); with ``rng`` the order and the slot ranking are perturbed
    (restarts). Learners then go to networks by a min-cost flow with lower
    bounds that respects L1 sizes, L2 student minimums, L4 rosters at the chosen slots,
    SO capacities, and the pair costs and the even-size band of the objective (kind mix
    is left to the solver). Whatever this misses, CP-SAT repairs.
    """
    start = Start()
    inst = d.inst
    booked: dict[int, list[tuple[int, int]]] = defaultdict(list)  # f -> [(network, slot)]
    so_load: dict[int, int] = defaultdict(int)
    # what fixed positions still need, so an open position does not take it away first
    pending_groups: dict[int, int] = defaultdict(int)
    pending_load: dict[int, int] = defaultdict(int)
    for (n, pos), f in d.fixed.items():
        if f is not None:
            pending_groups[f] += 1
            if pos == "so":
                pending_load[f] += los_rules.size_bounds(inst, d.network(n))[0]

    def can_lead(f: int, n: int, pos: Position, s: int, low: int) -> bool:
        fac = inst.facilitators[f]
        if not d.available(f, s):
            return False
        fixed_here = d.fixed[(n, pos)] == f
        groups = len(booked[f]) + pending_groups[f] - (1 if fixed_here else 0)
        if fac.max_groups is not None and groups >= fac.max_groups:
            return False
        if pos == "so":
            cap = los_rules.so_capacity(inst, fac)
            load = so_load[f] + pending_load[f] - (low if fixed_here else 0)
            if cap is not None and load + low > cap:
                return False
        return all(d.fits(n, s, other, t) for other, t in booked[f])

    def room(f: int) -> float:
        """Learners an SO can still take (L6); unlimited for everyone else."""
        cap = los_rules.so_capacity(inst, inst.facilitators[f])
        return math.inf if cap is None else cap - so_load[f] - pending_load[f]

    # rosters as a learner x slot matrix, so a network's slot costs are a few array
    # operations (a national region: 160 networks x 2,800 candidates x 25 slots)
    row_of, free_matrix = free_rows(d)

    def slot_costs(n: int, band: int) -> dict[int, tuple[int, int]]:
        """Per slot of n, the cost of the ``band`` cheapest candidates free then (fewer
        candidates is worse): ``(-count, cost)``."""
        members = d.cand.learners_of[n]
        costs = np.array([d.pair_cost[(lr, n)] for lr in members], dtype=np.int64)
        rows = free_matrix[[row_of[lr] for lr in members]] if members else None
        out: dict[int, tuple[int, int]] = {}
        for s in d.slots_of[n]:
            if rows is None:
                out[s] = (0, 0)
                continue
            chosen = np.sort(costs[rows[:, s]])[:band]
            out[s] = (-len(chosen), int(chosen.sum()))
        return out

    # coverage: a learner needs one network whose slot they are free at
    covered: set[int] = set()
    open_count = {lr: len(d.cand.networks_of[lr]) for lr in d.learners}

    def lost(n: int, s: int) -> int:
        """Learners who would have no network left if n meets at s."""
        return sum(
            1
            for lr in d.cand.learners_of[n]
            if lr not in covered and open_count[lr] == 1 and s not in d.free[lr]
        )

    # L9: at most half of a region's networks at one slot (else the visit cycle cannot
    # close; see LosModel._add_l9_visitable); the construction avoids fuller slots
    region_of = {n: d.network(n).region for n in d.networks}
    half = {r: len(ns) // 2 for r, ns in visit_regions(d).items()}
    at_slot: dict[tuple[str, int], int] = defaultdict(int)

    def crowded(n: int, s: int) -> bool:
        r = region_of[n]
        return r in half and at_slot[(r, s)] >= half[r]

    noise = {n: rng.random() for n in d.networks} if rng is not None else {}
    order = sorted(
        d.networks,
        key=lambda n: (len(d.slots_of[n]), len(d.cand.learners_of[n]) * (1 + noise.get(n, 0))),
    )
    for n in order:
        net = d.network(n)
        low, _ = los_rules.size_bounds(inst, net)
        band = d.objective.band(net)[1]
        jitter = {s: 1 + 0.3 * rng.random() for s in d.slots_of[n]} if rng is not None else {}
        if prefer is not None and n in prefer:
            score = prefer[n]
            ranked = sorted(
                d.slots_of[n],
                key=lambda s: (
                    lost(n, s),
                    crowded(n, s),
                    score.get(s, math.inf) * jitter.get(s, 1),
                    s,
                ),
            )
        else:
            costs = slot_costs(n, band)
            ranked = sorted(
                d.slots_of[n],
                key=lambda s: (
                    lost(n, s),
                    crowded(n, s),
                    costs[s][0],
                    costs[s][1] * jitter.get(s, 1),
                    s,
                ),
            )
        for lr in d.cand.learners_of[n]:
            open_count[lr] -= 1
        for s in ranked:
            chosen: dict[Position, int] = {}
            for pos in POSITIONS:
                options = [f for f in d.leaders[(n, pos)] if can_lead(f, n, pos, s, low)]
                if not options:
                    break
                chosen[pos] = min(options, key=lambda f: (len(booked[f]), -room(f), f))
            if len(chosen) == 2:
                start.slot[n] = s
                at_slot[(region_of[n], s)] += 1
                for pos, f in chosen.items():
                    start.leaders[(n, pos)] = f
                    booked[f].append((n, s))
                    if d.fixed[(n, pos)] == f:
                        pending_groups[f] -= 1
                        if pos == "so":
                            pending_load[f] -= low
                so_load[chosen["so"]] += low
                covered.update(lr for lr in d.cand.learners_of[n] if s in d.free[lr])
                break
    if len(start.slot) < len(d.networks):
        return start
    placed = flow_assignment(d, start)
    if placed is None:
        return start
    start.network_of = placed
    start.complete = all(lr in placed or d.may_unplace[lr] for lr in d.learners)
    return start


def flow_assignment(d: RegionData, start: Start) -> dict[int, int] | None:
    """Learners to networks at the chosen slots by a min-cost flow with lower bounds.

    Nodes: learners (supply 1), per network an entry node for students (when it needs
    students) and a main node, per capacity-bound SO a node, and a sink. An arc (u, v)
    with lower bound ``lo`` moves ``lo`` units of supply from v to u, its capacity shrinks
    by ``lo``. Learners who cannot be placed go to the sink at a high cost (or at the
    ``unplaced`` weight where allowed); they stay unplaced in the start. None when the
    sizes (L1), student minimums (L2) or SO capacities (L6) cannot all be met.
    """
    inst = d.inst
    w = d.settings.weights
    flow = min_cost_flow.SimpleMinCostFlow()
    supply: dict[int, int] = defaultdict(int)
    count = [0]

    def node() -> int:
        count[0] += 1
        return count[0] - 1

    learner_node = {lr: node() for lr in d.learners}
    sink = node()
    arcs: dict[tuple[int, int], int] = {}

    def arc(u: int, v: int, low: int, high: int, cost: int) -> int | None:
        supply[u] -= low
        supply[v] += low
        if high - low > 0:
            return int(flow.add_arc_with_capacity_and_unit_cost(u, v, high - low, cost))
        return None

    so_node: dict[int, int] = {}
    for n in d.networks:
        net = d.network(n)
        low, high = los_rules.size_bounds(inst, net)
        band_low, band_high = d.objective.band(net)
        main = node()
        need = los_rules.min_students(net)
        entry = node() if need else main
        if need:
            arc(entry, main, min(need, high), high, 0)
        so = start.leaders[(n, "so")]
        target = sink
        if los_rules.so_capacity(inst, inst.facilitators[so]) is not None:
            if so not in so_node:
                so_node[so] = node()
                cap = los_rules.so_capacity(inst, inst.facilitators[so]) or 0
                arc(so_node[so], sink, 0, cap, 0)
            target = so_node[so]
        # the even band as three convex pieces: below the band, inside it, above it
        arc(main, target, low, band_low, -w.size_balance)
        arc(main, target, 0, band_high - band_low, 0)
        arc(main, target, 0, high - band_high, w.size_balance)
        s = start.slot[n]
        for lr in d.cand.learners_of[n]:
            if s not in d.free[lr] or (lr, n) not in d.pair_cost:
                continue
            cost = d.pair_cost[(lr, n)]
            a = arc(learner_node[lr], main, 0, 1, cost)
            if a is not None:
                arcs[(lr, n)] = a
            if need and d.learner(lr).kind in STUDENT_KINDS:
                a = arc(learner_node[lr], entry, 0, 1, cost)
                if a is not None:
                    arcs[(lr, -n - 1)] = a
    big = max([*d.pair_cost.values(), w.unplaced, 1]) * 100 + 10_000
    for lr in d.learners:
        supply[learner_node[lr]] += 1
        arc(learner_node[lr], sink, 0, 1, w.unplaced if d.may_unplace[lr] else big)
    supply[sink] -= len(d.learners)
    for k in range(count[0]):
        flow.set_node_supply(k, supply[k])
    if flow.solve() != flow.OPTIMAL:
        return None
    placed: dict[int, int] = {}
    for (lr, key), a in arcs.items():
        if flow.flow(a) > 0:
            placed[lr] = key if key >= 0 else -key - 1
    return placed


# --------------------------------------------------------------------------- bound


@dataclass
class Lagrangian:
    """A Lagrangian lower bound and, per network, the value of each slot at the best
    multipliers (lower is more promising; a guide for choosing slots)."""

    bound: float | None
    slot_values: dict[int, dict[int, float]] = field(default_factory=dict)
    multipliers: dict[int, float] = field(default_factory=dict)
    """The multipliers reached (per learner), to continue from."""


def lagrangian_bound(
    d: RegionData,
    start: Start,
    deadline: float,
    iterations: int = 400,
    warm: Lagrangian | None = None,
    min_iterations: int = 20,
    hard_deadline: float | None = None,
) -> Lagrangian:
    """A lower bound on the region's objective by Lagrangian relaxation.

    The constraints "every learner in exactly one network (or unplaced)" are relaxed
    with multipliers ``lam[l]``; what remains splits per network: pick one of its slots
    and between ``min`` and ``max`` of its candidates free at that slot, minimising
    ``sum(cost[l,n] - lam[l]) + size_balance(size)``. That is solved exactly by sorting,
    for every slot. Then ``sum(lam) + sum over networks of that minimum (+ min(0,
    weights.unplaced - lam[l]) per learner who may be unplaced)`` is a lower bound for
    every ``lam``; the multipliers are improved by subgradient steps (at least
    ``min_iterations`` of them unless ``hard_deadline`` passes, and always one; Polyak step sizes
    towards the start's objective; ``warm`` continues from earlier multipliers). L2, L5,
    L6 and the kind mix are left out, which only
    weakens the bound. Unavoidable kind-mix penalties (a kind with no candidate left)
    are added. Returns the best bound found (rounded up: the objective is integral), or
    None when no bound could be computed; and the slot values at the best multipliers.
    """
    import numpy as np

    learners = list(d.learners)
    pos = {lr: i for i, lr in enumerate(learners)}
    count = len(learners)
    if not count or not d.networks:
        return Lagrangian(None)
    w = d.settings.weights
    unplaceable = np.array([d.may_unplace[lr] for lr in learners], bool)
    constant = 0.0
    nets = []
    row_of, free_matrix = free_rows(d)
    for n in d.networks:
        net = d.network(n)
        members = [lr for lr in d.cand.learners_of[n] if (lr, n) in d.pair_cost]
        low, high = los_rules.size_bounds(d.inst, net)
        band_low, band_high = d.objective.band(net)
        slots = d.slots_of[n]
        if not members or not slots:
            return Lagrangian(None)
        free = free_matrix[np.ix_([row_of[lr] for lr in members], slots)]
        cost = np.array([d.pair_cost[(lr, n)] for lr in members], float)
        idx = np.array([pos[lr] for lr in members])
        sizes = np.arange(1, high + 1)
        penalty = w.size_balance * (
            np.maximum(0, sizes - band_high) + np.maximum(0, band_low - sizes)
        )
        penalty = penalty.astype(float)
        penalty[: low - 1] = np.inf  # sizes below the minimum are not allowed
        nets.append((idx, cost, free, penalty, high))
        kinds_left = {d.learner(lr).kind for lr in members}
        constant += w.kind_mix * sum(1 for k in d.objective.mix_kinds(n) if k not in kinds_left)

    lam = np.zeros(count)
    for lr, n in start.network_of.items():
        if lr in pos:
            lam[pos[lr]] = d.pair_cost.get((lr, n), 0)
    for lr in learners:
        if lr not in start.network_of and d.may_unplace[lr]:
            lam[pos[lr]] = w.unplaced
    if warm is not None and warm.multipliers:
        for lr, value in warm.multipliers.items():
            if lr in pos:
                lam[pos[lr]] = value
    target = float(start_objective(d, start)) if start.complete else None
    best = -np.inf if warm is None or warm.bound is None else float(warm.bound) - 1.0
    best_values: dict[int, dict[int, float]] = dict(warm.slot_values) if warm else {}
    best_lam = lam.copy()
    theta = 1.0
    stall = 0
    # work per subgradient step (composer.clock): one sort per network over its
    # candidates x slots
    step_work = LAGRANGE_SECONDS_PER_CELL * sum(len(net[0]) * net[2].shape[1] for net in nets)
    for iteration in range(iterations):
        now = clock.now()
        if (iteration >= min_iterations and now > deadline) or (
            # the first step always runs under a hard deadline: a bound for the gap
            iteration > 0 and hard_deadline is not None and now > hard_deadline
        ):
            break
        value = lam.sum() + constant
        used = np.zeros(count)
        values: dict[int, dict[int, float]] = {}
        for n, (idx, cost, free, penalty, high) in zip(d.networks, nets, strict=True):
            reduced = cost - lam[idx]
            table = np.where(free, reduced[:, None], np.inf)
            take = min(high, table.shape[0])
            part = np.partition(table, take - 1, axis=0)[:take] if take < table.shape[0] else table
            part = np.sort(part, axis=0)
            sums = np.cumsum(part, axis=0) + penalty[:take, None]
            flat = int(np.argmin(sums))
            k, s = divmod(flat, sums.shape[1])
            best_value = sums[k, s]
            if not np.isfinite(best_value):
                return Lagrangian(None)
            per_slot = sums.min(axis=0)
            values[n] = {slot: float(v) for slot, v in zip(d.slots_of[n], per_slot, strict=True)}
            value += best_value
            chosen = np.argsort(table[:, s], kind="stable")[: k + 1]
            np.add.at(used, idx[chosen], 1.0)
        slack = np.where(unplaceable, np.minimum(0.0, w.unplaced - lam), 0.0)
        value += slack.sum()
        out = unplaceable & (w.unplaced - lam < 0)
        gradient = 1.0 - used - out
        if value > best + 1e-9:
            best, stall, best_values, best_lam = value, 0, values, lam.copy()
        else:
            stall += 1
            if stall >= 8:
                theta, stall = theta / 2, 0
        norm = float(gradient @ gradient)
        if norm < 1e-12 or theta < 1e-4:
            break
        gap = (target - value) if target is not None else max(1.0, abs(value) * 0.05)
        if target is not None and gap <= 1e-9:
            break
        lam += theta * max(gap, 1e-3) / norm * gradient
        clock.charge(step_work)
    if not np.isfinite(best):
        return Lagrangian(None)
    bound = float(math.ceil(best - 1e-6))
    if warm is not None and warm.bound is not None:
        bound = max(bound, warm.bound)
    multipliers = {lr: float(best_lam[i]) for lr, i in pos.items()}
    return Lagrangian(bound, best_values, multipliers)


def start_objective(d: RegionData, start: Start) -> int:
    """The objective of a complete start (same terms as :mod:`composer.objective.los`)."""
    return partial_objective(d, start.network_of, set(d.networks), list(d.learners))


def partial_objective(
    d: RegionData, network_of: dict[int, int], networks: set[int], learners: list[int]
) -> int:
    """The objective terms that depend on ``networks`` and ``learners`` only: pair costs
    and unplaced costs of the learners, size balance and kind mix of the networks."""
    w = d.settings.weights
    total = 0
    sizes: dict[int, int] = defaultdict(int)
    kinds: dict[int, set[str]] = defaultdict(set)
    for lr in learners:
        n = network_of.get(lr)
        if n is None:
            total += d.unplaced_cost(lr)
            continue
        total += d.pair_cost[(lr, n)]
    for lr, n in network_of.items():
        if n in networks:
            sizes[n] += 1
            kinds[n].add(d.learner(lr).kind)
    for n in networks:
        total += w.size_balance * size_deviation(sizes[n], d.objective.band(d.network(n)))
        total += w.kind_mix * sum(1 for k in d.objective.mix_kinds(n) if k not in kinds[n])
    return total


# --------------------------------------------------------------------------- LNS


def neighbourhood(d: RegionData, start: Start, chosen: set[int], reach: bool = True) -> RegionData:
    """The subproblem where the networks in ``chosen`` are re-planned (slots, open
    facilitators, members) and everything else stays as in ``start``.

    Movers are the learners now in a chosen network and the unplaced learners who could
    join one; they may move between the chosen networks (or stay unplaced where
    allowed). With ``reach``, learners of other networks who would travel less (pair
    cost) in a chosen network may move into it too; their networks join the subproblem
    *frozen* (slot and facilitators kept, the staying members fixed), so their sizes,
    balance and kind mix stay exact. Facilitators keep their sessions outside the chosen
    networks: those block slots where they could not also be at a chosen network, and
    use up max_groups and SO capacity.
    """
    members: dict[int, list[int]] = defaultdict(list)
    for lr, n in start.network_of.items():
        members[n].append(lr)
    movers = [
        lr
        for lr in d.learners
        if start.network_of.get(lr) in chosen
        or (lr not in start.network_of and any(n in chosen for n in d.cand.networks_of[lr]))
    ]
    frozen: set[int] = set()
    inflow: list[int] = []
    if reach:
        for lr, current in start.network_of.items():
            if current in chosen:
                continue
            here = d.pair_cost[(lr, current)]
            if any(
                n in chosen and d.pair_cost.get((lr, n), here) < here
                for n in d.cand.networks_of[lr]
            ):
                inflow.append(lr)
                frozen.add(current)
        # outflow: members of a chosen network may join a nearby frozen network that
        # meets when they are free and costs them less
        for lr in list(movers):
            now = start.network_of.get(lr)
            here = 10**9 if now is None else d.pair_cost[(lr, now)]
            for n in d.cand.networks_of[lr]:
                if n in chosen or n not in start.slot:
                    continue
                if start.slot[n] in d.free[lr] and d.pair_cost.get((lr, n), here) < here:
                    frozen.add(n)
        movers.extend(inflow)
    mover_set = set(movers)
    pair_cost = {}
    for lr in movers:
        current = start.network_of.get(lr, -1)
        for n in d.cand.networks_of[lr]:
            if (lr, n) not in d.pair_cost:
                continue
            if n in chosen or n == current or (n in frozen and start.slot[n] in d.free[lr]):
                pair_cost[(lr, n)] = d.pair_cost[(lr, n)]
    base_members = {n: [lr for lr in members[n] if lr not in mover_set] for n in frozen}
    # a frozen network may grow only as far as its schoolopleider has room (L6); the
    # room is shared evenly among the frozen networks one SO leads
    so_load: dict[int, int] = defaultdict(int)
    so_frozen: dict[int, int] = defaultdict(int)
    for (n, pos), f in start.leaders.items():
        if pos == "so":
            so_load[f] += len(members[n])
            if n in frozen:
                so_frozen[f] += 1
    size_cap = {}
    for n in frozen:
        so = start.leaders[(n, "so")]
        cap = los_rules.so_capacity(d.inst, d.inst.facilitators[so])
        if cap is not None:
            size_cap[n] = len(members[n]) + max(0, cap - so_load[so]) // so_frozen[so]
    outside: dict[int, list[tuple[int, int]]] = defaultdict(list)
    groups_used: dict[int, int] = defaultdict(int)
    load_used: dict[int, int] = defaultdict(int)
    for (n, pos), f in start.leaders.items():
        if n in chosen:
            continue
        outside[f].append((d.location(n), start.slot[n]))
        groups_used[f] += 1
        if pos == "so":
            load_used[f] += len(members[n])
    networks = sorted(chosen | frozen)
    fixed = {key: f for key, f in d.fixed.items() if key[0] in chosen}
    fixed.update({(n, pos): None for n in frozen for pos in POSITIONS})
    sub = replace(
        d,
        learners=sorted(movers),
        networks=networks,
        pair_cost=pair_cost,
        fixed=fixed,
        outside=dict(outside),
        groups_used=dict(groups_used),
        load_used=dict(load_used),
        frozen=frozenset(frozen),
        base_members=base_members,
        size_cap=size_cap,
        blocking=[],
    )
    if len(d.networks) <= VISIT_MODEL_NETWORKS:
        sub.outside_slots = {n: start.slot[n] for n in d.networks if n not in sub.networks}
    else:
        sub.visits = False
    slots_of = {n: [start.slot[n]] for n in frozen}
    for n in chosen:
        fixed_here = [f for f in (d.fixed[(n, "so")], d.fixed[(n, "second")]) if f is not None]
        slots_of[n] = [s for s in d.slots_of[n] if all(sub.can_attend(f, n, s) for f in fixed_here)]
    sub.slots_of = slots_of
    leaders: dict[tuple[int, Position], list[int]] = {}
    for n in networks:
        for pos in POSITIONS:
            if n in frozen:
                leaders[(n, pos)] = []
                continue
            leaders[(n, pos)] = [
                f
                for f in d.leaders[(n, pos)]
                if ((sub.groups_left(f) or 0) > 0 or sub.groups_left(f) is None)
                and any(sub.can_attend(f, n, s) for s in slots_of[n])
            ]
    sub.leaders = leaders
    return sub


LOS_SECONDS_PER_DTIME = 2.5
"""Work seconds per unit of CP-SAT deterministic time on the LOS models (one worker,
quiet reference machine: the full model 2.0 s on midden-nederland and 2.9 s on national,
neighbourhood models 1.9 s; the default rate, 1.5, fits the BV masters)."""
LAGRANGE_SECONDS_PER_CELL = 3e-8
"""Work (:mod:`composer.clock`) of one subgradient step per (candidate, slot) cell."""
LNS_ROUND_SECONDS = 0.005
LNS_SECONDS_PER_PAIR = 3.5e-5
"""Work of one neighbourhood round besides its CP-SAT solve (cutting the neighbourhood,
building its model, checking the visits), fixed and per candidate pair in it."""
FLOW_SECONDS_PER_ARC = 9e-7
"""Work of one min-cost-flow evaluation of the slot search, per arc of its graph."""
# the four constants: wall seconds on the idle reference machine (midden-nederland,
# benchmarks/README.md "Reproducible runs"), so a work-clock run takes about its limit

VISIT_MODEL_NETWORKS = 12
"""Neighbourhoods of regions up to this many networks carry the region's L9 visit arcs
(at most 132, so a round stays cheap to build); larger ones leave L9 to a check of each
result (a round whose result misses more visits is discarded)."""


def nearest_networks(d: RegionData) -> dict[int, list[int]]:
    """Per network, every network of the region from nearest to farthest (by the travel
    time between their locations, then by how many candidates they share)."""
    idx = d.inst.index
    learners_of = {n: set(d.cand.learners_of[n]) for n in d.networks}
    order = {}
    for n in d.networks:
        here = d.location(n)
        order[n] = sorted(
            (m for m in d.networks if m != n),
            key=lambda m: (
                idx.travel_minutes(here, d.location(m)),
                -len(learners_of[n] & learners_of[m]),
                m,
            ),
        )
    return order


@dataclass
class LnsStats:
    """What the neighbourhood search did (for notes and benchmarks)."""

    rounds: int = 0
    improvements: int = 0
    proven: int = 0


def large_neighbourhood_search(
    d: RegionData,
    start: Start,
    deadline: float,
    *,
    seed: int,
    workers: int,
    stop: threading.Event | None,
    on_improve: Callable[[int], None] | None = None,
    size: int = 4,
) -> tuple[Start, LnsStats]:
    """Improve a start by re-planning groups of nearby networks with CP-SAT.

    With ``d.elastic`` the start may leave out learners who must be placed (each costs
    ``d.big``); rounds then centre on their networks first, so the search also repairs.

    Each round takes a network and its nearest neighbours (``size`` networks; more when
    rounds are proven optimal quickly, fewer when they time out), frees their slots,
    open facilitators and members, solves that subproblem exactly (hinted with the
    current plan) and keeps the result when it costs less. Stops at ``deadline`` or when
    every network has been the centre of a round that found nothing (a local optimum).
    """
    from composer.solvers.cpsat import run_cpsat
    from composer.solvers.los_model import LosModel

    rng = random.Random(seed)
    stats = LnsStats()
    near = nearest_networks(d)
    centres = list(d.networks)
    rng.shuffle(centres)
    quiet = 0  # rounds in a row without improvement
    visits: dict[Any, int] = {}  # L9 visit deficits by slot pattern
    short = visit_deficit(d, start.slot, visits, start.leaders)
    current = start
    value = start_objective(d, start)
    k = max(2, min(size, len(d.networks)))
    turn = 0
    while clock.now() < deadline and not (stop is not None and stop.is_set()):
        if quiet >= len(centres) and k >= len(d.networks):
            break
        if quiet >= len(centres):
            k, quiet = min(len(d.networks), k + 2), 0
        missing = [
            lr for lr in d.learners if lr not in current.network_of and not d.may_unplace[lr]
        ]
        if missing:
            # repair first: re-plan around a learner who is still left out
            centre = rng.choice(d.cand.networks_of[rng.choice(missing)] or centres)
        else:
            centre = centres[turn % len(centres)]
        turn += 1
        chosen = {centre, *near[centre][: k - 1]}
        sub = neighbourhood(d, current, chosen)
        built = LosModel(sub)
        built.add_hint(current)
        before = partial_objective(sub, current.network_of, set(sub.networks), sub.learners)
        # L9: the sub-model charges every missing visit of the regions it touches
        before += sub.big * visit_deficit(sub, current.slot, visits, current.leaders)
        clock.charge(LNS_ROUND_SECONDS + LNS_SECONDS_PER_PAIR * len(sub.pair_cost))
        left = deadline - clock.now()
        if left <= 0.05:
            break
        run = run_cpsat(
            built.model,
            time_limit=min(left, 2.0),
            workers=workers,
            seed=seed + turn,
            stop=stop,
            seconds_per_dtime=LOS_SECONDS_PER_DTIME,
        )
        stats.rounds += 1
        if run.status == "optimal":
            stats.proven += 1
        elif k > 3:
            k -= 1
        if not run.has_solution or run.objective is None or run.objective >= before - 0.5:
            quiet += 1
            continue
        solver = run.solver
        v = built.v
        slot = dict(current.slot)
        for (n, s), var in v.y.items():
            if solver.boolean_value(var):
                slot[n] = s
        leaders = {key: f for key, f in current.leaders.items() if key[0] not in chosen}
        for n in chosen:
            for pos in POSITIONS:
                if d.fixed[(n, pos)] is not None:
                    leaders[(n, pos)] = d.fixed[(n, pos)]  # type: ignore[assignment]
        for (n, pos, f), var in v.lead.items():
            if solver.boolean_value(var):
                leaders[(n, pos)] = f
        after = visit_deficit(d, slot, visits, leaders)
        if after > short:
            quiet += 1  # L9: the slots and duos would leave fewer visits possible
            continue
        short = after
        moved = set(sub.learners)
        network_of = {lr: n for lr, n in current.network_of.items() if lr not in moved}
        for (lr, n), var in v.x.items():
            if solver.boolean_value(var):
                network_of[lr] = n
        complete = all(lr in network_of or d.may_unplace[lr] for lr in d.learners)
        current = Start(slot=slot, leaders=leaders, network_of=network_of, complete=complete)
        value = start_objective(d, current)
        stats.improvements += 1
        quiet = 0
        if on_improve is not None:
            on_improve(value)
    return current, stats


# --------------------------------------------------------------------------- slot search


class FlowEvaluator:
    """The best learner assignment for given slots and facilitators, by min-cost flow.

    The flow graph of :func:`flow_assignment` is built once for every candidate pair and
    every possible SO of a network; an evaluation only switches arcs on or off (a learner
    arc is open when the learner is free at the network's slot; a network's size arcs
    lead to its current SO's capacity node) and re-solves, which takes milliseconds.
    The kind mix is not part of the flow; :meth:`evaluate` adds it to the objective.
    """

    def __init__(
        self, d: RegionData, keep: dict[int, int] | None = None, options: int | None = None
    ) -> None:
        import numpy as np

        self.d = d
        # each learner's ``options`` cheapest networks (and the one in ``keep``) get arcs
        allowed: set[tuple[int, int]] | None = None
        if options is not None:
            allowed = set()
            for lr in d.learners:
                ranked = sorted(
                    (n for n in d.cand.networks_of[lr] if (lr, n) in d.pair_cost),
                    key=lambda n: (d.pair_cost[(lr, n)], n),
                )
                allowed.update((lr, n) for n in ranked[:options])
                if keep is not None and lr in keep:
                    allowed.add((lr, keep[lr]))
        inst = d.inst
        w = d.settings.weights
        self.np = np
        count = 0

        def node() -> int:
            nonlocal count
            count += 1
            return count - 1

        learner_node = {lr: node() for lr in d.learners}
        sink = node()
        tails: list[int] = []
        heads: list[int] = []
        caps: list[int] = []
        costs: list[int] = []

        def arc(u: int, v: int, cap: int, cost: int) -> int:
            tails.append(u)
            heads.append(v)
            caps.append(max(0, cap))
            costs.append(cost)
            return len(tails) - 1

        self.base_supply = [0] * 0
        supply: dict[int, int] = defaultdict(int)
        so_node: dict[int, int] = {}
        for f in {f for (n, pos), fs in d.leaders.items() if pos == "so" for f in fs}:
            cap = los_rules.so_capacity(inst, inst.facilitators[f])
            if cap is not None:
                so_node[f] = node()
                arc(so_node[f], sink, cap, 0)
        self.main: dict[int, int] = {}
        self.band: dict[tuple[int, int], list[int]] = {}  # (network, target) -> 3 arcs
        self.band_caps: dict[int, list[int]] = {}
        self.low: dict[int, int] = {}
        self.target_of: dict[int, int] = {f: t for f, t in so_node.items()}
        self.sink = sink
        self.pair_arcs: list[int] = []
        self.pair_of: list[tuple[int, int]] = []
        self.arcs_of: dict[int, list[int]] = defaultdict(list)
        self.learners_of_arc: dict[int, list[int]] = defaultdict(list)
        for n in d.networks:
            net = d.network(n)
            low, high = los_rules.size_bounds(inst, net)
            band_low, band_high = d.objective.band(net)
            main = node()
            self.main[n] = main
            self.low[n] = low
            need = los_rules.min_students(net)
            entry = main
            if need:
                entry = node()
                lower = min(need, high)
                supply[entry] -= lower
                supply[main] += lower
                arc(entry, main, high - lower, 0)
            self.band_caps[n] = [band_low - low, band_high - band_low, high - band_high]
            targets = {
                so_node.get(f, sink) for f in d.leaders.get((n, "so"), []) if f is not None
            } or {sink}
            for target in sorted(targets):
                self.band[(n, target)] = [
                    arc(main, target, 0, -w.size_balance),
                    arc(main, target, 0, 0),
                    arc(main, target, 0, w.size_balance),
                ]
            for lr in d.cand.learners_of[n]:
                if (lr, n) not in d.pair_cost or (allowed is not None and (lr, n) not in allowed):
                    continue
                cost = d.pair_cost[(lr, n)]
                for into in (main, entry) if entry != main else (main,):
                    if into != main and d.learner(lr).kind not in STUDENT_KINDS:
                        continue
                    a = arc(learner_node[lr], into, 0, cost)
                    self.pair_arcs.append(a)
                    self.pair_of.append((lr, n))
                    self.arcs_of[n].append(a)
                    self.learners_of_arc[n].append(lr)
        big = max([*d.pair_cost.values(), w.unplaced, 1]) * 100 + 10_000
        self.unplaced_arc: dict[int, int] = {}
        for lr in d.learners:
            supply[learner_node[lr]] += 1
            self.unplaced_arc[lr] = arc(
                learner_node[lr], sink, 1, w.unplaced if d.may_unplace[lr] else big
            )
        supply[sink] -= len(d.learners)
        self.nodes = count
        self.supply = supply
        self.flow = min_cost_flow.SimpleMinCostFlow()
        self.flow.add_arcs_with_capacity_and_unit_cost(
            np.array(tails, np.int32),
            np.array(heads, np.int32),
            np.array(caps, np.int64),
            np.array(costs, np.int64),
        )
        self.band_of: dict[int, list[tuple[int, list[int]]]] = defaultdict(list)
        for (n, target), arcs in self.band.items():
            self.band_of[n].append((target, arcs))
        self.pair_arcs_np = np.array(self.pair_arcs, np.int32)
        self.evaluation_work = FLOW_SECONDS_PER_ARC * len(tails)
        """Work charged per evaluation (:mod:`composer.clock`): a min-cost flow re-solve."""
        self._state: dict[int, tuple[int, int]] = {}
        self._supply: Any = None
        self.arcs_np = {n: np.array(a, np.int32) for n, a in self.arcs_of.items()}
        # per network and slot: which of its learner arcs are open
        self.open_at: dict[tuple[int, int], object] = {}
        for n in d.networks:
            members = self.learners_of_arc[n]
            for s in d.slots_of[n]:
                self.open_at[(n, s)] = np.array(
                    [1 if s in d.free[lr] else 0 for lr in members], np.int64
                )

    def evaluate(
        self, slot: dict[int, int], leaders: dict[tuple[int, Position], int]
    ) -> tuple[dict[int, int], int, int] | None:
        """(network per placed learner, objective, learners left out who must be placed)
        for these slots and leaders, or None when no assignment satisfies L1, L2 and
        the SO capacities. The flow leaves out as few must-place learners as it can."""
        np = self.np
        d = self.d
        flow = self.flow
        if self._supply is None:
            self._supply = np.array([self.supply.get(k, 0) for k in range(self.nodes)], np.int64)
        # only what changed since the last evaluation is sent to the flow solver
        band_arcs: list[int] = []
        band_caps: list[int] = []
        for n in d.networks:
            active = self.target_of.get(leaders[(n, "so")], self.sink)
            state = (slot[n], active)
            before = self._state.get(n)
            if before == state:
                continue
            if (before is None or before[0] != state[0]) and n in self.arcs_np:
                flow.set_arc_capacities(self.arcs_np[n], self.open_at[(n, slot[n])])
            if before is None or before[1] != active:
                for target, arcs in self.band_of[n]:
                    band_arcs.extend(arcs)
                    band_caps.extend(self.band_caps[n] if target == active else [0, 0, 0])
                if before is None:
                    self._supply[self.main[n]] -= self.low[n]
                else:
                    self._supply[before[1]] -= self.low[n]
                self._supply[active] += self.low[n]
            self._state[n] = state
        if band_arcs:
            flow.set_arc_capacities(np.array(band_arcs, np.int32), np.array(band_caps, np.int64))
        flow.set_nodes_supplies(np.arange(self.nodes, dtype=np.int32), self._supply)
        clock.charge(self.evaluation_work)
        if flow.solve() != flow.OPTIMAL:
            return None
        used = flow.flows(self.pair_arcs_np)
        network_of = {
            self.pair_of[i][0]: self.pair_of[i][1] for i in np.flatnonzero(used > 0).tolist()
        }
        missing = sum(1 for lr in d.learners if lr not in network_of and not d.may_unplace[lr])
        value = partial_objective(d, network_of, set(d.networks), list(d.learners))
        return network_of, value, missing


def slot_search(
    d: RegionData,
    start: Start,
    deadline: float,
    *,
    seed: int,
    values: dict[int, dict[int, float]] | None = None,
    stop: threading.Event | None = None,
    on_improve: Callable[[int], None] | None = None,
    tries: int = 4,
    options: int | None = 12,
) -> Start:
    """Improve a start by moving one network to another slot at a time, each time
    re-assigning every learner optimally (:class:`FlowEvaluator`).

    The start needs a slot and facilitators for every network; when some learners who
    must be placed are left out, moves that leave out fewer come first (a repair), so
    an incomplete construction can become a plan.

    A move keeps the network's facilitators when they can be there (available, no
    double booking, time to travel, L5) and otherwise gives an open position to another
    candidate who can; a fixed facilitator who cannot be there rules the slot out. Per
    network the ``tries`` most promising other slots are tried (by ``values``, e.g.
    Lagrangian slot values; else in slot order); the first improving move is kept.
    Stops at ``deadline`` or after a pass over all networks without improvement.
    """
    rng = random.Random(seed)
    evaluator = FlowEvaluator(d, start.network_of, options)
    slot = dict(start.slot)
    leaders = dict(start.leaders)
    first = evaluator.evaluate(slot, leaders)
    if first is None:
        return start
    network_of, value, missing = first
    if start.complete:
        known = start_objective(d, start)
        if missing or known <= value:
            network_of, value, missing = dict(start.network_of), known, 0
    # L9: visits the slots leave no room for count like learners left out (a repair)
    visits: dict[Any, int] = {}
    short = visit_deficit(d, slot, visits, leaders)
    sessions: dict[int, set[int]] = defaultdict(set)
    for (n, _pos), f in leaders.items():
        sessions[f].add(n)

    def can(f: int, n: int, s: int, extra: int) -> bool:
        if not d.available(f, s):
            return False
        fac = d.inst.facilitators[f]
        others = sessions[f] - {n}
        if fac.max_groups is not None and len(others) + extra > fac.max_groups:
            return False
        return all(d.fits(n, s, m, slot[m]) for m in others)

    order = list(d.networks)
    improved = True
    while improved and clock.now() < deadline and not (stop is not None and stop.is_set()):
        improved = False
        rng.shuffle(order)
        left_out = [lr for lr in d.learners if lr not in network_of and not d.may_unplace[lr]]
        urgent: dict[int, set[int]] = defaultdict(set)  # network -> slots freeing someone
        for lr in left_out:
            for n in d.cand.networks_of[lr]:
                urgent[n].update(d.free[lr] & set(d.slots_of[n]))
        # repair first: only networks that could take someone left out, at their slots;
        # a pass that leaves as many out gives up (the neighbourhood search repairs then)
        passing = [n for n in order if n in urgent] if left_out else order
        for n in passing:
            if clock.now() >= deadline or (stop is not None and stop.is_set()):
                break
            score = (values or {}).get(n, {})
            moves = sorted(
                (s for s in d.slots_of[n] if s != slot[n]),
                key=lambda s: (s not in urgent.get(n, ()), score.get(s, 0.0), s),
            )[: max(tries, len(urgent.get(n, ())))]
            trials: list[tuple[int, dict[Position, int]]] = []
            if d.fixed[(n, "so")] is None:
                # another schoolopleider at the same slot (room under L6 for more members)
                for g in d.leaders[(n, "so")]:
                    if g != leaders[(n, "so")] and can(g, n, slot[n], 1):
                        trials.append((slot[n], {"so": g, "second": leaders[(n, "second")]}))
                trials = trials[:tries]
            for s in moves:
                trial: dict[Position, int] = {}
                for pos in POSITIONS:
                    f = leaders[(n, pos)]
                    if can(f, n, s, 1):
                        trial[pos] = f
                    elif d.fixed[(n, pos)] is None:
                        pool = [g for g in d.leaders[(n, pos)] if g != f and can(g, n, s, 1)]
                        if pool:
                            trial[pos] = min(pool, key=lambda g: (len(sessions[g]), g))
                if len(trial) == 2:
                    trials.append((s, trial))
            for s, trial in trials:
                old = slot[n], {pos: leaders[(n, pos)] for pos in POSITIONS}
                slot[n] = s
                for pos, f in trial.items():
                    leaders[(n, pos)] = f
                result = evaluator.evaluate(slot, leaders)
                better = False
                if result is not None and (result[2] + short, result[1]) < (missing + short, value):
                    # only a change of slot or duo can change the visits; the deficit is
                    # exact (cached), computed only for a move that improves otherwise
                    same = s == old[0] and trial == old[1]
                    after = short if same else visit_deficit(d, slot, visits, leaders)
                    better = (result[2] + after, result[1]) < (missing + short, value)
                elif result is not None and short and (s != old[0] or trial != old[1]):
                    after = visit_deficit(d, slot, visits, leaders)
                    better = (result[2] + after, result[1]) < (missing + short, value)
                if better and result is not None:
                    network_of, value, missing = result
                    short = after
                    for pos in POSITIONS:
                        sessions[old[1][pos]].discard(n)
                        sessions[trial[pos]].add(n)
                    improved = True
                    if on_improve is not None and not missing and not short:
                        on_improve(value)
                    break
                slot[n] = old[0]
                for pos, f in old[1].items():
                    leaders[(n, pos)] = f
        if left_out and missing >= len(left_out):
            break
    return Start(slot=slot, leaders=leaders, network_of=network_of, complete=not missing)
