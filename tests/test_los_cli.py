"""``composer solve`` and ``composer check`` end to end on small LOS instances, and the
pre-solve diagnostic for learners no network could take."""

from __future__ import annotations

import json

from composer.diagnostics import diagnose
from composer.io import write_instance_json
from conftest import INSTANCES
from los_cases import learner, los_instance, network


def feasible_instance():
    # n1 at s1 and n2 at s2 take 1..2; a, b, c at s1: optimum 30 (see test_los_solver)
    nets = [network("n1", max_size=2), network("n2", location="s2", max_size=2)]
    return los_instance([learner("a"), learner("b"), learner("c")], nets)


def test_solve_then_check_exit_codes(cli, tmp_path):
    path = tmp_path / "inst.json"
    write_instance_json(feasible_instance(), path)
    out = tmp_path / "out"
    result = cli("solve", path, "--out", out, "--time-limit", "10", "--stage", "los", "--quiet")
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    assert plan["status"] == "optimal" and plan["objective"] == 30
    assert {n["id"] for n in plan["networks"]} == {"n1", "n2"}
    assert all(
        n["slot"]["start"] == "09:00:00" or n["slot"]["start"] == "13:00:00"
        for n in plan["networks"]
    )
    result = cli("check", path, out / "plan.json")
    assert result.exit_code == 0, result.output
    assert "0 violation(s)" in result.output and "los objective 30" in result.output
    # a planner edits the plan by hand and moves c into n1 (3 > max 2, n2 empty)
    plan["networks"][0]["learners"] = ["a", "b", "c"]
    plan["networks"][1]["learners"] = []
    (tmp_path / "edited.json").write_text(json.dumps(plan))
    result = cli("check", path, tmp_path / "edited.json")
    assert result.exit_code == 1
    assert "[L1] network n1 has 3 learners; its maximum is 2 (n1)" in result.output
    assert "[L1] network n2 has 0 learners; its minimum is 1 (n2)" in result.output


def test_solve_infeasible_exits_3_with_the_rule(cli, tmp_path):
    nets = [network("n1", max_size=1), network("n2", location="s2", max_size=1)]
    path = tmp_path / "inst.json"
    write_instance_json(los_instance([learner("a"), learner("b"), learner("c")], nets), path)
    result = cli("solve", path, "--out", tmp_path / "out", "--time-limit", "10", "--stage", "los")
    assert result.exit_code == 3
    assert "[L1] 3 learners must be placed but the 2 networks seat at most 2" in result.output
    assert (tmp_path / "out" / "plan.json").exists()


def test_weights_can_be_set_per_run(cli, tmp_path):
    path = tmp_path / "inst.json"
    write_instance_json(feasible_instance(), path)
    out = tmp_path / "out"
    # travel weighs 3: the one learner in n2 costs 3 x 20 + 10 = 70
    result = cli(
        "solve",
        path,
        "--out",
        out,
        "--time-limit",
        "10",
        "--stage",
        "los",
        "--quiet",
        "--set",
        "los.settings.weights.travel=3",
    )
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    assert plan["objective"] == 70
    assert plan["parameters"]["overrides"] == {"los.settings.weights.travel": 3}


def test_diagnostic_names_learners_no_network_can_take():
    # a needs PH which no network offers; b teaches at every slot of n1 (Monday 1 and 2)
    people = [
        learner("a", "student", needs=["PH"]),
        learner("b", busy={"mon": ["1", "2"]}),
        learner("c"),
    ]
    found = [i for i in diagnose(los_instance(people, [network("n1")])) if i.rule != "L1"]
    texts = [i.render() for i in found]
    assert len(found) == 2, texts
    assert texts[0].startswith(
        "[L3] learner a (student, needs PH, s1, region r1) has no network that could take "
        "them: [L3] network n1 does not offer PH"
    )
    assert "[L4] b teaches at every slot network n1 can meet" in texts[1]
    assert all(i.severity == "warning" for i in found)


def test_solve_shows_only_the_warnings_of_the_stages_it_plans(cli, tmp_path, monkeypatch):
    # `--stage los` printed BV's B8 warnings (noise for a LOS-only run); warnings of the
    # planned stages and of rules outside a stage family (no rule) are still shown
    from composer import diagnostics
    from composer.errors import Issue

    found = [
        Issue("three eligible schools in po:x", rule="B8", severity="warning"),
        Issue("network n1 can never reach its minimum", rule="L1", severity="warning"),
        Issue("an unattributed warning", severity="warning"),
    ]
    monkeypatch.setattr(diagnostics, "diagnose", lambda instance: found)
    result = cli("solve", INSTANCES / "tiny", "--out", tmp_path / "o", "--stage", "los")
    assert result.exit_code == 0, result.output
    assert "L1" in result.output and "unattributed" in result.output
    assert "po:x" not in result.output
    both = cli(
        "solve", INSTANCES / "tiny", "--out", tmp_path / "b", "--stage", "los", "--stage", "bv"
    )
    assert "po:x" in both.output


def test_the_summary_says_when_the_sessions_are_partial():
    # an infeasible calendar still leaves the sessions it could date in the plan; the
    # summary must not present them as the calendar
    import datetime as dt

    from composer.cli.solve import summary_lines
    from composer.model.plan import Plan, Session, StageResult
    from composer.pipeline import RunLog

    session = Session(
        id="s1",
        programme="los",
        group="n1",
        date=dt.date(2026, 9, 1),
        start=dt.time(14),
        end=dt.time(16),
        location="x",
    )
    for status, said in (("infeasible", True), ("optimal", False)):
        plan = Plan(
            instance="i",
            sessions=(session,),
            stages={"calendar": StageResult(status=status)},
        )
        text = "\n".join(summary_lines(plan, RunLog()))
        assert "1 dated sessions, 0 visits" in text
        assert ("partial: the calendar is infeasible" in text) is said
