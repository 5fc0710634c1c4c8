"""The ``composer`` command line: one group, one module per command family.

Exit codes: 0 ok, 1 violations found, 2 bad input, 3 infeasible, 130/143 interrupted.
Bad input never shows a traceback: every :class:`~composer.errors.ComposerError` is
printed as the planner-facing issues it carries. An unexpected error is a bug: it is
reported in one line (``--debug`` or ``COMPOSER_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from composer import __version__
from composer.errors import ComposerError, InputError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERNAL = 70


def echo_err(text: str) -> None:
    """Print to stderr."""
    click.echo(text, err=True)


def guarded(fn: F) -> F:
    """Turn composer's own errors into messages and exit codes, never tracebacks."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InputError as exc:
            echo_err(exc.render())
            sys.exit(exc.exit_code)
        except ComposerError as exc:
            echo_err(f"error: {exc}")
            details = getattr(exc, "details", ())
            for line in details:
                echo_err(f"  {line}")
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            echo_err("interrupted")
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get(
                "COMPOSER_DEBUG"
            ) or click.get_current_context().find_root().params.get("debug"):
                raise
            echo_err(
                f"internal error: {type(exc).__name__}: {exc}\n"
                "  this is a bug in composer; rerun with --debug for details and report it"
            )
            sys.exit(EXIT_INTERNAL)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="composer")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def cli(debug: bool) -> None:
    """Compose and schedule Dutch learning networks (leernetwerken).

    Rule ids (L1..L11, B1..B8, T1..T7, C1..C4, P1) refer to DOMAIN.md and the README.
    """


COMMAND_MODULES: tuple[str, ...] = (
    "composer.cli.basic",
    "composer.cli.solve",
    "composer.cli.generate",
    "composer.cli.export",
    "composer.cli.convert",
    "composer.cli.bench",
    "composer.cli.replan",
)
"""Modules whose ``COMMANDS`` list is added to the group, in help order."""


def _register() -> None:
    import importlib

    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main() -> None:
    """Console-script entry point."""
    from composer.params import mark_process_entry

    mark_process_entry()  # the time limit of `composer solve` counts the start-up too
    cli(prog_name="composer")
