"""composer.calendar: school days and weeks per holiday region, places, unavailability."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cal_builders import d
from composer.calendar import (
    BusyIndex,
    holiday_region_of,
    is_school_day_at,
    month_of,
    school_calendar,
    travel_minutes_between,
    weekday_of,
)
from composer.objective.calendar import series_targets, spread_targets
from factories import base_data, make_instance, school

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.nl_calendar import calendar_data, shared_data_dir


def test_school_day_rules_c1_c2_c3():
    cal = school_calendar(make_instance(base_data()))
    assert cal.is_school_day(d("2026-10-16"), "middle")  # Friday before the autumn holiday
    assert not cal.is_school_day(d("2026-10-17"), "middle")  # Saturday: not a weekday (C1)
    assert not cal.is_school_day(d("2026-10-19"), "middle")  # Herfstvakantie middle (C2)
    assert not cal.is_school_day(d("2026-10-25"), "middle")  # last day inclusive (a Sunday)
    assert cal.is_school_day(d("2026-10-26"), "middle")  # first Monday after
    assert cal.is_school_day(d("2026-10-19"), "north")  # base data has no north holidays
    assert not cal.is_school_day(d("2026-12-25"), "north")  # public holiday everywhere (C3)
    assert not cal.is_school_day(d("2027-08-02"), "middle")  # outside every school year (C1)
    assert "Herfstvakantie" in (cal.why_not_school_day(d("2026-10-20"), "middle") or "")
    assert cal.why_not_school_day(d("2026-10-26"), "middle") is None


def test_weekly_dates_skip_the_holiday_week_l4():
    # 2026-08-01 (Sat) .. 2027-07-31 (Sat) holds 52 Tuesdays; the autumn holiday of the
    # middle region takes 2026-10-20: 51 dated occurrences of a Tuesday slot.
    cal = school_calendar(make_instance(base_data()))
    year = cal.year("2026-2027")
    tuesdays = cal.weekly_dates(year, "tue", "middle")
    assert len(tuesdays) == 51
    assert d("2026-10-20") not in tuesdays and d("2026-10-13") in tuesdays
    assert len(cal.weekly_dates(year, "tue", "north")) == 52
    # the Mondays 2026-07-27 .. 2027-07-26 are 53 weeks touching the year; the first holds
    # no weekday of the year (only Sat 08-01) and the holiday week 2026-10-19 has no school
    # day left in the middle region: 53 - 2 = 51 school weeks
    weeks = cal.school_weeks(year, "middle")
    assert d("2026-10-19") not in weeks and d("2026-10-12") in weeks
    assert len(weeks) == 51


def test_places_months_and_unavailability():
    data = base_data()
    data["schools"].append(school("s3", holiday_region="south"))
    data["institutions"].append({"id": "UU", "name": "UU", "holiday_region": "middle"})
    data["unavailability"] = [{"who": "s3", "start": "2026-11-02", "end": "2026-11-06"}]
    inst = make_instance(data)
    assert holiday_region_of(inst, "s3") == "south"
    assert holiday_region_of(inst, "UU") == "middle"
    assert holiday_region_of(inst, "HU") is None  # no holiday region: public holidays only
    assert is_school_day_at(inst, d("2026-10-19"), "HU")
    assert not is_school_day_at(inst, d("2026-10-19"), "UU")
    cal = school_calendar(inst)
    assert cal.unavailable("s3", d("2026-11-06")) is not None  # inclusive (C4)
    assert cal.unavailable("s3", d("2026-11-09")) is None
    assert month_of(d("2026-12-31")) + 1 == month_of(d("2027-01-01"))
    assert weekday_of(d("2026-09-17")) == "thu"


def test_busy_index_travel_between_places_l5():
    data = base_data()
    data["schools"].append(school("far", lat=53.2, lon=6.57))  # Groningen, ~170 km away
    inst = make_instance(data)
    busy = BusyIndex(inst)
    busy.add("p", d("2026-09-01"), dt.time(9), dt.time(11), "s1", "first")
    travel = travel_minutes_between(inst, "s1", "far")
    assert travel > 120
    # 13:00 at the far school leaves 120 minutes: too little to travel
    assert busy.conflict("p", d("2026-09-01"), dt.time(13), dt.time(15), "far") is not None
    # at the same school 11:00 is fine; overlapping is never fine
    assert busy.conflict("p", d("2026-09-01"), dt.time(11), dt.time(12), "s1") is None
    assert busy.conflict("p", d("2026-09-01"), dt.time(10), dt.time(12), "s1") is not None
    assert busy.conflict("p", d("2026-09-02"), dt.time(10), dt.time(12), "far") is None


def test_spread_targets_worked_example():
    # 2026-08-03 .. 2027-07-30 is 361 days; 4 meetings at (2k+1)*361//8 = 45, 135, 225, 315
    got = spread_targets(d("2026-08-03"), d("2027-07-30"), 4)
    assert got == [d("2026-09-17"), d("2026-12-16"), d("2027-03-16"), d("2027-06-14")]
    # a series after a kick-off on 2026-09-15, last day 2027-07-30 (318 days), 4 meetings
    # at 2k*318//9 = 70, 141, 212, 282 days
    assert series_targets(d("2026-09-15"), d("2027-07-30"), 4) == [
        d("2026-11-24"),
        d("2027-02-03"),
        d("2027-04-15"),
        d("2027-06-24"),
    ]


@settings(max_examples=40, deadline=None)
@given(
    weekday=st.sampled_from(["mon", "tue", "wed", "thu", "fri"]),
    region=st.sampled_from(["north", "middle", "south"]),
)
def test_weekly_dates_are_exactly_the_school_days_of_that_weekday(weekday, region):
    cal = school_calendar(make_instance(base_data()))
    year = cal.year("2026-2027")
    got = cal.weekly_dates(year, weekday, region)
    expected = [
        year.start + dt.timedelta(days=i)
        for i in range((year.end - year.start).days + 1)
        if weekday_of(year.start + dt.timedelta(days=i)) == weekday
        and cal.is_school_day(year.start + dt.timedelta(days=i), region)
    ]
    assert got == expected


@pytest.mark.skipif(shared_data_dir() is None, reason="shared data folder not found")
def test_real_2026_27_holidays_from_shared_data():
    data = base_data()
    data["calendar"] = calendar_data(2026, 1)
    cal = school_calendar(make_instance(data))
    year = cal.year("2026-2027")
    assert not cal.is_school_day(d("2026-08-28"), "middle")  # summer until 2026-08-30
    assert cal.is_school_day(d("2026-08-31"), "middle")
    assert cal.is_school_day(d("2026-08-17"), "north")  # north's summer ends 2026-08-16
    assert not cal.is_school_day(d("2026-10-13"), "north")  # north autumn 10-10..10-18
    assert cal.is_school_day(d("2026-10-13"), "middle")
    assert not cal.is_school_day(d("2027-04-27"), "south")  # Koningsdag
    # the known error: the file ends south's spring holiday 2027 on 03-21; it is 02-21
    assert not cal.is_school_day(d("2027-02-19"), "south")
    assert cal.is_school_day(d("2027-03-02"), "south")
    # middle 2026-27: Mondays 2026-08-31 .. 2027-07-12 are 46 weeks; the autumn (1),
    # Christmas (2), spring (1) and May (1) holidays take 5 whole weeks: 41 school weeks
    assert len(cal.school_weeks(year, "middle")) == 41
