"""The HTML report: one self-contained page a planner opens in any browser, offline.

Everything is inline (CSS, a few lines of JavaScript for sortable tables, SVG charts); a
Content-Security-Policy forbids every network request, so the page works without a
connection and cannot leak anything. Sections: summary (status, objective, bound, gap,
counts), quality (the checker's verdict rule by rule), facilitation hours (L6, over
capacity highlighted), networks, clusters with a map, TN networks, a calendar of the
year (sessions per day), travel and size distributions, and who is unplaced.

All text is escaped (names come from spreadsheets). The map is an equirectangular
projection of the schools' coordinates (longitude scaled by the cosine of the middle
latitude), points coloured by cluster with a hull and lines to the cluster's centroid;
LOS networks are drawn as squares at their location with lines from the members' home
schools.
"""

from __future__ import annotations

import datetime as dt
import html
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from composer import __version__
from composer.export.context import ExportContext
from composer.export.tables import COUNTS, Table, counts

CSS = """
:root{--ok:#1a7f37;--bad:#c62828;--warn:#b26a00;--muted:#666;--line:#ddd;--over:#fde2e0}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:0;color:#222}
header{background:#1f3a5f;color:#fff;padding:16px 24px}
header h1{margin:0 0 4px;font-size:22px}
nav{position:sticky;top:0;background:#f4f6f9;border-bottom:1px solid var(--line);padding:6px 24px;
z-index:2}
nav a{margin-right:14px;color:#1f3a5f;text-decoration:none}
main{padding:8px 24px 40px;max-width:1400px}
section{margin-top:22px}
h2{border-bottom:2px solid #1f3a5f;padding-bottom:2px;font-size:18px}
h3{font-size:15px;margin:14px 0 6px}
.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid var(--line);border-radius:6px;padding:8px 12px;min-width:130px;
background:#fafbfc}
.card .n{display:block;font-size:22px;font-weight:600}
.card .label{color:var(--muted);font-size:12px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:#eef1f5}
table.sortable th{cursor:pointer}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.over td{background:var(--over)}
.status{display:inline-block;border-radius:4px;padding:1px 8px;font-weight:600;color:#fff}
.status.optimal,.status.ok{background:var(--ok)}
.status.feasible,.status.warning{background:var(--warn)}
.status.infeasible,.status.unknown,.status.violated{background:var(--bad)}
.status.not_planned,.status.unchecked{background:#888}
.muted{color:var(--muted)}
.charts{display:flex;flex-wrap:wrap;gap:18px}
svg text{font:11px system-ui,Arial,sans-serif;fill:#333}
.scroll{overflow-x:auto}
"""

JS = """
(function () {
  function key(cell) {
    var v = cell.getAttribute('data-sort');
    if (v === null) { v = cell.textContent.trim(); }
    var n = parseFloat(v);
    return (v !== '' && !isNaN(n) && isFinite(v)) ? n : v.toLowerCase();
  }
  function sortBy(table, col, th) {
    var body = table.tBodies[0];
    if (!body) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    var asc = th.getAttribute('data-dir') !== 'asc';
    rows.sort(function (a, b) {
      var x = key(a.cells[col]), y = key(b.cells[col]);
      if (x === y) { return 0; }
      if (typeof x !== typeof y) { x = String(x); y = String(y); }
      return (x < y ? -1 : 1) * (asc ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
    th.setAttribute('data-dir', asc ? 'asc' : 'desc');
  }
  var tables = document.querySelectorAll('table.sortable');
  Array.prototype.forEach.call(tables, function (table) {
    var head = table.tHead;
    if (!head) { return; }
    Array.prototype.forEach.call(head.rows[0].cells, function (th, col) {
      th.title = 'sort';
      th.addEventListener('click', function () { sortBy(table, col, th); });
    });
  });
  document.body.setAttribute('data-ready', '1');
})();
"""

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


def esc(value: Any) -> str:
    """Escaped text of a value for HTML and SVG (quotes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def colour(i: int) -> str:
    """A distinct colour for group ``i`` (golden-angle hues)."""
    return f"hsl({(i * 137.508) % 360:.1f},65%,42%)"


def _cell_text(value: Any) -> tuple[str, str, bool]:
    """(display text, sort key, numeric) of a table cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "", "", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), ("1" if value else "0"), False
    if isinstance(value, dt.time):
        return value.strftime("%H:%M"), value.strftime("%H:%M"), False
    if isinstance(value, dt.date):
        return value.isoformat(), value.isoformat(), False
    if isinstance(value, int):
        return f"{value:,}".replace(",", " "), str(value), True
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", " ")
        return text, repr(value), True
    return str(value), str(value), False


def html_table(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    row_class: Callable[[dict[str, Any]], str] | None = None,
    table_id: str = "",
    limit: int = 5000,
) -> str:
    """An escaped, sortable HTML table of ``frame`` (at most ``limit`` rows shown)."""
    cols = list(columns) if columns is not None else list(frame.columns)
    cols = [c for c in cols if c in frame.columns]
    head = "".join(f"<th>{esc(c.replace('_', ' '))}</th>" for c in cols)
    body = []
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in row.items()} for row in frame.head(limit).to_dict("records")
    ]
    for record in records:
        cls = row_class(record) if row_class else ""
        cells = []
        for c in cols:
            text, sort, numeric = _cell_text(record.get(c))
            # the script sorts by data-sort, else by the text: only write it when they differ
            key = f' data-sort="{esc(sort)}"' if sort != text else ""
            cells.append(f"<td{' class=num' if numeric else ''}{key}>{esc(text)}</td>")
        attr = f' class="{esc(cls)}"' if cls else ""
        body.append(f"<tr{attr}>{''.join(cells)}</tr>")
    more = (
        f'<p class="muted">{len(frame) - limit} more rows in the workbook.</p>'
        if len(frame) > limit
        else ""
    )
    ident = f' id="{esc(table_id)}"' if table_id else ""
    if not len(frame):
        return '<p class="muted">none</p>'
    return (
        f'<div class="scroll"><table class="sortable"{ident} data-rows="{len(frame)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>{more}"
    )


def _over(record: dict[str, Any]) -> str:
    return "over" if record.get("over_capacity") is True else ""


# --------------------------------------------------------------------------- charts


def histogram_svg(values: Sequence[float], title: str, xlabel: str, width: int = 420) -> str:
    """An inline SVG histogram of ``values`` with integer-aligned bins and counts."""
    if not values:
        return f'<figure><figcaption>{esc(title)}</figcaption><p class="muted">no data</p></figure>'
    low = math.floor(min(values))
    high = math.floor(max(values))
    span = high - low + 1
    step = max(1, math.ceil(span / 24))
    nbins = max(1, math.ceil(span / step))
    bins = [0] * nbins
    for v in values:
        bins[min(nbins - 1, int((math.floor(v) - low) // step))] += 1
    height, left, bottom, top = 180, 34, 34, 14
    plot_w, plot_h = width - left - 10, height - bottom - top
    peak = max(bins)
    bar_w = plot_w / nbins
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{esc(title)}">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#888"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for i, count in enumerate(bins):
        x = left + i * bar_w
        h = 0 if peak == 0 else plot_h * count / peak
        lo = low + i * step
        label = f"{lo}" if step == 1 else f"{lo}–{lo + step - 1}"
        parts.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_h - h:.1f}" width="{max(1.0, bar_w - 2):.1f}" '
            f'height="{h:.1f}" fill="#4a78b0"><title>{esc(label)}: {count}</title></rect>'
        )
        if nbins <= 12 or i % math.ceil(nbins / 12) == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 13}" '
                f'text-anchor="middle">{esc(lo)}</text>'
            )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4}" text-anchor="middle">'
        f"{esc(xlabel)}</text></svg>"
    )
    return (
        f"<figure><figcaption>{esc(title)} (n={len(values)})</figcaption>{''.join(parts)}</figure>"
    )


def _hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Convex hull (Andrew's monotone chain), counter-clockwise."""
    pts = sorted(set(points))
    if len(pts) <= 2:
        return pts

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[tuple[float, float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return lower[:-1] + upper[:-1]


class Projection:
    """Equirectangular projection of lat/lon onto an SVG box of the given width."""

    def __init__(
        self, points: Iterable[tuple[float, float]], width: int = 760, max_height: int = 560
    ) -> None:
        pts = list(points)
        lats = [p[0] for p in pts]
        lons = [p[1] for p in pts]
        pad = 0.05
        self.lat0, self.lat1 = min(lats) - pad, max(lats) + pad
        self.lon0, self.lon1 = min(lons) - pad, max(lons) + pad
        self.kx = math.cos(math.radians((self.lat0 + self.lat1) / 2))
        span_x = (self.lon1 - self.lon0) * self.kx
        span_y = self.lat1 - self.lat0
        self.scale = min((width - 20) / max(span_x, 1e-6), (max_height - 20) / max(span_y, 1e-6))
        self.width = int(span_x * self.scale) + 20
        self.height = int(span_y * self.scale) + 20

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        x = 10 + (lon - self.lon0) * self.kx * self.scale
        y = 10 + (self.lat1 - lat) * self.scale
        return round(x, 1), round(y, 1)


def map_svg(ctx: ExportContext) -> str:
    """Clusters (circles, hulls, lines to the centroid) and LOS networks (squares) on a map."""
    inst, idx = ctx.instance, ctx.instance.index
    school = {s.id: s for s in inst.schools}
    pts: list[tuple[float, float]] = []
    for cluster in ctx.plan.clusters:
        pts += [(school[s].lat, school[s].lon) for s in cluster.schools if s in school]
    for net in ctx.plan.networks:
        if net.location in school:
            pts.append((school[net.location].lat, school[net.location].lon))
        for lid in net.learners:
            home = inst.learners[idx.learner[lid]].home_school
            if home in school:
                pts.append((school[home].lat, school[home].lon))
    if not pts:
        return '<p class="muted">no clusters or networks to draw</p>'
    # a national plan has thousands of schools: a larger canvas, smaller dots, thinner lines
    crowded = len(set(pts))
    radius = 4 if crowded <= 300 else 3 if crowded <= 1200 else 2
    thin = "1" if crowded <= 300 else "0.6"
    proj = Projection(pts, *((760, 560) if crowded <= 1200 else (1100, 1200)))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{proj.width}" height="{proj.height}" '
        f'viewBox="0 0 {proj.width} {proj.height}" role="img" aria-label="map" id="map">',
        f'<rect width="{proj.width}" height="{proj.height}" fill="#f7f9fb" stroke="#ccc"/>',
    ]
    step = 0.5 if (proj.lat1 - proj.lat0) > 1.0 else 0.1
    lat = math.ceil(proj.lat0 / step) * step
    while lat < proj.lat1:
        _, y = proj(lat, proj.lon0)
        parts.append(
            f'<line x1="0" y1="{y}" x2="{proj.width}" y2="{y}" stroke="#e3e7ec"/>'
            f'<text x="3" y="{y - 2}" fill="#999">{lat:.1f}°N</text>'
        )
        lat += step
    lon = math.ceil(proj.lon0 / step) * step
    while lon < proj.lon1:
        x, _ = proj(proj.lat0, lon)
        parts.append(
            f'<line x1="{x}" y1="0" x2="{x}" y2="{proj.height}" stroke="#e3e7ec"/>'
            f'<text x="{x + 2}" y="{proj.height - 3}" fill="#999">{lon:.1f}°E</text>'
        )
        lon += step
    for i, cluster in enumerate(ctx.plan.clusters):
        members = [school[s] for s in cluster.schools if s in school]
        if not members:
            continue
        col = colour(i)
        xy = [proj(s.lat, s.lon) for s in members]
        cx = sum(p[0] for p in xy) / len(xy)
        cy = sum(p[1] for p in xy) / len(xy)
        hull = _hull(xy)
        if len(hull) >= 3:
            path = " ".join(f"{x},{y}" for x, y in hull)
            parts.append(
                f'<polygon points="{path}" fill="{col}" fill-opacity="0.12" stroke="{col}" '
                'stroke-opacity="0.5"/>'
            )
        parts += [
            f'<line x1="{x}" y1="{y}" x2="{cx:.1f}" y2="{cy:.1f}" stroke="{col}" '
            f'stroke-width="{thin}"/>'
            for x, y in xy
        ]
        for s, (x, y) in zip(members, xy, strict=True):
            parts.append(
                f'<circle cx="{x}" cy="{y}" r="{radius}" fill="{col}" class="school">'
                f"<title>{esc(s.name)} ({esc(s.id)}) — cluster {esc(cluster.id)}</title></circle>"
            )
        parts.append(
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="2" fill="#222"><title>centroid of '
            f"{esc(cluster.id)}</title></circle>"
        )
    for i, net in enumerate(ctx.plan.networks):
        if net.location not in school:
            continue
        col = colour(i + len(ctx.plan.clusters))
        lx, ly = proj(school[net.location].lat, school[net.location].lon)
        homes = Counter(inst.learners[idx.learner[lid]].home_school for lid in net.learners)
        for home in homes:
            if home in school and home != net.location:
                hx, hy = proj(school[home].lat, school[home].lon)
                parts.append(
                    f'<line x1="{hx}" y1="{hy}" x2="{lx}" y2="{ly}" stroke="{col}" '
                    f'stroke-width="{thin}" stroke-opacity="0.45" stroke-dasharray="3 2"/>'
                )
        side = 2 * radius + 2
        parts.append(
            f'<rect x="{lx - side / 2:.1f}" y="{ly - side / 2:.1f}" width="{side}" height="{side}" '
            f'fill="{col}" stroke="#222" '
            f'class="network"><title>network {esc(net.id)} at {esc(school[net.location].name)}: '
            f"{len(net.learners)} learners</title></rect>"
        )
    parts.append("</svg>")
    legend = (
        '<p class="muted">Circles: schools coloured by BV cluster, with the cluster hull and '
        "lines to its centroid. Squares: LOS network locations, dashed lines from the "
        "members' home schools. Equirectangular projection.</p>"
    )
    return "".join(parts) + legend


def calendar_svg(ctx: ExportContext) -> str:
    """A heat strip of the year: one cell per day (weeks across), coloured by sessions."""
    plan, cal = ctx.plan, ctx.instance.calendar
    per_day = Counter(s.date for s in plan.sessions)
    per_day.update(v.date for v in plan.visits)
    dates = list(per_day)
    if cal.school_years:
        dates += [cal.school_years[0].start, cal.school_years[-1].end]
    if not dates:
        return '<p class="muted">no sessions and no school year to show</p>'
    first, last = min(dates), max(dates)
    first -= dt.timedelta(days=first.weekday())
    holiday: dict[dt.date, list[str]] = defaultdict(list)
    for h in cal.holidays:
        day = h.start
        while day <= h.end:
            holiday[day].append(f"{h.name} ({h.holiday_region})")
            day += dt.timedelta(days=1)
    for ph in cal.public_holidays:
        holiday[ph.date].append(ph.name)
    weeks = (last - first).days // 7 + 1
    cell, left, top = 13, 30, 18
    width, height = left + weeks * cell + 10, top + 7 * cell + 30
    peak = max(per_day.values(), default=0)
    shades = ["#ebedf0", "#c6dbef", "#6baed6", "#3182bd", "#08519c"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'role="img" aria-label="sessions per day" id="calendar-heat">'
    ]
    for row, name in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun")):
        if row % 2 == 0:
            parts.append(f'<text x="0" y="{top + row * cell + 10}">{name}</text>')
    day = first
    labelled = False
    while day <= last:
        week = (day - first).days // 7
        x, y = left + week * cell, top + day.weekday() * cell
        if day.day == 1:  # label each month above the week holding its first day
            text = f"{day:%b %Y}" if not labelled or day.month == 1 else f"{day:%b}"
            parts.append(f'<text x="{x}" y="{top - 5}">{text}</text>')
            labelled = True
        n = per_day.get(day, 0)
        if n == 0:
            fill = "#f3e6c4" if day in holiday else shades[0]
        else:
            level = 1 + min(3, int(3 * (n - 1) / max(1, peak - 1))) if peak > 1 else 4
            fill = shades[level]
        label = f"{day.isoformat()} {day:%a}: {n} session(s)"
        if day in holiday:
            label += " — " + ", ".join(holiday[day])
        parts.append(
            f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}" '
            f'data-date="{day.isoformat()}" data-n="{n}"><title>{esc(label)}</title></rect>'
        )
        day += dt.timedelta(days=1)
    lx = left
    ly = top + 7 * cell + 12
    for i, (fill, text) in enumerate(
        [(shades[0], "none"), ("#f3e6c4", "holiday"), (shades[1], "few"), (shades[4], "most")]
    ):
        parts.append(
            f'<rect x="{lx + i * 80}" y="{ly}" width="11" height="11" fill="{fill}"/>'
            f'<text x="{lx + i * 80 + 15}" y="{ly + 10}">{text}</text>'
        )
    parts.append("</svg>")
    busiest = max(per_day.items(), key=lambda kv: (kv[1], kv[0]), default=None)
    note = (
        f'<p class="muted">{sum(per_day.values())} sessions and visits on {len(per_day)} days; '
        f"busiest {busiest[0].isoformat()} ({busiest[1]}).</p>"
        if busiest
        else ""
    )
    return f'<div class="scroll">{"".join(parts)}</div>{note}'


# --------------------------------------------------------------------------- page


def _status(text: str, cls: str) -> str:
    return f'<span class="status {esc(cls)}">{esc(text)}</span>'


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", " ")


def _summary(ctx: ExportContext, tables: dict[str, Table]) -> str:
    plan = ctx.plan
    found = counts(tables)
    cards = "".join(
        f'<div class="card"><span class="n" data-count="{esc(key)}">{found[key]}</span>'
        f'<span class="label">{esc(label)}</span></div>'
        for key, label in COUNTS
    )
    gap = "-" if plan.gap is None else f"{plan.gap:.2%}"
    rows = [
        (
            "status",
            _status(plan.status, plan.status) + (" interrupted" if plan.interrupted else ""),
        ),
        ("objective", esc(_fmt(plan.objective))),
        ("bound", esc(_fmt(plan.bound))),
        ("gap", esc(gap)),
        (
            "checker",
            _status("ok", "ok")
            if ctx.report.ok
            else _status(f"{len(ctx.report.errors)} violation(s)", "violated"),
        ),
    ]
    kv = "".join(f'<tr><th>{esc(k)}</th><td id="summary-{esc(k)}">{v}</td></tr>' for k, v in rows)
    stage_rows = "".join(
        f"<tr><td>{esc(name)}</td><td>{_status(r.status, r.status)}</td>"
        f'<td class="num">{esc(_fmt(r.objective))}</td><td class="num">{esc(_fmt(r.bound))}</td>'
        f"<td>{esc('-' if r.gap is None else f'{r.gap:.2%}')}</td>"
        f"<td>{'<br>'.join(esc(ctx.names.text(n)) for n in r.notes)}</td></tr>"
        for name, r in plan.stages.items()
    )
    stages = (
        "<h3>Stages</h3><table><thead><tr><th>stage</th><th>status</th><th>objective</th>"
        f"<th>bound</th><th>gap</th><th>notes</th></tr></thead><tbody>{stage_rows}</tbody></table>"
        if stage_rows
        else ""
    )
    mismatch = "".join(f"<p>objective mismatch: {esc(m)}</p>" for m in ctx.report.mismatches)
    return (
        f'<section id="summary"><h2>Summary</h2><div class="cards">{cards}</div>'
        f'<table class="kv">{kv}</table>{stages}{mismatch}</section>'
    )


def _quality(ctx: ExportContext) -> str:
    rows = []
    for r in ctx.rule_results:
        cls = (
            "unchecked"
            if not r.checked
            else "violated"
            if r.errors
            else "warning"
            if r.warnings
            else "ok"
        )
        details = "<br>".join(esc(m) for m in r.messages[:20])
        if len(r.messages) > 20:
            details += f"<br>… {len(r.messages) - 20} more in the workbook"
        rows.append(
            f'<tr data-rule="{esc(r.rule)}"><td>{esc(r.rule)}</td><td>{esc(r.title)}</td>'
            f"<td>{_status(r.result, cls)}</td><td>{details}</td></tr>"
        )
    return (
        '<section id="quality"><h2>Quality, rule by rule</h2>'
        '<p class="muted">The independent checker recomputes every rule of DOMAIN.md on this '
        "plan; “not checked” means this build has no check for the rule yet.</p>"
        '<table id="rules"><thead><tr><th>rule</th><th>what</th><th>result</th><th>details</th>'
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


def _hours(ctx: ExportContext, tables: dict[str, Table]) -> str:
    h = ctx.hours
    over = len(h.over_capacity)
    head = (
        f"<p>Werkplekbegeleider: {esc(_fmt(h.wpb_hours_per_student))} h per placed student "
        f"(kinds student and uu_student) at their home school; schoolopleider: one day a week "
        f"per {h.so_students_per_day} learners led. Total {esc(_fmt(h.total_wpb_hours))} WPB "
        f"hours and {esc(_fmt(h.total_so_days))} SO days a week; "
        f'<b id="hours-over">{over}</b> over capacity.</p>'
    )
    return (
        f'<section id="hours"><h2>Facilitation hours (L6)</h2>{head}'
        "<h3>Per region</h3>"
        + html_table(tables["hours_regions"].frame, table_id="hours-regions")
        + "<h3>Werkplekbegeleider hours per school</h3>"
        + html_table(tables["wpb_hours"].frame, row_class=_over, table_id="wpb-hours")
        + "<h3>Schoolopleider days a week</h3>"
        + html_table(tables["so_days"].frame, row_class=_over, table_id="so-days")
        + "</section>"
    )


def _distributions(ctx: ExportContext, tables: dict[str, Table]) -> str:
    members = tables["members"].frame
    travel = [float(v) for v in members["travel_minutes"] if v is not None]
    sizes = [int(v) for v in tables["networks"].frame["learners"]]
    cluster_sizes = [int(v) for v in tables["clusters"].frame["schools"]]
    school_travel = [
        float(v) for v in tables["cluster_schools"].frame["mean_travel_minutes"] if v is not None
    ]
    tn_sizes = [int(v) for v in tables["tn_networks"].frame["participants"]]
    charts = []
    if sizes:
        charts.append(histogram_svg(travel, "Learner travel to the network", "minutes"))
        charts.append(histogram_svg(sizes, "LOS network sizes", "learners"))
    if cluster_sizes:
        charts.append(histogram_svg(cluster_sizes, "BV cluster sizes", "schools"))
        charts.append(
            histogram_svg(school_travel, "BV school's mean travel in its cluster", "minutes")
        )
    if tn_sizes:
        charts.append(histogram_svg(tn_sizes, "TN network sizes", "participants"))
    body = "".join(charts) or '<p class="muted">nothing planned yet</p>'
    return (
        '<section id="distributions"><h2>Travel and size distributions</h2>'
        f'<div class="charts">{body}</div></section>'
    )


NETWORK_VIEW = (
    "network", "name", "region", "type", "location_name", "weekday", "start", "end",
    "learners", "students", "spare_seats", "schoolopleider_name", "second_facilitator_name",
    "sessions", "first_session", "last_session", "visits_network",
)  # fmt: skip


def render_report(ctx: ExportContext, tables: dict[str, Table]) -> str:
    """The whole report as one HTML string."""
    plan = ctx.plan
    sections = [
        _summary(ctx, tables),
        _quality(ctx),
        _hours(ctx, tables),
        '<section id="networks"><h2>LOS networks</h2>'
        + html_table(tables["networks"].frame, NETWORK_VIEW, table_id="networks-table")
        + "</section>",
        '<section id="clusters"><h2>BV clusters</h2>'
        + html_table(tables["clusters"].frame, table_id="clusters-table")
        + "<h3>Map</h3>"
        + map_svg(ctx)
        + "<h3>Schools</h3>"
        + html_table(tables["cluster_schools"].frame, table_id="cluster-schools-table")
        + "</section>",
        '<section id="tn"><h2>Thematic networks</h2>'
        + html_table(tables["tn_networks"].frame, table_id="tn-table")
        + "</section>",
        '<section id="calendar"><h2>Calendar of the year</h2>' + calendar_svg(ctx) + "</section>",
        _distributions(ctx, tables),
        '<section id="unplaced"><h2>Unplaced</h2>'
        + html_table(tables["unplaced"].frame, table_id="unplaced-table")
        + "</section>",
    ]
    nav = "".join(
        f'<a href="#{a}">{esc(t)}</a>'
        for a, t in [
            ("summary", "Summary"),
            ("quality", "Quality"),
            ("hours", "Hours"),
            ("networks", "Networks"),
            ("clusters", "Clusters"),
            ("tn", "TN"),
            ("calendar", "Calendar"),
            ("distributions", "Distributions"),
            ("unplaced", "Unplaced"),
        ]
    )
    private = " — pseudonymised" if ctx.names.pseudonymise else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Plan {esc(plan.instance)} — composer</title><style>{CSS}</style></head>"
        f"<body><header><h1>Plan {esc(plan.instance)}</h1>"
        f"<div>{esc(ctx.instance.description)}</div>"
        f'<div class="muted" style="color:#cfd8e3">composer {esc(plan.tool_version or __version__)}'
        f"{esc(private)}</div></header>"
        f"<nav>{nav}</nav><main>{''.join(sections)}</main>"
        f"<script>{JS}</script></body></html>\n"
    )
