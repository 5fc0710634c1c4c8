"""What the CSV folder and the workbook accept (beside the refusals of tests/broken/)."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from composer.errors import InputError
from composer.io import load_instance, write_instance
from composer.io.cells import split_list, text_of, value_from_text
from composer.io.fields import flatten
from composer.io.tabular import TABLES
from composer.model.instance import Facilitator, Instance
from conftest import ROOT

BASE = ROOT / "tests" / "base_instance"


@pytest.fixture
def base_copy(tmp_path) -> Path:
    folder = tmp_path / "inst"
    shutil.copytree(BASE, folder)
    return folder


def _write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> None:
    (folder / name).write_bytes(text.encode(encoding))


# --------------------------------------------------------------------------- the specs


def test_every_record_table_of_the_model_has_a_table_spec():
    # a new tuple-of-records field in the model must become a table (or a settings list)
    paths = {spec.path for spec in TABLES}
    found = set()

    def walk(model, prefix):
        for name, info in model.model_fields.items():
            from composer.io.fields import kind_of

            kind = kind_of(info)
            if kind.base == "model" and kind.many:
                found.add((*prefix, name))
            elif kind.base == "model":
                walk(kind.model, (*prefix, name))

    walk(Instance, ())
    assert found - paths == {("sources",)}  # sources is a list among the settings
    assert paths <= found


def test_free_text_fields_default_to_empty_text():
    # an empty text cell reads as "": safe only while no text field has another default
    for spec in TABLES:
        for column in spec.columns:
            if column.kind.base == "text" and not column.kind.many:
                assert column.required or column.default == "", column.name


def test_columns_are_flattened_with_dots():
    names = [c.name for c in flatten(Facilitator)]
    assert "available_days" in names
    learners = next(t for t in TABLES if t.name == "learners")
    assert [c.name for c in learners.columns if c.name.startswith("roster.")] == [
        "roster.mon",
        "roster.tue",
        "roster.wed",
        "roster.thu",
        "roster.fri",
    ]


# --------------------------------------------------------------------------- cells


def test_list_cells_split_and_escape():
    assert split_list("a; b ;c") == ["a", "b", "c"]
    assert split_list(r"x\;y;z\\") == ["x;y", "z\\"]
    assert split_list(r"C:\temp") == [r"C:\temp"]  # an unknown escape stays as typed


@given(st.lists(st.text(min_size=1).filter(lambda t: t.strip() == t and t), max_size=4))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_list_cell_text_round_trips(items):
    themes = next(c for t in TABLES for c in t.columns if c.name == "themes")
    assert value_from_text(text_of(tuple(items), themes), themes) == (
        items or value_from_text("", themes)
    )


def test_empty_list_with_nonempty_default_is_a_dash():
    days = next(
        c
        for t in TABLES
        if t.name == "facilitators"
        for c in t.columns
        if c.name == "available_days"
    )
    assert text_of((), days) == "-"
    assert value_from_text("-", days) == []


# --------------------------------------------------------------------------- CSV accepted


def test_dutch_excel_csv_is_accepted(base_copy):
    # semicolons, decimal commas, a BOM, CRLF, Dutch booleans, weekdays and holiday regions,
    # upper-case sectors, dd-mm-yyyy dates: what Dutch Excel writes
    _write(
        base_copy,
        "schools.csv",
        "\ufeffid;name;sector;region;holiday_region;lat;lon;bv_subsidy;training_school\r\n"
        "02QZ00;Stedelijk Gymnasium;VO;utrecht;Midden;52,0907;5,1214;nee;WAAR\r\n"
        "03AB00;Christelijk Lyceum Zeist;vo;utrecht;middle;52,0894;5,2312;Ja;onwaar\r\n"
        "0012;OBS De Regenboog;po;utrecht;noord;52,1003;5,0921;1;0\r\n"
        "04CD00;Het Kompas;po;utrecht;zuid;52,0712;5,1377;true;false\r\n"
        "05EF00;De Wissel;po;amersfoort;middle;52,1561;5,3878;yes;no\r\n"
        "06GH00;Amersfoortse Lyceum;vo;amersfoort;middle;52,1589;5,3793;;\r\n",
    )
    _write(
        base_copy,
        "unavailability.csv",
        "who;start;end;reason\r\nio1;02-11-2026;6/11/2026;ziek\r\n",
    )
    text = (base_copy / "facilitators.csv").read_text().replace(",tue,,", ",di,,")
    text = text.replace("mon;tue;thu", "maandag;Dinsdag;DO")
    _write(base_copy, "facilitators.csv", text)
    inst = load_instance(base_copy)
    s = {school.id: school for school in inst.schools}
    assert s["02QZ00"].sector == "vo" and s["02QZ00"].holiday_region == "middle"
    assert s["02QZ00"].lat == 52.0907 and s["02QZ00"].training_school is True
    assert s["03AB00"].bv_subsidy is True and s["03AB00"].training_school is False
    assert s["0012"].holiday_region == "north" and s["0012"].bv_subsidy is True
    assert s["04CD00"].holiday_region == "south"
    assert [u.start for u in inst.unavailability] == [dt.date(2026, 11, 2)]
    assert inst.unavailability[0].end == dt.date(2026, 11, 6)
    f = {fac.id: fac for fac in inst.facilitators}
    assert f["io1"].available_days == ("tue",)
    assert f["so2"].available_days == ("mon", "tue", "thu")


def test_ids_keep_leading_zeros(base_copy):
    inst = load_instance(base_copy)
    assert "0012" in {s.id for s in inst.schools}
    assert inst.bv.wishes[0].school_a == "0012"


def test_header_only_and_absent_tables_are_fine(base_copy):
    _write(base_copy, "bv_wishes.csv", "kind,school_a,school_b,reason\n")
    (base_copy / "travel_times.csv").unlink()
    inst = load_instance(base_copy)
    assert inst.bv.wishes == () and inst.travel_times == ()


def test_blank_rows_skipped_and_counted(base_copy):
    text = (base_copy / "regions.csv").read_text()
    _write(base_copy, "regions.csv", text.replace("\namersfoort", "\n\n,\n , \namersfoort"))
    assert len(load_instance(base_copy).regions) == 2


def test_note_columns_and_files_are_ignored(base_copy):
    text = (base_copy / "regions.csv").read_text().splitlines()
    rows = [text[0] + ",#opmerking"] + [line + ",bellen in mei" for line in text[1:]]
    _write(base_copy, "regions.csv", "\n".join(rows) + "\n")
    _write(base_copy, "#notes.csv", "anything,at,all\n")
    _write(base_copy, "SOURCES.md", "# where the data comes from\n")
    assert len(load_instance(base_copy).regions) == 2


def test_columns_in_any_order_and_case(base_copy):
    _write(
        base_copy, "regions.csv", "Name,ID\nOnderwijsregio Utrecht,utrecht\nAmersfoort,amersfoort\n"
    )
    assert {r.id for r in load_instance(base_copy).regions} == {"utrecht", "amersfoort"}


def test_every_problem_of_every_file_at_once(base_copy):
    text = (base_copy / "learners.csv").read_text().replace("zij_instromer", "leraar")
    _write(base_copy, "learners.csv", text)
    text = (base_copy / "schools.csv").read_text().replace(",310,", ",veel,")
    _write(base_copy, "schools.csv", text)
    _write(base_copy, "regions.csv", "id,nam\nutrecht,U\namersfoort,A\n")
    with pytest.raises(InputError) as info:
        load_instance(base_copy)
    where = [issue.where() for issue in info.value.issues]
    assert "learners.csv, row 6, column kind" in where
    assert "schools.csv, row 4, column pupils" in where
    assert "regions.csv, row 1, column nam" in where
    assert "regions.csv, row 1" in where  # missing required column 'name'


def test_cross_row_checks_wait_for_readable_files(base_copy):
    # schools.csv cannot be read: no flood of "unknown school" for every learner
    (base_copy / "schools.csv").write_bytes("id,name\nx,Caf\xe9\n".encode("cp1252"))
    with pytest.raises(InputError) as info:
        load_instance(base_copy)
    assert len(info.value.issues) == 1
    assert "Windows-1252" in info.value.issues[0].message


# --------------------------------------------------------------------------- workbook


@pytest.fixture
def workbook(tmp_path) -> Path:
    path = tmp_path / "base.xlsx"
    write_instance(load_instance(BASE), path, "xlsx")
    return path


def test_written_workbook_is_planner_friendly(workbook):
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames[:2] == ["README", "settings"]
    assert wb.sheetnames[2:] == [t.name for t in TABLES]
    assert "composer instance: base" in wb["README"]["A1"].value
    ws = wb["holidays"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:D12"
    assert ws["A1"].font.bold
    assert isinstance(ws["C2"].value, dt.datetime)  # a real date, shown dd-mm-yyyy
    assert ws["C2"].number_format == "dd-mm-yyyy"
    assert ws.column_dimensions["B"].width >= len("Voorjaarsvakantie")
    schools = wb["schools"]
    assert schools["A4"].value == "0012" and schools["A4"].data_type == "s"
    assert isinstance(schools["F2"].value, float)  # a real number
    assert schools["L2"].value is False  # a real boolean
    tn = wb["tn_networks"]  # tn-2 has a kick-off date; the numbers after it stay numbers
    assert isinstance(tn["G3"].value, dt.datetime) and tn["G3"].number_format == "dd-mm-yyyy"
    assert tn["K3"].value == 2 and tn["K3"].number_format == "General"
    settings_rows = {r[0]: r[1] for r in wb["settings"].iter_rows(min_row=2, values_only=True)}
    assert settings_rows["bv.min_size"] == 2
    assert settings_rows["sources.2.url"] == "https://www.openholidaysapi.org"
    assert settings_rows["bv.meeting_weekdays"] == "tue;wed;thu"


def test_workbook_edited_by_a_planner_is_read(workbook, tmp_path):
    wb = openpyxl.load_workbook(workbook)
    ws = wb["learners"]
    ws["F2"] = 3  # a number typed in a number column
    ws["P2"] = '=LOWER("X@EXAMPLE.NL")'  # a formula: no saved value, see below
    ws["Q1"] = "#notes"
    ws["Q2"] = "called in May"
    wb["unavailability"]["B2"] = 46398  # an Excel serial date (2027-01-11)
    wb["unavailability"]["B2"].number_format = "General"
    wb.create_sheet("#scratch")["A1"] = "anything"
    wb["settings"].append(["#comment", "ignored"])
    path = tmp_path / "edited.xlsx"
    wb.save(path)
    with pytest.raises(InputError, match="no saved value"):
        load_instance(path)
    wb["learners"]["P2"] = "sanne@example.nl"
    wb.save(path)
    inst = load_instance(path)
    assert inst.learners[0].year == 3
    assert inst.unavailability[0].start == dt.date(2027, 1, 11)


def test_formula_with_saved_value_is_read(workbook, tmp_path):
    # Excel stores a formula's last result; simulate a workbook saved by Excel
    import zipfile

    wb = openpyxl.load_workbook(workbook)
    wb["schools"]["H2"] = "=800+20"
    path = tmp_path / "formula.xlsx"
    wb.save(path)
    patched = tmp_path / "saved-by-excel.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if b"<f>800+20</f>" in data:
                assert b"<f>800+20</f><v /></c>" in data
                data = data.replace(b"<f>800+20</f><v /></c>", b"<f>800+20</f><v>820</v></c>")
            dst.writestr(item, data)
    inst = load_instance(patched)
    assert next(s for s in inst.schools if s.id == "02QZ00").pupils == 820


def test_settings_sheet_records_may_be_numbered_freely(workbook, tmp_path):
    wb = openpyxl.load_workbook(workbook)
    ws = wb["settings"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value and row[0].value.startswith("sources.2."):
            row[0].value = row[0].value.replace("sources.2.", "sources.7.")
    path = tmp_path / "renumbered.xlsx"
    wb.save(path)
    assert load_instance(path) == load_instance(BASE)


# --------------------------------------------------------------------------- safe writing


def test_convert_refuses_existing_output_and_force_replaces(cli, tmp_path):
    out = tmp_path / "x.json"
    out.write_text("old")
    refused = cli("convert", BASE, "--out", out)
    assert refused.exit_code == 2 and "already exists" in refused.output
    assert out.read_text() == "old"
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    assert cli("convert", BASE, "--to", "csv", "--out", folder).exit_code == 2
    assert (folder / "keep.txt").read_text() == "mine"
    assert cli("convert", BASE, "--out", out, "--force").exit_code == 0
    assert load_instance(out) == load_instance(BASE)
    assert cli("convert", BASE, "--to", "csv", "--out", folder, "--force").exit_code == 0
    assert not (folder / "keep.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "x.json"]


def test_convert_refuses_mismatched_format_and_name(cli, tmp_path):
    result = cli("convert", BASE, "--to", "xlsx", "--out", tmp_path / "x.json")
    assert result.exit_code == 2 and "--to xlsx but --out" in result.output
    assert not (tmp_path / "x.json").exists()


def test_a_failed_write_leaves_the_old_output(tmp_path, monkeypatch):
    out = tmp_path / "inst"
    write_instance(load_instance(BASE), out, "csv")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    import composer.io.csv_io as csv_io

    def boom(instance, spec):
        if spec.name == "learners":
            raise KeyboardInterrupt  # killed half-way
        return original(instance, spec)

    original = csv_io.table_csv
    monkeypatch.setattr(csv_io, "table_csv", boom)
    with pytest.raises(KeyboardInterrupt):
        write_instance(load_instance(BASE), out, "csv", force=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inst"]  # no temporary left


# --------------------------------------------------------------------------- fuzz


@given(st.binary(max_size=300))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_any_bytes_give_only_input_errors(tmp_path, data):
    # a learners.csv of random bytes, and a workbook of random bytes: never a traceback
    folder = tmp_path / "fuzz"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(BASE, folder)
    (folder / "learners.csv").write_bytes(data)
    with contextlib.suppress(InputError):
        load_instance(folder)
    (tmp_path / "fuzz.xlsx").write_bytes(b"PK\x03\x04" + data)
    with pytest.raises(InputError):
        load_instance(tmp_path / "fuzz.xlsx")


@given(st.text(max_size=200))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_any_settings_text_gives_only_input_errors(tmp_path, text):
    folder = tmp_path / "fuzz-yaml"
    if not folder.exists():
        shutil.copytree(BASE, folder)
    (folder / "instance.yaml").write_text(text, encoding="utf-8")
    with contextlib.suppress(InputError):
        load_instance(folder)


def test_damaged_sheet_and_hostile_text_give_input_errors(tmp_path, workbook):
    import zipfile

    damaged = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(workbook) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.endswith("sheet7.xml"):  # learners
                data = data[: len(data) * 9 // 10]  # cut short
            dst.writestr(item, data)
    with pytest.raises(InputError, match=r"cannot open the workbook|cannot read the sheet"):
        load_instance(damaged)

    folder = tmp_path / "aliases"
    shutil.copytree(BASE, folder)
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nname: base\n"
    (folder / "instance.yaml").write_text(bomb)
    with pytest.raises(InputError, match="aliases"):
        load_instance(folder)
    (folder / "instance.yaml").write_text("name: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(InputError, match="nested"):
        load_instance(folder)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError):
        load_instance(deep)
