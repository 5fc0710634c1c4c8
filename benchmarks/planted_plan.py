"""Write the LOS/TN groups a generated instance was built around as a plan.json.

``composer generate`` (the data builder, ``composer.builders.generate``) plants a hidden
feasible LOS and TN plan and builds the instance around it. This script regenerates the
instance with the same arguments, checks it is byte-for-byte the shipped one (same
content hash), and writes the planted networks (slot, facilitators, learners) and TN
groups as a plan, so the calendar benchmark can date realistic groups before the LOS and
TN stages exist::

    PYTHONPATH=src python -m benchmarks.planted_plan instances/national \\
        national --seed 2026 --learners 3000 --regions 6 --out /tmp/planted.json
    PYTHONPATH=src python -m benchmarks.calendar_bench \\
        --instance instances/national --plan /tmp/planted.json
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from composer.io import load_instance
from composer.model.plan import Plan, PlannedNetwork, PlannedSlot, PlannedTnNetwork


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instance", help="the shipped instance to match")
    parser.add_argument("preset", help="tiny, region or national")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--learners", type=int)
    parser.add_argument("--regions", type=int)
    parser.add_argument("--name")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    try:
        from composer.builders.generate import generate  # type: ignore[import-not-found]
    except ImportError:
        sys.exit("composer.builders.generate is not in this build (the data builder)")
    shipped = load_instance(Path(args.instance))
    made = generate(
        args.preset,
        args.seed,
        learners=args.learners,
        regions=args.regions,
        name=args.name or shipped.name,
    )
    if made.instance.content_hash() != shipped.content_hash():
        sys.exit("the regenerated instance differs from the shipped one: check the arguments")
    inst, planted = made.instance, made.planted
    blocks = {b.id: b for b in inst.calendar.time_blocks}
    members: dict[str, list[str]] = defaultdict(list)
    for learner, net in planted.network_of.items():
        members[net].append(learner)
    networks = []
    for net in inst.los.networks:
        day, block = planted.slot_of[net.id]
        networks.append(
            PlannedNetwork(
                id=net.id,
                region=net.region,
                slot=PlannedSlot(
                    weekday=day, block=block, start=blocks[block].start, end=blocks[block].end
                ),
                location=net.location,
                learners=tuple(sorted(members[net.id])),
                facilitators=(planted.so_of[net.id], planted.second_of[net.id]),
            )
        )
    tn: dict[str, list[str]] = defaultdict(list)
    for participant, net in planted.tn_network_of.items():
        tn[net].append(participant)
    tn_networks = [
        PlannedTnNetwork(id=n.id, participants=tuple(sorted(tn[n.id])), facilitator=n.facilitator)
        for n in inst.tn.networks
        if tn[n.id]
    ]
    plan = Plan(
        instance=inst.name,
        instance_hash=inst.content_hash(),
        networks=tuple(networks),
        tn_networks=tuple(tn_networks),
    )
    Path(args.out).write_text(plan.model_dump_json(indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}: {len(networks)} networks, {len(tn_networks)} TN networks")


if __name__ == "__main__":
    main()
