"""The LOS stage around the model: regions as subproblems, time shares, and a country
where one region is infeasible."""

from __future__ import annotations

import time

from composer.solvers.los import RegionTask, ShareState, _share, region_groups
from los_cases import assert_checked, solve_los, two_regions


def test_regions_are_separate_unless_a_facilitator_links_them():
    assert region_groups(two_regions(3)) == [("r1",), ("r2",)]
    # sbx may lead n1 (r1) and n2 (r2): one subproblem, so sbx is never double-booked
    linked = two_regions(3, shared_sb=True)
    assert region_groups(linked) == [("r1", "r2")]
    plan = solve_los(linked)
    assert plan.status == "optimal"
    assert_checked(linked, plan)


def test_one_infeasible_region_does_not_stop_the_country():
    # r2 has two learners and one seat: infeasible (L1). r1 is planned: a and b in n1
    # at home, objective 0.
    inst = two_regions(1)
    plan = solve_los(inst)
    assert plan.status == "infeasible"
    stage = plan.stages["los"]
    assert stage.status == "infeasible"
    assert [n.id for n in plan.networks] == ["n1"]
    assert plan.networks[0].learners == ("a", "b")
    assert stage.objective == 0
    assert [(u.id, u.what, u.rule) for u in plan.unplaced] == [
        ("c", "learner", "L1"),
        ("d", "learner", "L1"),
        ("n2", "network", "L1"),
    ]
    assert any("region r2: infeasible" in note for note in stage.notes)
    assert any(
        "[L1] 2 learners must be placed but the 1 networks seat at most 1" in note
        for note in stage.notes
    )
    # and with room in r2 both regions are planned and check clean (objective 0)
    inst = two_regions(3)
    plan = solve_los(inst)
    assert plan.status == "optimal" and plan.stages["los"].objective == 0
    assert_checked(inst, plan)


def test_time_share_keeps_floors_for_later_regions_and_the_deadline():
    def task(weight: float, floor: float) -> RegionTask:
        return RegionTask(
            key="r",
            regions=("r",),
            instance=None,
            weight=weight,  # type: ignore[arg-type]
            deadline=time.time() + 100,
            parallel=2,
            workers=1,
            seed=0,
            remaining_weight=0,
            floor=floor,
        )

    # 2 processes x 100 s = 200 s; later regions need 50 s of floors; another process
    # still holds 30 s: 200 - 30 - 50 - 2 = 118 s, a quarter of it (weight 10 of 40)
    # plus the floor of 2 s = 31.5 s
    share = _share(task(10, 2), ShareState(remaining_weight=40, later_floors=50, committed=30))
    assert 31.0 < share < 31.6
    # the last region gets everything that is left, never more than the deadline allows
    share = _share(task(10, 2), ShareState(remaining_weight=10, later_floors=0))
    assert 99.0 < share <= 100.0
    # nothing left over: the floor still holds
    share = _share(task(10, 2), ShareState(remaining_weight=40, later_floors=500))
    assert share == 2


def test_regions_sent_to_a_dask_cluster_carry_no_manager_proxy(monkeypatch):
    # A manager proxy cannot be unpacked by Dask workers started elsewhere (another
    # authkey): with a cluster the region tasks go without the shared channel. The fake
    # map_tasks stands for the cluster and solves the tasks here; both regions are planned
    # exactly as in the test above (objective 0).
    import composer.solvers.los as los

    sent = []

    def fake_cluster(fn, tasks, processes, cluster=None):
        sent.extend(t.channel for t in tasks)  # as sent (the stage clears it after)
        return [fn(t) for t in tasks]

    monkeypatch.setattr(los, "cluster_address", lambda cluster=None: "tcp://cluster:8786")
    monkeypatch.setattr(los, "map_tasks", fake_cluster)
    from composer.params import SolveParams
    from composer.pipeline import solve

    inst = two_regions(3)
    params = SolveParams(time_limit=20, workers=1, processes=2, stages=("los",))
    plan, _ = solve(inst, params)
    assert sent == [None, None]
    assert plan.status == "optimal" and plan.stages["los"].objective == 0
    assert_checked(inst, plan)


def test_a_region_whose_share_is_spent_still_gets_the_construction(monkeypatch):
    # Every region's share is spent before it starts (share 0): the stage must not build
    # or run the full model (both patched to fail), yet return the construction's plan,
    # clean by the checker, with a Lagrangian bound so the gap is reported per region.
    from pathlib import Path

    from composer.io import load_instance
    from composer.solvers import los

    def no_model(*_args, **_kwargs):
        raise AssertionError("the full model was built with no time left")

    monkeypatch.setattr(los, "_share", lambda task, state: 0.0)
    monkeypatch.setattr(los, "LosModel", no_model)
    monkeypatch.setattr(los, "run_cpsat", no_model)
    inst = load_instance(Path(__file__).parent.parent / "instances" / "tiny")
    plan = solve_los(inst)
    assert plan.status in {"feasible", "optimal"}
    assert_checked(inst, plan)
    stage = plan.stages["los"]
    assert stage.bound is not None and stage.bound <= stage.objective
    assert all("(bound None)" not in note for note in stage.notes if note.startswith("region"))


def test_the_constructive_plan_alone_checks_clean_and_is_no_better_than_the_solver():
    # tiny: the construction places every learner under every hard rule (the referee finds
    # nothing, its objective recomputed) and the search can only improve on it: the
    # solver's proven optimum 47 is at most the construction's objective.
    from pathlib import Path

    from composer.io import load_instance
    from composer.solvers import los

    inst = load_instance(Path(__file__).parent.parent / "instances" / "tiny")
    plan, incomplete = los.construct_plan(inst)
    assert incomplete == 0
    assert_checked(inst, plan)
    solved = solve_los(inst)
    assert solved.stages["los"].status == "optimal"
    assert solved.stages["los"].objective <= plan.stages["los"].objective
