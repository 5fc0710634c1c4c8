"""The command group: every command is found by name, and a command imports only what
it uses (its module is loaded when it runs), so `composer solve`'s time limit is not
spent on the exporters."""

from __future__ import annotations

import importlib
import subprocess
import sys

from click.testing import CliRunner

from composer.cli.main import COMMAND_MODULES, cli


def test_every_command_of_every_module_is_listed_by_name():
    modules = set(COMMAND_MODULES.values())
    found = {
        command.name: name for name in modules for command in importlib.import_module(name).COMMANDS
    }
    assert found == COMMAND_MODULES


def test_help_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMAND_MODULES:
        assert f"  {name} " in result.output


def test_an_unknown_command_is_refused_with_exit_2():
    result = CliRunner().invoke(cli, ["solv"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_solve_help_loads_neither_the_exporters_nor_the_bench():
    code = (
        "import sys\n"
        "from composer.cli.main import cli\n"
        "try:\n"
        "    cli(['solve', '--help'], prog_name='composer')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('composer.export', 'composer.bench')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
