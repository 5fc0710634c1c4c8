"""Issue 9 item 5: ``--workers 1`` gives the same BV plan on a quiet or a busy machine.

With one worker in one process the pipeline times the searches by counted work
(:mod:`composer.clock`): the BV stage's deadlines are clock readings and its searches
(pricing, LP, cut separation, masters) charge what they did, so how fast the wall clock
runs must not change the plan. Both tests use a time limit short enough that the search
is cut by the limit (the stage status is ``feasible`` with a gap, asserted), otherwise
they could not fail.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import numpy as np
import pytest

from composer import clock, pipeline
from composer.check import check_plan
from composer.io import load_instance
from composer.model.instance import Instance
from composer.model.plan import Plan
from composer.params import SolveParams
from composer.solvers import bv
from composer.solvers.grouping import (
    DiversityPricer,
    MedianPricer,
    PairwisePricer,
    SideRow,
    improve_by_lns,
    improve_diversity_by_swaps,
    solve_grouping,
)
from conftest import INSTANCES
from cpu_hogs import cpu_hogs
from factories import bv_data, bv_school, make_instance


def scattered(n: int, seed: int = 7) -> Instance:
    """``n`` BV schools of one sector and region at random places (travel from the
    coordinates): a single part too large to prove in a couple of seconds."""
    rng = random.Random(seed)
    schools = [
        bv_school(
            f"s{i:03d}",
            lat=round(52.0 + 0.4 * rng.random(), 4),
            lon=round(4.9 + 0.6 * rng.random(), 4),
        )
        for i in range(n)
    ]
    return make_instance(bv_data(schools))


def solve_bv(instance: Instance, time_limit: float) -> tuple[Plan, pipeline.RunLog]:
    """The BV stage alone, one worker in one process: the work clock."""
    params = SolveParams(time_limit=time_limit, workers=1, processes=1, stages=("bv",))
    assert params.deterministic
    return pipeline.solve(instance, params)


class Racing:
    """``time.time`` and ``time.perf_counter`` running ``speed`` times too fast: a
    machine so busy that each bit of work takes ``speed`` times as long."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.real_time, self.real_perf = time.time, time.perf_counter
        self.t0, self.p0 = self.real_time(), self.real_perf()

    def time(self) -> float:
        return self.t0 + self.speed * (self.real_time() - self.t0)

    def perf_counter(self) -> float:
        return self.p0 + self.speed * (self.real_perf() - self.p0)


def test_the_bv_plan_does_not_depend_on_how_fast_the_wall_clock_runs(monkeypatch):
    # 100 schools at 2.5 s: the part is cut by the limit (gap ~5 %, measured), so a run
    # that stopped at another point would differ (the bound at least; at 2 s the gap is
    # 6 %, at 2.25 s 1 %). The second run sees the wall clock run 50 times too fast
    # everywhere (time.time and time.perf_counter themselves), with the work clock's
    # wall-clock safety net moved out of the way.
    instance = scattered(100)
    quiet, quiet_log = solve_bv(instance, 2.5)
    result = quiet.stages["bv"]
    assert result.status == "feasible" and result.gap is not None and result.gap > 0
    assert not quiet_log.overran
    report = check_plan(instance, quiet)
    assert report.ok, [v.render() for v in report.errors] + report.mismatches

    racing = Racing(50.0)
    monkeypatch.setattr(time, "time", racing.time)
    monkeypatch.setattr(time, "perf_counter", racing.perf_counter)
    monkeypatch.setattr(clock, "WALL_SAFETY_FACTOR", 1e6)
    busy, busy_log = solve_bv(instance, 2.5)
    assert not busy_log.overran
    assert busy.model_dump_json() == quiet.model_dump_json()

    # the racing clock would change a run timed by the wall clock (the test can fail)
    params = SolveParams(time_limit=2.5, workers=1, processes=1, stages=("bv",))
    with clock.use(clock.WallClock()):
        walled = bv.run_stage(instance, Plan(instance=instance.name), params, lambda *a: None)
    assert (walled.clusters, walled.stages["bv"].bound) != (quiet.clusters, result.bound)


def _points(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 60, (n, 2))
    return np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(int)


def _pairwise() -> None:
    minutes = _points(60, 1)

    def cost(members: tuple[int, ...]) -> int:
        rows = [int(minutes[i, list(members)].sum()) for i in members]
        s = len(members)
        return (120 * sum(rows) + s) // (2 * s) + 5 * ((120 * max(rows) + s) // (2 * s))

    pricer = PairwisePricer(minutes, [4, 5, 6], 7, cost, 1, 5, np.zeros((60, 60)))
    start = [pricer.column(range(k, k + 5)) for k in range(0, 60, 5)]
    rows = [SideRow("groups", 10, 15, lambda size, tag: 1)]
    result = solve_grouping(pricer, rows, [], start, time_limit=0.5)
    improve_by_lns(pricer, list(result.columns), clock.now() + 0.5)


def _median() -> None:
    dist = _points(60, 2)
    pricer = MedianPricer(dist, [1] * 60, 9, 8)
    served: dict[int, list[int]] = {m: [m] for m in range(8)}  # medians 0..7, nearest first
    for i in range(8, 60):
        m = min((m for m in served if len(served[m]) < 9), key=lambda m: (dist[i, m], m))
        served[m].append(i)
    start = [pricer.column(m, members) for m, members in served.items()]
    rows = [SideRow("medians", 8, 8, lambda size, tag: 1)]
    result = solve_grouping(pricer, rows, pricer.pool(), start, time_limit=0.5, cut_rounds=0)
    improve_by_lns(pricer, list(result.columns), clock.now() + 0.5, neighbourhood=3)


def _diversity() -> None:
    pricer = DiversityPricer(_points(60, 3), [(5, 7)] * 10)
    start = [pricer.column(range(k, k + 6), 0) for k in range(0, 60, 6)]
    rows = pricer.side_rows()
    solve_grouping(
        pricer, rows, start, start, time_limit=0.5, neighbours=(1,), cut_rounds=0, insure_from=0
    )
    improve_diversity_by_swaps(pricer, start, clock.now() + 0.5)


@pytest.mark.parametrize("search", [_pairwise, _median, _diversity])
def test_the_engine_searches_charge_their_work(search: Callable[[], None]) -> None:
    # a search that did not charge its work would run until the wall-clock safety net
    # (a multiple of the limit): every one stops on counted work, well before it
    work = clock.WorkClock(limit=5.0)
    started = time.perf_counter()
    with clock.use(work):
        search()
    assert not work.overran
    assert time.perf_counter() - started < 5.0
    assert work.now() >= 0.5  # the LNS / swap search ran until its work deadline


@pytest.mark.slow
def test_midden_nederland_bv_repeats_on_a_busy_machine(monkeypatch):
    # 7.5 s, not 20 s: at 20 s every part of midden-nederland is proven optimal (status
    # optimal, gap 0), so the run would repeat however it was timed. At 7.5 s the largest
    # part (po:utrecht-en-omstreken) is cut by the limit: gap 1.12 %, status feasible
    # (asserted below); under the work clock 7.25 s gives the same plan, 7.75 s other
    # clusters (gap 0.38 %) and 5 s another bound (gap 5.9 %), measured 2026-12-06. On
    # the wall clock (main at 0280d25) these two runs gave gaps 1.12 % (quiet) and 1.84 %
    # (busy): the clusters happened to agree, plan.json did not.
    #
    # Two CPU hogs slow this run about 2.4 times on the shared 2-vCPU VM (quiet 5.9 s,
    # busy 13.9 s wall, 2026-12-06): within the work clock's wall-clock safety net at
    # 4 x 7.5 s (clock.WALL_SAFETY_FACTOR), which would stop the run early and say so.
    instance = load_instance(INSTANCES / "midden-nederland")
    started = time.perf_counter()
    quiet, quiet_log = solve_bv(instance, 7.5)
    print(f"quiet run: {time.perf_counter() - started:.1f} s wall")
    result = quiet.stages["bv"]
    assert result.status == "feasible" and result.gap is not None and result.gap > 0
    assert not quiet_log.overran

    with cpu_hogs(2):
        started = time.perf_counter()
        busy, busy_log = solve_bv(instance, 7.5)
        print(f"busy run: {time.perf_counter() - started:.1f} s wall")
    assert not busy_log.overran, "the wall-clock safety net fired: the machine is too busy"
    assert busy.clusters == quiet.clusters
    assert busy.model_dump_json() == quiet.model_dump_json()
    report = check_plan(instance, busy)
    assert report.ok, [v.render() for v in report.errors] + report.mismatches
