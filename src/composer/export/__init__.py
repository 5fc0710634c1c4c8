"""Outputs planners use: an Excel workbook, CSV files, calendar files and an HTML report.

:func:`export_plan` writes the requested formats into a fresh output folder atomically
(``composer.io.safe_write.staged_dir``: a killed export leaves the old folder or nothing,
never half of it); :func:`write_exports` writes them into a folder that already exists
(``composer solve --export`` uses it inside its own staged folder). Layout of the folder:

- ``plan.xlsx`` — the workbook; with ``per_region`` also ``regions/<region>.xlsx``
  (``regions/no-region.xlsx`` holds rows that belong to no region, e.g. a TN network
  without one);
- ``csv/<table>.csv`` — the same tables; with ``per_region`` also ``csv/<region>/``;
- ``ics/networks/``, ``ics/clusters/``, ``ics/tn/``, ``ics/people/`` — calendars;
- ``report.html`` — the self-contained report.

With ``pseudonymise`` every person's name and e-mail is replaced by a stable pseudonym in
every file (:mod:`composer.export.privacy`); ids stay.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from composer.export.calendars import write_calendars
from composer.export.context import ExportContext
from composer.export.report import render_report
from composer.export.tables import build_tables, region_tables, regions_present
from composer.export.workbook import write_csv_folder, write_workbook
from composer.io.safe_write import staged_dir
from composer.model.instance import Instance
from composer.model.plan import Plan

FORMATS: tuple[str, ...] = ("xlsx", "csv", "ics", "html")
NO_REGION = "no-region"


@dataclass(frozen=True)
class ExportOptions:
    """What to write: formats, privacy, per-region workbooks; ``now`` stamps calendars."""

    formats: tuple[str, ...] = FORMATS
    pseudonymise: bool = False
    salt: str = ""
    per_region: bool = False
    now: dt.datetime | None = None


def write_exports(
    instance: Instance, plan: Plan, folder: Path, options: ExportOptions
) -> list[Path]:
    """Write the requested formats into ``folder`` (which exists); returns the files.

    Raises :class:`~composer.errors.InputError` when the plan names ids the instance does
    not hold (rule P1), before writing anything.
    """
    unknown = [f for f in options.formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown export format(s) {unknown}; choose from {FORMATS}")
    ctx = ExportContext.build(
        instance, plan, pseudonymise=options.pseudonymise, salt=options.salt, now=options.now
    )
    needs_tables = bool({"xlsx", "csv", "html"} & set(options.formats))
    tables = build_tables(ctx) if needs_tables else {}  # the calendars do not use them
    per_region = {}
    if options.per_region and ({"xlsx", "csv"} & set(options.formats)):
        per_region = {
            region or NO_REGION: region_tables(ctx, tables, region)
            for region in regions_present(ctx, tables)
        }
    folder = Path(folder)
    written: list[Path] = []
    if "xlsx" in options.formats:
        written.append(write_workbook(tables, folder / "plan.xlsx"))
        for name, subset in per_region.items():
            written.append(write_workbook(subset, folder / "regions" / f"{name}.xlsx"))
    if "csv" in options.formats:
        written += write_csv_folder(tables, folder / "csv")
        for name, subset in per_region.items():
            written += write_csv_folder(subset, folder / "csv" / name)
    if "ics" in options.formats:
        written += write_calendars(ctx, folder / "ics")
    if "html" in options.formats:
        path = folder / "report.html"
        path.write_text(render_report(ctx, tables), encoding="utf-8")
        written.append(path)
    return written


def export_plan(
    instance: Instance,
    plan: Plan,
    out: Path,
    options: ExportOptions,
    force: bool = False,
) -> list[Path]:
    """Write the exports into a new folder ``out`` as a whole (``force`` replaces it)."""
    out = Path(out)
    with staged_dir(out, force=force) as tmp:
        files = write_exports(instance, plan, tmp, options)
    return [out / f.relative_to(tmp) for f in files]


__all__ = ["FORMATS", "ExportOptions", "export_plan", "write_exports"]
