"""``composer convert``: turn an instance into another format, losslessly."""

from __future__ import annotations

from pathlib import Path

import click

from composer.cli.main import guarded
from composer.errors import OutputExistsError
from composer.io import FORMATS, format_for_output, load_instance, write_instance
from composer.io.safe_write import check_output_dir, check_writable, refuse_overwriting_inputs


def refuse_existing(out: Path, fmt: str, force: bool) -> None:
    """Refuse an existing DEST before any work unless ``force`` (an empty folder is fine)."""
    if fmt == "csv":
        check_output_dir(out, force)
        return
    if out.is_dir():
        raise OutputExistsError(f"{out} is a folder; give a file name for --to {fmt}")
    if out.exists() and not force:
        raise OutputExistsError(
            f"{out} already exists; use --force to replace it or choose another --out"
        )
    check_writable(out)


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--to",
    "to",
    type=click.Choice(FORMATS),
    default=None,
    help="Output format; default from --out (.json, .xlsx, else a CSV folder).",
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file (.json, .xlsx) or folder (csv).",
)
@click.option("--force", is_flag=True, help="Replace an existing output file or folder.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@guarded
def convert(path: Path, to: str | None, out: Path, force: bool, quiet: bool) -> None:
    """Convert the instance at PATH (CSV folder, .xlsx or .json) to another format.

    Lossless in every direction: loading the output gives the same instance. The input is
    validated first; with any problem nothing is written (exit 2). The output appears
    complete or not at all; an existing output is replaced only with --force.
    """
    fmt = format_for_output(out, to)
    refuse_overwriting_inputs(out, path)
    refuse_existing(out, fmt, force)
    instance = load_instance(path)
    write_instance(instance, out, fmt, force=force)
    if not quiet:
        click.echo(
            f"wrote {out} ({fmt}): {len(instance.schools)} schools, "
            f"{len(instance.learners)} learners, {len(instance.facilitators)} facilitators, "
            f"{len(instance.los.networks)} LOS networks, {len(instance.tn.networks)} TN networks"
        )


COMMANDS = [convert]
