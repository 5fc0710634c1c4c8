"""The instance model: everything a planner knows before planning, as immutable data.

One :class:`Instance` holds the calendar, the schools and regions, the people (learners,
facilitators, TN participants) and the three programmes of DOMAIN.md: LOS networks
(section 1), basisvaardigheden clusters (section 2) and thematic networks (section 3).
An instance may hold any mix of them; an empty programme is simply not planned.

Rules of the model:
- pydantic, frozen, ``extra="forbid"``; no solver code and no file formats here;
- string ids everywhere a row refers to another row; :mod:`composer.model.index` turns
  them into integer indices for solvers and the checker;
- nothing that belongs in data is a constant in code: sizes, rates, dates, counts and
  weights are fields with the DOMAIN.md defaults.

Cross-row checks (unknown references, duplicate ids, bounds, dates outside the school
year) live in :mod:`composer.model.semantic` and run when an :class:`Instance` is built,
so an :class:`Instance` object is always consistent.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from pydantic import Field, NonNegativeFloat, NonNegativeInt, PositiveInt, model_validator

from composer.model.base import Date, Frozen, HolidayRegion, Id, Sector, TimeOfDay, Weekday

if TYPE_CHECKING:
    from composer.model.index import InstanceIndex

LearnerKind = Literal[
    "student", "uu_student", "starter", "zij_instromer", "statushouder", "onbevoegd"
]
"""L2: who a learner is (HU student, UU student, starting teacher, career switcher, ...)."""

STUDENT_KINDS: frozenset[str] = frozenset({"student", "uu_student"})
INDUCTION_KINDS: frozenset[str] = frozenset(
    {"starter", "zij_instromer", "statushouder", "onbevoegd"}
)

FacilitatorRole = Literal[
    "schoolopleider",
    "instituutsopleider",
    "schoolbegeleider",
    "werkplekbegeleider",
    "ocw_coordinator",
    "procesbegeleider",
]
"""Who leads what: SO and IO lead opleiding networks (L5), a schoolbegeleider leads an
inductie network, an OCW coordinator guides BV clusters (B4), a procesbegeleider leads TN
networks (T4)."""

NetworkType = Literal["opleiding", "inductie", "mixed"]


# --------------------------------------------------------------------------- calendar


class TimeBlock(Frozen):
    """A block of the school day (a lesson band); a weekly slot is a weekday and a block."""

    id: Id
    start: TimeOfDay
    end: TimeOfDay


class SchoolYear(Frozen):
    """A school year (August to July); every dated session falls inside one (C1)."""

    id: Id = Field(description="e.g. 2026-2027")
    start: Date
    end: Date


class Holiday(Frozen):
    """A school holiday of one holiday region, first and last day inclusive (C2)."""

    holiday_region: HolidayRegion
    name: str
    start: Date
    end: Date


class PublicHoliday(Frozen):
    """A national public holiday: no session on that day anywhere (C3)."""

    date: Date
    name: str


class Calendar(Frozen):
    """School years, the day's time blocks, the weekdays sessions may use, and holidays."""

    weekdays: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    time_blocks: tuple[TimeBlock, ...] = ()
    school_years: tuple[SchoolYear, ...] = ()
    holidays: tuple[Holiday, ...] = ()
    public_holidays: tuple[PublicHoliday, ...] = ()
    plan_year: Id | None = Field(
        default=None,
        description="L4/T1: the school year whose LOS sessions (and TN series without a "
        "kick-off date) are planned; empty = the first school year by start date",
    )


class Unavailability(Frozen):
    """A person or school that cannot take part between two dates (inclusive) (C4, B6)."""

    who: Id = Field(description="a learner, facilitator, TN participant or school id")
    start: Date
    end: Date
    reason: str = ""


# --------------------------------------------------------------------------- places


class Region(Frozen):
    """An education region (onderwijsregio / onderwijsgebied); LOS and BV plan within one."""

    id: Id
    name: str


class Institution(Frozen):
    """A teacher-education institute or other organisation (HU, UU, OCW), with a location
    for the development meetings held there (L10)."""

    id: Id
    name: str
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    holiday_region: HolidayRegion | None = None


class School(Frozen):
    """A school location (DUO vestiging): where networks meet, learners work, clusters form."""

    id: Id
    name: str
    sector: Sector
    region: Id
    holiday_region: HolidayRegion
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    pupils: NonNegativeInt | None = None
    board: str = Field(default="", description="bevoegd gezag (school board) number")
    municipality: str = ""
    postcode: str = ""
    bv_subsidy: bool = Field(
        default=False, description="B1: received the basisvaardigheden subsidy"
    )
    bv_individual_support: bool = Field(
        default=False, description="B1: already receives individual support (then not placed)"
    )
    training_school: bool = Field(default=False, description="opleidingsschool (LOS host)")
    wpb_hours_capacity: NonNegativeFloat | None = Field(
        default=None, description="L6: werkplekbegeleider hours the school can give per year"
    )


class TravelSettings(Frozen):
    """How travel time is estimated where no measured time is given.

    minutes = great-circle km x ``detour_factor`` / ``speed_kmh`` x 60, rounded to whole
    minutes; a :class:`TravelTime` row between two schools overrides the estimate.
    """

    speed_kmh: float = Field(default=40.0, gt=0)
    detour_factor: float = Field(default=1.3, ge=1.0)


class TravelTime(Frozen):
    """A measured travel time between two schools; overrides the great-circle estimate."""

    origin: Id
    destination: Id
    minutes: NonNegativeFloat


# --------------------------------------------------------------------------- people


class WeeklyRoster(Frozen):
    """Time blocks a learner teaches, per weekday (L4: a network slot must avoid them)."""

    mon: tuple[Id, ...] = ()
    tue: tuple[Id, ...] = ()
    wed: tuple[Id, ...] = ()
    thu: tuple[Id, ...] = ()
    fri: tuple[Id, ...] = ()

    def busy(self, weekday: str, block: str) -> bool:
        """True when the learner teaches at this weekday and block."""
        return block in getattr(self, weekday, ())


class Learner(Frozen):
    """Someone to place in an LOS network (section 1 of DOMAIN.md)."""

    id: Id
    name: str
    kind: LearnerKind
    institution: Id | None = Field(default=None, description="HU or UU for students")
    home_school: Id
    year: int | None = Field(default=None, ge=1, le=6, description="study year of a student")
    study_mode: Literal["fulltime", "parttime"] | None = None
    needs: tuple[Id, ...] = Field(default=(), description="L3: curriculum components needed")
    roster: WeeklyRoster = WeeklyRoster()
    preferred_networks: tuple[Id, ...] = ()
    network: Id | None = Field(default=None, description="pin: the network this learner must join")
    email: str = ""


class Facilitator(Frozen):
    """Someone who leads groups: SO, IO, schoolbegeleider, coordinator, procesbegeleider."""

    id: Id
    name: str
    role: FacilitatorRole
    institution: Id | None = None
    home_school: Id | None = None
    regions: tuple[Id, ...] = Field(default=(), description="regions they work in")
    available_days: tuple[Weekday, ...] = Field(
        default=("mon", "tue", "wed", "thu", "fri"), description="L5: days they can be present"
    )
    available_blocks: tuple[Id, ...] = Field(
        default=(), description="time blocks they can be present; empty means all blocks"
    )
    capacity_days: NonNegativeFloat | None = Field(
        default=None, description="L6: facilitated days a week (schoolopleider)"
    )
    max_groups: NonNegativeInt | None = Field(
        default=None, description="B4/T4: networks or clusters they may lead at most"
    )
    email: str = ""

    def available(self, weekday: str, block: str) -> bool:
        """True when present at this weekday and block."""
        return weekday in self.available_days and (
            not self.available_blocks or block in self.available_blocks
        )


# --------------------------------------------------------------------------- LOS


class Component(Frozen):
    """A curriculum component a network may teach (L3): Pedagogisch Handelen, PiP 1/2."""

    id: Id
    name: str
    institution: Id | None = None


class Slot(Frozen):
    """A weekly moment: a weekday and a time block (L4)."""

    weekday: Weekday
    block: Id


class LosNetwork(Frozen):
    """A teacher-education network: who may join, what it teaches, who leads it."""

    id: Id
    name: str = ""
    region: Id
    type: NetworkType
    institution: Id | None = Field(default=None, description="HU or UU for opleiding networks")
    mixed_agreed: bool = Field(default=False, description="L2: mixed type agreed with institutes")
    min_size: PositiveInt | None = Field(default=None, description="L1; default from settings")
    max_size: PositiveInt | None = Field(default=None, description="L1; default from settings")
    min_students: NonNegativeInt | None = Field(
        default=None, description="L2: students an opleiding network needs at least (default 1)"
    )
    components: tuple[Id, ...] = Field(default=(), description="L3: components offered")
    admits_uu_students: bool = Field(
        default=False, description="L3: UU students without PiP need may join"
    )
    location: Id = Field(description="L7: the school where it meets")
    partner_schools: tuple[Id, ...] = Field(
        default=(), description="L7: schools a schooloverstijgend network serves"
    )
    schoolopleider: Id | None = Field(default=None, description="L5: fixed SO; empty = open")
    second_facilitator: Id | None = Field(
        default=None, description="L5: fixed IO (opleiding) or schoolbegeleider; empty = open"
    )
    slot: Slot | None = Field(default=None, description="L4: fixed slot; empty = chosen")
    diversity: bool = Field(default=False, description="prefers a mix of learner kinds")
    max_travel_minutes: NonNegativeFloat | None = Field(default=None, description="L7 limit")

    def size_bounds(self, settings: LosSettings) -> tuple[int, int]:
        """(min, max) learners under L1, falling back to the programme defaults."""
        low = self.min_size if self.min_size is not None else settings.min_size
        high = self.max_size if self.max_size is not None else settings.max_size
        return low, high


class LosWeights(Frozen):
    """Weights of the LOS soft goals; a planner may override any of them per run."""

    travel: NonNegativeInt = Field(default=1, description="per minute of learner travel")
    size_balance: NonNegativeInt = Field(
        default=5, description="per learner a network deviates from the mean size"
    )
    kind_mix: NonNegativeInt = Field(
        default=10, description="per missing learner kind in a network that asks for diversity"
    )
    learner_preference: NonNegativeInt = Field(
        default=20, description="per learner not in a preferred network"
    )
    own_school: NonNegativeInt = Field(
        default=10, description="per learner placed away from a network at their own school"
    )
    unplaced: NonNegativeInt = Field(
        default=10_000, description="per learner left unplaced (only when allowed)"
    )


class LosSettings(Frozen):
    """Programme-wide LOS defaults (DOMAIN.md section 1)."""

    min_size: PositiveInt = 15
    max_size: PositiveInt = 18
    wpb_hours_per_student: NonNegativeFloat = Field(default=2.0, description="L6 advice")
    so_students_per_day: PositiveInt = Field(default=20, description="L6: SO day per N students")
    max_travel_minutes: NonNegativeFloat | None = Field(default=None, description="L7 default")
    allow_unplaced: bool = Field(
        default=False, description="leave learners unplaced (penalised) instead of infeasible"
    )
    visits_per_year: NonNegativeInt = Field(default=1, description="L9")
    visits_within_availability: bool = Field(
        default=False,
        description="L9: visit only at moments inside the visiting SO/IO's weekly available "
        "days and blocks; by default the yearly visit only needs them free (no other session, "
        "travel included), as DOMAIN.md states",
    )
    development_meetings_per_year: NonNegativeInt = Field(default=4, description="L10")
    development_meetings_at_institution: NonNegativeInt = Field(default=3, description="L10")
    reviews_per_year: NonNegativeInt = Field(default=1, description="L11")
    development_start: TimeOfDay = Field(default=dt.time(13, 30), description="L10 start")
    development_end: TimeOfDay = Field(default=dt.time(16, 30), description="L10 end")
    weights: LosWeights = LosWeights()


class LosProgramme(Frozen):
    """LOS: Leernetwerken op School (DOMAIN.md section 1)."""

    settings: LosSettings = LosSettings()
    components: tuple[Component, ...] = ()
    networks: tuple[LosNetwork, ...] = ()


# --------------------------------------------------------------------------- BV


class BvWish(Frozen):
    """A planner's wish about two schools: keep them together or apart (B2/B7)."""

    kind: Literal["together", "apart"]
    school_a: Id
    school_b: Id
    reason: str = ""


class BvWeights(Frozen):
    """Weights of the BV soft goals (B7)."""

    travel: NonNegativeInt = Field(default=1, description="per minute of total pairwise travel")
    worst_travel: NonNegativeInt = Field(
        default=1, description="per minute of the worst school's average travel in a cluster"
    )
    board: NonNegativeInt = Field(
        default=30,
        description="per pair of same-board schools against bv.board_policy (in one cluster "
        "under 'apart'; in different clusters of one sector-region under 'together'), counted "
        "as minutes of travel",
    )


class BvProgramme(Frozen):
    """Basisvaardigheden clusters (DOMAIN.md section 2)."""

    min_size: PositiveInt = Field(default=4, description="B2")
    max_size: PositiveInt = Field(default=6, description="B2")
    participants_per_school: PositiveInt = Field(default=2, description="B3")
    first_school_year: Id | None = Field(default=None, description="B4: the first year")
    horizon_years: PositiveInt = Field(default=2, description="B4: years a cluster runs")
    meetings_per_year: NonNegativeInt = Field(default=4, description="B6")
    min_gap_days: NonNegativeInt = Field(default=28, description="B6: at most once a month")
    one_meeting_per_month: bool = Field(
        default=True, description="B6: at most one meeting of a cluster per calendar month"
    )
    meeting_weekdays: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    meeting_start: TimeOfDay = dt.time(13, 30)
    meeting_end: TimeOfDay = dt.time(16, 30)
    board_policy: Literal["none", "together", "apart"] = Field(
        default="none", description="keep schools of one board together or apart"
    )
    worst_travel_per: Literal["cluster", "school"] = Field(
        default="cluster",
        description="B7: how the worst school's average travel of a cluster counts in the "
        "objective: once per cluster, or once per member school (the cluster's worst times "
        "its size), so that forming fewer clusters does not by itself lower the term",
    )
    allow_merge: bool = Field(default=False, description="B8 remedy: merge with nearest region")
    allow_seven: bool = Field(default=False, description="B8 remedy: allow one cluster of 7")
    weights: BvWeights = BvWeights()
    wishes: tuple[BvWish, ...] = ()


# --------------------------------------------------------------------------- TN


class TnParticipant(Frozen):
    """A school leader, team leader or other person taking part in a TN network (T3)."""

    id: Id
    name: str
    school: Id
    function: str = Field(description="e.g. schoolleider, teamleider, ib-er")
    themes: tuple[str, ...] = Field(default=(), description="themes they want, in order")
    network: Id | None = Field(default=None, description="pin: the network they join")
    email: str = ""


class TnNetwork(Frozen):
    """A thematic network of school leaders (DOMAIN.md section 3)."""

    id: Id
    name: str = ""
    theme: str = ""
    region: Id | None = None
    facilitator: Id = Field(description="T4: the procesbegeleider")
    series_length: PositiveInt | None = Field(default=None, description="T1; default settings")
    kickoff_date: Date | None = Field(default=None, description="T1; default settings")
    kickoff_location: Id | None = Field(default=None, description="T1; default settings")
    composition: Literal["homogeneous", "diverse"] = "diverse"
    composition_attribute: Literal["function", "region", "sector", "school"] = "function"
    min_size: PositiveInt = Field(default=6, description="T7")
    max_size: PositiveInt = Field(default=12, description="T7")
    expected_absence: float = Field(default=0.0, ge=0.0, lt=1.0, description="T7")
    helpers_per_meeting: int = Field(default=1, ge=1, le=2, description="T5")


class TnWeights(Frozen):
    """Weights of the TN soft goals (themes, T6 diversity, placement); a planner may override
    any of them per run (``--set tn.weights.theme_rank=5``)."""

    theme_rank: NonNegativeInt = Field(
        default=10,
        description="per place down a participant's theme list (0 for their first theme)",
    )
    unwanted_theme: NonNegativeInt = Field(
        default=40,
        description="per participant in a network whose theme is not on their list",
    )
    diversity: NonNegativeInt = Field(
        default=5,
        description="T6: per member of a diverse network whose value of the network's "
        "attribute another member already brings",
    )
    closed_network: NonNegativeInt = Field(
        default=500, description="T7: per network left without members (not held)"
    )
    unplaced: NonNegativeInt = Field(default=1000, description="per participant in no network")


class TnProgramme(Frozen):
    """Thematic networks for school leaders (DOMAIN.md section 3)."""

    series_length: PositiveInt = Field(default=5, description="T1: meetings in a series")
    kickoff_date: Date | None = Field(default=None, description="T1: joint kick-off date")
    kickoff_location: Id | None = Field(default=None, description="T1: a school or institution")
    min_gap_days: NonNegativeInt = Field(default=21, description="days between meetings")
    meeting_weekdays: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    meeting_start: TimeOfDay = dt.time(14, 0)
    meeting_end: TimeOfDay = dt.time(17, 0)
    leader_functions: tuple[str, ...] = Field(
        default=(
            "schoolleider",
            "teamleider",
            "directeur",
            "adjunct-directeur",
            "locatieleider",
            "afdelingsleider",
        ),
        description="T3: functions that count as a school leader or team leader "
        "(compared without case)",
    )
    members_per_school: PositiveInt = Field(
        default=2,
        description="T3: a leader plus one other person: at most this many of one school "
        "in a network",
    )
    school_together: bool = Field(
        default=True, description="T3: the participants of one school join one network together"
    )
    weights: TnWeights = TnWeights()
    networks: tuple[TnNetwork, ...] = ()
    participants: tuple[TnParticipant, ...] = ()


# --------------------------------------------------------------------------- instance


class Source(Frozen):
    """Where the data of an instance comes from, with its licence."""

    name: str
    url: str = ""
    licence: str = ""


class Instance(Frozen):
    """A planning instance: one region or the whole country, any mix of programmes."""

    name: Id
    description: str = ""
    sources: tuple[Source, ...] = ()
    calendar: Calendar = Calendar()
    regions: tuple[Region, ...] = ()
    institutions: tuple[Institution, ...] = ()
    schools: tuple[School, ...] = ()
    travel: TravelSettings = TravelSettings()
    travel_times: tuple[TravelTime, ...] = ()
    learners: tuple[Learner, ...] = ()
    facilitators: tuple[Facilitator, ...] = ()
    unavailability: tuple[Unavailability, ...] = ()
    los: LosProgramme = LosProgramme()
    bv: BvProgramme = BvProgramme()
    tn: TnProgramme = TnProgramme()

    @model_validator(mode="after")
    def _consistent(self) -> Instance:
        from composer.model.semantic import SemanticIssues, semantic_issues

        issues = semantic_issues(self)
        if issues:
            raise SemanticIssues(issues)
        return self

    @cached_property
    def index(self) -> InstanceIndex:
        """Integer indices and lookups for solvers and the checker (built once)."""
        from composer.model.index import InstanceIndex

        return InstanceIndex(self)

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of this instance: the same data gives the same hash."""
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()
