"""Pre-solve diagnostics: warnings with rule ids, found before any solver runs.

These are not errors in the data (the instance is valid) but signs that a plan will be
impossible or poor: a sector-region whose eligible schools cannot be split into
clusters (B8) and the remedies, too few OCW coordinators for the clusters a region
needs (B4), a network whose two facilitators share no day (L5), less seat capacity
than learners in a region (L1), a learner no LOS network could take (kind, component,
region, roster, travel), with the reason per learner, and the TN findings of
:func:`composer.tn_rules.tn_findings` (T3, T6, T7, pins). ``composer validate`` prints
them; ``composer solve`` prints them before solving.
"""

from __future__ import annotations

from composer.bv_rules import (
    bv_eligible,
    bv_layout,
    coordinator_shortage,
    splittable,
    unusable_wishes,
    wish_conflicts,
)
from composer.errors import Issue
from composer.model.instance import Instance
from composer.tn_rules import tn_findings


def _b8(instance: Instance) -> list[Issue]:
    """B8: sector-regions whose eligible count cannot be split, with the named remedies
    (nearest region to merge with, a cluster of 7, the cheapest school to defer)."""
    if not bv_eligible(instance):
        return []
    layout = bv_layout(instance)
    return [
        Issue(finding.message(), rule="B8", severity="warning", fix=finding.fix())
        for finding in layout.findings
    ]


def _b4(instance: Instance) -> list[Issue]:
    """B4: regions whose OCW coordinators cannot guide the fewest clusters needed."""
    if not bv_eligible(instance):
        return []
    layout = bv_layout(instance)
    return [
        Issue(short.message(), rule="B4", severity="warning", fix=short.fix())
        for short in coordinator_shortage(instance, layout)
    ]


def _b2_wishes(instance: Instance) -> list[Issue]:
    """B2: planner wishes that cannot hold (contradictions) or cannot apply (across parts,
    or naming a school that is not clustered)."""
    if not instance.bv.wishes or not bv_eligible(instance):
        return []
    layout = bv_layout(instance)
    issues = [
        Issue(
            f"{key}: {reason}; these schools will not be clustered",
            rule="B2",
            severity="warning",
            fix="remove or change one of the wishes",
        )
        for key, reason in sorted(wish_conflicts(instance, layout).items())
    ]
    issues.extend(
        Issue(line, rule="B2", severity="warning", fix="remove the wish or change the schools")
        for line in unusable_wishes(instance, layout)
    )
    return issues


def _l5_shared_day(instance: Instance) -> list[Issue]:
    idx = instance.index
    issues = []
    for net in instance.los.networks:
        if net.schoolopleider is None or net.second_facilitator is None:
            continue
        so = idx.facilitator_of(net.schoolopleider)
        second = idx.facilitator_of(net.second_facilitator)
        days = set(so.available_days) & set(second.available_days) & set(instance.calendar.weekdays)
        if not days:
            issues.append(
                Issue(
                    f"network {net.id!r}: its facilitators {so.id!r} "
                    f"({', '.join(so.available_days) or 'no days'}) and {second.id!r} "
                    f"({', '.join(second.available_days) or 'no days'}) share no day",
                    rule="L5",
                    severity="warning",
                    fix="change one facilitator's available days or assign another facilitator",
                )
            )
    return issues


def _l1_capacity(instance: Instance) -> list[Issue]:
    idx = instance.index
    issues = []
    settings = instance.los.settings
    for region, learners in sorted(idx.learners_by_region.items()):
        networks = idx.networks_by_region.get(region, [])
        seats = sum(instance.los.networks[n].size_bounds(settings)[1] for n in networks)
        if len(learners) > seats:
            issues.append(
                Issue(
                    f"region {region!r} has {len(learners)} learners but its {len(networks)} "
                    f"network(s) seat at most {seats}",
                    rule="L1",
                    severity="warning",
                    fix="add networks, raise max_size, or allow unplaced learners "
                    "(los.settings.allow_unplaced)",
                )
            )
        minimum = sum(instance.los.networks[n].size_bounds(settings)[0] for n in networks)
        if networks and len(learners) < minimum:
            issues.append(
                Issue(
                    f"region {region!r} has {len(learners)} learners but its {len(networks)} "
                    f"network(s) need at least {minimum}",
                    rule="L1",
                    severity="warning",
                    fix="close a network or lower min_size",
                )
            )
    return issues


def _los_no_network(instance: Instance) -> list[Issue]:
    """Learners no network could take (region, pin, L2 kind, L3 component, L4 roster,
    L7 travel), with the reason per learner, from :func:`composer.los_rules.candidates`."""
    if not instance.learners:
        return []
    from composer import los_rules

    cand = los_rules.candidates(instance)
    allowed = instance.los.settings.allow_unplaced
    issues = []
    for lr, networks in cand.networks_of.items():
        if networks:
            continue
        learner = instance.learners[lr]
        region = los_rules.learner_region(instance, learner)
        refusals = list(cand.refusals[lr].values())
        why = (
            los_rules.summarise(refusals)
            if refusals
            else f"[L7] region {region} has no LOS network"
        )
        needs = f", needs {'+'.join(learner.needs)}" if learner.needs else ""
        issues.append(
            Issue(
                f"learner {learner.id} ({learner.kind}{needs}, {learner.home_school}, region "
                f"{region}) has no network that could take them: {why}",
                rule=refusals[0].rule if refusals else "L7",
                severity="warning",
                fix=(
                    "they will be left unplaced (allow_unplaced is set)"
                    if allowed
                    else "add or change a network (components, location, slot, facilitators), "
                    "correct the learner's roster or needs, or allow unplaced learners"
                ),
            )
        )
    return issues


def diagnose(instance: Instance) -> list[Issue]:
    """Every pre-solve warning for ``instance`` (empty when nothing looks impossible)."""
    return [
        *_b8(instance),
        *_b4(instance),
        *_b2_wishes(instance),
        *_l5_shared_day(instance),
        *_l1_capacity(instance),
        *_los_no_network(instance),
        *tn_findings(instance),
    ]


__all__ = ["bv_eligible", "diagnose", "splittable"]
