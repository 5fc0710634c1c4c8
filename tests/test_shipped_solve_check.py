"""Issue 9 item 6: `composer solve` + `composer check` on every shipped instance, with
short time limits, in real processes; any violation or objective mismatch fails.

Slow (about 2-3 minutes on 2 busy cores, national dominating). tiny must plan every
stage (exit 0). On midden-nederland and national a stage may end without a plan (exit 3):
national's calendar when its short CI limit runs out (``unknown``), and midden's calendar
when the LOS plan leaves two networks' facilitators no common moment for the L11 review
(``infeasible``, seen at 20-30 s; a known defect between the LOS and calendar stages,
reported). The rules a stage without a plan owns are then not judged; every other rule
is, and the objectives must agree.
"""

from __future__ import annotations

import json

import pytest

from composer.check.core import registered_checks
from conftest import INSTANCES, run_composer

CASES = [
    pytest.param("tiny", 10, (0,), id="tiny"),
    pytest.param("midden-nederland", 20, (0, 3), id="midden-nederland"),
    pytest.param("national", 100, (0, 3), id="national"),
]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "limit", "codes"), CASES)
def test_solve_then_check_finds_no_violation(tmp_path, name, limit, codes):
    out = tmp_path / name
    solved = run_composer(
        "solve", INSTANCES / name, "--out", out, "--time-limit", limit, "--quiet", timeout=900
    )
    assert solved.returncode in codes, solved.stderr
    assert "Traceback" not in solved.stderr
    if solved.returncode == 3:
        assert "no plan found within the time limit" in solved.stderr or (
            "infeasible: no plan satisfies the hard rules" in solved.stderr
        ), solved.stderr
    checked = run_composer("check", INSTANCES / name, out / "plan.json", "--json", timeout=900)
    report = json.loads(checked.stdout)
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    unsolved = {n for n, r in plan["stages"].items() if r["status"] in {"unknown", "infeasible"}}
    assert (solved.returncode == 0) == (not unsolved)
    owner = {c.rule: c.stage for c in registered_checks()}
    errors = [
        v
        for v in report["violations"]
        if v["severity"] == "error" and owner.get(v["rule"]) not in unsolved
    ]
    assert not errors, errors[:10]
    assert not report["mismatches"], report["mismatches"]
    if not unsolved:
        assert checked.returncode == 0
