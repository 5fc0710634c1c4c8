"""Integer indices over an instance, for solvers and the checker.

String ids live at the edges (files, plans, messages); inside models everything is an
integer position in the instance's tuples. :class:`InstanceIndex` is built once per
instance (``instance.index``) and holds the id → position maps and the groupings every
stage needs (learners per region, schools per sector-region, ...).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from composer.model.instance import Facilitator, Instance, LosNetwork, School

EARTH_RADIUS_KM = 6371.0088


def _positions(items: Sequence[Any]) -> dict[str, int]:
    return {item.id: i for i, item in enumerate(items)}


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


class InstanceIndex:
    """Id ↔ position maps and derived groupings of one instance (read-only)."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.school = _positions(instance.schools)
        self.region = _positions(instance.regions)
        self.institution = _positions(instance.institutions)
        self.learner = _positions(instance.learners)
        self.facilitator = _positions(instance.facilitators)
        self.component = _positions(instance.los.components)
        self.network = _positions(instance.los.networks)
        self.block = _positions(instance.calendar.time_blocks)
        self.school_year = _positions(instance.calendar.school_years)
        self.tn_network = _positions(instance.tn.networks)
        self.tn_participant = _positions(instance.tn.participants)
        self._travel_override = {
            (self.school[t.origin], self.school[t.destination]): t.minutes
            for t in instance.travel_times
        }
        self._travel_cache: dict[tuple[int, int], int] = {}

    # ------------------------------------------------------------------ lookups
    def school_of(self, school_id: str) -> School:
        """The school with this id."""
        return self.instance.schools[self.school[school_id]]

    def facilitator_of(self, facilitator_id: str) -> Facilitator:
        """The facilitator with this id."""
        return self.instance.facilitators[self.facilitator[facilitator_id]]

    def network_of(self, network_id: str) -> LosNetwork:
        """The LOS network with this id."""
        return self.instance.los.networks[self.network[network_id]]

    def learner_region(self, learner: int) -> str:
        """The region of a learner: the region of their home school."""
        home = self.instance.learners[learner].home_school
        return self.instance.schools[self.school[home]].region

    # ------------------------------------------------------------------ groupings
    @cached_property
    def learners_by_region(self) -> dict[str, list[int]]:
        """Learner positions per region id (in instance order)."""
        groups: dict[str, list[int]] = defaultdict(list)
        for i in range(len(self.instance.learners)):
            groups[self.learner_region(i)].append(i)
        return dict(groups)

    @cached_property
    def networks_by_region(self) -> dict[str, list[int]]:
        """LOS network positions per region id (in instance order)."""
        groups: dict[str, list[int]] = defaultdict(list)
        for i, net in enumerate(self.instance.los.networks):
            groups[net.region].append(i)
        return dict(groups)

    @cached_property
    def schools_by_sector_region(self) -> dict[tuple[str, str], list[int]]:
        """School positions per (sector, region), in instance order."""
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for i, school in enumerate(self.instance.schools):
            groups[(school.sector, school.region)].append(i)
        return dict(groups)

    # ------------------------------------------------------------------ travel
    def travel_minutes(self, a: int, b: int) -> int:
        """Whole minutes of travel from school ``a`` to school ``b`` (positions).

        A measured :class:`~composer.model.instance.TravelTime` wins (either direction);
        otherwise great-circle km x detour factor / speed. Rounded to whole minutes so
        solvers (integer coefficients) and the checker agree exactly.
        """
        if a == b:
            return 0
        cached = self._travel_cache.get((a, b))
        if cached is not None:
            return cached
        minutes = self._travel_minutes(a, b)
        self._travel_cache[(a, b)] = minutes
        return minutes

    def _travel_minutes(self, a: int, b: int) -> int:
        measured = self._travel_override.get((a, b))
        if measured is None:
            measured = self._travel_override.get((b, a))
        if measured is not None:
            return round(measured)
        sa, sb = self.instance.schools[a], self.instance.schools[b]
        settings = self.instance.travel
        km = great_circle_km(sa.lat, sa.lon, sb.lat, sb.lon) * settings.detour_factor
        return round(km / settings.speed_kmh * 60.0)
