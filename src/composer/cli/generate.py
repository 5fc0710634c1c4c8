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


@click.command()
@click.argument("preset", type=click.Choice(["tiny", "region", "national"]))
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Output folder (the instance, with a README).",
)
@click.option("--learners", type=click.IntRange(min=0), help="LOS learners in total.")
@click.option(
    "--regions",
    type=click.IntRange(min=0),
    help="national: how many regions get LOS networks [default: all 25].",
)
@click.option(
    "--region",
    help="tiny/region: the region id, e.g. utrecht-en-omstreken [region default; tiny: seeded].",
)
@click.option("--tn-networks", type=click.IntRange(min=0), help="TN networks.")
@click.option("--name", help="Instance name [default: PRESET-seedN].")
@click.option(
    "--data",
    type=click.Path(path_type=Path, file_okay=False),
    help="Build from the raw public data folder instead of the packaged tables "
    "(same result while the packaged tables are up to date).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "xlsx"]),
    default="csv",
    show_default=True,
    help="csv: OUT is the instance (tables + instance.yaml); json/xlsx: OUT/instance.<fmt>.",
)
@click.option("--force", is_flag=True, help="Replace a non-empty output folder.")
@guarded
def generate(
    preset: str,
    seed: int,
    out: Path,
    learners: int | None,
    regions: int | None,
    region: str | None,
    tn_networks: int | None,
    name: str | None,
    data: Path | None,
    fmt: str,
    force: bool,
) -> None:
    """Build a seeded, reproducible instance: PRESET is tiny, region or national.

    Real schools, regions and 2026-2028 holidays from the packaged tables; synthetic
    learners, facilitators, coordinators and TN participants, built around a hidden
    feasible plan. The same arguments always give the same bytes.
    """
    import time

    from composer.builders.generate import generate as build
    from composer.builders.generate import readme_text
    from composer.builders.tables import load_tables
    from composer.bv_rules import bv_eligible
    from composer.io import write_instance_into
    from composer.io.safe_write import atomic_write_text, check_output_dir, staged_dir

    check_output_dir(out, force)
    t0 = time.perf_counter()
    try:
        result = build(
            preset,
            seed,
            learners=learners,
            regions=regions,
            region=region,
            tn_networks=tn_networks,
            name=name,
            tables=load_tables(data),
        )
    except ValueError as exc:
        raise InputError([Issue(str(exc), fix="see composer generate --help")]) from None
    inst = result.instance
    given = {
        "--learners": learners,
        "--regions": regions,
        "--region": region,
        "--tn-networks": tn_networks,
        "--name": name,
    }
    command = " ".join(
        [
            f"composer generate {preset} --seed {seed}",
            *(f"{option} {value}" for option, value in given.items() if value is not None),
            f"--out {out.as_posix()}",
        ]
    )
    if fmt != "csv":
        command += f" --format {fmt}"
    with staged_dir(out, force) as tmp:
        written = write_instance_into(inst, tmp, fmt)
        atomic_write_text(tmp / "README.md", readme_text(result, preset, command))
    target = out / written.relative_to(tmp) if written != tmp else out
    eligible = len(bv_eligible(inst))
    click.echo(
        f"wrote {target}: {len(inst.schools)} schools ({eligible} BV-eligible), "
        f"{len(inst.learners)} learners, {len(inst.los.networks)} LOS networks, "
        f"{len(inst.facilitators)} facilitators, {len(inst.tn.networks)} TN networks "
        f"in {time.perf_counter() - t0:.1f}s"
    )


COMMANDS = [generate, build_tables]
