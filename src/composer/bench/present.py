"""What ``composer bench`` prints: the runs against their previous ones, peers side by
side, and the gap to published values per literature set."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from composer.bench.history import Batch, RunRecord
from composer.bench.judge import relative_change
from composer.bench.runner import Outcome

_STYLE = {
    "ok": "green",
    "new": "cyan",
    "changed": "yellow",
    "skipped": "dim",
    "warning": "yellow",
    "regression": "bold red",
    "bug": "bold white on red",
}


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    if abs(value - round(value)) < 1e-9:
        return f"{value:,.0f}"
    return f"{value:,.{max(digits, 2)}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _delta(record: RunRecord, previous: RunRecord | None) -> Text:
    if previous is None:
        return Text("new", style="cyan")
    if record.objective is None or previous.objective is None:
        return Text("-")
    change = relative_change(record.objective, previous.objective, record.sense)
    if abs(change) < 1e-12:
        return Text("=")
    style = "red" if change > 0 else "green"
    return Text(f"{'worse' if change > 0 else 'better'} {abs(change):.2%}", style=style)


def _time_ratio(record: RunRecord, previous: RunRecord | None) -> str:
    if previous is None or record.wall_s is None or not previous.wall_s:
        return "-"
    return f"{record.wall_s / previous.wall_s:.2f}x"


def runs_table(outcomes: Sequence[Outcome], title: str) -> Table:
    """One row per run: status, objective and its change, gaps, times, memory, verdict."""
    table = Table(title=title, title_justify="left")
    for name in (
        "entry",
        "solver",
        "status",
        "objective",
        "vs previous",
        "gap",
        "published (gap)",
        "time s (vs prev)",
        "cpu s",
        "peak MB",
        "viol.",
        "verdict",
    ):
        left = name in {"entry", "solver", "status", "verdict"}
        table.add_column(name, justify="left" if left else "right")
    for o in outcomes:
        r = o.record
        skipped = r.status == "skipped"
        solver = r.solver if r.solver == "composer" else f"{r.solver} ({r.target})"
        verdict = Text(o.verdict.level.upper() if o.verdict.failed else o.verdict.level)
        verdict.stylize(_STYLE[o.verdict.level])
        published = "-"
        if o.published is not None:
            published = f"{_num(o.published.value)} {'opt' if o.published.proven else 'bk'}"
            if r.published_gap is not None:
                published += f" ({r.published_gap:+.2%})"
        took = _seconds(r.wall_s)
        ratio = _time_ratio(r, o.previous)
        if ratio != "-":
            took += f" ({ratio})"
        table.add_row(
            r.entry,
            solver,
            r.status,
            _num(r.objective, 2),
            Text("-") if skipped else _delta(r, o.previous),
            _pct(r.gap),
            published,
            took,
            _seconds(r.cpu_s),
            "-" if r.peak_mb is None else f"{r.peak_mb:,.0f}",
            "-" if skipped else str(r.violations),
            verdict,
        )
    return table


@dataclass(frozen=True)
class PeerComparison:
    """Composer against one peer on one entry and target (a stage or literature kind)."""

    entry: str
    peer: str
    target: str
    composer_objective: float | None
    peer_objective: float | None
    composer_seconds: float | None
    peer_seconds: float | None
    peer_valid: bool

    @property
    def objective_ratio(self) -> float | None:
        """composer / peer (below 1 is better for a minimisation)."""
        if self.composer_objective is None or not self.peer_objective:
            return None
        return self.composer_objective / self.peer_objective

    @property
    def time_ratio(self) -> float | None:
        """composer seconds / peer seconds."""
        if self.composer_seconds is None or not self.peer_seconds:
            return None
        return self.composer_seconds / self.peer_seconds


def peer_comparisons(outcomes: Sequence[Outcome]) -> list[PeerComparison]:
    """Every peer run next to composer's run of the same entry and target."""
    composer = {o.record.entry: o.record for o in outcomes if o.record.solver == "composer"}
    found: list[PeerComparison] = []
    for o in outcomes:
        r = o.record
        if r.solver == "composer" or r.status == "skipped":
            continue
        mine = composer.get(r.entry)
        c_obj: float | None = None
        c_sec: float | None = None
        if mine is not None:
            if mine.target == "plan":
                stage = mine.stages.get(r.target, {})
                c_obj, c_sec = stage.get("objective"), stage.get("seconds")
            else:
                c_obj, c_sec = mine.objective, mine.wall_s
        found.append(
            PeerComparison(
                r.entry,
                r.solver,
                r.target,
                c_obj,
                r.objective,
                c_sec,
                r.wall_s,
                r.violations == 0 and r.status in {"optimal", "feasible"},
            )
        )
    return found


def peers_table(comparisons: Sequence[PeerComparison]) -> Table:
    """Composer and peers side by side: objectives, times and their ratios."""
    table = Table(title="peers (ratio = composer / peer)", title_justify="left")
    for name in (
        "entry",
        "peer",
        "target",
        "composer obj",
        "peer obj",
        "obj ratio",
        "composer s",
        "peer s",
        "time ratio",
    ):
        table.add_column(name, justify="left" if name in {"entry", "peer", "target"} else "right")
    for c in comparisons:
        ratio = "-" if c.objective_ratio is None else f"{c.objective_ratio:.3f}"
        if not c.peer_valid:
            ratio = "peer invalid"
        table.add_row(
            c.entry,
            c.peer,
            c.target,
            _num(c.composer_objective, 2),
            _num(c.peer_objective, 2),
            ratio,
            _seconds(c.composer_seconds),
            _seconds(c.peer_seconds),
            "-" if c.time_ratio is None else f"{c.time_ratio:.2f}",
        )
    return table


@dataclass(frozen=True)
class SetSummary:
    """Composer on one literature set (an entry group): gaps to the published values."""

    group: str
    kind: str
    runs: int
    with_result: int
    at_published: int
    median_gap: float | None
    max_gap: float | None
    mean_seconds: float | None


def literature_summary(outcomes: Sequence[Outcome]) -> list[SetSummary]:
    """Per literature set: how many runs reached the published value, the median and the
    worst gap to it, and the mean solve time."""
    groups: dict[str, list[RunRecord]] = {}
    for o in outcomes:
        r = o.record
        if r.solver == "composer" and r.source == "literature":
            groups.setdefault(r.entry_group, []).append(r)
    out: list[SetSummary] = []
    for group, runs in groups.items():
        gaps = [r.published_gap for r in runs if r.published_gap is not None]
        times = [r.wall_s for r in runs if r.wall_s is not None and r.status != "skipped"]
        out.append(
            SetSummary(
                group,
                runs[0].target,
                len(runs),
                sum(1 for r in runs if r.objective is not None),
                sum(1 for g in gaps if g <= 1e-9),
                statistics.median(gaps) if gaps else None,
                max(gaps) if gaps else None,
                statistics.fmean(times) if times else None,
            )
        )
    return out


def literature_table(summaries: Sequence[SetSummary]) -> Table:
    """The per-set summary as a table."""
    table = Table(title="literature sets: gap to the published value", title_justify="left")
    for name in (
        "set",
        "kind",
        "runs",
        "solved",
        "at published",
        "median gap",
        "worst gap",
        "mean s",
    ):
        table.add_column(name, justify="left" if name in {"set", "kind"} else "right")
    for s in summaries:
        table.add_row(
            s.group,
            s.kind,
            str(s.runs),
            str(s.with_result),
            str(s.at_published),
            _pct(s.median_gap),
            _pct(s.max_gap),
            _seconds(s.mean_seconds),
        )
    return table


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return lines


def markdown_summary(outcomes: Sequence[Outcome], batch: Batch, suite: str) -> str:
    """The figures of one bench invocation as Markdown, to paste into benchmarks/README.md:
    date, machine, command and commit first, then the runs, the peers and the sets."""
    lines = [
        f"### {suite}: {batch.started_at[:10]}, {batch.host or '?'}",
        "",
        f"- command: `{batch.command or 'composer bench ' + suite}`",
        f"- commit: `{batch.git_commit or 'unknown'}`"
        + (" (with uncommitted changes)" if batch.git_dirty else ""),
        f"- composer {batch.tool_version}, Python {batch.python}, {batch.platform}, "
        f"{batch.cpu_count} CPU(s)" + (f", Dask cluster {batch.cluster}" if batch.cluster else ""),
        "",
    ]
    rows = []
    for o in outcomes:
        r = o.record
        published = "-"
        if o.published is not None:
            published = f"{_num(o.published.value)} {o.published.label}"
            if r.published_gap is not None:
                published += f" ({r.published_gap:+.2%})"
        rows.append(
            [
                r.entry,
                r.solver if r.solver == "composer" else f"{r.solver} ({r.target})",
                r.status,
                _num(r.objective, 2),
                _pct(r.gap),
                published,
                _seconds(r.wall_s),
                _seconds(r.cpu_s),
                "-" if r.peak_mb is None else f"{r.peak_mb:,.0f}",
                "-" if r.status == "skipped" else str(r.violations),
            ]
        )
    lines += _md_table(
        [
            "entry",
            "solver",
            "status",
            "objective",
            "gap",
            "published",
            "time s",
            "cpu s",
            "peak MB",
            "violations",
        ],
        rows,
    )
    comparisons = peer_comparisons(outcomes)
    if comparisons:
        lines += ["", "Peers (ratio = composer / peer):", ""]
        lines += _md_table(
            ["entry", "peer", "target", "obj ratio", "time ratio"],
            [
                [
                    c.entry,
                    c.peer,
                    c.target,
                    "peer invalid"
                    if not c.peer_valid
                    else ("-" if c.objective_ratio is None else f"{c.objective_ratio:.3f}"),
                    "-" if c.time_ratio is None else f"{c.time_ratio:.2f}",
                ]
                for c in comparisons
            ],
        )
    sets = [s for s in literature_summary(outcomes) if s.with_result]
    if sets:
        lines += ["", "Literature sets:", ""]
        lines += _md_table(
            ["set", "kind", "runs", "solved", "at published", "median gap", "worst gap", "mean s"],
            [
                [
                    s.group,
                    s.kind,
                    str(s.runs),
                    str(s.with_result),
                    str(s.at_published),
                    _pct(s.median_gap),
                    _pct(s.max_gap),
                    _seconds(s.mean_seconds),
                ]
                for s in sets
            ],
        )
    return "\n".join(lines) + "\n"
