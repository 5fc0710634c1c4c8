"""`composer check` judges a plan under the settings it was solved with."""

from __future__ import annotations

import json
from pathlib import Path

INSTANCE = Path(__file__).resolve().parent.parent / "instances" / "tiny"


def test_check_applies_the_overrides_the_plan_was_solved_with(cli, tmp_path):
    # tiny with cross-network visits switched off for the run: the plan has no visits. Under
    # the instance's own settings (one visit a year per network) that breaks L9; under the
    # plan's recorded settings it is clean.
    out = tmp_path / "out"
    solved = cli(
        "solve", INSTANCE, "--out", out, "--quiet", "--time-limit", "30",
        "--set", "los.settings.visits_per_year=0",
    )  # fmt: skip
    assert solved.exit_code == 0, solved.output
    plan_path = out / "plan.json"
    result = cli("check", INSTANCE, plan_path)
    assert result.exit_code == 0, result.output
    assert "checked under the plan's settings: los.settings.visits_per_year=0" in result.output

    stripped = json.loads(plan_path.read_text(encoding="utf-8"))
    assert stripped["visits"] == []
    stripped["parameters"]["overrides"] = {}
    (tmp_path / "stripped.json").write_text(json.dumps(stripped), encoding="utf-8")
    refused = cli("check", INSTANCE, tmp_path / "stripped.json")
    assert refused.exit_code == 1
    assert "[L9]" in refused.output


def test_check_refuses_a_plan_with_an_unknown_override(cli, tmp_path):
    out = tmp_path / "out"
    assert cli("solve", INSTANCE, "--out", out, "--quiet", "--stage", "bv").exit_code == 0
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    plan["parameters"]["overrides"] = {"bv.no_such_setting": 1}
    (tmp_path / "bad.json").write_text(json.dumps(plan), encoding="utf-8")
    result = cli("check", INSTANCE, tmp_path / "bad.json")
    assert result.exit_code == 2
    assert "bv.no_such_setting" in result.output


def test_check_prints_objectives_as_figures_and_rules_in_domain_order(cli, tmp_path):
    # the figures are printed whole with thousands separators (`:g` printed
    # midden-nederland's LOS objective as 5.95e+06); the rules checked read L1, L2, … in
    # DOMAIN.md's order, not as text (where "L10" sorts before "L2")
    out = tmp_path / "out"
    assert cli("solve", INSTANCE, "--out", out, "--quiet", "--time-limit", "30").exit_code == 0
    result = cli("check", INSTANCE, out / "plan.json")
    assert result.exit_code == 0, result.output
    assert "e+" not in result.output
    bv_line = next(line for line in result.output.splitlines() if line.startswith("bv objective"))
    total = json.loads((out / "plan.json").read_text(encoding="utf-8"))["stages"]["bv"]["objective"]
    assert bv_line.startswith(f"bv objective {total:,.0f} (")
    checked = result.output.split("rules checked: ")[1].split()[0:12]
    listed = [r.rstrip(",") for r in checked]
    assert listed.index("L2") < listed.index("L10")
