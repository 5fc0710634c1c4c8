"""Test doubles for the reliability tests: real stages that then wait to be stopped.

``bv_then_wait`` runs the real BV stage, writes the file named by ``$RELIABILITY_MARKER``
(so a test knows the solve is under way and holds a plan) and then waits until the stop
flag is set (Ctrl-C / SIGTERM in the CLI), at most 120 s. ``unknown_stage`` reports what a
stage reports when it found no plan in time.
"""

from __future__ import annotations

import os
from pathlib import Path

from composer.model.plan import Plan, StageResult
from composer.params import SolveParams
from composer.pipeline import Progress
from composer.solvers.bv import run_stage as real_bv


def bv_then_wait(instance, plan: Plan, params: SolveParams, progress: Progress) -> Plan:
    """The real BV stage, then a wait for the stop flag (the stage 'keeps searching')."""
    plan = real_bv(instance, plan, params, progress)
    marker = os.environ.get("RELIABILITY_MARKER")
    if marker:
        Path(marker).write_text("solving", encoding="utf-8")
    params.stop.wait(120)
    return plan


def unknown_stage(instance, plan: Plan, params: SolveParams, progress: Progress) -> Plan:
    """A stage that ran out of time before it found anything (status unknown)."""
    result = StageResult(status="unknown", notes=("no clustering found in time",))
    return plan.model_copy(update={"stages": {**plan.stages, "bv": result}})
