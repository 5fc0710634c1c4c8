"""The bench history: every run of every suite entry in one SQLite file (stdlib ``sqlite3``).

Two tables. ``batches``: one row per ``composer bench`` invocation (when, suite, git commit
and whether the tree had uncommitted changes, tool version, machine, Python, CPU count,
cluster). ``runs``: one row per solve in it — composer's own and each peer's — with the
instance and its hash, the parameters (JSON), status, objective, bound, gap, wall and CPU
seconds, peak memory, the violations ``composer check`` found (and their text), the
published value and the gap to it, per-stage results and notes (JSON).

The default file is ``benchmarks/history.sqlite`` (git-ignored): a history belongs to a
machine, since times from different machines do not compare.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    started_at TEXT NOT NULL,
    suite TEXT NOT NULL,
    git_commit TEXT,
    git_dirty INTEGER,
    tool_version TEXT NOT NULL,
    host TEXT,
    platform TEXT,
    python TEXT,
    cpu_count INTEGER,
    cluster TEXT,
    command TEXT
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    batch INTEGER NOT NULL REFERENCES batches(id),
    suite TEXT NOT NULL,
    entry TEXT NOT NULL,
    entry_group TEXT NOT NULL,
    solver TEXT NOT NULL,
    target TEXT NOT NULL,
    source TEXT NOT NULL,
    instance_path TEXT,
    instance_hash TEXT,
    parameters TEXT NOT NULL,
    status TEXT NOT NULL,
    exit_code INTEGER,
    objective REAL,
    bound REAL,
    gap REAL,
    sense TEXT NOT NULL,
    wall_s REAL,
    process_wall_s REAL,
    cpu_s REAL,
    peak_mb REAL,
    violations INTEGER NOT NULL,
    violation_list TEXT NOT NULL,
    published REAL,
    published_kind TEXT,
    published_gap REAL,
    stages TEXT NOT NULL,
    notes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_entry ON runs (suite, entry, solver, target, id);
"""

_JSON_FIELDS = {"parameters", "violation_list", "stages", "notes"}


@dataclass
class RunRecord:
    """One solve as measured and checked by the bench.

    ``solver`` is ``composer`` or a peer's name; ``target`` is ``plan`` for composer on an
    instance (all its stages), the stage a peer solved, or the literature kind.
    ``wall_s`` is the solve time (the pipeline's own measure, or the runner's), which is
    what regressions compare; ``process_wall_s`` the child process from start to exit
    (interpreter start, reading, writing included); ``cpu_s`` and ``peak_mb`` the child's
    user+system CPU seconds and peak resident memory (its own and its children's).
    """

    suite: str
    entry: str
    entry_group: str
    solver: str
    target: str
    source: str
    sense: str
    parameters: dict[str, Any] = field(default_factory=dict)
    status: str = "error"
    exit_code: int | None = None
    instance_path: str | None = None
    instance_hash: str | None = None
    objective: float | None = None
    bound: float | None = None
    gap: float | None = None
    wall_s: float | None = None
    process_wall_s: float | None = None
    cpu_s: float | None = None
    peak_mb: float | None = None
    violations: int = 0
    violation_list: list[str] = field(default_factory=list)
    published: float | None = None
    published_kind: str | None = None
    published_gap: float | None = None
    stages: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    id: int | None = None
    batch: int | None = None

    @property
    def stored(self) -> bool:
        """Skipped runs (no runner, no files) are shown but never stored."""
        return self.status != "skipped"


@dataclass(frozen=True)
class Batch:
    """One ``composer bench`` invocation: where and on what code the runs were made."""

    started_at: str
    suite: str
    tool_version: str
    git_commit: str | None = None
    git_dirty: bool | None = None
    host: str | None = None
    platform: str | None = None
    python: str | None = None
    cpu_count: int | None = None
    cluster: str | None = None
    command: str | None = None
    id: int | None = None


_RUN_COLUMNS = [f.name for f in fields(RunRecord) if f.name != "id"]
_BATCH_COLUMNS = [f.name for f in fields(Batch) if f.name != "id"]


class History:
    """A history file; created (with its folder) on first use."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.row_factory = sqlite3.Row
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version not in (0, SCHEMA_VERSION):
            raise RuntimeError(
                f"{self.path} has history schema {version}; this composer writes "
                f"{SCHEMA_VERSION}. Use another --db file."
            )
        self.db.executescript(_SCHEMA)
        self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self.db.commit()

    def close(self) -> None:
        """Close the file."""
        self.db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- writing

    def add_batch(self, batch: Batch) -> int:
        """Store a batch; returns its id."""
        values = [getattr(batch, c) for c in _BATCH_COLUMNS]
        values[_BATCH_COLUMNS.index("git_dirty")] = (
            None if batch.git_dirty is None else int(batch.git_dirty)
        )
        cur = self.db.execute(
            f"INSERT INTO batches ({', '.join(_BATCH_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in _BATCH_COLUMNS)})",
            values,
        )
        self.db.commit()
        assert cur.lastrowid is not None
        return cur.lastrowid

    def add_run(self, run: RunRecord, batch: int) -> int:
        """Store a run of ``batch``; returns its id (and sets ``run.id``, ``run.batch``)."""
        run.batch = batch
        values = []
        for column in _RUN_COLUMNS:
            value = getattr(run, column)
            values.append(json.dumps(value, sort_keys=True) if column in _JSON_FIELDS else value)
        cur = self.db.execute(
            f"INSERT INTO runs ({', '.join(_RUN_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in _RUN_COLUMNS)})",
            values,
        )
        self.db.commit()
        assert cur.lastrowid is not None
        run.id = cur.lastrowid
        return run.id

    # ----------------------------------------------------------------- reading

    @staticmethod
    def _run(row: sqlite3.Row) -> RunRecord:
        names = {f.name for f in fields(RunRecord)}
        data = {key: value for key, value in dict(row).items() if key in names}
        for key in _JSON_FIELDS:
            data[key] = json.loads(data[key])
        return RunRecord(**data)

    def previous(
        self, suite: str, entry: str, solver: str, target: str, before: int | None = None
    ) -> RunRecord | None:
        """The latest stored run of this suite, entry, solver and target (before run id
        ``before`` when given)."""
        query = "SELECT * FROM runs WHERE suite=? AND entry=? AND solver=? AND target=?"
        args: list[Any] = [suite, entry, solver, target]
        if before is not None:
            query += " AND id < ?"
            args.append(before)
        row = self.db.execute(query + " ORDER BY id DESC LIMIT 1", args).fetchone()
        return None if row is None else self._run(row)

    def runs(self, suite: str | None = None) -> list[RunRecord]:
        """Every stored run (of one suite), oldest first."""
        if suite is None:
            rows = self.db.execute("SELECT * FROM runs ORDER BY id").fetchall()
        else:
            rows = self.db.execute(
                "SELECT * FROM runs WHERE suite=? ORDER BY id", (suite,)
            ).fetchall()
        return [self._run(r) for r in rows]

    def batches(self) -> dict[int, Batch]:
        """Every batch by id."""
        out: dict[int, Batch] = {}
        for row in self.db.execute("SELECT * FROM batches ORDER BY id"):
            data = dict(row)
            if data["git_dirty"] is not None:
                data["git_dirty"] = bool(data["git_dirty"])
            out[row["id"]] = Batch(**data)
        return out
