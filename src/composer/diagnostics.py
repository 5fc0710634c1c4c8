"""Pre-solve diagnostics: warnings with rule ids, found before any solver runs.

These are not errors in the data (the instance is valid) but signs that a plan will be
impossible or poor: a sector-region whose eligible schools cannot be split into
clusters (B8), a network whose two facilitators share no day (L5), less seat capacity
than learners in a region (L1), a learner no LOS network could take (kind, component,
region, roster, travel), with the reason per learner. ``composer validate`` prints
them; ``composer solve`` prints them before solving.
"""

from __future__ import annotations

from collections import defaultdict

from composer.errors import Issue
from composer.model.instance import Instance


def splittable(count: int, low: int, high: int) -> bool:
    """True when ``count`` items fit exactly into groups of ``low..high`` (B8).

    A count is splittable when some number of groups k has k*low <= count <= k*high;
    with 4..6 the impossible counts are 1, 2, 3 and 7. Zero needs no group.
    """
    if count == 0:
        return True
    return any(k * low <= count <= k * high for k in range(1, count // max(1, low) + 1))


def bv_eligible(instance: Instance) -> list[int]:
    """B1: positions of subsidised schools without individual support."""
    return [
        i
        for i, school in enumerate(instance.schools)
        if school.bv_subsidy and not school.bv_individual_support
    ]


def _b8(instance: Instance) -> list[Issue]:
    bv = instance.bv
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for i in bv_eligible(instance):
        school = instance.schools[i]
        groups[(school.sector, school.region)].append(school.id)
    issues = []
    for (sector, region), schools in sorted(groups.items()):
        if not splittable(len(schools), bv.min_size, bv.max_size):
            issues.append(
                Issue(
                    f"{sector} in region {region!r} has {len(schools)} eligible school(s), which "
                    f"cannot be split into clusters of {bv.min_size}-{bv.max_size}: "
                    f"{', '.join(schools)}",
                    rule="B8",
                    severity="warning",
                    fix="merge with a neighbouring region of the same sector (bv.allow_merge), "
                    "allow one larger cluster (bv.allow_seven), or defer a school",
                )
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
        *_l5_shared_day(instance),
        *_l1_capacity(instance),
        *_los_no_network(instance),
    ]
