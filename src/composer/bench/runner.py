"""Running a suite: one measured child process per solve, checked, judged and recorded.

For every entry the bench runs composer (``composer solve`` on an instance, or the
registered literature runner on a literature file) and each of the entry's peers, each in
a child process of its own (:mod:`composer.bench.child`). The parent of that child waits
for it with ``os.wait4``, which returns the resource usage of exactly that child and the
grandchildren it waited for (``getrusage(RUSAGE_CHILDREN)`` of one child): user+system CPU
seconds. Peak memory is reported by the child itself on exit (its own ``VmHWM`` and its
children's ``ru_maxrss``), because Linux's ``ru_maxrss`` of a forked-and-exec'd child also
counts what the parent held at the fork. A child that outlives ``2 × time_limit + 60``
seconds is killed and recorded as ``timeout``.

Every plan is checked with :func:`composer.check.check_plan` (violations and objective
mismatches); every literature solution is recomputed by
:mod:`composer.bench.literature` and compared with its published value.

Independent runs go through :func:`composer.parallel.map_tasks`: local processes (one at a
time by default on a small machine, so timings do not compete) or a Dask cluster
(``--cluster``). Results come back in task order on every backend.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from composer import __version__
from composer.bench import plugins
from composer.bench.history import Batch, History, RunRecord
from composer.bench.judge import Verdict, judge
from composer.bench.literature import Published, evaluate, published_values
from composer.bench.suite import (
    GenerateSpec,
    ResolvedEntry,
    Suite,
    find_suite,
    literature_root,
    load_suite,
    repository_root,
    resolve_entries,
)
from composer.parallel import CLUSTER_ENV, map_tasks

DEADLINE_FACTOR = 2.0
DEADLINE_GRACE = 60.0
"""A child still running after ``DEADLINE_FACTOR × time_limit + DEADLINE_GRACE`` seconds is
killed (``timeout``): a solver must honour its time limit."""


# --------------------------------------------------------------------------- tasks


@dataclass(frozen=True)
class RunTask:
    """One measured solve, picklable so it can run in another process or on a Dask worker.

    ``solver`` is ``composer`` or a peer name; ``target`` is ``plan`` (composer on an
    instance), a stage (a peer on an instance) or a literature kind; ``function`` the
    ``module:function`` of a runner or peer (None for ``composer solve``).
    """

    suite: str
    entry: ResolvedEntry
    solver: str
    target: str
    function: str | None = None
    instance_path: Path | None = None
    literature_dir: Path | None = None
    stage_functions: dict[str, str] = field(default_factory=dict)
    python_path: tuple[str, ...] = ()
    keep_dir: Path | None = None
    skip: str | None = None


@dataclass
class Measured:
    """What the parent saw of a child process."""

    exit_code: int | None
    wall_s: float
    cpu_s: float | None
    peak_mb: float | None
    timed_out: bool
    stderr: str


def _child_env(python_path: Sequence[str]) -> dict[str, str]:
    env = dict(os.environ)
    env.pop(CLUSTER_ENV, None)  # an entry's own subproblems run in local processes
    existing = [p for p in python_path if p and Path(p).is_dir()]
    if env.get("PYTHONPATH"):
        existing.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(existing)
    return env


def measure_child(argv: list[str], env: dict[str, str], workdir: Path, deadline: float) -> Measured:
    """Run ``argv`` and measure exactly that process (and the children it waited for)."""
    stdout = (workdir / "stdout.txt").open("wb")
    stderr = (workdir / "stderr.txt").open("wb")
    started = time.perf_counter()
    with stdout, stderr:
        proc = subprocess.Popen(argv, stdout=stdout, stderr=stderr, env=env, cwd=workdir)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            with contextlib.suppress(ProcessLookupError):
                proc.kill()

        timer = threading.Timer(deadline, kill)
        timer.daemon = True
        timer.start()
        try:
            if hasattr(os, "wait4"):
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                cpu: float | None = usage.ru_utime + usage.ru_stime
                # Linux reports kilobytes, macOS bytes
                scale = 1024 * 1024 if sys.platform == "darwin" else 1024
                peak: float | None = usage.ru_maxrss / scale
            else:  # pragma: no cover - Windows
                proc.wait()
                cpu, peak = None, None
        finally:
            timer.cancel()
    wall = time.perf_counter() - started
    err = (workdir / "stderr.txt").read_text(encoding="utf-8", errors="replace")
    return Measured(proc.returncode, wall, cpu, peak, killed.is_set(), err)


def _stderr_tail(text: str, lines: int = 6) -> list[str]:
    tail = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return [f"stderr: {line}" for line in tail]


def _gap(objective: float | None, bound: float | None, sense: str) -> float | None:
    if objective is None or bound is None:
        return None
    if abs(objective) < 1e-9:
        return 0.0 if abs(bound) < 1e-9 else None
    diff = objective - bound if sense == "min" else bound - objective
    return max(0.0, diff / abs(objective))


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _agree(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, abs(a), abs(b))


def run_task(task: RunTask) -> RunRecord:
    """Run one solve in a child process, measure it, check it; never raises for a bad run."""
    entry = task.entry
    record = RunRecord(
        suite=task.suite,
        entry=entry.id,
        entry_group=entry.group,
        solver=task.solver,
        target=task.target,
        source=entry.source,
        sense=entry.sense,
        parameters=entry.parameters(),
        instance_path=str(task.instance_path or entry.literature_path or "") or None,
    )
    if task.skip is not None:
        record.status = "skipped"
        record.notes.append(task.skip)
        return record
    if task.keep_dir is not None:
        workdir = task.keep_dir / entry.id.replace("/", "__") / f"{task.solver}-{task.target}"
        if workdir.exists():
            shutil.rmtree(workdir)
        workdir.mkdir(parents=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="composer-bench-"))
    try:
        _run_in(task, record, workdir)
    except Exception as exc:  # a broken file or plan must not stop the suite
        record.status = "error"
        record.notes.append(f"{type(exc).__name__}: {exc}")
    finally:
        if task.keep_dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return record


def _run_in(task: RunTask, record: RunRecord, workdir: Path) -> None:
    entry = task.entry
    out = workdir / "out"
    if task.function is None:
        assert task.instance_path is not None
        args = [
            "solve",
            str(task.instance_path),
            "--out",
            str(out),
            "--time-limit",
            repr(entry.time_limit),
            "--workers",
            str(entry.workers),
            "--seed",
            str(entry.seed),
            "--quiet",
            "--force",
        ]
        for stage in entry.stages:
            args += ["--stage", stage]
        if entry.processes is not None:
            args += ["--processes", str(entry.processes)]
        for key, value in entry.sets.items():
            args += ["--set", f"{key}={json.dumps(value)}"]
        spec: dict[str, Any] = {
            "mode": "solve",
            "args": args,
            "stage_functions": task.stage_functions,
        }
    else:
        path = task.instance_path if entry.source != "literature" else entry.literature_path
        spec = {
            "mode": "call",
            "target": task.function,
            "out": str(out),
            "task": {
                "target": task.target,
                "path": str(path),
                "time_limit": entry.time_limit,
                "seed": entry.seed,
                "workers": entry.workers,
                "options": dict(entry.sets),
            },
        }
    spec["measure"] = str(workdir / "measure.json")
    spec_path = workdir / "spec.json"
    spec_path.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    deadline = DEADLINE_FACTOR * entry.time_limit + DEADLINE_GRACE
    measured = measure_child(
        [sys.executable, "-m", "composer.bench.child", str(spec_path)],
        _child_env(task.python_path),
        workdir,
        deadline,
    )
    record.exit_code = measured.exit_code
    record.process_wall_s = measured.wall_s
    record.cpu_s = measured.cpu_s
    record.peak_mb = _peak_mb(workdir / "measure.json", measured)
    if task.function is None:
        _read_solve(task, record, out, measured)
    else:
        _read_call(task, record, out, measured)
    if measured.timed_out:
        record.status = "timeout"
        record.notes.insert(0, f"killed after {deadline:.0f} s (time limit {entry.time_limit:g} s)")


def _peak_mb(measure: Path, measured: Measured) -> float | None:
    """The child's peak memory: its own high-water mark and its children's, as it reported
    them on exit; else (killed, crashed) ``wait4``'s figure, which also counts what the
    bench process held when it started the child (marked in the notes by the caller)."""
    if measure.is_file():
        data = json.loads(measure.read_text(encoding="utf-8"))
        peaks = [v for v in (data.get("own_peak_kb"), data.get("children_peak_kb")) if v]
        if peaks:
            return max(peaks) / 1024
    return measured.peak_mb


def _check(instance_path: Path, plan_path: Path, record: RunRecord) -> Any:
    """Run ``composer check`` on a plan; fill the record's violations and instance hash."""
    from composer.check import check_plan
    from composer.io import load_instance, read_plan

    instance = load_instance(instance_path)
    record.instance_hash = instance.content_hash()
    plan = read_plan(plan_path)
    report = check_plan(instance, plan)
    problems = [v.render() for v in report.errors] + [
        f"objective mismatch: {m}" for m in report.mismatches
    ]
    record.violations = len(problems)
    record.violation_list = problems[:50]
    return plan


def _read_solve(task: RunTask, record: RunRecord, out: Path, measured: Measured) -> None:
    assert task.instance_path is not None
    plan_path = out / "plan.json"
    if not plan_path.is_file():
        from composer.io import load_instance

        record.status = "error"
        record.notes.extend(_stderr_tail(measured.stderr))
        with contextlib.suppress(Exception):
            record.instance_hash = load_instance(task.instance_path).content_hash()
        return
    plan = _check(task.instance_path, plan_path, record)
    record.status = plan.status
    record.objective, record.bound, record.gap = plan.objective, plan.bound, plan.gap
    if plan.interrupted:
        record.notes.append("interrupted: the best plan found so far")
    record.stages = {
        name: {
            "status": r.status,
            "objective": r.objective,
            "bound": r.bound,
            "gap": r.gap,
        }
        for name, r in plan.stages.items()
    }
    for name, result in plan.stages.items():
        record.notes.extend(f"{name}: {note}" for note in result.notes[:5])
    run_json = out / "run.json"
    if run_json.is_file():
        timings = json.loads(run_json.read_text(encoding="utf-8"))
        record.wall_s = float(timings["total_seconds"])
        for name, seconds in timings.get("wall_seconds", {}).items():
            if name in record.stages:
                record.stages[name]["seconds"] = seconds
    if measured.exit_code not in (0, 3):  # 3: infeasible is an answer, not a failure
        record.notes.extend(_stderr_tail(measured.stderr))
        if measured.exit_code != 130 and measured.exit_code != 143:
            record.status = "error"


def _read_call(task: RunTask, record: RunRecord, out: Path, measured: Measured) -> None:
    entry = task.entry
    result_path = out / "result.json"
    if entry.literature_path is not None:
        record.instance_hash = _file_hash(entry.literature_path)
    if not result_path.is_file():
        record.status = "error"
        record.notes.extend(_stderr_tail(measured.stderr))
        return
    data = json.loads(result_path.read_text(encoding="utf-8"))
    record.status = data["status"]
    record.objective, record.bound = data["objective"], data["bound"]
    record.notes.extend(data.get("notes") or [])
    record.wall_s = data["seconds"] if data.get("seconds") is not None else measured.wall_s
    if record.status == "error":
        record.notes.extend(_stderr_tail(measured.stderr, 3))
    if entry.source == "literature":
        assert entry.kind is not None and entry.literature_path is not None
        solution = data.get("solution")
        if solution is not None:
            ev = evaluate(entry.kind, entry.literature_path, solution)
            problems = list(ev.violations)
            if ev.objective is not None and record.objective is not None:
                if not _agree(ev.objective, record.objective):
                    problems.append(
                        f"objective mismatch: the runner states {record.objective:g}, the "
                        f"evaluator recomputes {ev.objective:g}"
                    )
            elif record.objective is None and ev.objective is not None:
                record.objective = ev.objective
            record.violations = len(problems)
            record.violation_list = problems[:50]
        elif record.status in {"optimal", "feasible"}:
            record.notes.append("no solution returned: the objective is not verified")
        if task.literature_dir is not None and entry.literature_file is not None:
            published = published_values(task.literature_dir).get(entry.literature_file)
            if published is not None:
                record.published = published.value
                record.published_kind = published.label
                record.published_gap = published.gap(record.objective)
    elif data.get("has_plan"):
        assert task.instance_path is not None
        plan = _check(task.instance_path, out / "plan.json", record)
        stage = plan.stages.get(task.target)
        if record.objective is None and stage is not None:
            record.objective = stage.objective
        if record.bound is None and stage is not None:
            record.bound = stage.bound
    elif task.instance_path is not None:
        from composer.io import load_instance

        record.instance_hash = load_instance(task.instance_path).content_hash()
    record.gap = _gap(record.objective, record.bound, record.sense)


# --------------------------------------------------------------------------- generated


def _generator_fingerprint() -> str:
    """A hash of the generator's code and tables: a cached instance is rebuilt when they
    change."""
    import composer.builders.generate as gen_module
    import composer.builders.tables as tables_module

    digest = hashlib.sha256(__version__.encode())
    for module in (gen_module, tables_module):
        assert module.__file__ is not None
        digest.update(Path(module.__file__).read_bytes())
    data = Path(gen_module.__file__).resolve().parent.parent / "data"
    for name in sorted(p.name for p in data.glob("*.csv*")):
        digest.update((data / name).read_bytes())
    return digest.hexdigest()


def materialise(spec: GenerateSpec, cache: Path) -> Path:
    """The instance of a ``generate`` spec, built once into ``cache`` and reused."""
    from composer.builders.generate import generate
    from composer.io.json_io import instance_to_json
    from composer.io.safe_write import atomic_write_text

    key = hashlib.sha256((spec.model_dump_json() + _generator_fingerprint()).encode()).hexdigest()[
        :16
    ]
    folder = cache / "generated" / f"{spec.preset}-seed{spec.seed}-{key}"
    path = folder / "instance.json"
    if path.is_file():
        return path
    result = generate(
        spec.preset,
        spec.seed,
        learners=spec.learners,
        regions=spec.regions,
        region=spec.region,
        tn_networks=spec.tn_networks,
    )
    atomic_write_text(path, instance_to_json(result.instance))
    atomic_write_text(folder / "COMMAND", spec.command() + "\n")
    return path


# --------------------------------------------------------------------------- a suite


@dataclass
class Outcome:
    """One run of a suite entry as the bench reports it."""

    record: RunRecord
    previous: RunRecord | None
    verdict: Verdict
    published: Published | None = None


@dataclass
class SuiteOutcome:
    """Everything one ``composer bench`` did."""

    suite: Suite
    suite_path: Path
    batch: Batch
    outcomes: list[Outcome]
    interrupted: bool = False

    @property
    def failed(self) -> bool:
        """True when any run regressed (``composer bench`` exits 1)."""
        return any(o.verdict.failed for o in self.outcomes)


def git_state(root: Path) -> tuple[str | None, bool | None]:
    """The commit checked out at ``root`` and whether tracked files have changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None, None
    return commit or None, bool(dirty)


def _python_path(root: Path) -> tuple[str, ...]:
    """The parent's own import paths (sources, tests), so the child runs the same code."""
    prefixes = {str(Path(p).resolve()) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}}
    paths = [str(root)]
    for entry in sys.path:
        if not entry or "site-packages" in entry or "dist-packages" in entry:
            continue
        resolved = str(Path(entry).resolve())
        if any(resolved.startswith(prefix) for prefix in prefixes):
            continue
        if resolved not in paths and Path(resolved).is_dir():
            paths.append(resolved)
    return tuple(paths)


def build_tasks(
    suite: Suite,
    entries: Sequence[ResolvedEntry],
    root: Path,
    literature_dir: Path,
    cache: Path,
    keep_dir: Path | None = None,
) -> list[RunTask]:
    """The runs of every entry: composer's, then each peer's, in suite order."""
    from composer import pipeline

    common: dict[str, Any] = {
        "suite": suite.name,
        "literature_dir": literature_dir,
        "stage_functions": dict(pipeline.STAGE_FUNCTIONS),
        "python_path": _python_path(root),
        "keep_dir": keep_dir,
    }
    tasks: list[RunTask] = []
    for entry in entries:
        instance: Path | None = entry.instance
        if entry.generate is not None:
            instance = materialise(entry.generate, cache)
        if entry.source == "literature":
            assert entry.kind is not None
            function = plugins.literature_runner(entry.kind)
            skip = entry.skip or (
                None
                if function is not None
                else f"no {entry.kind} runner in this build (composer.bench.plugins."
                "LITERATURE_RUNNERS)"
            )
            tasks.append(
                RunTask(
                    entry=entry,
                    solver="composer",
                    target=entry.kind,
                    function=function,
                    skip=skip,
                    **common,
                )
            )
            targets: tuple[str, ...] = (entry.kind,)
        else:
            tasks.append(
                RunTask(
                    entry=entry, solver="composer", target="plan", instance_path=instance, **common
                )
            )
            targets = entry.stages
        for peer in entry.peers:
            wired = [(t, plugins.peer_target(peer, t)) for t in targets]
            wired = [(t, f) for t, f in wired if f is not None]
            if not wired:
                tasks.append(
                    RunTask(
                        entry=entry,
                        solver=peer,
                        target=targets[0] if len(targets) == 1 else "plan",
                        instance_path=instance,
                        skip=f"peer {peer!r} has nothing for {', '.join(targets)} in this "
                        "build (composer.bench.plugins.PEERS)",
                        **common,
                    )
                )
            for target, function in wired:
                tasks.append(
                    RunTask(
                        entry=entry,
                        solver=peer,
                        target=target,
                        function=function,
                        instance_path=instance,
                        skip=entry.skip,
                        **common,
                    )
                )
    return tasks


def default_jobs(entries: Sequence[ResolvedEntry]) -> int:
    """Runs at once on this machine: as many as fit its cores at the entries' worker count
    (one at a time on 2 cores with 2 workers), so timings do not compete for cores."""
    widest = max((e.workers for e in entries), default=1)
    return max(1, (os.cpu_count() or 1) // max(1, widest))


def run_suite(
    suite_name: str,
    db: Path | None = None,
    *,
    tolerance: float | None = None,
    cluster: str | None = None,
    jobs: int | None = None,
    only: tuple[str, ...] = (),
    literature_dir: Path | None = None,
    cache: Path | None = None,
    keep_dir: Path | None = None,
    command: str | None = None,
    progress: Callable[[Outcome, int, int], None] | None = None,
) -> SuiteOutcome:
    """Run a suite, judge every run against its previous one and record it in ``db``."""
    suite_path = find_suite(suite_name)
    suite = load_suite(suite_path)
    root = repository_root(suite_path.parent)
    lit_dir = literature_root(suite, root, literature_dir)
    entries = resolve_entries(suite, suite_path, root, lit_dir, tolerance, only)
    cache = cache or root / "benchmarks" / "cache"
    db = db or root / "benchmarks" / "history.sqlite"
    tasks = build_tasks(suite, entries, root, lit_dir, cache, keep_dir)
    published = published_values(lit_dir) if lit_dir.is_dir() else {}
    commit, dirty = git_state(root)
    batch = Batch(
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        suite=suite.name,
        tool_version=__version__,
        git_commit=commit,
        git_dirty=dirty,
        host=platform.node(),
        platform=platform.platform(),
        python=platform.python_version(),
        cpu_count=os.cpu_count(),
        cluster=cluster,
        command=command,
    )
    outcomes: list[Outcome] = []
    interrupted = False
    with History(db) as history:
        batch_id = history.add_batch(batch)
        batch = dataclasses.replace(batch, id=batch_id)

        def record(run: RunRecord, task: RunTask) -> Outcome:
            previous = history.previous(run.suite, run.entry, run.solver, run.target)
            pub = (
                published.get(task.entry.literature_file)
                if task.entry.literature_file is not None
                else None
            )
            verdict = judge(run, previous, task.entry.thresholds, pub)
            if run.stored:
                history.add_run(run, batch_id)
            outcome = Outcome(run, previous, verdict, pub)
            outcomes.append(outcome)
            if progress is not None:
                progress(outcome, len(outcomes), len(tasks))
            return outcome

        n_jobs = jobs if jobs is not None else default_jobs(entries)
        if cluster is None and n_jobs <= 1:
            # one at a time, reported as each finishes; Ctrl-C keeps what finished
            try:
                for task in tasks:
                    record(run_task(task), task)
            except KeyboardInterrupt:
                interrupted = True
        else:
            for task, run in zip(tasks, map_tasks(run_task, tasks, n_jobs, cluster), strict=True):
                record(run, task)
    return SuiteOutcome(suite, suite_path, batch, outcomes, interrupted)
