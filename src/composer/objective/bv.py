"""The BV objective (B7): travel and fairness of basisvaardigheden clusters, in whole seconds.

Travel model (issue 4). Meetings rotate evenly over the member schools: in a cluster ``C``
of ``s`` schools every school hosts once per rotation of ``s`` meetings, and at each
meeting the participants of every other school travel to the host. Per meeting round the
cluster therefore costs

    travel(C) = (1/s) * sum over ordered pairs (i, j) of C, i != j, of t(i -> j)
              = (2/s) * sum over unordered pairs of t(i, j)        (symmetric travel)

minutes, where ``t`` is :meth:`InstanceIndex.travel_minutes` (whole minutes; a measured
travel time wins over the great-circle estimate). A school's *average travel* per meeting
is ``avg(i) = (1/s) * sum over j in C of t(i -> j)`` (it travels to the s-1 other hosts
and stays home once), so ``travel(C)`` is the sum of the members' averages, and the
fairness term is the worst school's average, ``worst(C) = max over i of avg(i)``.

Unit. Both terms are kept in **whole seconds** so that CP-SAT, the HiGHS peer and the
checker compute identical integers: ``travel_seconds = 60 * sum / s`` and
``worst_seconds = 60 * max_row / s``. For the cluster sizes 1-6, 10, 12, ... (every
divisor of 60) this is exact; for other sizes (a cluster of 7 under ``bv.allow_seven``)
each term is rounded half-up to the second, once per cluster.

Board policy (``bv.board_policy``): under ``apart`` each pair of schools of one board in
one cluster costs ``weights.board`` minutes; under ``together`` each pair of schools of one
board in the same sector-region but in different clusters does. Schools without a board
number never count.

Fairness per cluster or per school (``bv.worst_travel_per``). Under ``cluster`` (the
default) the fairness term is the sum over clusters of ``worst(C)``; under ``school`` every
member school counts its cluster's worst, so a cluster adds ``s * worst(C)``. A sum over
clusters also falls when there are fewer clusters, so under ``cluster`` a high weight buys
the term with larger clusters, in which every member travels more (benchmarks/README.md,
"The fairness weight"); under ``school`` the count of clusters does not weigh the term.

The weighted objective of a plan is

    weights.travel * sum travel_seconds
    + weights.worst_travel * sum worst_seconds (times the cluster's size under ``school``)
    + weights.board * 60 * board_pairs

and :func:`bv_objective_parts` returns its three parts by name (``travel``,
``worst_travel``, ``board``), already weighted, as ``plan.stages["bv"].parts`` does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from composer.model.instance import Instance
    from composer.model.plan import Cluster

SECONDS_PER_MINUTE = 60
"""The objective's unit is the second: 60 per minute of travel."""


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half-up, in exact integer arithmetic (both >= 0)."""
    return (2 * numerator + denominator) // (2 * denominator)


def exact_for_size(size: int) -> bool:
    """True when a cluster of ``size`` schools has exact (unrounded) second values."""
    return SECONDS_PER_MINUTE % size == 0


@dataclass(frozen=True)
class ClusterTerms:
    """The unweighted objective terms of one cluster.

    ``travel`` and ``worst`` are seconds per meeting round (see the module docstring);
    ``board_pairs`` counts pairs of members that share a (non-empty) board number;
    ``size`` is the number of members (the fairness term counts ``worst`` that many times
    under ``bv.worst_travel_per = school``).
    """

    travel: int
    worst: int
    board_pairs: int
    size: int = 0


def cluster_terms(
    members: Sequence[int],
    minutes: Callable[[int, int], int],
    boards: Sequence[str] | None = None,
) -> ClusterTerms:
    """The terms of a cluster of ``members`` (school positions), with ``minutes(a, b)`` the
    whole-minute travel from a to b and ``boards[i]`` the board number of position i."""
    size = len(members)
    if size == 0:
        return ClusterTerms(0, 0, 0, 0)
    rows = [sum(minutes(i, j) for j in members if j != i) for i in members]
    pairs = 0
    if boards is not None:
        for x in range(size):
            bx = boards[members[x]]
            if not bx:
                continue
            for y in range(x + 1, size):
                if boards[members[y]] == bx:
                    pairs += 1
    return ClusterTerms(
        travel=round_half_up(SECONDS_PER_MINUTE * sum(rows), size),
        worst=round_half_up(SECONDS_PER_MINUTE * max(rows), size),
        board_pairs=pairs,
        size=size,
    )


def board_pairs_total(positions: Iterable[int], boards: Sequence[str]) -> int:
    """Pairs of schools among ``positions`` that share a (non-empty) board number."""
    count: dict[str, int] = defaultdict(int)
    for i in positions:
        if boards[i]:
            count[boards[i]] += 1
    return sum(c * (c - 1) // 2 for c in count.values())


def worst_count(worst_per: str, size: int) -> int:
    """How many times a cluster of ``size`` schools counts its worst school's average
    travel under ``bv.worst_travel_per``: once (``cluster``), or once per member
    (``school``)."""
    return size if worst_per == "school" else 1


@dataclass(frozen=True)
class BvCostModel:
    """The weights and board policy of one instance, turning terms into objective integers.

    ``cluster_cost`` is what a solver puts on a cluster (a column); ``part_constant`` is
    the constant a sector-region adds (under ``together``, split pairs = all same-board
    pairs of the sector-region minus the pairs kept together), so that the sum over a
    sector-region's clusters plus its constant equals :func:`bv_objective_parts`' total.
    """

    travel_weight: int
    worst_weight: int
    board_weight: int
    board_policy: str
    worst_per: str = "cluster"

    @classmethod
    def of(cls, instance: Instance) -> BvCostModel:
        """The cost model of ``instance.bv``."""
        w = instance.bv.weights
        bv = instance.bv
        return cls(w.travel, w.worst_travel, w.board, bv.board_policy, bv.worst_travel_per)

    def worst_units(self, terms: ClusterTerms) -> int:
        """The cluster's unweighted fairness term: its worst school's average travel, once
        (``cluster``) or once per member (``school``)."""
        return terms.worst * worst_count(self.worst_per, terms.size)

    @property
    def board_pair_cost(self) -> int:
        """Objective units of one same-board pair against the policy."""
        return self.board_weight * SECONDS_PER_MINUTE

    def board_sign(self) -> int:
        """+1 when a same-board pair inside a cluster costs (apart), -1 when it saves
        (together: it is one split pair fewer), 0 when the policy is ``none``."""
        return {"apart": 1, "together": -1}.get(self.board_policy, 0)

    def cluster_cost(self, terms: ClusterTerms) -> int:
        """The weighted cost of one cluster, without the sector-region constant."""
        return (
            self.travel_weight * terms.travel
            + self.worst_weight * self.worst_units(terms)
            + self.board_sign() * self.board_pair_cost * terms.board_pairs
        )

    def part_constant(self, positions: Iterable[int], boards: Sequence[str]) -> int:
        """The constant a sector-region adds: its same-board pairs under ``together``."""
        if self.board_policy != "together":
            return 0
        return self.board_pair_cost * board_pairs_total(positions, boards)


def bv_objective_parts(instance: Instance, clusters: Iterable[Cluster]) -> dict[str, float]:
    """The BV objective of ``clusters`` by part (``travel``, ``worst_travel``, ``board``).

    Clusters are grouped by (sector, region) for the ``together`` board policy (a merged
    B8 cluster carries its receiving region, so the groups are the planned sector-regions).
    Unknown school ids are skipped (the checker reports them under P1).
    """
    idx = instance.index
    model = BvCostModel.of(instance)
    boards = [s.board for s in instance.schools]
    travel = worst = apart_pairs = together_pairs = 0
    members_by_part: dict[tuple[str, str], list[int]] = defaultdict(list)
    for cluster in clusters:
        members = [idx.school[s] for s in cluster.schools if s in idx.school]
        terms = cluster_terms(members, idx.travel_minutes, boards)
        travel += terms.travel
        worst += model.worst_units(terms)
        apart_pairs += terms.board_pairs
        together_pairs += terms.board_pairs
        members_by_part[(cluster.sector, cluster.region)].extend(members)
    if model.board_policy == "apart":
        board = model.board_pair_cost * apart_pairs
    elif model.board_policy == "together":
        total = sum(board_pairs_total(m, boards) for m in members_by_part.values())
        board = model.board_pair_cost * (total - together_pairs)
    else:
        board = 0
    return {
        "travel": float(model.travel_weight * travel),
        "worst_travel": float(model.worst_weight * worst),
        "board": float(board),
    }
