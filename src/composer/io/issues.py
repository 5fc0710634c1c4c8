"""Turn pydantic validation errors into planner-facing issues located in the source file.

Every loader (JSON, CSV folder, workbook) builds a plain ``dict`` from its files, then
builds the :class:`~composer.model.Instance` from it. Field errors come back from pydantic
with a path into the model (``("learners", 12, "home_school")``), cross-row errors from
:mod:`composer.model.semantic` with the same kind of path. A :class:`Locator` translates a
path into ``(source, row, column)`` the way its format shows them, so a planner reads
"learners.csv, row 14, column home_school" instead of a model path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, NamedTuple, TypeVar

from pydantic import BaseModel, ValidationError

from composer.errors import InputError, Issue
from composer.model.semantic import SemanticIssues

Path = tuple[str | int, ...]


class Where(NamedTuple):
    """A location in the source: file or sheet, spreadsheet row, column, setting key, line."""

    source: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None
    line: int | None = None


Located = tuple[str | None, int | None, str | None] | Where
Locator = Callable[[Path], Located]
"""Maps a model path to (file or sheet, 1-based spreadsheet row, column header), or to a
:class:`Where` when a setting key or a line number says more."""

M = TypeVar("M", bound=BaseModel)

_PLAIN_WORDS: dict[str, tuple[str, str]] = {
    "int_parsing": ("expected a whole number", "write a whole number, e.g. 12"),
    "int_from_float": ("expected a whole number", "write a whole number, e.g. 12"),
    "int_type": ("expected a whole number", "write a whole number, e.g. 12"),
    "float_parsing": ("expected a number", "write a number, e.g. 52.09"),
    "float_type": ("expected a number", "write a number, e.g. 52.09"),
    "bool_parsing": ("expected true or false", "write true or false (ja/nee and 1/0 work too)"),
    "bool_type": ("expected true or false", "write true or false (ja/nee and 1/0 work too)"),
    "date_from_datetime_parsing": (
        "expected a date like 2026-09-01 or 01-09-2026",
        "write the date as 2026-09-01 or 01-09-2026",
    ),
    "date_from_datetime_inexact": (
        "expected a date without a time of day",
        "write the date as 2026-09-01 or 01-09-2026",
    ),
    "date_parsing": (
        "expected a date like 2026-09-01 or 01-09-2026",
        "write the date as 2026-09-01 or 01-09-2026",
    ),
    "date_type": (
        "expected a date like 2026-09-01 or 01-09-2026",
        "write the date as 2026-09-01 or 01-09-2026",
    ),
    "time_parsing": ("expected a time like 13:30", "write the time as 13:30"),
    "time_type": ("expected a time like 13:30", "write the time as 13:30"),
    "string_pattern_mismatch": (
        "ids may hold letters, digits, '_', '.' and '-' only",
        "remove spaces and other characters (an id starts with a letter or digit)",
    ),
    "string_too_long": ("the text is too long", "shorten it (ids: at most 64 characters)"),
    "string_type": ("expected text", "write the value as text"),
    "tuple_type": ("expected a list", "write the items separated by ';'"),
    "model_type": ("expected a group of fields", "see README, Formats, for this key"),
    "dict_type": ("expected a group of fields", "see README, Formats, for this key"),
}


_NUMBER_ERRORS = frozenset({"float_parsing", "float_type"})


def _bound(value: object) -> str:
    """A bound as a planner writes it: 0, not 0.0; 0.5 stays 0.5."""
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def describe_pydantic_error(
    err: dict[str, Any], decimal_comma: bool = False
) -> tuple[str, str | None]:
    """A plain-words message and a fix for one pydantic line error.

    ``decimal_comma``: the input reads ``52,09`` as a number (cells, change files,
    ``--set``), so the fix may suggest it; JSON is strict and must not be told so."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    given = err.get("input")
    shown = "" if isinstance(given, dict | list) or given is None else f" (got {given!r})"
    if kind == "literal_error":
        return f"not one of the allowed values{shown}", f"use one of {ctx.get('expected', '')}"
    if kind == "union_tag_invalid":
        # a tagged choice (a change file's op) naming no known kind
        tag = ctx.get("tag", "")
        return (
            f"unknown {ctx.get('discriminator', 'kind').strip(chr(39))} {tag!r}",
            f"use one of {ctx.get('expected_tags', '')}",
        )
    if kind == "union_tag_not_found":
        return (
            f"{ctx.get('discriminator', 'a kind').strip(chr(39))} is missing",
            "say which kind this is (README, Formats)",
        )
    if kind == "greater_than_equal":
        return f"too small{shown}", f"use a value of at least {_bound(ctx.get('ge'))}"
    if kind == "greater_than":
        return f"too small{shown}", f"use a value above {_bound(ctx.get('gt'))}"
    if kind == "less_than_equal":
        return f"too large{shown}", f"use a value of at most {_bound(ctx.get('le'))}"
    if kind == "less_than":
        return f"too large{shown}", f"use a value below {_bound(ctx.get('lt'))}"
    if kind == "missing":
        return "a value is required here", "fill in this field"
    if kind == "extra_forbidden":
        return "unknown field (not part of the format)", (
            "remove it or check its spelling; `composer schema` lists every field"
        )
    plain = _PLAIN_WORDS.get(kind)
    if plain:
        fix = plain[1]
        if kind in _NUMBER_ERRORS:
            fix += " (or 52,09)" if decimal_comma else " (a decimal point, not a comma)"
        return f"{plain[0]}{shown}", fix
    message = str(err.get("msg", "invalid value"))
    if kind == "value_error" and message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if given is not None and repr(given) in message:
        shown = ""
    if "not a real date" in message:
        return message, "check the day and the month (dates are day-month-year or ISO)"
    return f"{message}{shown}", "correct the value (README, Formats, says what each field holds)"


def _where(located: Located) -> Where:
    return located if isinstance(located, Where) else Where(*located)


def _unknown_field_fix(root: type[BaseModel] | None, path: Path) -> str | None:
    """For an unknown field: the closest known field name of the model it sits in."""
    from composer.io.fields import did_you_mean, model_at

    if root is None or not path or not isinstance(path[-1], str):
        return None
    parent = model_at(root, path[:-1])
    if parent is None:
        return None
    hint = did_you_mean(path[-1], parent.model_fields)
    known = ", ".join(parent.model_fields)
    return f"remove it or correct its spelling{hint}; known here: {known}"


def issues_from_validation_error(
    exc: ValidationError,
    locate: Locator,
    root: type[BaseModel] | None = None,
    semantic: bool = True,
    decimal_comma: bool = False,
) -> list[Issue]:
    """All issues in a pydantic error, field errors and cross-row ones, located by ``locate``.

    ``root`` is the model validated; with it an unknown field gets a did-you-mean.
    ``semantic=False`` leaves out the cross-row issues (used when part of the input could
    not be read, so that a missing table does not show up as hundreds of unknown ids).
    ``decimal_comma``: the input accepts ``52,09`` (see :func:`describe_pydantic_error`).
    """
    issues: list[Issue] = []
    for err in exc.errors():
        inner = (err.get("ctx") or {}).get("error")
        if isinstance(inner, SemanticIssues):
            if semantic:
                issues.extend(locate_issue(issue, locate) for issue in inner.issues)
            continue
        path: Path = tuple(err["loc"])
        message, fix = describe_pydantic_error(dict(err), decimal_comma)
        if err.get("type") == "extra_forbidden":
            fix = _unknown_field_fix(root, path) or fix
        where = _where(locate(path))
        issues.append(
            Issue(
                message,
                where.source,
                where.row,
                where.column,
                fix=fix,
                path=path,
                key=where.key,
                line=where.line,
                code=err.get("type"),
            )
        )
    return issues


def listing(items: Sequence[str]) -> str:
    """Items as a planner reads them: ``2``, ``2 and 12``, ``2, 5 and 12``."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def locate_issue(issue: Issue, locate: Locator) -> Issue:
    """Fill in source, row, column (and key, line) of an issue from its model path."""
    where = _where(locate(issue.path))
    return replace(
        issue,
        source=where.source,
        row=where.row,
        column=where.column,
        key=where.key,
        line=where.line,
    )


def build_model(
    model: type[M],
    data: Any,
    locate: Locator,
    summary: str,
    decimal_comma: bool = False,
    refine: Callable[[Issue], Issue] | None = None,
) -> M:
    """Validate ``data`` into ``model``; raise :class:`InputError` with every issue located.

    ``decimal_comma``: the values were read as cells, where ``52,09`` is a number.
    ``refine``: what the reader adds to each located issue (e.g. the rows of a duplicate
    id, :func:`composer.io.tabular.id_hints`)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        found = issues_from_validation_error(exc, locate, model, decimal_comma=decimal_comma)
        if refine is not None:
            found = [refine(issue) for issue in found]
        raise InputError(found, summary) from None


def json_locator(source: str) -> Locator:
    """Locator for a JSON file: the path is shown as a key (``learners[12].kind``)."""

    def locate(path: Path) -> Located:
        return Where(source, key=json_key(path) or None)

    return locate


def json_key(path: Path) -> str:
    """A model path as a key of a JSON document: ``learners[12].kind``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
