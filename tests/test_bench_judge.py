"""The regression rules on synthetic runs, and the SQLite history they are judged against."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from composer.bench.history import Batch, History, RunRecord
from composer.bench.judge import judge, relative_change
from composer.bench.literature import Published
from composer.bench.suite import Thresholds

T = Thresholds(objective=0.005, time_factor=1.5, time_floor=1.0)


def run(**changes: object) -> RunRecord:
    """A clean composer run: objective 1000 in 10 s on instance hash h1."""
    base = RunRecord(
        suite="s",
        entry="e",
        entry_group="e",
        solver="composer",
        target="plan",
        source="instance",
        sense="min",
        parameters={"time_limit": 60, "seed": 0, "workers": 1},
        status="feasible",
        instance_hash="h1",
        objective=1000.0,
        wall_s=10.0,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_a_clean_rerun_is_ok_and_a_first_run_is_new() -> None:
    assert judge(run(), None, T).level == "new"
    verdict = judge(run(objective=1004.0, wall_s=14.0), run(), T)
    # 0.4 % worse is inside the 0.5 % tolerance; 1.4x is inside 1.5x
    assert verdict.level == "ok" and not verdict.failed


def test_a_worse_objective_regresses_beyond_the_tolerance_only() -> None:
    verdict = judge(run(objective=1006.0), run(), T)
    assert verdict.failed and "0.60% worse than the previous 1000" in verdict.reasons[0]
    # the same change is fine with a looser tolerance
    assert not judge(run(objective=1006.0), run(), Thresholds(objective=0.01)).failed
    # maximisation: lower is worse
    assert judge(run(sense="max", objective=990.0), run(sense="max"), T).failed
    assert not judge(run(sense="max", objective=1010.0), run(sense="max"), T).failed


def test_objectives_near_zero_are_judged_against_one() -> None:
    # 0 -> 1 is 100 % worse relative to max(|0|, 1); 0 -> 0.001 is within 0.5 %
    assert relative_change(1.0, 0.0, "min") == 1.0
    assert judge(run(objective=1.0), run(objective=0.0), T).failed
    assert not judge(run(objective=0.001), run(objective=0.0), T).failed


def test_slower_at_an_equal_objective_regresses_but_not_when_better_or_tiny() -> None:
    verdict = judge(run(wall_s=15.1), run(), T)
    assert verdict.failed and "1.5x the previous 10.00 s" in verdict.reasons[0]
    assert not judge(run(wall_s=15.0), run(), T).failed  # exactly 1.5x is allowed
    # a clearly better objective may take longer
    assert not judge(run(wall_s=30.0, objective=900.0), run(), T).failed
    # below the time floor a slowdown is noise
    assert not judge(run(wall_s=0.9), run(wall_s=0.1), T).failed


def test_any_violation_or_failure_regresses_even_on_a_first_run() -> None:
    verdict = judge(run(violations=2, violation_list=["[P1] school 'x' placed twice"]), None, T)
    assert verdict.failed and "2 violation(s): [P1]" in verdict.reasons[0]
    for status in ("error", "timeout"):
        assert judge(run(status=status, objective=None), None, T).failed


def test_a_run_without_a_plan_warns_and_regresses_only_against_a_plan() -> None:
    # the checker lists the networks missing from a plan that was never claimed
    missing = run(status="unknown", objective=None, violations=3, violation_list=["[L1] ..."])
    verdict = judge(missing, None, T)
    assert verdict.level == "warning" and "no plan (status unknown)" in verdict.reasons[0]
    assert judge(run(status="infeasible", objective=None), None, T).level == "warning"
    assert judge(missing, run(), T).failed  # the previous run had a plan


def test_a_lost_objective_regresses() -> None:
    verdict = judge(run(status="unknown", objective=None), run(), T)
    assert verdict.failed and "no objective now" in verdict.reasons[0]
    skipped = run(status="skipped", objective=None, notes=["no cpmp runner"])
    assert judge(skipped, run(), T).failed
    assert judge(skipped, None, T).level == "skipped"


def test_better_than_a_published_optimum_is_a_bug() -> None:
    optimum = Published(713.0, True, 713.0, "min", "Osman & Christofides")
    verdict = judge(run(objective=712.0, source="literature"), None, T, optimum)
    assert verdict.level == "bug" and verdict.failed
    assert "BUG" in verdict.reasons[0] and "published optimum 713" in verdict.reasons[0]
    assert judge(run(objective=713.0), None, T, optimum).level == "new"
    best = Published(12244.0, False, 12235.0, "min", "")
    assert "published bound 12235" in (best.beaten_by(12230.0) or "")
    assert "best known value 12244" in (best.beaten_by(12240.0) or "")
    assert best.beaten_by(12244.0) is None
    assert best.gap(12366.44) == pytest.approx(0.01)
    high = Published(100.0, True, 100.0, "max", "")
    assert high.beaten_by(100.5) and high.beaten_by(99.0) is None
    assert high.gap(99.0) == pytest.approx(0.01)


def test_other_instances_or_parameters_are_not_compared() -> None:
    assert judge(run(objective=2000.0, instance_hash="h2"), run(), T).level == "changed"
    other = run(objective=2000.0, parameters={"time_limit": 5, "seed": 0, "workers": 1})
    assert judge(other, run(), T).level == "changed"


def test_a_peer_only_fails_the_bench_by_beating_a_published_value() -> None:
    peer = dict(solver="highs", target="cpmp", source="literature")
    assert judge(run(objective=2000.0, **peer), run(**peer), T).level == "warning"
    assert judge(run(violations=1, **peer), None, T).level == "warning"
    optimum = Published(713.0, True, 713.0, "min", "")
    assert judge(run(objective=700.0, **peer), None, T, optimum).failed


def test_history_round_trip_and_previous_run(tmp_path: Path) -> None:
    db = tmp_path / "h" / "history.sqlite"
    with History(db) as history:
        b1 = history.add_batch(Batch("2026-01-01T00:00:00+00:00", "s", "0.1.0", "abc", False))
        first = run(violation_list=["x"], stages={"bv": {"objective": 3.0}}, notes=["n"])
        history.add_run(first, b1)
        history.add_run(run(entry="other"), b1)
        b2 = history.add_batch(Batch("2026-01-02T00:00:00+00:00", "s", "0.1.0", "def", True))
        second = run(objective=999.0)
        history.add_run(second, b2)
        assert history.previous("s", "e", "composer", "plan") == second
        assert history.previous("s", "e", "composer", "plan", before=second.id) == first
        assert history.previous("s", "e", "highs", "plan") is None
        assert [r.entry for r in history.runs("s")] == ["e", "other", "e"]
        assert history.batches()[b2].git_dirty is True
    with sqlite3.connect(db) as con:
        con.execute("PRAGMA user_version = 99")
    with pytest.raises(RuntimeError, match="schema 99"):
        History(db)
