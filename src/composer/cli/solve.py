"""``composer solve``: plan an instance and write ``DIR/plan.json`` (and ``run.json``)."""

from __future__ import annotations

import json
import math
import signal
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from composer.cli.main import echo_err, guarded
from composer.errors import (
    EXIT_INFEASIBLE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    InputError,
    Issue,
)
from composer.io import load_instance
from composer.io.json_io import plan_to_json
from composer.io.safe_write import check_output_dir, refuse_overwriting_inputs, staged_dir
from composer.model.plan import Plan
from composer.params import (
    STAGES,
    SolveParams,
    apply_overrides,
    clock_start_now,
    parse_override,
)
from composer.pipeline import RunLog, minimum_seconds
from composer.pipeline import solve as run_pipeline


@contextmanager
def stop_on_signals(params: SolveParams) -> Iterator[dict[str, int]]:
    """While solving, SIGINT/SIGTERM set the stop flag (the best plan is kept).

    A second Ctrl-C falls back to Python's default and aborts at once.
    """
    received: dict[str, int] = {}

    def handler(signum: int, _frame: Any) -> None:
        received.setdefault("signal", signum)
        params.stop.set()
        if signum == signal.SIGINT:
            signal.signal(signal.SIGINT, signal.default_int_handler)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


class LiveLine:
    """One live status line on stderr: stage, best objective, bound, elapsed."""

    def __init__(self, quiet: bool) -> None:
        self.console = Console(stderr=True)
        self.quiet = quiet or not self.console.is_terminal
        self.t0 = time.perf_counter()
        self.status = None if self.quiet else self.console.status("starting")
        if self.status is not None:
            self.status.start()

    def __call__(
        self, stage: str, message: str, objective: float | None = None, bound: float | None = None
    ) -> None:
        if self.status is None:
            return
        parts = [f"[bold]{stage}[/bold] {message}"]
        if objective is not None:
            parts.append(f"best {objective:,.0f}")
        if bound is not None:
            parts.append(f"bound {bound:,.0f}")
        parts.append(f"{time.perf_counter() - self.t0:.1f}s")
        self.status.update("  ".join(parts))

    def close(self) -> None:
        if self.status is not None:
            self.status.stop()


def summary_lines(plan: Plan, log: RunLog) -> list[str]:
    """The human summary printed after a solve."""
    lines = []
    gap = f"{plan.gap:.2%}" if plan.gap is not None else "-"
    objective = f"{plan.objective:,.0f}" if plan.objective is not None else "-"
    bound = f"{plan.bound:,.0f}" if plan.bound is not None else "-"
    lines.append(
        f"status {plan.status}{' (interrupted: best plan so far)' if plan.interrupted else ''}"
        f"  objective {objective}  bound {bound}  gap {gap}  time {log.total_seconds:.1f}s"
    )
    for name, result in plan.stages.items():
        sgap = f"{result.gap:.2%}" if result.gap is not None else "-"
        lines.append(
            f"  {name:<9} {result.status:<11} objective "
            f"{result.objective if result.objective is not None else '-'}  bound "
            f"{result.bound if result.bound is not None else '-'}  gap {sgap}  "
            f"{log.wall_seconds.get(name, 0.0):.1f}s"
        )
        lines.extend(f"    {note}" for note in result.notes)
    if plan.networks:
        sizes = [len(n.learners) for n in plan.networks]
        lines.append(
            f"  {len(plan.networks)} LOS networks, {sum(sizes)} learners placed "
            f"(sizes {min(sizes)}-{max(sizes)})"
        )
        for net in plan.networks[:50]:
            slot = (
                f"{net.slot.weekday} {net.slot.start:%H:%M}-{net.slot.end:%H:%M}"
                if net.slot
                else "-"
            )
            lines.append(
                f"    {net.id:<12} {net.region:<24} {slot:<16} {len(net.learners):>3} learners  "
                f"{', '.join(net.facilitators)}"
            )
        if len(plan.networks) > 50:
            lines.append(f"    ... {len(plan.networks) - 50} more in plan.json")
    if plan.clusters:
        lines.append(f"  {len(plan.clusters)} BV clusters")
    if plan.tn_networks:
        lines.append(f"  {len(plan.tn_networks)} TN networks")
    if plan.sessions:
        calendar = plan.stages.get("calendar")
        partial = (
            f" (partial: the calendar is {calendar.status}, see its notes)"
            if calendar is not None and calendar.status in {"infeasible", "unknown"}
            else ""
        )
        lines.append(f"  {len(plan.sessions)} dated sessions, {len(plan.visits)} visits{partial}")
    if plan.unplaced:
        kinds = Counter(u.what for u in plan.unplaced)
        parts = ", ".join(f"{n} {what}(s)" for what, n in sorted(kinds.items()))
        lines.append(f"  {len(plan.unplaced)} unplaced: {parts} (see plan.json 'unplaced')")
    return lines


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--time-limit",
    default=60.0,
    show_default=True,
    help="Seconds for the whole solve (with --workers 1: seconds of counted work, so the "
    "run repeats; the wall clock stops it at four times the limit).",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    help="CP-SAT search workers; 1 gives a plan that repeats byte for byte (same seed).",
)
@click.option("--processes", default=None, type=int, help="Subproblems solved at once.")
@click.option("--seed", default=0, show_default=True, help="Random seed.")
@click.option(
    "--stage",
    "stages",
    multiple=True,
    type=click.Choice(STAGES),
    help="Only these stages (repeatable); default all.",
)
@click.option("--set", "sets", multiple=True, help="Override a setting: --set bv.allow_seven=true")
@click.option("--force", is_flag=True, help="Replace an existing, non-empty output folder.")
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    default=None,
    help="A previous plan.json (e.g. last year's): keep its networks and clusters together "
    "where the rules allow (see composer whatif).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress line or summary.")
@click.option(
    "--export",
    "exports",
    multiple=True,
    type=click.Choice(("xlsx", "csv", "ics", "html")),
    help="Also write these outputs into OUT (repeatable), as `composer export` does.",
)
@guarded
def solve(
    path: Path,
    out: Path,
    time_limit: float,
    workers: int,
    processes: int | None,
    seed: int,
    stages: tuple[str, ...],
    sets: tuple[str, ...],
    force: bool,
    baseline: Path | None,
    quiet: bool,
    exports: tuple[str, ...],
) -> None:
    """Plan the instance at PATH and write OUT/plan.json and OUT/run.json.

    Exit 0 with a plan; 3 when infeasible (the blocking rule ids are printed) or when a
    stage found no plan within the time limit (status unknown); 130/143 when interrupted
    (the best plan found so far is written, marked as such). --time-limit covers the
    whole command, from start to plan.json written (not --export). --quiet prints errors
    only.
    """
    clock_start = clock_start_now()
    overrides = _overrides(sets)
    refuse_overwriting_inputs(out, path, baseline)
    instance = apply_overrides(load_instance(path), overrides)
    check_output_dir(out, force)
    if not quiet:
        # pre-solve warnings (national: ~0.8 s); with --quiet nobody reads them, so they
        # do not eat into the time limit (`composer validate` prints them on demand)
        from composer.diagnostics import diagnose

        planned = set(stages) if stages else set(STAGES)
        for issue in diagnose(instance):
            # a warning about a stage this run does not plan is noise (--stage los and B8)
            stage = RULE_STAGE.get(issue.rule[:1]) if issue.rule else None
            if stage is None or stage in planned:
                echo_err(f"warning: {issue.render()}")
    params = SolveParams(
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        processes=processes,
        stages=tuple(s for s in STAGES if s in stages) if stages else STAGES,
        overrides=overrides,
        clock_start=clock_start,
    )
    need = minimum_seconds(instance, params, time.perf_counter() - clock_start)
    if time_limit < need:
        # said even with --quiet: the run will not keep to the limit it was given
        echo_err(
            f"warning: --time-limit {time_limit:g} s is below the ~{need:.0f} s this "
            f"instance needs at least ({len(instance.learners)} learners, "
            f"{len(instance.schools)} schools: start-up, loading and each stage's fixed "
            "cost, estimated on a 2-core machine); the run will take about that long and "
            "each stage returns its best plan so far or `unknown`"
        )
        echo_err(f"  fix: --time-limit {math.ceil(need * 1.25)} or more, or fewer --stage")
    live = LiveLine(quiet)
    with stop_on_signals(params) as received:
        try:
            if baseline is None:
                plan, log = run_pipeline(instance, params, live)
            else:
                plan, log = _solve_near(instance, params, baseline)
        finally:
            live.close()
    with staged_dir(out, force=True) as tmp:
        (tmp / "plan.json").write_text(plan_to_json(plan), encoding="utf-8")
        run = {
            "wall_seconds": log.wall_seconds,
            "total_seconds": log.total_seconds,
            "minimum_seconds_estimate": round(need, 1),
            "clock": "work" if params.deterministic else "wall",
            "work_seconds": log.work_seconds,
            "wall_safety_net_fired": log.overran,
        }
        (tmp / "run.json").write_text(json.dumps(run, indent=1) + "\n", encoding="utf-8")
        if exports:
            from composer.export import ExportOptions, write_exports

            write_exports(instance, plan, tmp, ExportOptions(formats=exports))
    if not quiet:
        for line in summary_lines(plan, log):
            click.echo(line)
        click.echo(f"wrote {out / 'plan.json'}")
    if log.overran:
        echo_err(
            "warning: this --workers 1 run was stopped by the wall clock at four times its time "
            "limit (a busy or slow machine): the plan is sound, but a repeat may differ"
        )
        echo_err("  fix: run on a quieter machine, or give a shorter --time-limit")
    if "signal" in received:
        sys.exit(EXIT_INTERRUPTED if received["signal"] == signal.SIGINT else EXIT_TERMINATED)
    if plan.status == "infeasible":
        blocking = sorted(
            {n for r in plan.stages.values() if r.status == "infeasible" for n in r.notes}
        )
        echo_err("infeasible: no plan satisfies the hard rules")
        for note in blocking:
            echo_err(f"  {note}")
        if any(plan.stages[n].status == "infeasible" for n in ("los", "bv") if n in plan.stages):
            echo_err("  run `composer explain` for the smallest set of conflicting rules")
        else:
            # explain has conflict models for LOS and BV only; the notes above carry the fix
            echo_err("  fix as the notes say and solve again (explain reports the same checks)")
        sys.exit(EXIT_INFEASIBLE)
    if plan.status == "unknown":
        stuck = sorted(n for n, r in plan.stages.items() if r.status == "unknown")
        echo_err(
            f"no plan found within the time limit of {time_limit:g} s "
            f"(stage(s) {', '.join(stuck)}: status unknown); plan.json holds what was found"
        )
        echo_err("  fix: give more time with --time-limit, or plan fewer stages with --stage")
        sys.exit(EXIT_INFEASIBLE)
    sys.exit(EXIT_OK)


RULE_STAGE = {"L": "los", "B": "bv", "T": "tn"}
"""The stage a rule id's family belongs to (DOMAIN.md: L1-L11 LOS, B1-B8 BV, T1-T7 TN);
warnings of other rules (C, P, none) are always shown."""


def _solve_near(instance: Any, params: SolveParams, baseline: Path) -> tuple[Plan, RunLog]:
    """Solve keeping a previous plan together where the rules allow (issue 7)."""
    from composer.cli.basic import read_plan_argument
    from composer.replan import replan

    started = time.perf_counter()
    _, plan, _, _, _ = replan(
        instance,
        read_plan_argument(baseline, "--baseline"),
        params,
        strict=True,
        stages=params.stages,
    )
    log = RunLog()
    log.total_seconds = time.perf_counter() - started
    return plan, log


def _overrides(sets: tuple[str, ...]) -> dict[str, Any]:
    """The --set options by key; a key given twice is refused, naming both values: the
    plan records one value, and which one the planner meant is theirs to say."""
    overrides: dict[str, Any] = {}
    given: dict[str, list[str]] = {}
    for text in sets:
        key, value = parse_override(text)
        given.setdefault(key, []).append(text.split("=", 1)[1].strip())
        overrides[key] = value
    twice = [
        Issue(
            f"--set {key} is given {len(values)} times ({', '.join(map(repr, values))})",
            fix=f"give --set {key}=... once, with the value you mean",
        )
        for key, values in given.items()
        if len(values) > 1
    ]
    if twice:
        raise InputError(twice, "bad --set option")
    return overrides


COMMANDS = [solve]
