"""The format reference, generated from the model so it never goes stale.

``python -m composer.io.docs README.md`` rewrites the part of README.md between the
markers ``<!-- formats:begin -->`` and ``<!-- formats:end -->``; a test fails when the
README differs from what this module generates. The same column descriptions fill the
``README`` sheet of every written workbook.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from composer.io.cells import EMPTY_LIST_MARKER, text_of
from composer.io.fields import Column
from composer.io.tabular import (
    DEFAULT_MAX_FILE_MB,
    MAX_FILE_MB_ENV,
    SETTINGS,
    TABLES,
    Setting,
    TableSpec,
)

BEGIN = "<!-- formats:begin -->"
END = "<!-- formats:end -->"

_FALLBACK: dict[str, str] = {
    "id": "unique id of the row",
    "name": "name shown in plans and outputs",
    "lat": "latitude (WGS84, decimal degrees)",
    "lon": "longitude (WGS84, decimal degrees)",
    "email": "e-mail address (for calendars)",
    "reason": "why (free text)",
    "function": "function, e.g. schoolleider, teamleider, ib-er",
    "theme": "the network's theme",
    "kind": "what kind of row this is",
    "date": "the day",
    "minutes": "travel time in minutes",
    "origin": "school the trip starts at",
    "destination": "school the trip ends at",
    "holiday_region": "school-holiday region (north, middle, south)",
    "sector": "po primary, vo secondary, go special/specialised education",
    "region": "education region",
    "institution": "institute (HU, UU, ...)",
    "home_school": "school where the person works",
    "school": "school of the participant",
    "role": "what the facilitator does",
    "type": "opleiding, inductie or mixed (L2)",
    "study_mode": "full-time or part-time student",
    "who": "a learner, facilitator, TN participant or school",
    "school_a": "first school of the wish",
    "school_b": "second school of the wish",
    "composition": "T6: members alike or as diverse as possible",
    "composition_attribute": "T6: the attribute the composition looks at",
    # specific columns and settings (table.column or the settings key) the model does not
    # describe yet
    "learners.kind": "L2: who the learner is (student: HU, uu_student: UU)",
    "learners.preferred_networks": "networks the learner would like (a soft goal)",
    "facilitators.role": "L5/B4/T4: what the facilitator does",
    "bv_wishes.kind": "keep the two schools together or apart",
    "schools.name": "school name (DUO vestiging)",
    "time_blocks.start": "start time, e.g. 08:30",
    "time_blocks.end": "end time, e.g. 10:10",
    "school_years.start": "first day (August)",
    "school_years.end": "last day (July)",
    "holidays.start": "first day of the holiday",
    "holidays.end": "last day of the holiday (inclusive)",
    "unavailability.start": "first day away",
    "unavailability.end": "last day away (inclusive)",
}

_SETTING_FALLBACK: dict[str, str] = {
    "name": "the instance's id, shown in plans and outputs",
    "description": "what the instance is (free text)",
    "sources.name": "where the data comes from",
    "sources.url": "address of the source",
    "sources.licence": "licence of the source",
    "calendar.weekdays": "C1: the weekdays sessions may use",
    "travel.speed_kmh": "average speed for estimated travel times",
    "travel.detour_factor": "road distance over straight-line distance",
    "los.settings.min_size": "L1: fewest learners in a network (default for every network)",
    "los.settings.max_size": "L1: most learners in a network (default for every network)",
    "bv.meeting_weekdays": "B6: weekdays BV meetings may use",
    "bv.meeting_start": "B6: start time of a BV meeting",
    "bv.meeting_end": "B6: end time of a BV meeting",
    "tn.meeting_weekdays": "T1: weekdays TN meetings may use",
    "tn.meeting_start": "T1: start time of a TN meeting",
    "tn.meeting_end": "T1: end time of a TN meeting",
}

CELL_RULES: tuple[str, ...] = (
    "Every cell is read as text and then checked against its column: ids such as 0012 "
    "stay as typed. Ids hold letters, digits, '_', '.' and '-' only (no spaces, no ';').",
    "An empty cell means 'not given': the default applies (free text: empty text).",
    "A list cell holds items separated by ';' (mon;wed). A list of ids or of fixed words "
    "(available_days, roster.mon, components) also takes ',' (mon,wed), as no such item "
    "can hold a comma; a list of free text (themes) does not, a comma being part of the "
    "text there. Inside an item, \\; is a literal ';' and \\\\ a backslash; empty items "
    "are dropped. Where a list's default is not empty (available_days), "
    f"'{EMPTY_LIST_MARKER}' means an empty list.",
    "Nested fields are dotted columns: roster.mon, slot.weekday.",
    "Dates: 2026-09-01, 01-09-2026 (also with / or .) or a real Excel date. Times: 13:30 or 13.30.",
    "Booleans: true/false, ja/nee, waar/onwaar, yes/no, 1/0 (any case).",
    "Fixed words are matched in any case; weekdays also in Dutch (ma, di, wo, do, vr, "
    "za, zo, maandag...), holiday regions also as noord, midden, zuid.",
    "Numbers may use a decimal comma (52,09), as Dutch Excel writes them.",
    "Blank rows are skipped; row numbers in messages are the spreadsheet's (header = "
    "row 1). In a table with ids, a row repeated exactly is an error. A column, sheet or "
    "CSV file whose name starts with '#' is a note and ignored.",
)


def values_text(column: Column, spec: TableSpec | None = None) -> str:
    """What a column holds, in words: ``whole number at least 0``, ``list of ids of schools``."""
    kind = column.kind
    ref = dict(spec.refs).get(column.name) if spec is not None else None
    base = {
        "text": "text",
        "id": f"id of {ref}" if ref else "id",
        "int": "whole number",
        "float": "number",
        "bool": "true/false",
        "date": "date",
        "time": "time",
        "choice": "one of " + ", ".join(kind.choices),
        "model": "record",
    }[kind.base]
    if column.bounds:
        base += f" ({column.bounds})"
    if kind.many:
        base = f"list ({base.replace('id of', 'ids of')}), ';'-separated"
    return base


def default_text(column: Column) -> str:
    """The default shown in the reference ('' when required or empty)."""
    if column.required or column.default in (None, "", ()):
        return ""
    return text_of(column.default, column)


def meaning(column: Column, table: str | None = None) -> str:
    """The column's meaning: the model's description, else a plain fallback."""
    if table is None:
        text = column.description or _SETTING_FALLBACK.get(column.name, "")
    else:
        text = (
            column.description
            or _FALLBACK.get(f"{table}.{column.name}")
            or _FALLBACK.get(column.path[-1], "")
        )
    if column.parent_optional and column.path[0] == "slot":
        text = text or "fixed weekly slot (L4); empty = chosen by the solver"
    if column.path[0] == "roster":
        text = f"time blocks taught on {column.path[-1]} (L4: no network slot there)"
    return text


def record_meaning(list_key: str, column: Column) -> str:
    """The meaning of a field of a record list among the settings (``sources.N.url``)."""
    return column.description or _SETTING_FALLBACK.get(f"{list_key}.{column.name}", "")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_formats() -> str:
    """The README's Formats section (between the markers)."""
    out: list[str] = [
        BEGIN,
        "<!-- generated by `python -m composer.io.docs README.md` from the model; "
        "do not edit by hand -->",
        "",
        "## Formats",
        "",
        "One instance, three ways to write it; `composer convert` turns any into any other "
        "without loss.",
        "",
        "- **CSV folder**: one `<table>.csv` per table below, plus `instance.yaml` with the "
        "settings. UTF-8 with or without BOM (Excel: *CSV UTF-8*); separator `,` or `;` "
        "(Dutch Excel), decided per file from its header row. Windows-1252, UTF-16 and "
        "tab-separated files are refused with the fix. Written: UTF-8 without BOM, `,`, "
        "every table (an empty one as its header row).",
        "- **Excel workbook** (`.xlsx`): a sheet per table (same name, same columns) and a "
        "sheet `settings` with the columns `key` and `value` (a `meaning` column is "
        "ignored); keys are dotted (`los.settings.min_size`), records numbered "
        "(`sources.1.name`). A sheet `README` is ignored. Formulas are read by their saved "
        "value; merged cells, formulas without a saved value and error values are refused.",
        "- **JSON**: the model as one object; `composer schema` prints its JSON Schema.",
        "",
        "Every table is optional (a missing table is empty); a table present with only its "
        "header is fine. A column that refers to a table that is absent is an error. "
        f"Files above {DEFAULT_MAX_FILE_MB:g} MB are refused; set `{MAX_FILE_MB_ENV}=<MB>` to "
        "read larger ones. `instance.yaml` is UTF-8 YAML; its values follow the cell rules "
        "below, and a key given twice is an error.",
        "",
        "### Cells",
        "",
    ]
    out.extend(f"- {_md(rule)}" for rule in CELL_RULES)
    out += ["", "### Tables", ""]
    for spec in TABLES:
        out += [
            f"#### `{spec.name}` — {spec.description}",
            "",
            f"Model path `{spec.dotted_path}`.",
            "",
            "| column | required | values | default | meaning |",
            "|---|---|---|---|---|",
        ]
        for column in spec.columns:
            out.append(
                f"| `{column.name}` | {'yes' if column.required else ''} | "
                f"{_md(values_text(column, spec))} | {_md(default_text(column))} | "
                f"{_md(meaning(column, spec.name))} |"
            )
        out.append("")
    out += [
        "### Settings",
        "",
        "In `instance.yaml` as nested keys (`los:` / `settings:` / `min_size: 15`), in the "
        "`settings` sheet as dotted keys. Every key is optional except `name`.",
        "",
        "| key | values | default | meaning |",
        "|---|---|---|---|",
    ]
    for item in SETTINGS:
        if isinstance(item, Setting):
            column = item.column
            out.append(
                f"| `{item.key}` | {_md(values_text(column))} | {_md(default_text(column))} | "
                f"{_md(meaning(column))} |"
            )
            continue
        for column in item.columns:
            text = record_meaning(item.key, column)
            out.append(
                f"| `{item.key}.N.{column.name}` | {_md(values_text(column))} | "
                f"{_md(default_text(column))} | {_md(text)}"
                f"{' (record N of the list)' if column is item.columns[0] else ''} |"
            )
    out += ["", END]
    return "\n".join(out)


def readme_sheet_rows(instance: Any) -> list[list[Any]]:
    """The rows of the ``README`` sheet of a written workbook."""
    rows: list[list[Any]] = [
        [f"composer instance: {instance.name}"],
        [instance.description or ""],
        [],
        ["WHAT THIS IS"],
        [
            "A planning instance for composer (Dutch learning networks: LOS networks, "
            "basisvaardigheden clusters, thematic networks). One sheet per table, the "
            "settings in the sheet 'settings'. This README sheet is ignored when reading."
        ],
        ["Check after editing:  composer validate THIS.xlsx     (exit 0 = valid)"],
        ["Other formats:        composer convert THIS.xlsx --to csv --out FOLDER"],
        [],
        ["CELLS"],
    ]
    rows.extend([rule] for rule in CELL_RULES)
    rows += [[], ["SHEETS", "rows", "", "what"], ["settings", "", "", "name, sources, weights"]]
    for spec in TABLES:
        items: Any = instance
        for part in spec.path:
            items = getattr(items, part)
        rows.append([spec.name, len(items), "", spec.description])
    rows += [[], ["COLUMNS", "column", "required", "values; meaning"]]
    for spec in TABLES:
        for column in spec.columns:
            text = values_text(column, spec)
            default = default_text(column)
            if default:
                text += f"; default {default}"
            if meaning(column, spec.name):
                text += f"; {meaning(column, spec.name)}"
            rows.append([spec.name, column.name, "yes" if column.required else "", text])
    return rows


def update_readme(path: Path) -> bool:
    """Replace the Formats section of ``path``; True when the file changed."""
    text = path.read_text(encoding="utf-8")
    if BEGIN not in text or END not in text:
        raise SystemExit(f"{path}: markers {BEGIN} / {END} not found")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = head + markdown_formats() + tail
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


def main(argv: list[str]) -> int:
    """``python -m composer.io.docs README.md``: regenerate the Formats section."""
    if len(argv) != 1:
        print("usage: python -m composer.io.docs README.md", file=sys.stderr)
        return 2
    changed = update_readme(Path(argv[0]))
    print(f"{argv[0]}: {'updated' if changed else 'up to date'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
