"""``composer.parallel.map_tasks``: local processes and a Dask cluster, results in task order."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import bench_fake
from composer import parallel, pipeline
from composer.bench.history import History
from composer.errors import InputError
from conftest import INSTANCES

TASKS = [0, 1, 2, 3, 4, 5]
SQUARES = [0, 1, 4, 9, 16, 25]


def test_local_processes_keep_task_order() -> None:
    # task 0 sleeps longest, so with two processes the tasks finish out of order
    assert parallel.map_tasks(bench_fake.sleepy_square, TASKS, processes=2) == SQUARES
    assert parallel.map_tasks(bench_fake.sleepy_square, TASKS, processes=1) == SQUARES
    assert parallel.map_tasks(bench_fake.sleepy_square, [], processes=2) == []


def test_the_cluster_comes_from_the_argument_or_the_environment(monkeypatch) -> None:
    monkeypatch.delenv(parallel.CLUSTER_ENV, raising=False)
    assert parallel.cluster_address() is None
    monkeypatch.setenv(parallel.CLUSTER_ENV, " tcp://10.0.0.5:8786 ")
    assert parallel.cluster_address() == "tcp://10.0.0.5:8786"
    assert parallel.cluster_address("tcp://other:1") == "tcp://other:1"
    monkeypatch.setenv(parallel.CLUSTER_ENV, "")
    assert parallel.cluster_address() is None


def test_an_unreachable_scheduler_is_a_planner_facing_error(monkeypatch) -> None:
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    monkeypatch.setattr(parallel, "DASK_CONNECT_TIMEOUT", 1.0)
    with pytest.raises(InputError) as caught:
        parallel.map_tasks(bench_fake.sleepy_square, TASKS, 1, cluster="tcp://127.0.0.1:9")
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in caught.value.render()


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[str]:
    """A local Dask cluster of two worker processes, for this module only."""
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed (pip install composer[dask])"
    )
    with distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_dask_keeps_task_order(dask_cluster: str, monkeypatch) -> None:
    assert parallel.map_tasks(bench_fake.sleepy_square, TASKS, 1, cluster=dask_cluster) == (SQUARES)
    # the environment variable selects the same backend (composer solve uses it)
    monkeypatch.setenv(parallel.CLUSTER_ENV, dask_cluster)
    assert parallel.map_tasks(bench_fake.sleepy_square, TASKS, 1) == SQUARES


def test_bench_runs_its_entries_on_dask(cli, dask_cluster: str, tmp_path: Path, monkeypatch):
    # no stages: every entry plans nothing and checks clean, whatever the build's checkers
    monkeypatch.setattr(pipeline, "STAGE_FUNCTIONS", {})
    tiny = INSTANCES / "tiny"
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        textwrap.dedent(
            f"""
            name: dask
            defaults: {{time_limit: 10, workers: 1}}
            entries:
              - {{id: a, instance: {tiny}}}
              - {{id: b, instance: {tiny}, seed: 1}}
              - {{id: c, instance: {tiny}, seed: 2}}
            """
        )
    )
    db = tmp_path / "h.sqlite"
    result = cli("bench", suite, "--db", db, "--cluster", dask_cluster)
    assert result.exit_code == 0, result.output
    assert re.search(r"a +│ composer +│ not_planned", result.stdout)
    with History(db) as history:
        runs = history.runs()
        (batch,) = history.batches().values()
    assert [(r.entry, r.parameters["seed"]) for r in runs] == [("a", 0), ("b", 1), ("c", 2)]
    assert all(r.status == "not_planned" and r.peak_mb for r in runs)
    assert batch.cluster == dask_cluster


def test_tasks_the_cluster_cannot_unpack_give_a_clear_error(dask_cluster: str) -> None:
    import multiprocessing
    from multiprocessing.managers import SyncManager

    # a proxy of a manager started by another process (another authkey), as when
    # `composer solve` sends a stage's progress queue to a cluster it did not start
    with SyncManager(authkey=b"another process", ctx=multiprocessing.get_context("spawn")) as (
        manager
    ):
        event = manager.Event()
        with pytest.raises(InputError) as caught:
            parallel.map_tasks(bench_fake.is_set, [event], 1, cluster=dask_cluster)
    message = caught.value.render()
    assert "could not unpack the tasks" in message and "manager proxy" in message


def test_bench_runs_literature_runners_and_peers_on_dask(
    cli, dask_cluster: str, tmp_path: Path
) -> None:
    # the real runners and peers (benchmarks/bench_plugins.py) in Dask workers: the tasks
    # carry only names and paths, the child processes import the plug-ins themselves.
    # Four elements, weights 01:1 02:5 03:2 12:2 13:5 23:3; two groups of 2: optimum
    # {0,2}{1,3} = 10. Six points x = 0,1,2,10,11,12, p = 2, Q = 3: optimum 4.
    lit = tmp_path / "lit"
    lit.mkdir()
    (lit / "m.txt").write_text("4 2 ss 2 2 2 2\n0 1 1\n0 2 5\n0 3 2\n1 2 2\n1 3 5\n2 3 3\n")
    (lit / "c.txt").write_text(
        " 1 4\n 6 2 3\n 1 0 0 1\n 2 1 0 1\n 3 2 0 1\n 4 10 0 1\n 5 11 0 1\n 6 12 0 1\n"
    )
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        textwrap.dedent(
            """
            name: dask-lit
            literature_dir: lit
            defaults: {time_limit: 10, workers: 1, peers: [greedy]}
            entries:
              - {id: m, literature: {kind: mdgp, file: m.txt}}
              - {id: c, literature: {kind: cpmp, file: c.txt}, peers: [greedy, highs]}
            """
        )
    )
    db = tmp_path / "h.sqlite"
    result = cli("bench", suite, "--db", db, "--cluster", dask_cluster)
    assert result.exit_code == 0, result.output
    with History(db) as history:
        runs = history.runs()
    found = {(r.entry, r.solver): (r.status, r.objective, r.violations) for r in runs}
    assert found[("m", "composer")] == ("optimal", 10, 0)
    assert found[("c", "composer")] == ("optimal", 4, 0)
    assert found[("c", "highs")] == ("optimal", 4, 0)
    assert found[("m", "greedy")][2] == 0 and found[("c", "greedy")][2] == 0
    assert not any(r.status == "skipped" for r in runs)
