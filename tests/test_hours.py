"""L6 facilitation hours, computed by hand on the sample plan and on a tiny case."""

from __future__ import annotations

import pytest

from composer.hours import facilitation_hours
from composer.model.plan import Plan, PlannedNetwork
from export_sample import sample_data, sample_instance, sample_plan
from factories import make_instance


def test_hours_of_the_sample_plan_by_hand():
    # N1 = L1 (student, home s1), L2 (uu_student, home s1), L3 (starter, home s2);
    # N2 = L4 (student, home s2), L5 (statushouder, home s3). L6 is unplaced.
    # WPB at 2 h per student: s1 has 2 students -> 4 h > capacity 3 (over);
    # s2 has 1 student (L4; the starter L3 does not count) -> 2 h, no capacity given;
    # s3 has no student -> not listed.
    # SO days at 1 day per 20 learners: SO1 leads N1 (3) -> 0.15 > capacity 0.1 (over);
    # SO2 leads N2 (2) -> 0.10, no capacity. Region r1: 3 students, 6 h, 5 learners, 0.25 d.
    hours = facilitation_hours(sample_instance(), sample_plan())
    by_school = {s.school: s for s in hours.schools}
    assert set(by_school) == {"s1", "s2"}
    assert (by_school["s1"].students, by_school["s1"].hours, by_school["s1"].over) == (2, 4.0, True)
    assert (by_school["s2"].students, by_school["s2"].hours, by_school["s2"].over) == (
        1,
        2.0,
        False,
    )
    by_so = {s.facilitator: s for s in hours.schoolopleiders}
    assert set(by_so) == {"SO1", "SO2"}  # IO1 and SB2 are not schoolopleiders
    assert by_so["SO1"].learners == 3 and by_so["SO1"].days == pytest.approx(0.15)
    assert by_so["SO1"].over
    assert by_so["SO2"].days == pytest.approx(0.10) and not by_so["SO2"].over
    (r1,) = hours.regions
    assert (r1.region, r1.students, r1.wpb_hours, r1.schools_over) == ("r1", 3, 6.0, 1)
    assert (r1.learners, r1.schoolopleiders, r1.schoolopleiders_over) == (5, 2, 1)
    assert r1.so_days == pytest.approx(0.25)
    assert hours.over_capacity == ["s1", "SO1"]


def test_rates_come_from_the_instance_and_capacity_edge_is_not_over():
    # 3 h per student and 1 SO day per 3 learners: s1's 2 students -> 6 h, exactly its
    # capacity of 6 (not over); SO1's 3 learners -> exactly 1 day = capacity 1 (not over).
    data = sample_data()
    data["los"]["settings"] = {"wpb_hours_per_student": 3, "so_students_per_day": 3}
    data["schools"][0]["wpb_hours_capacity"] = 6
    data["facilitators"][0]["capacity_days"] = 1
    hours = facilitation_hours(make_instance(data), sample_plan())
    s1 = next(s for s in hours.schools if s.school == "s1")
    assert (s1.hours, s1.over) == (6.0, False)
    so1 = next(s for s in hours.schoolopleiders if s.facilitator == "SO1")
    assert (so1.days, so1.over) == (1.0, False)
    assert hours.over_capacity == []


def test_empty_plan_costs_nothing():
    hours = facilitation_hours(sample_instance(), Plan(instance="sample-2026"))
    assert hours.schools == () and hours.schoolopleiders == () and hours.regions == ()
    assert hours.total_wpb_hours == 0 and hours.total_so_days == 0


def test_so_leading_two_networks_adds_their_learners():
    # SO1 leads both networks: 3 + 2 = 5 learners -> 0.25 days > 0.1.
    plan = sample_plan()
    nets = tuple(
        PlannedNetwork(**{**n.model_dump(), "facilitators": ("SO1", n.facilitators[1])})
        for n in plan.networks
    )
    hours = facilitation_hours(sample_instance(), plan.model_copy(update={"networks": nets}))
    (so1,) = hours.schoolopleiders
    assert so1.networks == ("N1", "N2") and so1.learners == 5
    assert so1.days == pytest.approx(0.25)
