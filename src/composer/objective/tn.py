"""The TN objective: themes, diversity (T6), networks not held (T7) and unplaced participants.

Every term is a whole number; the solver builds its CP-SAT objective from the same
functions, and the checker recomputes the plan's value with :func:`tn_objective_parts`.
With ``w = instance.tn.weights``:

- ``theme`` (per placed participant): ``w.theme_rank * r`` when the network's theme is their
  ``r``-th wanted theme (``r`` = 0 for the first); ``w.unwanted_theme`` when it is not on
  their list; 0 for a network without a theme or a participant without wishes.
- ``diversity`` (per *diverse* network): ``w.diversity * (members - distinct values)`` of
  the network's ``composition_attribute``: each member whose value another member already
  brings costs ``w.diversity``.
- ``closed_network`` (per network of the instance): ``w.closed_network`` when it is not
  held (no members).
- ``unplaced`` (per participant): ``w.unplaced`` when they are in no network.

Defaults: theme_rank 10, unwanted_theme 40, diversity 5, closed_network 500, unplaced 1000
(``--set tn.weights.diversity=20`` changes one per run).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from composer.tn_rules import attribute_value, theme_rank

if TYPE_CHECKING:
    from composer.model.instance import Instance, TnNetwork, TnParticipant, TnWeights
    from composer.model.plan import PlannedTnNetwork

PARTS: tuple[str, ...] = ("theme", "diversity", "closed_network", "unplaced")
"""The named parts of the TN objective, in the order plans list them."""


def theme_cost(weights: TnWeights, participant: TnParticipant, network: TnNetwork) -> int:
    """The theme term of placing ``participant`` in ``network`` (see the module table)."""
    rank = theme_rank(participant, network)
    return weights.unwanted_theme if rank is None else weights.theme_rank * rank


def repeated_values(values: Iterable[str]) -> int:
    """Members whose value another member already brings: ``len(values) - distinct``."""
    items = list(values)
    return len(items) - len(set(items))


def diversity_cost(instance: Instance, network: TnNetwork, members: Sequence[TnParticipant]) -> int:
    """The diversity term of one network (0 unless it is diverse)."""
    if network.composition != "diverse":
        return 0
    values = [attribute_value(instance, p, network.composition_attribute) for p in members]
    return instance.tn.weights.diversity * repeated_values(values)


def tn_objective_parts(instance: Instance, groups: Sequence[PlannedTnNetwork]) -> dict[str, float]:
    """The TN objective of the composed ``groups`` by part, weighted (``PARTS``).

    Ids the instance does not know are skipped (the checker reports them under P1); a
    participant listed in two networks counts in each (also a P1 violation).
    """
    tn = instance.tn
    idx = instance.index
    weights = tn.weights
    theme = diversity = 0
    placed: set[str] = set()
    held: set[str] = set()
    for group in groups:
        if group.id not in idx.tn_network:
            continue
        network = tn.networks[idx.tn_network[group.id]]
        members = [
            tn.participants[idx.tn_participant[pid]]
            for pid in group.participants
            if pid in idx.tn_participant
        ]
        if members:
            held.add(network.id)
        placed.update(p.id for p in members)
        theme += sum(theme_cost(weights, p, network) for p in members)
        diversity += diversity_cost(instance, network, members)
    closed = sum(1 for net in tn.networks if net.id not in held)
    unplaced = sum(1 for p in tn.participants if p.id not in placed)
    return {
        "theme": float(theme),
        "diversity": float(diversity),
        "closed_network": float(weights.closed_network * closed),
        "unplaced": float(weights.unplaced * unplaced),
    }
