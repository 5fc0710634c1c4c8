"""The bench's literature runners and peers (``benchmarks/bench_plugins.py``) and the
grouping engine's pairwise maximise mode they use for MDGP."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from benchmarks import bench_plugins as bp
from hypothesis import given, settings
from hypothesis import strategies as st

from composer import clock
from composer.bench import plugins
from composer.bench.literature import MdgpInstance, evaluate, read_mdgp
from composer.bench.plugins import BenchTask, import_target
from composer.check import check_plan
from composer.io import load_instance
from composer.solvers.grouping import DiversityPricer, improve_diversity_by_swaps
from conftest import INSTANCES

# Six points on a line, x = 0, 1, 2, 10, 11, 12, demand 1 each, p = 2, Q = 3: the
# optimum opens 1 and 11 and pays 1 + 1 + 1 + 1 = 4 (any other median costs more).
CPMP = " 1 4\n 6 2 3\n 1 0 0 1\n 2 1 0 1\n 3 2 0 1\n 4 10 0 1\n 5 11 0 1\n 6 12 0 1\n"
# Two agents, three jobs: agent 0 costs 1 a job and holds two (weight 2, capacity 4),
# agent 1 costs 2 a job (weight 1, capacity 3). Optimum: two jobs on agent 0, one on
# agent 1 = 1 + 1 + 2 = 4 (all three on agent 1 costs 6; three on agent 0 do not fit).
GAP = "2 3\n1 1 1\n2 2 2\n2 2 2\n1 1 1\n4 3\n"
# Four elements, pair weights 01:1 02:5 03:2 12:2 13:5 23:3.
# ss, two groups of 2: {0,2}{1,3} = 10 ({0,1}{2,3} = 4, {0,3}{1,2} = 4).
# ds, a group of exactly 1 and one of exactly 3: the triple {0,2,3} or {1,2,3} = 10.
PAIRS = "0 1 1\n0 2 5\n0 3 2\n1 2 2\n1 3 5\n2 3 3\n"
MDGP_SS = "4 2 ss 2 2 2 2\n" + PAIRS
MDGP_DS = "4 2 ds 1 1 3 3\n" + PAIRS


def _file(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _task(kind: str, path: Path, seconds: float = 10.0) -> BenchTask:
    return BenchTask(target=kind, path=path, time_limit=seconds)


@pytest.mark.parametrize(
    ("kind", "text", "optimum"),
    [("cpmp", CPMP, 4), ("gap", GAP, 4), ("mdgp", MDGP_SS, 10), ("mdgp", MDGP_DS, 10)],
)
def test_every_registered_solver_of_a_kind_finds_a_valid_solution(
    tmp_path: Path, kind: str, text: str, optimum: float
) -> None:
    path = _file(tmp_path, f"{kind}.txt", text)
    runner = import_target(plugins.LITERATURE_RUNNERS[kind])(_task(kind, path))
    assert runner.status == "optimal" and runner.solution is not None
    ev = evaluate(kind, path, runner.solution)
    assert ev.ok and ev.objective == runner.objective == optimum
    for peer, targets in plugins.PEERS.items():
        if kind not in targets:
            continue
        result = import_target(targets[kind])(_task(kind, path))
        assert result.solution is not None, peer
        ev = evaluate(kind, path, result.solution)
        assert ev.ok, (peer, ev.violations)
        # a peer never beats the proven optimum; the MIP reaches it here
        if kind == "mdgp":
            assert ev.objective is not None and ev.objective <= optimum
        else:
            assert ev.objective is not None and ev.objective >= optimum
        if peer == "highs":
            assert result.status == "optimal" and ev.objective == optimum


def test_an_impossible_mdgp_is_refused_by_the_greedy(tmp_path: Path) -> None:
    # two groups of at most 1 cannot hold 4 elements
    path = _file(tmp_path, "bad.txt", "4 2 ds 1 1 1 1\n" + PAIRS)
    with pytest.raises(ValueError, match="cannot hold"):
        bp.greedy_mdgp(_task("mdgp", path))


def _brute_force(inst: MdgpInstance) -> float:
    best = -np.inf
    for labels in itertools.product(range(inst.groups), repeat=inst.n):
        ev = inst.evaluate(list(labels))
        if ev.ok and ev.objective is not None:
            best = max(best, ev.objective)
    return float(best)


@st.composite
def small_mdgp(draw: st.DrawFn) -> MdgpInstance:
    n = draw(st.integers(4, 8))
    lo_a = draw(st.integers(1, n - 1))
    hi_a = draw(st.integers(lo_a, n - 1))
    lo_b = max(1, n - hi_a)
    hi_b = draw(st.integers(lo_b, n))  # lo_a + lo_b <= n <= hi_a + hi_b: feasible
    weights = draw(st.lists(st.integers(0, 30), min_size=n * (n - 1) // 2, max_size=n * n))
    distance = {
        pair: float(w)
        for pair, w in zip(itertools.combinations(range(n), 2), weights, strict=False)
    }
    return MdgpInstance("h", n, ((lo_a, hi_a), (lo_b, hi_b)), False, distance)


@settings(max_examples=12, deadline=None)
@given(small_mdgp())
def test_the_maximise_mode_proves_the_brute_force_optimum(inst: MdgpInstance) -> None:
    from benchmarks.mdgp import solve_mdgp

    out = solve_mdgp(inst, 5.0)
    ev = inst.evaluate(out["groups"])  # type: ignore[arg-type]
    assert ev.ok and ev.objective == pytest.approx(out["objective"])
    assert out["status"] == "optimal"
    assert ev.objective == pytest.approx(_brute_force(inst))


def test_the_swap_search_keeps_the_bounds_and_never_loses(tmp_path: Path) -> None:
    # 9 elements on a circle, weight = distance around it; groups of 2..4, 3..5
    n = 9
    W = np.array([[min(abs(i - j), n - abs(i - j)) for j in range(n)] for i in range(n)])
    pricer = DiversityPricer(W, [(2, 4), (3, 5)])
    start = [pricer.column([0, 1], 0), pricer.column(list(range(2, 9)), 1)]  # 7 > 5: bad
    with pytest.raises(ValueError):
        improve_diversity_by_swaps(pricer, start[:1], clock.now() + 1)
    start = [pricer.column([0, 1, 2, 3], 0), pricer.column([4, 5, 6, 7, 8], 1)]
    better, _ = improve_diversity_by_swaps(pricer, start, clock.now() + 1.0)
    sizes = sorted((len(c.members), c.tag) for c in better)
    assert all(pricer.classes[t][0] <= s <= pricer.classes[t][1] for s, t in sizes)
    assert sorted(i for c in better for i in c.members) == list(range(n))
    assert sum(c.cost for c in better) <= sum(c.cost for c in start)


@pytest.mark.parametrize("name", ["greedy_bv", "kmeans_bv", "highs_bv", "greedy_los"])
def test_instance_peers_return_plans_that_pass_the_checker(name: str) -> None:
    path = INSTANCES / "tiny"
    stage = name.split("_")[1]
    result = getattr(bp, name)(BenchTask(target=stage, path=path, time_limit=10.0))
    assert result.plan is not None and result.status == "feasible"
    instance = load_instance(path)
    report = check_plan(instance, result.plan)
    assert report.ok, [v.render() for v in report.errors] + report.mismatches
    assert report.objective(stage) == pytest.approx(result.objective)


def test_every_wired_peer_and_runner_is_importable() -> None:
    for target in plugins.LITERATURE_RUNNERS.values():
        assert callable(import_target(target))
    for targets in plugins.PEERS.values():
        for target in targets.values():
            assert callable(import_target(target))


def test_mdgp_group_bounds_keep_the_file_order(tmp_path: Path) -> None:
    # group labels of a solution follow the header's bounds (the runner relies on it)
    inst = read_mdgp(_file(tmp_path, "ds.txt", MDGP_DS))
    assert inst.bounds == ((1, 1), (3, 3))
