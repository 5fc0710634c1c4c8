"""Explain and re-plan (issue 7): the plain-Python side of ``explain`` and ``whatif``.

- :func:`explain` runs :mod:`composer.solvers.explain` per LOS region group and for BV,
  and :func:`verify_relaxation` applies the proposed relaxations to the instance and
  solves it with the real pipeline, refereed by the checker.
- :func:`explanation_lines` renders an explanation in a planner's words.
- :func:`plan_diff` compares a baseline plan with a new one: who moved where, which
  slots, facilitators and clusters changed, the objective before and after, and the rule
  ids the change touched.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from composer import clock
from composer.change_reasons import why_text
from composer.errors import InputError
from composer.io.change_io import apply_change
from composer.model.change import ChangeFile
from composer.model.instance import Instance
from composer.model.plan import Plan
from composer.params import STAGES, SolveParams


def apply_or_none(instance: Instance, change: ChangeFile) -> Instance | None:
    """``instance`` with ``change`` applied, or None when the result is not a valid instance."""
    try:
        return apply_change(instance, change, "relaxation")
    except InputError:
        return None


def explain(instance: Instance, time_limit: float = 10.0) -> list[Any]:
    """One :class:`~composer.solvers.explain.Explanation` per LOS region group and BV."""
    from composer.solvers.explain import explain_instance

    return explain_instance(instance, apply_or_none, time_limit)


def combined_relaxation(explanations: list[Any]) -> ChangeFile | None:
    """Every proposed relaxation of every part as one change file (None when there is none)."""
    operations = [op for e in explanations for r in e.relaxations for op in r.change.operations]
    if not operations:
        return None
    texts = [r.text for e in explanations for r in e.relaxations]
    return ChangeFile(description="; ".join(texts), operations=tuple(operations))


def verify_relaxation(
    instance: Instance,
    change: ChangeFile,
    time_limit: float = 30.0,
    seed: int = 0,
    stages: tuple[str, ...] = STAGES,
) -> tuple[Instance, Plan, Any]:
    """Apply ``change`` and solve ``stages`` (by default every stage, the calendar too: a
    fix of the groups must not leave them undatable): (relaxed instance, plan, check)."""
    from composer.check import check_plan
    from composer.pipeline import solve

    relaxed = apply_change(instance, change, "relaxation")
    params = SolveParams(time_limit=time_limit, workers=1, processes=1, seed=seed, stages=stages)
    plan, _ = solve(relaxed, params)
    return relaxed, plan, check_plan(relaxed, plan)


UNMODELLED_STAGES = ("tn", "calendar")
"""The stages explain has no conflict model for: their own checks speak for them."""


@dataclass(frozen=True)
class StageFailure:
    """A stage explain has no model for that ends without a plan: its status and the
    notes of its own checks (rule id, the items, the fix)."""

    stage: str
    status: str
    notes: tuple[str, ...]


def unmodelled_failures(plan: Plan) -> list[StageFailure]:
    """The TN and calendar stages of ``plan`` that found no plan (infeasible, or none in
    time), with their rule notes (those opening with a rule id, ``[T1] ...``)."""
    return [
        StageFailure(
            name,
            result.status,
            tuple(n for n in result.notes if re.match(r"\[[A-Z]\d+\]", n)) or result.notes,
        )
        for name, result in plan.stages.items()
        if name in UNMODELLED_STAGES and result.status in {"infeasible", "unknown"}
    ]


def check_unmodelled_stages(
    instance: Instance, time_limit: float = 30.0, seed: int = 0
) -> list[StageFailure]:
    """Solve every stage of ``instance`` and return the TN and calendar stages that find
    no plan: what ``composer solve`` would stop at once the LOS and BV parts hold."""
    from composer.pipeline import solve

    params = SolveParams(time_limit=time_limit, workers=1, processes=1, seed=seed, stages=STAGES)
    plan, _ = solve(instance, params)
    return unmodelled_failures(plan)


def failure_lines(failures: list[StageFailure], time_limit: float) -> list[str]:
    """Unmodelled stages without a plan, in a planner's words."""
    lines = []
    for f in failures:
        if f.status == "infeasible":
            lines.append(
                f"{f.stage}: no plan (infeasible); explain searches no minimal conflict for "
                "this stage, its own checks say:"
            )
        else:
            lines.append(
                f"{f.stage}: no plan found within {time_limit:g} s (undecided); raise "
                "--verify-time; its notes:"
            )
        lines.extend(f"  {note}" for note in f.notes)
    return lines


def explanation_lines(e: Any, names: dict[str, str] | None = None) -> list[str]:
    """An explanation in a planner's words: the minimal conflict and the cheapest fix;
    ``names`` (id -> name, :func:`explain_names`) puts the name of a group's learner,
    facilitator, school or network beside its line."""
    names = names or {}
    what = "LOS region" if e.programme == "los" else "BV clusters"
    label = f"{what} {e.key}" if e.programme == "los" else what
    if e.status == "feasible":
        return [f"{label}: feasible, nothing to explain"]
    if e.status == "unknown" and e.stage_failed:
        lines = [
            f"{label}: the LOS stage found no plan within the time limit, yet the rules "
            "explain models (L1-L7, L9, P1) can all hold: raise --time-limit, or the "
            "conflict lies in what only the stage checks (L9: a visiting duo's other "
            "networks must leave them free at the host's slot)"
        ]
    elif e.status == "unknown":
        lines = [f"{label}: could not decide within the time limit (raise --time-limit)"]
    if e.status == "unknown":
        if e.notes:
            lines.append("  found without search (the solver's pruning):")
            lines.extend(f"    {note}" for note in e.notes[:20])
        return lines
    proven = "a minimal conflict" if e.minimal else "a conflict (minimality not proven in time)"
    if e.left_out:
        lines = [
            f"{label}: planned without the schools of an impossible count (B8), of a "
            "sector-region whose wishes contradict each other (B2) or the clusters no "
            "coordinator can take (B4), as composer solve lists them in plan.unplaced; "
            f"why, {proven} of {len(e.core)} rule group(s):"
        ]
    else:
        lines = [f"{label}: no plan. {proven} of {len(e.core)} rule group(s):"]
    lines.extend(_core_lines(e.core, names))
    rules = sorted({x.rule for x in e.core})
    if not e.more_cores and not e.further_rules:
        lines.append(
            f"  rules involved: {', '.join(rules)}; dropping any one group above makes it solvable"
        )
    else:
        # dropping a group of one conflict leaves the others: the part is not solvable yet
        others = f"not the {len(e.more_cores)} other(s) below" if e.more_cores else "not more"
        lines.append(
            f"  rules involved: {', '.join(rules)}; dropping any one group above resolves "
            f"this conflict, {others}"
        )
    for n, (core, minimal) in enumerate(e.more_cores, start=2):
        kind = "a minimal conflict" if minimal else "a conflict (minimality not proven)"
        lines.append(
            f"  conflict {n}, sharing no group with those above: {kind} of "
            f"{len(core)} rule group(s):"
        )
        lines.extend(f"  {line}" for line in _core_lines(core, names))
        lines.append(
            f"    rules involved: {', '.join(sorted({x.rule for x in core}))}; dropping any "
            f"one group of conflict {n} resolves it"
        )
    if e.further_rules:
        # the change answers a conflict found only once those above are relaxed
        lines.append(
            "  and a further conflict, sharing groups with those above, remains once they "
            f"are resolved (rules {', '.join(e.further_rules)}): the change below answers it"
        )
    if e.relaxations and e.cheapest_proven:
        cost = sum(r.cost for r in e.relaxations)
        lines.append(
            f"  cheapest relaxation (cost {cost:g}; proven: no cheaper combination of the "
            "offered changes, one per field, makes the rules hold):"
        )
        for r in e.relaxations:
            lines.append(f"    - [{r.rule}] {r.text} (cost {r.cost:g})")
        lines.append(
            "    with this change everything is planned"
            if e.left_out
            else "    with this change the rules can all hold"
        )
    elif e.relaxations:
        lines.append("  cheapest relaxation found (greedy, one change at a time):")
        for r in e.relaxations:
            lines.append(f"    - [{r.rule}] {r.text}")
        if e.relaxed_status == "feasible":
            lines.append("    with this change the rules can all hold")
        else:
            lines.append(f"    still not enough ({e.relaxed_status}); more changes are needed")
    else:
        lines.append("  no automatic relaxation for these groups; change the data above")
    return lines


def _core_lines(core: list[Any], names: dict[str, str]) -> list[str]:
    """A conflict's groups, one line each with the item's name beside its id (the
    placement groups of several learners or schools on one line)."""
    lines: list[str] = []
    grouped: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for element in core:
        grouped[(element.rule, element.aspect)].append(element)
    for (rule, aspect), elements in sorted(grouped.items()):
        if aspect == "placed" and len(elements) > 1:
            ids = ", ".join(
                f"{x.item} ({name})"
                if (name := names.get(x.item, "")) and name != x.item
                else x.item
                for x in elements
            )
            noun = "learners" if rule == "P1" else "eligible schools"
            lines.append(f"  [{rule}] {len(elements)} {noun} must be placed: {ids}")
            continue
        for element in elements:
            name = names.get(element.item, "")
            suffix = f" — {name}" if name and name != element.item else ""
            lines.append(f"  {element.render()}{suffix}")
    return lines


# --------------------------------------------------------------------------- diff


@dataclass
class Diff:
    """What changed between a baseline plan and a new plan (``diff.json``)."""

    data: dict[str, Any]

    def lines(self) -> list[str]:
        """The diff in a planner's words."""
        d = self.data
        out = []
        ob, oa = d["objective"]["before"], d["objective"]["after"]
        partial = d["status"]["after"] in {"infeasible", "unknown"}
        unproven = d["status"]["before"] == "optimal" and d["status"]["after"] == "feasible"
        out.append(
            f"status {d['status']['before']} -> {d['status']['after']}; "
            f"objective {objective_text(ob)} -> {objective_text(oa)}"
            + (" (of the parts with a plan only: not comparable)" if partial else "")
            + (
                " (a re-plan keeps what still holds rather than proving an optimum)"
                if unproven
                else ""
            )
        )
        changed_terms = [t for t in d.get("objective_terms", []) if t["delta"] != 0]
        if changed_terms:
            out.append("objective by term (unchanged terms left out):")
            for t in changed_terms:
                delta = "" if t["delta"] is None else f" ({t['delta']:+,.0f})"
                out.append(
                    f"  {t['stage']}.{t['term']}: {objective_text(t['before'])} -> "
                    f"{objective_text(t['after'])}{delta}"
                )
        s = d["summary"]
        out.append(
            f"learners: {s['kept']} kept, {s['moved']} moved, {s['removed']} removed, "
            f"{s['added']} added, {s['unplaced']} unplaced"
        )
        without_plan = s.get("without_plan", 0)
        if without_plan:
            out.append(
                f"in no network because their region has no plan (not moved; nothing was "
                f"re-planned there): {without_plan}; run composer explain on instance.json"
            )
        out.append(
            f"moved although their network was still valid: {s['moved_from_valid']}"
            + (
                " (none: only affected learners moved)"
                if s["moved_from_valid"] == 0 and not without_plan
                else ""
            )
        )
        # learners left out for one and the same reason (a region without a plan) are
        # one line, not one each
        shared = _shared(m["why"] for m in d["moves"] if m["after"] is None and m.get("why"))
        singles = [m for m in d["moves"] if m["after"] is not None or m.get("why") not in shared]
        for m in singles[:40]:
            why = f" ({m['why']})" if m.get("why") else ""
            who = _who(m["learner"], m.get("name"))
            out.append(f"  {who}: {m['before'] or '-'} -> {m['after'] or '-'}{why}")
        if len(singles) > 40:
            out.append(f"  ... {len(singles) - 40} more in diff.json")
        for why in shared:
            ids = [m["learner"] for m in d["moves"] if m["after"] is None and m["why"] == why]
            out.append(f"  {len(ids)} learners in no network ({why}): {_some(ids)}")
        gone = d.get("removed_learners", [])
        for m in gone[:40]:
            who = _who(m["learner"], m.get("name"))
            out.append(f"  {who}: {m['before']} -> - (removed by the change)")
        if len(gone) > 40:
            out.append(f"  ... {len(gone) - 40} more removed in diff.json")
        # networks no longer planned: their slots and facilitators in one line when many
        gone_nets = [c["network"] for c in d["slots"] if c["after"] is None]
        folded = set(gone_nets) if len(gone_nets) >= _FOLD else set()
        if folded:
            out.append(
                f"  {len(gone_nets)} networks no longer planned (no slot, no facilitators): "
                + _some(gone_nets)
            )
        for c in d["slots"]:
            if c["network"] in folded:
                continue
            out.append(
                f"  slot of {c['network']}: {c['before'] or '-'} -> "
                + (c["after"] or "- (no longer planned)")
            )
        for c in d["facilitators"]:
            if c["network"] in folded and not c["after"]:
                continue
            out.append(
                f"  facilitators of {c['network']}: {', '.join(c['before']) or '-'} -> "
                + (", ".join(c["after"]) or "- (no longer planned)")
            )
        if len(d["clusters"]) > 40:
            out.append(
                f"  {len(d['clusters'])} schools whose cluster changed (first 40 below; all in "
                "diff.json)"
            )
        handed = d.get("clusters_new_coordinator", 0)
        out.append(
            f"BV clusters kept with the same schools: {d['clusters_kept']}"
            + (f" ({handed} of them with another coordinator, B4)" if handed else "")
        )
        for c in d.get("clusters_left", []):
            who = _who(c["school"], c.get("name"))
            out.append(f"  school {who}: no longer in BV (was in cluster {c['before']})")
        for c in d["clusters"][:40]:
            line = f"  school {c['school']}: cluster {c['before'] or '-'} -> {c['after'] or '-'}"
            if c["before"] is not None and c["before"] == c["after"]:
                joined = sorted(set(c["with_after"]) - set(c["with_before"]))
                left = sorted(set(c["with_before"]) - set(c["with_after"]))
                mates = [f"joined by {', '.join(joined)}"] if joined else []
                mates += [f"left by {', '.join(left)}"] if left else []
                line = f"  school {c['school']}: stays in {c['after']}, " + "; ".join(mates)
            out.append(line)
        tn_moves = d.get("tn_moves", [])
        if tn_moves:
            out.append(f"TN participants whose network changed: {len(tn_moves)}")
            for m in tn_moves[:40]:
                who = _who(m["participant"], m.get("name"))
                out.append(f"  {who}: {m['before'] or '-'} -> {m['after'] or '-'} ({m['why']})")
        moved = {m["learner"] for m in d["moves"]} | {m["participant"] for m in tn_moves}
        new_out = [
            u
            for u in d.get("unplaced_new", [])
            if not (u["what"] in {"learner", "participant"} and u["id"] in moved)
        ]  # a learner or participant left out is named with their move above
        alike = _shared((u["what"], u["rule"], u["reason"]) for u in new_out)
        for u in new_out:
            rule = f"[{u['rule']}] " if u["rule"] else ""
            key = (u["what"], u["rule"], u["reason"])
            if key not in alike:
                what = _who(u["id"], u.get("name"))
                out.append(f"  {rule}{u['what']} {what} left out: {u['reason']}")
            elif alike[key]:
                ids = [x["id"] for x in new_out if (x["what"], x["rule"], x["reason"]) == key]
                out.append(f"  {rule}{len(ids)} {u['what']}s left out: {u['reason']}: {_some(ids)}")
                alike[key] = 0
        sessions = d.get("sessions", [])
        if sessions:
            out.append(f"sessions changed: {len(sessions)}")
            lines = _session_lines(sessions, d.get("names", {}))
            out.extend(f"  {line}" for line in lines[:_SESSION_LIMIT])
            if len(lines) > _SESSION_LIMIT:
                out.append(f"  ... {len(lines) - _SESSION_LIMIT} more lines; diff.json lists all")
        visits = d.get("visits", [])
        if visits:
            out.append(f"visits changed: {len(visits)}")
            lines = _visit_lines(visits, d.get("names", {}))
            out.extend(f"  {line}" for line in lines[:_SESSION_LIMIT])
            if len(lines) > _SESSION_LIMIT:
                out.append(f"  ... {len(lines) - _SESSION_LIMIT} more lines; diff.json lists all")
        unchanged = [
            f"{same} of {total} {what}"
            for what, (same, total) in d.get("unchanged", {}).items()
            if total
        ]
        if unchanged:
            out.append(f"kept as they were: {', '.join(unchanged)}")
        if d["rules"]:
            out.append(f"rules affected: {', '.join(d['rules'])}")
        for note in d.get("notes", []):
            out.append(f"note: {note}")
        return out


_FOLD = 4
"""This many learners (networks, schools) left out for one and the same reason are one
line of the diff (a region without a plan leaves out every learner and network)."""


def _shared(keys: Any) -> dict[Any, int]:
    """The keys that occur :data:`_FOLD` or more times, with their count (in order)."""
    counts: dict[Any, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    return {key: n for key, n in counts.items() if n >= _FOLD}


def _some(ids: list[str], shown: int = 5) -> str:
    """The first ids of a list, and how many more (diff.json lists all)."""
    head = ", ".join(ids[:shown])
    return head + (
        f" and {len(ids) - shown} more (diff.json lists all)" if len(ids) > shown else ""
    )


def objective_text(value: Any) -> str:
    """An objective figure as a planner reads it (diff, side by side, ``composer check``):
    whole numbers with separators and without a decimal point (5,951,220, not 5.95122e+06
    or 5951220.0), '-' for none."""
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _who(item: str, name: str | None) -> str:
    return f"{item} {name}" if name else item


_SERIES_FOLD = 4
"""A group with this many sessions added (or removed) is shown as one line of them."""


def _session_lines(sessions: list[dict[str, Any]], names: dict[str, str]) -> list[str]:
    """The session changes as lines: one per change, except that a group's sessions
    added (or removed), when there are :data:`_SERIES_FOLD` or more, are one line with
    their count and first and last date (a network moved to another weekly slot has every
    session of the year removed and added anew), and so are a group's sessions changed
    alike at their own dates (an IO replaced: every weekly session "without IO1; now with
    IO3"). Lines keep the order of the first change they show."""
    bucket: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for c in sessions:
        bucket.setdefault(_fold_key(c, names), []).append(c)
    lines = []
    shown: set[tuple[str, ...]] = set()
    for c in sessions:
        key = _fold_key(c, names)
        series = bucket.get(key, [])
        if len(series) < _SERIES_FOLD or key[-1] == "":
            lines.append(_session_line(c, names))
            continue
        if key in shown:
            continue
        shown.add(key)
        dates = [(s["before"] or s["after"])["date"] for s in series]
        if c["change"] == "removed":
            what = "no longer held"
        elif c["change"] == "added":
            places = sorted({s["after"]["location"] for s in series})
            what = f"new, at {', '.join(places)}"
        else:
            what = f"changed alike ({_change_parts(c, names)})"
        lines.append(
            f"{c['group']}: {len(series)} sessions {what} ({min(dates)} to {max(dates)}, "
            f"{(c['before'] or c['after'])['start']})" + _why_suffix(c)
        )
    return lines


def _fold_key(c: dict[str, Any], names: dict[str, str]) -> tuple[str, ...]:
    """Sessions of one programme and group added (or removed) for one and the same reason
    fold into one line; those with another reason are folded (or listed) apart, and so is
    a network's review (of programme review, at its own time) from its weekly sessions.
    Changed sessions fold when they changed alike without moving (same place, leaders
    and helpers change); the last element is empty for one that never folds."""
    why = c.get("why")
    reason = "" if why is None else why_text(why)
    if c["change"] != "changed":
        return (c["programme"], c["group"], c["change"], reason, "fold")
    a, b = c["before"], c["after"]
    if (a["date"], a["start"], a["end"]) != (b["date"], b["start"], b["end"]):
        return (c["programme"], c["group"], c["change"], reason, "")  # each its own date
    return (c["programme"], c["group"], c["change"], reason, _change_parts(c, names))


def _why_suffix(c: dict[str, Any]) -> str:
    """`` — why: [C2] the day now falls in ...`` (nothing for a diff made without
    instances)."""
    why = c.get("why")
    return "" if why is None else f" — why: {why_text(why)}"


def _session_line(c: dict[str, Any], names: dict[str, str]) -> str:
    """One session change in a planner's words."""
    view = c["before"] or c["after"]
    head = f"{c['session']} ({c['group']}, {view['date']} {view['start']})"
    if c["change"] == "added":
        return f"{head}: new, at {c['after']['location']}" + _why_suffix(c)
    if c["change"] == "removed":
        return f"{head}: no longer held" + _why_suffix(c)
    return f"{head}: {_change_parts(c, names)}" + _why_suffix(c)


def _change_parts(c: dict[str, Any], names: dict[str, str]) -> str:
    """What changed about a session kept in the plan: date, place, leaders, helpers."""
    a, b = c["before"], c["after"]
    parts = []
    if (a["date"], a["start"], a["end"]) != (b["date"], b["start"], b["end"]):
        parts.append(f"moved to {b['date']} {b['start']}-{b['end']}")
    if a["location"] != b["location"]:
        parts.append(f"location {a['location']} -> {b['location']}")
    lost = c.get("without", [])
    if lost:
        parts.append("without " + ", ".join(_who(f, names.get(f)) for f in lost))
    gained = [f for f in b["facilitators"] if f not in a["facilitators"]]
    if gained:
        parts.append("now with " + ", ".join(_who(f, names.get(f)) for f in gained))
    helping = [p for p in b.get("helpers", []) if p not in a.get("helpers", [])]
    helped = [p for p in a.get("helpers", []) if p not in b.get("helpers", [])]
    if helping or helped:
        new = ", ".join(_who(p, names.get(p)) for p in helping) or "nobody"
        old = ", ".join(_who(p, names.get(p)) for p in helped) or "nobody"
        parts.append(f"helped by {new} instead of {old} (T5)")
    return "; ".join(parts)


def _visit_lines(visits: list[dict[str, Any]], names: dict[str, str]) -> list[str]:
    """The visit changes as lines: one per change, except that :data:`_SERIES_FOLD` or
    more added, removed or re-dated for one and the same reason are one line with their
    count, the first pairs and the reason (a closed network's region has all its visits
    paired anew: 61 lines of one reason). Lines keep the order of the first change they
    show; a diff without reasons lists every change."""

    def key(c: dict[str, Any]) -> tuple[str, str] | None:
        why = c.get("why")
        return None if why is None else (c["change"], why_text(why))

    bucket: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in visits:
        k = key(c)
        if k is not None:
            bucket[k].append(c)
    verbs = {"added": "new", "removed": "no longer made", "changed": "moved or re-led"}
    lines: list[str] = []
    shown: set[tuple[str, str]] = set()
    for c in visits:
        k = key(c)
        group = bucket.get(k, []) if k is not None else []
        if k is None or len(group) < _SERIES_FOLD:
            lines.append(_visit_line(c, names))
            continue
        if k in shown:
            continue
        shown.add(k)
        pairs = [f"{v['visitor']} -> {v['host']}" for v in group]
        listed = ", ".join(pairs[:3]) + (f" and {len(pairs) - 3} more" if len(pairs) > 3 else "")
        lines.append(f"{len(group)} visits {verbs[c['change']]} ({listed})" + _why_suffix(c))
    return lines


def _visit_line(c: dict[str, Any], names: dict[str, str]) -> str:
    """One visit change in a planner's words."""
    view = c["before"] or c["after"]
    head = f"visit {c['visitor']} -> {c['host']} ({view['date']} {view['start'] or '-'})"
    if c["change"] == "added":
        return f"{head}: new" + _why_suffix(c)
    if c["change"] == "removed":
        return f"{head}: no longer made" + _why_suffix(c)
    a, b = c["before"], c["after"]
    parts = []
    if (a["date"], a["start"], a["end"]) != (b["date"], b["start"], b["end"]):
        parts.append(f"moved to {b['date']} {b['start'] or '-'}-{b['end'] or '-'}")
    gained = [f for f in b["facilitators"] if f not in a["facilitators"]]
    if gained:
        parts.append("now by " + ", ".join(_who(f, names.get(f)) for f in gained))
    return f"{head}: {'; '.join(parts)}" + _why_suffix(c)


def _slot(net: Any) -> str | None:
    return None if net.slot is None else f"{net.slot.weekday} {net.slot.block}"


def person_names(*instances: Instance) -> dict[str, str]:
    """Id -> name of every learner, facilitator, TN participant and school of the
    instances (the first naming an id wins), for the diff's lines."""
    names: dict[str, str] = {}
    for instance in instances:
        rows = [(r.id, r.name) for r in instance.learners]
        rows += [(r.id, r.name) for r in instance.facilitators]
        rows += [(r.id, r.name) for r in instance.tn.participants]
        rows += [(r.id, r.name) for r in instance.schools]
        for item, name in rows:
            names.setdefault(item, name)
    return names


def explain_names(instance: Instance) -> dict[str, str]:
    """Id -> name of the people, schools and LOS networks of ``instance``, for explain's
    lines (:func:`explanation_lines`)."""
    names = person_names(instance)
    for net in instance.los.networks:
        names.setdefault(net.id, net.name)
    return names


def plan_diff(
    before: Plan,
    after: Plan,
    valid_before: dict[str, str] | None = None,
    removed: set[str] | None = None,
    notes: list[str] | None = None,
    names: dict[str, str] | None = None,
    instances: tuple[Instance, Instance] | None = None,
) -> Diff:
    """Compare two plans. ``valid_before`` maps a learner to the baseline network that is
    still valid under the changed instance (their move counts as "moved from valid");
    ``removed`` are learners the change removed; ``names`` (id -> name, see
    :func:`person_names`) puts people's names beside their ids. ``instances`` (the
    baseline's instance and the one ``after`` was planned for) give every session and
    visit change its reason (``why``: rule and text, :mod:`composer.change_reasons`);
    without them the changes are listed without one."""
    valid_before = valid_before or {}
    removed = removed or set()
    names = names or {}
    old = {lr: n.id for n in before.networks for lr in n.learners}
    new = {lr: n.id for n in after.networks for lr in n.learners}
    why_unplaced = {u.id: u for u in after.unplaced if u.what == "learner"}
    unplaced = set(why_unplaced)
    unplanned = _networks_without_plan(before, after)
    moves = []
    gone: list[dict[str, Any]] = []  # learners the change removed, with their network
    kept = 0
    for lr in sorted(set(old) | set(new)):
        a, b = old.get(lr), new.get(lr)
        if lr in removed:
            if a is not None:
                gone.append({"learner": lr, "name": names.get(lr, ""), "before": a})
            continue
        if a == b:
            kept += 1
            continue
        why = ""
        if a is None:
            why = "new learner"
        elif b is None and lr in why_unplaced:
            why = _unplaced_why(why_unplaced[lr])
        elif lr in valid_before:
            why = "network still valid: moved to make the plan feasible"
        else:
            why = "their network is no longer valid for them"
        moves.append(
            {"learner": lr, "name": names.get(lr, ""), "before": a, "after": b, "why": why}
        )
    nb = {n.id: n for n in before.networks}
    na = {n.id: n for n in after.networks}
    slots, facs = [], []
    for nid in sorted(set(nb) | set(na)):
        x, y = nb.get(nid), na.get(nid)
        sx, sy = (_slot(x) if x else None), (_slot(y) if y else None)
        if sx != sy:
            slots.append({"network": nid, "before": sx, "after": sy})
        fx = list(x.facilitators) if x else []
        fy = list(y.facilitators) if y else []
        if fx != fy:
            facs.append({"network": nid, "before": fx, "after": fy})
    # a school moved when the schools it is clustered with changed (ids may be renumbered);
    # schools that left the programme do not count
    in_after = {sc for c in after.clusters for sc in c.schools}
    eligible_after = in_after | {u.id for u in after.unplaced if u.what == "school"}
    cb = {sc: c for c in before.clusters for sc in c.schools}
    ca = {sc: c for c in after.clusters for sc in c.schools}
    clusters = []
    left_bv: list[dict[str, Any]] = []  # schools of a baseline cluster no longer in BV
    for school in sorted(set(cb) | set(ca)):
        b_c, a_c = cb.get(school), ca.get(school)
        mates_b = {y for y in b_c.schools if y in eligible_after} if b_c else set()
        mates_a = set(a_c.schools) if a_c else set()
        if school not in eligible_after and a_c is None:
            if b_c is not None:
                left_bv.append({"school": school, "name": names.get(school, ""), "before": b_c.id})
            continue  # left the programme: not a re-clustering
        if mates_b != mates_a:
            clusters.append(
                {
                    "school": school,
                    "before": b_c.id if b_c else None,
                    "after": a_c.id if a_c else None,
                    "with_before": sorted(mates_b - {school}),
                    "with_after": sorted(mates_a - {school}),
                }
            )
    sess_b = {(s.group, s.date.isoformat(), s.start.isoformat()) for s in before.sessions}
    sess_a = {(s.group, s.date.isoformat(), s.start.isoformat()) for s in after.sessions}
    tn_moves = _tn_moves(before, after, names)
    kept_clusters = _kept_clusters(before, after, eligible_after)
    unplaced_new = _unplaced_new(before, after, names)
    sessions = _session_changes(before, after)
    visits = _visit_changes(before, after)
    if instances is not None:
        from composer.change_reasons import attach_reasons

        attach_reasons(*instances, before, after, sessions, visits, names, notes or [])
    rules = set()
    if moves or slots:
        rules.update({"L1", "L4"})
    if facs:
        rules.update({"L5", "L6"})
    if clusters:
        rules.update({"B2", "B4"})
    if left_bv:
        rules.add("B1")
    if sess_a != sess_b and instances is None:
        rules.add("C1")  # dates moved; with instances, each change's reason names its rule
    if visits:
        rules.add("L9")
    rules.update(u["rule"] for u in unplaced_new if u["rule"])
    rules.update(_note_rules(notes or []))
    rules.update(
        w["rule"]
        for c in [*sessions, *visits]
        for w in ([c["why"], *c["why"].get("also", [])] if "why" in c else [])
        if w["rule"]
    )
    for change in sessions:
        if change.get("without"):
            rules.add(_LEADER_RULE.get(change["programme"], "C4"))
        if change["change"] == "changed" and (
            change["before"]["location"] != change["after"]["location"]
        ):
            rules.add(_HOST_RULE.get(change["programme"], "C1"))
        if change["change"] == "changed" and (
            change["before"]["helpers"] != change["after"]["helpers"]
        ):
            rules.add("T5")
    data = {
        "status": {"before": before.status, "after": after.status},
        "objective": {"before": before.objective, "after": after.objective},
        "stage_objectives": {
            name: {
                "before": before.stages[name].objective if name in before.stages else None,
                "after": after.stages[name].objective if name in after.stages else None,
            }
            for name in sorted(set(before.stages) | set(after.stages))
        },
        "summary": {
            "kept": kept,
            "moved": sum(1 for m in moves if m["before"] is not None and m["after"] is not None),
            "removed": len(removed & set(old)),
            "added": sum(1 for m in moves if m["before"] is None),
            "unplaced": len(unplaced),
            "moved_from_valid": sum(
                1
                for m in moves
                if m["learner"] in valid_before and not _left_without_plan(m, unplanned)
            ),
            "without_plan": sum(1 for m in moves if _left_without_plan(m, unplanned)),
        },
        "moves": moves,
        "removed_learners": gone,
        "slots": slots,
        "facilitators": facs,
        "clusters": clusters,
        "clusters_left": left_bv,
        "clusters_kept": len(kept_clusters),
        "clusters_new_coordinator": sum(
            1 for b, c in kept_clusters if b.coordinator != c.coordinator
        ),
        "dates_changed": len(sess_a ^ sess_b),
        "sessions": sessions,
        "visits": visits,
        "unchanged": _unchanged(before, sessions, visits),
        "tn_moves": tn_moves,
        "unplaced_new": unplaced_new,
        "objective_terms": _objective_terms(before, after),
        "names": {
            f: names[f]
            for c in [*sessions, *visits]
            for f in (
                *c.get("without", []),
                *((c["after"] or {}).get("facilitators", [])),
                *((c["before"] or {}).get("helpers", [])),
                *((c["after"] or {}).get("helpers", [])),
            )
            if f in names
        },
        "rules": sorted(rules),
        "notes": list(notes or []),
    }
    return Diff(data)


_LEADER_RULE = {"los": "L5", "bv": "B4", "tn": "T4", "review": "L11", "development": "L10"}
"""The rule a session breaks when it loses one of its leaders (SO/IO, coordinator, ...)."""
_HOST_RULE = {"bv": "B5", "tn": "T2", "los": "L7"}
"""The rule about where a session of the programme takes place."""
_SESSION_LIMIT = 40
"""Lines of session changes :meth:`Diff.lines` prints (all are in ``diff.json``)."""


def _kept_clusters(before: Plan, after: Plan, in_bv: set[str]) -> list[tuple[Any, Any]]:
    """(baseline cluster, new cluster) of every new cluster with the schools of a
    baseline one that are still in BV (``in_bv``: a school that left the programme does
    not make its cluster a new one; its coordinator may have changed)."""
    by_schools = {frozenset(s for s in b.schools if s in in_bv): b for b in before.clusters}
    return [
        (b, c) for c in after.clusters if (b := by_schools.get(frozenset(c.schools))) is not None
    ]


def _note_rules(notes: list[str]) -> set[str]:
    """The rule ids the re-plan's notes open with (``[L1] N07 keeps running with 14
    learner(s)``, ``[B4] cluster ... keeps its schools``): rules the change affected even
    where nobody moved."""
    return {m.group(1) for n in notes if (m := re.match(r"\[([A-Z]\d+)\]", n))}


def _networks_without_plan(before: Plan, after: Plan) -> set[str]:
    """Baseline LOS networks in a region that got no plan (infeasible, or none in time),
    so nothing in it was re-planned: the region of a network the new plan lists as not
    planned, and every baseline network of that region, including one the change itself
    removed (it is listed nowhere in the new plan)."""
    planned = {n.id for n in after.networks}
    listed = {u.id for u in after.unplaced if u.what == "network"}
    regions = {n.region for n in before.networks if n.id in listed and n.id not in planned}
    planned_regions = {n.region for n in after.networks}
    return {
        n.id
        for n in before.networks
        if n.region in regions and n.region not in planned_regions and n.id not in planned
    }


def _left_without_plan(move: dict[str, Any], unplanned: set[str]) -> bool:
    """A learner in no network only because their baseline network's region got no plan:
    not moved by the re-plan (there is none for them), so not counted as a move from a
    still-valid network."""
    return move["after"] is None and move["before"] in unplanned


def _unplaced_why(entry: Any) -> str:
    """A move's reason when the plan left the person out: its own words and rule."""
    return f"unplaced: {entry.reason}" + (f" [{entry.rule}]" if entry.rule else "")


def _tn_moves(before: Plan, after: Plan, names: dict[str, str]) -> list[dict[str, Any]]:
    """TN participants whose network changed, with the reason (removed, or unplaced)."""
    old = {p: t.id for t in before.tn_networks for p in t.participants}
    new = {p: t.id for t in after.tn_networks for p in t.participants}
    why_unplaced = {u.id: u for u in after.unplaced if u.what == "participant"}
    moves = []
    for pid in sorted(set(old) | set(new)):
        a, b = old.get(pid), new.get(pid)
        if a == b:
            continue
        if b is None and pid in why_unplaced:
            why = _unplaced_why(why_unplaced[pid])
        elif b is None:
            why = "removed by the change: no longer in the instance"
        elif a is None:
            why = "new participant"
        else:
            why = "moved to another network"
        moves.append(
            {"participant": pid, "name": names.get(pid, ""), "before": a, "after": b, "why": why}
        )
    return moves


def _unplaced_new(before: Plan, after: Plan, names: dict[str, str]) -> list[dict[str, Any]]:
    """What the new plan leaves out that the baseline did not (networks not held,
    people and schools without a place), with the rule and the reason."""
    seen = {(u.what, u.id) for u in before.unplaced}
    return [
        {
            "what": u.what,
            "id": u.id,
            "name": names.get(u.id, ""),
            "rule": u.rule or "",
            "reason": u.reason,
        }
        for u in after.unplaced
        if (u.what, u.id) not in seen
    ]


def _session_view(s: Any) -> dict[str, Any]:
    return {
        "date": s.date.isoformat(),
        "start": s.start.strftime("%H:%M"),
        "end": s.end.strftime("%H:%M"),
        "location": s.location,
        "facilitators": list(s.facilitators),
        "helpers": list(s.helpers),
    }


def _session_changes(before: Plan, after: Plan) -> list[dict[str, Any]]:
    """Sessions added, removed or changed (date, time, place or leaders), by session id.

    ``without`` names the leaders a session lost (someone unavailable that day: the
    session goes ahead without them, C4), so the planner can arrange a stand-in.
    """
    old = {s.id: s for s in before.sessions}
    new = {s.id: s for s in after.sessions}
    changes: list[dict[str, Any]] = []
    for sid in sorted(set(old) | set(new), key=lambda i: ((old.get(i) or new[i]).date, i)):
        a, b = old.get(sid), new.get(sid)
        some = a or b
        assert some is not None
        entry: dict[str, Any] = {"session": sid, "programme": some.programme, "group": some.group}
        if a is None or b is None:
            entry["change"] = "added" if a is None else "removed"
            entry["before"] = None if a is None else _session_view(a)
            entry["after"] = None if b is None else _session_view(b)
            changes.append(entry)
            continue
        va, vb = _session_view(a), _session_view(b)
        if va == vb:
            continue
        entry.update(change="changed", before=va, after=vb)
        lost = [f for f in a.facilitators if f not in b.facilitators]
        if lost:
            entry["without"] = lost
        changes.append(entry)
    return changes


def _visit_view(v: Any) -> dict[str, Any]:
    return {
        "date": v.date.isoformat(),
        "start": v.start.strftime("%H:%M") if v.start else None,
        "end": v.end.strftime("%H:%M") if v.end else None,
        "facilitators": list(v.facilitators),
    }


def _visit_changes(before: Plan, after: Plan) -> list[dict[str, Any]]:
    """Cross-network visits (L9) added, removed or changed (date, time or the duo), by
    pair (visitor, host)."""
    old = {(v.visitor, v.host): v for v in before.visits}
    new = {(v.visitor, v.host): v for v in after.visits}
    changes: list[dict[str, Any]] = []
    for pair in sorted(set(old) | set(new), key=lambda p: ((old.get(p) or new[p]).date, p)):
        a, b = old.get(pair), new.get(pair)
        va = None if a is None else _visit_view(a)
        vb = None if b is None else _visit_view(b)
        if va == vb:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        entry = {"visitor": pair[0], "host": pair[1], "change": change, "before": va, "after": vb}
        changes.append(entry)
    return changes


def _unchanged(
    before: Plan, sessions: list[dict[str, Any]], visits: list[dict[str, Any]]
) -> dict[str, list[int]]:
    """The LOS duos' commitments (visits, development meetings, reviews) by kind: how many
    of the baseline's are unchanged in the new plan, and how many the baseline had."""
    changed = {c["session"] for c in sessions}
    moved = {(c["visitor"], c["host"]) for c in visits}
    kept = sum(1 for v in before.visits if (v.visitor, v.host) not in moved)
    counts = {"visits": [kept, len(before.visits)]}
    for programme, what in (("development", "development meetings"), ("review", "reviews")):
        rows = [s for s in before.sessions if s.programme == programme]
        counts[what] = [sum(1 for s in rows if s.id not in changed), len(rows)]
    return counts


def _objective_terms(before: Plan, after: Plan) -> list[dict[str, Any]]:
    """Every objective term of every stage, before and after, with the difference."""
    rows = []
    for stage in sorted(set(before.stages) | set(after.stages)):
        pb = before.stages[stage].parts if stage in before.stages else {}
        pa = after.stages[stage].parts if stage in after.stages else {}
        for term in [*pb, *(k for k in pa if k not in pb)]:
            vb, va = pb.get(term), pa.get(term)
            delta = None if vb is None or va is None else va - vb
            rows.append({"stage": stage, "term": term, "before": vb, "after": va, "delta": delta})
    return rows


# --------------------------------------------------------------------------- scenarios


@dataclass
class Scenario:
    """One what-if run (picklable, for parallel processes)."""

    name: str
    instance_path: str
    baseline_path: str
    change_path: str | None
    time_limit: float
    workers: int
    seed: int
    strict: bool


def _cluster_number(cid: str) -> int:
    tail = cid.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _keepable_group(instance: Instance, layout: Any) -> dict[str, str]:
    """School id -> the group a kept cluster must lie within: the school's part of the
    layout, or, for an eligible school the layout leaves out for an impossible count (B8),
    its sector-region. A baseline cluster of such schools still holds (B2): keeping it and
    leaving out only the schools left over is the least disruption, where re-clustering
    the sector-region from scratch would leave every school of it out."""
    group_of = {instance.schools[p].id: part.key for p, part in layout.part_of().items()}
    for p, finding in layout.left_out.items():
        group_of[instance.schools[p].id] = f"b8:{finding.sector}:{finding.region}"
    return group_of


def _parts_against_wishes(instance: Instance, layout: Any, baseline: Plan) -> dict[str, str]:
    """Part key -> a wish of the part (B2, as the checker reads them: both schools in the
    part, the part's wishes not contradicting each other) that the baseline clusters
    break: an ``apart`` pair sharing a cluster, a ``together`` pair in two clusters or
    one of them in none. Keeping those clusters would give a plan the checker rejects;
    the part is clustered anew, where the wish can hold."""
    from composer.bv_rules import part_wishes, wish_conflicts

    cluster_of = {s: c.id for c in baseline.clusters for s in c.schools}
    conflicts = wish_conflicts(instance, layout)
    found: dict[str, str] = {}
    for part in layout.parts:
        if part.key in conflicts:
            continue
        for kind, a, b in part_wishes(instance, part):
            ia, ib = instance.schools[a].id, instance.schools[b].id
            ca, cb = cluster_of.get(ia), cluster_of.get(ib)
            if (kind == "apart" and ca is not None and ca == cb) or (
                kind == "together" and ca != cb
            ):
                found.setdefault(part.key, f"{kind} {ia}/{ib}")
    return found


def _split_by_coordinator(instance: Instance, clusters: list[Any]) -> tuple[list[Any], list[Any]]:
    """(clusters whose coordinator may keep guiding them, the others): the coordinator is
    still in the instance, works in the cluster's region and has room (``max_groups``,
    counted in the baseline's order). The others still hold as clusters (B2) and keep
    their schools; only their coordinator changes (B4)."""
    idx = instance.index
    load: dict[str, int] = defaultdict(int)
    keep, orphans = [], []
    for c in clusters:
        fac = idx.facilitator.get(c.coordinator or "")
        f = None if fac is None else instance.facilitators[fac]
        if (
            f is None
            or f.role != "ocw_coordinator"
            or c.region not in f.regions
            or (f.max_groups is not None and load[f.id] >= f.max_groups)
        ):
            orphans.append(c)
            continue
        load[f.id] += 1
        keep.append(c)
    return keep, orphans


def _with_room(data: dict[str, Any], kept: list[Any]) -> Instance:
    """The instance of ``data`` with every coordinator's ``max_groups`` lowered by the kept
    clusters they guide: the room they have for the clusters still to form (``data`` is
    left as it is)."""
    used: dict[str, int] = defaultdict(int)
    for c in kept:
        if c.coordinator is not None:
            used[c.coordinator] += 1
    rows = []
    for row in data["facilitators"]:
        if row["id"] in used and row.get("max_groups") is not None:
            row = {**row, "max_groups": max(0, row["max_groups"] - used[row["id"]])}
        rows.append(row)
    return Instance.model_validate({**data, "facilitators": rows})


def _new_coordinator_note(cluster: Any, baseline: Plan) -> str:
    """A note for a kept cluster whose coordinator changed (B4)."""
    before = next((c.coordinator for c in baseline.clusters if c.id == cluster.id), None)
    after = cluster.coordinator or "none with room: the cluster is listed as unplaced"
    return f"[B4] cluster {cluster.id} keeps its schools; coordinator {before or '-'} -> {after}"


def keep_tn_networks(
    instance: Instance, plan: Plan, baseline: Plan, params: SolveParams, strict: bool
) -> tuple[Instance, Plan, list[str]]:
    """The TN stage, keeping every participant in their baseline network while the rules
    let them join it (a move only where no plan keeps them, :mod:`composer.solvers.tn`).

    A baseline network that falls below its minimum (T7, with its expected absence) only
    because members left keeps running with those who stay: its ``min_size`` is lowered
    in the re-planned instance, and a note says so (``strict``: not lowered, so the
    network may close). Returns the instance planned, the plan and the notes.
    """
    from composer.pipeline import no_progress
    from composer.solvers.tn import run_stage
    from composer.solvers.whatif import with_min_sizes
    from composer.tn_rules import candidates, expected_present, min_members

    idx = instance.index
    cand = candidates(instance)
    keep: dict[str, str] = {}
    for net in baseline.tn_networks:
        n = idx.tn_network.get(net.id)
        for pid in net.participants:
            p = idx.tn_participant.get(pid)
            if n is not None and p is not None and n in cand.networks_of.get(p, []):
                keep[pid] = net.id
    notes: list[str] = []
    lowered: dict[str, int] = {}
    for net in baseline.tn_networks if not strict else ():
        n = idx.tn_network.get(net.id)
        if n is None:
            continue
        spec = instance.tn.networks[n]
        staying = sum(1 for pid in net.participants if keep.get(pid) == net.id)
        if len(net.participants) < min_members(spec):
            continue  # below the minimum the change itself sets, not because people left
        # the largest minimum those who stay still meet at the expected absence (T7)
        low = math.floor(expected_present(spec, staying))
        if staying >= min_members(spec) or low < 1:
            continue
        lowered[net.id] = low
        notes.append(
            f"[T7] TN network {net.id} keeps running with the {staying} member(s) who stay: "
            f"min_size lowered from {spec.min_size} to {low} in the re-planned instance "
            "(--strict keeps the minimum, so the network may close)"
        )
    if lowered:
        instance = with_min_sizes(instance, "tn", lowered)
        plan = plan.model_copy(update={"instance_hash": instance.content_hash()})
    return instance, run_stage(instance, plan, params, no_progress, keep=keep), notes


def _left_over_said(instance: Instance, unplaced: tuple[Any, ...], kept: list[Any]) -> list[Any]:
    """The schools left out for an impossible count (B8) by the run over the schools the
    kept clusters leave, said as what they are: the count is of the schools left over,
    not of the sector-region, whose other schools stay in their kept clusters."""
    idx = instance.index
    held: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for c in kept:
        held[(c.sector, c.region)].append(c)
    said = []
    for u in unplaced:
        p = idx.school.get(u.id) if u.what == "school" and u.rule == "B8" else None
        school = None if p is None else instance.schools[p]
        mine = [] if school is None else held.get((school.sector, school.region), [])
        if mine:
            count = sum(len(c.schools) for c in mine)
            u = u.model_copy(
                update={
                    "reason": f"{u.reason} (the count is of the schools left over by the "
                    f"change: {count} other school(s) of the sector-region stay in their "
                    f"{len(mine)} kept cluster(s))"
                }
            )
        said.append(u)
    return said


def keep_clusters(
    instance: Instance, plan: Plan, baseline: Plan, params: SolveParams
) -> tuple[Plan, list[str]]:
    """The BV stage, keeping every baseline cluster that still holds (B2 size and part,
    its schools eligible) and clustering only the rest. A kept cluster keeps its
    coordinator while they may still guide it (B4: in the instance, of its region, with
    room); otherwise it keeps its schools and gets a coordinator with room, or none
    (listed as unplaced, B4).

    A part whose remaining schools cannot be split any more (B8) while the whole part
    could, gets all its clusters re-planned. Returns the plan and notes.
    """
    from composer.bv_rules import bv_layout, splittable
    from composer.model.plan import Cluster, StageResult
    from composer.objective.bv import bv_objective_parts
    from composer.pipeline import no_progress, stage_function
    from composer.solvers.bv import assign_coordinators

    run = stage_function("bv")
    if run is None:
        return plan, []
    idx = instance.index
    bv = instance.bv
    layout = bv_layout(instance)
    group_of = _keepable_group(instance, layout)
    notes: list[str] = []
    rewished = _parts_against_wishes(instance, layout, baseline)
    notes.extend(
        f"[B2] the clusters of {key} re-formed: kept as they were, they would break the wish {wish}"
        for key, wish in sorted(rewished.items())
    )
    kept: list[Cluster] = []
    shrunk: dict[str, list[str]] = {}  # cluster -> its schools that left the programme
    for c in baseline.clusters:
        # the schools still clustered in the part most of them are in: a school that left
        # BV (or its part) leaves the cluster; the others go on together while they still
        # form a cluster (B2)
        groups = Counter(group_of[s] for s in c.schools if s in group_of).most_common(2)
        if not groups or (len(groups) == 2 and groups[0][1] == groups[1][1]):
            continue
        group = groups[0][0]
        staying = tuple(s for s in c.schools if group_of.get(s) == group)
        if group in rewished or not bv.min_size <= len(staying) <= bv.max_size:
            continue
        if staying != c.schools:
            shrunk[c.id] = [s for s in c.schools if s not in staying]
            c = c.model_copy(update={"schools": staying})
        kept.append(c)
    # a part whose leftover schools cannot be split: give up its kept clusters one by one,
    # nearest to the leftover schools first, until the leftover can be split (B8)
    dropped = 0
    for part in layout.parts:
        ids = {instance.schools[p].id for p in part.schools}
        mine = [c for c in kept if c.schools[0] in ids]
        held = {s for c in mine for s in c.schools}
        left = [s for s in ids if s not in held]

        def distance(c: Cluster, left: list[str] = left) -> float:
            if not left:
                return 0.0
            pairs = [(idx.school[a], idx.school[b]) for a in c.schools for b in left]
            return sum(idx.travel_minutes(a, b) for a, b in pairs) / len(pairs)

        while mine and not splittable(len(left), bv.min_size, bv.max_size, part.max_oversize):
            nearest = min(mine, key=distance)
            mine.remove(nearest)
            kept.remove(nearest)
            left.extend(nearest.schools)
            dropped += 1
    kept_schools = {s for c in kept for s in c.schools}
    kept, orphans = _split_by_coordinator(instance, kept)
    data = instance.model_dump(mode="json")
    for row in data["schools"]:
        if row["id"] in kept_schools:
            row["bv_subsidy"] = False
    # wishes naming a kept school are settled by the kept cluster: the run over the rest
    # does not see that school and would call the wish unusable ("not clustered")
    rest_wishes = []
    cluster_of = {s: c.id for c in kept for s in c.schools}
    for wish in data["bv"].get("wishes", []):
        a, b = wish["school_a"], wish["school_b"]
        if a not in kept_schools and b not in kept_schools:
            rest_wishes.append(wish)
        elif wish["kind"] == "together" and cluster_of.get(a) != cluster_of.get(b):
            held = a if a in kept_schools else b
            notes.append(
                f"[B2] wish together {a}/{b}: {held} stays in its kept cluster "
                f"{cluster_of[held]}, so the two are not together"
            )
    data["bv"]["wishes"] = rest_wishes
    missing: list[Any] = []
    if orphans:
        # clusters whose coordinator left (or has no room any more) keep their schools and
        # get a coordinator with room before any new cluster does (B4)
        orphans, missing = assign_coordinators(_with_room(data, kept), orphans)
        notes.extend(_new_coordinator_note(c, baseline) for c in orphans)
    kept = [*kept, *orphans]
    notes.extend(
        f"[B2] cluster {c.id} goes on without {', '.join(shrunk[c.id])} (no longer in BV"
        f"{'' if all(s not in group_of for s in shrunk[c.id]) else ' or its sector-region'}) "
        f"with its {len(c.schools)} other schools"
        for c in kept
        if c.id in shrunk
    )
    rest = _with_room(data, kept)
    out = run(rest, plan, params, no_progress)
    out = out.model_copy(
        update={"unplaced": (*_left_over_said(instance, out.unplaced, kept), *missing)}
    )
    taken = {c.id for c in kept}
    top: dict[tuple[str, str], int] = defaultdict(int)
    for c in kept:
        top[(c.sector, c.region)] = max(top[(c.sector, c.region)], _cluster_number(c.id))
    new_clusters = []
    for c in out.clusters:
        if c in kept:
            continue
        cid = c.id
        if cid in taken:
            top[(c.sector, c.region)] += 1
            cid = f"bv-{c.sector}-{c.region}-{top[(c.sector, c.region)]:02d}"
        taken.add(cid)
        new_clusters.append(c.model_copy(update={"id": cid}))
    clusters = [*kept, *new_clusters]
    terms = bv_objective_parts(instance, clusters)
    stage = out.stages["bv"]
    if dropped:
        notes.append(
            f"[B8] {dropped} still-valid cluster(s) re-formed so that the schools left over "
            "by the change can be clustered"
        )
    notes.append(f"BV: {len(kept)} baseline cluster(s) kept, {len(new_clusters)} formed anew")
    result = StageResult(
        status=stage.status if stage.status in {"infeasible", "unknown"} else "feasible",
        objective=sum(terms.values()),
        bound=None,
        gap=None,
        parts=terms,
        notes=(*stage.notes, *notes),
    )
    return (
        out.model_copy(
            update={"clusters": tuple(clusters), "stages": {**out.stages, "bv": result}}
        ),
        notes,
    )


def replan(
    instance: Instance,
    baseline: Plan,
    params: SolveParams,
    strict: bool = False,
    stages: tuple[str, ...] | None = None,
) -> tuple[Instance, Plan, Any, list[str], set[str]]:
    """Re-plan ``instance`` close to ``baseline``: LOS with move penalties
    (:func:`composer.solvers.whatif.replan_los`), BV keeping the clusters that still hold
    (:func:`keep_clusters`), TN keeping its participants (:func:`keep_tn_networks`), the
    calendar keeping the baseline's dated sessions and visits that still hold
    (:mod:`composer.solvers.calendar.stage`).

    ``stages`` defaults to the stages the baseline planned. Returns (instance planned,
    plan, LOS validity, notes, learners the change removed).
    """
    if stages is None:
        stages = tuple(n for n, r in baseline.stages.items() if r.status != "not_planned")
    with clock.use(clock.for_run(params.time_limit, params.deterministic)):
        return _replan(instance, baseline, params, strict, stages)


def _replan(
    instance: Instance,
    baseline: Plan,
    params: SolveParams,
    strict: bool,
    stages: tuple[str, ...],
) -> tuple[Instance, Plan, Any, list[str], set[str]]:
    import dataclasses

    from composer import __version__
    from composer.pipeline import (
        finish_plan,
        no_progress,
        plan_items,
        stage_budget,
        stage_function,
        write_reserve,
    )
    from composer.solvers.whatif import Validity, replan_los

    # the time limit covers the whole re-plan: each stage gets its share of what is left
    # (as in composer.pipeline.solve), not the whole limit
    order = [name for name in STAGES if name in stages]
    end = clock.now() + params.time_limit - write_reserve(params.time_limit, plan_items(instance))

    def share(name: str) -> SolveParams:
        rest = order[order.index(name) + 1 :]
        return dataclasses.replace(params, time_limit=stage_budget(end, clock.now(), name, rest))

    notes: list[str] = []
    if "los" in order:
        planned, plan, valid, notes = replan_los(instance, baseline, share("los"), strict)
    else:
        planned, valid = instance, Validity()
        plan = Plan(instance=instance.name, instance_hash=instance.content_hash())
    plan = plan.model_copy(update={"tool_version": __version__, "parameters": params.record()})
    for name in order:
        if name == "los":
            continue
        if name == "bv" and baseline.clusters:
            plan, more = keep_clusters(planned, plan, baseline, share(name))
            notes.extend(more)
            continue
        if name == "tn" and baseline.tn_networks:
            planned, plan, more = keep_tn_networks(planned, plan, baseline, share(name), strict)
            notes.extend(more)
            continue
        fn = stage_function(name)
        if fn is not None:
            if name == "calendar":
                # the calendar stage keeps the baseline's dated sessions and visits where
                # they still hold
                plan = plan.model_copy(
                    update={"sessions": baseline.sessions, "visits": baseline.visits}
                )
            plan = fn(planned, plan, share(name), no_progress)
    ids = planned.index.learner
    removed = {lr for n in baseline.networks for lr in n.learners if lr not in ids}
    return planned, finish_plan(plan), valid, notes, removed


def run_scenario(s: Scenario) -> dict[str, Any]:
    """Apply the change, re-plan close to the baseline, check, diff (as plain data)."""
    from composer.check import check_plan
    from composer.check.core import fold_alike
    from composer.io import load_instance
    from composer.io.change_io import apply_change, load_change
    from composer.io.json_io import instance_to_json, plan_to_json, read_plan
    from composer.params import SolveParams
    from composer.replan import plan_diff

    base_instance = load_instance(Path(s.instance_path))
    baseline = read_plan(Path(s.baseline_path))
    instance = base_instance
    change_notes: list[str] = []
    if s.change_path is not None:
        change, lines = load_change(Path(s.change_path))
        instance = apply_change(
            base_instance, change, Path(s.change_path).name, lines, notes=change_notes
        )
    params = SolveParams(time_limit=s.time_limit, workers=s.workers, processes=1, seed=s.seed)
    planned, plan, valid, notes, removed = replan(instance, baseline, params, s.strict)
    notes = [*change_notes, *notes]
    report = check_plan(planned, plan)
    diff = plan_diff(
        baseline,
        plan,
        valid.stays,
        removed,
        notes,
        person_names(planned, base_instance),
        # the reasons compare the baseline's instance with the changed one; without a
        # change PATH may be a new year's instance, and the baseline's is not at hand
        instances=None if s.change_path is None else (base_instance, planned),
    )
    return {
        "name": s.name,
        "plan": plan_to_json(plan),
        "instance": instance_to_json(planned),
        "diff": diff.data,
        "lines": diff.lines(),
        "check_ok": report.ok,
        "violations": [
            *(a.render() for a in fold_alike(report.errors)),
            *(f"objective: {m}" for m in report.mismatches),
        ][:20],
        "status": plan.status,
    }
