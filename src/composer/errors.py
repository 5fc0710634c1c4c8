"""The project's own error types and the planner-facing *issue* they carry.

Every problem with input reaches the user as an :class:`Issue`: where it is (file or
sheet, row, column), what is wrong in plain words, the rule id where a domain rule is
involved, and the fix. Loaders and validators collect *all* issues before raising one
:class:`InputError`, so a planner sees every problem in one run.

Exit codes of the CLI follow these types: 0 ok, 1 violations found, 2 bad input
(:class:`InputError`), 3 infeasible (:class:`InfeasibleError`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

DUPLICATE_ID = "duplicate_id"
"""Issue code: two rows of one table share an id."""
UNKNOWN_ID = "unknown_id"
"""Issue code: a reference names an id no row of its table has."""
SHARED_ID = "shared_id"
"""Issue code: a school and a person (or two kinds of person) share an id."""
OUTSIDE_SCHOOL_YEARS = "outside_school_years"
"""Issue code: a date lies outside every school year of the calendar (a kick-off date);
a reader drops it when the school years themselves were read wrongly."""
ID_CODES = frozenset({DUPLICATE_ID, UNKNOWN_ID, SHARED_ID})
"""The codes of checks that look at ids only (one cell and the ids of other rows)."""


@dataclass(frozen=True)
class IdRef:
    """The id an issue is about, as data, so that no reader has to parse the message:
    ``what`` says in words what the id names (``learner``, ``time block``), ``id`` is the
    id itself."""

    what: str
    id: str


@dataclass(frozen=True)
class Issue:
    """One problem found in input, located as precisely as the source allows.

    ``source`` is the file or sheet (``learners.csv``, ``sheet learners``); ``row`` is the
    1-based row as the planner sees it in a spreadsheet (the header is row 1); ``column``
    is the column header. ``path`` is the location inside the instance model
    (``("learners", 12, "home_school")``) for programmatic use. ``key`` names a setting
    or a JSON key (``los.settings.min_size``) and ``line`` a line of a text file
    (``instance.yaml``, a JSON file) where rows and columns do not apply.

    ``code`` and ``id_ref`` say what the issue is for programs, never shown: ``code`` is
    pydantic's error type for a field error (``missing``, ``string_pattern_mismatch``) or
    one of :data:`ID_CODES` for an id check; ``id_ref`` is the id such a check is about,
    or the row of another table the issue depends on (a facilitator whose role does not
    fit the network that names them).
    Readers refine or filter issues by these, not by the wording of the message.
    """

    message: str
    source: str | None = None
    row: int | None = None
    column: str | None = None
    fix: str | None = None
    rule: str | None = None
    severity: str = "error"
    path: tuple[str | int, ...] = field(default=())
    key: str | None = None
    line: int | None = None
    code: str | None = None
    id_ref: IdRef | None = None

    def where(self) -> str:
        """The location as a planner reads it: ``learners.csv, row 14, column home_school``
        or ``instance.yaml, line 7, key los.settings.min_size``."""
        parts = []
        if self.source:
            parts.append(self.source)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"column {self.column}")
        if self.key:
            parts.append(f"key {self.key}")
        if not parts and self.path:
            parts.append(".".join(str(p) for p in self.path))
        return ", ".join(parts)

    def render(self) -> str:
        """One line (two with a fix) for the terminal."""
        head = f"[{self.rule}] " if self.rule else ""
        where = self.where()
        text = f"{where}: {head}{self.message}" if where else f"{head}{self.message}"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text


class ComposerError(Exception):
    """Base class of every error composer raises on purpose."""

    exit_code = EXIT_BAD_INPUT


class InputError(ComposerError):
    """Input that cannot be used: carries every issue found, not just the first."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, issues: Iterable[Issue], summary: str | None = None) -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        self.summary = summary or f"{len(self.issues)} problem(s) in the input"
        super().__init__(self.render())

    def render(self) -> str:
        """All issues, one per line, preceded by the summary."""
        lines = [self.summary]
        lines.extend(issue.render() for issue in self.issues)
        return "\n".join(lines)


class InfeasibleError(ComposerError):
    """No plan satisfies the hard rules; ``rules`` names the rule ids that block it."""

    exit_code = EXIT_INFEASIBLE

    def __init__(self, message: str, rules: Iterable[str] = (), details: Iterable[str] = ()):
        self.rules = tuple(rules)
        self.details = tuple(details)
        super().__init__(message)


class OutputExistsError(ComposerError):
    """The output folder exists and ``--force`` was not given."""

    exit_code = EXIT_BAD_INPUT


class OutputPathError(ComposerError):
    """The output cannot be written where it was asked for (a file in the way, a folder
    composer may not write in); said before any work."""

    exit_code = EXIT_BAD_INPUT
