"""``composer explain`` and ``composer whatif``: why no plan exists, and what if ... (issue 7)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from composer.cli.main import echo_err, guarded
from composer.errors import (
    EXIT_INFEASIBLE,
    EXIT_OK,
    EXIT_VIOLATIONS,
    InputError,
    OutputExistsError,
)
from composer.io import load_instance
from composer.io.safe_write import (
    atomic_write_text,
    check_output_dir,
    check_writable,
    refuse_overwriting_inputs,
    staged_dir,
)

if TYPE_CHECKING:
    from composer.model.instance import Instance


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--time-limit", default=10.0, show_default=True, help="Seconds per feasibility check."
)
@click.option("--verify-time", default=30.0, show_default=True, help="Seconds to solve the fix.")
@click.option("--no-verify", is_flag=True, help="Do not solve the relaxed instance.")
@click.option(
    "--write-change",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the proposed relaxation as a change file (for composer whatif).",
)
@click.option("--force", is_flag=True, help="Replace an existing --write-change file.")
@guarded
def explain(
    path: Path,
    time_limit: float,
    verify_time: float,
    no_verify: bool,
    write_change: Path | None,
    force: bool,
) -> None:
    """Explain why the instance at PATH has no plan: the smallest set of conflicting
    rule groups per region (rule ids and items) and the cheapest relaxation, verified.

    Exit 0 when every part is feasible (nothing to explain) or BV only leaves out what
    solve also plans around and lists (B8 schools, B4 clusters; explained all the same),
    3 when a part is infeasible.
    """
    from composer.io.change_io import change_to_yaml
    from composer.replan import (
        check_unmodelled_stages,
        combined_relaxation,
        explain_names,
        explanation_lines,
        failure_lines,
        unmodelled_failures,
        verify_relaxation,
    )
    from composer.replan import (
        explain as run_explain,
    )

    if write_change is not None:
        _refuse_write_change(path, write_change, force)
    instance = load_instance(path)
    found = run_explain(instance, time_limit)
    # an undecided part whose pruning already shows a blocking reason has no plan either
    infeasible = [
        e
        for e in found
        if (e.status == "infeasible" and not e.left_out) or (e.status == "unknown" and e.notes)
    ]
    explained = infeasible + [e for e in found if e.left_out]
    names = explain_names(instance)
    for e in found:
        for line in explanation_lines(e, names):
            click.echo(line)
    for line in _tn_lines(instance):
        click.echo(line)
    if not explained:
        if not found:
            click.echo("nothing to plan for LOS or BV: no LOS learners or networks, no BV schools")
        if no_verify:
            click.echo("TN and calendar: not checked (--no-verify)")
            sys.exit(EXIT_OK)
        # the LOS and BV parts hold: what solve could still stop at are the stages explain
        # has no model for, so they are solved and their own checks reported
        failures = check_unmodelled_stages(instance, verify_time)
        for line in failure_lines(failures, verify_time):
            click.echo(line)
        if not failures:
            click.echo("TN and calendar: solved (every stage has a plan)")
        sys.exit(EXIT_INFEASIBLE if any(f.status == "infeasible" for f in failures) else EXIT_OK)
    change = combined_relaxation(explained)
    later_infeasible = False  # a stage explain has no model for, after the change
    if change is not None:
        click.echo("proposed change (apply with composer whatif --change FILE):")
        for line in change_to_yaml(change).splitlines():
            click.echo(f"  {line}")
        if write_change is not None:
            atomic_write_text(write_change, change_to_yaml(change))
            click.echo(f"wrote {write_change}")
        if not no_verify:
            _, plan, report = verify_relaxation(instance, change, verify_time)
            statuses = ", ".join(
                f"{name} {r.status}" for name, r in plan.stages.items() if r.status != "not_planned"
            )
            # the change may leave nothing to plan (the only BV schools deferred)
            statuses = statuses or "nothing left to plan"
            verdict = "checker clean" if report.ok else f"{len(report.errors)} violation(s)"
            solved = all(
                r.status in {"optimal", "feasible"}
                for r in plan.stages.values()
                if r.status != "not_planned"
            )
            still_out = [u for u in plan.unplaced if u.rule in {"B2", "B4", "B8"}]
            if still_out and any(e.left_out for e in explained):
                solved = False
                statuses += f"; still left out: {len(still_out)} under B2/B4/B8"
            later = unmodelled_failures(plan)
            later_infeasible = any(f.status == "infeasible" for f in later)
            if solved and report.ok:
                click.echo(f"verified: the relaxed instance solves ({statuses}; {verdict})")
            elif later_infeasible:
                click.echo(
                    f"NOT verified: with the change the groups hold, but a later stage has no "
                    f"plan ({statuses}); apply the change and see the stage's checks:"
                )
                for line in failure_lines(later, verify_time):
                    click.echo(f"  {line}")
            else:
                click.echo(
                    f"NOT verified: the relaxed instance does not solve in {verify_time:g} s "
                    f"({statuses}; {verdict}); raise --verify-time, or apply the change and "
                    "run composer explain again"
                )
    sys.exit(EXIT_INFEASIBLE if infeasible or later_infeasible else EXIT_OK)


def _tn_lines(instance: Instance) -> list[str]:
    """What the TN pre-checks find (T rules: networks that cannot be held, participants no
    network can take). explain searches no minimal conflict for TN; composer solve plans
    without these and lists them, so they are named here rather than left unsaid."""
    from composer.tn_rules import tn_findings

    findings = tn_findings(instance)
    if not findings:
        return []
    lines = [
        "TN networks: no minimal conflict is searched; composer solve plans without what "
        "these checks find and lists it in plan.unplaced:"
    ]
    for issue in findings:
        lines.extend(f"  {line}" for line in issue.render().splitlines())
    return lines


def _refuse_write_change(path: Path, write_change: Path, force: bool) -> None:
    """Before explaining: the change file must not overwrite the instance or, without
    --force, an existing file, and its folder must take a new file."""
    inp, dest = path.resolve(), write_change.resolve()
    if dest == inp or inp in dest.parents:
        raise OutputExistsError(
            f"--write-change {write_change} is (inside) the instance {path}: writing there "
            "would replace the input; choose a file outside it"
        )
    if write_change.is_dir():
        raise OutputExistsError(f"--write-change {write_change} is a folder; give a file name")
    if write_change.exists() and not force:
        raise OutputExistsError(
            f"--write-change {write_change} already exists; use --force to replace it or "
            "choose another file"
        )
    check_writable(write_change, "--write-change")


# --------------------------------------------------------------------------- whatif


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option(
    "--baseline", required=True, type=click.Path(path_type=Path), help="plan.json to keep."
)
@click.option(
    "--change", "change", type=click.Path(path_type=Path), default=None, help="Change file."
)
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--compare",
    "compare",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Further change files, each re-planned on its own and shown side by side.",
)
@click.option("--time-limit", default=30.0, show_default=True, help="Seconds per scenario.")
@click.option("--workers", default=2, show_default=True, help="CP-SAT workers per scenario.")
@click.option("--processes", default=2, show_default=True, help="Scenarios solved at once.")
@click.option("--seed", default=0, show_default=True)
@click.option("--strict", is_flag=True, help="Refill networks that fall below their minimum.")
@click.option("--force", is_flag=True, help="Replace an existing, non-empty output folder.")
@guarded
def whatif(
    path: Path,
    baseline: Path,
    change: Path | None,
    out: Path,
    compare: tuple[Path, ...],
    time_limit: float,
    workers: int,
    processes: int,
    seed: int,
    strict: bool,
    force: bool,
) -> None:
    """Re-plan the instance at PATH after CHANGE, keeping the BASELINE plan where the
    rules allow: learners of still-valid networks stay, every move is penalised.

    Writes OUT/plan.json, OUT/diff.json and OUT/instance.json (the instance planned);
    with --compare each further change goes to OUT/<name>/. Without --change, PATH may be
    a new year's instance: the previous plan is kept together where rules allow.
    The baseline files are never modified. Exit 0 with a plan, 1 when the checker
    rejects a scenario's plan, 3 when infeasible or no plan was found within the time
    limit.
    """
    from composer.cli.basic import (
        changed_instance_issue,
        other_instance_issues,
        read_plan_argument,
    )
    from composer.io.change_io import check_change
    from composer.parallel import map_tasks
    from composer.replan import Scenario, run_scenario

    refuse_overwriting_inputs(out, path, baseline, change, *compare)
    check_output_dir(out, force)
    instance = load_instance(path)
    base_plan = read_plan_argument(baseline, "--baseline")
    other = other_instance_issues(instance, base_plan, baseline)
    if other and (change is not None or compare):
        # a change applies to the instance the baseline was solved for
        raise InputError(other, "the baseline does not belong to this instance")
    edited = changed_instance_issue(instance, base_plan, baseline)
    if edited is not None and (change is not None or compare):
        echo_err(f"warning: {edited.render()}")
    for issue in other:
        # without a change PATH may be a new year's instance: say so, then keep what matches
        echo_err(f"warning: {issue.render()}")
    for p in (change, *compare):
        if p is not None:
            check_change(p, instance)  # every problem of the file, before any solving
    names: dict[str, Path] = {}
    for p in (change, *compare):
        if p is None:
            continue
        if p.stem == "main" and change is None:
            raise OutputExistsError(
                f"--compare {p}: without --change the first scenario is called 'main'; "
                "rename the file"
            )
        if p.stem in names:
            # each scenario is written to OUT/<file name without .yaml>: one would be lost
            raise OutputExistsError(
                f"the change files {names[p.stem]} and {p} are both called {p.stem!r}, and "
                f"each scenario is written to {out}/<name>; rename one of them"
            )
        names[p.stem] = p
    scenarios = [
        Scenario(
            "main" if change is None else change.stem,
            str(path),
            str(baseline),
            None if change is None else str(change),
            time_limit,
            workers,
            seed,
            strict,
        )
    ]
    for p in compare:
        scenarios.append(
            Scenario(p.stem, str(path), str(baseline), str(p), time_limit, workers, seed, strict)
        )
    results = map_tasks(run_scenario, scenarios, processes)
    with staged_dir(out, force=True) as tmp:
        for k, r in enumerate(results):
            folder = tmp if k == 0 else tmp / r["name"]
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "plan.json").write_text(r["plan"], encoding="utf-8")
            (folder / "diff.json").write_text(json.dumps(r["diff"], indent=1) + "\n", "utf-8")
            (folder / "instance.json").write_text(r["instance"], encoding="utf-8")
    for r in results:
        click.echo(
            f"== {r['name']}: {r['status']}, checker {'clean' if r['check_ok'] else 'FAILED'}"
        )
        for line in r["lines"]:
            click.echo(f"  {line}")
        for v in r["violations"]:
            click.echo(f"  violation: {v}")
    if len(results) > 1:
        click.echo(_side_by_side(results))
    click.echo(f"wrote {out}")
    failed = any(r["status"] in {"infeasible", "unknown"} for r in results)
    if failed:
        sys.exit(EXIT_INFEASIBLE)
    dirty = [r["name"] for r in results if not r["check_ok"]]
    if dirty:
        # a plan the referee rejects is not a re-plan to act on: exit 1, as composer check
        echo_err(
            f"the checker rejects the re-plan of {', '.join(dirty)} (violations above); "
            f"the files are written for inspection: composer check {out}/instance.json "
            f"{out}/plan.json lists them all"
        )
        sys.exit(EXIT_VIOLATIONS)
    sys.exit(EXIT_OK)


def _side_by_side(results: list[dict[str, Any]]) -> str:
    """The scenarios as columns: status, objective, moves, slots, clusters, sessions,
    visits."""
    from composer.replan import objective_text

    rows = [
        ("scenario", [r["name"] for r in results]),
        ("status", [r["status"] for r in results]),
        ("objective before", [objective_text(r["diff"]["objective"]["before"]) for r in results]),
        ("objective after", [objective_text(r["diff"]["objective"]["after"]) for r in results]),
        ("learners moved", [str(r["diff"]["summary"]["moved"]) for r in results]),
        ("moved from valid", [str(r["diff"]["summary"]["moved_from_valid"]) for r in results]),
        ("region without plan", [str(r["diff"]["summary"]["without_plan"]) for r in results]),
        ("removed", [str(r["diff"]["summary"]["removed"]) for r in results]),
        ("added", [str(r["diff"]["summary"]["added"]) for r in results]),
        ("slots changed", [str(len(r["diff"]["slots"])) for r in results]),
        ("facilitators changed", [str(len(r["diff"]["facilitators"])) for r in results]),
        ("schools whose cluster changed", [str(len(r["diff"]["clusters"])) for r in results]),
        (
            "TN participants whose network changed",
            [str(len(r["diff"]["tn_moves"])) for r in results],
        ),
        ("sessions changed", [str(len(r["diff"]["sessions"])) for r in results]),
        ("visits changed", [str(len(r["diff"]["visits"])) for r in results]),
        ("rules affected", [",".join(r["diff"]["rules"]) or "-" for r in results]),
    ]
    width = max(14, *(len(v) for _, vs in rows for v in vs)) + 2
    lines = ["side by side:"]
    for label, values in rows:
        lines.append(f"  {label:<22}" + "".join(f"{v:<{width}}" for v in values))
    return "\n".join(lines)


COMMANDS = [explain, whatif]
