"""The calendar checker on hand-built plans: every rule refuses a bad plan and passes a good one.

Dates are worked out by hand on the base calendar (factories.base_data): school year
2026-08-01..2027-07-31, Herfstvakantie (middle) 2026-10-17..25, public holiday 2026-12-25.
"""

from __future__ import annotations

import datetime as dt

from cal_builders import (
    CALENDAR_CHECKS,
    bv_plan,
    bv_session,
    cluster,
    d,
    data_with_people,
    make,
    network,
    rules_of,
    three_networks,
    tn_group,
    visit,
)
from composer.check import check_plan
from composer.model.plan import Plan, PlannedNetwork, Session, StageResult
from factories import school

SCHOOLS = ("s3", "s4", "s5")
# the four targets of a 3-school cluster (see test_calendar_stage): spread 0
GOOD_BV = [("2026-09-17", "s3"), ("2026-12-16", "s4"), ("2027-03-16", "s3"), ("2027-06-14", "s5")]


def bv_instance(**bv):
    data = data_with_people()
    data["bv"] = {"horizon_years": 1, "meetings_per_year": 4, **bv}
    return data


def bv_rows(rows=GOOD_BV, schools=SCHOOLS, cid="cl1"):
    return [bv_session(cid, i + 1, day, host, schools) for i, (day, host) in enumerate(rows)]


# --------------------------------------------------------------------------- BV, C1-C4


def test_good_bv_plan_passes_and_its_objective_is_recomputed():
    inst = make(bv_instance())
    plan = bv_plan(bv_rows())
    assert rules_of(inst, plan) == {}
    stated = plan.model_copy(
        update={"stages": {"calendar": StageResult(status="optimal", objective=0.0)}}
    )
    report = check_plan(inst, stated, CALENDAR_CHECKS)
    assert report.ok and report.objectives["calendar"]["bv_spread"] == 0
    wrong = plan.model_copy(
        update={"stages": {"calendar": StageResult(status="optimal", objective=3.0)}}
    )
    assert not check_plan(inst, wrong, CALENDAR_CHECKS).ok  # the stated objective disagrees


def test_b5_twice_in_a_row_and_a_school_that_never_hosts():
    inst = make(bv_instance())
    twice = bv_plan(bv_rows([(day, "s3" if i < 2 else h) for i, (day, h) in enumerate(GOOD_BV)]))
    assert any("twice in a row" in m for m in rules_of(inst, twice)["B5"])
    hosts = ["s3", "s4", "s3", "s4"]
    never = bv_plan(bv_rows([(day, h) for (day, _), h in zip(GOOD_BV, hosts, strict=True)]))
    messages = rules_of(inst, never)["B5"]
    assert any("never host" in m and "s5" in m for m in messages)
    away = bv_plan(bv_rows([(day, "s1" if i == 3 else h) for i, (day, h) in enumerate(GOOD_BV)]))
    assert any("away from its schools" in m for m in rules_of(inst, away)["B5"])


def test_b6_count_gap_month_weekday_and_members_holidays():
    inst = make(bv_instance())
    three = bv_plan(bv_rows(GOOD_BV[:3]))
    assert any("3 meetings" in m for m in rules_of(inst, three)["B6"])
    # 2026-09-30 is 13 days after 09-17 and in the same month
    close = bv_plan(bv_rows([GOOD_BV[0], ("2026-09-30", "s4"), *GOOD_BV[2:]]))
    found = rules_of(inst, close)["B6"]
    assert any("13 days apart" in m for m in found)
    assert any("twice in 2026-09" in m for m in found)
    tuesday_to_thursday = make(bv_instance(meeting_weekdays=["tue", "wed", "thu"]))
    # 2027-06-14 is a Monday
    assert any("mon" in m for m in rules_of(tuesday_to_thursday, bv_plan(bv_rows()))["B6"])
    # s5 is in holiday region north, with a north holiday on 2027-03-16: the meeting is
    # hosted by s3 (middle, no C2) but s5's people are on holiday (B6)
    data = bv_instance()
    data["schools"][4]["holiday_region"] = "north"  # s5
    data["calendar"]["holidays"].append(
        {"holiday_region": "north", "name": "Noord", "start": "2027-03-15", "end": "2027-03-19"}
    )
    found = rules_of(make(data), bv_plan(bv_rows()))
    assert "C2" not in found and any("Noord" in m for m in found["B6"])


def test_b6_coordinator_two_meetings_one_day():
    inst = make(bv_instance())
    other = [bv_session("cl2", 1, "2026-09-17", "s6", ("s6", "s7"))]
    plan = Plan(
        instance="test",
        clusters=(cluster("cl1", SCHOOLS), cluster("cl2", ("s6", "s7"))),
        sessions=(*bv_rows(), *other),
    )
    found = rules_of(inst, plan)["B6"]
    assert any("c1 has 2 meetings on 2026-09-17" in m for m in found)
    assert any("booked twice" in m for m in found)  # the same clash, as a double booking


def test_b3_attendees_and_headcount():
    inst = make(bv_instance())
    rows = bv_rows()
    rows[0] = rows[0].model_copy(update={"attendees": ("s3", "s4")})
    rows[1] = rows[1].model_copy(update={"headcount": 4})
    found = rules_of(inst, bv_plan(rows))["B3"]
    assert len(found) == 2  # wrong attendees, wrong headcount
    assert any("expects 4 people" in m for m in found)


def test_c1_c2_c3_c4_dates():
    data = bv_instance()
    data["unavailability"] = [{"who": "s4", "start": "2026-12-16", "end": "2026-12-16"}]
    inst = make(data)
    assert rules_of(inst, bv_plan(bv_rows()))["C4"]  # s4 attends on 12-16 but is away
    inst = make(bv_instance())
    cases = {
        "C1": ("2026-09-19", "a sat"),  # Saturday
        "C2": ("2026-10-20", "Herfstvakantie"),  # autumn holiday of s3 (middle)
        "C3": ("2026-12-25", "Eerste Kerstdag"),
    }
    for rule, (day, words) in cases.items():
        rows = bv_rows([(day, "s3"), *GOOD_BV[1:]])
        found = rules_of(inst, bv_plan(rows))
        assert any(words in m for m in found[rule]), (rule, found)
    outside = bv_rows([*GOOD_BV[:3], ("2027-08-02", "s5")])
    assert any("outside every school year" in m for m in rules_of(inst, bv_plan(outside))["C1"])


# --------------------------------------------------------------------------- LOS: L4, L5


AUTUMN = tuple(f"2026-10-{day}" for day in range(17, 26))  # the middle region's holiday


def los_rows(net: PlannedNetwork, skip=AUTUMN) -> list[Session]:
    """Every date of the network's weekday in 2026-08-01..2027-07-31, except ``skip``."""
    assert net.slot is not None
    weekday = ["mon", "tue", "wed", "thu", "fri"].index(net.slot.weekday)
    day, rows = d("2026-08-01"), []
    while day <= d("2027-07-31"):
        if day.weekday() == weekday and day.isoformat() not in skip:
            rows.append(
                Session(
                    id=f"los-{net.id}-{day:%Y%m%d}",
                    programme="los",
                    group=net.id,
                    date=day,
                    start=net.slot.start,
                    end=net.slot.end,
                    location=net.location,
                    facilitators=net.facilitators,
                    attendees=net.learners,
                )
            )
        day += dt.timedelta(days=1)
    return rows


def los_instance(**settings):
    data = data_with_people()
    data["los"]["settings"] = {
        "visits_per_year": 0,
        "development_meetings_per_year": 0,
        "development_meetings_at_institution": 0,
        "reviews_per_year": 0,
        **settings,
    }
    return data


def test_l4_every_school_week_and_no_other_day():
    inst = make(los_instance())
    n1 = three_networks()[0]
    # Tuesdays minus 10-20 (autumn holiday); 12-25 is a Friday: 51 sessions
    good = Plan(instance="test", networks=(n1,), sessions=tuple(los_rows(n1)))
    assert len(good.sessions) == 51 and rules_of(inst, good) == {}
    missing = Plan(instance="test", networks=(n1,), sessions=tuple(los_rows(n1)[1:]))
    assert any("does not meet on 1" in m for m in rules_of(inst, missing)["L4"])
    extra = Plan(instance="test", networks=(n1,), sessions=tuple(los_rows(n1, skip=())))
    found = rules_of(inst, extra)
    assert "2026-10-20" in found["L4"][0] and found["C2"]


def test_l5_travel_between_two_networks_of_one_facilitator():
    data = los_instance()
    data["schools"].append(school("far", lat=53.2, lon=6.57))  # ~170 km from s1
    data["los"]["networks"][1]["location"] = "far"
    inst = make(data)
    n1 = network("n1", "tue", "1", "s1", ("so1", "io1"))  # 09:00-11:00
    far = network("n2", "tue", "2", "far", ("so1", "io2"))  # 13:00-15:00, far away
    plan = Plan(instance="test", networks=(n1, far), sessions=(*los_rows(n1), *los_rows(far)))
    found = rules_of(inst, plan)["L5"]
    assert len(found) == 51 and "min of travel" in found[0] and "so1" in found[0]
    near = network("n2", "tue", "2", "s2", ("so1", "io2"))  # s2 is ~11 minutes away
    ok = Plan(instance="test", networks=(n1, near), sessions=(*los_rows(n1), *los_rows(near)))
    assert "L5" not in rules_of(inst, ok)


# --------------------------------------------------------------------------- L9


def visits_plan(visits) -> Plan:
    nets = three_networks()
    rows = [s for n in nets for s in los_rows(n)]
    return Plan(instance="test", networks=nets, sessions=tuple(rows), visits=tuple(visits))


GOOD_VISITS = [
    visit("n1", "n3", "2026-10-01", "2", ("so1", "io1")),  # Thursday, n3's slot
    visit("n3", "n2", "2026-10-07", "1", ("so3", "io3")),  # Wednesday, n2's slot
    visit("n2", "n1", "2026-10-13", "1", ("so2", "io2")),  # Tuesday, n1's slot
]


def test_l9_cycle_passes_and_mutual_visits_are_refused():
    inst = make(los_instance(visits_per_year=1))
    assert rules_of(inst, visits_plan(GOOD_VISITS)) == {}
    mutual = [
        visit("n1", "n2", "2026-10-07", "1", ("so1", "io1")),
        visit("n2", "n1", "2026-10-13", "1", ("so2", "io2")),
    ]
    found = rules_of(inst, visits_plan(mutual))["L9"]
    assert any("visit each other" in m for m in found)
    assert any("n3 visits 0 and hosts 0" in m for m in found)


def test_l9_visit_must_be_at_a_host_session_by_a_free_duo():
    inst = make(los_instance(visits_per_year=1))
    no_session = [GOOD_VISITS[0].model_copy(update={"date": d("2026-10-02")}), *GOOD_VISITS[1:]]
    assert any("does not meet" in m for m in rules_of(inst, visits_plan(no_session))["L9"])
    strangers = [
        GOOD_VISITS[0].model_copy(update={"facilitators": ("so2", "io1")}),
        *GOOD_VISITS[1:],
    ]
    assert any("not the network's duo" in m for m in rules_of(inst, visits_plan(strangers))["L9"])
    # io1 works on Tuesdays only; the yearly visit on a Thursday is fine by default (the duo
    # is free) and refused when the planner asks visits to stay inside weekly availability.
    data = los_instance(visits_per_year=1)
    next(f for f in data["facilitators"] if f["id"] == "io1")["available_days"] = ["tue"]
    assert "L9" not in rules_of(make(data), visits_plan(GOOD_VISITS))
    data["los"]["settings"]["visits_within_availability"] = True
    found = rules_of(make(data), visits_plan(GOOD_VISITS))["L9"]
    assert any("io1 visits n3 on a thu" in m for m in found)


def test_l9_visit_while_the_own_network_meets_is_refused():
    # n1 visits n2, but n2 is moved to n1's own slot (Tuesday block 1)
    inst = make(los_instance(visits_per_year=1))
    n1, _, n3 = three_networks()
    n2 = network("n2", "tue", "1", "s2", ("so2", "io2"), ("l2", "l3"))
    nets = (n1, n2, n3)
    rows = [s for n in nets for s in los_rows(n)]
    visits = (
        visit("n1", "n2", "2026-10-13", "1", ("so1", "io1")),
        visit("n2", "n3", "2026-10-01", "2", ("so2", "io2")),
        visit("n3", "n1", "2026-10-06", "1", ("so3", "io3")),
    )
    plan = Plan(instance="test", networks=nets, sessions=tuple(rows), visits=visits)
    found = rules_of(inst, plan)
    assert any("while leading los-n1-20261013" in m for m in found["L9"])
    assert found["L5"]  # the same clash as a double booking


# --------------------------------------------------------------------------- L10, L11


def dev(n: int, day: str, place: str, attendees) -> Session:
    return Session(
        id=f"dev-r1-{n}",
        programme="development",
        group="r1",
        date=d(day),
        start=dt.time(13, 30),
        end=dt.time(16, 30),
        location=place,
        attendees=tuple(attendees),
        kind="development",
    )


DUOS = ("io1", "io2", "io3", "so1", "so2", "so3")
# Mondays: no network meets (tue, wed, thu)
GOOD_DEV = [
    dev(1, "2026-09-07", "HU", DUOS),
    dev(2, "2026-11-30", "HU", DUOS),
    dev(3, "2027-02-15", "HU", DUOS),
    dev(4, "2027-05-10", "s1", DUOS),
]


def review(net: PlannedNetwork, day: str, facs=None) -> Session:
    return Session(
        id=f"review-{net.id}",
        programme="review",
        group=net.id,
        date=d(day),
        start=dt.time(9),
        end=dt.time(11),
        location=net.location,
        facilitators=tuple(facs or net.facilitators),
        kind="review",
    )


def dev_plan(devs, reviews=None) -> Plan:
    nets = three_networks()
    rows = [s for n in nets for s in los_rows(n)]
    if reviews is None:
        reviews = [review(n, "2027-01-29") for n in nets]  # a Friday
    return Plan(instance="test", networks=nets, sessions=(*rows, *devs, *reviews))


def test_l10_good_meetings_pass_and_wrong_ones_are_refused():
    inst = make(
        los_instance(
            development_meetings_per_year=4,
            development_meetings_at_institution=3,
            reviews_per_year=1,
        )
    )
    assert rules_of(inst, dev_plan(GOOD_DEV)) == {}
    assert any("3 development meeting" in m for m in rules_of(inst, dev_plan(GOOD_DEV[:3]))["L10"])
    all_hu = [*GOOD_DEV[:3], GOOD_DEV[3].model_copy(update={"location": "HU"})]
    assert any("wanted 3 and 1" in m for m in rules_of(inst, dev_plan(all_hu))["L10"])
    left_out = [GOOD_DEV[0].model_copy(update={"attendees": DUOS[1:]}), *GOOD_DEV[1:]]
    assert any("io1 is free" in m for m in rules_of(inst, dev_plan(left_out))["L10"])


def test_l10_an_unavailable_invitee_may_be_absent():
    data = los_instance(
        development_meetings_per_year=4, development_meetings_at_institution=3, reviews_per_year=1
    )
    data["unavailability"] = [{"who": "io1", "start": "2026-09-07", "end": "2026-09-07"}]
    left_out = [GOOD_DEV[0].model_copy(update={"attendees": DUOS[1:]}), *GOOD_DEV[1:]]
    assert rules_of(make(data), dev_plan(left_out)) == {}


def test_l11_one_review_with_both_facilitators():
    inst = make(los_instance(reviews_per_year=1))
    nets = three_networks()
    assert rules_of(inst, dev_plan([])) == {}
    only_so = [
        review(nets[0], "2027-01-29", ("so1",)),
        *[review(n, "2027-01-29") for n in nets[1:]],
    ]
    assert any("not by the network's" in m for m in rules_of(inst, dev_plan([], only_so))["L11"])
    missing = [review(n, "2027-01-29") for n in nets[1:]]
    assert any("n1 has 0 review" in m for m in rules_of(inst, dev_plan([], missing))["L11"])


# --------------------------------------------------------------------------- TN


def tn_instance(**tn):
    data = los_instance()
    data["tn"] = {
        "kickoff_date": "2026-09-15",
        "kickoff_location": "HU",
        # t1 holds p1-p4 (four schoolleiders: homogeneous on function, T6; 2..12, T7)
        "networks": [
            {"id": "t1", "facilitator": "pb1", "min_size": 2, "composition": "homogeneous"},
            {"id": "t2", "facilitator": "pb1", "min_size": 1},
        ],
        "participants": [
            {"id": f"p{i}", "name": f"P{i}", "school": s, "function": "schoolleider"}
            for i, s in enumerate(["s3", "s3", "s4", "s4"], start=1)
        ]
        + [{"id": "q1", "name": "Q1", "school": "s5", "function": "teamleider"}],
        **tn,
    }
    return data


def tn_meeting(
    n: int,
    day: str,
    host: str,
    helpers,
    net="t1",
    people=("p1", "p2", "p3", "p4"),
    facilitator="pb1",
) -> Session:
    return Session(
        id=f"tn-{net}-{n:02d}",
        programme="tn",
        group=net,
        date=d(day),
        start=dt.time(14),
        end=dt.time(17),
        location=host,
        facilitators=(facilitator,),
        attendees=people,
        helpers=tuple(helpers),
        kind="meeting",
    )


KICKOFF = Session(
    id="tn-kickoff",
    programme="tn",
    group="all",
    date=d("2026-09-15"),
    start=dt.time(14),
    end=dt.time(17),
    location="HU",
    facilitators=("pb1",),
    attendees=("p1", "p2", "p3", "p4"),
    kind="kickoff",
)
# the targets after the kick-off (see test_calendar_days): spread 0, helpers of the host
GOOD_TN = [
    tn_meeting(2, "2026-11-24", "s3", ["p1"]),
    tn_meeting(3, "2027-02-03", "s4", ["p3"]),
    tn_meeting(4, "2027-04-15", "s3", ["p2"]),
    tn_meeting(5, "2027-06-24", "s4", ["p4"]),
]


def tn_plan(meetings, kickoff=KICKOFF, extra=()) -> Plan:
    return Plan(
        instance="test",
        tn_networks=(tn_group("t1", ("p1", "p2", "p3", "p4")),),
        sessions=(kickoff, *meetings, *extra) if kickoff else (*meetings, *extra),
    )


def test_tn_good_series_passes_with_objective_zero():
    inst = make(tn_instance())
    plan = tn_plan(GOOD_TN)
    report = check_plan(
        inst,
        plan.model_copy(
            update={"stages": {"calendar": StageResult(status="optimal", objective=0.0)}}
        ),
    )
    assert report.ok, [v.render() for v in report.violations]


def test_t1_kickoff_count_gap_and_holidays():
    inst = make(tn_instance())
    assert any("no kick-off" in m for m in rules_of(inst, tn_plan(GOOD_TN, kickoff=None))["T1"])
    moved = KICKOFF.model_copy(update={"date": d("2026-09-16")})
    assert any("no kick-off" in m for m in rules_of(inst, tn_plan(GOOD_TN, kickoff=moved))["T1"])
    assert any("3 meeting(s)" in m for m in rules_of(inst, tn_plan(GOOD_TN[:3]))["T1"])
    # 10-01 is 16 days after the kick-off: the gap is 21
    early = [tn_meeting(2, "2026-10-01", "s3", ["p1"]), *GOOD_TN[1:]]
    assert any("16 days after" in m for m in rules_of(inst, tn_plan(early))["T1"])
    holiday = [tn_meeting(2, "2026-10-20", "s3", ["p1"]), *GOOD_TN[1:]]
    found = rules_of(inst, tn_plan(holiday))
    assert any("Herfstvakantie" in m for m in found["T1"]) and found["C2"]


def test_t2_hosts_in_turn():
    inst = make(tn_instance())
    hosts = ["s3", "s3", "s4", "s4"]
    bad = [m.model_copy(update={"location": h}) for m, h in zip(GOOD_TN, hosts, strict=True)]
    found = rules_of(inst, tn_plan(bad))["T2"]
    assert any("twice in a row" in m for m in found)
    assert any("out of turn: after meeting 2 s3 has 2 turns and s4 0" in m for m in found)
    away = [GOOD_TN[0].model_copy(update={"location": "s1"}), *GOOD_TN[1:]]
    assert any("not at a participant's school" in m for m in rules_of(inst, tn_plan(away))["T2"])


def test_t4_facilitator_and_double_bookings_across_programmes():
    inst = make(tn_instance())
    other = [GOOD_TN[0].model_copy(update={"facilitators": ("so1",)}), *GOOD_TN[1:]]
    assert any("not pb1" in m for m in rules_of(inst, tn_plan(other))["T4"])
    # a second network of pb1 meeting on 11-24 too
    t2 = tn_meeting(2, "2026-11-24", "s5", ["q1"], net="t2", people=("q1",))
    plan = tn_plan(GOOD_TN, extra=(t2,)).model_copy(
        update={"tn_networks": (tn_group("t1", ("p1", "p2", "p3", "p4")), tn_group("t2", ("q1",)))}
    )
    found = rules_of(inst, plan)["T4"]
    assert any("leads 2 TN meetings on 2026-11-24" in m for m in found)
    # pb1 also leads an LOS session on Tuesday 2026-11-24 13:00-15:00: one person
    los = Session(
        id="los-x",
        programme="review",
        group="n1",
        date=d("2026-11-24"),
        start=dt.time(13),
        end=dt.time(15),
        location="s1",
        facilitators=("pb1",),
        kind="review",
    )
    found = rules_of(inst, tn_plan(GOOD_TN, extra=(los,)))["T4"]
    assert any("pb1 is booked twice on 2026-11-24" in m for m in found)


def test_t5_support_rota():
    inst = make(tn_instance())
    helpers = [["p1"], ["p2"], ["p1"], ["p3"]]
    bad = [
        m.model_copy(update={"helpers": tuple(h)}) for m, h in zip(GOOD_TN, helpers, strict=True)
    ]
    found = rules_of(inst, tn_plan(bad))["T5"]
    assert any("after meeting 3 p1 has 2 turns" in m for m in found)
    none = [GOOD_TN[0].model_copy(update={"helpers": ()}), *GOOD_TN[1:]]
    assert any("0 helper(s), not 1" in m for m in rules_of(inst, tn_plan(none))["T5"])
    stranger = [GOOD_TN[0].model_copy(update={"helpers": ("q1",)}), *GOOD_TN[1:]]
    assert any("outside the network" in m for m in rules_of(inst, tn_plan(stranger))["T5"])


def test_tn_helper_not_from_the_host_school_costs_one():
    inst = make(tn_instance())
    swapped = [
        GOOD_TN[0].model_copy(update={"helpers": ("p3",)}),
        GOOD_TN[1].model_copy(update={"helpers": ("p1",)}),
        *GOOD_TN[2:],
    ]
    plan = tn_plan(swapped).model_copy(
        update={"stages": {"calendar": StageResult(status="optimal", objective=2.0)}}
    )
    report = check_plan(inst, plan)
    assert report.ok and report.objectives["calendar"]["tn_helper_not_host"] == 2


def test_composer_check_reports_calendar_violations(cli, tmp_path):
    from composer.io.json_io import plan_to_json, write_instance_json

    # the whole checker runs here, so the cluster must also satisfy B1, B2 and B4
    data = bv_instance(min_size=3)
    for row in data["schools"]:
        if row["id"] in SCHOOLS:
            row["bv_subsidy"] = True
    for row in data["facilitators"]:
        if row["id"] == "c1":
            row["regions"] = ["r1"]
    inst = make(data)
    write_instance_json(inst, tmp_path / "instance.json")
    bad = bv_plan(bv_rows([GOOD_BV[0], ("2026-09-30", "s4"), *GOOD_BV[2:]]))
    (tmp_path / "plan.json").write_text(plan_to_json(bad), encoding="utf-8")
    result = cli("check", tmp_path / "instance.json", tmp_path / "plan.json")
    assert result.exit_code == 1
    assert "[B6] cluster cl1 meets 2026-09-17 and 2026-09-30, 13 days apart" in result.output
    good = bv_plan(bv_rows())
    (tmp_path / "plan.json").write_text(plan_to_json(good), encoding="utf-8")
    assert cli("check", tmp_path / "instance.json", tmp_path / "plan.json").exit_code == 0
