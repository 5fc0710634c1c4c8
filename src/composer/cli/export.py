"""``composer export``: a plan as a workbook, CSV files, calendars and an HTML report."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from composer.cli.basic import read_plan_argument
from composer.cli.main import echo_err, guarded
from composer.errors import EXIT_OK
from composer.export import FORMATS, ExportOptions, export_plan
from composer.io import load_instance
from composer.io.safe_write import check_output_dir, refuse_overwriting_inputs

FORMAT_OPTION = click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Output format (repeatable); default all four.",
)


def describe(files: list[Path], out: Path) -> str:
    """One line naming what was written: ``wrote 3 files to out/: 1 xlsx, 2 ics``."""
    kinds = Counter(f.suffix.lstrip(".") for f in files)
    detail = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
    return f"wrote {len(files)} file(s) to {out}/: {detail}"


@click.command(name="export")
@click.argument("plan_path", metavar="PLAN", type=click.Path(path_type=Path))
@click.option(
    "--instance",
    "instance_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The instance the plan was made for.",
)
@FORMAT_OPTION
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--pseudonymise",
    is_flag=True,
    help="Replace names and e-mails of people by stable pseudonyms (ids stay).",
)
@click.option(
    "--salt",
    default="",
    envvar="COMPOSER_PSEUDONYM_SALT",
    help="Secret mixed into the pseudonyms (env COMPOSER_PSEUDONYM_SALT).",
)
@click.option("--per-region", is_flag=True, help="Also one workbook (and CSV folder) per region.")
@click.option("--force", is_flag=True, help="Replace an existing, non-empty output folder.")
@guarded
def export(
    plan_path: Path,
    instance_path: Path,
    formats: tuple[str, ...],
    out: Path,
    pseudonymise: bool,
    salt: str,
    per_region: bool,
    force: bool,
) -> None:
    """Write PLAN as planners' outputs into OUT: plan.xlsx, csv/, ics/ and report.html.

    The folder is written as a whole (an interrupted export leaves nothing half-written).
    Exit 0 when written, 2 when the input is bad or the plan names ids the instance lacks.
    """
    refuse_overwriting_inputs(out, instance_path, plan_path)
    check_output_dir(out, force)
    instance = load_instance(instance_path)
    plan = read_plan_argument(plan_path, "export")
    if plan.instance != instance.name:
        echo_err(
            f"warning: [P1] the plan was made for instance {plan.instance!r}, not {instance.name!r}"
        )
    options = ExportOptions(
        formats=tuple(f for f in FORMATS if f in formats) if formats else FORMATS,
        pseudonymise=pseudonymise,
        salt=salt,
        per_region=per_region,
    )
    files = export_plan(instance, plan, out, options, force=force)
    click.echo(describe(files, out))
    sys.exit(EXIT_OK)


COMMANDS = [export]
