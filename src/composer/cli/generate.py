"""``composer generate`` (seeded synthetic instances) and ``composer build-tables``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from composer.cli.main import guarded
from composer.errors import InputError, Issue


def default_data_dir() -> Path | None:
    """``../shared/data`` next to the repository this package runs from, if present."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").is_file():
            candidate = parent.parent / "shared" / "data"
            return candidate if candidate.is_dir() else None
    return None


def _resolve_data(data: Path | None, required: bool) -> Path | None:
    if data is not None:
        return data
    found = default_data_dir()
    if found is None and required:
        raise InputError(
            [
                Issue(
                    "no raw school data folder given and ../shared/data was not found",
                    fix="pass --data DIR (the folder with the DUO and OpenHolidays files)",
                )
            ]
        )
    return found


@click.command("build-tables")
@click.option(
    "--data",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="COMPOSER_DATA",
    help="Raw public school data folder [default: ../shared/data next to the repository; "
    "env COMPOSER_DATA].",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write the tables [default: the package's data folder].",
)
@guarded
def build_tables(data: Path | None, out: Path | None) -> None:
    """Rebuild the shipped school and holiday tables from the raw public data.

    Writes schools_nl.csv.gz and holidays_nl.csv (deterministic bytes) and prints what
    was deduplicated, mapped and corrected.
    """
    from composer.builders.real_data import write_tables

    raw = _resolve_data(data, required=True)
    assert raw is not None
    target = out if out is not None else Path(__file__).resolve().parent.parent / "data"
    report = write_tables(raw, target)
    for line in report.lines():
        click.echo(line)
    for name in ("schools_nl.csv.gz", "holidays_nl.csv"):
        os.chmod(target / name, 0o644)
    click.echo(f"wrote {target / 'schools_nl.csv.gz'} and {target / 'holidays_nl.csv'}")


COMMANDS = [build_tables]
