"""The independent plan checker: one function per rule id, plain Python, no solver.

``check_plan(instance, plan)`` runs every registered rule check and recomputes every
stage's objective; ``composer check`` prints the result and exits 1 on any violation.
"""

from __future__ import annotations

import composer.check.bv  # noqa: F401  (registers B1, B2, B4, B7, B8)
from composer.check import structure  # noqa: F401  (registers P1)
from composer.check.core import CheckReport, Violation, registered_checks, run_checks
from composer.model.instance import Instance
from composer.model.plan import Plan

__all__ = ["CheckReport", "Violation", "check_plan", "registered_checks"]


def check_plan(instance: Instance, plan: Plan) -> CheckReport:
    """Every violation of every rule in ``plan`` and the objectives recomputed."""
    return run_checks(instance, plan)
