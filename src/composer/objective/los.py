"""The LOS objective: soft goals as integer terms, shared by the CP-SAT model and the checker.

The objective is minimised and is the sum of six terms, each a weight of
:class:`~composer.model.instance.LosWeights` times a whole-number count (README.md,
section "LOS objective", lists them with their units):

``travel``
    ``weights.travel x sum over placed learners of travel_minutes(home school, network
    location)``; unit: weighted minutes (one way, whole minutes as
    ``InstanceIndex.travel_minutes`` gives them).
``size_balance``
    ``weights.size_balance x sum over networks of the learners by which the network's size
    lies outside its even band`` (see :meth:`LosObjective.band`); unit: weighted learners.
``kind_mix``
    ``weights.kind_mix x sum over networks with diversity of the learner kinds that could
    join the network but have no member in it`` (see :meth:`LosObjective.mix_kinds`);
    unit: weighted kinds.
``learner_preference``
    ``weights.learner_preference x the number of placed learners with preferred networks
    who are in none of them``; unit: weighted learners.
``own_school``
    ``weights.own_school x the number of placed learners who could join a network of their
    own school (located there, or listing it among ``partner_schools``) but are placed in
    another network``; unit: weighted learners.
``unplaced``
    ``weights.unplaced x the number of learners in no network`` (only possible with
    ``los.settings.allow_unplaced``); unit: weighted learners.

"Could join" is :func:`composer.los_rules.may_join` (region, pin, L2, L3, L7), not the
roster, so the terms do not depend on the slots the solver picks.

``travel``, ``learner_preference`` and ``own_school`` depend on one (learner, network) pair
only; :meth:`LosObjective.pair_cost` gives their sum, the coefficient of ``x[l,n]`` in the
model.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cached_property

from composer import los_rules
from composer.model.instance import Instance, LosNetwork
from composer.model.plan import Plan

TERMS: tuple[str, ...] = (
    "travel",
    "size_balance",
    "kind_mix",
    "learner_preference",
    "own_school",
    "unplaced",
)
"""The objective's terms, in the order reports show them."""

PAIR_TERMS: tuple[str, ...] = ("travel", "learner_preference", "own_school")
"""The terms that are a cost per (learner, network) pair."""


def size_deviation(size: int, band: tuple[int, int]) -> int:
    """Learners by which ``size`` lies outside ``band = (low, high)``; 0 inside it."""
    low, high = band
    return max(0, size - high) + max(0, low - size)


class LosObjective:
    """The LOS objective of one instance: coefficients for the model, evaluation for the
    checker. Built once per instance; positions are instance positions."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.weights = instance.los.settings.weights

    # ------------------------------------------------------------------ size balance
    @cached_property
    def _region_counts(self) -> dict[str, tuple[int, int]]:
        idx = self.instance.index
        return {
            region: (len(idx.learners_by_region.get(region, [])), len(networks))
            for region, networks in idx.networks_by_region.items()
        }

    def band(self, network: LosNetwork) -> tuple[int, int]:
        """The even band of a network: the sizes that cost nothing in ``size_balance``.

        With ``L`` the learners of the network's region (every learner whose home school
        is in the region, placed or not) and ``N`` the region's networks, the band is
        ``[floor(L / N), ceil(L / N)]``, each end clamped into the network's own L1 bounds
        ``[min, max]``. A network of size ``s`` deviates by ``max(0, s - high) +
        max(0, low - s)`` learners. When every network can hold the mean, a plan with all
        sizes equal to the floor or ceiling of the mean costs nothing.
        """
        learners, networks = self._region_counts.get(network.region, (0, 1))
        low, high = los_rules.size_bounds(self.instance, network)
        floor_mean = learners // max(1, networks)
        ceil_mean = -(-learners // max(1, networks))
        return (min(max(floor_mean, low), high), min(max(ceil_mean, low), high))

    # ------------------------------------------------------------------ kinds
    @cached_property
    def _mix_kinds(self) -> dict[int, tuple[str, ...]]:
        inst = self.instance
        idx = inst.index
        found: dict[int, tuple[str, ...]] = {}
        for n, net in enumerate(inst.los.networks):
            if not net.diversity:
                continue
            kinds = {
                inst.learners[lr].kind
                for lr in idx.learners_by_region.get(net.region, [])
                if los_rules.may_join(inst, inst.learners[lr], net)
            }
            found[n] = tuple(sorted(kinds))
        return found

    def mix_kinds(self, network: int) -> tuple[str, ...]:
        """The kinds a network with ``diversity`` should mix: every kind of learner who
        may join it (:func:`~composer.los_rules.may_join`). Empty without diversity."""
        return self._mix_kinds.get(network, ())

    # ------------------------------------------------------------------ pairs
    @cached_property
    def _networks_at_school(self) -> dict[str, list[int]]:
        at: dict[str, list[int]] = defaultdict(list)
        for n, net in enumerate(self.instance.los.networks):
            for school in dict.fromkeys((net.location, *net.partner_schools)):
                at[school].append(n)
        return dict(at)

    def own_networks(self, learner: int) -> frozenset[int]:
        """Networks of the learner's own school (located there or listing it as partner
        school) that the learner may join."""
        inst = self.instance
        lr = inst.learners[learner]
        return frozenset(
            n
            for n in self._networks_at_school.get(lr.home_school, [])
            if los_rules.may_join(inst, lr, inst.los.networks[n])
        )

    @cached_property
    def _own(self) -> dict[int, frozenset[int]]:
        return {lr: self.own_networks(lr) for lr in range(len(self.instance.learners))}

    def pair_terms(self, learner: int, network: int) -> dict[str, int]:
        """The weighted per-pair terms of placing ``learner`` in ``network``."""
        inst = self.instance
        lr = inst.learners[learner]
        net = inst.los.networks[network]
        w = self.weights
        own = self._own[learner]
        return {
            "travel": w.travel * los_rules.travel_to(inst, lr, net),
            "learner_preference": (
                w.learner_preference
                if lr.preferred_networks and net.id not in lr.preferred_networks
                else 0
            ),
            "own_school": w.own_school if own and network not in own else 0,
        }

    def pair_cost(self, learner: int, network: int) -> int:
        """The coefficient of ``x[l,n]``: the sum of :meth:`pair_terms`."""
        return sum(self.pair_terms(learner, network).values())

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, plan: Plan) -> dict[str, float]:
        """Every term of the objective for ``plan``'s networks, weighted (see module doc)."""
        inst = self.instance
        idx = inst.index
        w = self.weights
        parts = dict.fromkeys(TERMS, 0.0)
        placed: set[str] = set()
        for planned in plan.networks:
            n = idx.network.get(planned.id)
            if n is None:
                continue
            net = inst.los.networks[n]
            members = [idx.learner[lid] for lid in planned.learners if lid in idx.learner]
            placed.update(planned.learners)
            for lr in members:
                for term, value in self.pair_terms(lr, n).items():
                    parts[term] += value
            parts["size_balance"] += w.size_balance * size_deviation(
                len(planned.learners), self.band(net)
            )
            present = {inst.learners[lr].kind for lr in members}
            parts["kind_mix"] += w.kind_mix * sum(1 for k in self.mix_kinds(n) if k not in present)
        unplaced = sum(1 for lr in inst.learners if lr.id not in placed)
        parts["unplaced"] = float(w.unplaced * unplaced)
        return parts


def evaluate(instance: Instance, plan: Plan) -> dict[str, float]:
    """The LOS objective of ``plan`` by term (weighted); its sum is the stage objective."""
    return LosObjective(instance).evaluate(plan)
