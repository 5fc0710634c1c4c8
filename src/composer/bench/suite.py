"""Benchmark suites: ``benchmarks/suites/NAME.yaml``, validated, with located errors.

A suite lists entries. Each entry names exactly one of

- ``instance: PATH`` — a composer instance (relative to the repository root),
- ``generate: {preset, seed, learners, regions, region, tn_networks}`` — a seeded instance
  that the bench builds with ``composer generate`` into its cache folder,
- ``literature: {kind: cpmp|gap|mdgp, file: PATH}`` — a public benchmark file, relative to
  the suite's ``literature_dir`` (default ``../shared/bench`` next to the repository); a
  glob (``cpmp_osman_ceselli/pmedcap1_*.txt``) expands into one entry per file, with ids
  ``ID/STEM``,

and how to solve it: ``stages``, ``time_limit`` (seconds), ``seed``, ``workers``,
``processes``, ``sets`` (setting overrides as ``composer solve --set``), ``peers`` and
``tolerance`` overrides (``objective`` relative, ``time_factor``, ``time_floor`` seconds).
Whatever an entry leaves out comes from the suite's ``defaults``.

Problems are reported all at once, each located by file, line, entry and field, e.g.
``benchmarks/suites/smoke.yaml, line 14: entry 'tiny', field time_limit: ...`` (exit 2).
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from composer.bench.literature import SENSE, Sense
from composer.errors import InputError, Issue
from composer.params import STAGES

ENTRY_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"

DEFAULT_OBJECTIVE_TOLERANCE = 0.005
"""An objective worse than the previous run's by more than this share is a regression."""
DEFAULT_TIME_FACTOR = 1.5
"""A run more than this many times slower than the previous one, at equal objective, is a
regression."""
DEFAULT_TIME_FLOOR = 1.0
"""Seconds below which a slowdown is noise (process start, a busy machine) and ignored."""

Stage = Literal["los", "bv", "tn", "calendar"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tolerance(_Strict):
    """Regression thresholds; a missing field falls back to the suite default."""

    objective: float | None = Field(default=None, ge=0, description="relative, 0.005 = 0.5 %")
    time_factor: float | None = Field(default=None, gt=1)
    time_floor: float | None = Field(default=None, ge=0, description="seconds")


class GenerateSpec(_Strict):
    """The arguments of ``composer generate`` that build an entry's instance."""

    preset: Literal["tiny", "region", "national"]
    seed: int = Field(default=0, ge=0)
    learners: int | None = Field(default=None, ge=0)
    regions: int | None = Field(default=None, ge=0)
    region: str | None = None
    tn_networks: int | None = Field(default=None, ge=0)

    def command(self) -> str:
        """The equivalent command line (for the record)."""
        parts = [f"composer generate {self.preset} --seed {self.seed}"]
        for option, value in (
            ("--learners", self.learners),
            ("--regions", self.regions),
            ("--region", self.region),
            ("--tn-networks", self.tn_networks),
        ):
            if value is not None:
                parts.append(f"{option} {value}")
        return " ".join(parts)


class LiteratureSpec(_Strict):
    """A file, a glob or a list of globs of one public benchmark family."""

    kind: Literal["cpmp", "gap", "mdgp"]
    file: str | tuple[str, ...] = Field(description="relative to literature_dir; globs allowed")

    @property
    def patterns(self) -> tuple[str, ...]:
        """The file patterns, always as a tuple."""
        return (self.file,) if isinstance(self.file, str) else self.file

    @property
    def expands(self) -> bool:
        """True when this spec may name several files (entry ids become ``ID/STEM``)."""
        return not isinstance(self.file, str) or glob.has_magic(self.file)


class Entry(_Strict):
    """One suite entry: what to solve and how (unset fields come from the defaults)."""

    id: str = Field(pattern=ENTRY_ID)
    instance: str | None = None
    generate: GenerateSpec | None = None
    literature: LiteratureSpec | None = None
    stages: tuple[Stage, ...] | None = None
    time_limit: float | None = Field(default=None, gt=0)
    seed: int | None = Field(default=None, ge=0)
    workers: int | None = Field(default=None, ge=1)
    processes: int | None = Field(default=None, ge=1)
    sets: dict[str, Any] = Field(default_factory=dict)
    peers: tuple[str, ...] | None = None
    tolerance: Tolerance = Tolerance()

    @model_validator(mode="after")
    def _one_source(self) -> Entry:
        given = [k for k in ("instance", "generate", "literature") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of instance, generate or literature"
                + (f" (found {', '.join(given)})" if given else "")
            )
        return self


class Defaults(_Strict):
    """Settings every entry inherits unless it sets its own."""

    stages: tuple[Stage, ...] = STAGES  # type: ignore[assignment]
    time_limit: float = Field(default=60.0, gt=0)
    seed: int = Field(default=0, ge=0)
    workers: int = Field(default=1, ge=1)
    processes: int | None = Field(default=None, ge=1)
    peers: tuple[str, ...] = ()
    tolerance: Tolerance = Tolerance()


class Suite(_Strict):
    """A benchmark suite file."""

    name: str = Field(min_length=1)
    description: str = ""
    literature_dir: str = Field(
        default="../shared/bench", description="relative to the repository root"
    )
    defaults: Defaults = Defaults()
    entries: tuple[Entry, ...] = Field(min_length=1)


@dataclass(frozen=True)
class Thresholds:
    """The regression thresholds in force for one entry."""

    objective: float = DEFAULT_OBJECTIVE_TOLERANCE
    time_factor: float = DEFAULT_TIME_FACTOR
    time_floor: float = DEFAULT_TIME_FLOOR


@dataclass(frozen=True)
class ResolvedEntry:
    """An entry with its defaults applied and its paths resolved; ready to run."""

    id: str
    group: str
    source: Literal["instance", "generate", "literature"]
    stages: tuple[str, ...]
    time_limit: float
    seed: int
    workers: int
    processes: int | None
    sets: dict[str, Any]
    peers: tuple[str, ...]
    thresholds: Thresholds
    instance: Path | None = None
    generate: GenerateSpec | None = None
    kind: str | None = None
    literature_file: str | None = None
    literature_path: Path | None = None
    skip: str | None = None

    @property
    def sense(self) -> Sense:
        """Objective direction: composer plans minimise; literature families have their own."""
        return SENSE[self.kind] if self.kind else "min"

    def parameters(self) -> dict[str, Any]:
        """What was asked of the solver, recorded with every run (compared between runs)."""
        params: dict[str, Any] = {
            "time_limit": self.time_limit,
            "seed": self.seed,
            "workers": self.workers,
        }
        if self.source == "literature":
            params["kind"] = self.kind
            params["file"] = self.literature_file
        else:
            params["stages"] = list(self.stages)
            params["processes"] = self.processes
        if self.sets:
            params["sets"] = dict(self.sets)
        if self.generate is not None:
            params["generate"] = self.generate.model_dump(exclude_none=True)
        return params


# --------------------------------------------------------------------------- locating


def _line_of(node: yaml.Node | None, loc: tuple[str | int, ...]) -> int | None:
    """The 1-based line of the YAML node at ``loc`` (or of its deepest existing parent)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child = value
                    break
        elif (
            isinstance(node, yaml.SequenceNode)
            and isinstance(part, int)
            and 0 <= part < len(node.value)
        ):
            child = node.value[part]
        if child is None:
            break
        node = child
        line = node.start_mark.line + 1
    return line


def _entry_label(data: Any, index: int) -> str:
    entries = data.get("entries") if isinstance(data, dict) else None
    if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], dict):
        eid = entries[index].get("id")
        if eid is not None:
            return f"entry {eid!r}"
    return f"entry {index + 1}"


def _issue(
    file: Path,
    node: yaml.Node | None,
    data: Any,
    loc: tuple[str | int, ...],
    message: str,
    fix: str | None = None,
) -> Issue:
    """An issue located by file:line, entry and field."""
    line = _line_of(node, loc)
    where: list[str] = []
    rest = loc
    if len(loc) >= 2 and loc[0] == "entries" and isinstance(loc[1], int):
        where.append(_entry_label(data, loc[1]))
        rest = loc[2:]
    fields = ".".join(str(p) for p in rest)
    if fields:
        where.append(f"field {fields}")
    prefix = ", ".join(where)
    return Issue(
        f"{prefix}: {message}" if prefix else message,
        source=str(file),
        line=line,
        fix=fix,
        path=loc,
    )


def _clean(msg: str) -> str:
    return re.sub(r"^(Value error|Assertion failed), ", "", msg)


# --------------------------------------------------------------------------- loading


def load_suite(path: Path) -> Suite:
    """Read and validate a suite file; every problem is reported at once (InputError)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Issue(f"cannot read the suite: {exc}", str(path))]) from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(
            [
                Issue(
                    f"not valid YAML: {problem}",
                    str(path),
                    line=mark.line + 1 if mark is not None else None,
                    fix="fix the YAML syntax",
                )
            ],
            f"{path} is not a valid suite",
        ) from None
    if not isinstance(data, dict):
        raise InputError(
            [Issue("a suite is a mapping with name, defaults and entries", str(path))],
            f"{path} is not a valid suite",
        )
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        issues = [
            _issue(path, node, data, tuple(err["loc"]), _clean(err["msg"])) for err in exc.errors()
        ]
        raise InputError(issues, f"{path}: {len(issues)} problem(s) in the suite") from None
    seen: dict[str, int] = {}
    duplicates: list[Issue] = []
    for i, entry in enumerate(suite.entries):
        if entry.id in seen:
            duplicates.append(
                _issue(
                    path,
                    node,
                    data,
                    ("entries", i, "id"),
                    f"id {entry.id!r} is used twice (also entry {seen[entry.id] + 1})",
                    fix="give every entry its own id; the history is kept per id",
                )
            )
        seen.setdefault(entry.id, i)
    if duplicates:
        raise InputError(duplicates, f"{path}: {len(duplicates)} problem(s) in the suite")
    return suite


def repository_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``pyproject.toml`` (else ``start``)."""
    start = Path(start).resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return start


def find_suite(name: str, cwd: Path | None = None) -> Path:
    """A suite file from a path or a name (``smoke`` → ``benchmarks/suites/smoke.yaml``)."""
    candidate = Path(name)
    if candidate.suffix in {".yaml", ".yml"} or candidate.is_file():
        if candidate.is_file():
            return candidate
        raise InputError([Issue("no such suite file", str(candidate), fix="check the path")])
    roots = [repository_root(cwd or Path.cwd())]
    source_root = repository_root(Path(__file__).resolve().parent)
    if source_root not in roots:
        roots.append(source_root)
    for root in roots:
        for suffix in (".yaml", ".yml"):
            found = root / "benchmarks" / "suites" / f"{name}{suffix}"
            if found.is_file():
                return found
    known = sorted(
        p.stem for root in roots for p in (root / "benchmarks" / "suites").glob("*.y*ml")
    )
    raise InputError(
        [
            Issue(
                f"no suite named {name!r}",
                fix=f"choose one of {', '.join(known)}" if known else "give a suite file path",
            )
        ]
    )


LITERATURE_ENV = "COMPOSER_BENCH_DATA"
"""Environment variable naming the folder of the public benchmark sets."""


def literature_root(suite: Suite, root: Path, given: Path | None = None) -> Path:
    """The folder of the literature sets: ``given`` (``--literature-dir``), else
    ``$COMPOSER_BENCH_DATA``, else the suite's ``literature_dir`` relative to the repository
    root — or, when that does not exist, relative to a folder above it (a git worktree in
    ``/work/wt/NAME`` finds ``/work/shared/bench``)."""
    if given is not None:
        return Path(given).resolve()
    env = os.environ.get(LITERATURE_ENV)
    if env:
        return Path(env).resolve()
    relative = Path(suite.literature_dir)
    if relative.is_absolute():
        return relative
    for base in (root, *root.parents):
        candidate = (base / relative).resolve()
        if candidate.is_dir():
            return candidate
    return (root / relative).resolve()


def _thresholds(suite: Tolerance, cli_objective: float | None, entry: Tolerance) -> Thresholds:
    """Built-in defaults, then the suite's, then ``--tolerance``, then the entry's own."""
    values: dict[str, float] = {
        "objective": DEFAULT_OBJECTIVE_TOLERANCE,
        "time_factor": DEFAULT_TIME_FACTOR,
        "time_floor": DEFAULT_TIME_FLOOR,
    }

    def apply(layer: Tolerance) -> None:
        for key in values:
            value = getattr(layer, key)
            if value is not None:
                values[key] = value

    apply(suite)
    if cli_objective is not None:
        values["objective"] = cli_objective
    apply(entry)
    return Thresholds(**values)


def resolve_entries(
    suite: Suite,
    suite_path: Path,
    root: Path,
    literature_dir: Path | None = None,
    tolerance: float | None = None,
    only: tuple[str, ...] = (),
) -> list[ResolvedEntry]:
    """Apply the defaults, resolve paths and expand literature globs.

    ``tolerance`` (``--tolerance``) replaces the suite's default objective tolerance; an
    entry's own ``tolerance.objective`` still wins (it documents that entry's known noise).
    Instance files that do not exist are reported (InputError, located); a missing
    literature folder only marks its entries as skipped (a clean clone has no
    ``../shared``). ``only`` keeps the entries whose id or group is listed.
    """
    lit_root = literature_root(suite, root, literature_dir)
    data = yaml.safe_load(suite_path.read_text(encoding="utf-8")) if suite_path.is_file() else {}
    node = yaml.compose(suite_path.read_text(encoding="utf-8")) if suite_path.is_file() else None
    d = suite.defaults
    resolved: list[ResolvedEntry] = []
    issues: list[Issue] = []
    for i, entry in enumerate(suite.entries):
        common: dict[str, Any] = {
            "stages": tuple(s for s in STAGES if s in (entry.stages or d.stages)),
            "time_limit": entry.time_limit if entry.time_limit is not None else d.time_limit,
            "seed": entry.seed if entry.seed is not None else d.seed,
            "workers": entry.workers if entry.workers is not None else d.workers,
            "processes": entry.processes if entry.processes is not None else d.processes,
            "sets": dict(entry.sets),
            "peers": entry.peers if entry.peers is not None else d.peers,
        }
        common["thresholds"] = _thresholds(d.tolerance, tolerance, entry.tolerance)
        if entry.instance is not None:
            path = (root / entry.instance).resolve()
            if not path.exists():
                issues.append(
                    _issue(
                        suite_path,
                        node,
                        data,
                        ("entries", i, "instance"),
                        f"no such instance: {path}",
                        fix="give a path relative to the repository root",
                    )
                )
                continue
            resolved.append(ResolvedEntry(entry.id, entry.id, "instance", instance=path, **common))
        elif entry.generate is not None:
            resolved.append(
                ResolvedEntry(entry.id, entry.id, "generate", generate=entry.generate, **common)
            )
        else:
            lit = entry.literature
            assert lit is not None
            if not lit_root.is_dir():
                resolved.append(
                    ResolvedEntry(
                        entry.id,
                        entry.id,
                        "literature",
                        kind=lit.kind,
                        literature_file=" ".join(lit.patterns),
                        skip=f"literature folder {lit_root} not found",
                        **common,
                    )
                )
                continue
            files: list[Path] = []
            for k, pattern in enumerate(lit.patterns):
                loc: tuple[str | int, ...] = ("entries", i, "literature", "file")
                if not isinstance(lit.file, str):
                    loc = (*loc, k)
                matched = (
                    sorted(Path(p) for p in glob.glob(str(lit_root / pattern)))
                    if glob.has_magic(pattern)
                    else [lit_root / pattern]
                )
                matched = [f for f in matched if f.is_file()]
                if not matched:
                    issues.append(
                        _issue(
                            suite_path,
                            node,
                            data,
                            loc,
                            f"no file matches {pattern!r} in {lit_root}",
                            fix="give a path relative to the literature folder",
                        )
                    )
                files.extend(f for f in matched if f not in files)
            for f in files:
                resolved.append(
                    ResolvedEntry(
                        f"{entry.id}/{f.stem}" if lit.expands else entry.id,
                        entry.id,
                        "literature",
                        kind=lit.kind,
                        literature_file=f.relative_to(lit_root).as_posix(),
                        literature_path=f,
                        **common,
                    )
                )
    if issues:
        raise InputError(issues, f"{suite_path}: {len(issues)} problem(s) in the suite")
    if only:
        resolved = [e for e in resolved if e.id in only or e.group in only]
        if not resolved:
            raise InputError([Issue(f"no entry of suite {suite.name!r} matches {', '.join(only)}")])
    return resolved
