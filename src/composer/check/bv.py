"""BV checks: B1 eligibility, B2 clusters (and planner wishes), B4 coordinators, B7 proximity,
B8 impossible counts / unplaced schools, and the recomputed BV objective.

Plain Python: the layout of parts (sector-regions, B8 remedies) comes from
:func:`composer.bv_rules.bv_layout` and the objective from :mod:`composer.objective.bv`, the
same functions the solver uses. B3, B5 and B6 (participants, host rotation, cadence) are
checked with the calendar's sessions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from composer.bv_rules import BvLayout, bv_layout, coordinators, part_wishes, wish_conflicts
from composer.check.core import Violation, rule_check, stage_objective
from composer.model.instance import Instance
from composer.model.plan import Cluster, Plan
from composer.objective.bv import BvCostModel, bv_objective_parts, cluster_terms

PLANNED = {"optimal", "feasible"}


def _planned(plan: Plan) -> bool:
    result = plan.stages.get("bv")
    return result is not None and result.status in PLANNED


def _layout(instance: Instance) -> BvLayout:
    return bv_layout(instance)


@rule_check("B1", stage="bv")
def check_b1_eligibility(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Only subsidised schools without individual support are in a cluster."""
    idx = instance.index
    for cluster in plan.clusters:
        for sid in cluster.schools:
            if sid not in idx.school:
                continue  # P1
            school = idx.school_of(sid)
            if not school.bv_subsidy:
                yield Violation(
                    "B1",
                    f"school {sid} is in cluster {cluster.id} but did not receive the "
                    "basisvaardigheden subsidy",
                    (sid, cluster.id),
                )
            elif school.bv_individual_support:
                yield Violation(
                    "B1",
                    f"school {sid} is in cluster {cluster.id} but already receives individual "
                    "support",
                    (sid, cluster.id),
                )


@rule_check("B2", stage="bv")
def check_b2_clusters(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Sizes min..max (one of max+1 where bv.allow_seven applies), one sector, one region
    (or a merged B8 region), every eligible school clustered, the planner's wishes kept."""
    idx = instance.index
    bv = instance.bv
    layout = _layout(instance)
    part_of = layout.part_of()
    oversized: Counter[str] = Counter()
    for cluster in plan.clusters:
        members = [s for s in cluster.schools if s in idx.school]
        size = len(cluster.schools)
        parts = {part_of[idx.school[s]].key for s in members if idx.school[s] in part_of}
        part = part_of.get(idx.school[members[0]]) if members else None
        if size < bv.min_size or size > bv.max_size:
            allowed = (
                size == bv.max_size + 1
                and part is not None
                and part.max_oversize > 0
                and len(parts) == 1
            )
            if allowed:
                oversized[part.key] += 1  # type: ignore[union-attr]
                if oversized[part.key] > part.max_oversize:  # type: ignore[union-attr]
                    yield Violation(
                        "B2",
                        f"cluster {cluster.id} is a second cluster of {size} in "
                        f"{part.key}; bv.allow_seven allows one",  # type: ignore[union-attr]
                        (cluster.id,),
                    )
            else:
                yield Violation(
                    "B2",
                    f"cluster {cluster.id} has {size} schools; clusters have "
                    f"{bv.min_size}-{bv.max_size}",
                    (cluster.id,),
                )
        sectors = sorted({idx.school_of(s).sector for s in members})
        if any(sec != cluster.sector for sec in sectors):
            yield Violation(
                "B2",
                f"cluster {cluster.id} ({cluster.sector}) holds schools of sector(s) "
                f"{', '.join(sectors)}",
                (cluster.id, *members),
            )
        regions = sorted({idx.school_of(s).region for s in members})
        in_parts = [idx.school[s] in part_of for s in members]
        if all(in_parts) and members:
            one_region = len(parts) == 1 and part is not None and part.region == cluster.region
        else:
            one_region = all(r == cluster.region for r in regions)
        if not one_region:
            yield Violation(
                "B2",
                f"cluster {cluster.id} (region {cluster.region}) holds schools of region(s) "
                f"{', '.join(regions)} from {len(parts) or 'no'} sector-region(s); a cluster "
                "stays in one region (merged only under bv.allow_merge for a B8 region)",
                (cluster.id, *members),
            )
    # wishes between two clustered schools of one part
    cluster_of = {s: c.id for c in plan.clusters for s in c.schools}
    ids = [s.id for s in instance.schools]
    conflicts = wish_conflicts(instance, layout)
    for part in layout.parts:
        if part.key in conflicts:
            continue
        for kind, a, b in part_wishes(instance, part):
            ca, cb = cluster_of.get(ids[a]), cluster_of.get(ids[b])
            if ca is None or cb is None:
                continue
            if kind == "together" and ca != cb:
                yield Violation(
                    "B2",
                    f"schools {ids[a]} and {ids[b]} should be together (planner wish) but are "
                    f"in clusters {ca} and {cb}",
                    (ids[a], ids[b]),
                )
            if kind == "apart" and ca == cb:
                yield Violation(
                    "B2",
                    f"schools {ids[a]} and {ids[b]} should be apart (planner wish) but share "
                    f"cluster {ca}",
                    (ids[a], ids[b], ca),
                )
    if not _planned(plan):
        return
    unplaced = {u.id for u in plan.unplaced if u.what == "school"}
    for part in layout.parts:
        missing = [ids[s] for s in part.schools if ids[s] not in cluster_of]
        missing = [s for s in missing if s not in unplaced]
        if missing:
            yield Violation(
                "B2",
                f"{len(missing)} eligible school(s) of {part.key} are in no cluster and not "
                "listed as unplaced",
                tuple(missing),
            )


@rule_check("B4", stage="bv")
def check_b4_coordinators(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """One OCW coordinator per cluster, working in its region, within ``max_groups``; a
    cluster without one is declared unplaced (rule B4) and only when nobody has room."""
    idx = instance.index
    load: Counter[str] = Counter()
    declared = {u.id for u in plan.unplaced if u.what == "cluster" and u.rule == "B4"}
    for cluster in plan.clusters:
        if cluster.coordinator is None or cluster.coordinator not in idx.facilitator:
            continue
        fac = idx.facilitator_of(cluster.coordinator)
        load[fac.id] += 1
        if fac.role != "ocw_coordinator":
            yield Violation(
                "B4",
                f"cluster {cluster.id} is guided by {fac.id}, a {fac.role}, not an OCW coordinator",
                (cluster.id, fac.id),
            )
        if cluster.region not in fac.regions:
            yield Violation(
                "B4",
                f"cluster {cluster.id} (region {cluster.region}) is guided by {fac.id}, who "
                f"works in {', '.join(fac.regions) or 'no region'}",
                (cluster.id, fac.id),
            )
    for fid, count in sorted(load.items()):
        fac = idx.facilitator_of(fid)
        if fac.max_groups is not None and count > fac.max_groups:
            yield Violation(
                "B4",
                f"coordinator {fid} guides {count} clusters; their capacity is {fac.max_groups}",
                (fid,),
            )
    room: dict[str, int | None] = {}
    for i in coordinators(instance):
        fac = instance.facilitators[i]
        room[fac.id] = None if fac.max_groups is None else fac.max_groups - load[fac.id]
    for cluster in plan.clusters:
        if cluster.coordinator is not None:
            continue
        if cluster.id not in declared:
            yield Violation(
                "B4",
                f"cluster {cluster.id} has no coordinator and is not listed as unplaced",
                (cluster.id,),
            )
            continue
        free = [
            fid
            for fid, left in room.items()
            if cluster.region in idx.facilitator_of(fid).regions and (left is None or left > 0)
        ]
        if free:
            yield Violation(
                "B4",
                f"cluster {cluster.id} has no coordinator although {', '.join(free)} of region "
                f"{cluster.region} still has room",
                (cluster.id, *free),
            )
    cluster_ids = {c.id for c in plan.clusters}
    for cid in sorted(declared - cluster_ids):
        yield Violation(
            "B4", f"unplaced cluster {cid} is not a cluster of the plan", (cid,), "warning"
        )


def _neighbouring(
    instance: Instance, clusters: list[Cluster], near: int = 8
) -> set[tuple[int, int]]:
    """Pairs of clusters (positions in ``clusters``) with schools among each other's
    ``near`` nearest schools: the pairs a local improvement would try."""
    idx = instance.index
    where = {s: k for k, c in enumerate(clusters) for s in c.schools}
    schools = list(where)
    pairs: set[tuple[int, int]] = set()
    for s in schools:
        a = idx.school[s]
        closest = sorted(schools, key=lambda t: (idx.travel_minutes(a, idx.school[t]), t))
        for t in closest[1 : near + 1]:
            k, m = where[s], where[t]
            if k != m:
                pairs.add((min(k, m), max(k, m)))
    return pairs


@rule_check("B7", stage="bv")
def check_b7_proximity(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Warns when moving one school, or swapping two, between neighbouring clusters of one
    sector-region lowers the objective (a plan optimal for B7 admits no such step)."""
    if not plan.clusters:
        return
    idx = instance.index
    bv = instance.bv
    layout = _layout(instance)
    part_of = layout.part_of()
    model = BvCostModel.of(instance)
    boards = [s.board for s in instance.schools]
    in_wish = {w.school_a for w in bv.wishes} | {w.school_b for w in bv.wishes}

    def cost(members: list[str]) -> int:
        positions = [idx.school[s] for s in members]
        return model.cluster_cost(cluster_terms(positions, idx.travel_minutes, boards))

    by_part: dict[tuple[str, str], list[Cluster]] = defaultdict(list)
    for cluster in plan.clusters:
        if all(s in idx.school for s in cluster.schools):
            by_part[(cluster.sector, cluster.region)].append(cluster)
    for group in by_part.values():
        costs = [cost(list(c.schools)) for c in group]
        best: tuple[int, str] | None = None
        for k, m in sorted(_neighbouring(instance, group)):
            a, b = list(group[k].schools), list(group[m].schools)
            part = part_of.get(idx.school[a[0]])
            high = bv.max_size + (1 if part is not None and part.max_oversize else 0)
            for x, y, src, dst in ((a, b, group[k], group[m]), (b, a, group[m], group[k])):
                if len(x) <= bv.min_size or len(y) >= min(high, bv.max_size):
                    continue
                for s in x:
                    if s in in_wish:
                        continue
                    gain = (
                        costs[group.index(src)]
                        + costs[group.index(dst)]
                        - cost([t for t in x if t != s])
                        - cost([*y, s])
                    )
                    if gain > 0 and (best is None or gain > best[0]):
                        best = (gain, f"moving school {s} from {src.id} to {dst.id}")
            for s in a:
                for t in b:
                    if s in in_wish or t in in_wish:
                        continue
                    gain = (
                        costs[k]
                        + costs[m]
                        - cost([*(u for u in a if u != s), t])
                        - cost([*(u for u in b if u != t), s])
                    )
                    if gain > 0 and (best is None or gain > best[0]):
                        best = (
                            gain,
                            f"swapping schools {s} ({group[k].id}) and {t} ({group[m].id})",
                        )
        if best is not None:
            yield Violation(
                "B7",
                f"{best[1]} lowers the BV objective by {best[0]} (weighted seconds per "
                "meeting round): the clusters are not as close as they could be",
                (group[0].sector, group[0].region),
                severity="warning",
            )


@rule_check("B8", stage="bv")
def check_b8_unplaced(instance: Instance, plan: Plan) -> Iterator[Violation]:
    """Every school listed as unplaced carries a valid reason (B1 individual support, B8
    impossible count, B2 wishes that cannot hold), and the schools of a B8 sector-region
    left out by this run's settings are not clustered but listed."""
    idx = instance.index
    layout = _layout(instance)
    clustered = {s for c in plan.clusters for s in c.schools}
    conflicts = wish_conflicts(instance, layout)
    part_of = layout.part_of()
    listed = set()
    for item in plan.unplaced:
        if item.what != "school":
            continue
        listed.add(item.id)
        if item.id not in idx.school:
            continue  # P1
        pos = idx.school[item.id]
        school = instance.schools[pos]
        if item.id in clustered:
            yield Violation(
                item.rule or "B8",
                f"school {item.id} is listed as unplaced but is in a cluster",
                (item.id,),
            )
        if item.rule == "B1":
            if not (school.bv_subsidy and school.bv_individual_support):
                yield Violation(
                    "B1",
                    f"school {item.id} is left out for individual support, but the instance "
                    "does not mark it as receiving individual support",
                    (item.id,),
                )
        elif item.rule == "B8":
            if pos not in layout.left_out:
                yield Violation(
                    "B8",
                    f"school {item.id} is left out for an impossible count (B8), but its "
                    "sector-region can be split into clusters under this run's settings",
                    (item.id,),
                )
        elif item.rule == "B2":
            part = part_of.get(pos)
            if part is None or not (part.key in conflicts or part_wishes(instance, part)):
                yield Violation(
                    "B8",
                    f"school {item.id} is left out because wishes cannot hold (B2), but no "
                    "wish concerns its sector-region",
                    (item.id,),
                )
        elif school.bv_subsidy:
            yield Violation(
                "B8",
                f"school {item.id} is left out without a BV reason (rule {item.rule})",
                (item.id,),
                severity="warning",
            )
    if not _planned(plan):
        return
    ids = [s.id for s in instance.schools]
    for pos, finding in sorted(layout.left_out.items()):
        if ids[pos] in clustered:
            continue  # B2 reports the cluster that cannot be
        if ids[pos] not in listed:
            yield Violation(
                "B8",
                f"school {ids[pos]} ({finding.sector}, region {finding.region}: "
                f"{len(finding.schools)} eligible) is neither clustered nor listed as unplaced",
                (ids[pos],),
            )


@stage_objective("bv")
def bv_objective(instance: Instance, plan: Plan) -> dict[str, float]:
    """The BV objective recomputed from the clusters (travel, worst_travel, board)."""
    return bv_objective_parts(instance, plan.clusters)
