"""Readers and evaluators of the literature sets, and their published values."""

from __future__ import annotations

from pathlib import Path

import pytest

from composer.bench.literature import (
    published_value,
    published_values,
    read_cpmp,
    read_gap,
    read_mdgp,
)
from composer.errors import InputError
from conftest import ROOT

# ../shared/bench beside the repository, or beside a folder above it (a git worktree)
BENCH = next(
    (p / "shared" / "bench" for p in ROOT.parents if (p / "shared" / "bench").is_dir()),
    ROOT.parent / "shared" / "bench",
)
needs_shared = pytest.mark.skipif(not BENCH.is_dir(), reason="../shared/bench is not present")


def test_cpmp_floor_distances_capacity_and_p(tmp_path: Path) -> None:
    # Points 0..3 on a line at x = 0, 3, 10, 14 (y = 0) with demands 1, 1, 1, 2, and point 4
    # at (1, 1) with demand 0, floor(sqrt(2)) = 1 from point 0; p = 2, Q = 3.
    # Medians 0 and 2: 1->0 (3), 4->0 (1), 3->2 (4) = 8, loads 2 and 3.
    # The optimum is 7: medians 4 and 2: 0->4 (1), 1->4 (floor(sqrt(5)) = 2), 3->2 (4).
    path = tmp_path / "c.txt"
    path.write_text(" 1 7\n 5 2 3\n 1 0 0 1\n 2 3 0 1\n 3 10 0 1\n 4 14 0 2\n 5 1 1 0\n")
    inst = read_cpmp(path)
    assert (inst.n, inst.p, inst.capacity) == (5, 2, 3)
    assert inst.distance(0, 4) == 1 and inst.distance(0, 3) == 14
    good = inst.evaluate([0, 0, 2, 2, 0])
    assert good.ok and good.objective == 3 + 4 + 1
    best = inst.evaluate([4, 4, 2, 2, 4])
    assert best.ok and best.objective == 1 + 2 + 4
    assert inst.evaluate([0, 0, 2, 0, 2]).violations == ("median 0 serves demand 4 > capacity 3",)
    assert "exactly p=2" in inst.evaluate([0, 0, 0, 3, 4]).violations[0]
    assert "not assigned to itself" in inst.evaluate([1, 0, 2, 2, 0]).violations[0]
    assert inst.evaluate([0, 0]).objective is None


def test_gap_costs_and_capacities(tmp_path: Path) -> None:
    # 2 agents, 3 jobs; agent 0 is cheap but holds only 2 units.
    path = tmp_path / "g"
    path.write_text("2 3\n1 1 1\n5 5 5\n1 1 1\n1 1 1\n2 3\n")
    inst = read_gap(path)
    assert (inst.agents, inst.jobs) == (2, 3)
    assert inst.evaluate([0, 0, 1]).objective == 1 + 1 + 5
    assert inst.evaluate([0, 0, 0]).violations == ("agent 0 uses 3 > capacity 2",)
    path.write_text("2 3\n1 1 1\n")
    with pytest.raises(InputError, match="not a valid GAP"):
        read_gap(path)


def test_mdgp_sizes_and_within_group_sum(tmp_path: Path) -> None:
    # 4 elements, 2 groups of 1..3; d(0,1)=5 d(2,3)=4 d(0,2)=1: {0,1},{2,3} gives 9.
    path = tmp_path / "m.txt"
    path.write_text("4 2 ds 1 3 1 3\n0 1 5\n2 3 4\n0 2 1\n")
    inst = read_mdgp(path)
    assert inst.groups == 2 and not inst.equal_sizes
    assert inst.evaluate([0, 0, 1, 1]).objective == 9
    assert inst.evaluate([0, 0, 0, 0]).violations[0] == "group 0 has 4 elements, outside 1..3"
    path.write_text("4 2 xx 1 3 1 3\n")
    with pytest.raises(InputError):
        read_mdgp(path)


def test_published_values_from_both_tables(tmp_path: Path) -> None:
    (tmp_path / "gap_orlib").mkdir()
    (tmp_path / "BEST_KNOWN.csv").write_text(
        "family,file,n,groups_p,capacity_or_bounds,objective_sense,value,value_type,source\n"
        "CPMP,c/a.txt,4,2,Q=3,min sum,7,optimal (published),me\n"
        "GAP,gap_orlib/d1,4,2,cap,min cost,100,best known (bound 98),me\n"
    )
    (tmp_path / "gap_orlib" / "data.csv").write_text(
        "Path,Format,Dataset,Item number,Agent number,Best known bound,Optimum,"
        "Best known solution value\n"
        "x/d1,orlibrary,x,4,2,1,1,1\n"
        "x/e2,orlibrary,x,4,2,50,,52\n"
    )
    values = published_values(tmp_path)
    assert values["c/a.txt"].proven and values["c/a.txt"].value == 7
    assert (values["gap_orlib/d1"].value, values["gap_orlib/d1"].bound) == (100, 98)
    e2 = values["gap_orlib/e2"]
    assert (e2.value, e2.proven, e2.bound) == (52, False, 50)


@needs_shared
def test_the_shared_files_read_with_their_published_values() -> None:
    cpmp = read_cpmp(BENCH / "cpmp_osman_ceselli" / "pmedcap2_01.txt")
    assert (cpmp.n, cpmp.p, cpmp.capacity, sum(cpmp.demand) > 0) == (50, 12, 50, True)
    pub = published_value(BENCH, "cpmp_osman_ceselli/pmedcap1_01.txt")
    assert pub is not None and pub.value == 713 and pub.proven
    gap = read_gap(BENCH / "gap_orlib" / "gap12-0")
    assert (gap.agents, gap.jobs) == (10, 60)
    assert published_value(BENCH, "gap_orlib/gap12-0").value == 974  # type: ignore[union-attr]
    d20 = published_value(BENCH, "gap_orlib/d20200")
    assert d20 is not None and not d20.proven and d20.bound == 12235
    mdgp = read_mdgp(BENCH / "mdgp_mdgplib" / "Geo" / "Geo_n010_ds_01.txt")
    assert (mdgp.n, mdgp.bounds) == (10, ((5, 6), (4, 5)))
    assert len(mdgp.distance) == 45
    # every CPMP file has its published value, and every value is reachable by a reader
    for path in sorted((BENCH / "cpmp_osman_ceselli").glob("pmedcap*.txt")):
        assert published_value(BENCH, f"cpmp_osman_ceselli/{path.name}") is not None
        read_cpmp(path)


def test_the_gap_runner_counts_building_the_model_against_its_limit(monkeypatch) -> None:
    # 2 agents, 2 jobs; the clock reads 100 s at the start and 107 s when CP-SAT is about
    # to start: of a 10 s limit, 3 s are left for the search. Job 0 on agent 0 (cost 1) and
    # job 1 on agent 1 (cost 1) is the optimum, 2 (capacity 1 each, weights 1).
    import itertools

    from benchmarks import gap_orlib

    ticks = itertools.chain([100.0, 107.0], itertools.repeat(107.5))
    monkeypatch.setattr(gap_orlib.time, "perf_counter", lambda: next(ticks))
    limits: list[float] = []
    real = gap_orlib.run_cpsat

    def spy(model, *, time_limit, **kw):
        limits.append(time_limit)
        return real(model, time_limit=time_limit, **kw)

    monkeypatch.setattr(gap_orlib, "run_cpsat", spy)
    inst = gap_orlib.GapInstance("t", [[1, 5], [5, 1]], [[1, 1], [1, 1]], [1, 1])
    out = gap_orlib.solve(inst, time_limit=10.0, workers=1, seed=0)
    assert limits == [pytest.approx(3.0)]
    assert out["objective"] == 2 and out["assignment"] == [0, 1]
