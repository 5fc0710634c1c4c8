"""Benchmark the LOS stage: solve instances, check every plan, record the figures.

One command runs every (instance, time limit, seed) combination through the real CLI
(``python -m composer solve --stage los`` in a fresh process, so start-up, worker
processes and memory are measured as a planner would see them), then runs the
independent checker on the plan. It records status, objective, bound, gap, wall time,
peak memory (the largest process: the solve or one of its region workers), the
violations the checker finds and whether the recomputed objective agrees, plus the gap
per region from the stage notes.

    PYTHONPATH=src python benchmarks/run_los.py instances/midden-nederland \\
        --time-limit 10 --seeds 0 1 2 --workers 2 --out benchmarks/results/los.jsonl

Results are appended as JSON lines (one per run) with the machine, the date, the commit
and the command, and summarised as a table on stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        import ortools

        ortools_version = ortools.__version__
    except ImportError:  # pragma: no cover - ortools is a dependency
        ortools_version = "?"
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "ortools": ortools_version,
        "platform": platform.platform(),
        "load_1min_at_start": load,
    }


def commit() -> str:
    """The git commit of this checkout (with ``+dirty`` when it has changes)."""
    try:
        head = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


def instance_file(path: Path) -> Path:
    """The path ``composer solve`` reads: a CSV folder (``instance.yaml``) or a file as it
    is; an older folder holding ``instance.json`` gives that file."""
    if path.is_dir() and not (path / "instance.yaml").exists():
        return path / "instance.json"
    return path


REGION_NOTE = re.compile(
    r"^region (?P<region>\S+): (?P<status>\w+)(?:, objective (?P<objective>[\d,]+) "
    r"\(bound (?P<bound>[\d,]+|None)(?:, gap (?P<gap>[\d.]+)%)?\))?"
)


def regions_from_notes(notes: list[str]) -> list[dict[str, Any]]:
    """Per region: status, objective, bound and gap as the stage notes state them."""
    found = []
    for note in notes:
        match = REGION_NOTE.match(note)
        if not match:
            continue
        row: dict[str, Any] = {"region": match["region"], "status": match["status"]}
        for key in ("objective", "bound"):
            value = match[key]
            row[key] = None if value in (None, "None") else float(value.replace(",", ""))
        row["gap"] = None if match["gap"] is None else float(match["gap"]) / 100
        found.append(row)
    return found


def run_one(
    path: Path, time_limit: float, seed: int, workers: int, processes: int | None
) -> dict[str, Any]:
    """Solve and check one instance; returns the record of the run."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="los-bench-") as tmp:
        out = Path(tmp) / "out"
        command = [
            sys.executable,
            "-m",
            "composer",
            "solve",
            str(instance_file(path)),
            "--out",
            str(out),
            "--stage",
            "los",
            "--quiet",
            "--time-limit",
            str(time_limit),
            "--seed",
            str(seed),
            "--workers",
            str(workers),
        ]
        if processes is not None:
            command += ["--processes", str(processes)]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        t0 = time.perf_counter()
        solved = subprocess.run(command, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - t0
        peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        record: dict[str, Any] = {
            "instance": str(path),
            "time_limit": time_limit,
            "seed": seed,
            "workers": workers,
            "processes": processes,
            "exit_code": solved.returncode,
            "wall_seconds": round(wall, 2),
            # ru_maxrss only grows: a run smaller than an earlier one reports the earlier peak
            "peak_memory_mb": round(max(peak_kb, before) / 1024, 1),
            "peak_memory_exact": peak_kb > before,
        }
        plan_path = out / "plan.json"
        if not plan_path.exists():
            record["error"] = (solved.stderr or solved.stdout)[-2000:]
            return record
        plan = json.loads(plan_path.read_text())
        stage = plan.get("stages", {}).get("los", {})
        run_log = json.loads((out / "run.json").read_text()) if (out / "run.json").exists() else {}
        record.update(
            status=plan["status"],
            objective=plan["objective"],
            bound=plan["bound"],
            gap=plan["gap"],
            solve_seconds=round(run_log.get("total_seconds", float("nan")), 2),
            parts=stage.get("parts", {}),
            regions=regions_from_notes(list(stage.get("notes", []))),
            learners_placed=sum(len(n["learners"]) for n in plan["networks"]),
            networks=len(plan["networks"]),
        )
        checked = subprocess.run(
            [
                sys.executable,
                "-m",
                "composer",
                "check",
                str(instance_file(path)),
                str(plan_path),
                "--json",
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        try:
            report = json.loads(checked.stdout)
        except json.JSONDecodeError:
            record["check_error"] = (checked.stderr or checked.stdout)[-2000:]
            return record
        errors = [v for v in report["violations"] if v["severity"] == "error"]
        record.update(
            check_ok=report["ok"],
            violations=len(errors),
            violation_rules=sorted({v["rule"] for v in errors}),
            objective_mismatches=report["mismatches"],
        )
        return record


def table(records: list[dict[str, Any]]) -> str:
    """A plain-text summary, one line per run."""
    head = (
        f"{'instance':<28} {'limit':>6} {'seed':>4} {'status':<10} {'objective':>10} "
        f"{'bound':>10} {'gap':>7} {'wall s':>7} {'MB':>7} {'check':>6}"
    )
    lines = [head, "-" * len(head)]
    for r in records:
        gap = "-" if r.get("gap") is None else f"{r['gap']:.2%}"
        obj = "-" if r.get("objective") is None else f"{r['objective']:,.0f}"
        bound = "-" if r.get("bound") is None else f"{r['bound']:,.0f}"
        check = "ok" if r.get("check_ok") else f"{r.get('violations', '?')} err"
        lines.append(
            f"{Path(r['instance']).name[:28]:<28} {r['time_limit']:>6g} {r['seed']:>4} "
            f"{r.get('status', 'error'):<10} {obj:>10} {bound:>10} {gap:>7} "
            f"{r['wall_seconds']:>7.1f} {r['peak_memory_mb']:>7.0f} {check:>6}"
        )
        for region in r.get("regions", []) if len(r.get("regions", [])) > 1 else []:
            rgap = "-" if region["gap"] is None else f"{region['gap']:.2%}"
            lines.append(f"    {region['region']:<36} {region['status']:<10} gap {rgap}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("instances", nargs="+", type=Path, help="instance folders or files")
    parser.add_argument("--time-limit", type=float, nargs="+", default=[10.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--processes", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="append JSON lines here")
    args = parser.parse_args()
    meta = {
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "command": " ".join(sys.argv),
    }
    records = []
    for path in args.instances:
        for limit in args.time_limit:
            for seed in args.seeds:
                record = {**meta, **run_one(path, limit, seed, args.workers, args.processes)}
                records.append(record)
                if args.out is not None:
                    args.out.parent.mkdir(parents=True, exist_ok=True)
                    with args.out.open("a", encoding="utf-8") as fh:
                        fh.write(json.dumps(record) + "\n")
                print(table([record]).splitlines()[-1], flush=True)
    print()
    print(
        f"{meta['date']}  commit {meta['commit']}  {meta['machine']['cpu']}, "
        f"{meta['machine']['cores']} cores, load {meta['machine']['load_1min_at_start']}"
    )
    print(table(records))
    if any(not r.get("check_ok") for r in records):
        sys.exit(1)


if __name__ == "__main__":
    main()
