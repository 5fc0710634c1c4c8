"""The ``composer`` command line: one group, one module per command family.

Exit codes: 0 ok, 1 violations found, 2 bad input, 3 infeasible, 130/143 interrupted.
Bad input never shows a traceback: every :class:`~composer.errors.ComposerError` is
printed as the planner-facing issues it carries. An unexpected error is a bug: it is
reported in one line (``--debug`` or ``COMPOSER_DEBUG=1`` shows the traceback).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar, cast

import click

from composer import __version__
from composer.errors import ComposerError, InputError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_INTERNAL = 70
EXIT_CLOSED_PIPE = 141
"""A reader that stops reading (``composer check ... | head``): 128 + SIGPIPE, the status
a shell shows for any program ended by a closed pipe (``yes | head``); not 1, which is
composer's "violations found"."""


def echo_err(text: str) -> None:
    """Print to stderr."""
    click.echo(text, err=True)


def _closed_streams() -> list[Any]:
    """stdout and/or stderr when they are pipes whose reader has gone, so that a
    BrokenPipeError from elsewhere (a worker process's pipe) is still reported as a bug."""
    import select

    closed = []
    for stream in (sys.stdout, sys.stderr):
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            continue  # not a real file (a test runner's buffer): it cannot break
        if not hasattr(select, "poll"):
            closed.append(stream)  # no way to ask (Windows): trust the error
            continue
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        if any(events & select.POLLERR for _, events in poller.poll(0)):
            closed.append(stream)
    return closed


def _quit_on_closed_pipe(streams: list[Any]) -> NoReturn:
    """Exit quietly after the reader of our output went away (Python's "Note on
    SIGPIPE"): what is left to print goes to /dev/null, so the flush at exit cannot fail
    again; every file already written stays as it is."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in streams:
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    sys.exit(EXIT_CLOSED_PIPE)


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
            if isinstance(exc, BrokenPipeError) and (closed := _closed_streams()):
                _quit_on_closed_pipe(closed)  # `composer check ... | head`: not an error
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


COMMAND_MODULES: dict[str, str] = {
    "bench": "composer.cli.bench",
    "build-tables": "composer.cli.generate",
    "check": "composer.cli.basic",
    "convert": "composer.cli.convert",
    "explain": "composer.cli.replan",
    "export": "composer.cli.export",
    "generate": "composer.cli.generate",
    "schema": "composer.cli.basic",
    "solve": "composer.cli.solve",
    "validate": "composer.cli.basic",
    "whatif": "composer.cli.replan",
}
"""Command name -> the module whose ``COMMANDS`` list holds it. A command's module is
imported only when that command runs (or ``--help`` lists them all): `composer solve`
does not pay for the exporters, the bench or pandas-heavy readers it does not use, and
its --time-limit counts from the process start."""


class LazyGroup(click.Group):
    """A click group that imports a command's module when the command is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMAND_MODULES, *super().list_commands(ctx)})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = COMMAND_MODULES.get(cmd_name)
        if module_name is None:
            return super().get_command(ctx, cmd_name)
        module = importlib.import_module(module_name)
        for command in module.COMMANDS:
            if command.name == cmd_name:
                return cast(click.Command, command)
        raise RuntimeError(f"{module_name} has no command {cmd_name!r}; fix COMMAND_MODULES")


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="composer")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def cli(debug: bool) -> None:
    """Compose and schedule Dutch learning networks (leernetwerken).

    Rule ids (L1..L11, B1..B8, T1..T7, C1..C4, P1) refer to DOMAIN.md and the README.
    """


def main() -> None:
    """Console-script entry point."""
    from composer.params import mark_process_entry

    mark_process_entry()  # the time limit of `composer solve` counts the start-up too
    cli(prog_name="composer")
