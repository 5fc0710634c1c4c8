"""Change files: what a planner changes in an instance to ask "what if ...?" (issue 7).

A change file is a list of operations on the rows and settings of an instance:

- ``remove``: rows of a collection by id (learners, schools, facilitators, networks, ...);
- ``add``: new rows, written as in the instance (every field of the row's format);
- ``modify``: some fields of one row, by id (``roster``, ``available_days``, bounds, ...);
- ``set``: a setting or bound by its dotted key (``los.settings.max_size``,
  ``bv.allow_seven``), as ``--set`` does.

Example (YAML)::

    description: two learners leave, one joins, N07 may take one more
    operations:
      - {op: remove, what: learners, ids: [L0012, L0044]}
      - op: add
        what: learners
        rows:
          - {id: L0999, name: New Learner, kind: starter, home_school: 24TR15}
      - {op: modify, what: networks, id: N07, fields: {max_size: 19}}
      - {op: set, key: bv.allow_seven, value: true}

Applying a change (:func:`composer.io.change_io.apply_change`) gives a new, validated
:class:`~composer.model.instance.Instance`; the baseline instance is never modified.
Explain's proposed relaxations are change files too, so a planner can apply them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from composer.model.base import Frozen

Collection = Literal[
    "learners",
    "schools",
    "facilitators",
    "networks",
    "components",
    "regions",
    "institutions",
    "holidays",
    "public_holidays",
    "unavailability",
    "travel_times",
    "tn_networks",
    "tn_participants",
    "bv_wishes",
]
"""The row collections a change may touch (``networks`` are the LOS networks)."""

COLLECTION_PATHS: dict[str, tuple[tuple[str, ...], str]] = {
    "learners": (("learners",), "id"),
    "schools": (("schools",), "id"),
    "facilitators": (("facilitators",), "id"),
    "networks": (("los", "networks"), "id"),
    "components": (("los", "components"), "id"),
    "regions": (("regions",), "id"),
    "institutions": (("institutions",), "id"),
    "holidays": (("calendar", "holidays"), "name"),
    "public_holidays": (("calendar", "public_holidays"), "date"),
    "unavailability": (("unavailability",), "who"),
    "travel_times": (("travel_times",), "origin"),
    "tn_networks": (("tn", "networks"), "id"),
    "tn_participants": (("tn", "participants"), "id"),
    "bv_wishes": (("bv", "wishes"), "school_a"),
}
"""Collection -> (path in the instance, the field a row is named by). Holidays are named
by their name, public holidays by their date, unavailability rows and travel times by
who / origin (every row of that person or origin), BV wishes by their first school
(``where: {school_b: ..., kind: apart}`` picks one wish)."""


ROW_FILTER_DOC = (
    "only the rows whose fields have these values, for collections whose rows share a "
    "name: {holiday_region: noord, start: 2027-02-20} picks one holiday of that name"
)


class RemoveOp(Frozen):
    """Remove rows by id (holidays by name, public holidays by date); ``where`` narrows
    a name several rows share (a holiday of every region and year) to some of them."""

    op: Literal["remove"]
    what: Collection
    ids: tuple[str, ...] = Field(min_length=1)
    where: dict[str, Any] = Field(default_factory=dict, description=ROW_FILTER_DOC)


class AddOp(Frozen):
    """Add rows, each written with the fields of the collection's format."""

    op: Literal["add"]
    what: Collection
    rows: tuple[dict[str, Any], ...] = Field(min_length=1)


class ModifyOp(Frozen):
    """Replace some fields of one row (named by id; ``where`` narrows a shared name)."""

    op: Literal["modify"]
    what: Collection
    id: str
    fields: dict[str, Any] = Field(min_length=1)
    where: dict[str, Any] = Field(default_factory=dict, description=ROW_FILTER_DOC)


class SetOp(Frozen):
    """Set one setting or bound by its dotted key (``los.settings.max_size``)."""

    op: Literal["set"]
    key: str
    value: Any = None


Operation = Annotated[RemoveOp | AddOp | ModifyOp | SetOp, Field(discriminator="op")]


class ChangeFile(Frozen):
    """A named list of operations on an instance (see the module doc)."""

    description: str = ""
    operations: tuple[Operation, ...] = Field(min_length=1)

    def summary(self) -> str:
        """One line per operation, in a planner's words."""
        lines = []
        for op in self.operations:
            narrowed = "".join(f" where {k}={v}" for k, v in getattr(op, "where", {}).items())
            if isinstance(op, RemoveOp):
                lines.append(f"remove {op.what} {', '.join(op.ids)}{narrowed}")
            elif isinstance(op, AddOp):
                ids = ", ".join(str(r.get("id", r.get("name", "?"))) for r in op.rows)
                lines.append(f"add {op.what} {ids}")
            elif isinstance(op, ModifyOp):
                shown = ", ".join(f"{k}={v}" for k, v in op.fields.items())
                lines.append(f"modify {op.what} {op.id}{narrowed}: {shown}")
            else:
                lines.append(f"set {op.key}={op.value}")
        return "; ".join(lines)
