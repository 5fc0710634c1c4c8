"""``composer schema``, ``composer validate`` and ``composer check``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from pydantic import BaseModel

from composer.cli.main import echo_err, guarded
from composer.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATIONS, InputError, Issue
from composer.io import load_instance, read_plan
from composer.model.instance import Instance
from composer.model.plan import Plan
from composer.rules import rule_order

SCHEMAS: dict[str, type[BaseModel]] = {"instance": Instance, "plan": Plan}


def other_instance_issues(instance: Instance, plan: Plan, plan_path: Path) -> list[Issue]:
    """Issues when PLAN was made for another instance: its name differs *and* it names
    groups or people the instance lacks (P1). A renamed instance whose ids all match is
    still checked (the checker warns under P1); a plan for another instance would only
    give hundreds of meaningless violations."""
    from composer.check.structure import check_plan_integrity

    if plan.instance == instance.name:
        return []
    broken = [v for v in check_plan_integrity(instance, plan) if v.severity == "error"]
    if not broken:
        return []
    shown = "; ".join(v.message for v in broken[:3])
    more = f" and {len(broken) - 3} more" if len(broken) > 3 else ""
    return [
        Issue(
            f"the plan was made for instance {plan.instance!r}, not {instance.name!r}, and "
            f"names what this instance lacks ({shown}{more})",
            source=str(plan_path),
            key="instance",
            rule="P1",
            fix=f"give the plan.json solved for {instance.name!r}, or the instance "
            f"{plan.instance!r} it was made for",
        )
    ]


def changed_instance_issue(instance: Instance, plan: Plan, plan_path: Path) -> Issue | None:
    """A warning when PLAN was made for this instance by name but for another version of
    it (its content hash differs: edited since, solved with --set, or the instance.json a
    whatif wrote): a change applied to PATH then re-plans from a baseline that does not
    match it, and people it lacks show up as new (P1, as composer check warns)."""
    from composer.check.structure import made_for_another_version

    if not made_for_another_version(instance, plan):
        return None
    return Issue(
        f"the plan was made for another version of instance {instance.name!r} (its hash "
        "differs): the re-plan compares with that plan, so what differs shows up as moved, "
        "added or removed",
        source=str(plan_path),
        key="instance_hash",
        rule="P1",
        severity="warning",
        fix="give the plan.json solved for this instance (after composer whatif, its "
        "instance.json and plan.json belong together), or the instance it was made for",
    )


@click.command()
@click.argument("what", type=click.Choice(sorted(SCHEMAS)), default="instance")
@guarded
def schema(what: str) -> None:
    """Print the JSON Schema of an instance (default) or of plan.json."""
    click.echo(json.dumps(SCHEMAS[what].model_json_schema(), indent=2))


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when the instance is valid.")
@guarded
def validate(path: Path, quiet: bool) -> None:
    """Check an instance (CSV folder, .xlsx or .json) and report every problem at once.

    Exit 0 when valid, 2 when not. Warnings (pre-solve diagnostics with rule ids) do not
    change the exit code.
    """
    instance = load_instance(path)
    from composer.diagnostics import diagnose

    warnings = diagnose(instance)
    for issue in warnings:
        echo_err(f"warning: {issue.render()}")
    if not quiet:
        click.echo(
            f"{path}: valid instance {instance.name!r}: {len(instance.schools)} schools, "
            f"{len(instance.learners)} learners, {len(instance.facilitators)} facilitators, "
            f"{len(instance.los.networks)} LOS networks, {len(instance.tn.networks)} TN "
            f"networks; {len(warnings)} warning(s)"
        )
    sys.exit(EXIT_OK)


@click.command()
@click.argument("instance_path", metavar="PATH", type=click.Path(path_type=Path))
@click.argument("plan_path", metavar="PLAN", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@guarded
def check(instance_path: Path, plan_path: Path, as_json: bool) -> None:
    """Check PLAN against the instance at PATH, rule by rule; recompute the objective.

    The plan is checked under the settings it was solved with: the ``--set`` overrides it
    records in ``parameters.overrides`` are applied to the instance first (and named), so a
    plan solved with, say, visits switched off is not blamed for having none.

    Exit 0 when no rule is broken, 1 with violations or an objective mismatch, 2 for bad
    input or a plan made for another instance.
    """
    from composer.check import check_plan
    from composer.check.core import fold_alike
    from composer.params import apply_overrides
    from composer.replan import objective_text

    instance = load_instance(instance_path)
    plan = read_plan_argument(plan_path, "check")
    other = other_instance_issues(instance, plan, plan_path)
    if other:
        raise InputError(other, "the plan does not belong to this instance")
    overrides = plan.parameters.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise InputError(
            [
                Issue(
                    "parameters.overrides must be an object of setting: value",
                    source=str(plan_path),
                    key="parameters.overrides",
                    fix="solve again to rewrite the plan, or remove parameters.overrides",
                )
            ],
            "bad plan",
        )
    if overrides:
        instance = apply_overrides(instance, overrides)
        if not as_json:
            shown = ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(overrides.items()))
            click.echo(f"checked under the plan's settings: {shown}")
    report = check_plan(instance, plan)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "violations": [
                        {
                            "rule": v.rule,
                            "severity": v.severity,
                            "message": v.message,
                            "items": list(v.items),
                        }
                        for v in report.violations
                    ],
                    "objectives": report.objectives,
                    "mismatches": report.mismatches,
                },
                indent=2,
            )
        )
    else:
        for alike in fold_alike(report.violations):
            prefix = "warning: " if alike.first.severity == "warning" else ""
            click.echo(f"{prefix}{alike.render()}")
        for mismatch in report.mismatches:
            click.echo(f"objective mismatch: {mismatch}")
        for stage, parts in report.objectives.items():
            total = sum(parts.values())
            detail = ", ".join(f"{k} {objective_text(v)}" for k, v in parts.items())
            click.echo(f"{stage} objective {objective_text(total)} ({detail})")
        rules = sorted(set(report.rules_checked), key=rule_order)
        click.echo(
            f"{len(report.errors)} violation(s), {len(report.violations) - len(report.errors)} "
            f"warning(s); rules checked: {', '.join(rules)}"
        )
    sys.exit(EXIT_OK if report.ok else EXIT_VIOLATIONS)


def read_plan_argument(plan_path: Path, taker: str) -> Plan:
    """A plan file as given on the command line (``taker``: the command or option that
    takes it, for the message); a folder, or another file beside a plan.json
    (``run.json``), is refused with the plan.json to pass instead."""
    target = plan_path / "plan.json"
    if plan_path.is_dir():
        there = "" if target.is_file() else " (the plan.json that composer solve or whatif wrote)"
        raise InputError(
            [
                Issue(
                    f"this is a folder; {taker} takes the plan file",
                    source=str(plan_path),
                    fix=f"pass {target}{there}",
                )
            ],
            "bad plan",
        )
    try:
        return read_plan(plan_path)
    except InputError:
        target = plan_path.parent / "plan.json"
        if plan_path.name == "plan.json" or not target.is_file():
            raise
        what = (
            "composer solve's run log (times and settings), not the plan"
            if plan_path.name == "run.json"
            else "not a plan"
        )
        raise InputError(
            [Issue(f"this is {what}", source=str(plan_path), fix=f"pass {target}")], "bad plan"
        ) from None


COMMANDS = [schema, validate, check]

__all__ = ["COMMANDS", "EXIT_BAD_INPUT"]
