"""P1: a plan refers only to what its instance holds, and places nobody twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from composer.check.core import Violation, rule_check
from composer.model.instance import Instance
from composer.model.plan import Plan


def made_for_another_version(instance: Instance, plan: Plan) -> bool:
    """True when ``plan`` was made for this instance by name but for another version of
    it: its recorded content hash differs (edited since, or solved with ``--set``)."""
    return (
        plan.instance == instance.name
        and bool(plan.instance_hash)
        and plan.instance_hash != instance.content_hash()
    )


@rule_check("P1")
def check_plan_integrity(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Unknown ids, duplicate group ids and people placed in two groups of one programme."""
    idx = instance.index
    if plan.instance != instance.name:
        yield Violation(
            "P1",
            f"the plan was made for instance {plan.instance!r}, not {instance.name!r}",
            severity="warning",
        )
    elif made_for_another_version(instance, plan):
        yield Violation(
            "P1",
            "the instance changed since this plan was made (its hash differs); "
            "re-solve or check against the instance the plan was made for",
            severity="warning",
        )
    for what, ids in (
        ("LOS network", [n.id for n in plan.networks]),
        ("cluster", [c.id for c in plan.clusters]),
        ("TN network", [t.id for t in plan.tn_networks]),
        ("session", [s.id for s in plan.sessions]),
    ):
        for dup, count in Counter(ids).items():
            if count > 1:
                yield Violation("P1", f"{what} id {dup!r} appears {count} times", (dup,))

    for net in plan.networks:
        if net.id not in idx.network:
            yield Violation("P1", f"network {net.id!r} is not in the instance", (net.id,))
        unknown = [lr for lr in net.learners if lr not in idx.learner]
        if unknown:
            yield Violation("P1", f"network {net.id!r} lists unknown learners", tuple(unknown))
        unknown = [f for f in net.facilitators if f not in idx.facilitator]
        if unknown:
            yield Violation("P1", f"network {net.id!r} lists unknown facilitators", tuple(unknown))
        if net.location not in idx.school:
            yield Violation(
                "P1", f"network {net.id!r} meets at unknown school {net.location!r}", (net.id,)
            )
    placed = Counter(lr for net in plan.networks for lr in net.learners)
    for learner, count in placed.items():
        if count > 1:
            yield Violation("P1", f"learner {learner!r} is placed in {count} networks", (learner,))

    for cluster in plan.clusters:
        unknown = [s for s in cluster.schools if s not in idx.school]
        if unknown:
            yield Violation("P1", f"cluster {cluster.id!r} lists unknown schools", tuple(unknown))
        if cluster.coordinator is not None and cluster.coordinator not in idx.facilitator:
            yield Violation(
                "P1",
                f"cluster {cluster.id!r} has unknown coordinator {cluster.coordinator!r}",
                (cluster.id,),
            )
    clustered = Counter(s for cluster in plan.clusters for s in cluster.schools)
    for school, count in clustered.items():
        if count > 1:
            yield Violation("P1", f"school {school!r} is placed in {count} clusters", (school,))

    for tnet in plan.tn_networks:
        if tnet.id not in idx.tn_network:
            yield Violation("P1", f"TN network {tnet.id!r} is not in the instance", (tnet.id,))
        unknown = [p for p in tnet.participants if p not in idx.tn_participant]
        if unknown:
            yield Violation(
                "P1", f"TN network {tnet.id!r} lists unknown participants", tuple(unknown)
            )
    joined = Counter(p for tnet in plan.tn_networks for p in tnet.participants)
    for participant, count in joined.items():
        if count > 1:
            yield Violation(
                "P1", f"participant {participant!r} is in {count} TN networks", (participant,)
            )

    places = set(idx.school) | set(idx.institution)
    for session in plan.sessions:
        if session.location not in places:
            yield Violation(
                "P1",
                f"session {session.id!r} is at unknown place {session.location!r}",
                (session.id,),
            )
