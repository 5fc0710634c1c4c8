"""The child process of one bench run: ``python -m composer.bench.child SPEC.json``.

The bench measures every solve in a process of its own (wall time, CPU time and peak
memory of exactly that solve). The spec says what to run:

- ``{"mode": "solve", "args": [...], "stage_functions": {...}}`` runs ``composer solve``
  with those arguments, exactly as on the command line (its exit code is this process's);
  ``stage_functions`` are the parent's ``pipeline.STAGE_FUNCTIONS``, so the child solves
  with the same stages as the process that started the bench;
- ``{"mode": "call", "target": "module:function", "task": {...}, "out": DIR}`` runs a
  literature runner or a peer (:mod:`composer.bench.plugins`) and writes ``DIR/result.json``
  (and ``DIR/plan.json`` when it returns a plan).

Either way it writes its own peak memory to ``spec["measure"]`` when it exits (see
:func:`own_peak_kb`).
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any

from composer import clock
from composer.errors import EXIT_BAD_INPUT, ComposerError, InputError

EXIT_INTERNAL = 70


def _solve(spec: dict[str, Any]) -> int:
    from composer import pipeline
    from composer.cli.main import cli
    from composer.params import mark_process_entry

    mark_process_entry()  # this process runs one solve: its start counts
    pipeline.STAGE_FUNCTIONS.clear()
    pipeline.STAGE_FUNCTIONS.update(spec.get("stage_functions", {}))
    try:
        cli.main(args=list(spec["args"]), prog_name="composer", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def _call(spec: dict[str, Any]) -> int:
    from composer.bench.plugins import BenchResult, BenchTask, import_target
    from composer.io.json_io import plan_to_json
    from composer.params import SolveParams

    out = Path(spec["out"])
    out.mkdir(parents=True, exist_ok=True)
    raw = dict(spec["task"])
    task = BenchTask(
        target=raw["target"],
        path=Path(raw["path"]),
        time_limit=float(raw["time_limit"]),
        seed=int(raw.get("seed", 0)),
        workers=int(raw.get("workers", 1)),
        options=dict(raw.get("options", {})),
    )
    code = 0
    try:
        # one worker: composer's own engines time their searches by counted work, so the
        # entry repeats (composer.clock; the rule of SolveParams.deterministic, which also
        # keeps a Dask cluster on the wall clock); peers with their own timers are unaffected
        deterministic = SolveParams(time_limit=task.time_limit, workers=task.workers).deterministic
        with clock.use(clock.for_run(task.time_limit, deterministic)):
            result = import_target(spec["target"])(task)
        if not isinstance(result, BenchResult):
            raise TypeError(f"{spec['target']} returned {type(result).__name__}, not BenchResult")
    except InputError as exc:
        result = BenchResult("error", notes=[exc.render()])
        code = EXIT_BAD_INPUT
    except ComposerError as exc:
        result = BenchResult("error", notes=[str(exc)])
        code = exc.exit_code
    except Exception as exc:
        lines = traceback.format_exception_only(type(exc), exc)
        result = BenchResult("error", notes=["".join(lines).strip()])
        traceback.print_exc()
        code = EXIT_INTERNAL
    data = {
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "seconds": result.seconds,
        "solution": result.solution,
        "notes": list(result.notes),
        "has_plan": result.plan is not None,
    }
    if result.plan is not None:
        (out / "plan.json").write_text(plan_to_json(result.plan), encoding="utf-8")
    (out / "result.json").write_text(json.dumps(data), encoding="utf-8")
    return code


def own_peak_kb() -> int | None:
    """This process's own peak resident memory in kB since it started its program.

    Linux's ``ru_maxrss`` of a process started by fork+exec includes the parent's resident
    memory at the fork (the kernel keeps the old address space's high-water mark across
    exec), so a bench parent holding a large instance would inflate every child. The
    ``VmHWM`` line of ``/proc/self/status`` belongs to the new address space only. Elsewhere
    ``ru_maxrss`` is the best available.
    """
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text(encoding="ascii", errors="replace").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def children_peak_kb() -> int | None:
    """The largest peak resident memory of the children this process waited for (kB).

    Each is at least this process's size when it forked them (see :func:`own_peak_kb`), so
    the maximum with this process's own peak is exact."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def main(argv: list[str] | None = None) -> int:
    """Run the spec named on the command line; return the exit code.

    On the way out, writes this process's memory measure to ``spec["measure"]`` (if given).
    """
    args = sys.argv[1:] if argv is None else argv
    spec = json.loads(Path(args[0]).read_text(encoding="utf-8"))
    try:
        if spec["mode"] == "solve":
            return _solve(spec)
        return _call(spec)
    finally:
        if spec.get("measure"):
            Path(spec["measure"]).write_text(
                json.dumps({"own_peak_kb": own_peak_kb(), "children_peak_kb": children_peak_kb()}),
                encoding="utf-8",
            )


if __name__ == "__main__":
    sys.exit(main())
