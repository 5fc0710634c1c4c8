"""The whatif diff says why each session and visit changed (rule id and a planner's words).

Small cases: a baseline instance and plan, the changed instance and the re-plan, written
out by hand, so that every reason can be checked exactly; then the shipped tiny instance
re-planned after realistic changes, where no change may be left without a reason.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from composer.change_reasons import FALLBACK
from composer.model.instance import Instance
from composer.model.plan import (
    Cluster,
    Plan,
    PlannedNetwork,
    PlannedSlot,
    PlannedTnNetwork,
    Session,
    StageResult,
    Unplaced,
    Visit,
)
from composer.replan import Diff, person_names, plan_diff
from factories import TINY, base_data, bv_school, coordinator, make_instance

# --------------------------------------------------------------------------- a small world


def _data() -> dict[str, Any]:
    """One LOS network N1 (SO1 + IO1, at s1, Wednesdays), five BV schools b0-b4 (po) with
    coordinator OCW1 (Mon, Tue, Thu), TN network TN1 (PB1) of P0-P3 (one per school b0-b3),
    in school year 2026-2027 (Herfstvakantie 17-25 Oct, Christmas day off)."""
    data = base_data()
    data["institutions"].append({"id": "UU", "name": "Universiteit Utrecht"})
    data["schools"] += [bv_school(f"b{i}", lat=52.09 + 0.01 * i) for i in range(5)]
    data["facilitators"] = [
        {"id": "SO1", "name": "Karin Dekker", "role": "schoolopleider", "regions": ["r1"]},
        {"id": "IO1", "name": "Noor Dijkstra", "role": "instituutsopleider",
         "institution": "HU", "regions": ["r1"], "available_days": ["wed"]},
        coordinator("OCW1", available_days=["mon", "tue", "thu"]),
        {"id": "PB1", "name": "Thijs Willems", "role": "procesbegeleider", "regions": ["r1"]},
    ]  # fmt: skip
    data["los"] = {
        "networks": [
            {"id": "N1", "region": "r1", "type": "opleiding", "institution": "HU",
             "location": "s1", "schoolopleider": "SO1", "second_facilitator": "IO1"}
        ]
    }  # fmt: skip
    data["tn"] = {
        "networks": [{"id": "TN1", "facilitator": "PB1"}],
        "participants": [
            {"id": f"P{i}", "name": f"Deelnemer {i}", "school": f"b{i}", "function": "schoolleider"}
            for i in range(4)
        ],
    }
    return data


def _instance(edit: Any = None) -> Instance:
    data = _data()
    if edit is not None:
        edit(data)
    return make_instance(data)


WED = PlannedSlot(weekday="wed", block="1", start=dt.time(9), end=dt.time(11))
N1 = PlannedNetwork(id="N1", region="r1", location="s1", facilitators=("SO1", "IO1"), slot=WED)
C1 = Cluster(
    id="C1", sector="po", region="r1", schools=("b0", "b1", "b2", "b3"), coordinator="OCW1"
)
TN1 = PlannedTnNetwork(id="TN1", participants=("P0", "P1", "P2", "P3"), facilitator="PB1")


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _los(day: str, group: str = "N1", facs: tuple[str, ...] = ("SO1", "IO1"), **kw: Any) -> Session:
    return Session(
        id=f"los-{group}-{day.replace('-', '')}", programme="los", group=group, date=_d(day),
        start=kw.get("start", dt.time(9)), end=kw.get("end", dt.time(11)),
        location=kw.get("location", "s1"), facilitators=facs,
    )  # fmt: skip


def _bv(n: int, day: str, place: str, coordinator: str = "OCW1", group: str = "C1") -> Session:
    return Session(
        id=f"bv-{group}-{n:02d}", programme="bv", group=group, date=_d(day),
        start=dt.time(13, 30), end=dt.time(16, 30), location=place, facilitators=(coordinator,),
    )  # fmt: skip


def _tn(n: int, day: str, place: str, helpers: tuple[str, ...] = ()) -> Session:
    return Session(
        id=f"tn-TN1-{n:02d}", programme="tn", group="TN1", date=_d(day), start=dt.time(14),
        end=dt.time(17), location=place, facilitators=("PB1",), helpers=helpers,
    )  # fmt: skip


def _review(
    day: str, start: dt.time = dt.time(13), facs: tuple[str, ...] = ("SO1", "IO1")
) -> Session:
    return Session(
        id="review-N1-1", programme="review", group="N1", date=_d(day), start=start,
        end=(dt.datetime.combine(_d(day), start) + dt.timedelta(hours=2)).time(),
        location="s1", facilitators=facs,
    )  # fmt: skip


def _plan(*sessions: Session, **parts: Any) -> Plan:
    parts.setdefault("networks", (N1,))
    parts.setdefault("clusters", (C1,))
    parts.setdefault("tn_networks", (TN1,))
    return Plan(instance="test", sessions=sessions, **parts)


def _diff(
    before: Plan, after: Plan, old: Instance, new: Instance, notes: list[str] | None = None
) -> Diff:
    return plan_diff(before, after, notes=notes, names=person_names(new, old), instances=(old, new))


def _why(diff: Diff) -> dict[str, dict[str, Any]]:
    """Session id (or 'visit A -> B') -> its why."""
    found = {c["session"]: c["why"] for c in diff.data["sessions"]}
    found.update({f"visit {c['visitor']} -> {c['host']}": c["why"] for c in diff.data["visits"]})
    return found


def _holiday(name: str, start: str, end: str, region: str = "middle") -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["calendar"]["holidays"].append(
            {"holiday_region": region, "name": name, "start": start, "end": end}
        )

    return edit


# --------------------------------------------------------------------------- calendar: C1-C4


def test_a_session_on_a_new_school_holiday_names_the_holiday_c2() -> None:
    # an extra week off for holiday region middle, 2-13 November: N1's weekly sessions of
    # 4 and 11 November go, the BV meeting of 5 November (at b0, middle) moves a week on
    old, new = _instance(), _instance(_holiday("Extra vakantie", "2026-11-02", "2026-11-13"))
    before = _plan(
        _los("2026-11-04"), _los("2026-11-11"), _los("2026-11-18"), _bv(1, "2026-11-05", "b0")
    )
    after = _plan(_los("2026-11-18"), _bv(1, "2026-11-19", "b0"))
    diff = _diff(before, after, old, new)
    text = "the day now falls in Extra vakantie of holiday region middle (2026-11-02 to 2026-11-13)"
    assert _why(diff) == {
        "los-N1-20261104": {"rule": "C2", "text": text},
        "bv-C1-01": {"rule": "C2", "text": text},
        "los-N1-20261111": {"rule": "C2", "text": text},
    }
    lines = diff.lines()
    assert f"  los-N1-20261104 (N1, 2026-11-04 09:00): no longer held — why: [C2] {text}" in lines
    assert (
        f"  bv-C1-01 (C1, 2026-11-05 13:30): moved to 2026-11-19 13:30-16:30 — why: [C2] {text}"
    ) in lines
    # the rule the reasons name, not C1 besides (it was added whenever a date moved)
    assert diff.data["rules"] == ["C2"]


def test_a_folded_line_gets_one_reason_and_sessions_with_another_reason_are_apart_c2_c3() -> None:
    # four Wednesdays fall in a new holiday (one folded line, one reason); the fifth is a
    # new public holiday (its own line, its own reason)
    def edit(data: dict[str, Any]) -> None:
        _holiday("Extra vakantie", "2026-11-02", "2026-11-27")(data)
        data["calendar"]["public_holidays"].append(
            {"date": "2026-12-02", "name": "Extra vrije dag"}
        )

    old, new = _instance(), _instance(edit)
    days = ["2026-11-04", "2026-11-11", "2026-11-18", "2026-11-25", "2026-12-02"]
    diff = _diff(_plan(*(_los(d) for d in days)), _plan(), old, new)
    at = diff.lines().index("sessions changed: 5")
    assert diff.lines()[at + 1 : at + 3] == [
        "  N1: 4 sessions no longer held (2026-11-04 to 2026-11-25, 09:00) — why: [C2] the day "
        "now falls in Extra vakantie of holiday region middle (2026-11-02 to 2026-11-27)",
        "  los-N1-20261202 (N1, 2026-12-02 09:00): no longer held — why: [C3] the day is now a "
        "public holiday (Extra vrije dag)",
    ]
    assert {"C2", "C3"} <= set(diff.data["rules"])


def test_a_session_after_a_shortened_school_year_is_outside_it_c1() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["calendar"]["school_years"][0]["end"] = "2027-06-30"

    old, new = _instance(), _instance(edit)
    diff = _diff(_plan(_los("2027-07-07")), _plan(), old, new)
    assert _why(diff)["los-N1-20270707"] == {
        "rule": "C1",
        "text": "the day is now outside every school year",
    }


def test_an_ill_io_names_the_unavailability_row_and_a_participant_moves_a_tn_meeting_c4() -> None:
    # IO1 is ill 2-13 November: N1's session of 4 November goes ahead without them, the
    # review of 11 November moves a week; P1 is on a course on 9 December: TN1's
    # meeting that day moves
    def edit(data: dict[str, Any]) -> None:
        data["unavailability"] = [
            {"who": "IO1", "start": "2026-11-02", "end": "2026-11-13", "reason": "ziek"},
            {"who": "P1", "start": "2026-12-09", "end": "2026-12-09", "reason": "cursus"},
        ]

    old, new = _instance(), _instance(edit)
    before = _plan(_los("2026-11-04"), _review("2026-11-11"), _tn(2, "2026-12-09", "b0"))
    after = _plan(
        _los("2026-11-04", facs=("SO1",)), _review("2026-11-18"), _tn(2, "2026-12-16", "b0")
    )
    diff = _diff(before, after, old, new)
    ill = {"rule": "C4", "text": "IO1 Noor Dijkstra is unavailable 2026-11-02 to 2026-11-13 (ziek)"}
    assert _why(diff) == {
        "los-N1-20261104": ill,
        "review-N1-1": ill,
        "tn-TN1-02": {
            "rule": "C4",
            "text": "P1 Deelnemer 1 is unavailable 2026-12-09 to 2026-12-09 (cursus)",
        },
    }
    assert (
        "  los-N1-20261104 (N1, 2026-11-04 09:00): without IO1 Noor Dijkstra — why: [C4] IO1 "
        "Noor Dijkstra is unavailable 2026-11-02 to 2026-11-13 (ziek)"
    ) in diff.lines()


# --------------------------------------------------------------------------- LOS: L1, L4, L5


def test_a_network_whose_io_left_names_the_new_one_l5() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["facilitators"][1] = {
            "id": "IO2", "name": "Omar Haddou", "role": "instituutsopleider",
            "institution": "HU", "regions": ["r1"], "available_days": ["wed"],
        }  # fmt: skip
        data["los"]["networks"][0]["second_facilitator"] = "IO2"

    # IO1 leaves, IO2 leads N1 instead; IO2 is on a course on 11 November, so that
    # session goes ahead without either
    def course(data: dict[str, Any]) -> None:
        edit(data)
        data["unavailability"] = [
            {"who": "IO2", "start": "2026-11-11", "end": "2026-11-11", "reason": "cursus"}
        ]

    old, new = _instance(), _instance(course)
    n1 = N1.model_copy(update={"facilitators": ("SO1", "IO2")})
    diff = _diff(
        _plan(_los("2026-11-04"), _los("2026-11-11")),
        _plan(_los("2026-11-04", facs=("SO1", "IO2")), _los("2026-11-11", facs=("SO1",)),
              networks=(n1,)),
        old,
        new,
    )  # fmt: skip
    changed = {
        "rule": "L5",
        "text": "the facilitators of N1 changed: IO1 Noor Dijkstra -> IO2 Omar Haddou "
        "(IO1 left the instance)",
    }
    assert _why(diff) == {
        "los-N1-20261104": changed,
        "los-N1-20261111": {
            **changed,
            "also": [
                {"rule": "C4", "text": "IO2 Omar Haddou is unavailable 2026-11-11 to 2026-11-11 "
                 "(cursus)"}
            ],
        },
    }  # fmt: skip


def test_a_network_moved_to_a_school_of_another_holiday_region_l7_c2() -> None:
    # N1 moves to s2, which is now in holiday region south: its session in south's
    # Herfstvakantie (26-30 October) goes, one in middle's is held again
    def edit(data: dict[str, Any]) -> None:
        data["schools"][1]["holiday_region"] = "south"
        data["calendar"]["holidays"].append(
            {"holiday_region": "south", "name": "Herfstvakantie", "start": "2026-10-24",
             "end": "2026-11-01"}
        )  # fmt: skip
        data["los"]["networks"][0]["location"] = "s2"

    old, new = _instance(), _instance(edit)
    n1 = N1.model_copy(update={"location": "s2"})
    diff = _diff(
        _plan(_los("2026-10-28")),
        _plan(_los("2026-10-21", location="s2"), networks=(n1,)),
        old,
        new,
    )
    moved = {"rule": "L7", "text": "network N1 now meets at s2 School s2"}
    assert _why(diff) == {
        "los-N1-20261021": {
            **moved,
            "also": [
                {"rule": "C2", "text": "the day no longer falls in Herfstvakantie of holiday "
                 "region middle"}
            ],
        },
        "los-N1-20261028": {
            **moved,
            "also": [
                {"rule": "C2", "text": "the day now falls in Herfstvakantie of holiday region "
                 "south (2026-10-24 to 2026-11-01)"}
            ],
        },
    }  # fmt: skip


def test_a_network_moved_to_another_slot_says_so_on_both_folded_lines_l4() -> None:
    old = new = _instance()
    wednesdays = ["2026-11-04", "2026-11-11", "2026-11-18", "2026-11-25"]
    thursdays = ["2026-11-05", "2026-11-12", "2026-11-19", "2026-11-26"]
    n1 = N1.model_copy(update={"slot": WED.model_copy(update={"weekday": "thu"})})
    diff = _diff(
        _plan(*(_los(d) for d in wednesdays)),
        _plan(*(_los(d) for d in thursdays), networks=(n1,)),
        old,
        new,
    )
    why = "[L4] the weekly slot of N1 moved from wed 1 to thu 1"
    lines = diff.lines()
    assert (
        f"  N1: 4 sessions no longer held (2026-11-04 to 2026-11-25, 09:00) — why: {why}" in lines
    )
    assert f"  N1: 4 sessions new, at s1 (2026-11-05 to 2026-11-26, 09:00) — why: {why}" in lines


def test_a_closed_network_and_a_new_one_l1() -> None:
    # N1 closes (its sessions and review go), N2 opens; a network of a region without a
    # plan is not planned, with the plan's own reason
    def edit(data: dict[str, Any]) -> None:
        data["los"]["networks"][0]["id"] = "N2"

    old, new = _instance(), _instance(edit)
    n2 = N1.model_copy(update={"id": "N2"})
    diff = _diff(
        _plan(_los("2026-11-04"), _review("2026-11-11")),
        _plan(_los("2026-11-04", group="N2"), networks=(n2,)),
        old,
        new,
    )
    closed = {"rule": "L1", "text": "network N1 closed (removed by the change)"}
    assert _why(diff) == {
        "los-N1-20261104": closed,
        "los-N2-20261104": {"rule": "L1", "text": "network N2 is new"},
        "review-N1-1": closed,
    }
    why = "region r1 has no plan: 5 learners must be placed but the networks seat at most 4"
    unplanned = _plan(
        unplaced=(Unplaced(id="N1", what="network", reason=why, rule="L1"),), networks=()
    )
    assert _why(_diff(_plan(_los("2026-11-04")), unplanned, old, old))["los-N1-20261104"] == {
        "rule": "L1",
        "text": f"network N1 is not planned: {why}",
    }


# --------------------------------------------------------------------------- BV: B2, B4, B5, B6, B8


def test_a_meeting_whose_host_left_bv_or_whose_new_school_hosts_says_so_b5() -> None:
    # b0 leaves BV: C1 goes on with b1-b3 and b4, who joined; b0's meeting is now at b1,
    # one of b1's meetings is now b4's
    def edit(data: dict[str, Any]) -> None:
        data["schools"][2]["bv_subsidy"] = False  # b0

    old, new = _instance(), _instance(edit)
    c1 = C1.model_copy(update={"schools": ("b1", "b2", "b3", "b4")})
    diff = _diff(
        _plan(_bv(1, "2026-11-05", "b0"), _bv(2, "2026-12-07", "b1")),
        _plan(_bv(1, "2026-11-05", "b1"), _bv(2, "2026-12-07", "b4"), clusters=(c1,)),
        old,
        new,
    )
    assert _why(diff) == {
        "bv-C1-01": {"rule": "B5", "text": "host b0 School b0 left BV"},
        "bv-C1-02": {"rule": "B5", "text": "b4 School b4 joined C1 and hosts in turn"},
    }


def test_a_dissolved_cluster_and_one_formed_anew_b8_b2() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["schools"][2]["bv_subsidy"] = False  # b0

    old, new = _instance(), _instance(edit)
    why = "po in region 'r1' has 3 eligible school(s), which cannot form clusters of 4-6"
    left = tuple(Unplaced(id=f"b{i}", what="school", reason=why, rule="B8") for i in (1, 2, 3))
    diff = _diff(_plan(_bv(1, "2026-11-05", "b0")), _plan(clusters=(), unplaced=left), old, new)
    assert _why(diff)["bv-C1-01"] == {
        "rule": "B8",
        "text": "cluster C1 dissolved: b0 School b0 left BV; the 3 school(s) left over cannot "
        "form a cluster of 4-6",
    }
    c2 = C1.model_copy(update={"id": "C2", "schools": ("b1", "b2", "b3", "b4")})
    diff = _diff(
        _plan(clusters=()), _plan(_bv(1, "2026-11-05", "b1", group="C2"), clusters=(c2,)), old, new
    )
    assert _why(diff)["bv-C2-01"] == {"rule": "B2", "text": "cluster C2 formed anew"}


def test_a_new_coordinator_whose_days_differ_b4() -> None:
    # OCW1 leaves; OCW2 works on Wednesdays and Fridays: the Thursday meeting moves to a
    # Friday, the Wednesday one keeps its date; both now with OCW2
    def edit(data: dict[str, Any]) -> None:
        data["facilitators"][2] = coordinator("OCW2", available_days=["wed", "fri"])

    old, new = _instance(), _instance(edit)
    c1 = C1.model_copy(update={"coordinator": "OCW2"})
    before = _plan(_bv(1, "2026-11-05", "b0"), _bv(2, "2026-12-09", "b1"))
    after = _plan(
        _bv(1, "2026-11-06", "b0", coordinator="OCW2"),
        _bv(2, "2026-12-09", "b1", coordinator="OCW2"),
        clusters=(c1,),
    )
    diff = _diff(before, after, old, new)
    changed = {
        "rule": "B4",
        "text": "the coordinator of C1 changed: OCW1 Coordinator OCW1 -> OCW2 Coordinator OCW2 "
        "(OCW1 left the instance)",
    }
    assert _why(diff) == {
        "bv-C1-01": {
            **changed,
            "also": [{"rule": "B4", "text": "OCW2 Coordinator OCW2 does not work on Thursdays"}],
        },
        "bv-C1-02": changed,
    }


def test_a_coordinator_without_room_and_a_sector_region_clustered_anew_for_a_wish_b4_b2() -> None:
    # OCW1 may now guide one cluster: C2 is handed to OCW2 (B4). Then a wish (together
    # b0/b4) that the kept clusters would break: C1 is dissolved and po:r1 clustered anew
    def room(data: dict[str, Any]) -> None:
        data["facilitators"][2]["max_groups"] = 1
        data["facilitators"].append(coordinator("OCW2"))

    old, new = _instance(), _instance(room)
    c2 = Cluster(id="C2", sector="po", region="r1", schools=("b4",), coordinator="OCW1")
    handed = c2.model_copy(update={"coordinator": "OCW2"})
    diff = _diff(
        _plan(_bv(1, "2026-11-05", "b4", group="C2"), clusters=(C1, c2)),
        _plan(_bv(1, "2026-11-05", "b4", "OCW2", group="C2"), clusters=(C1, handed)),
        old,
        new,
    )
    assert _why(diff)["bv-C2-01"] == {
        "rule": "B4",
        "text": "the coordinator of C2 changed: OCW1 Coordinator OCW1 -> OCW2 Coordinator OCW2 "
        "(OCW1 has no room: guides 1, at most 1)",
    }
    note = (
        "[B2] the clusters of po:r1 re-formed: kept as they were, they would break the wish "
        "together b0/b4"
    )
    anew = C1.model_copy(update={"id": "C3", "schools": ("b0", "b1", "b2", "b4")})
    diff = _diff(_plan(_bv(1, "2026-11-05", "b0")), _plan(clusters=(anew,)), old, old, [note])
    assert _why(diff)["bv-C1-01"] == {
        "rule": "B2",
        "text": "cluster C1 dissolved; its sector-region was clustered anew (po:r1 re-formed: "
        "kept as they were, they would break the wish together b0/b4)",
    }


def test_fewer_bv_meetings_a_year_b6_and_a_shortened_tn_series_t1() -> None:
    def edit(data: dict[str, Any]) -> None:
        data["bv"] = {"meetings_per_year": 3}
        data["tn"]["networks"][0]["series_length"] = 4

    # the last meeting of the year goes; with fewer meetings the first is hosted by b1
    old, new = _instance(), _instance(edit)
    diff = _diff(
        _plan(_bv(1, "2026-11-05", "b0"), _bv(4, "2027-06-07", "b3"), _tn(5, "2027-06-14", "b3")),
        _plan(_bv(1, "2026-11-05", "b1")),
        old,
        new,
    )
    fewer = "fewer BV meetings a year: bv.meetings_per_year changed from 4 to 3"
    assert _why(diff) == {
        "bv-C1-01": {"rule": "B6", "text": f"{fewer} (the hosts take turns anew)"},
        "bv-C1-04": {"rule": "B6", "text": fewer},
        "tn-TN1-05": {"rule": "T1", "text": "the series of TN1 was shortened from 5 to 4 meetings"},
    }


# --------------------------------------------------------------------------- TN: T2, T5


def test_a_tn_host_school_and_a_helper_that_left_t2_t5() -> None:
    # P0, the only participant of b0, leaves: the meeting at b0 gets another host and
    # another helper; the other meeting only another helper
    def edit(data: dict[str, Any]) -> None:
        data["tn"]["participants"] = data["tn"]["participants"][1:]

    old, new = _instance(), _instance(edit)
    tn1 = TN1.model_copy(update={"participants": ("P1", "P2", "P3")})
    diff = _diff(
        _plan(_tn(2, "2026-12-09", "b0", ("P0",)), _tn(3, "2027-02-10", "b1", ("P0",))),
        _plan(
            _tn(2, "2026-12-09", "b1", ("P1",)), _tn(3, "2027-02-10", "b1", ("P2",)),
            tn_networks=(tn1,),
        ),
        old,
        new,
    )  # fmt: skip
    left = "P0 Deelnemer 0 left the instance"
    assert _why(diff) == {
        "tn-TN1-02": {
            "rule": "T2",
            "text": f"host b0 School b0 has nobody in TN1 any more ({left})",
            "also": [{"rule": "T5", "text": f"helper {left}"}],
        },
        "tn-TN1-03": {"rule": "T5", "text": f"helper {left}"},
    }


def test_a_chosen_kick_off_date_someone_can_no_longer_make_moves_c4() -> None:
    # no kick-off date is given, so the kick-off is on the first school day that suits
    # everyone; P2 is now away that day: the kick-off moves a day on (a new id: the date
    # is in it), and the new one says which it replaces
    def edit(data: dict[str, Any]) -> None:
        data["unavailability"] = [{"who": "P2", "start": "2026-09-07", "end": "2026-09-07"}]

    def kickoff(day: str) -> Session:
        return Session(
            id=f"tn-kickoff-{day.replace('-', '')}-b0", programme="tn", group="all",
            date=_d(day), start=dt.time(14), end=dt.time(17), location="b0",
            facilitators=("PB1",), kind="kickoff",
        )  # fmt: skip

    old, new = _instance(), _instance(edit)
    diff = _diff(_plan(kickoff("2026-09-07")), _plan(kickoff("2026-09-08")), old, new)
    away = "P2 Deelnemer 2 is unavailable 2026-09-07 to 2026-09-07"
    assert _why(diff) == {
        "tn-kickoff-20260907-b0": {"rule": "C4", "text": away},
        "tn-kickoff-20260908-b0": {
            "rule": "C4",
            "text": f"it replaces the kick-off of 2026-09-07: {away}",
        },
    }


# --------------------------------------------------------------------------- L9, L10, L5


def _three_networks(data: dict[str, Any]) -> None:
    """N1 (SO1+IO1), N2 (SO2+IO2) and N3 (SO3+IO3), all at s1 on Wednesdays."""
    for k in (2, 3):
        data["facilitators"] += [
            {"id": f"SO{k}", "name": f"SO {k}", "role": "schoolopleider", "regions": ["r1"]},
            {"id": f"IO{k}", "name": f"IO {k}", "role": "instituutsopleider",
             "institution": "HU", "regions": ["r1"], "available_days": ["wed"]},
        ]  # fmt: skip
        row = copy.deepcopy(data["los"]["networks"][0])
        row.update(id=f"N{k}", schoolopleider=f"SO{k}", second_facilitator=f"IO{k}")
        data["los"]["networks"].append(row)


def _net(k: int) -> PlannedNetwork:
    return N1.model_copy(update={"id": f"N{k}", "facilitators": (f"SO{k}", f"IO{k}")})


def _visit(visitor: int, host: int, day: str) -> Visit:
    return Visit(
        visitor=f"N{visitor}", host=f"N{host}", date=_d(day), start=dt.time(9),
        end=dt.time(11), facilitators=(f"SO{visitor}", f"IO{visitor}"),
    )  # fmt: skip


def test_visits_of_a_closed_network_the_one_replacing_it_and_a_moved_one_l1_l9_c4() -> None:
    # N3 closes: N1 -> N3 and N3 -> N2 are no longer made; N1 now visits N2 instead; the
    # region's visits were paired anew (the stage's note); N2 -> N1 moves a week because
    # SO2 is away on its day
    def close_n3(data: dict[str, Any]) -> None:
        _three_networks(data)
        data["los"]["networks"] = data["los"]["networks"][:2]
        data["unavailability"] = [{"who": "SO2", "start": "2026-11-11", "end": "2026-11-11"}]

    old, new = _instance(_three_networks), _instance(close_n3)
    nets = (N1, _net(2), _net(3))
    before = _plan(
        visits=(_visit(1, 3, "2026-11-04"), _visit(2, 1, "2026-11-11"), _visit(3, 2, "2026-11-18")),
        networks=nets,
    )
    after = _plan(
        visits=(_visit(1, 2, "2026-11-25"), _visit(2, 1, "2026-11-18")), networks=nets[:2]
    )
    closed = {"rule": "L1", "text": "network N3 closed (removed by the change)"}
    assert _why(_diff(before, after, old, new)) == {
        "visit N1 -> N3": closed,
        "visit N3 -> N2": closed,
        "visit N1 -> N2": {
            "rule": "L9",
            "text": "it replaces the visit N1 -> N3: network N3 closed (removed by the change)",
        },
        "visit N2 -> N1": {
            "rule": "C4",
            "text": "SO2 SO 2 is unavailable 2026-11-11 to 2026-11-11",
        },
    }


def test_visits_gone_for_one_reason_fold_into_one_line() -> None:
    # N3 closes: its four visits (two made, two received) are no longer made, all for
    # that reason: one line with the count, the first pairs and the reason (closing a
    # network of midden-nederland printed 61 lines of one reason, 40 of them shown)
    def close_n3(data: dict[str, Any]) -> None:
        _three_networks(data)
        data["los"]["networks"] = data["los"]["networks"][:2]

    old, new = _instance(_three_networks), _instance(close_n3)
    nets = (N1, _net(2), _net(3))
    gone = (
        _visit(1, 3, "2026-11-04"),
        _visit(3, 2, "2026-11-11"),
        _visit(2, 3, "2026-11-18"),
        _visit(3, 1, "2026-11-25"),
    )
    before = _plan(visits=gone, networks=nets)
    after = _plan(networks=nets[:2])
    lines = _diff(before, after, old, new).lines()
    assert "visits changed: 4" in lines
    assert (
        "  4 visits no longer made (N1 -> N3, N3 -> N2, N2 -> N3 and 1 more) — why: [L1] "
        "network N3 closed (removed by the change)"
    ) in lines
    assert not [line for line in lines if line.startswith("  visit N")]


def test_sessions_changed_alike_fold_into_one_line() -> None:
    # IO1 hands N1 over to IO3: five weekly sessions at their own dates, each "without
    # IO1; now with IO3", were five lines (42 on tiny, cut at 40); now one line with the
    # count and the first and last date. A session that also moved keeps its own lines
    days = ["2026-11-04", "2026-11-11", "2026-11-18", "2026-11-25", "2026-12-02"]
    before = _plan(*(_los(d) for d in days), _los("2026-12-09"))
    after = _plan(*(_los(d, facs=("SO1", "IO3")) for d in days), _los("2026-12-10"))
    lines = plan_diff(before, after).lines()
    assert (
        "  N1: 5 sessions changed alike (without IO1; now with IO3) (2026-11-04 to "
        "2026-12-02, 09:00)"
    ) in lines
    # the one moved a day is another session (ids carry the date): removed and added
    assert sum(line.startswith("  los-N1-") for line in lines) == 2


def test_a_development_meeting_at_an_institution_its_duos_no_longer_have_l10() -> None:
    # N1 and its IO move from HU to UU: the development meeting at HU is now held at UU
    def edit(data: dict[str, Any]) -> None:
        data["los"]["networks"][0]["institution"] = "UU"
        data["facilitators"][1]["institution"] = "UU"

    old, new = _instance(), _instance(edit)

    def meeting(place: str) -> Session:
        return Session(
            id="dev-r1-1", programme="development", group="r1", date=_d("2026-10-05"),
            start=dt.time(13, 30), end=dt.time(16, 30), location=place,
        )  # fmt: skip

    diff = _diff(_plan(meeting("HU")), _plan(meeting("UU")), old, new)
    assert _why(diff)["dev-r1-1"] == {
        "rule": "L10",
        "text": "HU is no longer an institution of the SO/IO duos of r1",
    }


def test_a_review_whose_old_time_someone_now_spends_elsewhere_l5() -> None:
    # SO1 now also leads N3, which meets at s2 on Wednesday afternoons: at the old time of
    # N1's review SO1 is in N3's session, planned before reviews
    old = new = _instance(_three_networks)
    n3 = _net(3).model_copy(update={"facilitators": ("SO1", "IO3"), "location": "s2"})
    n3_before = _net(3).model_copy(update={"location": "s2"})
    afternoon = {"group": "N3", "location": "s2", "start": dt.time(13), "end": dt.time(15)}
    before = _plan(
        _review("2026-11-11"),
        _los("2026-11-11", facs=("SO3", "IO3"), **afternoon),
        networks=(N1, n3_before),
    )
    after = _plan(
        _review("2026-11-18"),
        _los("2026-11-11", facs=("SO1", "IO3"), **afternoon),
        networks=(N1, n3),
    )
    why = _why(_diff(before, after, old, new))
    assert why["review-N1-1"] == {
        "rule": "L5",
        "text": "at its old time SO1 Karin Dekker now has los-N3-20261111",
    }


# --------------------------------------------------------------------------- fallback


def test_a_coordinators_dates_dated_anew_say_so_and_nothing_else_is_the_fallback_b6() -> None:
    old = new = _instance()
    before = _plan(_bv(1, "2026-11-05", "b0"))
    moved = _plan(_bv(1, "2026-11-12", "b0"))
    note = (
        "[B6] coordinator OCW1: the dates of clusters C1 in the plan re-planned no longer fit "
        "together; they are dated anew"
    )
    anew = moved.model_copy(
        update={"stages": {"calendar": StageResult(status="feasible", notes=(note,))}}
    )
    assert _why(_diff(before, anew, old, new))["bv-C1-01"] == {
        "rule": "B6",
        "text": "the kept dates of coordinator OCW1's clusters no longer fitted together, so "
        "they were all dated anew",
    }
    # nothing about the meeting or its cluster changed, and the stage says nothing: the
    # fallback, without a rule
    diff = _diff(before, moved, old, new)
    assert _why(diff)["bv-C1-01"] == {"rule": FALLBACK.rule, "text": FALLBACK.text}
    assert (
        "  bv-C1-01 (C1, 2026-11-05 13:30): moved to 2026-11-12 13:30-16:30 — why: moved to keep "
        "the calendar valid around other changes"
    ) in diff.lines()


def test_without_instances_the_diff_gives_no_reason() -> None:
    before = _plan(_bv(1, "2026-11-05", "b0"))
    diff = plan_diff(before, _plan(_bv(1, "2026-11-12", "b0")))
    assert "why" not in diff.data["sessions"][0]
    assert "  bv-C1-01 (C1, 2026-11-05 13:30): moved to 2026-11-12 13:30-16:30" in diff.lines()


# --------------------------------------------------------------------------- tiny, re-planned

_HOLIDAY = {"holiday_region": "middle", "name": "Extra vakantie", "start": "2027-03-01",
            "end": "2027-03-12"}  # fmt: skip
_OCW2 = {"id": "OCW2", "name": "Mirjam Bakker", "role": "ocw_coordinator",
         "institution": "OCW", "regions": "utrecht-en-omstreken",
         "available_days": "tue;wed;fri", "max_groups": 2}  # fmt: skip
SCENARIOS = {
    "holiday": ([{"op": "add", "what": "holidays", "rows": [_HOLIDAY]}], {"C2"}),
    "ill": (
        [{"op": "add", "what": "unavailability",
          "rows": [{"who": "IO2", "start": "2027-01-25", "end": "2027-02-05", "reason": "ziek"}]}],
        {"C4"},
    ),
    "leave-bv": (
        [{"op": "modify", "what": "schools", "id": "17ZL00", "fields": {"bv_subsidy": "nee"}}],
        {"B8"},
    ),
    "coordinator": (
        [{"op": "remove", "what": "unavailability", "ids": ["OCW1"]},
         {"op": "remove", "what": "facilitators", "ids": ["OCW1"]},
         {"op": "add", "what": "facilitators", "rows": [_OCW2]}],
        {"B4"},
    ),
    "tn-short": (
        [{"op": "modify", "what": "tn_networks", "id": "TN1", "fields": {"series_length": 4}}],
        {"T1"},
    ),
    "tn-leave": ([{"op": "remove", "what": "tn_participants", "ids": ["TNP01"]}], {"T2", "T5"}),
    "close": (
        [{"op": "remove", "what": "networks", "ids": ["N2"]},
         {"op": "set", "key": "los.settings.allow_unplaced", "value": True}],
        {"L1", "L9", "L10"},
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from composer.io import load_instance
    from composer.io.json_io import write_plan
    from composer.params import SolveParams
    from composer.pipeline import solve

    plan, _ = solve(load_instance(TINY), SolveParams(time_limit=20, workers=1, processes=1))
    path = tmp_path_factory.mktemp("tiny") / "plan.json"
    write_plan(plan, path)
    return path


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_every_change_of_a_tiny_re_plan_carries_a_reason(name, tiny_baseline, tmp_path) -> None:
    # tiny re-planned after a realistic change: every session and visit the diff lists has
    # a reason, none falls back to "moved to keep the calendar valid", and the reasons
    # name the rules the change is about; the printed lines carry them
    from composer.replan import Scenario, run_scenario

    operations, rules = SCENARIOS[name]
    change = tmp_path / f"{name}.yaml"
    change.write_text(yaml.safe_dump({"operations": operations}), encoding="utf-8")
    scenario = Scenario(name, str(TINY), str(tiny_baseline), str(change), 20, 1, 0, False)
    result = run_scenario(scenario)
    diff = json.loads(json.dumps(result["diff"]))
    changes = [*diff["sessions"], *diff["visits"]]
    assert changes and result["check_ok"]
    assert all("why" in c for c in changes)
    assert not [c for c in changes if c["why"]["text"] == FALLBACK.text]
    assert {c["why"]["rule"] for c in changes} == rules
    printed = [line for line in result["lines"] if " — why: " in line]
    assert printed and all(line.split(" — why: ")[1] for line in printed)
