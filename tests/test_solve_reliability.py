"""Issue 9 items 3-5 at the CLI: exit codes, --quiet, outputs that are never overwritten
by accident, and the time limit shared by the stages (the pipeline's arithmetic, not a
timing)."""

from __future__ import annotations

import json
import time

from composer import pipeline
from composer.io import load_instance, read_plan
from composer.model.plan import Plan, StageResult
from composer.params import SolveParams
from conftest import INSTANCES

TINY = INSTANCES / "tiny"


def test_quiet_prints_no_warnings(cli, tmp_path):
    # tiny has a B8 warning (two go schools cannot form a cluster)
    loud = cli("solve", TINY, "--out", tmp_path / "a", "--stage", "bv", "--time-limit", "5")
    assert loud.exit_code == 0, loud.output
    assert "warning: [B8]" in loud.output
    quiet = cli("solve", TINY, "--out", tmp_path / "b", "--stage", "bv", "--quiet")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output == ""
    assert read_plan(tmp_path / "b" / "plan.json").clusters


def test_no_plan_within_the_time_limit_exits_3(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(pipeline, "STAGE_FUNCTIONS", {"bv": "reliability_stages:unknown_stage"})
    result = cli("solve", TINY, "--out", tmp_path / "out", "--time-limit", "7", "--quiet")
    assert result.exit_code == 3, result.output
    assert "no plan found within the time limit of 7 s (stage(s) bv: status unknown)" in (
        result.output
    )
    assert "--time-limit" in result.output  # the fix
    assert read_plan(tmp_path / "out" / "plan.json").status == "unknown"


def test_existing_output_is_not_replaced_without_force(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("mine", encoding="utf-8")
    result = cli("solve", TINY, "--out", out, "--stage", "bv", "--quiet")
    assert result.exit_code == 2
    assert "use --force" in result.output
    assert [p.name for p in out.iterdir()] == ["plan.json"]
    assert (out / "plan.json").read_text(encoding="utf-8") == "mine"
    forced = cli("solve", TINY, "--out", out, "--stage", "bv", "--quiet", "--force")
    assert forced.exit_code == 0, forced.output
    assert sorted(p.name for p in out.iterdir()) == ["plan.json", "run.json"]


def test_the_instance_folder_is_never_the_output(cli, tmp_path):
    import shutil

    inst = tmp_path / "inst"
    shutil.copytree(TINY, inst)
    before = {p.name: p.read_bytes() for p in inst.iterdir()}
    for out in (inst, tmp_path):
        result = cli("solve", inst, "--out", out, "--force", "--quiet")
        assert result.exit_code == 2, result.output
        assert "would replace the input" in result.output
    assert {p.name: p.read_bytes() for p in inst.iterdir()} == before


def test_stage_budget_shares_the_time_left():
    # 12 s left, los (4) + bv (4) + calendar (2) still to run: los gets 4/10 of it
    assert pipeline.stage_budget(112.0, 100.0, "los", ["bv", "calendar"]) == 4.8
    # the last stage gets all that is left; none left: 0.1 s to return what it has
    assert pipeline.stage_budget(112.0, 100.0, "calendar", []) == 12.0
    assert pipeline.stage_budget(100.0, 105.0, "bv", ["calendar"]) == 0.1


def test_pipeline_counts_time_spent_before_it_and_records_the_limit(monkeypatch):
    seen: dict[str, float] = {}

    def record(name):
        def run(instance, plan: Plan, params: SolveParams, progress) -> Plan:
            seen[name] = params.time_limit
            result = StageResult(status="not_planned")
            return plan.model_copy(update={"stages": {**plan.stages, name: result}})

        return run

    import sys
    import types

    module = types.ModuleType("budget_probe")
    module.los, module.bv = record("los"), record("bv")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "budget_probe", module)
    monkeypatch.setattr(
        pipeline, "STAGE_FUNCTIONS", {"los": "budget_probe:los", "bv": "budget_probe:bv"}
    )
    instance = load_instance(TINY)
    # the clock started 6 s ago (loading, say): of 20 s, at most 14 - reserve are left
    params = SolveParams(time_limit=20.0, clock_start=time.perf_counter() - 6.0)
    plan, _ = pipeline.solve(instance, params)
    reserve = pipeline.write_reserve(20.0, pipeline.plan_items(instance))
    assert seen["los"] <= (14.0 - reserve) / 2 + 1e-6
    # los used (almost) nothing of its share: it flows to bv, the last stage
    assert (14.0 - reserve) / 2 < seen["bv"] <= 14.0 - reserve + 1e-6
    assert plan.parameters["time_limit"] == 20.0  # the plan records what was asked
    assert "clock_start" not in plan.parameters
    assert json.dumps(plan.parameters)  # nothing that is not plain data


def test_the_clock_starts_at_the_process_start_only_for_the_entry_point(monkeypatch):
    import sys

    import pytest

    from composer import params

    if not sys.platform.startswith("linux"):
        pytest.skip("the process start is read from /proc (elsewhere: now)")
    monkeypatch.setattr(params, "_entry_clock", [])
    before = time.perf_counter()
    assert params.clock_start_now() >= before  # in a test runner: now, not pytest's start
    params.mark_process_entry()
    started = params.clock_start_now()
    assert started <= before  # the entry point: this process's start, before this test
    assert abs(started - params.process_start()) < 0.1
