"""Cross-network visits (L9): who visits whom, as a cycle cover of a region's networks.

Each LOS network's SO+IO duo visits ``los.settings.visits_per_year`` (k) other networks of
its region a year and each network hosts k visits: the chosen arcs form a k-regular
directed graph (k = 1: a cycle cover). An arc v -> h exists only when v's duo can attend
h's session at h's slot on at least one of h's dates (their own networks do not meet then,
they are available and free, travel included); :mod:`networkx` holds that graph, the
diagnostics (networks nobody can visit) and the verification of the result.

No pair visits each other (no 2-cycles) when the region has enough networks for that
(n >= 2k + 1); with fewer (two networks and k = 1) the pair visiting each other is the
only option and the stage says so. A region with one network has nobody to visit.

CP-SAT chooses the arcs: at most k out and k in per network, out = in (so the arcs form
cycles and a network left out neither visits nor hosts), maximising the visits first and
then minimising the preference cost (same institution, same school;
:func:`composer.objective.calendar.visit_preference_cost`). Fewer than n*k visits at the
optimum proves the region infeasible, and the networks left out are named.

Before the search, :func:`construct_visits` builds a complete plan without search where it
can (a maximum bipartite b-matching by max flow, mutual pairs then swapped away): on a
dense region of 130 networks CP-SAT needs seconds to find any complete plan, the matching
milliseconds. It is CP-SAT's hint and the answer kept when the search finds nothing better;
when its preference cost is 0 it is optimal as it stands and no search runs.

Re-planning (``composer whatif``): the visits of the plan re-planned whose pair still
holds (both networks in the region, the duo free at the host's slot on one of its dates)
are kept (``VisitTask.kept``) and only the rest is chosen around them. When the kept
pairs cannot be completed into visits where every network visits and hosts k, the
region is planned anew with a note; the bound is then the free one
(:func:`free_bound`), as for the kept dates of BV and TN (:mod:`.chains`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

import networkx as nx
from ortools.sat.python import cp_model

from composer.solvers.calendar.chains import keep_or_date_anew
from composer.solvers.cpsat import run_cpsat


@dataclass(frozen=True)
class VisitTask:
    """One region: its networks, the feasible arcs with their preference cost, k, and the
    arcs kept from the plan re-planned (``kept``, positions; each one of ``arcs``)."""

    region: str
    networks: tuple[str, ...]
    arcs: tuple[tuple[int, int, int], ...]
    per_year: int
    forbid_mutual: bool
    time_limit: float = 10.0
    workers: int = 1
    seed: int = 0
    kept: tuple[tuple[int, int], ...] = ()


@dataclass
class VisitOutcome:
    """The chosen arcs (visitor position, host position) and the solve's status."""

    region: str
    status: str
    chosen: list[tuple[int, int]] = field(default_factory=list)
    cost: int = 0
    bound: float | None = None
    missing: int = 0
    proven: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def objective(self) -> int:
        """The preference cost of the chosen visits."""
        return self.cost


def arc_graph(task: VisitTask) -> nx.DiGraph:
    """The graph of feasible visits, nodes named by network id."""
    graph = nx.DiGraph()
    graph.add_nodes_from(task.networks)
    for v, h, cost in task.arcs:
        graph.add_edge(task.networks[v], task.networks[h], cost=cost)
    return graph


def _b_matching(
    n: int, k: int, arcs: list[tuple[int, int]], fixed: frozenset[tuple[int, int]] = frozenset()
) -> set[tuple[int, int]] | None:
    """Arcs giving every one of ``n`` networks exactly ``k`` visits out and ``k`` in, the
    ``fixed`` ones among them, by a maximum flow (visitor side -> host side, unit arcs);
    None when no such set exists. A 2-cycle is allowed here; :func:`_swap_away_mutual`
    removes them. For k = 1 a maximum matching (Hopcroft-Karp, about 9x faster than the
    flow on 130 networks)."""
    out_room, in_room = [k] * n, [k] * n
    for v, h in fixed:
        out_room[v] -= 1
        in_room[h] -= 1
    if min(out_room + in_room, default=0) < 0:
        return None
    arcs = [(v, h) for v, h in arcs if (v, h) not in fixed and out_room[v] and in_room[h]]
    need = sum(out_room)
    # integer nodes (visitor v is v, host h is n + h): networkx keeps some node sets as
    # Python sets, whose order for strings changes with PYTHONHASHSEED; for integers it
    # does not, so the same instance gives the same visits in every process
    if k == 1:
        bipartite = nx.Graph()
        bipartite.add_nodes_from(range(2 * n))
        bipartite.add_edges_from((v, n + h) for v, h in arcs)
        matching = nx.bipartite.hopcroft_karp_matching(bipartite, top_nodes=range(n))
        pairs = {(v, matching[v] - n) for v in range(n) if v in matching}
        return pairs | fixed if len(pairs) == need else None
    source, sink = 2 * n, 2 * n + 1
    graph = nx.DiGraph()
    for node in range(n):
        graph.add_edge(source, node, capacity=out_room[node])
        graph.add_edge(n + node, sink, capacity=in_room[node])
    for v, h in arcs:
        graph.add_edge(v, n + h, capacity=1)
    value, flow = nx.maximum_flow(graph, source, sink)
    if value < need:
        return None
    return {(v, h) for v, h in arcs if flow[v][n + h] > 0} | fixed


def _swap_away_mutual(
    chosen: set[tuple[int, int]],
    allowed: set[tuple[int, int]],
    fixed: frozenset[tuple[int, int]] = frozenset(),
) -> set[tuple[int, int]] | None:
    """Remove every pair that visits each other (a -> b and b -> a) by a 2-swap with
    another chosen arc c -> d: a -> d and c -> b instead, both allowed, new and creating
    no new pair; ``fixed`` arcs are never swapped out. Degrees stay as they are. None
    when some pair cannot be swapped away."""
    chosen = set(chosen)

    def swap(a: int, b: int) -> bool:
        if (a, b) in fixed:
            return False
        for c, d in sorted(chosen):
            if c in (a, b) or d in (a, b) or (c, d) in fixed:
                continue
            new = ((a, d), (c, b))
            if any(arc not in allowed or arc in chosen for arc in new):
                continue
            if (d, a) in chosen or (b, c) in chosen:
                continue
            chosen.difference_update({(a, b), (c, d)})
            chosen.update(new)
            return True
        return False

    for a, b in sorted(chosen):
        if (a, b) in chosen and (b, a) in chosen and not (swap(a, b) or swap(b, a)):
            return None
    return chosen


def construct_visits(task: VisitTask) -> list[tuple[int, int]] | None:
    """A complete visit plan (every network visits and hosts ``per_year`` times, no pair
    visits each other where that is forbidden, the kept arcs among them) found without
    search, or None. Ignores the preference cost; None does not mean that no plan exists."""
    n, k = len(task.networks), task.per_year
    arcs = sorted({(v, h) for v, h, _ in task.arcs})
    fixed = frozenset(task.kept)
    chosen = _b_matching(n, k, arcs, fixed)
    if chosen is None:
        return None
    if task.forbid_mutual:
        chosen = _swap_away_mutual(chosen, set(arcs), fixed)
    return None if chosen is None else sorted(chosen)


def free_bound(task: VisitTask) -> float:
    """A lower bound on the preference cost of every complete visit plan of the region,
    kept arcs or not: each network's ``per_year`` cheapest visits out, or (when more)
    each network's cheapest visits in."""
    k = task.per_year
    out: dict[int, list[int]] = defaultdict(list)
    inc: dict[int, list[int]] = defaultdict(list)
    for v, h, cost in task.arcs:
        out[v].append(cost)
        inc[h].append(cost)
    return float(
        max(
            sum(sum(sorted(costs)[:k]) for costs in out.values()),
            sum(sum(sorted(costs)[:k]) for costs in inc.values()),
        )
    )


def solve_visit_task(task: VisitTask) -> VisitOutcome:
    """Choose the visits of one region (see the module docstring): with the kept arcs
    when they can be completed, else anew with a note."""
    if not task.kept:
        return _solve(task)
    kept = [f"{task.networks[v]} -> {task.networks[h]}" for v, h in task.kept]
    return keep_or_date_anew(
        _solve(task),
        kept,
        lambda: _solve(replace(task, kept=())),
        f"[L9] region {task.region}: the visits {', '.join(kept)} of the plan re-planned "
        f"cannot be completed into visits where every network visits and hosts "
        f"{task.per_year}; the region's visits are planned anew",
        free_bound(task),
    )


def _solve(task: VisitTask) -> VisitOutcome:
    """The region's visits, the kept arcs fixed."""
    n, k = len(task.networks), task.per_year
    outcome = VisitOutcome(task.region, "optimal")
    if n == 0 or k == 0:
        return outcome
    cost = {(v, h): c for v, h, c in task.arcs}
    start = construct_visits(task)
    if start is not None and sum(cost[a] for a in start) == 0 and min(cost.values()) >= 0:
        # complete, and no plan can cost less than nothing: optimal without a search
        outcome.chosen = start
        outcome.proven = True
        outcome.bound = 0.0
        return outcome
    model = cp_model.CpModel()
    x = {(v, h): model.new_bool_var(f"visit[v={v},h={h}]") for v, h, _ in task.arcs}
    for node in range(n):
        out = [var for (v, _), var in x.items() if v == node]
        inc = [var for (_, h), var in x.items() if h == node]
        model.add(sum(out) <= k)
        # out = in: the visits form cycles; a network left out neither visits nor hosts
        model.add(sum(out) == sum(inc))
    if task.forbid_mutual:
        for v, h in x:
            if v < h and (h, v) in x:
                # L9: no pair visits each other
                model.add(x[v, h] + x[h, v] <= 1)
    for arc in task.kept:
        model.add(x[arc] == 1)
    big = 2 * n * k + 1  # more than any total preference cost: visits come first
    missing = n * k - sum(x.values())
    model.minimize(big * missing + sum(cost[a] * var for a, var in x.items()))
    if start is not None:
        picked = set(start)
        for arc, var in x.items():
            model.add_hint(var, arc in picked)
    run = run_cpsat(model, time_limit=task.time_limit, workers=task.workers, seed=task.seed)
    found = sorted(a for a, var in x.items() if run.solver.value(var)) if run.has_solution else None
    start_cost = sum(cost[a] for a in start) if start is not None else 0
    if start is not None and (
        found is None or len(found) < n * k or sum(cost[a] for a in found) > start_cost
    ):
        # the search ran out of time before it matched the constructed plan
        outcome.chosen = start
        outcome.cost = start_cost
        outcome.status = "feasible"
        return outcome
    if found is None:
        outcome.status = run.status if run.status != "optimal" else "unknown"
        outcome.missing = n * k
        outcome.notes.append(
            f"[L9] region {task.region}: no visit plan found within {task.time_limit:.1f}s"
        )
        return outcome
    outcome.chosen = found
    outcome.cost = sum(cost[a] for a in outcome.chosen)
    outcome.missing = n * k - len(outcome.chosen)
    outcome.proven = run.status == "optimal"
    outcome.bound = max(0.0, run.bound or 0.0) if outcome.missing == 0 else None
    outcome.status = run.status
    if outcome.missing:
        graph = arc_graph(task)
        covered = {task.networks[v] for v, _ in outcome.chosen}
        left = [net for net in task.networks if net not in covered]
        cannot_visit = [net for net in task.networks if graph.out_degree(net) == 0]
        cannot_host = [net for net in task.networks if graph.in_degree(net) == 0]
        detail = []
        if cannot_visit:
            detail.append(f"nobody free to visit from {', '.join(cannot_visit)}")
        if cannot_host:
            detail.append(f"no duo free at the slot of {', '.join(cannot_host)}")
        proof = "at best" if outcome.proven else "found so far:"
        outcome.status = "infeasible" if outcome.proven else "unknown"
        outcome.notes.append(
            f"[L9] region {task.region}: {proof} {len(outcome.chosen)} of {n * k} visits "
            f"fit; networks without a visit: {', '.join(left)}"
            + (f" ({'; '.join(detail)})" if detail else "")
            + "; fix: give a network another slot or facilitator so its duo is free at "
            "another network's slot, or lower los.settings.visits_per_year"
        )
    return outcome


def verify_regular(networks: list[str], arcs: list[tuple[str, str]], per_year: int) -> bool:
    """True when every network visits and hosts exactly ``per_year`` times (networkx)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(networks)
    graph.add_edges_from(arcs)
    return all(graph.out_degree(n) == per_year and graph.in_degree(n) == per_year for n in networks)
