"""The real-data builder: sector and holiday-region mapping, known-error corrections.

Most tests read the tables shipped in the package; the rebuild test needs the raw
public data folder (``../shared/data`` next to the repository, or ``COMPOSER_DATA``) and
is skipped without it.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
from importlib import resources
from pathlib import Path

import pytest

from composer.builders.real_data import (
    HOLIDAY_CORRECTIONS,
    assign_holiday_regions,
    gzip_bytes,
    holidays_to_csv,
    read_holidays,
    read_schools,
    schools_to_csv,
    sector_of,
)
from composer.builders.tables import (
    load_tables,
    nl_calendar,
    packaged_tables,
    region_id,
    to_school,
)
from composer.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def raw_data_dir() -> Path | None:
    """The raw public data folder, when this checkout can see one."""
    for candidate in (os.environ.get("COMPOSER_DATA"), ROOT.parent / "shared" / "data"):
        if candidate and (Path(candidate) / "duo_po_vestigingen.csv").is_file():
            return Path(candidate)
    return None


needs_raw = pytest.mark.skipif(raw_data_dir() is None, reason="raw ../shared/data not present")


@pytest.mark.parametrize(
    ("duo_type", "sector"),
    [
        ("basisschool", "po"),
        ("SBAO", "go"),
        ("SO", "go"),
        ("VSO", "go"),
        ("(V)SO", "go"),
        ("PRO", "vo"),
        ("BRUGJAAR", "vo"),
        ("VBO/MAVO", "vo"),
        ("VBO/MAVO/HAVO/VWO/PRO", "vo"),
        ("HAVO/VWO", "vo"),
    ],
)
def test_sector_of_known_types(duo_type: str, sector: str) -> None:
    assert sector_of(duo_type) == sector


@pytest.mark.parametrize("duo_type", ["MBO", "VWO/MBO", "", "basis school"])
def test_sector_of_refuses_unknown_types(duo_type: str) -> None:
    with pytest.raises(ValueError, match="unknown DUO school type"):
        sector_of(duo_type)


def _school(code: str):
    return next(s for s in packaged_tables().schools if s.id == code)


def test_packaged_table_is_deduplicated_and_complete() -> None:
    schools = packaged_tables().schools
    ids = [s.id for s in schools]
    assert len(ids) == len(set(ids)) == 8622  # 8,717 features, 95 repeats dropped
    assert {s.sector for s in schools} == {"po", "vo", "go"}
    assert len({s.region for s in schools}) == 25
    assert all(s.holiday_region in {"north", "middle", "south"} for s in schools)
    assert sum(s.pupils is None for s in schools) == 208


def test_tiel_schools_are_middle_not_south() -> None:
    # OpenHolidays puts Tiel in the south; every DUO school in Tiel says middle.
    tiel = [s for s in packaged_tables().schools if s.municipality == "TIEL"]
    assert tiel
    assert {s.holiday_region for s in tiel} == {"middle"}
    assert _school("00RT01").holiday_region_source == "municipality"  # a (V)SO, not in DUO po


def test_split_municipalities_use_the_school_or_its_nearest_primary_school() -> None:
    # Montferland spans middle and south: a primary school keeps its own DUO region ...
    assert _school("03QS00").holiday_region == "south"
    assert _school("03QS00").holiday_region_source == "duo_school"
    # ... and a secondary school takes the nearest DUO primary school's region
    # (Liemers College Didam, next to 03QS00), not the municipality's majority (middle).
    liemers = _school("16SK01")
    assert (liemers.sector, liemers.holiday_region) == ("vo", "south")
    assert liemers.holiday_region_source == "nearest_duo_school"


def test_assign_holiday_regions_rules() -> None:
    rows = [
        {"vestigingscode": "A", "gemeente": "SPLIT", "lat": 52.0, "lon": 5.0},
        {"vestigingscode": "B", "gemeente": "SPLIT", "lat": 51.0, "lon": 5.0},
        {"vestigingscode": "C", "gemeente": "SPLIT", "lat": 51.1, "lon": 5.0},  # near B
        {"vestigingscode": "D", "gemeente": "PLAIN", "lat": 51.1, "lon": 5.0},
    ]
    result = assign_holiday_regions(
        rows,
        own_region={"A": "north", "B": "south"},
        municipality_region={"SPLIT": "north", "PLAIN": "middle"},
        ambiguous={"SPLIT"},
    )
    assert result == [
        ("north", "duo_school"),
        ("south", "duo_school"),
        ("south", "nearest_duo_school"),
        ("middle", "municipality"),
    ]
    with pytest.raises(InputError, match="no holiday region"):
        assign_holiday_regions(
            [{"vestigingscode": "E", "gemeente": "NOWHERE", "lat": 52.0, "lon": 5.0}],
            {},
            {},
            set(),
        )


def test_south_spring_holiday_2027_is_corrected() -> None:
    spring = [
        h
        for h in packaged_tables().holidays
        if h.holiday_region == "south" and h.start == dt.date(2027, 2, 13)
    ]
    assert len(spring) == 1
    assert spring[0].end == dt.date(2027, 2, 21)  # the source says 2027-03-21
    assert "corrected" in spring[0].note
    assert HOLIDAY_CORRECTIONS[0].right_end == spring[0].end


def test_calendar_of_two_school_years() -> None:
    cal = nl_calendar(packaged_tables().holidays)
    assert [y.id for y in cal.school_years] == ["2026-2027", "2027-2028"]
    assert cal.school_years[0].start == dt.date(2026, 8, 1)
    assert len(cal.time_blocks) == 5
    # the summer holiday 2026 reaches into the first school year and is kept
    middle_summer = [
        h for h in cal.holidays if h.holiday_region == "middle" and h.start.year == 2026
    ]
    assert middle_summer[0].end == dt.date(2026, 8, 30)
    # every region has autumn, Christmas, spring, May and summer holidays in both years
    for region in ("north", "middle", "south"):
        names = [h.name for h in cal.holidays if h.holiday_region == region]
        assert names.count("Herfstvakantie") == 2
        assert names.count("Kerstvakantie") == 2
    days = {p.date for p in cal.public_holidays}
    assert dt.date(2027, 4, 27) in days  # Koningsdag
    assert dt.date(2026, 4, 27) not in days  # before the first school year


def test_to_school_and_region_ids() -> None:
    assert region_id("Utrecht en omstreken") == "utrecht-en-omstreken"
    assert region_id("Apeldoorn en midden-IJsselgebied") == "apeldoorn-en-midden-ijsselgebied"
    school = to_school(_school("00RT01"), bv_subsidy=True)
    assert school.region == "oostelijk-maas-waalgebied"
    assert school.bv_subsidy and not school.bv_individual_support


def test_gzip_is_reproducible() -> None:
    assert gzip_bytes("a,b\n1,2\n") == gzip_bytes("a,b\n1,2\n")
    assert gzip.decompress(gzip_bytes("x")) == b"x"


@needs_raw
def test_shipped_tables_equal_a_rebuild_from_raw_data() -> None:
    raw = raw_data_dir()
    assert raw is not None
    schools, report = read_schools(raw)
    holidays = read_holidays(raw, report)
    data = resources.files("composer") / "data"
    assert gzip_bytes(schools_to_csv(schools)) == (data / "schools_nl.csv.gz").read_bytes()
    assert holidays_to_csv(holidays) == (data / "holidays_nl.csv").read_text(encoding="utf-8")
    assert report.counts["geojson repeats dropped"] == 95
    assert any("2027-02-21" in line for line in report.corrections)
    assert load_tables(raw).schools == packaged_tables().schools


def test_missing_raw_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        read_schools(tmp_path)
    assert "duo_po_vestigingen.csv" in exc.value.render()
