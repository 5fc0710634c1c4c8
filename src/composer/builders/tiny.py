"""The hand-made ``tiny`` instance: every rule family, an optimum known by hand.

Sixteen real schools of the region Utrecht en omstreken (Utrecht, Zeist, Culemborg),
three LOS networks of 3..4 learners with ten learners, two basisvaardigheden clusters'
worth of primary schools plus an impossible special-education group (B8), and two TN
networks. ``instances/tiny/README.md`` walks through the rules and the optimum; the
constant :data:`EXPECTED` states it so tests can check solver and checker against it.

Rebuild with ``python -m composer.builders.tiny instances/tiny`` (deterministic).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from composer.builders.generate import COMPONENTS, INSTITUTIONS, SOURCES
from composer.builders.tables import (
    DEFAULT_SCHOOL_YEARS,
    load_tables,
    nl_calendar,
    regions_of,
    to_school,
)
from composer.model.instance import (
    BvProgramme,
    BvWish,
    Facilitator,
    Instance,
    Learner,
    LosNetwork,
    LosProgramme,
    LosSettings,
    School,
    Slot,
    Source,
    TnNetwork,
    TnParticipant,
    TnProgramme,
    Unavailability,
    WeeklyRoster,
)

V1, V2, V3, V4 = "02UE00", "02VR00", "19QA00", "19EW00"
"""St Bonifatius College (Utrecht), Christelijk Lyceum Zeist, Koningin Wilhelmina
College and Lek en Linge (both Culemborg). Travel: V1-V2 16 min, V1/V2-V3 31 min,
V3-V4 1 min (great circle x 1.3 at 40 km/h)."""
PO_UTRECHT = ("17ZL00", "30VB00", "17DZ00", "07PH00")
PO_CULEMBORG = ("12EA00", "08ZN00", "09WU00", "20DK00")
PO_SUPPORTED = "07KN00"  # subsidised, but already individually supported: B1 excludes it
PO_NOT_SUBSIDISED = "04BK00"
GO = ("00PQ00", "02YT00")  # two eligible special schools: cannot form a cluster (B8)

SCHOOL_IDS = (V1, V2, V3, V4, *PO_UTRECHT, *PO_CULEMBORG, PO_SUPPORTED, PO_NOT_SUBSIDISED, *GO)

EXPECTED: dict[str, object] = {
    "networks": {
        "N1": {
            "learners": ["L01", "L02", "L09", "L10"],
            "slot": ("wed", "b1"),
            "facilitators": ["SO1", "IO1"],
        },
        "N2": {
            "learners": ["L03", "L04", "L05"],
            "slot": ("wed", "b5"),
            "facilitators": ["SO2", "IO2"],
        },
        "N3": {
            "learners": ["L06", "L07", "L08"],
            "slot": ("wed", "b3"),
            "facilitators": ["SO3", "SB1"],
        },
    },
    "los_alternative": {"L09": "N2"},
    "los_travel_minutes": 17,
    "los_travel_minutes_alternative": 33,
    "clusters": [sorted(PO_UTRECHT), sorted(PO_CULEMBORG)],
    "bv_coordinator": "OCW1",
    "bv_left_out": {PO_SUPPORTED: "B1", GO[0]: "B8", GO[1]: "B8"},
    "tn": {"TN1": "po participants (TNP01-TNP08)", "TN2": "vo participants (TNP09-TNP14)"},
}
"""The optimum worked out by hand in ``instances/tiny/README.md``."""

BLOCKS = ("b1", "b2", "b3", "b4", "b5")


def _roster(wed_free: tuple[str, ...], **days: tuple[str, ...]) -> WeeklyRoster:
    """A roster: Wednesday busy except ``wed_free``; other days as given."""
    return WeeklyRoster(wed=tuple(b for b in BLOCKS if b not in wed_free), **days)


def _learners() -> tuple[Learner, ...]:
    n1, n2, n3 = ("b1",), ("b5",), ("b3",)
    return (
        Learner(id="L01", name="Anna de Jong", kind="student", institution="HU",
                home_school=V1, year=2, study_mode="fulltime", needs=("PH",),
                roster=_roster(n1, mon=("b1", "b2", "b3"), tue=("b2", "b3"), thu=("b1", "b4"),
                               fri=("b1", "b2", "b3"))),
        Learner(id="L02", name="Bram Jansen", kind="student", institution="HU",
                home_school=V1, year=2, study_mode="parttime", needs=("PH",),
                roster=_roster(n1, mon=BLOCKS, tue=("b1", "b2"), thu=("b2", "b3"),
                               fri=("b2",))),
        Learner(id="L03", name="Chaima El Amrani", kind="uu_student", institution="UU",
                home_school=V2, year=1, study_mode="fulltime", needs=("PIP1",),
                roster=_roster(n2, mon=("b1", "b2"), tue=BLOCKS, thu=("b1", "b3"),
                               fri=("b1",))),
        Learner(id="L04", name="Daan Visser", kind="uu_student", institution="UU",
                home_school=V2, year=1, study_mode="fulltime", needs=("PIP1",),
                roster=_roster(n2, mon=("b2", "b3"), tue=("b1",), thu=BLOCKS,
                               fri=("b3",))),
        Learner(id="L05", name="Eva Smit", kind="uu_student", institution="UU",
                home_school=V2, year=2, study_mode="fulltime",
                roster=_roster(n2, mon=("b1", "b2", "b3"), tue=("b3",), thu=("b1", "b2"),
                               fri=BLOCKS)),
        Learner(id="L06", name="Fleur Meijer", kind="starter", home_school=V3,
                preferred_networks=("N1",),
                roster=_roster(n3, mon=("b1", "b2"), tue=("b1", "b2", "b3"), thu=("b1", "b2"),
                               fri=("b1",))),
        Learner(id="L07", name="Gijs de Boer", kind="zij_instromer", home_school=V3,
                roster=_roster(n3, mon=("b3", "b4"), tue=("b1", "b2"), thu=("b2", "b3"),
                               fri=("b1", "b2"))),
        Learner(id="L08", name="Hamza Yilmaz", kind="statushouder", home_school=V4,
                network="N3",
                roster=_roster(n3, mon=("b1",), tue=("b2", "b3", "b4"), thu=("b1", "b2"),
                               fri=("b2", "b3"))),
        Learner(id="L09", name="Iris Bakker", kind="onbevoegd", home_school=V1,
                preferred_networks=("N1",),
                roster=_roster(("b1", "b5"), mon=("b1", "b2"), tue=("b2", "b3"),
                               thu=("b1", "b2", "b3"), fri=("b1", "b2"))),
        Learner(id="L10", name="Jesse Mulder", kind="starter", home_school=V2,
                roster=_roster(n1, mon=("b2", "b3"), tue=("b1", "b2"), thu=("b3", "b4"),
                               fri=("b1",))),
    )  # fmt: skip


def _facilitators() -> tuple[Facilitator, ...]:
    region = ("utrecht-en-omstreken",)
    return (
        Facilitator(id="SO1", name="Karin Dekker", role="schoolopleider", home_school=V1,
                    regions=region, available_days=("tue", "wed"), capacity_days=0.2),
        Facilitator(id="SO2", name="Lars Brouwer", role="schoolopleider", home_school=V2,
                    regions=region, available_days=("wed", "thu"), capacity_days=1.0,
                    max_groups=1),
        Facilitator(id="SO3", name="Maaike de Wit", role="schoolopleider", home_school=V3,
                    regions=region, available_days=("mon", "wed"), capacity_days=0.5,
                    max_groups=1),
        Facilitator(id="IO1", name="Noor Dijkstra", role="instituutsopleider",
                    institution="HU", regions=region, available_days=("wed",)),
        Facilitator(id="IO2", name="Omar Haddou", role="instituutsopleider",
                    institution="UU", regions=region, available_days=("wed",)),
        Facilitator(id="IO3", name="Pien de Graaf", role="instituutsopleider",
                    institution="HU", regions=region, available_days=("wed",)),
        Facilitator(id="SB1", name="Ruben Kok", role="schoolbegeleider", home_school=V3,
                    regions=region, available_days=("wed",)),
        Facilitator(id="OCW1", name="Sara Jacobs", role="ocw_coordinator", institution="OCW",
                    regions=region, available_days=("mon", "tue", "thu"), max_groups=2),
        Facilitator(id="PB1", name="Thijs Willems", role="procesbegeleider",
                    regions=region, max_groups=2),
    )  # fmt: skip


def _networks() -> tuple[LosNetwork, ...]:
    region = "utrecht-en-omstreken"
    return (
        LosNetwork(id="N1", name="Leernetwerk St Bonifatius", region=region, type="opleiding",
                   institution="HU", min_size=3, max_size=4, components=("PH",), location=V1,
                   schoolopleider="SO1", second_facilitator="IO1"),
        LosNetwork(id="N2", name="Leernetwerk CLZ", region=region, type="opleiding",
                   institution="UU", min_size=3, max_size=4, components=("PIP1",),
                   location=V2),
        LosNetwork(id="N3", name="Inductienetwerk Culemborg", region=region, type="inductie",
                   min_size=3, max_size=4, location=V3, partner_schools=(V4,),
                   schoolopleider="SO3", second_facilitator="SB1",
                   slot=Slot(weekday="wed", block="b3"), diversity=True),
    )  # fmt: skip


def _tn() -> TnProgramme:
    functions = ("schoolleider", "ib-er", "teamleider", "bouwcoordinator")
    participants: list[TnParticipant] = []
    for i, school in enumerate(PO_UTRECHT):
        for j in range(2):
            participants.append(
                TnParticipant(
                    id=f"TNP{len(participants) + 1:02d}",
                    name=f"Deelnemer po {i + 1}{'ab'[j]}",
                    school=school,
                    function=functions[(i + j) % len(functions)] if j else "schoolleider",
                    themes=("basisvaardigheden", "onderwijskundig leiderschap"),
                )
            )
    for i, school in enumerate((V1, V2, V3)):
        for j in range(2):
            participants.append(
                TnParticipant(
                    id=f"TNP{len(participants) + 1:02d}",
                    name=f"Deelnemer vo {i + 1}{'ab'[j]}",
                    school=school,
                    function=("teamleider", "coordinator")[j],
                    themes=("onderwijskundig leiderschap", "basisvaardigheden"),
                )
            )
    region = "utrecht-en-omstreken"
    return TnProgramme(
        kickoff_date=dt.date(2026, 10, 6),
        kickoff_location="HU",
        networks=(
            TnNetwork(id="TN1", name="Basisvaardigheden po", theme="basisvaardigheden",
                      region=region, facilitator="PB1", composition="homogeneous",
                      composition_attribute="sector", min_size=6, max_size=8,
                      expected_absence=0.1, helpers_per_meeting=2),
            TnNetwork(id="TN2", name="Leiderschap vo", theme="onderwijskundig leiderschap",
                      region=region, facilitator="PB1", composition="diverse",
                      composition_attribute="function", min_size=6, max_size=8,
                      helpers_per_meeting=1),
        ),
        participants=tuple(participants),
    )  # fmt: skip


def _schools() -> tuple[School, ...]:
    by_id = {s.id: s for s in load_tables().schools}
    rows = []
    for sid in sorted(SCHOOL_IDS):
        subsidy = sid in (*PO_UTRECHT, *PO_CULEMBORG, PO_SUPPORTED, *GO)
        rows.append(
            to_school(
                by_id[sid],
                bv_subsidy=subsidy,
                bv_individual_support=sid == PO_SUPPORTED,
                training_school=sid in (V1, V2, V3),
            )
        )
    return tuple(rows)


def build_tiny() -> Instance:
    """The hand-made tiny instance (see the module docstring and its README)."""
    tables = load_tables()
    schools = _schools()
    chosen = [s for s in tables.schools if s.id in SCHOOL_IDS]
    return Instance(
        name="tiny",
        description="Hand-made: 16 real schools of Utrecht en omstreken, 3 LOS networks of "
        "3..4 with 10 learners, 2 BV clusters' worth of primary schools plus an impossible "
        "special-education group (B8), 2 TN networks. Every rule family is exercised and the "
        "optimum is worked out by hand in README.md.",
        sources=(
            *SOURCES,
            Source(
                name="hand-made people, networks and flags: python -m composer.builders.tiny",
                licence="CC0",
            ),
        ),
        calendar=nl_calendar(tables.holidays, DEFAULT_SCHOOL_YEARS),
        regions=regions_of(chosen),
        institutions=INSTITUTIONS,
        schools=schools,
        learners=_learners(),
        facilitators=_facilitators(),
        unavailability=(
            Unavailability(
                who="OCW1", start=dt.date(2027, 2, 1), end=dt.date(2027, 2, 12), reason="verlof"
            ),
            Unavailability(
                who="12EA00",
                start=dt.date(2027, 1, 11),
                end=dt.date(2027, 1, 22),
                reason="verbouwing",
            ),
            Unavailability(
                who="TNP03",
                start=dt.date(2026, 11, 17),
                end=dt.date(2026, 11, 17),
                reason="studiedag",
            ),
        ),
        los=LosProgramme(
            settings=LosSettings(max_travel_minutes=25),
            components=COMPONENTS[:2],
            networks=_networks(),
        ),
        bv=BvProgramme(
            first_school_year=DEFAULT_SCHOOL_YEARS[0],
            meetings_per_year=3,
            wishes=(
                BvWish(
                    kind="together",
                    school_a="17ZL00",
                    school_b="30VB00",
                    reason="samenwerkende scholen in de binnenstad",
                ),
            ),
        ),
        tn=_tn(),
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m composer.builders.tiny OUT_DIR``: write OUT_DIR/instance.json."""
    from composer.io.json_io import write_instance_json

    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("instances/tiny")
    write_instance_json(build_tiny(), out / "instance.json")
    print(f"wrote {out / 'instance.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
