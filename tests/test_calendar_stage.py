"""The calendar stage: one small case per rule, refused beside passing, optimum by hand.

Every solved plan goes through the checker (``assert_checked``): no violation and the
recomputed objective equals the stage's.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cal_builders import (
    assert_checked,
    cluster,
    d,
    data_with_people,
    make,
    network,
    rules_of,
    solve,
    three_networks,
    tn_group,
    visit,
)
from composer.model.plan import Plan, PlannedNetwork, PlannedSlot, Session
from composer.pipeline import STAGE_FUNCTIONS


def test_stage_is_registered():
    assert STAGE_FUNCTIONS["calendar"] == "composer.solvers.calendar:run_stage"


def test_nothing_to_plan_is_not_planned():
    out = solve(make(data_with_people()), Plan(instance="test"))
    assert out.stages["calendar"].status == "not_planned"
    assert out.sessions == ()


# --------------------------------------------------------------------------- L4


def test_l4_los_sessions_every_school_week_skipping_the_holiday():
    data = data_with_people()
    data["los"]["settings"] = {
        "visits_per_year": 0,
        "development_meetings_per_year": 0,
        "development_meetings_at_institution": 0,
        "reviews_per_year": 0,
    }
    data["unavailability"] = [{"who": "l0", "start": "2026-09-01", "end": "2026-09-01"}]
    inst = make(data)
    plan = Plan(instance="test", networks=(three_networks()[0],))
    out = solve(inst, plan)
    rows = [s for s in out.sessions if s.programme == "los"]
    # 52 Tuesdays in 2026-08-01..2027-07-31, minus 2026-10-20 in the autumn holiday: 51
    assert len(rows) == 51
    assert d("2026-10-20") not in {s.date for s in rows}
    first = next(s for s in rows if s.date == d("2026-09-01"))
    assert first.attendees == ("l1",)  # l0 is unavailable that day (C4) and left off
    assert any("[C4]" in n for n in out.stages["calendar"].notes)
    assert out.stages["calendar"].status == "optimal"
    assert_checked(inst, out)


# --------------------------------------------------------------------------- BV


def _bv_data(**bv):
    data = data_with_people()
    data["bv"] = {"horizon_years": 1, "meetings_per_year": 4, **bv}
    return data


def test_bv_three_schools_four_meetings_hosts_2_1_1():
    # Candidate days 2026-08-03 (Mon) .. 2027-07-30 (Fri): 361 days; the targets are at
    # (2k+1)*361//8 = 45, 135, 225, 315 days: 09-17, 12-16, 03-16 and 06-14, all school
    # days, so the optimum spread is 0. Hosts: 4 meetings over 3 schools: counts 2/1/1,
    # never the same school twice in a row.
    inst = make(_bv_data())
    out = solve(inst, Plan(instance="test", clusters=(cluster("cl1", ("s3", "s4", "s5")),)))
    rows = sorted((s for s in out.sessions if s.programme == "bv"), key=lambda s: s.date)
    assert [s.date for s in rows] == [
        d("2026-09-17"),
        d("2026-12-16"),
        d("2027-03-16"),
        d("2027-06-14"),
    ]
    hosts = [s.location for s in rows]
    assert sorted(Counter(hosts).values()) == [1, 1, 2]
    assert all(a != b for a, b in itertools.pairwise(hosts))
    assert all(s.headcount == 3 * 2 + 1 and s.facilitators == ("c1",) for s in rows)  # B3
    result = out.stages["calendar"]
    assert result.status == "optimal" and result.parts["bv_spread"] == 0
    assert_checked(inst, out)


def test_bv_gap_longer_than_the_target_spacing_is_optimised_by_cp_sat():
    # Every day of the week is a planning and meeting day, so the candidate days run
    # 2026-08-01..2027-07-31 (364 days) minus the autumn holiday and 12-25. Targets at
    # (2k+1)*364//8 = 45, 136, 227, 318 days: 09-15, 12-15, 03-16, 06-15, 91 days apart.
    # With 100 days between meetings the deviations e1..e4 satisfy e(i+1) >= e(i) + 9, so
    # |e1|+..+|e4| >= (e4 - e1) + (e3 - e2) >= 27 + 9 = 36, reached by (-14, -5, 4, 13):
    # 09-01, 12-10, 03-20, 06-28. Nearest-first greedy gets 0 + 9 + 18 + 27 = 54.
    week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    data = _bv_data(min_gap_days=100, meeting_weekdays=week)
    data["calendar"]["weekdays"] = week
    next(f for f in data["facilitators"] if f["id"] == "c1")["available_days"] = week
    inst = make(data)
    out = solve(inst, Plan(instance="test", clusters=(cluster("cl1", ("s3", "s4", "s5")),)))
    result = out.stages["calendar"]
    assert result.status == "optimal"
    assert result.parts["bv_spread"] == 36
    assert_checked(inst, out)


def test_bv_target_in_a_holiday_moves_to_the_nearest_school_day():
    # A holiday 2026-12-14..18 covers the second target (Wed 12-16); the nearest days
    # are Fri 12-11 and Mon 12-21, both 5 days away: bv_spread = 5.
    data = _bv_data()
    data["calendar"]["holidays"].append(
        {"holiday_region": "middle", "name": "Extra", "start": "2026-12-14", "end": "2026-12-18"}
    )
    inst = make(data)
    out = solve(inst, Plan(instance="test", clusters=(cluster("cl1", ("s3", "s4", "s5")),)))
    dates = sorted(s.date for s in out.sessions if s.programme == "bv")
    assert dates[1] in {d("2026-12-11"), d("2026-12-21")}
    assert out.stages["calendar"].parts["bv_spread"] == 5
    assert out.stages["calendar"].objective == 5
    assert_checked(inst, out)


def test_bv_unavailable_school_and_coordinator_days_are_avoided_c4():
    # s4 is away 2026-09-14..18 and c1 on 2026-12-16: the first two targets move
    data = _bv_data()
    data["unavailability"] = [
        {"who": "s4", "start": "2026-09-14", "end": "2026-09-18"},
        {"who": "c1", "start": "2026-12-16", "end": "2026-12-16"},
    ]
    inst = make(data)
    out = solve(inst, Plan(instance="test", clusters=(cluster("cl1", ("s3", "s4", "s5")),)))
    dates = {s.date for s in out.sessions if s.programme == "bv"}
    assert not dates & {d("2026-09-17"), d("2026-12-16")}
    assert_checked(inst, out)


def test_bv_too_many_meetings_is_infeasible_with_rule_and_fix_b6():
    # at most one a month: August..July holds 12 months, 13 meetings cannot fit
    inst = make(_bv_data(meetings_per_year=13))
    out = solve(inst, Plan(instance="test", clusters=(cluster("cl1", ("s3", "s4", "s5")),)))
    result = out.stages["calendar"]
    assert result.status == "infeasible"
    note = next(n for n in result.notes if n.startswith("[B6]"))
    assert "cl1" in note and "only 12 of 13" in note and "fix:" in note
    assert any(u.id == "cl1" and u.rule == "B6" for u in out.unplaced)
    # the fix names exact numbers, each checked here: 12 meetings (one a month), or 13
    # without the month rule (28 days apart: 12 * 28 = 336 days, within the candidate
    # days 2026-08-03..2027-07-30); no smaller gap helps while the month rule holds
    assert "fix: lower bv.meetings_per_year to 12, or set bv.one_meeting_per_month to false" in (
        note
    )
    assert "bv.min_gap_days to" not in note
    for fix in (
        {"meetings_per_year": 12},
        {"meetings_per_year": 13, "one_meeting_per_month": False},
    ):
        fixed = make(_bv_data(**fix))
        again = solve(fixed, Plan(instance="test", clusters=(cluster("cl1", ("s3", "s4", "s5")),)))
        assert again.stages["calendar"].status in {"optimal", "feasible"}, fix


def test_bv_coordinator_overbooked_is_infeasible_b6():
    # c1 is free on two Mondays only, 2027-06-28 and 2027-07-26 (28 days apart, two
    # months): each of its clusters alone fits its 2 meetings there, both together need
    # 4 days (never two meetings on one day): infeasible.
    data = _bv_data(meetings_per_year=2, meeting_weekdays=["mon"])
    data["unavailability"] = [
        {"who": "c1", "start": "2026-08-01", "end": "2027-06-27"},
        {"who": "c1", "start": "2027-06-29", "end": "2027-07-25"},
    ]
    inst = make(data)
    plan = Plan(
        instance="test",
        clusters=(cluster("cl1", ("s3", "s4")), cluster("cl2", ("s5", "s6"))),
    )
    out = solve(inst, plan)
    result = out.stages["calendar"]
    assert result.status == "infeasible"
    note = next(n for n in result.notes if n.startswith("[B6] coordinator c1"))
    # each cluster alone fits: handing either over lets the other fit, and the fix says so
    assert "fix: give cl1 or cl2 another coordinator (B4; the others then fit)" in note
    # with another coordinator for cl2 both fit
    plan2 = Plan(
        instance="test",
        clusters=(cluster("cl1", ("s3", "s4")), cluster("cl2", ("s5", "s6"), coordinator="c2")),
    )
    out2 = solve(inst, plan2)
    assert out2.stages["calendar"].status == "optimal"
    assert_checked(inst, out2)


def test_bv_horizon_longer_than_the_calendar_is_infeasible_b4():
    inst = make(_bv_data(horizon_years=2))
    out = solve(inst, Plan(instance="test", clusters=(cluster("cl1", ("s3", "s4", "s5")),)))
    result = out.stages["calendar"]
    assert result.status == "infeasible"
    assert any(n.startswith("[B4]") and "only 1" in n for n in result.notes)
    assert len([s for s in out.sessions if s.programme == "bv"]) == 4  # still planned


def test_bv_more_schools_than_meetings_is_infeasible_b5():
    inst = make(_bv_data(meetings_per_year=3))
    out = solve(inst, Plan(instance="test", clusters=(cluster("cl1", ("s3", "s4", "s5", "s6")),)))
    assert out.stages["calendar"].status == "infeasible"
    assert any(n.startswith("[B5] cluster cl1") for n in out.stages["calendar"].notes)


def test_bv_two_years_with_real_gap_and_month_rules():
    data = _bv_data(horizon_years=2, meetings_per_year=6, min_gap_days=40)
    data["calendar"]["school_years"].append(
        {"id": "2027-2028", "start": "2027-08-01", "end": "2028-07-31"}
    )
    inst = make(data)
    plan = Plan(
        instance="test",
        clusters=(
            cluster("cl1", ("s3", "s4", "s5", "s6")),
            cluster("cl2", ("s7", "s8", "s1", "s2")),
        ),
    )
    out = solve(inst, plan)
    rows = [s for s in out.sessions if s.programme == "bv"]
    assert len(rows) == 2 * 2 * 6
    assert len({s.date for s in rows}) == 24  # one coordinator: never two on one day
    assert out.stages["calendar"].status in {"optimal", "feasible"}
    assert_checked(inst, out)


# --------------------------------------------------------------------------- TN


def _tn_data(**tn):
    data = data_with_people()
    data["los"]["settings"] = {
        "visits_per_year": 0,
        "development_meetings_per_year": 0,
        "development_meetings_at_institution": 0,
        "reviews_per_year": 0,
    }
    data["tn"] = {
        "kickoff_date": "2026-09-15",
        "kickoff_location": "HU",
        "networks": [{"id": "t1", "facilitator": "pb1"}],
        "participants": [
            {
                "id": f"p{i}",
                "name": f"P{i}",
                "school": school,
                "function": "schoolleider",
                "network": "t1",
            }
            for i, school in enumerate(["s3", "s3", "s4", "s4"], start=1)
        ],
        **tn,
    }
    return data


def test_tn_series_kickoff_hosts_in_turn_and_rota():
    # Kick-off 2026-09-15 at HU; 4 meetings targeted 70, 141, 212, 282 days later
    # (11-24, 02-03, 04-15, 06-24: all school days, spread 0). Two schools with two
    # participants each: hosts alternate s3/s4, and each meeting's helper can come from
    # the host school, so tn_helper_not_host = 0 and the optimum is 0.
    inst = make(_tn_data())
    out = solve(inst, Plan(instance="test"))  # groups derived from the pins
    rows = sorted((s for s in out.sessions if s.programme == "tn"), key=lambda s: s.date)
    kick, meetings = rows[0], rows[1:]
    assert (kick.kind, kick.group, kick.date, kick.location) == (
        "kickoff",
        "all",
        d("2026-09-15"),
        "HU",
    )
    assert [s.date for s in meetings] == [
        d("2026-11-24"),
        d("2027-02-03"),
        d("2027-04-15"),
        d("2027-06-24"),
    ]
    hosts = [s.location for s in meetings]
    assert sorted(Counter(hosts).values()) == [2, 2] and hosts[0] != hosts[1]
    helpers = [h for s in meetings for h in s.helpers]
    assert sorted(helpers) == ["p1", "p2", "p3", "p4"]  # everyone once (T5)
    assert out.stages["calendar"].objective == 0
    assert_checked(inst, out)


def test_tn_series_too_long_is_infeasible_t1():
    data = _tn_data(networks=[{"id": "t1", "facilitator": "pb1", "series_length": 20}])
    out = solve(make(data), Plan(instance="test"))
    result = out.stages["calendar"]
    assert result.status == "infeasible"
    note = next(n for n in result.notes if n.startswith("[T1] TN network t1"))
    assert "of its 19" in note
    # the fix's numbers are exact: a series of that length fits, one longer does not,
    # and the named gap fits the whole series while one more day does not
    fitted = int(re.search(r"series_length to (\d+)", note).group(1))
    gap = int(re.search(r"tn.min_gap_days to (\d+)", note).group(1))

    def status(network: dict, **tn) -> str:
        again = solve(make(_tn_data(networks=[network], **tn)), Plan(instance="test"))
        return again.stages["calendar"].status

    t1 = {"id": "t1", "facilitator": "pb1"}
    assert status({**t1, "series_length": fitted}) in {"optimal", "feasible"}
    assert status({**t1, "series_length": fitted + 1}) == "infeasible"
    assert status({**t1, "series_length": 20}, min_gap_days=gap) in {"optimal", "feasible"}
    assert status({**t1, "series_length": 20}, min_gap_days=gap + 1) == "infeasible"


def test_tn_facilitator_with_two_series_that_do_not_fit_together_t4():
    # pb1 leads t1 (p1, p2 of s3) and t2 (p3, p4 of s4), each 31 meetings (30 after the
    # kick-off) on Wednesdays, 7 days apart: each alone fits the Wednesdays left in the
    # school year, both need 60 different Wednesdays, more than there are (T4: never two
    # meetings at once). The fix names which network to hand over: either, checked by
    # solving without it
    people = [
        {"id": f"p{i}", "name": f"P{i}", "school": sch, "function": "schoolleider", "network": net}
        for i, sch, net in ((1, "s3", "t1"), (2, "s3", "t1"), (3, "s4", "t2"), (4, "s4", "t2"))
    ]
    nets = [{"id": n, "facilitator": "pb1", "series_length": 31} for n in ("t1", "t2")]
    data = _tn_data(networks=nets, participants=people, meeting_weekdays=["wed"], min_gap_days=7)
    out = solve(make(data), Plan(instance="test"))
    result = out.stages["calendar"]
    assert result.status == "infeasible"
    note = next(n for n in result.notes if n.startswith("[T4] facilitator pb1"))
    assert "fix: give t1 or t2 another procesbegeleider (the others then fit)" in note
    alone = solve(
        make(
            _tn_data(
                networks=nets[:1], participants=people[:2], meeting_weekdays=["wed"], min_gap_days=7
            )
        ),
        Plan(instance="test"),
    )
    assert alone.stages["calendar"].status in {"optimal", "feasible"}


def test_tn_facilitator_in_an_los_network_is_one_person_t4():
    # pb1 also leads LOS network n1 on Tuesdays 13:00-15:00 at s1; TN meetings run
    # 14:00-17:00, so no TN meeting may be on a Tuesday (the 11-24 target moves).
    data = _tn_data(kickoff_date="2026-09-16")
    inst = make(data)
    n1 = network("n1", "tue", "2", "s1", ("so1", "pb1"), ("l0",))
    out = solve(inst, Plan(instance="test", networks=(n1,)))
    tn_days = [s.date for s in out.sessions if s.programme == "tn" and s.kind == "meeting"]
    assert len(tn_days) == 4
    assert all(day.weekday() != 1 for day in tn_days)
    assert_checked(inst, out)


def test_tn_two_networks_of_one_facilitator_never_meet_on_one_day():
    data = _tn_data()
    data["tn"]["networks"].append({"id": "t2", "facilitator": "pb1"})
    data["tn"]["participants"] += [
        {"id": f"q{i}", "name": f"Q{i}", "school": "s5", "function": "teamleider", "network": "t2"}
        for i in range(3)
    ]
    inst = make(data)
    out = solve(inst, Plan(instance="test"))
    meetings = [s for s in out.sessions if s.programme == "tn" and s.kind == "meeting"]
    assert len(meetings) == 8 and len({s.date for s in meetings}) == 8
    kick = [s for s in out.sessions if s.kind == "kickoff"]
    assert len(kick) == 1 and len(kick[0].attendees) == 7  # one joint kick-off
    assert_checked(inst, out)


# --------------------------------------------------------------------------- L9


def _los_data(**settings):
    data = data_with_people(networks=4)
    data["los"]["settings"] = {
        "development_meetings_per_year": 0,
        "development_meetings_at_institution": 0,
        "reviews_per_year": 0,
        **settings,
    }
    return data


def test_l9_three_networks_visit_in_one_cycle():
    inst = make(_los_data())
    out = solve(inst, Plan(instance="test", networks=three_networks()))
    arcs = {(v.visitor, v.host) for v in out.visits}
    assert len(arcs) == 3
    assert {a for a, _ in arcs} == {"n1", "n2", "n3"} == {b for _, b in arcs}
    assert not any((b, a) in arcs for a, b in arcs)  # a 3-cycle, no pair both ways
    # all three are HU and n1, n3 meet at s1: every 3-cycle uses one arc between n1 and
    # n3 (2 points) and two other arcs (1 point each): optimum 4
    assert out.stages["calendar"].parts["visit_preference"] == 4
    for v in out.visits:
        host = next(s for s in out.sessions if s.group == v.host and s.date == v.date)
        assert (v.start, v.end) == (host.start, host.end)
    assert_checked(inst, out)


def test_l9_prefers_the_other_institution_and_school():
    # n1, n3 HU at s1; n2, n4 UU at s2: alternating HU/UU, a 4-cycle costs 0
    data = _los_data()
    data["institutions"].append({"id": "UU", "name": "Universiteit Utrecht"})
    for net in data["los"]["networks"]:
        if net["location"] == "s2":
            net["institution"] = "UU"
    inst = make(data)
    nets = (
        *three_networks(),
        network("n4", "fri", "1", "s2", ("so4", "io4"), ("l6",)),
    )
    out = solve(inst, Plan(instance="test", networks=nets))
    assert len(out.visits) == 4
    assert out.stages["calendar"].parts["visit_preference"] == 0
    assert_checked(inst, out)


def test_l9_two_networks_visit_each_other_one_network_cannot_visit():
    inst = make(_los_data())
    out = solve(inst, Plan(instance="test", networks=three_networks()[:2]))
    assert {(v.visitor, v.host) for v in out.visits} == {("n1", "n2"), ("n2", "n1")}
    assert any("visit each other" in n for n in out.stages["calendar"].notes)
    assert_checked(inst, out)  # the mutual visit is a warning, not an error
    one = solve(inst, Plan(instance="test", networks=three_networks()[:1]))
    assert one.visits == ()
    assert any(n.startswith("[L9] region r1 has 1") for n in one.stages["calendar"].notes)
    assert_checked(inst, one)


def test_l9_duos_never_free_at_other_slots_is_infeasible():
    # each IO is available only on its own network's day and visits must stay inside the
    # weekly availability: nobody can visit anyone
    data = _los_data()
    for fac, day in (("io1", "tue"), ("io2", "wed"), ("io3", "thu")):
        row = next(f for f in data["facilitators"] if f["id"] == fac)
        row["available_days"] = [day]
    data.setdefault("los", {}).setdefault("settings", {})["visits_within_availability"] = True
    inst = make(data)
    # by default the yearly visit only needs the duo free: the three networks form a cycle
    relaxed = data | {"los": {**data["los"], "settings": {**data["los"]["settings"]}}}
    relaxed["los"]["settings"]["visits_within_availability"] = False
    default = solve(make(relaxed), Plan(instance="test", networks=three_networks()))
    assert len(default.visits) == 3 and default.stages["calendar"].status != "infeasible"
    out = solve(inst, Plan(instance="test", networks=three_networks()))
    result = out.stages["calendar"]
    assert result.status == "infeasible"
    note = next(n for n in result.notes if n.startswith("[L9] region r1"))
    assert "0 of 3" in note and "n1, n2, n3" in note and "fix:" in note


# --------------------------------------------------------------------------- L10, L11


def test_l10_development_meetings_three_at_hu_one_at_a_school():
    data = data_with_people(networks=4)
    data["los"]["settings"] = {"visits_per_year": 0}
    inst = make(data)
    # n4 is an induction network (SO + schoolbegeleider): not an SO/IO duo, not invited
    nets = (*three_networks(), network("n4", "mon", "1", "s2", ("so4", "sb1"), ("l6",)))
    out = solve(inst, Plan(instance="test", networks=nets))
    dev = sorted((s for s in out.sessions if s.programme == "development"), key=lambda s: s.date)
    assert len(dev) == 4
    assert [s.location for s in dev] == ["HU", "HU", "HU", "s1"]
    # s1 is the medoid of the duo locations s1, s2, s1; networks meet tue, wed, thu (and
    # n4 on Monday), so a free Monday/Friday afternoon exists in every window: nobody absent
    assert all(set(s.attendees) == {"so1", "so2", "so3", "io1", "io2", "io3"} for s in dev)
    assert out.stages["calendar"].parts["development_absent"] == 0
    reviews = [s for s in out.sessions if s.programme == "review"]
    assert sorted(s.group for s in reviews) == ["n1", "n2", "n3", "n4"]  # L11
    assert_checked(inst, out)


def test_l11_review_right_after_the_session_when_the_duo_shares_no_other_block():
    # so1 and io1 are available only on Tuesday block 1 (09:00-11:00), when their network n1
    # meets every week: no free shared block exists, so the review is held right after a
    # session, 11:00-13:00 at s1, and the notes say so. Refused before this fallback.
    data = data_with_people(networks=1)
    data["los"]["settings"] = {"visits_per_year": 0}
    for fac in data["facilitators"]:
        if fac["id"] in ("so1", "io1"):
            fac["available_days"] = ["tue"]
            fac["available_blocks"] = ["1"]
    inst = make(data)
    nets = (network("n1", "tue", "1", "s1", ("so1", "io1"), ("l0", "l1")),)
    out = solve(inst, Plan(instance="test", networks=nets))
    reviews = [s for s in out.sessions if s.programme == "review"]
    assert len(reviews) == 1
    review = reviews[0]
    assert review.date.weekday() == 1 and (review.start, review.end) == (
        dt.time(11, 0),
        dt.time(13, 0),
    )
    assert review.location == "s1" and set(review.facilitators) == {"so1", "io1"}
    assert any("held right after the session" in n for n in out.stages["calendar"].notes)
    assert rules_of(inst, out) == {}
    assert_checked(inst, out)


def test_l11_review_right_before_the_session_when_the_time_after_it_is_taken():
    # so1 and io1 are available only on Tuesday blocks 2 (13:00-15:00) and 3 (15:00-17:00)
    # and lead n1 (block 2) and n2 (block 3) there every week: no free shared block. After
    # n1 comes n2, so n1's review is held right before its session, 11:00-13:00; n2's right
    # after its own, 17:00-19:00. Before the "before" fallback n1's review was refused (L11).
    data = data_with_people(networks=2)
    data["los"]["settings"] = {"visits_per_year": 0}
    data["calendar"]["time_blocks"].append({"id": "3", "start": "15:00", "end": "17:00"})
    for fac in data["facilitators"]:
        if fac["id"] in ("so1", "io1"):
            fac["available_days"] = ["tue"]
            fac["available_blocks"] = ["2", "3"]
    inst = make(data)
    late = PlannedSlot(weekday="tue", block="3", start=dt.time(15, 0), end=dt.time(17, 0))
    nets = (
        network("n1", "tue", "2", "s1", ("so1", "io1"), ("l0", "l1")),
        network("n2", "tue", "2", "s1", ("so1", "io1"), ("l2", "l3")).model_copy(
            update={"slot": late}
        ),
    )
    out = solve(inst, Plan(instance="test", networks=nets))
    reviews = {s.group: s for s in out.sessions if s.programme == "review"}
    assert sorted(reviews) == ["n1", "n2"]
    assert (reviews["n1"].start, reviews["n1"].end) == (dt.time(11, 0), dt.time(13, 0))
    assert (reviews["n2"].start, reviews["n2"].end) == (dt.time(17, 0), dt.time(19, 0))
    assert all(r.date.weekday() == 1 and r.location == "s1" for r in reviews.values())
    notes = out.stages["calendar"].notes
    assert any("n1" in n and "held right before the session" in n for n in notes)
    assert any("n2" in n and "held right after the session" in n for n in notes)
    assert rules_of(inst, out) == {}
    assert_checked(inst, out)


def test_l11_refused_when_the_time_before_and_after_every_session_is_taken():
    # as above, with a third network n3 at 11:00-13:00 (block 0): n1's session (13:00-15:00)
    # now has n3 right before it and n2 right after it on every Tuesday, and the duo is
    # available on no other day, so n1's review cannot be placed (L11); the stage says so,
    # naming the duo. (n2's review goes after n2, n3's before n3, 09:00-11:00.)
    data = data_with_people(networks=3)
    data["los"]["settings"] = {"visits_per_year": 0}
    data["calendar"]["time_blocks"].extend(
        [
            {"id": "3", "start": "15:00", "end": "17:00"},
            {"id": "0", "start": "11:00", "end": "13:00"},
        ]
    )
    for fac in data["facilitators"]:
        if fac["id"] in ("so1", "io1"):
            fac["available_days"] = ["tue"]
            fac["available_blocks"] = ["0", "2", "3"]
    inst = make(data)
    late = PlannedSlot(weekday="tue", block="3", start=dt.time(15, 0), end=dt.time(17, 0))
    noon = PlannedSlot(weekday="tue", block="0", start=dt.time(11, 0), end=dt.time(13, 0))
    nets = (
        network("n1", "tue", "2", "s1", ("so1", "io1"), ("l0", "l1")),
        network("n2", "tue", "2", "s1", ("so1", "io1"), ("l2", "l3")).model_copy(
            update={"slot": late}
        ),
        network("n3", "tue", "2", "s1", ("so1", "io1"), ("l4", "l5")).model_copy(
            update={"slot": noon}
        ),
    )
    out = solve(inst, Plan(instance="test", networks=nets))
    stage = out.stages["calendar"]
    assert stage.status == "infeasible"
    assert any("[L11] network n1" in n and "so1, io1" in n for n in stage.notes)


def test_l11_review_where_the_duo_is_anyway_when_travel_rules_out_its_own_school():
    # io1 leads three networks on Tuesday (available only then, as is so1): n2 at s2
    # 10:35-12:00, n1 at s1 12:15-13:45 (with so1), n3 at s3 14:00-15:30. n1's review has
    # no room next to its session (n2 before, n3 after) and the one free block, A
    # 09:00-10:30, fails at s1: io1 cannot reach s2 by 10:35 (11 min of travel, 5 min gap).
    # Held at s2, where io1 is next, it fits (so1 reaches s1 by 12:15). n2's review takes A
    # at s2 on the target Tuesday, so n1's goes to the nearest other Tuesday. Refused (L11)
    # before reviews could be held away from the network's school.
    data = data_with_people(networks=3)
    data["los"]["settings"] = {"visits_per_year": 0}
    times = {"A": ("09:00", "10:30"), "B": ("10:35", "12:00"), "C": ("12:15", "13:45")}
    times["D"] = ("14:00", "15:30")
    data["calendar"]["time_blocks"] = [
        {"id": b, "start": start, "end": end} for b, (start, end) in times.items()
    ]
    for fac in data["facilitators"]:
        if fac["id"] in ("so1", "io1"):
            fac["available_days"] = ["tue"]
    inst = make(data)

    def at(nid: str, block: str, school: str, so: str) -> PlannedNetwork:
        start, end = (dt.time.fromisoformat(t) for t in times[block])
        when = PlannedSlot(weekday="tue", block=block, start=start, end=end)
        base = network(nid, "tue", "1", school, (so, "io1"), (f"l{nid[1:]}",))
        return base.model_copy(update={"slot": when})

    nets = (at("n1", "C", "s1", "so1"), at("n2", "B", "s2", "so2"), at("n3", "D", "s3", "so3"))
    out = solve(inst, Plan(instance="test", networks=nets))
    reviews = {s.group: s for s in out.sessions if s.programme == "review"}
    assert sorted(reviews) == ["n1", "n2", "n3"]
    n1, n2 = reviews["n1"], reviews["n2"]
    assert (n1.location, n1.start, n1.end) == ("s2", dt.time(9, 0), dt.time(10, 30))
    assert (n2.location, n2.start) == ("s2", dt.time(9, 0)) and n2.date != n1.date
    assert any("n1: review 1 is held at s2" in n for n in out.stages["calendar"].notes)
    assert rules_of(inst, out) == {}
    assert_checked(inst, out)


def test_l10_absence_counted_when_every_day_is_taken():
    # one region, networks meeting every weekday afternoon-adjacent: so1/io1 lead five
    # networks (mon..fri block 2, 13:00-15:00), which overlaps 13:30-16:30 every day;
    # they are absent from all 4 meetings: development_absent = 2 * 4 = 8. Their own weekly
    # sessions (fixed by L4) keep them away on every day of every window, so 8 is also the
    # stage's bound: the calendar is proven optimal (it said "feasible", gap 100 %, before
    # the bound counted the unavoidable absences).
    data = data_with_people(networks=6)
    data["los"]["settings"] = {"visits_per_year": 0, "reviews_per_year": 0}
    inst = make(data)
    days = ["mon", "tue", "wed", "thu", "fri"]
    nets = (
        *tuple(
            network(f"n{i + 1}", day, "2", "s1", ("so1", "io1"), (f"l{i}",))
            for i, day in enumerate(days)
        ),
        network("n6", "mon", "1", "s2", ("so2", "io2"), ("l6",)),
    )
    out = solve(inst, Plan(instance="test", networks=nets))
    assert out.stages["calendar"].parts["development_absent"] == 8
    dev = [s for s in out.sessions if s.programme == "development"]
    assert all(set(s.attendees) == {"so2", "io2"} for s in dev)
    stage = out.stages["calendar"]
    assert stage.status == "optimal" and stage.bound == stage.objective == 8
    assert_checked(inst, out)


def test_l10_without_a_linked_institution_is_infeasible():
    data = data_with_people()
    data["los"]["settings"] = {"visits_per_year": 0, "reviews_per_year": 0}
    for net in data["los"]["networks"]:
        net["institution"] = None
    for fac in data["facilitators"]:
        fac.pop("institution", None)
    out = solve(make(data), Plan(instance="test", networks=three_networks()))
    assert out.stages["calendar"].status == "infeasible"
    assert any(n.startswith("[L10] region r1") for n in out.stages["calendar"].notes)


def test_everything_together_is_checked_clean():
    data = _tn_data(kickoff_date="2026-09-16")
    data["bv"] = {"horizon_years": 1, "meetings_per_year": 4}
    data["los"]["settings"] = {}
    inst = make(data)
    plan = Plan(
        instance="test",
        networks=three_networks(),
        clusters=(cluster("cl1", ("s5", "s6", "s7", "s8")),),
        tn_networks=(tn_group("t1", ("p1", "p2", "p3", "p4")),),
    )
    out = solve(inst, plan)
    kinds = Counter(s.programme for s in out.sessions)
    assert kinds["bv"] == 4 and kinds["tn"] == 5 and kinds["development"] == 4
    assert kinds["review"] == 3 and len(out.visits) == 3
    assert rules_of(inst, out) == {}
    assert_checked(inst, out)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    schools=st.integers(min_value=2, max_value=6),
    per_year=st.integers(min_value=1, max_value=6),
    gap=st.integers(min_value=0, max_value=70),
    monthly=st.booleans(),
    away=st.integers(min_value=0, max_value=60),
)
def test_bv_property_checker_clean_or_infeasible_with_a_rule(schools, per_year, gap, monthly, away):
    # Whatever the settings: a plan the checker finds clean, or an infeasible stage whose
    # notes name B5/B6 (and then no silently empty calendar: the cluster is unplaced).
    data = _bv_data(meetings_per_year=per_year, min_gap_days=gap, one_meeting_per_month=monthly)
    if away:
        data["unavailability"] = [
            {"who": "c1", "start": "2026-09-01", "end": str(d("2026-09-01") + dt.timedelta(away))}
        ]
    inst = make(data)
    members = tuple(f"s{i}" for i in range(3, 3 + schools))
    out = solve(inst, Plan(instance="test", clusters=(cluster("cl1", members),)), time_limit=5)
    result = out.stages["calendar"]
    if result.status == "infeasible":
        assert any(n.startswith(("[B5]", "[B6]")) for n in result.notes)
        assert [u.id for u in out.unplaced] == ["cl1"]
    else:
        assert len([s for s in out.sessions if s.programme == "bv"]) == per_year
        assert_checked(inst, out)


def test_tn_facilitator_who_also_coordinates_a_cluster_is_one_person():
    # Everything on Wednesdays, kick-off Wed 2026-08-19: the last TN target and the last
    # BV target both fall on Wed 2027-06-16 (TN 14:00-17:00, BV 13:30-16:30). With c1 as
    # coordinator both meet that day; with pb1 leading both, TN is planned first and the
    # BV meeting moves (one person: no B6/T4 double booking).
    data = _tn_data(kickoff_date="2026-08-19", meeting_weekdays=["wed"])
    data["bv"] = {"horizon_years": 1, "meetings_per_year": 4, "meeting_weekdays": ["wed"]}
    inst = make(data)
    apart = solve(inst, Plan(instance="test", clusters=(cluster("cl1", ("s5", "s6", "s7")),)))
    both = {s.programme for s in apart.sessions if s.date == d("2027-06-16")}
    assert both == {"tn", "bv"}
    plan = Plan(instance="test", clusters=(cluster("cl1", ("s5", "s6", "s7"), coordinator="pb1"),))
    out = solve(inst, plan)
    tn_days = {s.date for s in out.sessions if s.programme == "tn"}
    bv_days = {s.date for s in out.sessions if s.programme == "bv"}
    assert len(tn_days) == 5 and len(bv_days) == 4 and not tn_days & bv_days
    assert d("2027-06-16") in tn_days
    assert_checked(inst, out)


def test_l11_review_away_from_home_prefers_the_nearest_place_the_duo_is_at():
    # schools s3..s8 lie on a line, about 1.3 km apart. n's school is s6; on the day, so1 is at
    # s3 (3 steps away) and io1 at s7 (1 step): the places to try are s6, then s7, then s3.
    # They were s6, s3, s7 (by id), so a review that could not be held at s6 went to s3.
    from composer.calendar import BusyIndex
    from composer.solvers.calendar.stage import _review_places

    inst = make(data_with_people())
    day = dt.date(2026, 10, 6)
    busy = BusyIndex(inst)
    busy.add("so1", day, dt.time(9, 0), dt.time(10, 0), "s3", "elsewhere")
    busy.add("io1", day, dt.time(14, 0), dt.time(15, 0), "s7", "elsewhere")
    busy.add("io1", day, dt.time(16, 0), dt.time(17, 0), "s6", "at home")
    assert _review_places(inst, "s6", ["so1", "io1"], day, busy) == ["s6", "s7", "s3"]


def test_kept_bv_dates_that_no_longer_fit_together_are_dated_anew():
    # One coordinator, two clusters of 2 schools, 2 meetings each on candidate days 1..60
    # (ordinals), targets 10 and 40, gap 7. Kept: both clusters on days 10 and 40, which a
    # coordinator cannot hold (one meeting a day): with the keeps the task is infeasible,
    # so both are dated anew (spread 2: 10/40 and 9/41 or 11/39, say) with a note; hosts
    # in rotation. Keeping only one cluster's dates and hosts fits: they stay, b moves.
    from composer.solvers.calendar.bv import BvCluster, BvTask, solve_bv_task
    from composer.solvers.calendar.chains import Chain, Segment

    chain = Chain("c", (Segment("y", tuple(range(1, 61)), (10, 40)),))

    def cluster(name: str, kept: tuple[int | None, ...] | None) -> BvCluster:
        return BvCluster(name, ("s1", "s2"), chain, kept, (1, 0) if kept else None)

    clash = BvTask("ocw", (cluster("a", (10, 40)), cluster("b", (10, 40))), 7, False)
    out = solve_bv_task(clash)
    assert out.status == "optimal" and out.objective == 2
    assert any("dated anew" in n for n in out.notes)
    assert [h for _, h in out.meetings["a"]] == [0, 1]  # rotation, not the kept hosts
    fits = BvTask("ocw", (cluster("a", (10, 40)), cluster("b", None)), 7, False)
    out = solve_bv_task(fits)
    assert out.meetings["a"] == [(10, 1), (40, 0)]
    # b takes 9/39 or 11/41 or so: spread 2, but the kept dates are not chosen for spread,
    # so the bound is the free one (every meeting on its target: 0) and nothing is proven
    assert (out.objective, out.bound, out.status, out.notes) == (2, 0.0, "feasible", [])


def test_a_tn_series_keeps_hosts_and_helpers_only_while_they_take_turns():
    # Three members p1..p3 of schools A, A, B (positions 0, 0, 1), one helper a meeting,
    # four meetings on days 10, 20, 30, 40 (candidate days 1..60; day 40 is gone now).
    # Previous hosts A, B, A, B and helpers p1, p2, p3, p1 take turns: kept. Hosts A, A,
    # B, B host twice in a row (T2) and helpers p1, p1, p2, p3 repeat p1 before the
    # others helped (T5): neither is kept as a whole, only wished for meeting by meeting.
    # A member who left (p9) turns the helpers into wishes without them.
    from composer.solvers.calendar.chains import Chain, Segment
    from composer.solvers.calendar.tn import PreviousMeeting, TnSeries, with_kept

    days = tuple(d for d in range(1, 61) if d != 40)
    chain = Chain("t", (Segment("y", days, (10, 20, 30, 45)),))
    series = TnSeries("t", ("p1", "p2", "p3"), ("A", "B"), (0, 0, 1), 1, chain)

    def previous(hosts: str, helpers: list[str]) -> list[PreviousMeeting]:
        return [
            PreviousMeeting(day, host, (helper,))
            for day, host, helper in zip((10, 20, 30, 40), hosts, helpers, strict=False)
        ]

    kept = with_kept(series, previous("ABAB", ["p1", "p2", "p3", "p1"]))
    assert kept.kept == (10, 20, 30, None)  # day 40 is no candidate day any more
    assert kept.hosts == (0, 1, 0, 1) and kept.helping == ((0,), (1,), (2,), (0,))
    assert kept.host_wish is None and kept.helper_wish is None
    repeat = with_kept(series, previous("AABB", ["p1", "p1", "p2", "p3"]))
    assert (repeat.hosts, repeat.helping) == (None, None)
    assert repeat.host_wish == (0, 0, 1, 1)
    assert repeat.helper_wish == ((0,), (0,), (1,), (2,))
    left = with_kept(series, previous("ABAB", ["p9", "p2", "p3", "p1"]))
    assert left.helping is None and left.helper_wish == ((), (1,), (2,), (0,))
    assert with_kept(series, previous("ABA", ["p1", "p2", "p3"])[:3]) == series


def test_a_tn_series_whose_host_left_keeps_every_other_host_the_rules_allow():
    # Members p1 (school A) and p2 (B); school C left. Previous hosts A, B, C, A on the
    # target days 10, 20, 30, 45 (kept), helpers fixed p2, p1, p2, p1 (kept). Two schools
    # must alternate (T2): A B A B keeps A, B (C's meeting is re-hosted anyway) and breaks
    # the wish A at the last meeting: 1 change; B A B A would break 2. A free solve
    # prefers B A B A: every helper from the host school (0 tn_helper_not_host against
    # 4). A changed host costs more than any calendar, so A B A B; the objective is the
    # calendar's own: spread 0 + 4 helpers not from the host, and the bound is the free
    # one (0), so the outcome is "feasible", not optimal.
    from composer.solvers.calendar.chains import Chain, Segment
    from composer.solvers.calendar.tn import TnSeries, TnTask, solve_tn_task

    chain = Chain("t", (Segment("y", tuple(range(1, 61)), (10, 20, 30, 45)),))
    series = TnSeries(
        "t",
        ("p1", "p2"),
        ("A", "B"),
        (0, 1),
        1,
        chain,
        kept=(10, 20, 30, 45),
        helping=((1,), (0,), (1,), (0,)),
        host_wish=(0, 1, None, 0),
    )
    out = solve_tn_task(TnTask("f", (series,), gap=1, workers=1))
    assert [host for _, host, _ in out.meetings["t"]] == [0, 1, 0, 1]
    assert (out.objective, out.bound, out.status) == (4, 0.0, "feasible")
    free = solve_tn_task(TnTask("f", (replace(series, host_wish=None),), gap=1, workers=1))
    assert [host for _, host, _ in free.meetings["t"]] == [1, 0, 1, 0]


# --------------------------------------------------------------------------- re-planning L9-L11


def _replan(data: dict, networks: tuple[PlannedNetwork, ...], before: Plan) -> Plan:
    """The calendar stage re-planning ``before`` (its sessions and visits in the input plan,
    as composer whatif gives them) for ``networks``; the checker is clean."""
    inst = make(data)
    out = solve(inst, before.model_copy(update={"networks": networks}))
    assert_checked(inst, out)
    return out


def test_a_re_plan_keeps_the_visits_still_possible_and_completes_the_cycle_around_them():
    # n1 tue-1 and n3 thu-2 at s1, n2 wed-1 and n4 fri-1 at s2, all HU (an arc costs 1, 2
    # within one school). The plan re-planned: n1 -> n4 -> n3 -> n2 -> n1 (cost 4, the
    # optimum, but not the direction nor the dates the stage picks on its own: n1 -> n2
    # -> n3 -> n4 -> n1, spread dates). Nothing changed: every visit stays as it was, and
    # the kept cost reaches the free bound (every network's cheapest visit out: 4), so the
    # stage is still proven optimal. Was: all four visits re-planned.
    data = _los_data()
    nets = (*three_networks(), network("n4", "fri", "1", "s2", ("so4", "io4"), ("l6",)))
    duo = {n.id: n.facilitators for n in nets}
    before = Plan(
        instance="test",
        visits=(
            visit("n1", "n4", "2026-11-06", "1", duo["n1"]),
            visit("n4", "n3", "2027-01-14", "2", duo["n4"]),
            visit("n3", "n2", "2027-03-03", "1", duo["n3"]),
            visit("n2", "n1", "2027-05-11", "1", duo["n2"]),
        ),
    )
    out = _replan(data, nets, before)
    assert out.visits == tuple(sorted(before.visits, key=lambda v: v.date))
    result = out.stages["calendar"]
    assert (result.status, result.objective, result.bound) == ("optimal", 4, 4)
    assert "4 of the 4 visits of the plan re-planned keep their pair and date" in result.notes
    # n4 leaves and 2027-03-03 becomes a public holiday. n3 -> n2 keeps its pair but is
    # dated anew (the Wednesday nearest its target 2027-05-31: 2027-06-02); n2 -> n1 stays
    # as it was; n1 -> n4 and n4 -> n3 are gone, and the only completion is n1 -> n3 (the
    # Thursday nearest its target 2026-09-30: 2026-10-01). Cost 2 + 1 + 1 = 4, the free
    # bound 3 (each network's cheapest visit out costs 1): feasible, no longer proven.
    data["calendar"]["public_holidays"].append({"date": "2027-03-03", "name": "Extra"})
    out = _replan(data, nets[:3], before)
    assert {(v.visitor, v.host, v.date.isoformat()) for v in out.visits} == {
        ("n1", "n3", "2026-10-01"),
        ("n2", "n1", "2027-05-11"),
        ("n3", "n2", "2027-06-02"),
    }
    result = out.stages["calendar"]
    assert (result.status, result.objective, result.bound) == ("feasible", 4, 3)
    assert (
        "1 of the 4 visits of the plan re-planned keep their pair and date; 1 their pair "
        "only (the date is no longer possible); 2 are planned anew (a network left or "
        "changed, its duo is no longer free at the host's slot, or the region's visits "
        "could not be completed around the kept ones)"
    ) in result.notes


def _development(at: tuple[str, str, str, str], places: tuple[str, ...]) -> tuple[Session, ...]:
    """Development meetings 1-4 of region r1 (13:30-16:30) on ``at``, at ``places``, with
    the six SO/IO of three_networks() attending."""
    people = ("io1", "io2", "io3", "so1", "so2", "so3")
    rows = []
    for j, (day, place) in enumerate(zip(at, places, strict=True)):
        rows.append(
            Session(
                id=f"dev-r1-2026-2027-{j + 1}",
                programme="development",
                group="r1",
                date=d(day),
                start=dt.time(13, 30),
                end=dt.time(16, 30),
                location=place,
                attendees=people,
                kind="development",
                headcount=6,
            )
        )
    return tuple(rows)


def test_a_re_plan_keeps_the_development_meetings_still_possible():
    # Three SO/IO duos (n1 tue-1 and n3 thu-2 at s1, n2 wed-1 at s2): three meetings at HU
    # and one at a school. The plan re-planned holds them on free Mondays and Fridays,
    # the last at s2 (a duo school, though the stage picks s1, the medoid): nothing
    # changed, all four stay as they were. Was: dated anew (09-15, 12-21, 03-19, 06-16 s1).
    data = data_with_people(networks=4)
    data["los"]["settings"] = {"visits_per_year": 0, "reviews_per_year": 0}
    dates = ("2026-10-05", "2027-01-11", "2027-04-09", "2027-06-25")
    before = Plan(instance="test", sessions=_development(dates, ("HU", "HU", "HU", "s2")))
    out = _replan(data, three_networks(), before)
    assert tuple(s for s in out.sessions if s.programme == "development") == before.sessions
    result = out.stages["calendar"]
    assert result.status == "optimal" and result.parts["development_absent"] == 0
    assert (
        "1 region(s) of the plan re-planned keep 4 of their 4 development meeting dates "
        "(those still possible), with their places"
    ) in result.notes
    # n2 leaves (s2 is no duo school any more), 2027-01-11 becomes a public holiday and
    # io1 is ill on 2026-10-05. Meeting 1 stays, without io1 (a note; one absent where
    # its window has days nobody misses: feasible); meeting 3 stays. Meeting 2 is dated
    # anew on the middle of its window, which the holiday shortened by a day (63 school
    # days from 2026-11-05, the 32nd): Friday 2026-12-18, which nobody misses.
    # Meeting 4 is planned anew at s1, nearest its window's middle, Thursday 2027-06-17,
    # where n3 meets at s1 (so3, io3 would miss it): Wednesday 2027-06-16.
    data["calendar"]["public_holidays"].append({"date": "2027-01-11", "name": "Extra"})
    data["unavailability"] = [{"who": "io1", "start": "2026-10-05", "end": "2026-10-05"}]
    nets = (three_networks()[0], three_networks()[2])
    out = _replan(data, nets, before)
    dev = [
        (s.date.isoformat(), s.location, s.attendees)
        for s in out.sessions
        if s.programme == "development"
    ]
    assert dev == [
        ("2026-10-05", "HU", ("io3", "so1", "so3")),
        ("2026-12-18", "HU", ("io1", "io3", "so1", "so3")),
        ("2027-04-09", "HU", ("io1", "io3", "so1", "so3")),
        ("2027-06-16", "s1", ("io1", "io3", "so1", "so3")),
    ]
    result = out.stages["calendar"]
    assert result.status == "feasible" and result.parts["development_absent"] == 1
    assert (
        "1 region(s) of the plan re-planned keep 2 of their 4 development meeting dates "
        "(those still possible), with their places"
    ) in result.notes
    assert (
        "[L10] development meeting dev-r1-2026-2027-1 keeps its date 2026-10-05 and goes "
        "ahead without io1, who can no longer come (unavailable or busy that day)"
    ) in result.notes
    # three meetings in the plan re-planned and four now: nothing to match them by, all
    # four are dated as without a plan re-planned
    three = before.model_copy(update={"sessions": before.sessions[:3]})
    assert _replan(data, nets, three).sessions == _replan(data, nets, Plan(instance="t")).sessions


def test_a_re_plan_keeps_the_reviews_still_possible():
    # One review a network (its target: the middle of the year, Friday 2027-01-29, block 1
    # at its school, where the stage holds all three on its own). The plan re-planned
    # holds them on other days, in block 2 or 1, each where its duo is free: nothing
    # changed, all three stay. Was: all three moved to 2027-01-29 09:00.
    data = data_with_people(networks=4)
    data["los"]["settings"] = {
        "visits_per_year": 0,
        "development_meetings_per_year": 0,
        "development_meetings_at_institution": 0,
    }

    def review(net: str, day: str, block: str, place: str, duo: tuple[str, str]) -> Session:
        start, end = (dt.time(9), dt.time(11)) if block == "1" else (dt.time(13), dt.time(15))
        return Session(
            id=f"review-{net}-2026-2027-1", programme="review", group=net, date=d(day),
            start=start, end=end, location=place, facilitators=duo, kind="review", headcount=2,
        )  # fmt: skip

    before = Plan(
        instance="test",
        sessions=(
            review("n1", "2026-11-10", "2", "s1", ("so1", "io1")),
            review("n2", "2027-03-10", "2", "s2", ("so2", "io2")),
            review("n3", "2027-04-13", "1", "s1", ("so3", "io3")),
        ),
    )
    out = _replan(data, three_networks(), before)
    assert tuple(s for s in out.sessions if s.programme == "review") == before.sessions
    assert (
        "3 network(s) of the plan re-planned keep 3 of their 3 review dates (those still "
        "possible), with their times and places"
    ) in out.stages["calendar"].notes
    # so1 is ill on 2026-11-10 and n3's IO is now io4: n1's and n3's reviews are planned
    # anew (2027-01-29 09:00 at their school), n2's stays as it was.
    data["unavailability"] = [{"who": "so1", "start": "2026-11-10", "end": "2026-11-10"}]
    n1, n2, n3 = three_networks()
    out = _replan(data, (n1, n2, n3.model_copy(update={"facilitators": ("so3", "io4")})), before)
    reviews = {s.group: s for s in out.sessions if s.programme == "review"}
    assert reviews["n2"] == before.sessions[1]
    for net, duo in (("n1", ("so1", "io1")), ("n3", ("so3", "io4"))):
        s = reviews[net]
        assert (s.date, s.start, s.location, s.facilitators) == (
            d("2027-01-29"),
            dt.time(9),
            "s1",
            duo,
        )
    assert (
        "3 network(s) of the plan re-planned keep 1 of their 3 review dates (those still "
        "possible), with their times and places"
    ) in out.stages["calendar"].notes
