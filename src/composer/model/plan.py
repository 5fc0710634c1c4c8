"""The plan model: what ``composer solve`` decides, written as ``plan.json``.

A plan names everything by string id, so it can be read, diffed and checked without the
solver. ``composer schema plan`` prints its JSON Schema. The stages fill their own parts:
LOS fills ``networks``, BV fills ``clusters``, TN fills ``tn_networks``, the calendar
fills ``sessions`` and ``visits``; people or schools that could not be placed are listed
in ``unplaced`` with the rule that kept them out.

A plan holds no wall-clock times: the same instance, seed and parameters give the same
bytes (timings go to ``run.json`` beside it).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, NonNegativeInt

from composer.model.base import Date, Frozen, Id, TimeOfDay, Weekday

PLAN_FORMAT_VERSION = 1

Status = Literal["optimal", "feasible", "infeasible", "unknown", "not_planned"]
"""``optimal`` proven; ``feasible`` found but not proven (see gap); ``infeasible`` proven
impossible; ``unknown`` no plan within the limits; ``not_planned`` stage had nothing to do."""


class PlannedSlot(Frozen):
    """A network's fixed weekly moment (L4), with the block's clock times for readers."""

    weekday: Weekday
    block: Id
    start: TimeOfDay
    end: TimeOfDay


class PlannedNetwork(Frozen):
    """An LOS network as composed: its members, weekly slot and facilitators."""

    id: Id
    region: Id
    slot: PlannedSlot | None = None
    location: Id
    learners: tuple[Id, ...] = ()
    facilitators: tuple[Id, ...] = Field(default=(), description="SO first, then IO/begeleider")


class Cluster(Frozen):
    """A basisvaardigheden cluster (B2) with its coordinator (B4)."""

    id: Id
    sector: Literal["po", "vo", "go"]
    region: Id
    schools: tuple[Id, ...]
    coordinator: Id | None = None


class PlannedTnNetwork(Frozen):
    """A thematic network as composed (T3, T6, T7)."""

    id: Id
    participants: tuple[Id, ...] = ()
    facilitator: Id


class Session(Frozen):
    """One dated meeting of any programme, at one place."""

    id: Id
    programme: Literal["los", "bv", "tn", "development", "review"]
    group: Id = Field(description="network, cluster or TN network id; 'all' for joint meetings")
    date: Date
    start: TimeOfDay
    end: TimeOfDay
    location: Id = Field(description="a school or institution id")
    facilitators: tuple[Id, ...] = ()
    attendees: tuple[Id, ...] = Field(default=(), description="learners, schools or participants")
    helpers: tuple[Id, ...] = Field(default=(), description="T5: participants helping prepare")
    kind: str = Field(default="", description="e.g. kickoff, meeting, development, review")
    headcount: NonNegativeInt | None = Field(
        default=None,
        description="people expected: facilitators plus attendees, a school counting "
        "bv.participants_per_school people (B3)",
    )


class Visit(Frozen):
    """A cross-network visit (L9): the visitor network's duo attends the host's session."""

    visitor: Id
    host: Id
    date: Date
    start: TimeOfDay | None = None
    end: TimeOfDay | None = None
    facilitators: tuple[Id, ...] = ()


class Unplaced(Frozen):
    """Someone or some school left out of the plan, with the reason and the rule id."""

    id: Id
    what: Literal["learner", "school", "participant", "network", "cluster"]
    reason: str
    rule: str | None = None


class StageResult(Frozen):
    """Outcome of one stage (los, bv, tn, calendar): status, objective and bound."""

    status: Status
    objective: float | None = None
    bound: float | None = None
    gap: float | None = Field(default=None, description="(objective - bound) / objective")
    parts: dict[str, float] = Field(
        default_factory=dict, description="objective broken down by term"
    )
    notes: tuple[str, ...] = ()


class Plan(Frozen):
    """Everything ``composer solve`` decided for one instance."""

    format_version: int = PLAN_FORMAT_VERSION
    instance: Id = Field(description="the instance name")
    instance_hash: str = Field(default="", description="SHA-256 of the canonical instance")
    tool_version: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)
    status: Status = "unknown"
    interrupted: bool = Field(default=False, description="stopped early; best plan so far")
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    stages: dict[str, StageResult] = Field(default_factory=dict)
    networks: tuple[PlannedNetwork, ...] = ()
    clusters: tuple[Cluster, ...] = ()
    tn_networks: tuple[PlannedTnNetwork, ...] = ()
    sessions: tuple[Session, ...] = ()
    visits: tuple[Visit, ...] = ()
    unplaced: tuple[Unplaced, ...] = ()
