"""Exports: the workbook and CSV match the plan, calendars expand to exactly the plan's
sessions with stable UIDs, pseudonymised outputs hold no real name, the CLI writes
atomically and refuses a plan made for another instance."""

from __future__ import annotations

import datetime as dt
import html
import json
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import openpyxl
import pandas as pd
import pytest
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st

from composer.export import ExportOptions, export_plan
from composer.export.calendars import CalendarBuilder, exdates
from composer.export.context import ExportContext
from composer.export.privacy import Names, _unique_prefixes
from composer.io.json_io import plan_to_json, write_instance_json
from composer.model.plan import Plan, PlannedNetwork, Session
from export_sample import N1_DATES, N2_DATES, REAL_NAMES, sample_instance, sample_plan

AMS = ZoneInfo("Europe/Amsterdam")
NOW = dt.datetime(2026, 8, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "out"
    export_plan(sample_instance(), sample_plan(), out, ExportOptions(per_region=True, now=NOW))
    return out


@pytest.fixture(scope="module")
def pseudonymised(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("export") / "anon"
    options = ExportOptions(pseudonymise=True, salt="s3cret", per_region=True, now=NOW)
    export_plan(sample_instance(), sample_plan(), out, options)
    return out


def sheet_rows(ws) -> list[dict]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def column_width(ws, column: int) -> float:
    """The width of a 1-based column: its ``<col>`` range may span equal neighbours."""
    for dim in ws.column_dimensions.values():
        if dim.min <= column <= dim.max:
            return dim.width
    raise AssertionError(f"column {column} has no width")


# --------------------------------------------------------------------------- workbook


def test_workbook_sheets_match_the_plan(exported):
    plan = sample_plan()
    wb = openpyxl.load_workbook(exported / "plan.xlsx")
    assert wb.sheetnames[0] == "summary"
    expected_rows = {
        "networks": len(plan.networks),
        "members": sum(len(n.learners) for n in plan.networks),
        "clusters": len(plan.clusters),
        "cluster_schools": sum(len(c.schools) for c in plan.clusters),
        "tn_networks": len(plan.tn_networks),
        "tn_members": 3,
        "sessions": len(plan.sessions),
        "visits": len(plan.visits),
        "development": 2,  # DEV-1 and REV-N1
        "wpb_hours": 2,
        "so_days": 2,
        "unplaced": len(plan.unplaced),
    }
    for name, count in expected_rows.items():
        assert wb[name].max_row - 1 == count, name
    members = {r["learner"]: r for r in sheet_rows(wb["members"])}
    assert set(members) == {"L1", "L2", "L3", "L4", "L5"}
    assert members["L3"]["network"] == "N1" and members["L3"]["location"] == "s1"
    assert members["L3"]["travel_minutes"] == 11  # s2 -> s1, see test_model
    assert members["L1"]["facilitators"] == "Els Schoolopleider, Ingrid Instituut"
    # a name that looks like a formula is stored as text, never as a formula
    assert members["L5"]["name"] == "=HYPERLINK(evil)"
    cell = next(c for c in wb["members"]["D"] if c.value == "=HYPERLINK(evil)")
    assert cell.data_type == "s"
    unplaced = sheet_rows(wb["unplaced"])
    assert unplaced[0]["id"] == "L6" and unplaced[0]["rule"] == "L3"
    summary = {r["item"]: r["value"] for r in sheet_rows(wb["summary"])}
    assert summary["status"] == "feasible" and summary["objective"] == 130
    assert summary["gap"] == "7.69%"
    assert summary["LOS sessions"] == len(N1_DATES) + len(N2_DATES)
    assert summary["rule P1 plan integrity"] == "ok"
    assert summary["over facilitation capacity (L6)"] == 2


def test_workbook_dates_times_header_filter_and_widths(exported):
    ws = openpyxl.load_workbook(exported / "plan.xlsx")["sessions"]
    header = [c.value for c in ws[1]]
    col = {name: i + 1 for i, name in enumerate(header)}
    first = ws.cell(row=2, column=col["date"])
    assert first.is_date and first.value == dt.datetime(2026, 9, 7)  # a real Excel date
    assert first.number_format == "yyyy-mm-dd"
    start = ws.cell(row=2, column=col["start"])
    assert start.value == dt.time(9, 0) and start.number_format == "hh:mm"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{ws.max_row}"
    assert all(c.font.bold for c in ws[1])
    assert 20 <= column_width(ws, col["address"]) <= 60  # "School s1, 3511 Utrecht" fits


def test_over_capacity_rows_are_shaded(exported):
    ws = openpyxl.load_workbook(exported / "plan.xlsx")["wpb_hours"]
    rows = {ws.cell(row=r, column=2).value: r for r in range(2, ws.max_row + 1)}
    assert ws.cell(row=rows["s1"], column=1).fill.fill_type == "solid"
    assert ws.cell(row=rows["s2"], column=1).fill.fill_type is None


def test_per_region_workbooks_split_the_rows(exported):
    names = sorted(p.name for p in (exported / "regions").iterdir())
    assert names == ["no-region.xlsx", "r1.xlsx", "r2.xlsx"]
    r1 = openpyxl.load_workbook(exported / "regions" / "r1.xlsx")
    r2 = openpyxl.load_workbook(exported / "regions" / "r2.xlsx")
    none = openpyxl.load_workbook(exported / "regions" / "no-region.xlsx")
    assert r1["members"].max_row - 1 == 5 and r2["members"].max_row - 1 == 0
    assert [r["id"] for r in sheet_rows(r2["unplaced"])] == ["L6"]  # home school s7 is r2
    # DEV-1 is at the institute HU with group 'all': it belongs to no region
    assert [r["session"] for r in sheet_rows(none["sessions"])] == ["DEV-1"]
    total = sum(wb["sessions"].max_row - 1 for wb in (r1, r2, none))
    assert total == len(sample_plan().sessions)
    summary = {r["item"]: r["value"] for r in sheet_rows(r2["summary"])}
    assert summary["region"] == "r2" and summary["learners placed"] == 0


def test_csv_tables_match_the_workbook(exported):
    wb = openpyxl.load_workbook(exported / "plan.xlsx")
    for name in wb.sheetnames:
        frame = pd.read_csv(exported / "csv" / f"{name}.csv", encoding="utf-8-sig", dtype=str)
        assert len(frame) == wb[name].max_row - 1, name
        assert list(frame.columns) == [c.value for c in wb[name][1]], name
    sessions = pd.read_csv(exported / "csv" / "sessions.csv", encoding="utf-8-sig", dtype=str)
    assert sessions.loc[0, "date"] == "2026-09-07" and sessions.loc[0, "start"] == "09:00"
    members = pd.read_csv(exported / "csv" / "members.csv", encoding="utf-8-sig", dtype=str)
    assert "'=HYPERLINK(evil)" in set(members["name"])  # defused for spreadsheets
    assert (exported / "csv" / "r2" / "unplaced.csv").exists()


# --------------------------------------------------------------------------- calendars


def occurrences(path: Path) -> list[tuple[dt.datetime, dt.datetime, str]]:
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    found = recurring_ical_events.of(cal).between(dt.date(2026, 1, 1), dt.date(2028, 1, 1))
    return sorted((e["DTSTART"].dt, e["DTEND"].dt, str(e["UID"])) for e in found)


def test_network_calendar_expands_to_exactly_the_plans_sessions(exported):
    occ = occurrences(exported / "ics" / "networks" / "N1.ics")
    los = [o for o in occ if "los-series" in o[2]]
    assert [o[0] for o in los] == [dt.datetime.combine(d, dt.time(9), AMS) for d in N1_DATES]
    assert all(o[1] - o[0] == dt.timedelta(hours=2) for o in los)
    # 09:00 local on both sides of the end of summer time (25 Oct 2026): UTC 07:00 / 08:00
    assert los[0][0].astimezone(dt.UTC).hour == 7 and los[-1][0].astimezone(dt.UTC).hour == 8
    assert {o[2] for o in occ} - {los[0][2]} == {"sample-2026/session/REV-N1@composer"}
    n2 = occurrences(exported / "ics" / "networks" / "N2.ics")
    assert [o[0].date() for o in n2 if "los-series" in o[2]] == N2_DATES
    # the host's calendar shows the visit of N1's duo (L9)
    assert {o[2] for o in n2 if "los-series" not in o[2]} == {"sample-2026/visit/N1/N2@composer"}


def test_weekly_series_is_one_event_with_rrule_and_holiday_exdate(exported):
    cal = icalendar.Calendar.from_ical((exported / "ics" / "networks" / "N1.ics").read_bytes())
    (series,) = [e for e in cal.walk("VEVENT") if "RRULE" in e]
    assert series["RRULE"]["FREQ"] == ["WEEKLY"]
    excluded = [d.dt for d in series["EXDATE"].dts]
    assert excluded == [dt.datetime(2026, 10, 19, 9, 0, tzinfo=AMS)]  # herfstvakantie
    assert series["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    (tz,) = cal.walk("VTIMEZONE")
    assert tz["TZID"] == "Europe/Amsterdam"
    assert series["LOCATION"] == "School s1, 3511 Utrecht"
    assert "Els Schoolopleider" in series["DESCRIPTION"]


def test_written_calendars_are_the_packages_own_serialisation(exported):
    # write_calendars serialises each event once and joins the texts; every file must
    # parse to the calendar icalendar builds and hold each event's own text verbatim
    ctx = ExportContext.build(sample_instance(), sample_plan(), now=NOW)
    builder = CalendarBuilder(ctx)
    named = {**builder.group_events(), **builder.person_events()}
    assert len(named) > 10
    for relative, (name, events) in named.items():
        fast = builder.calendar_bytes(name, events)
        slow = builder.calendar(name, events).to_ical()
        assert icalendar.Calendar.from_ical(fast).to_ical() == slow, relative
        assert all(event.to_ical() in fast for event in events), relative
        assert fast == (exported / "ics" / relative).read_bytes(), relative


def test_exdates_fill_only_missing_weeks():
    days = [dt.date(2026, 9, 7), dt.date(2026, 9, 14), dt.date(2026, 10, 5)]
    assert exdates(days) == [dt.date(2026, 9, 21), dt.date(2026, 9, 28)]
    assert exdates([dt.date(2026, 9, 7)]) == []


def test_person_calendars_hold_what_each_person_attends(exported):
    people = exported / "ics" / "people"
    learner = occurrences(people / "L3.ics")
    assert len(learner) == len(N1_DATES)  # L3 is a member of N1 only
    so1 = occurrences(people / "SO1.ics")
    uids = {o[2] for o in so1}
    assert uids == {
        "sample-2026/los-series/N1@composer",
        "sample-2026/session/DEV-1@composer",
        "sample-2026/session/REV-N1@composer",
        "sample-2026/visit/N1/N2@composer",
    }
    visit = next(o for o in so1 if "visit" in o[2])
    assert visit[0] == dt.datetime(2026, 11, 10, 13, 0, tzinfo=AMS)  # at N2's slot
    coordinator = occurrences(people / "C1.ics")
    assert [o[0].date() for o in coordinator] == [dt.date(2026, 10, 5), dt.date(2026, 11, 9)]
    participant = occurrences(people / "p2.ics")  # kick-off (group 'all') + T1 meeting
    assert [o[2] for o in participant] == [
        "sample-2026/session/TN-kickoff@composer",
        "sample-2026/session/T1-2@composer",
    ]
    assert not (people / "L6.ics").exists()  # unplaced: nothing to attend
    assert len(occurrences(exported / "ics" / "clusters" / "BV1.ics")) == 2
    assert len(occurrences(exported / "ics" / "tn" / "T1.ics")) == 2


def test_uids_are_stable_across_exports_and_replans(tmp_path, exported):
    # a second export an hour later, of a re-plan that moved N1 to another weekday
    plan = sample_plan()
    moved = tuple(
        s.model_copy(update={"date": s.date + dt.timedelta(days=1)}) if s.group == "N1" else s
        for s in plan.sessions
    )
    options = ExportOptions(formats=("ics",), now=NOW + dt.timedelta(hours=1))
    export_plan(
        sample_instance(), plan.model_copy(update={"sessions": moved}), tmp_path / "b", options
    )
    for rel in ("networks/N1.ics", "people/SO1.ics", "people/p3.ics"):
        before = {o[2] for o in occurrences(exported / "ics" / rel)}
        after = {o[2] for o in occurrences(tmp_path / "b" / "ics" / rel)}
        assert before == after, rel
    after_n1 = occurrences(tmp_path / "b" / "ics" / "networks" / "N1.ics")
    assert after_n1[0][0] == dt.datetime(2026, 9, 8, 9, 0, tzinfo=AMS)


# --------------------------------------------------------------------------- report


class TagCollector(HTMLParser):
    """Every start tag of a page with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    @property
    def names(self) -> list[str]:
        return [t for t, _ in self.tags]


def test_report_is_self_contained_and_escaped(exported):
    text = (exported / "report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<b>Bram</b>" not in text and "&lt;b&gt;Bram&lt;/b&gt; &amp; Co" in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in text
    tags = TagCollector()
    tags.feed(text)
    assert "link" not in tags.names and "img" not in tags.names and "iframe" not in tags.names
    assert [t for t, attrs in tags.tags if "src" in attrs] == []  # nothing loaded from anywhere
    assert all(attrs["href"].startswith("#") for _, attrs in tags.tags if "href" in attrs)
    assert tags.names.count("script") == 1  # ours, inline
    assert 'data-count="networks">2<' in text and 'data-count="los_sessions">26<' in text
    assert 'class="over"' in text  # s1 and SO1 over capacity
    assert text.count("<svg") >= 5  # map, calendar and histograms


# --------------------------------------------------------------------------- privacy


def all_text(folder: Path) -> str:
    """Every output as text: ICS unfolded, workbooks cell by cell, CSV and HTML as is."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path)
            parts += [str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row]
        elif path.suffix == ".ics":
            parts.append(path.read_text(encoding="utf-8").replace("\r\n ", "").replace("\\,", ","))
        elif path.is_file():
            parts.append(path.read_text(encoding="utf-8-sig"))
    return "\n".join(parts)


def test_pseudonymised_outputs_hold_no_real_names_or_emails(pseudonymised, exported):
    text = all_text(pseudonymised)
    for name in REAL_NAMES:
        assert name not in text and html.escape(name) not in text, name
    for email in ("anna@example.nl", "els@example.nl", "iris@example.nl"):
        assert email not in text
    names = Names(sample_instance(), pseudonymise=True, salt="s3cret")
    assert names.person("L1") in text and names.person("L1").startswith("Learner ")
    assert names.email("L1").endswith("@pseudonym.invalid")
    assert names.email("L2") == ""  # no e-mail known: none invented
    assert "L1" in text and "SO1" in text  # ids stay
    # the control: the plain export does show the names (so the check above can fail)
    plain = all_text(exported)
    assert all(name in plain for name in ("Anna de Vries", "Zoë Jansen", "Els Schoolopleider"))


def test_colliding_pseudonyms_get_more_digits():
    # A and B share their first 6 digits (and 7): both get 8; C keeps 6
    digests = {"A": "ABCDEF12" + "0" * 56, "B": "ABCDEF13" + "0" * 56, "C": "123456" + "0" * 58}
    assert _unique_prefixes(digests, 6) == {"A": "ABCDEF12", "B": "ABCDEF13", "C": "123456"}


def test_pseudonyms_are_stable_readable_and_salted():
    inst = sample_instance()
    a = Names(inst, pseudonymise=True, salt="x")
    b = Names(inst, pseudonymise=True, salt="x")
    c = Names(inst, pseudonymise=True, salt="y")
    assert a.person("L1") == b.person("L1") != c.person("L1")
    assert a.person("SO1").startswith("Facilitator ") and a.person("p1").startswith("Participant ")
    assert len(a.person("L1").split()[1]) == 6
    assert a.text("learner L6 (Zoë Jansen) could not be placed") == (
        f"learner L6 ({a.person('L6')}) could not be placed"
    )
    assert a.place("s1") == "School s1"  # schools keep their names
    off = Names(inst)
    assert off.person("L1") == "Anna de Vries" and off.text("Zoë Jansen") == "Zoë Jansen"


# --------------------------------------------------------------------------- CLI


def write_inputs(tmp_path: Path, plan: Plan | None = None) -> tuple[Path, Path]:
    inst_path, plan_path = tmp_path / "instance.json", tmp_path / "plan.json"
    write_instance_json(sample_instance(), inst_path)
    plan_path.write_text(plan_to_json(plan or sample_plan()), encoding="utf-8")
    return inst_path, plan_path


def test_cli_export_writes_the_chosen_formats_and_refuses_to_overwrite(cli, tmp_path):
    inst, plan = write_inputs(tmp_path)
    out = tmp_path / "out"
    args = ["export", plan, "--instance", inst, "--out", out, "--format", "xlsx"]
    result = cli(*args, "--format", "html")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["plan.xlsx", "report.html"]
    assert "wrote 2 file(s)" in result.output
    again = cli(*args)
    assert again.exit_code == 2 and "--force" in again.output
    forced = cli(*args, "--force", "--pseudonymise")
    assert forced.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["plan.xlsx"]  # replaced as a whole


def test_cli_refuses_a_plan_for_another_instance_and_writes_nothing(cli, tmp_path):
    plan = sample_plan()
    ghost = PlannedNetwork(id="N9", region="r1", location="s1", learners=("L99",))
    inst, plan_path = write_inputs(tmp_path, plan.model_copy(update={"networks": (ghost,)}))
    out = tmp_path / "out"
    result = cli("export", plan_path, "--instance", inst, "--out", out)
    assert result.exit_code == 2
    assert "[P1]" in result.output and "N9" in result.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no temp left


def test_solve_export_writes_into_the_solve_folder(cli, tmp_path):
    # Every stage runs. Two networks in one region can only visit each other (L9); that is
    # not this test's subject, so visits are switched off for the run. The sample's
    # calendar holds one school year, so BV clusters run for one (bv.horizon_years=1).
    inst, _ = write_inputs(tmp_path)
    out = tmp_path / "solved"
    result = cli(
        "solve", inst, "--out", out, "--quiet", "--set", "los.settings.visits_per_year=0",
        "--set", "bv.horizon_years=1", "--export", "html", "--export", "csv",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert {"plan.json", "run.json", "report.html", "csv"} <= {p.name for p in out.iterdir()}
    plan = json.loads((out / "plan.json").read_text())
    summary = pd.read_csv(out / "csv" / "summary.csv", encoding="utf-8-sig", dtype=str)
    assert summary.set_index("item").loc["status", "value"] == plan["status"]
    assert set(plan["stages"]) == {"los", "bv", "tn", "calendar"}
    assert plan["stages"]["tn"]["status"] == "optimal"


@settings(max_examples=40, deadline=None)
@given(
    weeks=st.sets(st.integers(min_value=0, max_value=45), min_size=1, max_size=40),
    hour=st.integers(min_value=8, max_value=16),
)
def test_any_weekly_pattern_expands_to_exactly_its_sessions(weeks, hour):
    # a network meeting on Mondays in any subset of the weeks of a school year: the
    # recurring event with its EXDATEs yields exactly those dates, at the local hour,
    # across both changes of summer time
    dates = sorted(dt.date(2026, 8, 31) + dt.timedelta(weeks=w) for w in weeks)
    plan = sample_plan()
    n1 = tuple(
        Session(id=f"N1-{i}", programme="los", group="N1", date=d, start=dt.time(hour),
                end=dt.time(hour + 1), location="s1")
        for i, d in enumerate(dates)
    )  # fmt: skip
    ctx = ExportContext.build(sample_instance(), plan.model_copy(update={"sessions": n1}), now=NOW)
    cal = CalendarBuilder(ctx).group_calendars()["networks/N1.ics"]
    parsed = icalendar.Calendar.from_ical(cal.to_ical())
    assert len(parsed.walk("VEVENT")) == 1  # one recurring event, never one per week
    found = recurring_ical_events.of(parsed).between(dt.date(2026, 1, 1), dt.date(2028, 1, 1))
    assert sorted(e["DTSTART"].dt for e in found) == [
        dt.datetime.combine(d, dt.time(hour), AMS) for d in dates
    ]


def test_an_empty_plan_exports_every_format(tmp_path):
    files = export_plan(
        sample_instance(), Plan(instance="sample-2026"), tmp_path / "out", ExportOptions(now=NOW)
    )
    assert {f.name for f in files} >= {"plan.xlsx", "report.html", "summary.csv"}
    assert not (tmp_path / "out" / "ics").exists()  # nothing to put in a calendar
    summary = {
        r["item"]: r["value"]
        for r in sheet_rows(openpyxl.load_workbook(tmp_path / "out" / "plan.xlsx")["summary"])
    }
    assert summary["status"] == "unknown" and summary["LOS networks"] == 0


@pytest.mark.parametrize("target", ["instance folder", "plan folder", "parent folder"])
def test_cli_export_never_replaces_its_own_inputs(cli, tmp_path, target):
    # --out naming the instance's folder, the plan's folder or a folder holding them, with
    # --force, used to replace the planner's input with the outputs; refused, exit 2
    from composer.io import write_instance

    inst = tmp_path / "data" / "inst"
    write_instance(sample_instance(), inst, "csv")
    plan = tmp_path / "run" / "plan.json"
    plan.parent.mkdir()
    plan.write_text(plan_to_json(sample_plan()), encoding="utf-8")
    out = {"instance folder": inst, "plan folder": plan.parent, "parent folder": tmp_path}[target]
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = cli("export", plan, "--instance", inst, "--out", out, "--force")
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and "choose another --out" in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_cli_convert_never_replaces_its_input(cli, tmp_path):
    from composer.io import write_instance

    inst = tmp_path / "inst"
    write_instance(sample_instance(), inst, "csv")
    (inst / "README.md").write_text("the planner's notes\n", encoding="utf-8")
    for out in (inst, tmp_path):
        result = cli("convert", inst, "--to", "csv", "--out", out, "--force")
        assert result.exit_code == 2, result.output
        assert "choose another --out" in result.output
    assert (inst / "README.md").read_text(encoding="utf-8") == "the planner's notes\n"


def test_cli_solve_never_replaces_the_baseline_plan(cli, tmp_path):
    # `solve --baseline last/plan.json --out last --force` used to read last year's plan
    # and then replace its folder; refused before any solving, exit 2
    inst, plan = write_inputs(tmp_path)
    last = tmp_path / "last"
    last.mkdir()
    baseline = last / "plan.json"
    baseline.write_bytes(plan.read_bytes())
    result = cli("solve", inst, "--out", last, "--force", "--baseline", baseline, "--quiet")
    assert result.exit_code == 2, result.output
    assert "choose another --out" in result.output
    assert baseline.read_bytes() == plan.read_bytes()


def test_region_meetings_at_an_institute_go_to_that_regions_workbook():
    # The calendar stage gives a region's L10 development meeting the region as its group
    # and holds the TN kick-off at an institute: both belong to the region's planner, not
    # to no-region.xlsx (where the rest of the region's development meetings never are)
    from composer.export.tables import build_tables, region_tables

    plan = sample_plan()
    extra = (
        Session(id="dev-r1-1", programme="development", group="r1", date=dt.date(2026, 10, 7),
                start=dt.time(13, 30), end=dt.time(16, 30), location="HU",
                attendees=("SO1", "IO1"), kind="development"),
        Session(id="tn-kickoff-HU", programme="tn", group="all", date=dt.date(2026, 9, 16),
                start=dt.time(14), end=dt.time(17), location="HU", facilitators=("PB1",),
                attendees=("p1", "p2"), kind="kickoff"),
    )  # fmt: skip
    ctx = ExportContext.build(
        sample_instance(), plan.model_copy(update={"sessions": plan.sessions + extra}), now=NOW
    )
    assert ctx.session_region(extra[0]) == "r1"
    assert ctx.session_region(extra[1]) == "r1"  # the region of T1, whose members attend
    tables = build_tables(ctx)
    r1 = set(region_tables(ctx, tables, "r1")["sessions"].frame["session"])
    none = set(region_tables(ctx, tables, "")["sessions"].frame["session"])
    assert {"dev-r1-1", "tn-kickoff-HU"} <= r1
    assert none == {"DEV-1"}  # group 'all' at the institute: no region to give it
    assert "dev-r1-1" in set(region_tables(ctx, tables, "r1")["development"].frame["session"])


def test_csv_keeps_whole_numbers_whole_beside_blank_cells(tmp_path):
    # a column of whole numbers with a blank (a learner's study year, a school without a
    # capacity) was written as 2.0 / 18.0: pandas' DataFrame.map re-infers float
    from composer.export.tables import Table, _frame
    from composer.export.workbook import write_csv_folder

    frame = _frame(
        [
            {"learner": "L1", "year": 2, "hours": 4.5},
            {"learner": "L2", "year": None, "hours": None},
        ],
        ("learner", "year", "hours"),
    )
    (path,) = write_csv_folder({"members": Table("members", "t", frame)}, tmp_path)
    assert path.read_text(encoding="utf-8-sig").splitlines() == [
        "learner,year,hours",
        "L1,2,4.5",
        "L2,,",
    ]


def test_sessions_sheet_gives_the_headcount_a_room_needs():
    # 'attendees' counts the ids a session names: schools for a BV meeting, so 4 for a
    # meeting of 4 schools x 2 people + the coordinator; the plan's headcount (9) is
    # what a planner books a room for
    from composer.export.tables import build_tables

    plan = sample_plan()
    sessions = tuple(
        s.model_copy(update={"headcount": 9}) if s.id == "BV1-1" else s for s in plan.sessions
    )
    ctx = ExportContext.build(
        sample_instance(), plan.model_copy(update={"sessions": sessions}), now=NOW
    )
    rows = build_tables(ctx)["sessions"].frame.set_index("session")
    assert rows.loc["BV1-1", "attendees"] == 4 and rows.loc["BV1-1", "headcount"] == 9
    assert rows.loc["BV1-2", "headcount"] is None  # not recorded in the plan: left blank


def test_calendar_titles_do_not_repeat_the_network_word():
    # tiny's N1 is called "Leernetwerk St Bonifatius" and N3 "Inductienetwerk Culemborg":
    # calendars said "Leernetwerk Leernetwerk St Bonifatius" and "Leernetwerk
    # Inductienetwerk Culemborg"; a name that already says what it is stays as it is
    instance = sample_instance()
    data = instance.model_dump(mode="json")
    names = {"N1": "Leernetwerk St Bonifatius", "N2": "Inductienetwerk Culemborg"}
    for net in data["los"]["networks"]:
        net["name"] = names[net["id"]]
    from composer.model.instance import Instance

    ctx = ExportContext.build(Instance.model_validate(data), sample_plan(), now=NOW)
    groups = CalendarBuilder(ctx).group_events()
    assert groups["networks/N1.ics"][0] == "Leernetwerk St Bonifatius"
    assert groups["networks/N2.ics"][0] == "Inductienetwerk Culemborg"
    titles = {str(e["SUMMARY"]) for e in groups["networks/N1.ics"][1]}
    assert "Leernetwerk St Bonifatius" in titles
    assert not any("Leernetwerk Leernetwerk" in t for t in titles)
    visits = {
        str(e["SUMMARY"]) for e in groups["networks/N2.ics"][1] if "Bezoek" in str(e["SUMMARY"])
    }
    assert visits == {"Bezoek aan Inductienetwerk Culemborg"}


def test_tn_sheet_counts_the_joint_kickoff_in_the_series():
    # T1: a series starts with the joint kick-off (group "all", 15 Sep, led by PB1, T1's
    # facilitator) and T1 meets once more on 6 Oct: 2 meetings from 15 Sep to 6 Oct. The
    # sheet read 1 meeting from 6 Oct (a series of five showed 4). A kick-off neither
    # T1's facilitator leads nor any of its participants attends is not T1's.
    from composer.export.tables import build_tables

    plan = sample_plan()
    row = build_tables(ExportContext.build(sample_instance(), plan, now=NOW))["tn_networks"]
    t1 = row.frame.set_index("network").loc["T1"]
    assert t1["kickoff"] == dt.date(2026, 9, 15)
    assert (t1["meetings"], t1["first_meeting"], t1["last_meeting"]) == (
        2,
        dt.date(2026, 9, 15),
        dt.date(2026, 10, 6),
    )
    other = tuple(
        s.model_copy(update={"facilitators": ("PB9",)}) if s.id == "TN-kickoff" else s
        for s in plan.sessions
    )
    ctx = ExportContext.build(
        sample_instance(), plan.model_copy(update={"sessions": other}), now=NOW
    )
    t1 = build_tables(ctx)["tn_networks"].frame.set_index("network").loc["T1"]
    assert t1["meetings"] == 1 and t1["kickoff"] is None
