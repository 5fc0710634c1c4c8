"""The independent plan checker: one function per rule id, plain Python, no solver.

``check_plan(instance, plan)`` runs every registered rule check and recomputes every
stage's objective; ``composer check`` prints the result and exits 1 on any violation.
"""

from __future__ import annotations

from collections.abc import Collection

from composer.check import bv, calendar, los, structure, tn  # noqa: F401  (register the rule checks)
from composer.check.core import CheckReport, Violation, registered_checks, run_checks
from composer.model.instance import Instance
from composer.model.plan import Plan

__all__ = ["CheckReport", "Violation", "check_plan", "registered_checks"]


def check_plan(
    instance: Instance, plan: Plan, modules: Collection[str] | None = None
) -> CheckReport:
    """Every violation of every rule in ``plan`` and the objectives recomputed.

    ``modules`` limits the rule checks to some checker modules (see ``run_checks``).
    """
    return run_checks(instance, plan, modules)
