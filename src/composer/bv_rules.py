"""BV rule logic shared by the solver, the checker and the diagnostics (plain Python).

- **B1** :func:`bv_eligible`: subsidised schools without individual support.
- **B2/B8** :func:`bv_layout`: the eligible schools split into *parts* (one sector of one
  region, the unit a cluster never crosses), the parts whose count cannot be split into
  clusters of ``min_size..max_size`` (B8) with their remedies, and what happens to them
  under the run's settings: ``bv.allow_seven`` admits one cluster of ``max_size + 1``,
  ``bv.allow_merge`` merges the schools into the nearest region of the same sector (a
  merged part's clusters belong to that *receiving* region), otherwise the part is left
  out and its schools are listed as unplaced (B8) while the rest of the country is planned.
- **B4** :func:`coordinator_shortage`: whether the OCW coordinators of each region can
  guide the fewest clusters its parts need (a max-flow over coordinators shared between
  regions and sectors).

The solver and the checker both call :func:`bv_layout`, so they agree by construction on
which schools must be clustered, which cluster may hold 7 schools and which regions merge.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from composer.objective.bv import BvCostModel, cluster_terms

if TYPE_CHECKING:
    from composer.model.instance import Instance, School


def splittable(count: int, low: int, high: int, oversize: int = 0) -> bool:
    """True when ``count`` items fit exactly into groups of ``low..high`` (B8), with up to
    ``oversize`` extra groups of ``high + 1`` allowed.

    A count is splittable when some number of groups k has k*low <= count <= k*high;
    with 4..6 the impossible counts are 1, 2, 3 and 7 (7 becomes possible with one group of
    7). Zero needs no group.
    """
    if count == 0:
        return True
    for big in range(oversize + 1):
        rest = count - big * (high + 1)
        if rest < 0:
            break
        if rest == 0 or any(k * low <= rest <= k * high for k in range(1, rest // low + 1)):
            return True
    return False


def cluster_count_range(count: int, low: int, high: int, oversize: int = 0) -> tuple[int, int]:
    """(fewest, most) clusters a splittable ``count`` can form with ``low..high`` (and up to
    ``oversize`` clusters of ``high + 1``)."""
    feasible = [
        k
        for k in range(0, count // low + 1)
        if any(
            (k - big) * low + big * (high + 1) <= count <= (k - big) * high + big * (high + 1)
            for big in range(min(oversize, k) + 1)
        )
    ]
    if count == 0:
        return 0, 0
    return (min(feasible), max(feasible)) if feasible else (0, 0)


def usable_sizes(
    count: int, low: int, high: int, oversize: int = 0, most_clusters: int | None = None
) -> list[int]:
    """The cluster sizes that occur in some split of ``count`` schools into at most
    ``most_clusters`` clusters of ``low..high`` (and up to ``oversize`` of ``high + 1``).

    Why: when the coordinators' capacity (B4) forces the fewest clusters, some sizes fit no
    plan at all. 149 schools in 25 clusters of 4-6 are 24 of 6 and one of 5, never a 4,
    but a set-partitioning LP happily mixes in half a cluster of 4. Offering only usable
    sizes to the pricer tightens that LP at no cost. Without a cap every size of a
    splittable count is usable; an unsplittable count (B8) has none.
    """
    top = high + 1 if oversize else high
    if most_clusters is None:
        most_clusters = count // low if low > 0 else count

    def fits(rest: int, groups: int, big_left: int) -> bool:
        # ``groups`` clusters of low..high holding ``rest``, up to ``big_left`` of high + 1
        return any(
            (groups - big) * low + big * (high + 1)
            <= rest
            <= (groups - big) * high + big * (high + 1)
            for big in range(min(big_left, groups) + 1)
        )

    return [
        size
        for size in range(low, top + 1)
        if size <= count
        and any(
            fits(count - size, others, oversize - (size > high))
            for others in range(0, most_clusters)
        )
    ]


def is_bv_eligible(school: School) -> bool:
    """B1: the school is subsidised and receives no individual support."""
    return school.bv_subsidy and not school.bv_individual_support


def bv_eligible(instance: Instance) -> list[int]:
    """B1: positions of subsidised schools without individual support (instance order)."""
    return [i for i, school in enumerate(instance.schools) if is_bv_eligible(school)]


def bv_support_excluded(instance: Instance) -> list[int]:
    """B1: positions of subsidised schools left out because they receive individual support."""
    return [
        i
        for i, school in enumerate(instance.schools)
        if school.bv_subsidy and school.bv_individual_support
    ]


def coordinators(instance: Instance) -> list[int]:
    """B4: positions of the OCW coordinators among the facilitators."""
    return [i for i, f in enumerate(instance.facilitators) if f.role == "ocw_coordinator"]


# --------------------------------------------------------------------------- parts


@dataclass(frozen=True)
class BvPart:
    """Eligible schools that are clustered together: one sector of one region, or a region
    with the B8-stranded schools of its neighbours merged in (``allow_merge``).

    ``region`` is the region of every cluster of the part (the receiving region when
    merged); ``regions`` lists every region whose schools it holds, ``region`` first.
    ``max_oversize`` is 1 when one cluster of ``max_size + 1`` is allowed (``allow_seven``).
    """

    sector: str
    region: str
    regions: tuple[str, ...]
    schools: tuple[int, ...]
    min_size: int
    max_size: int
    max_oversize: int = 0
    remedy: str | None = None

    @property
    def key(self) -> str:
        """``po:r1`` or, merged, ``po:r1+r2``."""
        return f"{self.sector}:{'+'.join(self.regions)}"

    def count_range(self) -> tuple[int, int]:
        """(fewest, most) clusters this part can form."""
        return cluster_count_range(
            len(self.schools), self.min_size, self.max_size, self.max_oversize
        )


@dataclass(frozen=True)
class B8Finding:
    """A sector-region whose eligible count cannot be split into clusters (B8), with the
    remedies computed from the data and the one applied in this run (if any)."""

    sector: str
    region: str
    schools: tuple[str, ...]
    min_size: int
    max_size: int
    seven_ok: bool
    nearest_region: str | None
    nearest_minutes: float | None
    merged_count: int | None
    defer: tuple[str, ...]
    defer_exact: bool
    applied: str | None = None
    note: str = ""

    def message(self) -> str:
        """What is impossible, for whom, and what the run did about it."""
        text = (
            f"{self.sector} in region {self.region!r} has {len(self.schools)} eligible "
            f"school(s), which cannot be split into clusters of {self.min_size}-"
            f"{self.max_size}: {', '.join(self.schools)}"
        )
        if self.applied == "seven":
            text += f"; remedy applied: one cluster of {self.max_size + 1} (bv.allow_seven)"
        elif self.applied == "merge":
            text += f"; remedy applied: merged with region {self.nearest_region!r} (bv.allow_merge)"
        else:
            text += "; left out of this plan (listed as unplaced)"
        if self.note:
            text += f"; {self.note}"
        return text

    def fix(self) -> str:
        """Every remedy that would work, most specific first."""
        options = []
        if self.nearest_region is not None:
            options.append(
                f"merge with the nearest region of the same sector, {self.nearest_region!r} "
                f"(~{self.nearest_minutes:.0f} min away; {self.merged_count} schools together): "
                "--set bv.allow_merge=true"
            )
        if self.seven_ok:
            options.append(f"allow one cluster of {self.max_size + 1}: --set bv.allow_seven=true")
        if self.defer:
            what = "school" if len(self.defer) == 1 else "schools"
            how = "cheapest" if self.defer_exact else "most remote, an estimate"
            if len(self.defer) == len(self.schools):
                options.append(f"defer all {len(self.defer)} {what} to the next round")
            else:
                options.append(
                    f"defer {what} {', '.join(self.defer)} to the next round ({how}: remove "
                    "its bv_subsidy mark for this round)"
                )
        return "; or ".join(options) if options else "no remedy: add eligible schools"


@dataclass(frozen=True)
class BvLayout:
    """The split of the eligible schools into parts, with the B8 findings and leftovers."""

    parts: tuple[BvPart, ...]
    findings: tuple[B8Finding, ...]
    left_out: dict[int, B8Finding] = field(default_factory=dict)
    support_excluded: tuple[int, ...] = ()

    def part_of(self) -> dict[int, BvPart]:
        """School position → its part."""
        return {s: part for part in self.parts for s in part.schools}


def _mean_nearest_minutes(
    instance: Instance, schools: Sequence[int], other: Sequence[int]
) -> float:
    idx = instance.index
    return sum(min(idx.travel_minutes(a, b) for b in other) for a in schools) / len(schools)


def _cheapest_deferral(
    instance: Instance, schools: Sequence[int], drop: int, low: int, high: int
) -> tuple[tuple[int, ...], bool]:
    """The ``drop`` schools whose deferral leaves the cheapest clustering.

    Exact when what remains is one cluster (every subset of that size is costed with the
    objective); otherwise the most remote schools (largest travel to their nearest
    ``low - 1`` neighbours), flagged as an estimate.
    """
    idx = instance.index
    keep = len(schools) - drop
    if drop <= 0:
        return (), True
    if keep <= 0:
        return tuple(schools), True
    boards = [s.board for s in instance.schools]
    cost_model = BvCostModel.of(instance)
    if keep <= high and math.comb(len(schools), keep) <= 5000:
        best: tuple[int, tuple[int, ...]] | None = None
        for kept in itertools.combinations(schools, keep):
            cost = cost_model.cluster_cost(cluster_terms(kept, idx.travel_minutes, boards))
            dropped = tuple(s for s in schools if s not in kept)
            if best is None or (cost, dropped) < best:
                best = (cost, dropped)
        assert best is not None
        return best[1], True

    def remoteness(a: int) -> int:
        near = sorted(idx.travel_minutes(a, b) for b in schools if b != a)
        return sum(near[: max(1, low - 1)])

    ranked = sorted(schools, key=lambda a: (-remoteness(a), a))
    return tuple(sorted(ranked[:drop])), False


def bv_layout(instance: Instance) -> BvLayout:
    """Split the eligible schools into parts and apply the B8 remedies the settings allow.

    Deterministic: parts in (sector, region) order; the same instance gives the same layout
    in the solver and the checker.
    """
    bv = instance.bv
    low, high = bv.min_size, bv.max_size
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in bv_eligible(instance):
        school = instance.schools[i]
        groups[(school.sector, school.region)].append(i)

    findings: list[B8Finding] = []
    merge_into: dict[tuple[str, str], tuple[str, str]] = {}
    seven: set[tuple[str, str]] = set()
    impossible = {key for key, members in groups.items() if not splittable(len(members), low, high)}
    finding_of: dict[tuple[str, str], B8Finding] = {}
    for key in sorted(impossible):
        sector, region = key
        members = groups[key]
        n = len(members)
        seven_ok = splittable(n, low, high, oversize=1)
        # nearest region of the same sector whose merge makes the count splittable
        candidates = []
        for (other_sector, other_region), others in groups.items():
            if other_sector != sector or other_region == region:
                continue
            if splittable(n + len(others), low, high):
                minutes = _mean_nearest_minutes(instance, members, others)
                candidates.append((minutes, other_region, len(others)))
        candidates.sort()
        nearest = candidates[0] if candidates else None
        drop = next((d for d in range(1, n + 1) if splittable(n - d, low, high)), n)
        defer, exact = _cheapest_deferral(instance, members, drop, low, high)
        applied = None
        if bv.allow_seven and seven_ok:
            applied = "seven"
            seven.add(key)
        elif bv.allow_merge and nearest is not None:
            applied = "merge"
            merge_into[key] = (sector, nearest[1])
        finding = B8Finding(
            sector=sector,
            region=region,
            schools=tuple(instance.schools[i].id for i in members),
            min_size=low,
            max_size=high,
            seven_ok=seven_ok,
            nearest_region=nearest[1] if nearest else None,
            nearest_minutes=nearest[0] if nearest else None,
            merged_count=n + nearest[2] if nearest else None,
            defer=tuple(instance.schools[i].id for i in defer),
            defer_exact=exact,
            applied=applied,
        )
        finding_of[key] = finding
        findings.append(finding)

    # Merges: union each stranded group with its nearest region; the group with the most
    # schools in a merged component is the receiving region (its clusters' region).
    parent: dict[tuple[str, str], tuple[str, str]] = {key: key for key in groups}

    def find(key: tuple[str, str]) -> tuple[str, str]:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, target in merge_into.items():
        parent[find(key)] = find(target)
    components: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for key in groups:
        components[find(key)].append(key)

    parts: list[BvPart] = []
    left_out: dict[int, B8Finding] = {}
    for keys in sorted(components.values(), key=min):
        keys = sorted(keys, key=lambda k: (-len(groups[k]), k))
        root = keys[0]
        schools = tuple(sorted(s for k in keys for s in groups[k]))
        oversize = 1 if root in seven else 0
        if len(keys) > 1 and not splittable(len(schools), low, high):
            # the merges together do not add up: leave every merged-in group out
            for k in keys[1:]:
                note = (
                    f"merging into {root[1]!r} together with other stranded schools gives "
                    f"{len(schools)} schools, still not splittable"
                )
                finding_of[k] = _replace(finding_of[k], applied=None, note=note)
                for s in groups[k]:
                    left_out[s] = finding_of[k]
            keys = [root]
            schools = tuple(groups[root])
        elif len(keys) > 1:
            for k in keys[1:]:
                if finding_of[k].nearest_region != root[1]:
                    note = f"its clusters belong to region {root[1]!r}"
                    finding_of[k] = _replace(finding_of[k], note=note)
        if not splittable(len(schools), low, high, oversize):
            for s in schools:
                left_out[s] = finding_of[root]
            continue
        parts.append(
            BvPart(
                sector=root[0],
                region=root[1],
                regions=tuple(k[1] for k in keys),
                schools=schools,
                min_size=low,
                max_size=high,
                max_oversize=oversize,
                remedy="seven" if oversize else ("merge" if len(keys) > 1 else None),
            )
        )
    parts.sort(key=lambda p: (p.sector, p.region))
    findings = [finding_of[(f.sector, f.region)] for f in findings]
    return BvLayout(
        parts=tuple(parts),
        findings=tuple(findings),
        left_out=left_out,
        support_excluded=tuple(bv_support_excluded(instance)),
    )


def _replace(finding: B8Finding, **changes: object) -> B8Finding:
    from dataclasses import replace

    return replace(finding, **changes)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- B4


@dataclass(frozen=True)
class B4Shortage:
    """A region whose coordinators cannot guide the fewest clusters its parts need."""

    region: str
    needed: int
    available: int
    coordinators: tuple[str, ...]
    parts: tuple[str, ...]

    def message(self) -> str:
        """The shortage in a planner's words."""
        who = ", ".join(self.coordinators) if self.coordinators else "no OCW coordinator"
        return (
            f"region {self.region!r} needs at least {self.needed} cluster(s) "
            f"({', '.join(self.parts)}) but its coordinators ({who}) can guide only "
            f"{self.available} more"
        )

    def fix(self) -> str:
        """What would make it feasible."""
        short = self.needed - self.available
        return (
            f"add a coordinator for region {self.region!r} or raise max_groups by {short} "
            "in total; until then the clusters without a coordinator are listed as unplaced"
        )


UNLIMITED = 10**6
"""Capacity of a coordinator without ``max_groups``."""


def coordinator_flow(
    instance: Instance, demand: dict[str, int]
) -> tuple[int, dict[str, int], dict[tuple[str, str], int]]:
    """Max-flow of clusters per region (``demand``) to the coordinators of that region.

    Returns (total flow, flow per region, flow per (region, coordinator id)). Coordinators
    without ``max_groups`` take any number.
    """
    import networkx as nx

    graph = nx.DiGraph()
    for region, count in demand.items():
        if count > 0:
            graph.add_edge("source", ("r", region), capacity=count)
    for i in coordinators(instance):
        fac = instance.facilitators[i]
        cap = UNLIMITED if fac.max_groups is None else fac.max_groups
        if cap <= 0:
            continue
        graph.add_edge(("c", fac.id), "sink", capacity=cap)
        for region in fac.regions:
            if demand.get(region, 0) > 0:
                graph.add_edge(("r", region), ("c", fac.id), capacity=UNLIMITED)
    if "source" not in graph or "sink" not in graph:
        return 0, {}, {}
    value, flow = nx.maximum_flow(graph, "source", "sink")
    per_region = {r: flow["source"].get(("r", r), 0) for r in demand}
    per_pair = {
        (node[1], target[1]): amount
        for node, targets in flow.items()
        if isinstance(node, tuple) and node[0] == "r"
        for target, amount in targets.items()
        if amount > 0
    }
    return int(value), per_region, per_pair


def coordinator_shortage(instance: Instance, layout: BvLayout) -> list[B4Shortage]:
    """B4: regions whose coordinators cannot guide even the fewest clusters their parts need.

    The coordinators of a region are shared by its sectors (and by the other regions they
    work in), so this is one max-flow over all regions, not a count per region.
    """
    demand: dict[str, int] = defaultdict(int)
    part_names: dict[str, list[str]] = defaultdict(list)
    for part in layout.parts:
        fewest = part.count_range()[0]
        demand[part.region] += fewest
        part_names[part.region].append(f"{part.key}: {len(part.schools)} schools, >= {fewest}")
    if not demand:
        return []
    _, per_region, _ = coordinator_flow(instance, dict(demand))
    shortages = []
    for region in sorted(demand):
        got = per_region.get(region, 0)
        if got < demand[region]:
            covering = tuple(
                instance.facilitators[i].id
                for i in coordinators(instance)
                if region in instance.facilitators[i].regions
            )
            shortages.append(
                B4Shortage(region, demand[region], got, covering, tuple(part_names[region]))
            )
    return shortages


# --------------------------------------------------------------------------- wishes


def part_wishes(instance: Instance, part: BvPart) -> list[tuple[str, int, int]]:
    """The wishes between two schools of ``part``: (kind, position a, position b)."""
    idx = instance.index
    members = set(part.schools)
    found: list[tuple[str, int, int]] = []
    for wish in instance.bv.wishes:
        a, b = idx.school.get(wish.school_a), idx.school.get(wish.school_b)
        if a in members and b in members:
            assert a is not None and b is not None
            found.append((wish.kind, a, b))
    return found


def wish_conflicts(instance: Instance, layout: BvLayout) -> dict[str, str]:
    """Parts whose wishes cannot all hold (found without solving), with the reason.

    A group of schools chained by ``together`` wishes larger than the largest cluster, or
    an ``apart`` wish inside such a group. (Rarer conflicts, e.g. too many schools that
    must be pairwise apart, are found by the solver.)
    """
    conflicts: dict[str, str] = {}
    ids = [s.id for s in instance.schools]
    for part in layout.parts:
        wishes = part_wishes(instance, part)
        if not wishes:
            continue
        parent = {s: s for s in part.schools}

        def find(a: int, parent: dict[int, int] = parent) -> int:
            while parent[a] != a:
                parent[a] = parent[parent[a]]
                a = parent[a]
            return a

        for kind, a, b in wishes:
            if kind == "together":
                parent[find(a)] = find(b)
        blocks: dict[int, list[int]] = defaultdict(list)
        for s in part.schools:
            blocks[find(s)].append(s)
        largest = part.max_size + (1 if part.max_oversize else 0)
        reasons = []
        for block in sorted(blocks.values()):
            if len(block) > largest:
                reasons.append(
                    f"schools {', '.join(ids[s] for s in block)} must all be together "
                    f"(wishes), more than a cluster of at most {largest} holds"
                )
        for kind, a, b in wishes:
            if kind == "apart" and find(a) == find(b):
                reasons.append(
                    f"schools {ids[a]} and {ids[b]} must be apart but are chained together "
                    "by other wishes"
                )
        if reasons:
            conflicts[part.key] = "; ".join(reasons)
    return conflicts


def unusable_wishes(instance: Instance, layout: BvLayout) -> list[str]:
    """Wishes that cannot apply in this run: a ``together`` wish across two parts (a
    cluster holds one sector of one region, B2), or a wish naming a school that is not
    clustered (not eligible, B1, or left out, B8). They are reported and not applied."""
    idx = instance.index
    part_of = layout.part_of()
    lines = []
    for wish in instance.bv.wishes:
        a, b = idx.school.get(wish.school_a), idx.school.get(wish.school_b)
        pa, pb = (
            part_of.get(a) if a is not None else None,
            part_of.get(b) if b is not None else None,
        )
        if pa is None or pb is None:
            missing = [s for s, p in ((wish.school_a, pa), (wish.school_b, pb)) if p is None]
            lines.append(
                f"wish {wish.kind} {wish.school_a}/{wish.school_b}: {', '.join(missing)} "
                "is not clustered in this run (not eligible or left out); the wish is not applied"
            )
        elif pa.key != pb.key and wish.kind == "together":
            lines.append(
                f"wish together {wish.school_a}/{wish.school_b}: they are in {pa.key} and "
                f"{pb.key}, and a cluster holds one sector of one region (B2); not applied"
            )
    return lines
