"""The run's clock (composer.clock): counted work for ``--workers 1`` runs, wall time
otherwise, and the wall-clock safety net (issue 9 item 5)."""

from __future__ import annotations

import time

import pytest
from ortools.sat.python import cp_model

from composer import clock
from composer.params import SolveParams
from composer.solvers.cpsat import run_cpsat


def test_a_work_clock_moves_only_by_what_is_charged() -> None:
    work = clock.WorkClock(limit=60.0)
    assert work.now() == 0.0
    work.charge(1.5)
    work.charge(-3.0)  # nothing: work is never given back
    work.charge(float("nan"))  # nothing: a broken estimate must not poison the clock
    assert work.now() == 1.5
    assert not work.overran


def test_the_wall_clock_safety_net_stops_everything_and_says_so(monkeypatch) -> None:
    # limit 10 s, safety 4 x: 40 s of wall time later every deadline has passed
    work = clock.WorkClock(limit=10.0, safety=4.0)
    work.charge(2.0)
    later = time.time() + 40.5
    monkeypatch.setattr(time, "time", lambda: later)
    assert work.now() == float("inf")
    assert work.overran
    assert work.wall_left() == 0.0


def test_use_installs_a_clock_for_a_block_and_restores_the_one_before() -> None:
    outer = clock.WorkClock(limit=5.0)
    inner = clock.WorkClock(limit=5.0)
    assert not clock.current().deterministic
    with clock.use(outer):
        clock.charge(1.0)
        with clock.use(inner):
            clock.charge(2.0)
            assert clock.now() == 2.0
        assert clock.current() is outer and clock.now() == 1.0
        # the same clock twice: leaving the inner block must not remove the outer one
        with clock.use(outer):
            pass
        assert clock.current() is outer
    assert isinstance(clock.current(), clock.WallClock)


def test_only_one_worker_in_one_process_runs_on_counted_work() -> None:
    assert SolveParams(workers=1).deterministic
    assert SolveParams(workers=1, processes=1).deterministic
    assert not SolveParams(workers=1, processes=2).deterministic
    assert not SolveParams(workers=2).deterministic


def _queens(n: int) -> cp_model.CpModel:
    model = cp_model.CpModel()
    q = [model.new_int_var(0, n - 1, f"q[{i}]") for i in range(n)]
    model.add_all_different(q)
    model.add_all_different(q[i] + i for i in range(n))
    model.add_all_different(q[i] - i for i in range(n))
    model.maximize(sum(i * q[i] for i in range(n)))
    return model


def test_cp_sat_under_a_work_clock_is_limited_and_charged_by_deterministic_time() -> None:
    # an optimisation CP-SAT cannot finish in 0.05 units: it stops there, on a busy or
    # a quiet machine alike, and the same run charges the same work
    charged = []
    objectives = []
    for _ in range(2):
        work = clock.WorkClock(limit=60.0)
        with clock.use(work):
            run = run_cpsat(_queens(60), time_limit=0.05, workers=1, seed=3)
        assert run.solver.parameters.max_deterministic_time == pytest.approx(
            0.05 / clock.SECONDS_PER_CPSAT_DTIME
        )
        charged.append(work.now())
        objectives.append(run.objective)
    assert charged[0] == charged[1] > 0.0
    assert objectives[0] == objectives[1]
    # on the wall clock nothing is charged and the limit is wall time
    run = run_cpsat(_queens(8), time_limit=0.5, workers=1)
    assert run.solver.parameters.max_time_in_seconds == pytest.approx(0.5)
