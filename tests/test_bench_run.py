"""``composer bench`` end to end with a fake stage, fake literature runners and a fake peer.

Each run goes through the real machinery: a child process per solve (``composer solve``
or a runner), measured with ``os.wait4``, the plan checked, judged against the history
and recorded. The fake stage (``tests/bench_fake.py``) is registered only here; the
checker is narrowed to P1 plus the fake stage's objective, so these tests do not depend
on the real solvers or on their checks (``--jobs 1`` keeps the checking in this process,
where the narrowing applies).
"""

from __future__ import annotations

import re
import sqlite3
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import bench_fake
from composer import __version__, pipeline
from composer.bench import plugins
from composer.bench.history import History
from composer.bench.runner import git_state
from composer.check import core
from composer.io import load_instance
from conftest import INSTANCES, ROOT

TINY = INSTANCES / "tiny"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> None:
    """Solve with the fake bv stage only; check P1 and the fake objective only."""
    monkeypatch.setattr(pipeline, "STAGE_FUNCTIONS", {"bv": "bench_fake:fake_bv"})
    monkeypatch.setattr(core, "_CHECKS", [c for c in core._CHECKS if c.rule == "P1"])
    monkeypatch.setattr(core, "_OBJECTIVES", {"bv": bench_fake.fake_bv_objective})
    monkeypatch.setattr(plugins, "LITERATURE_RUNNERS", {})
    monkeypatch.setattr(plugins, "PEERS", {})
    monkeypatch.delenv("BENCH_FAKE_MODE", raising=False)
    monkeypatch.delenv("COMPOSER_BENCH_DATA", raising=False)


def suite(tmp_path: Path, entries: str, tolerance: str = "{time_floor: 1000}") -> Path:
    """A suite file in ``tmp_path`` (time regressions off unless ``tolerance`` says so)."""
    path = tmp_path / "suite.yaml"
    text = f"""
        name: t
        literature_dir: lit
        defaults: {{time_limit: 20, workers: 1, stages: [bv], tolerance: {tolerance}}}
        entries:
    """
    path.write_text(
        textwrap.dedent(text).lstrip() + textwrap.indent(textwrap.dedent(entries), "  "),
        encoding="utf-8",
    )
    return path


TINY_ENTRY = f"""
- id: tiny
  instance: {TINY}
"""


def test_a_run_is_recorded_with_everything_and_a_clean_rerun_passes(
    cli, fake, tmp_path: Path
) -> None:
    path, db = suite(tmp_path, TINY_ENTRY), tmp_path / "history.sqlite"
    first = cli("bench", "--jobs", "1", path, "--db", db)
    assert first.exit_code == 0, first.output
    assert re.search(r"tiny .* composer .* feasible .* new", first.stdout)
    second = cli("bench", "--jobs", "1", path, "--db", db)
    assert second.exit_code == 0, second.output
    assert re.search(r"tiny .* composer .* feasible .* = .* ok", second.stdout)

    instance = load_instance(TINY)
    expected = sum(bench_fake.fake_bv_objective(instance, _plan_of(db)).values())
    with History(db) as history:
        runs = history.runs("t")
        batches = history.batches()
    assert len(runs) == 2 and len(batches) == 2
    r = runs[-1]
    assert (r.suite, r.entry, r.solver, r.target, r.status) == (
        "t",
        "tiny",
        "composer",
        "plan",
        "feasible",
    )
    assert r.instance_path == str(TINY) and r.instance_hash == instance.content_hash()
    assert r.parameters == {
        "time_limit": 20,
        "seed": 0,
        "workers": 1,
        "stages": ["bv"],
        "processes": None,
    }
    assert r.objective == expected > 0 and r.bound == 0 and r.gap == 1
    assert r.stages["bv"]["objective"] == expected and "seconds" in r.stages["bv"]
    assert r.violations == 0 and r.violation_list == []
    # measured in the child: solve time, whole process, CPU, peak memory
    assert r.wall_s is not None and r.process_wall_s is not None and r.cpu_s is not None
    assert 0 <= r.wall_s < r.process_wall_s and r.cpu_s > 0
    assert r.peak_mb is not None and r.peak_mb > 20
    batch = batches[r.batch or 0]
    assert batch.tool_version == __version__ and batch.suite == "t" and batch.cpu_count


def test_peak_memory_is_the_childs_own_not_the_bench_process(cli, fake, tmp_path: Path) -> None:
    # Linux's ru_maxrss of a fork+exec'd child counts the parent's memory at the fork; the
    # child reports its own high-water mark instead. Hold 300 MB here while it runs.
    ballast = b"x" * (300 * 2**20)
    result = cli("bench", "--jobs", "1", suite(tmp_path, TINY_ENTRY), "--db", tmp_path / "h")
    assert result.exit_code == 0 and len(ballast) == 300 * 2**20
    with History(tmp_path / "h") as history:
        (r,) = history.runs()
    assert r.peak_mb is not None and 20 < r.peak_mb < 200


def _plan_of(db: Path):  # type: ignore[no-untyped-def]
    """Rebuild the plan of the fake stage for the tiny instance (seed 0)."""
    from composer.params import SolveParams
    from composer.pipeline import solve

    return solve(load_instance(TINY), SolveParams(seed=0, workers=1, stages=("bv",)))[0]


def test_git_commit_is_recorded_from_the_repository() -> None:
    commit, dirty = git_state(ROOT)
    if commit is None:
        pytest.skip("not a git checkout")
    assert re.fullmatch(r"[0-9a-f]{40}", commit) and dirty in (True, False)


def test_a_worse_objective_exits_1(cli, fake, tmp_path: Path, monkeypatch) -> None:
    path, db = suite(tmp_path, TINY_ENTRY), tmp_path / "h.sqlite"
    assert cli("bench", "--jobs", "1", path, "--db", db).exit_code == 0
    monkeypatch.setenv("BENCH_FAKE_MODE", "worse")  # same clusters, 110 % of the travel
    result = cli("bench", "--jobs", "1", path, "--db", db)
    assert result.exit_code == 1, result.output
    assert "REGRESSION tiny (composer): objective" in result.stdout
    assert "10.00% worse than the previous" in result.stdout
    # with a tolerance above 10 % the same run passes
    assert cli("bench", "--jobs", "1", path, "--db", db, "--tolerance", "0.2").exit_code == 0


def test_a_violation_exits_1(cli, fake, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("BENCH_FAKE_MODE", "broken")  # one school in two clusters
    result = cli("bench", "--jobs", "1", suite(tmp_path, TINY_ENTRY), "--db", tmp_path / "h.sqlite")
    assert result.exit_code == 1, result.output
    assert "1 violation(s): [P1] school" in result.stdout
    assert "placed in 2 clusters" in result.stdout


def test_a_slower_run_at_an_equal_objective_exits_1(cli, fake, tmp_path: Path) -> None:
    path, db = suite(tmp_path, TINY_ENTRY, "{time_floor: 0}"), tmp_path / "h.sqlite"
    assert cli("bench", "--jobs", "1", path, "--db", db).exit_code == 0
    # make the stored run a hundred thousand times faster than any real solve
    with sqlite3.connect(db) as con:
        con.execute("UPDATE runs SET wall_s = wall_s / 100000")
    result = cli("bench", "--jobs", "1", path, "--db", db)
    assert result.exit_code == 1, result.output
    assert "x the previous" in result.stdout and "at an equal objective" in result.stdout


def test_a_bad_suite_exits_2_with_the_place(cli, fake, tmp_path: Path) -> None:
    path = suite(tmp_path, "- id: x\n  instance: nowhere.json\n")
    result = cli("bench", "--jobs", "1", path, "--db", tmp_path / "h.sqlite")
    assert result.exit_code == 2
    assert f"{path}, line 6: entry 'x', field instance: no such instance" in result.output
    assert "Traceback" not in result.output


# --------------------------------------------------------------------------- literature


def literature(tmp_path: Path) -> None:
    """A 5-point CPMP file (optimum 7, worked out in test_bench_literature) and its value."""
    lit = tmp_path / "lit"
    (lit / "cpmp").mkdir(parents=True)
    (lit / "cpmp" / "five.txt").write_text(
        " 1 7\n 5 2 3\n 1 0 0 1\n 2 3 0 1\n 3 10 0 1\n 4 14 0 2\n 5 1 1 0\n"
    )
    (lit / "BEST_KNOWN.csv").write_text(
        "family,file,n,groups_p,capacity_or_bounds,objective_sense,value,value_type,source\n"
        "CPMP,cpmp/five.txt,5,2,Q=3,min sum floor-Euclid dist to median,7,optimal,by hand\n"
    )


CPMP_ENTRY = """
- id: five
  literature: {kind: cpmp, file: cpmp/five.txt}
"""


def test_a_literature_run_reports_its_gap_to_the_published_optimum(
    cli, fake, tmp_path: Path, monkeypatch
) -> None:
    literature(tmp_path)
    path, db = suite(tmp_path, CPMP_ENTRY), tmp_path / "h.sqlite"
    skipped = cli(
        "bench", "--jobs", "1", path, "--db", db
    )  # no runner registered: skipped, not failed
    assert skipped.exit_code == 0 and "no cpmp runner in this build" in skipped.stdout
    monkeypatch.setitem(plugins.LITERATURE_RUNNERS, "cpmp", "bench_fake:exact_cpmp")
    result = cli("bench", "--jobs", "1", path, "--db", db)
    assert result.exit_code == 0, result.output
    assert "7 opt (+0.00%)" in result.stdout
    assert re.search(r"five .* cpmp .* 1 .* 1 .* 1 .* 0\.00%", result.stdout)  # set summary
    with History(db) as history:
        (run,) = history.runs()
    assert (run.objective, run.published, run.published_kind, run.published_gap) == (
        7,
        7,
        "optimal",
        0,
    )
    assert run.violations == 0 and run.instance_hash and run.sense == "min"


@pytest.mark.parametrize(
    ("runner", "expected"),
    [
        ("too_good_cpmp", "BUG: objective 6 is better than the published optimum 7"),
        ("infeasible_cpmp", "2 violation(s): 1 medians used; exactly p=2 required"),
        ("crashing_runner", "the run failed: error (exit code 70)"),
    ],
)
def test_a_wrong_literature_result_exits_1(
    cli, fake, tmp_path: Path, monkeypatch, runner: str, expected: str
) -> None:
    literature(tmp_path)
    monkeypatch.setitem(plugins.LITERATURE_RUNNERS, "cpmp", f"bench_fake:{runner}")
    result = cli("bench", "--jobs", "1", suite(tmp_path, CPMP_ENTRY), "--db", tmp_path / "h.sqlite")
    assert result.exit_code == 1, result.output
    assert expected in result.stdout
    if runner == "too_good_cpmp":
        assert "better than a published optimum: a BUG" in result.output


# --------------------------------------------------------------------------- peers, report


def test_peers_run_beside_composer_with_ratios(cli, fake, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(plugins.PEERS, "greedy", {"bv": "bench_fake:greedy_bv_peer"})
    entries = TINY_ENTRY + "  peers: [greedy, kmeans]\n"
    md = tmp_path / "figures.md"
    path = suite(tmp_path, entries)
    result = cli("bench", "--jobs", "1", path, "--db", tmp_path / "h.sqlite", "--markdown", md)
    assert result.exit_code == 0, result.output
    assert "peers (ratio = composer / peer)" in result.stdout
    assert "peer 'kmeans' has nothing for bv in this build" in result.stdout
    with History(tmp_path / "h.sqlite") as history:
        composer, greedy = history.runs()
    assert (greedy.solver, greedy.target, greedy.violations) == ("greedy", "bv", 0)
    assert greedy.objective is not None and greedy.objective > 0
    ratio = f"{composer.objective / greedy.objective:.3f}"
    assert re.search(rf"tiny .* greedy .* bv .* {re.escape(ratio)}", result.stdout)
    figures = md.read_text(encoding="utf-8")
    assert f"- command: `composer bench {path}`" in figures
    assert f"| tiny | greedy | bv | {ratio} |" in figures
    assert "| tiny | kmeans (bv) | skipped |" in figures


def test_the_report_renders_the_history_as_inline_svg(cli, fake, tmp_path: Path) -> None:
    path, db = suite(tmp_path, TINY_ENTRY), tmp_path / "h.sqlite"
    for _ in range(2):
        assert cli("bench", "--jobs", "1", path, "--db", db).exit_code == 0
    out = tmp_path / "report.html"
    result = cli("bench", "--jobs", "1", "--report", out, "--db", db)
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "suite t" in page and 'id="tiny"' in page
    # self-contained: no script, no external resource
    assert "<script" not in page and "src=" not in page and "http" not in page
    charts = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(charts) == 4
    for chart in charts:
        ET.fromstring(chart)  # well-formed
    objective = ET.fromstring(charts[0])
    assert len(objective.findall(".//{*}circle") or objective.findall(".//circle")) == 2
    # an empty history renders too
    empty = cli(
        "bench",
        "--jobs",
        "1",
        "--report",
        tmp_path / "empty.html",
        "--db",
        tmp_path / "none.sqlite",
    )
    assert empty.exit_code == 0
    assert "No runs recorded yet" in (tmp_path / "empty.html").read_text(encoding="utf-8")
