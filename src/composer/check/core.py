"""The checker's machinery: violations, the per-rule registry and the report.

The checker is the referee of every test and every run. It is plain Python (no solver
import), one function per rule id, each registered with :func:`rule_check`. Each
programme registers its own checks and objective recomputations in its own module
(``composer.check.los``, ``.bv``, ``.tn``, ``.calendar``); :func:`check_plan` runs them
all and returns a :class:`CheckReport`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Literal

from composer.model.instance import Instance
from composer.model.plan import Plan
from composer.rules import RULES


@dataclass(frozen=True)
class Violation:
    """A broken rule: its id, the people or groups involved and a sentence for a planner."""

    rule: str
    message: str
    items: tuple[str, ...] = ()
    severity: Literal["error", "warning"] = "error"

    def render(self) -> str:
        """``[L1] network N07 has 14 learners; its minimum is 15 (N07)``."""
        tail = f" ({', '.join(self.items[:12])}{', ...' if len(self.items) > 12 else ''})"
        return f"[{self.rule}] {self.message}{tail if self.items else ''}"


CheckFn = Callable[[Instance, Plan], Iterable[Violation]]
ObjectiveFn = Callable[[Instance, Plan], dict[str, float]]


STAGE_OUTPUT: dict[str, Callable[[Plan], bool]] = {
    "los": lambda plan: bool(plan.networks),
    "bv": lambda plan: bool(plan.clusters),
    "tn": lambda plan: bool(plan.tn_networks),
    "calendar": lambda plan: bool(plan.sessions or plan.visits),
}
"""Whether a plan holds a stage's output, for plans made without that stage's result."""


def stage_in_plan(stage: str, plan: Plan) -> bool:
    """True when ``plan`` was planned by ``stage`` or holds what that stage produces.

    A plan made with ``composer solve --stage los`` holds no sessions: the calendar's rules
    (reviews, visits, holidays) do not apply to it, and the checker says they were not
    checked instead of reporting every missing session.
    """
    return stage in plan.stages or STAGE_OUTPUT[stage](plan)


@dataclass(frozen=True)
class RuleCheck:
    """A registered check: the rule it guards, the stage whose output it checks (None: any
    plan) and the function that looks for violations."""

    rule: str
    fn: CheckFn
    stage: str | None = None

    def applies(self, plan: Plan) -> bool:
        """True when the plan holds what this check is about."""
        return self.stage is None or stage_in_plan(self.stage, plan)


_CHECKS: list[RuleCheck] = []
_OBJECTIVES: dict[str, ObjectiveFn] = {}


def rule_check(rule_id: str, stage: str | None = None) -> Callable[[CheckFn], CheckFn]:
    """Register ``fn`` as the check of ``rule_id`` (which must be a DOMAIN.md rule id).

    ``stage`` names the stage whose output the check examines (``los``, ``bv``, ``tn``,
    ``calendar``); the check is skipped for plans without that stage (see
    :func:`stage_in_plan`).
    """
    if rule_id not in RULES:
        raise KeyError(f"unknown rule id {rule_id!r}; add it to composer.rules first")
    if stage is not None and stage not in STAGE_OUTPUT:
        raise KeyError(f"unknown stage {stage!r}")

    def register(fn: CheckFn) -> CheckFn:
        _CHECKS.append(RuleCheck(rule_id, fn, stage))
        return fn

    return register


def stage_objective(stage: str) -> Callable[[ObjectiveFn], ObjectiveFn]:
    """Register the recomputation of a stage's objective, returned as its named parts."""

    def register(fn: ObjectiveFn) -> ObjectiveFn:
        _OBJECTIVES[stage] = fn
        return fn

    return register


def registered_checks() -> tuple[RuleCheck, ...]:
    """Every registered check, in registration order."""
    return tuple(_CHECKS)


@dataclass
class CheckReport:
    """What the checker found: violations, recomputed objectives and their agreement."""

    violations: list[Violation] = field(default_factory=list)
    objectives: dict[str, dict[str, float]] = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    rules_checked: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Violation]:
        """Violations of hard rules (severity ``error``)."""
        return [v for v in self.violations if v.severity == "error"]

    @property
    def ok(self) -> bool:
        """True when no hard rule is broken and every objective was recomputed equal."""
        return not self.errors and not self.mismatches

    def objective(self, stage: str) -> float | None:
        """The recomputed objective of one stage (the sum of its parts)."""
        parts = self.objectives.get(stage)
        return None if parts is None else sum(parts.values())

    def by_rule(self) -> dict[str, list[Violation]]:
        """Violations grouped by rule id, in rule order."""
        grouped: dict[str, list[Violation]] = {}
        for rule_id in RULES:
            found = [v for v in self.violations if v.rule == rule_id]
            if found:
                grouped[rule_id] = found
        return grouped


FOLD_SHOWN = 20
"""How many ids of alike violations one folded line names (``check --json`` and the
workbook's violations sheet list them all)."""


def _alike_key(violation: Violation) -> tuple[str, str, str, tuple[str, ...]] | None:
    """What ``violation`` says apart from its first item: its rule, severity and message
    with that id blanked out (as a whole word), and its other items. ``None`` when its
    message does not name its first item, so it folds with nothing."""
    if not violation.items:
        return None
    subject = re.escape(violation.items[0])
    template, named = re.subn(
        rf"(?<![\w-]){subject}(?![\w-])", lambda _match: "\x00", violation.message
    )
    if not named:
        return None
    return violation.rule, violation.severity, template, violation.items[1:]


@dataclass(frozen=True)
class AlikeViolations:
    """Violations that say the same about different people or groups: ``first`` in full
    and the first item (id) of each of the others."""

    first: Violation
    others: tuple[str, ...] = ()

    def render(self) -> str:
        """``[P1] c is in no network ... (c) -- and 2 more alike: d, e``."""
        line = self.first.render()
        if self.others:
            shown = self.others[:FOLD_SHOWN]
            rest = len(self.others) - len(shown)
            names = ", ".join(shown) + (f" and {rest} others" if rest else "")
            line += f" -- and {len(self.others)} more alike: {names}"
        return line


def fold_alike(violations: Iterable[Violation]) -> list[AlikeViolations]:
    """The violations with alike ones folded into one, for a planner to read.

    Violations of one rule whose messages differ only in the id they are about (such as
    every learner of a region that got no plan, each quoting the region's reason) are
    kept once in full, with the ids of the others. Groups keep the order of their first
    violation; nothing is dropped but repeated wording.
    """
    groups: dict[object, list[Violation]] = {}
    for position, violation in enumerate(violations):
        key = _alike_key(violation)
        groups.setdefault(position if key is None else key, []).append(violation)
    return [
        AlikeViolations(group[0], tuple(v.items[0] for v in group[1:])) for group in groups.values()
    ]


def objectives_agree(a: float, b: float) -> bool:
    """Equality up to float noise (objectives are sums of whole numbers)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)


def run_checks(
    instance: Instance, plan: Plan, modules: Collection[str] | None = None
) -> CheckReport:
    """Run every registered check and objective recomputation on ``plan``.

    ``modules`` restricts the rule checks to those defined in the named checker modules
    (e.g. ``{"composer.check.calendar"}``) — for tests of one programme on a plan built by
    hand that deliberately holds only that programme's part.
    """
    report = CheckReport()
    for check in _CHECKS:
        if modules is not None and check.fn.__module__ not in modules:
            continue
        if not check.applies(plan):
            continue
        report.rules_checked.append(check.rule)
        report.violations.extend(check.fn(instance, plan))
    for stage, fn in _OBJECTIVES.items():
        result = plan.stages.get(stage)
        if result is None or result.status in {"not_planned", "infeasible", "unknown"}:
            continue
        parts = fn(instance, plan)
        report.objectives[stage] = parts
        recomputed = sum(parts.values())
        if result.objective is not None and not objectives_agree(recomputed, result.objective):
            report.mismatches.append(
                f"{stage}: the plan states objective {result.objective:g}, the checker "
                f"recomputes {recomputed:g}"
            )
    return report
