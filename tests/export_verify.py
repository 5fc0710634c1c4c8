"""Verify an export folder against plan.json, independently of the export code.

Every expectation is derived from the plan itself (its lists and ids), never from the
export's own tables, so a table or calendar that loses, repeats or invents rows fails:

- the workbook opens with openpyxl; each sheet's rows are the plan's list (ids compared,
  not only counts); per-region workbooks together hold every row once;
- every ``.ics`` file parses with ``icalendar``; its recurrences are expanded with
  ``recurring-ical-events`` and the occurrences are exactly the plan's sessions (and
  visits) of that network, cluster or person, by date and local start time;
- UIDs are unique within a file.

Used by ``tests/test_export_shipped.py`` and by hand on the national plan::

    PYTHONPATH=src:tests python -m export_verify out/national/plan.json instances/national \\
        out/national-export
"""

from __future__ import annotations

import datetime as dt
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import openpyxl
import recurring_ical_events

from composer.io import load_instance
from composer.io.json_io import read_plan
from composer.model.instance import Instance
from composer.model.plan import Plan

AMS = ZoneInfo("Europe/Amsterdam")
FAR_PAST, FAR_FUTURE = dt.date(2000, 1, 1), dt.date(2100, 1, 1)


def sheet_column(ws: Any, column: str) -> list[Any]:
    """The values of one column (by header) of a read-only sheet."""
    rows = ws.iter_rows(values_only=True)
    header = list(next(rows))
    pos = header.index(column)
    return [row[pos] for row in rows]


def expected_sheets(plan: Plan) -> dict[str, tuple[str, Counter[str]]]:
    """Sheet → (id column, multiset of ids) the plan prescribes."""
    return {
        "networks": ("network", Counter(n.id for n in plan.networks)),
        "members": ("learner", Counter(lr for n in plan.networks for lr in n.learners)),
        "clusters": ("cluster", Counter(c.id for c in plan.clusters)),
        "cluster_schools": ("school", Counter(s for c in plan.clusters for s in c.schools)),
        "tn_networks": ("network", Counter(t.id for t in plan.tn_networks)),
        "tn_members": ("participant", Counter(p for t in plan.tn_networks for p in t.participants)),
        "sessions": ("session", Counter(s.id for s in plan.sessions)),
        "development": (
            "session",
            Counter(s.id for s in plan.sessions if s.programme in {"development", "review"}),
        ),
        "visits": ("visitor", Counter(v.visitor for v in plan.visits)),
        "unplaced": ("id", Counter(u.id for u in plan.unplaced)),
    }


def verify_workbooks(plan: Plan, folder: Path) -> dict[str, int]:
    """Each sheet of plan.xlsx holds the plan's rows; per-region workbooks partition them."""
    found: dict[str, int] = {}
    wb = openpyxl.load_workbook(folder / "plan.xlsx", read_only=True)
    try:
        for sheet, (column, ids) in expected_sheets(plan).items():
            got = Counter(str(v) for v in sheet_column(wb[sheet], column))
            assert got == ids, f"{sheet}: workbook {sum(got.values())} rows, plan {ids.total()}"
            found[sheet] = ids.total()
        sessions = {s.id: s for s in plan.sessions}
        ws = wb["sessions"]
        dates = sheet_column(ws, "date")
        ids = sheet_column(ws, "session")
        for sid, day in zip(ids, dates, strict=True):
            assert day.date() == sessions[sid].date, sid  # a real Excel date, the plan's
    finally:
        wb.close()
    regions = folder / "regions"
    if regions.is_dir():
        totals: dict[str, Counter[str]] = defaultdict(Counter)
        for path in sorted(regions.glob("*.xlsx")):
            part = openpyxl.load_workbook(path, read_only=True)
            try:
                for sheet in ("networks", "members", "clusters", "cluster_schools", "sessions"):
                    column = expected_sheets(plan)[sheet][0]
                    totals[sheet].update(str(v) for v in sheet_column(part[sheet], column))
            finally:
                part.close()
        for sheet, got in totals.items():
            assert got == expected_sheets(plan)[sheet][1], f"regions/*.xlsx {sheet}"
        found["region_workbooks"] = len(list(regions.glob("*.xlsx")))
    return found


def occurrences(path: Path) -> list[tuple[dt.date, dt.time | None, str]]:
    """(local date, local start time or None for all-day, UID) of every occurrence."""
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(uids) == len(set(uids)), f"{path.name}: repeated UID"
    for tz in cal.walk("VTIMEZONE"):
        assert tz["TZID"] == "Europe/Amsterdam"
    out = []
    for event in recurring_ical_events.of(cal).between(FAR_PAST, FAR_FUTURE):
        start = event["DTSTART"].dt
        if isinstance(start, dt.datetime):
            local = start.astimezone(AMS)
            out.append((local.date(), local.time().replace(tzinfo=None), str(event["UID"])))
        else:
            out.append((start, None, str(event["UID"])))
    return sorted(out, key=lambda o: (o[0], o[1] or dt.time(0), o[2]))


def _expected_calendars(instance: Instance, plan: Plan) -> dict[str, list[tuple[Any, Any]]]:
    """Relative ics path → sorted (date, start) of what it must hold, from the plan.

    Who attends what (DOMAIN 5): an LOS network's learners and facilitators its LOS
    sessions, the facilitators also its review (L11) and every development meeting (L10)
    that names nobody; a cluster's coordinator its BV meetings; the visiting duo a visit,
    the host network's calendar shows it too; anyone a session names, that session.
    """
    want: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    people = (
        {p.id for p in instance.learners}
        | {p.id for p in instance.facilitators}
        | {p.id for p in instance.tn.participants}
    )
    net_of = {n.id: n for n in plan.networks}
    coordinator = {c.id: c.coordinator for c in plan.clusters}
    all_facilitators = {f for n in plan.networks for f in n.facilitators}
    for s in plan.sessions:
        moment = (s.date, s.start)
        who = set(s.facilitators) | set(s.attendees) | set(s.helpers)
        if s.group in net_of:
            net = net_of[s.group]
            want[f"networks/{net.id}.ics"].append(moment)
            who |= set(net.facilitators)
            if s.programme == "los":
                who |= set(net.learners)
        elif s.group in coordinator:
            want[f"clusters/{s.group}.ics"].append(moment)
            if coordinator[s.group]:
                who.add(coordinator[s.group])
        elif s.programme == "development" and not who:
            who = set(all_facilitators)
        for pid in who & people:
            want[f"people/{pid}.ics"].append(moment)
    for v in plan.visits:
        start = v.start or (net_of[v.host].slot.start if net_of[v.host].slot else None)
        moment = (v.date, start)
        want[f"networks/{v.host}.ics"].append(moment)
        duo = v.facilitators or net_of[v.visitor].facilitators
        for pid in duo:
            want[f"people/{pid}.ics"].append(moment)
    return {k: sorted(v, key=lambda m: (m[0], m[1] or dt.time(0))) for k, v in want.items()}


def verify_calendars(instance: Instance, plan: Plan, folder: Path) -> dict[str, int]:
    """Every calendar expands to exactly its sessions; no file is missing or extra."""
    want = _expected_calendars(instance, plan)
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*.ics")}
    tn_files = {f for f in files if f.startswith("tn/")}
    assert not plan.tn_networks or tn_files, "TN networks but no tn/ calendars"
    assert files - tn_files == set(want), (
        f"missing {sorted(set(want) - files)[:5]}, extra {sorted(files - tn_files - set(want))[:5]}"
    )
    counts: Counter[str] = Counter()
    for relative, moments in want.items():
        got = [(d, t) for d, t, _ in occurrences(folder / relative)]
        assert got == moments, f"{relative}: {len(got)} occurrences, plan {len(moments)}"
        kind = relative.split("/")[0]
        counts[f"{kind}_files"] += 1
        counts[f"{kind}_occurrences"] += len(got)
    return dict(counts)


def verify_export(instance: Instance, plan: Plan, folder: Path) -> dict[str, int]:
    """All checks above on one export folder; returns what was counted."""
    found = verify_workbooks(plan, folder)
    if (folder / "ics").is_dir() or plan.sessions:
        found |= verify_calendars(instance, plan, folder / "ics")
    return found


def main(argv: list[str]) -> None:
    """``python -m export_verify PLAN INSTANCE EXPORT_FOLDER``: print what was verified."""
    plan_path, instance_path, folder = (Path(a) for a in argv)
    found = verify_export(load_instance(instance_path), read_plan(plan_path), folder)
    for key, value in found.items():
        print(f"{key}: {value}")
    print("ok")


if __name__ == "__main__":
    main(sys.argv[1:])
