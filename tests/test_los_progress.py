"""The LOS stage's live line: best objective and bound summed over the planned regions,
repeated by a heartbeat so the elapsed time the CLI shows keeps moving."""

from __future__ import annotations

import threading
from typing import Any

from composer.params import SolveParams
from composer.pipeline import solve
from composer.solvers.los import _Live
from los_cases import learner, los_instance, network


def test_the_stage_reports_best_and_bound_while_solving():
    # two networks, four learners, no visits asked: objective 0 (see test_los_visits)
    inst = los_instance(
        [learner("a"), learner("b"), learner("c", home="s2"), learner("d", home="s2")],
        [network("n1"), network("n2", location="s2")],
        settings={"visits_per_year": 0},
    )
    calls: list[tuple[str, str, Any, Any]] = []

    def progress(stage: str, message: str, objective: Any = None, bound: Any = None) -> None:
        calls.append((stage, message, objective, bound))

    params = SolveParams(time_limit=10, workers=1, processes=1, stages=("los",))
    plan, _ = solve(inst, params, progress)
    live = [c for c in calls if c[0] == "los" and c[2] is not None]
    assert live, calls
    assert live[-1][1] == "1 of 1 region(s) planned so far"
    assert (live[-1][2], live[-1][3]) == (plan.stages["los"].objective, plan.stages["los"].bound)


def test_the_heartbeat_repeats_the_line():
    seen: list[tuple[str, Any, Any]] = []
    beats = threading.Event()

    def progress(stage: str, message: str, objective: Any = None, bound: Any = None) -> None:
        seen.append((message, objective, bound))
        if len(seen) >= 4:
            beats.set()

    with _Live(progress, regions=2, every=0.01) as live:
        live.report("r1", 120.0, 100.0)
        live.report("r2", 30.0, 40.0)  # a bound above the objective is capped at it
        assert beats.wait(10.0)
    assert seen[-1] == ("2 of 2 region(s) planned so far", 150.0, 130.0)
    assert ("1 of 2 region(s) planned so far", 120.0, 100.0) in seen
