"""A small instance and a hand-made plan with every part the exports show.

Two regions; LOS networks N1 (opleiding, Mondays 09:00-11:00 at s1) and N2 (inductie,
Tuesdays 13:00-15:00 at s2) with weekly sessions that skip the autumn holiday; a BV cluster
of four po schools with two meetings; a TN network with a joint kick-off and one meeting;
a development meeting at HU, a yearly review, a cross-network visit and an unplaced
learner. Names include accents and markup, so escaping and pseudonymising are tested on
the worst a spreadsheet can hold. The autumn holiday week also holds the end of summer
time (2026-10-25), so calendar times are tested across it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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
from factories import base_data, make_instance, school

N1_DATES = [
    dt.date(2026, 9, 7) + dt.timedelta(weeks=w) for w in range(13) if w != 6
]  # Mondays 7 Sep - 30 Nov 2026 except 19 Oct (herfstvakantie): 12 sessions
N2_DATES = [
    dt.date(2026, 9, 8) + dt.timedelta(weeks=w) for w in range(15) if w != 6
]  # Tuesdays 8 Sep - 15 Dec 2026 except 20 Oct: 14 sessions

REAL_NAMES = (
    "Anna de Vries",
    "Jörg Müller",
    "Zoë Jansen",
    "Sanne Bakker",
    "Mohammed El Amrani",
    "=HYPERLINK(evil)",
    "Els Schoolopleider",
    "Ingrid Instituut",
    "<b>Bram</b> & Co",
    "Bea Begeleider",
    "Carla Coördinator",
    "Piet Proces",
    "Lotte Leider",
    "Theo Teamleider",
    "Iris Intern",
)


def sample_data() -> dict[str, Any]:
    """The instance as a dict."""
    data = base_data()
    data["name"] = "sample-2026"
    data["description"] = "hand-made plan for the export tests"
    data["calendar"]["holidays"].append(
        {
            "holiday_region": "middle",
            "name": "Kerstvakantie",
            "start": "2026-12-19",
            "end": "2027-01-03",
        }
    )
    data["regions"].append({"id": "r2", "name": "Region two"})
    data["institutions"][0].update({"lat": 52.085, "lon": 5.17})
    data["schools"] = [
        school("s1", 52.09, 5.12, training_school=True, wpb_hours_capacity=3,
               postcode="3511", municipality="Utrecht"),
        school("s2", 52.10, 5.20, training_school=True, postcode="3731", municipality="De Bilt"),
        school("s3", 52.02, 5.05, sector="po", bv_subsidy=True,
               name="<img src=x onerror=alert(1)>"),
        school("s4", 52.03, 5.10, sector="po", bv_subsidy=True),
        school("s5", 52.05, 5.02, sector="po", bv_subsidy=True),
        school("s6", 52.00, 5.08, sector="po", bv_subsidy=True),
        school("s7", 51.80, 5.85, region="r2"),
    ]  # fmt: skip
    data["learners"] = [
        {"id": "L1", "name": "Anna de Vries", "kind": "student", "institution": "HU",
         "home_school": "s1", "email": "anna@example.nl"},
        {"id": "L2", "name": "Jörg Müller", "kind": "uu_student", "home_school": "s1"},
        {"id": "L3", "name": "Sanne Bakker", "kind": "starter", "home_school": "s2"},
        {"id": "L4", "name": "Mohammed El Amrani", "kind": "student", "institution": "HU",
         "home_school": "s2"},
        {"id": "L5", "name": "=HYPERLINK(evil)", "kind": "statushouder", "home_school": "s3"},
        {"id": "L6", "name": "Zoë Jansen", "kind": "student", "home_school": "s7"},
    ]  # fmt: skip
    data["facilitators"] = [
        {"id": "SO1", "name": "Els Schoolopleider", "role": "schoolopleider",
         "home_school": "s1", "regions": ["r1"], "capacity_days": 0.1,
         "email": "els@example.nl"},
        {"id": "IO1", "name": "Ingrid Instituut", "role": "instituutsopleider",
         "institution": "HU", "regions": ["r1"], "available_days": ["mon"]},
        {"id": "SO2", "name": "<b>Bram</b> & Co", "role": "schoolopleider", "regions": ["r1"]},
        {"id": "SB2", "name": "Bea Begeleider", "role": "schoolbegeleider", "regions": ["r1"]},
        {"id": "C1", "name": "Carla Coördinator", "role": "ocw_coordinator", "regions": ["r1"]},
        {"id": "PB1", "name": "Piet Proces", "role": "procesbegeleider"},
    ]  # fmt: skip
    data["los"] = {
        # L6 (home school in r2, no network there) is listed as unplaced: allowed here
        "settings": {"allow_unplaced": True},
        "networks": [
            {"id": "N1", "name": "Utrecht opleiding", "region": "r1", "type": "opleiding",
             "institution": "HU", "location": "s1", "min_size": 2, "max_size": 4},
            {"id": "N2", "name": "De Bilt inductie", "region": "r1", "type": "inductie",
             "location": "s2", "min_size": 2, "max_size": 4},
        ]
    }  # fmt: skip
    data["tn"] = {
        "kickoff_date": "2026-09-15",
        "kickoff_location": "s1",
        "networks": [
            {"id": "T1", "name": "Leiderschap", "theme": "leiderschap", "region": "r1",
             "facilitator": "PB1", "min_size": 2, "max_size": 6}
        ],
        "participants": [
            {"id": "p1", "name": "Lotte Leider", "school": "s1", "function": "schoolleider"},
            {"id": "p2", "name": "Theo Teamleider", "school": "s2", "function": "teamleider"},
            {"id": "p3", "name": "Iris Intern", "school": "s4", "function": "ib-er",
             "email": "iris@example.nl"},
        ],
    }  # fmt: skip
    return data


def sample_instance() -> Instance:
    """The sample instance."""
    return make_instance(sample_data())


def _t(text: str) -> dt.time:
    return dt.time.fromisoformat(text)


def sample_plan() -> Plan:
    """A plan for :func:`sample_instance` with every part filled in."""
    sessions: list[Session] = []
    for i, day in enumerate(N1_DATES, start=1):
        sessions.append(
            Session(id=f"N1-{i:02d}", programme="los", group="N1", date=day, start=_t("09:00"),
                    end=_t("11:00"), location="s1", facilitators=("SO1", "IO1"))
        )  # fmt: skip
    for i, day in enumerate(N2_DATES, start=1):
        sessions.append(
            Session(id=f"N2-{i:02d}", programme="los", group="N2", date=day, start=_t("13:00"),
                    end=_t("15:00"), location="s2", facilitators=("SO2", "SB2"))
        )  # fmt: skip
    sessions += [
        Session(id="BV1-1", programme="bv", group="BV1", date=dt.date(2026, 10, 5),
                start=_t("13:30"), end=_t("16:30"), location="s3", facilitators=("C1",),
                attendees=("s3", "s4", "s5", "s6"), kind="meeting"),
        Session(id="BV1-2", programme="bv", group="BV1", date=dt.date(2026, 11, 9),
                start=_t("13:30"), end=_t("16:30"), location="s4", facilitators=("C1",),
                attendees=("s3", "s4", "s5", "s6"), kind="meeting"),
        Session(id="TN-kickoff", programme="tn", group="all", date=dt.date(2026, 9, 15),
                start=_t("14:00"), end=_t("17:00"), location="s1", facilitators=("PB1",),
                kind="kickoff"),
        Session(id="T1-2", programme="tn", group="T1", date=dt.date(2026, 10, 6),
                start=_t("14:00"), end=_t("17:00"), location="s4", facilitators=("PB1",),
                attendees=("p1", "p2", "p3"), helpers=("p3",), kind="meeting"),
        Session(id="DEV-1", programme="development", group="all", date=dt.date(2026, 9, 30),
                start=_t("13:00"), end=_t("16:00"), location="HU",
                attendees=("SO1", "IO1", "SO2", "SB2"), kind="development"),
        Session(id="REV-N1", programme="review", group="N1", date=dt.date(2027, 6, 7),
                start=_t("09:00"), end=_t("10:00"), location="s1", facilitators=("SO1", "IO1"),
                kind="review"),
    ]  # fmt: skip
    return Plan(
        instance="sample-2026",
        status="feasible",
        objective=130.0,
        bound=120.0,
        gap=10 / 130,
        stages={
            "los": StageResult(
                status="feasible",
                objective=130.0,
                bound=120.0,
                gap=10 / 130,
                notes=("learner L6 (Zoë Jansen) could not be placed",),
            ),
        },
        networks=(
            PlannedNetwork(
                id="N1",
                region="r1",
                location="s1",
                learners=("L1", "L2", "L3"),
                facilitators=("SO1", "IO1"),
                slot=PlannedSlot(weekday="mon", block="1", start=_t("09:00"), end=_t("11:00")),
            ),
            PlannedNetwork(
                id="N2",
                region="r1",
                location="s2",
                learners=("L4", "L5"),
                facilitators=("SO2", "SB2"),
                slot=PlannedSlot(weekday="tue", block="2", start=_t("13:00"), end=_t("15:00")),
            ),
        ),
        clusters=(
            Cluster(
                id="BV1",
                sector="po",
                region="r1",
                schools=("s3", "s4", "s5", "s6"),
                coordinator="C1",
            ),
        ),
        tn_networks=(
            PlannedTnNetwork(id="T1", participants=("p1", "p2", "p3"), facilitator="PB1"),
        ),
        sessions=tuple(sessions),
        visits=(Visit(visitor="N1", host="N2", date=dt.date(2026, 11, 10)),),
        unplaced=(
            Unplaced(
                id="L6",
                what="learner",
                rule="L3",
                reason="no network in region r2 offers what Zoë Jansen needs",
            ),
        ),
    )
