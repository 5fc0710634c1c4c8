"""When is a run a regression? The rules of ``composer bench``, in one pure function.

A run of composer **regresses** (``composer bench`` exits 1) when

1. it failed: the child crashed, was killed at its deadline, or the runner raised;
2. ``composer check`` (or the literature evaluator) found any violation in a plan or
   solution it claims (status optimal or feasible, or an objective), or the stated
   objective differs from the recomputed one;
3. it is better than a published optimum or proven bound — a bug in a reader, an objective
   or a solver, reported as **BUG**; better than a best-known value too, until verified;
4. against the previous stored run of the same suite, entry, solver and target, on the
   same instance (hash) and the same parameters:
   - it has no objective where the previous run had one, or its objective is worse by more
     than the tolerance (relative to the previous objective, at least 1);
   - at an objective equal within the tolerance, its solve time is more than
     ``time_factor`` × the previous one and at least ``time_floor`` seconds.

A run without a plan (status ``unknown`` or ``infeasible``) is a warning on its own and a
regression when the previous run had an objective. A previous run on another instance hash
or other parameters is not compared (the change is reported). A peer's run only fails the
bench on rule 3 (a peer beating an optimum means the shared evaluator or published value is
wrong); its other changes are shown, not judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from composer.bench.history import RunRecord
from composer.bench.literature import Published
from composer.bench.suite import Thresholds

Level = Literal["ok", "new", "changed", "skipped", "warning", "regression", "bug"]

FAILED_STATUSES = {"error", "timeout"}


@dataclass
class Verdict:
    """The outcome of judging one run: a level and the reasons, in planner words."""

    level: Level = "ok"
    reasons: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when the run makes ``composer bench`` exit 1."""
        return self.level in {"regression", "bug"}

    def raise_to(self, level: Level, reason: str) -> None:
        """Add a reason and raise the level to at least ``level``."""
        order: list[Level] = ["ok", "new", "changed", "skipped", "warning", "regression", "bug"]
        if order.index(level) > order.index(self.level):
            self.level = level
        self.reasons.append(reason)


def relative_change(current: float, previous: float, sense: str) -> float:
    """How much worse ``current`` is than ``previous`` (negative: better), relative to
    ``max(|previous|, 1)`` so that objectives near zero do not explode."""
    worse = current - previous if sense == "min" else previous - current
    return worse / max(abs(previous), 1.0)


def judge(
    run: RunRecord,
    previous: RunRecord | None,
    thresholds: Thresholds,
    published: Published | None = None,
) -> Verdict:
    """Decide whether ``run`` regresses against ``previous`` and the published value."""
    verdict = Verdict()
    is_peer = run.solver != "composer"
    fail: Level = "warning" if is_peer else "regression"

    if run.status in FAILED_STATUSES:
        detail = f" (exit code {run.exit_code})" if run.exit_code is not None else ""
        verdict.raise_to(fail, f"the run failed: {run.status}{detail}")
    if run.violations:
        first = run.violation_list[0] if run.violation_list else ""
        if run.status in {"optimal", "feasible"} or run.objective is not None:
            verdict.raise_to(fail, f"{run.violations} violation(s): {first}")
        else:
            # no plan was claimed: the checker lists what is missing, which is not a
            # broken plan; losing a previous plan is judged below
            verdict.raise_to(
                "warning",
                f"no plan (status {run.status}); the checker lists {run.violations} gap(s): "
                f"{first}",
            )
    if published is not None:
        beaten = published.beaten_by(run.objective)
        if beaten is not None:
            verdict.raise_to(
                "bug",
                f"BUG: objective {run.objective:g} is {beaten}; a reader, an objective or a "
                "solver is wrong",
            )
    if run.status == "skipped":
        reason = run.notes[0] if run.notes else "skipped"
        if previous is not None and previous.objective is not None:
            verdict.raise_to(
                fail, f"no result now ({reason}); the previous run had {previous.objective:g}"
            )
        else:
            verdict.raise_to("skipped", reason)
        return verdict
    if previous is None:
        if run.status in {"unknown", "infeasible"} and not verdict.reasons:
            verdict.raise_to("warning", f"no plan: status {run.status}")
        if not verdict.reasons:
            verdict.raise_to("new", "first run")
        return verdict
    if previous.instance_hash != run.instance_hash:
        verdict.raise_to("changed", "the instance changed since the previous run; not compared")
        return verdict
    if previous.parameters != run.parameters:
        verdict.raise_to("changed", "the parameters changed since the previous run; not compared")
        return verdict

    judged: Level = "warning" if is_peer else "regression"
    if previous.objective is not None and run.objective is None:
        verdict.raise_to(
            judged, f"no objective now (status {run.status}); previously {previous.objective:g}"
        )
        return verdict
    equal_objective = True
    if previous.objective is not None and run.objective is not None:
        change = relative_change(run.objective, previous.objective, run.sense)
        if change > thresholds.objective:
            verdict.raise_to(
                judged,
                f"objective {run.objective:g} is {change:.2%} worse than the previous "
                f"{previous.objective:g} (tolerance {thresholds.objective:.2%})",
            )
            equal_objective = False
        elif change < -thresholds.objective:
            equal_objective = False  # better: time may grow
    if (
        equal_objective
        and run.wall_s is not None
        and previous.wall_s is not None
        and run.wall_s >= thresholds.time_floor
        and run.wall_s > thresholds.time_factor * previous.wall_s
    ):
        factor = run.wall_s / max(previous.wall_s, 1e-9)
        verdict.raise_to(
            judged,
            f"{run.wall_s:.2f} s is {factor:.1f}x the previous {previous.wall_s:.2f} s at an "
            f"equal objective (limit {thresholds.time_factor:g}x)",
        )
    return verdict
