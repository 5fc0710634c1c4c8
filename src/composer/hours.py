"""Facilitation hours (L6): what a plan costs the schools and the schoolopleiders.

DOMAIN.md L6 gives two advices, both fields of ``los.settings``:

- **werkplekbegeleider (WPB) hours**: ``wpb_hours_per_student`` hours (default 2) for every
  *student* placed in a network, charged to the student's **home school** (the school
  where the workplace mentor works). A *student* is a learner of kind ``student`` (HU) or
  ``uu_student`` (UU) — :data:`composer.model.instance.STUDENT_KINDS`. Starters,
  zij-instromers, statushouders and onbevoegden are employed teachers, coached by the
  school's own induction programme; they cost no WPB hours under this advice. Only
  learners the plan places count: an unplaced student is in no network yet, and the
  planner sees them in ``plan.unplaced``. A school's hours are compared with its
  ``wpb_hours_capacity`` when the instance gives one.
- **schoolopleider (SO) days**: one day a week per ``so_students_per_day`` learners
  (default 20). Every learner of every network an SO leads counts (the SO facilitates the
  whole network, whatever the kind), so ``days = learners / so_students_per_day``, compared
  with the SO's ``capacity_days`` when given. This is the same budget the LOS solver keeps
  (an SO with ``capacity_days`` leads at most ``capacity_days x so_students_per_day``
  learners), so a solved plan is over capacity only when the instance changed.

Per region, the WPB hours of its schools (a school's region) and the SO days of its
networks (a network's region) are added up, with the number of schools and SOs over
capacity. Plain Python: used by the exports and the HTML report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from composer.model.instance import STUDENT_KINDS, Instance
from composer.model.plan import Plan

EPS = 1e-9


@dataclass(frozen=True)
class SchoolHours:
    """The WPB hours one school gives: its placed students times the hours per student."""

    school: str
    name: str
    region: str
    students: int
    hours: float
    capacity: float | None

    @property
    def over(self) -> bool:
        """True when the school has a capacity and the hours exceed it."""
        return self.capacity is not None and self.hours > self.capacity + EPS


@dataclass(frozen=True)
class SoDays:
    """The facilitated days a week one schoolopleider spends on the networks they lead."""

    facilitator: str
    name: str
    networks: tuple[str, ...]
    learners: int
    days: float
    capacity_days: float | None

    @property
    def over(self) -> bool:
        """True when the SO has a capacity and the days exceed it."""
        return self.capacity_days is not None and self.days > self.capacity_days + EPS


@dataclass(frozen=True)
class RegionHours:
    """Totals of one region: WPB hours of its schools and SO days of its networks."""

    region: str
    name: str
    students: int
    wpb_hours: float
    schools_over: int
    learners: int
    so_days: float
    schoolopleiders: int
    schoolopleiders_over: int


@dataclass(frozen=True)
class FacilitationHours:
    """L6 for a whole plan: per school, per schoolopleider and per region."""

    wpb_hours_per_student: float
    so_students_per_day: int
    schools: tuple[SchoolHours, ...]
    schoolopleiders: tuple[SoDays, ...]
    regions: tuple[RegionHours, ...]

    @property
    def total_wpb_hours(self) -> float:
        """WPB hours over all schools."""
        return sum(s.hours for s in self.schools)

    @property
    def total_so_days(self) -> float:
        """SO days a week over all schoolopleiders."""
        return sum(s.days for s in self.schoolopleiders)

    @property
    def over_capacity(self) -> list[str]:
        """Ids of the schools and schoolopleiders over capacity (schools first)."""
        return [s.school for s in self.schools if s.over] + [
            s.facilitator for s in self.schoolopleiders if s.over
        ]


def facilitation_hours(instance: Instance, plan: Plan) -> FacilitationHours:
    """Compute L6 for ``plan``; ids the instance does not know are skipped (see P1)."""
    idx = instance.index
    settings = instance.los.settings
    per_student = float(settings.wpb_hours_per_student)
    per_day = settings.so_students_per_day

    students_at: dict[str, int] = defaultdict(int)
    for net in plan.networks:
        for learner_id in net.learners:
            pos = idx.learner.get(learner_id)
            if pos is None:
                continue
            learner = instance.learners[pos]
            if learner.kind in STUDENT_KINDS:
                students_at[learner.home_school] += 1

    schools: list[SchoolHours] = []
    for school in instance.schools:  # instance order: stable, as the planner lists them
        count = students_at.get(school.id, 0)
        if count == 0:
            continue
        schools.append(
            SchoolHours(
                school=school.id,
                name=school.name,
                region=school.region,
                students=count,
                hours=count * per_student,
                capacity=school.wpb_hours_capacity,
            )
        )

    led: dict[str, list[str]] = defaultdict(list)
    learners_led: dict[str, int] = defaultdict(int)
    for net in plan.networks:
        for fid in net.facilitators:
            pos = idx.facilitator.get(fid)
            if pos is None or instance.facilitators[pos].role != "schoolopleider":
                continue
            led[fid].append(net.id)
            learners_led[fid] += len(net.learners)
    sos: list[SoDays] = []
    for fac in instance.facilitators:
        if fac.id not in led:
            continue
        sos.append(
            SoDays(
                facilitator=fac.id,
                name=fac.name,
                networks=tuple(led[fac.id]),
                learners=learners_led[fac.id],
                days=learners_led[fac.id] / per_day,
                capacity_days=fac.capacity_days,
            )
        )

    regions: list[RegionHours] = []
    over_ids = {s.facilitator for s in sos if s.over}
    for region in instance.regions:
        in_region = [s for s in schools if s.region == region.id]
        nets = [n for n in plan.networks if n.region == region.id]
        learners = sum(len(n.learners) for n in nets)
        so_ids = {
            fid
            for n in nets
            for fid in n.facilitators
            if fid in idx.facilitator
            and instance.facilitators[idx.facilitator[fid]].role == "schoolopleider"
        }
        if not in_region and not nets:
            continue
        regions.append(
            RegionHours(
                region=region.id,
                name=region.name,
                students=sum(s.students for s in in_region),
                wpb_hours=sum(s.hours for s in in_region),
                schools_over=sum(1 for s in in_region if s.over),
                learners=learners,
                so_days=learners / per_day,
                schoolopleiders=len(so_ids),
                schoolopleiders_over=len(so_ids & over_ids),
            )
        )
    return FacilitationHours(
        wpb_hours_per_student=per_student,
        so_students_per_day=per_day,
        schools=tuple(schools),
        schoolopleiders=tuple(sos),
        regions=tuple(regions),
    )
