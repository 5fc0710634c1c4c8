"""Read the public Dutch school data into school and holiday rows.

The raw folder (``../shared/data`` in the project layout; always passed in, never
hard-coded) holds, see its README:

- ``nl_schools_2024-11_edugis.geo.zip``: DUO address lists of Nov 2024 geocoded with BAG
  (CC0), one GeoJSON point per school location (vestiging);
- ``duo_po_vestigingen.csv``: DUO's primary-school list with each school's own holiday
  region (``VAKANTIEREGIO``) and board (CC0);
- ``duo_leerlingen_per_vestiging.csv``: pupils per location 1996-2025 (CC0);
- ``gemeente_regions_from_duo_po.csv``: municipality -> holiday region, derived from the
  DUO primary-school list (CC0);
- ``openholidays_nl_holidays.school.csv``: school holidays per holiday region, from the
  OpenHolidays API data (ODbL 1.0, attribute "OpenHolidays API").

Decisions (each documented where it is made, and in ``composer/data/README.md``):

- **Deduplication.** The GeoJSON repeats 74 ``vestigingscode``s: the same location with
  a different house-number letter or a slightly different geocode, every other field
  equal. The first occurrence in file order is kept.
- **Sector** (:func:`sector_of`): ``basisschool`` is *po*; special and specialised
  education -- ``SO``, ``VSO``, ``(V)SO`` and ``SBAO`` (speciaal basisonderwijs) -- is
  *go*, the "gespecialiseerd onderwijs" that the basisvaardigheden subsidy treats as its
  own sector; every secondary type (``VBO``, ``MAVO``, ``HAVO``, ``VWO``, ``PRO``
  praktijkonderwijs, ``BRUGJAAR``, and their ``/`` combinations) is *vo*. An unknown type
  is an error, not a guess.
- **Region**: DUO's ``onderwijsgebied`` (the 2025 onderwijsregio's are not published in
  machine-readable form).
- **Holiday region** (:func:`assign_holiday_regions`): a school in DUO's primary-school
  list takes its own ``VAKANTIEREGIO``. Every other school takes its municipality's
  region from ``gemeente_regions_from_duo_po.csv`` (DUO-derived, so Tiel is *middle* as
  all its DUO schools say, not *south* as the OpenHolidays municipality list has it).
  Where that municipality spans two holiday regions (Montferland, Neder-Betuwe, Altena,
  De Ronde Venen: ``AMBIGUOUS_COLUMNS`` names ``VAKANTIEREGIO``) the school takes the
  region of the nearest DUO primary school in the same municipality.
- **Pupils**: the GeoJSON ``leerlingen``; where missing, the latest year with a positive
  count in ``duo_leerlingen_per_vestiging.csv``; else unknown (``None``).
- **Board** (bevoegd gezag): from the DUO primary-school list or the pupil file where the
  school is listed there; secondary schools have no board in these files (empty).
- **Holidays**: the OpenHolidays school holidays mapped NO/MI/ZU -> north/middle/south,
  with the corrections in :data:`HOLIDAY_CORRECTIONS` applied and noted on the row;
  public holidays from the ``holidays`` package (Netherlands, Dutch names) are baked into
  the table so a generated instance never depends on the installed package version.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from composer.errors import InputError, Issue
from composer.model.index import great_circle_km

GEOJSON_ZIP = "nl_schools_2024-11_edugis.geo.zip"
DUO_PO = "duo_po_vestigingen.csv"
DUO_PUPILS = "duo_leerlingen_per_vestiging.csv"
MUNICIPALITY_REGIONS = "gemeente_regions_from_duo_po.csv"
OPENHOLIDAYS = "openholidays_nl_holidays.school.csv"
REQUIRED_FILES = (GEOJSON_ZIP, DUO_PO, DUO_PUPILS, MUNICIPALITY_REGIONS, OPENHOLIDAYS)

SCHOOL_TABLE = "schools_nl.csv.gz"
HOLIDAY_TABLE = "holidays_nl.csv"

GO_TYPES = frozenset({"SO", "VSO", "(V)SO", "SBAO"})
"""Special (SO, VSO, (V)SO) and special primary (SBAO) education: sector go."""
VO_TOKENS = frozenset({"VBO", "MAVO", "HAVO", "VWO", "PRO", "BRUGJAAR"})
"""Secondary education streams; any ``/`` combination of them is sector vo."""

DUO_HOLIDAY_REGION = {"Noord": "north", "Midden": "middle", "Zuid": "south"}
OPENHOLIDAYS_REGION = {"NO": "north", "MI": "middle", "ZU": "south"}

PUBLIC_HOLIDAY_YEARS = range(2019, 2030)
"""Calendar years whose public holidays are baked into the holiday table."""


@dataclass(frozen=True)
class HolidayCorrection:
    """A known error in the OpenHolidays file and its official value."""

    holiday_region: str
    start: dt.date
    wrong_end: dt.date
    right_end: dt.date
    note: str


HOLIDAY_CORRECTIONS: tuple[HolidayCorrection, ...] = (
    HolidayCorrection(
        holiday_region="south",
        start=dt.date(2027, 2, 13),
        wrong_end=dt.date(2027, 3, 21),
        right_end=dt.date(2027, 2, 21),
        note="corrected: OpenHolidays gives 2027-03-21 as the end of the south spring "
        "holiday 2027; the official date (rijksoverheid.nl) is 2027-02-21",
    ),
)
"""Corrections applied to ``openholidays_nl_holidays.school.csv`` (see the data README)."""


@dataclass(frozen=True)
class SchoolRecord:
    """One school location of the derived table (one row of ``schools_nl.csv.gz``)."""

    id: str
    name: str
    duo_type: str
    sector: str
    region: str
    holiday_region: str
    holiday_region_source: str
    lat: float
    lon: float
    pupils: int | None
    pupils_source: str
    board: str
    municipality: str
    postcode: str


SCHOOL_COLUMNS = tuple(SchoolRecord.__dataclass_fields__)


@dataclass(frozen=True)
class HolidayRecord:
    """One school holiday of a holiday region, or one public holiday (``holiday_region`` "")."""

    kind: str
    holiday_region: str
    name: str
    start: dt.date
    end: dt.date
    note: str = ""


HOLIDAY_COLUMNS = tuple(HolidayRecord.__dataclass_fields__)


@dataclass
class BuildReport:
    """What the builder did: counts a README can quote and a test can check."""

    counts: Counter[str] = field(default_factory=Counter)
    corrections: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines for the terminal."""
        out = [f"{key}: {value}" for key, value in sorted(self.counts.items())]
        out.extend(f"correction: {text}" for text in self.corrections)
        return out


def sector_of(duo_type: str) -> str:
    """The sector (po, vo, go) of a DUO school type from the GeoJSON ``type`` field.

    ``basisschool`` -> po; ``SO``, ``VSO``, ``(V)SO``, ``SBAO`` -> go; any ``/``
    combination of VBO, MAVO, HAVO, VWO, PRO, BRUGJAAR -> vo. Raises ``ValueError`` for an
    unknown type, so a new DUO category is noticed instead of silently misfiled.
    """
    text = duo_type.strip()
    if text == "basisschool":
        return "po"
    if text in GO_TYPES:
        return "go"
    tokens = text.split("/")
    if tokens and all(token in VO_TOKENS for token in tokens):
        return "vo"
    raise ValueError(f"unknown DUO school type {duo_type!r}")


def _require(data_dir: Path) -> None:
    missing = [name for name in REQUIRED_FILES if not (data_dir / name).is_file()]
    if missing:
        raise InputError(
            [
                Issue(
                    f"the school data folder lacks {name}",
                    str(data_dir),
                    fix="pass --data with the folder holding the public school data "
                    "(../shared/data in the project layout)",
                )
                for name in missing
            ]
        )


def _read_csv(path: Path, encoding: str) -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return [
            {k.strip(): (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(handle, delimiter=";")
        ]


def _geojson_rows(data_dir: Path, report: BuildReport) -> list[dict[str, Any]]:
    """The GeoJSON features as flat dicts, deduplicated by ``vestigingscode``."""
    with zipfile.ZipFile(data_dir / GEOJSON_ZIP) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".json"))
        data = json.loads(archive.read(name).decode("utf-8"))
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for feature in data["features"]:
        props = dict(feature["properties"])
        code = str(props["vestigingscode"]).strip()
        report.counts["geojson features"] += 1
        if code in seen:
            report.counts["geojson repeats dropped"] += 1
            continue
        seen.add(code)
        lon, lat = feature["geometry"]["coordinates"][:2]
        props["lon"], props["lat"] = float(lon), float(lat)
        rows.append(props)
    return rows


def _latest_pupils(row: dict[str, str]) -> int | None:
    years = sorted(
        (int(key.rsplit("_", 1)[1]), value)
        for key, value in row.items()
        if key.startswith("LEERLINGEN_")
    )
    for _, value in reversed(years):
        if value.isdigit() and int(value) > 0:
            return int(value)
    return None


def assign_holiday_regions(
    rows: list[dict[str, Any]],
    own_region: dict[str, str],
    municipality_region: dict[str, str],
    ambiguous: set[str],
) -> list[tuple[str, str]]:
    """(holiday region, source) per row, in row order.

    ``own_region`` maps a vestigingscode to its DUO ``VAKANTIEREGIO`` (already mapped to
    north/middle/south); ``municipality_region`` maps a municipality name to its region;
    ``ambiguous`` names municipalities spanning two regions, where the nearest school
    with its own region in the same municipality decides.
    """
    anchors: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for row in rows:
        region = own_region.get(row["vestigingscode"])
        if region is not None:
            anchors[row["gemeente"]].append((row["lat"], row["lon"], region))
    result: list[tuple[str, str]] = []
    for row in rows:
        code, town = row["vestigingscode"], row["gemeente"]
        if code in own_region:
            result.append((own_region[code], "duo_school"))
        elif town in ambiguous and anchors.get(town):
            nearest = min(
                anchors[town],
                key=lambda a: (great_circle_km(row["lat"], row["lon"], a[0], a[1]), a[2]),
            )
            result.append((nearest[2], "nearest_duo_school"))
        elif town in municipality_region:
            result.append((municipality_region[town], "municipality"))
        else:
            raise InputError(
                [
                    Issue(
                        f"school {code}: municipality {town!r} has no holiday region",
                        MUNICIPALITY_REGIONS,
                        fix="add the municipality to the lookup table",
                    )
                ]
            )
    return result


def read_schools(data_dir: Path) -> tuple[list[SchoolRecord], BuildReport]:
    """Every distinct school location in the raw data folder, sorted by id."""
    data_dir = Path(data_dir)
    _require(data_dir)
    report = BuildReport()
    rows = _geojson_rows(data_dir, report)

    po_rows = {r["VESTIGINGSCODE"]: r for r in _read_csv(data_dir / DUO_PO, "cp1252")}
    pupil_rows = {r["VESTIGINGSCODE"]: r for r in _read_csv(data_dir / DUO_PUPILS, "utf-8-sig")}
    own_region = {
        code: DUO_HOLIDAY_REGION[r["VAKANTIEREGIO"]]
        for code, r in po_rows.items()
        if r.get("VAKANTIEREGIO") in DUO_HOLIDAY_REGION
    }
    municipality_region: dict[str, str] = {}
    ambiguous: set[str] = set()
    for r in _read_csv(data_dir / MUNICIPALITY_REGIONS, "utf-8-sig"):
        name = r["GEMEENTENAAM"]
        if r["VAKANTIEREGIO"] in DUO_HOLIDAY_REGION:
            municipality_region[name] = DUO_HOLIDAY_REGION[r["VAKANTIEREGIO"]]
        if "VAKANTIEREGIO" in r.get("AMBIGUOUS_COLUMNS", "").split(","):
            ambiguous.add(name)
    holiday = assign_holiday_regions(rows, own_region, municipality_region, ambiguous)

    records: list[SchoolRecord] = []
    problems: list[Issue] = []
    for row, (hol_region, hol_source) in zip(rows, holiday, strict=True):
        code = str(row["vestigingscode"]).strip()
        try:
            sector = sector_of(str(row["type"]))
        except ValueError as exc:
            problems.append(Issue(f"school {code}: {exc}", GEOJSON_ZIP, column="type"))
            continue
        pupils = row.get("leerlingen")
        pupils_source = "geojson"
        if pupils is None:
            pupils = _latest_pupils(pupil_rows[code]) if code in pupil_rows else None
            pupils_source = "duo_pupils_latest" if pupils is not None else "unknown"
        board = ""
        if code in po_rows:
            board = po_rows[code]["BEVOEGD GEZAG NUMMER"]
        elif code in pupil_rows:
            board = pupil_rows[code]["BEVOEGD_GEZAG_NUMMER"]
        records.append(
            SchoolRecord(
                id=code,
                name=" ".join(str(row["naam"]).split()),
                duo_type=str(row["type"]).strip(),
                sector=sector,
                region=str(row["onderwijsgebied"]).strip(),
                holiday_region=hol_region,
                holiday_region_source=hol_source,
                lat=round(row["lat"], 6),
                lon=round(row["lon"], 6),
                pupils=int(pupils) if pupils is not None else None,
                pupils_source=pupils_source,
                board=board,
                municipality=str(row["gemeente"]).strip(),
                postcode=str(row["postcode"]).replace(" ", ""),
            )
        )
        report.counts[f"sector {sector}"] += 1
        report.counts[f"holiday region from {hol_source}"] += 1
        report.counts[f"pupils from {pupils_source}"] += 1
        if board:
            report.counts["board known"] += 1
    if problems:
        raise InputError(problems)
    records.sort(key=lambda r: r.id)
    report.counts["schools"] = len(records)
    return records, report


def _dutch_name(field_value: str) -> str:
    for part in field_value.split(","):
        part = part.strip()
        if part.startswith("NL "):
            return part[3:].strip()
    return field_value.split(",")[0].strip()


def read_holidays(data_dir: Path, report: BuildReport | None = None) -> list[HolidayRecord]:
    """School holidays per holiday region (corrected) and Dutch public holidays.

    School holidays come from the OpenHolidays file with :data:`HOLIDAY_CORRECTIONS`
    applied; public holidays of :data:`PUBLIC_HOLIDAY_YEARS` from the ``holidays``
    package. Sorted by start date, kind and holiday region.
    """
    import holidays as holidays_pkg

    data_dir = Path(data_dir)
    _require(data_dir)
    report = report if report is not None else BuildReport()
    records: list[HolidayRecord] = []
    applied: set[int] = set()
    for row in _read_csv(data_dir / OPENHOLIDAYS, "utf-8-sig"):
        start = dt.date.fromisoformat(row["StartDate"])
        source_end = dt.date.fromisoformat(row["EndDate"])
        name = _dutch_name(row["Name"])
        for group in row["Groups"].split(","):
            region = OPENHOLIDAYS_REGION[group.strip()]
            end, note = source_end, ""
            for i, fix in enumerate(HOLIDAY_CORRECTIONS):
                if (fix.holiday_region, fix.start, fix.wrong_end) == (region, start, end):
                    end, note = fix.right_end, fix.note
                    applied.add(i)
                    report.corrections.append(f"{region} {name} {start}: {fix.note}")
            records.append(HolidayRecord("school", region, name, start, end, note))
    for i, fix in enumerate(HOLIDAY_CORRECTIONS):
        if i not in applied:
            report.corrections.append(
                f"not applied (the source no longer has the error): {fix.holiday_region} "
                f"{fix.start}..{fix.wrong_end}"
            )
    public = holidays_pkg.country_holidays("NL", years=list(PUBLIC_HOLIDAY_YEARS), language="nl")
    for day, name in sorted(public.items()):
        records.append(HolidayRecord("public", "", str(name), day, day, "holidays package"))
    records.sort(key=lambda h: (h.start, h.kind, h.holiday_region, h.name))
    report.counts["school holidays"] = sum(1 for h in records if h.kind == "school")
    report.counts["public holidays"] = sum(1 for h in records if h.kind == "public")
    return records


# --------------------------------------------------------------------------- tables


def schools_to_csv(records: list[SchoolRecord]) -> str:
    """The school table as CSV text (comma-separated, UTF-8, one header row)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SCHOOL_COLUMNS)
    for r in records:
        writer.writerow(
            ["" if getattr(r, col) is None else getattr(r, col) for col in SCHOOL_COLUMNS]
        )
    return buffer.getvalue()


def holidays_to_csv(records: list[HolidayRecord]) -> str:
    """The holiday table as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HOLIDAY_COLUMNS)
    for h in records:
        writer.writerow([h.kind, h.holiday_region, h.name, h.start, h.end, h.note])
    return buffer.getvalue()


def gzip_bytes(text: str) -> bytes:
    """Gzip ``text`` reproducibly (no file name, mtime 0): same text, same bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    return buffer.getvalue()


def write_tables(data_dir: Path, out_dir: Path) -> BuildReport:
    """Rebuild ``schools_nl.csv.gz`` and ``holidays_nl.csv`` in ``out_dir`` from raw data."""
    from composer.io.safe_write import atomic_write_bytes, atomic_write_text

    schools, report = read_schools(data_dir)
    holidays = read_holidays(data_dir, report)
    out_dir = Path(out_dir)
    atomic_write_bytes(out_dir / SCHOOL_TABLE, gzip_bytes(schools_to_csv(schools)))
    atomic_write_text(out_dir / HOLIDAY_TABLE, holidays_to_csv(holidays))
    return report
