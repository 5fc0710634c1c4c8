"""What the file formats need to know about the model's fields, read from the model itself.

The CSV, workbook and YAML formats are driven by the pydantic models, not written per
table: :func:`kind_of` classifies a field (text, id, number, date, list of ids, nested
model, ...), :func:`flatten` turns a row model into its column names (nested models become
dotted columns such as ``roster.mon``) and :func:`field_at` walks a dotted key through the
model (``los.settings.weights.travel``). A new field in the model is therefore a new
column or setting without any change here.
"""

from __future__ import annotations

import datetime as dt
import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

Base = Literal["text", "id", "int", "float", "bool", "date", "time", "choice", "model"]


@dataclass(frozen=True)
class Kind:
    """How a field's value is written in a cell.

    ``base`` is the scalar type (``choice`` for a fixed set of words, ``model`` for a nested
    model); ``many`` is a tuple of such values (one cell, ``;``-separated, or a list of
    records for ``model``); ``optional`` allows ``None``; ``choices`` are the allowed words.
    """

    base: Base
    many: bool = False
    optional: bool = False
    choices: tuple[str, ...] = ()
    model: type[BaseModel] | None = None


def _has_pattern(metadata: Iterable[Any]) -> bool:
    return any(getattr(m, "pattern", None) for m in metadata)


def _scalar(annotation: Any, metadata: Sequence[Any]) -> Kind:
    meta = list(metadata)
    while get_origin(annotation) is typing.Annotated:
        args = get_args(annotation)
        annotation, meta = args[0], [*meta, *args[1:]]
    if get_origin(annotation) is Literal:
        return Kind("choice", choices=tuple(str(a) for a in get_args(annotation)))
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return Kind("model", model=annotation)
        if annotation is bool:
            return Kind("bool")
        if annotation is int:
            return Kind("int")
        if annotation is float:
            return Kind("float")
        if annotation is dt.datetime:
            raise TypeError("datetime fields are not supported by the table formats")
        if annotation is dt.date:
            return Kind("date")
        if annotation is dt.time:
            return Kind("time")
        if annotation is str:
            return Kind("id" if _has_pattern(meta) else "text")
    raise TypeError(f"unsupported field type {annotation!r}")


def kind_of(info: FieldInfo) -> Kind:
    """Classify a model field for the tabular formats."""
    annotation: Any = info.annotation
    optional = False
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union {annotation!r}")
        optional = len(args) < len(get_args(annotation))
        annotation = args[0]
    metadata = list(info.metadata)
    if get_origin(annotation) is tuple:
        items = get_args(annotation)
        if len(items) != 2 or items[1] is not Ellipsis:
            raise TypeError(f"only tuple[X, ...] is supported, got {annotation!r}")
        item = _scalar(items[0], ())
        return Kind(item.base, True, optional, item.choices, item.model)
    kind = _scalar(annotation, metadata)
    return Kind(kind.base, False, optional, kind.choices, kind.model)


def default_of(info: FieldInfo) -> Any:
    """The field's default value, or ``PydanticUndefined`` when it is required."""
    if info.default_factory is not None:
        return info.default_factory()  # type: ignore[call-arg]
    return info.default


@dataclass(frozen=True)
class Column:
    """One column of a table: a (possibly nested) scalar or list field of the row model."""

    name: str
    """The header: the field name, dotted for nested models (``roster.mon``)."""
    path: tuple[str, ...]
    kind: Kind
    required: bool
    """The column must be present: the field and every model above it are required."""
    default: Any
    description: str
    parent_optional: bool = False
    """The column belongs to an optional nested model (``slot.weekday``)."""
    bounds: str = ""
    """The allowed range in words (``at least 0``, ``1 to 6``), from the field's metadata."""

    @property
    def empty_list_needs_marker(self) -> bool:
        """A list column whose default is not empty: an empty list is written ``-``."""
        return self.kind.many and self.default not in (PydanticUndefined, None, ())


def flatten(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[Column]:
    """The columns of a row model, nested models flattened to dotted names, in field order."""
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        kind = kind_of(info)
        path = (*prefix, name)
        if kind.base == "model" and not kind.many:
            assert kind.model is not None
            for sub in flatten(kind.model, path):
                columns.append(
                    Column(
                        sub.name,
                        sub.path,
                        sub.kind,
                        sub.required and info.is_required(),
                        sub.default,
                        sub.description,
                        parent_optional=sub.parent_optional or kind.optional,
                    )
                )
            continue
        if kind.base == "model":
            raise TypeError(f"{model.__name__}.{name}: a list of records cannot be a column")
        columns.append(
            Column(
                ".".join(path),
                path,
                kind,
                info.is_required(),
                default_of(info),
                info.description or "",
                bounds=bounds_text(info),
            )
        )
    return columns


def bounds_text(info: FieldInfo) -> str:
    """The numeric bounds of a field in words: ``at least 0``, ``1 to 6``, ``above 0``."""
    metadata = list(info.metadata)
    stack: list[Any] = [info.annotation]
    while stack:
        annotation = stack.pop()
        if get_origin(annotation) is typing.Annotated:
            metadata.extend(get_args(annotation)[1:])
            stack.append(get_args(annotation)[0])
        elif get_origin(annotation) in (Union, types.UnionType):
            stack.extend(get_args(annotation))
    low = high = None
    for meta in metadata:
        if getattr(meta, "ge", None) is not None:
            low = f"{meta.ge:g}"
        if getattr(meta, "gt", None) is not None:
            low = f"above {meta.gt:g}"
        if getattr(meta, "le", None) is not None:
            high = f"{meta.le:g}"
        if getattr(meta, "lt", None) is not None:
            high = f"below {meta.lt:g}"
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return low if low.startswith("above") else f"at least {low}"
    if high is not None:
        return high if high.startswith("below") else f"at most {high}"
    return ""


def setting_column(info: FieldInfo, path: tuple[str, ...]) -> Column:
    """A settings field as a :class:`Column` named by its dotted key."""
    return Column(
        ".".join(path),
        path,
        kind_of(info),
        info.is_required(),
        info.get_default(call_default_factory=True),
        info.description or "",
        bounds=bounds_text(info),
    )


def field_at(model: type[BaseModel], path: Sequence[str | int]) -> FieldInfo | None:
    """The field a model path points at (list positions skipped), or None if unknown."""
    current: type[BaseModel] | None = model
    info: FieldInfo | None = None
    for part in path:
        if isinstance(part, int):
            continue
        if current is None or part not in current.model_fields:
            return None
        info = current.model_fields[part]
        try:
            kind = kind_of(info)
        except TypeError:  # a field the tables never hold (a plan's dict of stages)
            current = None
            continue
        current = kind.model if kind.base == "model" else None
    return info


def model_at(model: type[BaseModel], path: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class a path ends in (``("los", "settings")`` -> ``LosSettings``)."""
    if not [p for p in path if isinstance(p, str)]:
        return model
    info = field_at(model, path)
    if info is None:
        return None
    try:
        kind = kind_of(info)
    except TypeError:  # a field type the tables never hold: no model to name
        return None
    return kind.model if kind.base == "model" else None


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt ``word`` (case-insensitive), if any is close."""
    pool = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(word.lower(), list(pool), n=1, cutoff=0.6)
    return pool[match[0]] if match else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean X?)`` or an empty string."""
    best = suggest(word, candidates)
    return f" (did you mean {best}?)" if best else ""
