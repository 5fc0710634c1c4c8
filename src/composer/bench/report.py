"""``composer bench --report OUT.html``: the history as one self-contained HTML page.

Per suite: the latest run of every entry in a table, then per entry four small charts over
its runs (one point per bench invocation, labelled with the short git commit): objective
(with the published value as a dashed line), gap (to the published value for literature
entries, else the solver's own gap), solve time and peak memory. Composer and each peer are
separate series. Inline SVG and CSS only: no script, no CDN, readable offline; hovering a
point shows its run (date, commit, value).
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from composer import __version__
from composer.bench.history import Batch, History, RunRecord

PALETTE = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#57606a", "#bf3989")

W, H = 300, 150
ML, MR, MT, MB = 48, 10, 22, 30


@dataclass(frozen=True)
class Point:
    """One run on a chart: x position (the batch), value and its hover text."""

    x: int
    y: float
    tip: str


def _fmt(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.01:
        return f"{value:.3g}"
    return f"{value:.2e}"


def line_chart(
    title: str,
    series: Sequence[tuple[str, Sequence[Point]]],
    x_labels: Sequence[str],
    hline: tuple[float, str] | None = None,
    percent: bool = False,
    zero_based: bool = False,
) -> str:
    """A small SVG line chart: one polyline with hoverable points per series.

    ``zero_based`` starts the axis at 0 (times, memory, gaps: noise is not magnified);
    objectives zoom in on their range so a 0.5 % change shows."""
    e = html.escape
    values = [p.y for _, points in series for p in points]
    if hline is not None:
        values.append(hline[0])
    out = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" width="{W}" height="{H}" '
        f'role="img" aria-label="{e(title)}">',
        f'<text x="{ML}" y="14" class="title">{e(title)}</text>',
    ]
    if not values:
        out.append(f'<text x="{W / 2}" y="{H / 2}" class="empty">no data</text></svg>')
        return "".join(out)
    lo, hi = min(values), max(values)
    if zero_based and lo >= 0:
        lo, hi = 0.0, (hi * 1.1 if hi > 0 else (0.01 if percent else 1.0))
    elif hi - lo < 1e-12:
        pad = abs(hi) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    else:
        pad = (hi - lo) * 0.08
        lo, hi = lo - pad, hi + pad
    n = max(1, len(x_labels))

    def sx(x: int) -> float:
        return ML + (W - ML - MR) * (0.5 if n == 1 else x / (n - 1))

    def sy(y: float) -> float:
        return MT + (H - MT - MB) * (1 - (y - lo) / (hi - lo))

    def label(y: float) -> str:
        return f"{y:.1%}" if percent else _fmt(y)

    out.append(
        f'<rect x="{ML}" y="{MT}" width="{W - ML - MR}" height="{H - MT - MB}" class="frame"/>'
    )
    for k in range(3):
        y = lo + (hi - lo) * (k + 0.5) / 3
        out.append(
            f'<line x1="{ML}" x2="{W - MR}" y1="{sy(y):.1f}" y2="{sy(y):.1f}" class="grid"/>'
            f'<text x="{ML - 4}" y="{sy(y) + 3:.1f}" class="ytick">{e(label(y))}</text>'
        )
    step = max(1, (n + 5) // 6)
    for i, text in enumerate(x_labels):
        if i % step == 0 or i == n - 1:
            anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
            out.append(
                f'<text x="{sx(i):.1f}" y="{H - MB + 12}" class="xtick" '
                f'text-anchor="{anchor}">{e(text)}</text>'
            )
    if hline is not None:
        y = sy(hline[0])
        out.append(
            f'<line x1="{ML}" x2="{W - MR}" y1="{y:.1f}" y2="{y:.1f}" class="published">'
            f"<title>{e(hline[1])}</title></line>"
        )
    for k, (name, points) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        if len(points) > 1:
            coords = " ".join(f"{sx(p.x):.1f},{sy(p.y):.1f}" for p in points)
            out.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
            )
        for p in points:
            out.append(
                f'<circle cx="{sx(p.x):.1f}" cy="{sy(p.y):.1f}" r="3" fill="{colour}">'
                f"<title>{e(name)}: {e(p.tip)}</title></circle>"
            )
    out.append("</svg>")
    return "".join(out)


_CSS = """
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1f2328}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d0d7de}
h3{font-size:15px;margin:20px 0 4px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}
th,td{padding:3px 8px;border-bottom:1px solid #eaeef2;text-align:right}
th:first-child,td:first-child,td.l,th.l{text-align:left}
.chart{margin:0 8px 8px 0;background:#fff}
.charts{display:flex;flex-wrap:wrap}
.frame{fill:#fafbfc;stroke:#d0d7de}.grid{stroke:#eaeef2}
.title{font-size:11px;font-weight:600}.ytick{font-size:9px;text-anchor:end;fill:#57606a}
.xtick{font-size:9px;fill:#57606a}.empty{font-size:11px;text-anchor:middle}
.published{stroke:#1a7f37;stroke-dasharray:4 3}
.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:5px}
.bad{color:#d1242f;font-weight:600}.meta{color:#57606a;font-size:12px}
"""


def _commit(batch: Batch | None) -> str:
    if batch is None or not batch.git_commit:
        return "?"
    return batch.git_commit[:7] + ("+" if batch.git_dirty else "")


def _series_name(r: RunRecord) -> str:
    return "composer" if r.solver == "composer" else f"{r.solver} ({r.target})"


def _entry_section(entry: str, runs: Sequence[RunRecord], batches: dict[int, Batch]) -> str:
    e = html.escape
    batch_ids = sorted({r.batch for r in runs if r.batch is not None})
    position = {b: i for i, b in enumerate(batch_ids)}
    labels = [_commit(batches.get(b)) for b in batch_ids]
    names: list[str] = []
    for r in runs:
        if _series_name(r) not in names:
            names.append(_series_name(r))

    def series(value: Callable[[RunRecord], float | None]) -> list[tuple[str, list[Point]]]:
        out: list[tuple[str, list[Point]]] = []
        for name in names:
            points = []
            for r in runs:
                v = value(r)
                if _series_name(r) != name or v is None or r.batch is None:
                    continue
                b = batches.get(r.batch)
                when = b.started_at[:16].replace("T", " ") if b else "?"
                points.append(
                    Point(
                        position[r.batch],
                        v,
                        f"{_fmt(v)} ({r.status}) run {r.id}, {when}, commit {_commit(b)}",
                    )
                )
            out.append((name, points))
        return out

    published = next((r.published for r in runs if r.published is not None), None)
    pub_kind = next((r.published_kind for r in runs if r.published_kind), "")
    literature = any(r.source == "literature" for r in runs)
    charts = [
        line_chart(
            "objective",
            series(lambda r: r.objective),
            labels,
            None if published is None else (published, f"published ({pub_kind}) {published:g}"),
        ),
        line_chart(
            "gap to published" if literature else "gap (objective vs bound)",
            series(lambda r: r.published_gap if literature else r.gap),
            labels,
            percent=True,
            zero_based=True,
        ),
        line_chart("solve time (s)", series(lambda r: r.wall_s), labels, zero_based=True),
        line_chart("peak memory (MB)", series(lambda r: r.peak_mb), labels, zero_based=True),
    ]
    legend = "".join(
        f'<span><i style="background:{PALETTE[k % len(PALETTE)]}"></i>{e(name)}</span>'
        for k, name in enumerate(names)
    )
    last = runs[-1]
    where = e(last.instance_path or "")
    return (
        f'<h3 id="{e(entry)}">{e(entry)}</h3><div class="meta">{where} · '
        f'{len(batch_ids)} run(s)</div><div class="legend">{legend}</div>'
        f'<div class="charts">{"".join(charts)}</div>'
    )


def _latest_table(runs: Sequence[RunRecord], batches: dict[int, Batch]) -> str:
    e = html.escape
    latest: dict[tuple[str, str, str], RunRecord] = {}
    for r in runs:
        latest[(r.entry, r.solver, r.target)] = r
    rows = []
    for r in latest.values():
        viol = f'<span class="bad">{r.violations}</span>' if r.violations else "0"
        pub = "-" if r.published is None else f"{r.published:g} ({e(r.published_kind or '')})"
        rows.append(
            "<tr>"
            f'<td><a href="#{e(r.entry)}">{e(r.entry)}</a></td>'
            f'<td class="l">{e(_series_name(r))}</td><td class="l">{e(r.status)}</td>'
            f"<td>{'-' if r.objective is None else _fmt(r.objective)}</td>"
            f"<td>{'-' if r.gap is None else f'{r.gap:.2%}'}</td><td>{pub}</td>"
            f"<td>{'-' if r.published_gap is None else f'{r.published_gap:.2%}'}</td>"
            f"<td>{'-' if r.wall_s is None else f'{r.wall_s:.2f}'}</td>"
            f"<td>{'-' if r.peak_mb is None else f'{r.peak_mb:,.0f}'}</td><td>{viol}</td>"
            f'<td class="l">{e(_commit(batches.get(r.batch or -1)))}</td></tr>'
        )
    head = (
        "<tr><th>entry</th><th class=l>solver</th><th class=l>status</th><th>objective</th>"
        "<th>gap</th><th>published</th><th>to published</th><th>time s</th><th>peak MB</th>"
        "<th>violations</th><th class=l>commit</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def render_report(history: History, suite: str | None = None) -> str:
    """The HTML page of every suite in ``history`` (or of one suite)."""
    e = html.escape
    runs = history.runs(suite)
    batches = history.batches()
    by_suite: dict[str, list[RunRecord]] = {}
    for r in runs:
        by_suite.setdefault(r.suite, []).append(r)
    hosts = sorted({b.host or "?" for b in batches.values()})
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>composer bench history</title><style>{_CSS}</style></head><body>",
        "<h1>composer bench history</h1>",
        f'<p class="meta">{len(runs)} run(s) in {len(batches)} bench invocation(s) from '
        f"{e(str(history.path))} on {e(', '.join(hosts))}; page written "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by composer {__version__}. Times from "
        "different machines do not compare.</p>",
    ]
    if not runs:
        parts.append("<p>No runs recorded yet: run <code>composer bench SUITE</code>.</p>")
    for name, suite_runs in by_suite.items():
        parts.append(f"<h2>suite {e(name)}</h2>")
        parts.append(_latest_table(suite_runs, batches))
        entries: dict[str, list[RunRecord]] = {}
        for r in suite_runs:
            entries.setdefault(r.entry, []).append(r)
        for entry, entry_runs in entries.items():
            parts.append(_entry_section(entry, entry_runs, batches))
    parts.append("</body></html>\n")
    return "".join(parts)


def write_report(history: History, out: Path, suite: str | None = None) -> None:
    """Write the report atomically (a reader never sees half a page)."""
    from composer.io.safe_write import atomic_write_text

    atomic_write_text(out, render_report(history, suite))
