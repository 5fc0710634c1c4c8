"""The learners of an LOS region that got no plan (infeasible, or none found in time) are
listed in ``plan.unplaced`` with the region's blocking rule and reason; the checker
reports them once, under P1 (and the region's networks once, under L1); the workbook,
CSV and report list them; what-if's diff names why they lost their network.

Two regions, worked by hand: r1 has n1 (at s1, seats 1..3) for a and b, who live at s1:
both in n1, objective 0. r2 has n2 (at s3) for c and d, who live at s3; with
``max_size`` 1 it cannot seat both (L1), so r2 is infeasible and has no plan.
"""

from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest

import composer.solvers.los as los_stage
import los_cases
from composer.check import check_plan
from composer.export import ExportOptions, export_plan
from composer.io.json_io import instance_to_json, plan_to_json
from composer.model.instance import Instance
from composer.params import SolveParams
from composer.replan import plan_diff
from composer.solvers.los import RegionResult
from composer.solvers.whatif import replan_los
from los_cases import solve_los

NOW = dt.datetime(2026, 8, 1, 12, 0, tzinfo=dt.UTC)
L1_HEAD = "2 learners must be placed but the 1 networks seat at most 1"
INFEASIBLE_REASON = f"region r2 has no plan: {L1_HEAD}; see the stage notes"


def two_regions(r2_max: int, settings: dict | None = None, r2_min: int = 1) -> Instance:
    """los_cases.two_regions with n2 seating r2_min..r2_max (default minimum 1)."""
    return los_cases.two_regions(r2_max, settings=settings, r2_min=r2_min)


def left_out(plan, what: str = "learner") -> list[tuple[str, str | None, str]]:
    return [(u.id, u.rule, u.reason) for u in plan.unplaced if u.what == what]


def errors(instance, plan) -> list[tuple[str, tuple[str, ...]]]:
    return sorted((v.rule, v.items) for v in check_plan(instance, plan).errors)


def test_learners_of_an_infeasible_region_are_listed_with_its_rule_and_reason():
    inst = two_regions(1)
    plan = solve_los(inst)
    assert plan.status == "infeasible" and plan.stages["los"].status == "infeasible"
    # r1 is planned as if alone: a and b in n1, objective 0
    assert [(n.id, n.learners) for n in plan.networks] == [("n1", ("a", "b"))]
    assert plan.stages["los"].objective == 0
    # r2's network and both its learners are listed, with the blocking rule L1
    assert [(i, r) for i, r, _ in left_out(plan, "network")] == [("n2", "L1")]
    assert left_out(plan) == [("c", "L1", INFEASIBLE_REASON), ("d", "L1", INFEASIBLE_REASON)]
    assert any("its 2 learner(s) are in no network" in n for n in plan.stages["los"].notes)


def test_a_learner_no_network_could_take_gets_their_own_reason():
    # c and d (r2) both need PH, which n2 does not offer (L3): the region's head reason is
    # about c, the first; d is listed with the reason about d, not with c's (and so is c)
    inst = two_regions(2)
    data = inst.model_dump(mode="json")
    for row in data["learners"]:
        if row["id"] in {"c", "d"}:
            row["needs"] = ["PH"]
    plan = solve_los(Instance.model_validate(data))
    reasons = {i: (rule, why) for i, rule, why in left_out(plan)}
    assert reasons["c"][0] == reasons["d"][0] == "L3"
    assert reasons["c"][1].startswith("region r2 has no plan: learner c (")
    assert reasons["d"][1].startswith("region r2 has no plan: learner d (")
    assert all(why.endswith("; see the stage notes") for _, why in reasons.values())


def test_checker_reports_a_failed_region_once_per_network_and_learner():
    inst = two_regions(1)
    plan = solve_los(inst)
    report = check_plan(inst, plan)
    assert not report.ok
    # n2 under L1 (every network runs), c and d under P1 (every learner is placed): once
    assert errors(inst, plan) == [("L1", ("n2",)), ("P1", ("c",)), ("P1", ("d",))]
    p1 = [v.message for v in report.errors if v.rule == "P1"]
    assert all(f"(plan says: [L1] {INFEASIBLE_REASON})" in m for m in p1), p1


def test_checker_does_not_call_a_plan_without_any_planned_region_clean():
    # only r2's part: its one region is infeasible, the plan holds no network at all
    inst = two_regions(1)
    data = inst.model_dump(mode="json")
    data["learners"] = [lr for lr in data["learners"] if lr["id"] in {"c", "d"}]
    data["los"]["networks"] = [n for n in data["los"]["networks"] if n["id"] == "n2"]
    data["facilitators"] = [f for f in data["facilitators"] if f["id"] in {"so2", "sb2"}]
    alone = Instance.model_validate(data)
    plan = solve_los(alone)
    assert plan.status == "infeasible" and plan.networks == ()
    assert left_out(plan) == [("c", "L1", INFEASIBLE_REASON), ("d", "L1", INFEASIBLE_REASON)]
    assert errors(alone, plan) == [("L1", ("n2",)), ("P1", ("c",)), ("P1", ("d",))]


def test_with_unplaced_allowed_the_listed_learners_are_no_violation_but_unlisted_are():
    # n2 needs 3 learners and only c and d may join: infeasible even when learners may be
    # left out (every network runs); the stage's first reason is that n2 has no slot with
    # 3 free learners (L4). c and d are listed, so only n2 is reported
    inst = two_regions(3, settings={"allow_unplaced": True}, r2_min=3)
    plan = solve_los(inst)
    assert plan.stages["los"].status == "infeasible"
    assert [(i, r) for i, r, _ in left_out(plan)] == [("c", "L4"), ("d", "L4")]
    head = "region r2 has no plan: network n2 has no slot where it can meet: [L1] only 2 "
    assert all(why.startswith(head) for _, _, why in left_out(plan)), left_out(plan)
    assert errors(inst, plan) == [("L1", ("n2",))]
    # a plan made by the stage that leaves them out without saying so is refused (P1)
    silent = plan.model_copy(
        update={"unplaced": tuple(u for u in plan.unplaced if u.what != "learner")}
    )
    assert errors(inst, silent) == [("L1", ("n2",)), ("P1", ("c",)), ("P1", ("d",))]


def test_learners_of_a_region_without_a_plan_in_time_are_listed(monkeypatch):
    solve_here = los_stage.solve_region_here

    def r2_finds_nothing(task, *args, **kwargs):
        if task.key == "r2":
            return RegionResult(task.key, task.regions, "unknown")
        return solve_here(task, *args, **kwargs)

    monkeypatch.setattr(los_stage, "solve_region_here", r2_finds_nothing)
    inst = two_regions(3)
    plan = solve_los(inst)
    assert plan.stages["los"].status == "unknown"
    assert [(n.id, n.learners) for n in plan.networks] == [("n1", ("a", "b"))]
    why = "region r2 has no plan: no plan found within the time limit; see the stage notes"
    assert left_out(plan) == [("c", None, why), ("d", None, why)]
    assert errors(inst, plan) == [("L1", ("n2",)), ("P1", ("c",)), ("P1", ("d",))]


def sheet(path, name: str) -> list[dict]:
    rows = list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.mark.parametrize("per_region", [False, True])
def test_the_workbook_and_report_list_them_with_the_reason(tmp_path, per_region):
    inst = two_regions(1)
    plan = solve_los(inst)
    out = tmp_path / "out"
    export_plan(inst, plan, out, ExportOptions(per_region=per_region, now=NOW))
    rows = sheet(out / "plan.xlsx", "unplaced")
    learners = [
        (r["region"], r["id"], r["name"], r["reason"], r["rule"])
        for r in rows
        if r["what"] == "learner"
    ]
    assert learners == [
        ("r2", "c", "Learner c", INFEASIBLE_REASON, "L1"),
        ("r2", "d", "Learner d", INFEASIBLE_REASON, "L1"),
    ]
    summary = {r["item"]: r["value"] for r in sheet(out / "plan.xlsx", "summary")}
    assert summary["learners placed"] == 2
    assert summary["learners unplaced"] == 2
    assert summary["unplaced"] == len(plan.unplaced) == 3
    assert summary["checker"] == "3 violation(s)"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert 'data-count="learners">2<' in page
    assert 'data-count="learners_unplaced">2<' in page
    assert 'data-count="unplaced">3<' in page
    assert "Learner c" in page and "region r2 has no plan" in page
    if per_region:  # the region's own workbook holds them
        r2 = sheet(out / "regions" / "r2.xlsx", "unplaced")
        assert [(r["what"], r["id"]) for r in r2] == [
            ("learner", "c"),
            ("learner", "d"),
            ("network", "n2"),
        ]


def test_whatif_diff_says_why_learners_lost_their_network():
    baseline = solve_los(two_regions(3))
    assert baseline.status == "optimal"
    params = SolveParams(time_limit=10, workers=1, processes=1, seed=0, stages=("los",))
    _, plan, valid, _ = replan_los(two_regions(1), baseline, params)
    assert [(i, r) for i, r, _ in left_out(plan)] == [("c", "L1"), ("d", "L1")]
    diff = plan_diff(baseline, plan, valid.stays)
    moves = {m["learner"]: m for m in diff.data["moves"]}
    assert sorted(moves) == ["c", "d"]
    assert moves["c"]["after"] is None
    assert moves["c"]["why"] == f"unplaced: {INFEASIBLE_REASON} [L1]"
    assert diff.data["summary"]["unplaced"] == 2
    assert "L1" in diff.data["rules"]


def test_solve_summary_counts_what_is_left_out():
    from composer.cli.solve import summary_lines
    from composer.pipeline import RunLog

    lines = summary_lines(solve_los(two_regions(1)), RunLog())
    assert "  3 unplaced: 2 learner(s), 1 network(s) (see plan.json 'unplaced')" in lines


def test_check_prints_the_learners_of_a_failed_region_on_one_line(cli, tmp_path):
    # c and d say the same but for their id (the region's reason): one line names c in
    # full and d as "1 more alike"; --json still lists a violation per learner
    inst = two_regions(1)
    plan = solve_los(inst)
    (tmp_path / "instance.json").write_text(instance_to_json(inst), encoding="utf-8")
    (tmp_path / "plan.json").write_text(plan_to_json(plan), encoding="utf-8")
    result = cli("check", tmp_path / "instance.json", tmp_path / "plan.json")
    assert result.exit_code == 1, result.output
    p1 = [line for line in result.output.splitlines() if line.startswith("[P1]")]
    assert p1 == [
        "[P1] c is in no network; every learner is placed unless "
        f"los.settings.allow_unplaced (plan says: [L1] {INFEASIBLE_REASON}) (c)"
        " -- and 1 more alike: d"
    ]
    listed = cli("check", tmp_path / "instance.json", tmp_path / "plan.json", "--json")
    rules = [(v["rule"], v["items"]) for v in json.loads(listed.output)["violations"]]
    assert ("P1", ["c"]) in rules and ("P1", ["d"]) in rules
