"""Planners' mistakes on the command line: exit 2 with the place and the fix, no
traceback, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "instances" / "tiny"
BASE = Path(__file__).resolve().parent / "base_instance"


@pytest.fixture(scope="module")
def tiny_bv_plan(tmp_path_factory) -> Path:
    """tiny's BV plan (the fastest stage)."""
    from click.testing import CliRunner

    from composer.cli.main import cli as group

    out = tmp_path_factory.mktemp("plan") / "out"
    args = ["solve", str(TINY), "--out", str(out), "--stage", "bv", "--quiet"]
    result = CliRunner().invoke(group, [*args, "--time-limit", "20"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out / "plan.json"


def test_check_refuses_a_plan_made_for_another_instance(cli, tiny_bv_plan):
    result = cli("check", BASE, tiny_bv_plan)
    assert result.exit_code == 2, result.output
    assert "made for instance 'tiny', not 'base'" in result.output
    assert "fix: give the plan.json solved for 'base'" in result.output
    assert "violation(s)" not in result.output  # refused before checking


def test_check_still_checks_a_renamed_instance_whose_ids_match(cli, tiny_bv_plan, tmp_path):
    plan = json.loads(tiny_bv_plan.read_text(encoding="utf-8"))
    plan["instance"] = "tiny-2026"
    renamed = tmp_path / "plan.json"
    renamed.write_text(json.dumps(plan), encoding="utf-8")
    result = cli("check", TINY, renamed)
    assert result.exit_code == 0, result.output
    assert "warning: [P1] the plan was made for instance 'tiny-2026'" in result.output


def test_whatif_with_a_change_refuses_a_baseline_of_another_instance(cli, tiny_bv_plan, tmp_path):
    change = tmp_path / "change.yaml"
    change.write_text("operations:\n  - {op: set, key: bv.allow_seven, value: true}\n")
    out = tmp_path / "out"
    result = cli("whatif", BASE, "--baseline", tiny_bv_plan, "--change", change, "--out", out)
    assert result.exit_code == 2, result.output
    assert "made for instance 'tiny', not 'base'" in result.output
    assert not out.exists()


def test_an_out_below_a_file_is_refused_before_solving(cli, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    result = cli("solve", TINY, "--out", blocker / "out", "--stage", "bv", "--quiet")
    assert result.exit_code == 2, result.output
    assert "is a file, not a folder" in result.output
    assert "internal error" not in result.output
    converted = cli("convert", TINY, "--out", blocker / "tiny.json", "--quiet")
    assert converted.exit_code == 2, converted.output
    assert "is a file, not a folder" in converted.output


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_an_out_where_no_file_can_be_made_is_refused(cli):
    result = cli("convert", TINY, "--out", "/proc/composer-test.xlsx", "--quiet")
    assert result.exit_code == 2, result.output
    assert "cannot write --out /proc/composer-test.xlsx" in result.output
    assert "choose a folder you may write in" in result.output
    solved = cli("solve", TINY, "--out", "/proc/composer-out", "--stage", "bv", "--quiet")
    assert solved.exit_code == 2, solved.output


def test_explain_never_overwrites_the_instance_or_an_existing_file(cli, tmp_path):
    import shutil

    instance = tmp_path / "tiny"
    shutil.copytree(TINY, instance)
    settings = (instance / "instance.yaml").read_bytes()
    result = cli("explain", instance, "--write-change", instance / "instance.yaml", "--force")
    assert result.exit_code == 2, result.output
    assert "would replace the input" in result.output
    assert (instance / "instance.yaml").read_bytes() == settings
    mine = tmp_path / "mine.yaml"
    mine.write_text("planner's own notes\n")
    result = cli("explain", instance, "--write-change", mine)
    assert result.exit_code == 2, result.output
    assert "already exists; use --force" in result.output
    assert mine.read_text() == "planner's own notes\n"
