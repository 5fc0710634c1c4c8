"""The LOS stage on a Dask cluster: region tasks are plain picklable data.

Local worker processes share a stop flag, progress and time shares through a
multiprocessing manager; its proxies cannot travel to a Dask worker, so with a cluster
the tasks carry none and each region works from the figures it carries.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from composer import parallel
from composer.params import SolveParams
from composer.pipeline import solve
from composer.solvers.los import RegionTask
from los_cases import assert_checked, facilitator, learner, los_instance, network


def two_regions() -> Any:
    # r1: n1 at s1 with a, b; r2: n2 at s3 with c, d (own facilitators per region, so the
    # regions are separate tasks). Everyone joins the network at their own school, sizes
    # 2 in the band [2, 2]: objective 0 per region.
    r2_school = {
        "id": "s3",
        "name": "School s3",
        "sector": "vo",
        "region": "r2",
        "holiday_region": "middle",
        "lat": 52.3,
        "lon": 5.4,
    }
    facs = [
        facilitator("so1", "schoolopleider"),
        facilitator("sb1", "schoolbegeleider"),
        facilitator("so2", "schoolopleider", regions=["r2"]),
        facilitator("sb2", "schoolbegeleider", regions=["r2"]),
    ]
    nets = [
        network("n1", schoolopleider="so1", second_facilitator="sb1"),
        network("n2", location="s3", region="r2", schoolopleider="so2", second_facilitator="sb2"),
    ]
    people = [learner("a"), learner("b"), learner("c", home="s3"), learner("d", home="s3")]
    return los_instance(
        people,
        nets,
        facs,
        settings={"visits_per_year": 0},
        auto_leaders=False,
        extra_schools=[r2_school],
        extra_regions=[{"id": "r2", "name": "Region two"}],
    )


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


def test_los_regions_solve_on_a_dask_cluster(dask_cluster: str, monkeypatch) -> None:
    monkeypatch.setenv(parallel.CLUSTER_ENV, dask_cluster)
    sent: list[tuple[str, Any]] = []
    original = parallel.map_tasks

    def spy(fn: Any, tasks: list[RegionTask], processes: int, cluster: str | None = None) -> Any:
        # what travels, as it is when sent (a manager proxy would unpickle on a local
        # cluster, whose workers inherit this process's authkey, but not on another host)
        sent.extend((t.key, t.channel) for t in tasks)
        return original(fn, tasks, processes, cluster)

    monkeypatch.setattr("composer.solvers.los.map_tasks", spy)
    inst = two_regions()
    params = SolveParams(time_limit=20, workers=1, processes=2, stages=("los",))
    plan, _ = solve(inst, params)
    # both regions went to the cluster as plain data (no manager proxy on board)
    assert sorted(key for key, _ in sent) == ["r1", "r2"]
    assert all(channel is None for _, channel in sent)
    assert plan.status == "optimal" and plan.stages["los"].objective == 0
    assert {n.id: n.learners for n in plan.networks} == {"n1": ("a", "b"), "n2": ("c", "d")}
    assert_checked(inst, plan)
