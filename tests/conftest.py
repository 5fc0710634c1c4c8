"""Shared fixtures: the CLI runner and paths of the shipped instances."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
SHARED = ROOT.parent / "shared"

sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def cli():
    """Run ``composer ARGS...`` in-process; returns click's Result (exit_code, output)."""
    from composer.cli.main import cli as group

    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(group, [str(a) for a in args], catch_exceptions=False)

    return run


def run_composer(*args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m composer ARGS...`` in a subprocess using this checkout's sources."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "composer", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        **kwargs,
    )
