"""Issue 9 item 2: fuzzing with hypothesis.

1. Loaders: random damage to a valid instance (JSON structure and text, the CSV tables and
   instance.yaml, workbook cells) is either still a valid instance or refused with the
   project's own error (:class:`~composer.errors.ComposerError`): never another exception.
2. The checker: random damage to a real plan (ids swapped for others or unknown ones,
   numbers and dates changed, rows dropped or doubled) is refused by ``read_plan`` or
   checked; ``check_plan`` never raises.
3. The solver: on random small valid instances (the generator's ``tiny`` preset, feasible
   by construction for LOS and BV) every plan the pipeline returns (LOS, BV and calendar,
   short time limits) checks clean for every stage that reports a plan, and the recomputed
   objectives agree.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from composer.check import check_plan
from composer.check.core import registered_checks
from composer.errors import ComposerError
from composer.io import load_instance, read_plan
from composer.io.json_io import instance_to_json, plan_to_json
from composer.io.xlsx_io import workbook_bytes
from composer.model.instance import Instance
from composer.model.plan import Plan
from composer.params import SolveParams
from composer.pipeline import solve
from conftest import INSTANCES

BASE = Path(__file__).resolve().parent / "base_instance"
TINY = INSTANCES / "tiny"
FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", "2026-02-30", "25:99", "mon", "L001", "0012", "utrecht", "-1", "1e999"]),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in a JSON document (dict keys and list positions)."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_paths(value, (*prefix, i)))
    return out


def _mutate(doc: Any, data: st.DataObject, pool: list[Any]) -> Any:
    """One to three random edits of a JSON document: replace, delete, duplicate, add."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        last = path[-1]
        op = data.draw(st.sampled_from(["replace", "swap", "delete", "duplicate", "add"]))
        if op == "replace":
            parent[last] = data.draw(junk)
        elif op == "swap" and pool:
            parent[last] = data.draw(st.sampled_from(pool))
        elif op == "delete":
            del parent[last]
        elif op == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        elif isinstance(parent, dict):
            parent[data.draw(st.text(min_size=1, max_size=8))] = data.draw(junk)
    return doc


def _leaves(node: Any) -> list[Any]:
    """The scalar values of a document (ids, dates, numbers): realistic replacements."""
    if isinstance(node, dict):
        return [v for value in node.values() for v in _leaves(value)]
    if isinstance(node, list):
        return [v for value in node for v in _leaves(value)]
    return [node]


def _loads_or_refuses(path: Path) -> None:
    try:
        instance = load_instance(path)
    except ComposerError:
        return
    assert isinstance(instance, Instance)


@functools.lru_cache(maxsize=1)
def base_json() -> dict[str, Any]:
    return json.loads(instance_to_json(load_instance(BASE)))


@functools.lru_cache(maxsize=1)
def base_workbook() -> bytes:
    return workbook_bytes(load_instance(BASE))


# --------------------------------------------------------------------------- loaders


@FUZZ
@given(data=st.data())
def test_json_loader_raises_only_its_own_errors(tmp_path, data):
    doc = base_json()
    pool = sorted({repr(v): v for v in _leaves(doc)}.values(), key=repr)[:400]
    mutated = _mutate(doc, data, pool)
    path = tmp_path / "instance.json"
    text = json.dumps(mutated, ensure_ascii=False, allow_nan=True)
    if data.draw(st.booleans()):  # damage the text too: cut it, or insert characters
        at = data.draw(st.integers(0, len(text)))
        text = text[:at] + data.draw(st.sampled_from(["", "\x00", "}", '"', "\ufeff", "é"]))
    path.write_bytes(
        text.encode(data.draw(st.sampled_from(["utf-8", "utf-8", "cp1252"])), errors="replace")
    )
    _loads_or_refuses(path)


@FUZZ
@given(data=st.data())
def test_csv_folder_loader_raises_only_its_own_errors(tmp_path, data):
    folder = tmp_path / "case"
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(BASE, folder)
    files = sorted(p.name for p in folder.iterdir())
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(files))
        path = folder / name
        raw = path.read_bytes()
        lines = raw.split(b"\n")
        op = data.draw(
            st.sampled_from(["cut", "insert", "drop_line", "double_line", "cell", "bytes"])
        )
        if op == "cut":
            raw = raw[: data.draw(st.integers(0, len(raw)))]
        elif op == "insert":
            at = data.draw(st.integers(0, len(raw)))
            raw = raw[:at] + data.draw(st.text(max_size=6)).encode() + raw[at:]
        elif op in {"drop_line", "double_line"} and lines:
            i = data.draw(st.integers(0, len(lines) - 1))
            extra = [lines[i]] if op == "double_line" else []
            raw = b"\n".join([*lines[:i], *extra, *lines[i + 1 :]])
        elif op == "cell" and len(lines) > 1:
            i = data.draw(st.integers(0, len(lines) - 1))
            cells = lines[i].split(b",")
            j = data.draw(st.integers(0, len(cells) - 1))
            cells[j] = str(data.draw(junk)).encode()
            lines[i] = b",".join(cells)
            raw = b"\n".join(lines)
        else:
            raw = raw + bytes(data.draw(st.lists(st.integers(0, 255), max_size=8)))
        path.write_bytes(raw)
    _loads_or_refuses(folder)


@settings(FUZZ, max_examples=6)
@given(data=st.data())
def test_workbook_loader_raises_only_its_own_errors(tmp_path, data):
    import io

    book = openpyxl.load_workbook(io.BytesIO(base_workbook()))
    for _ in range(data.draw(st.integers(1, 3))):
        sheet = book[data.draw(st.sampled_from(book.sheetnames))]
        row = data.draw(st.integers(1, max(1, sheet.max_row + 1)))
        col = data.draw(st.integers(1, max(1, sheet.max_column + 1)))
        value = data.draw(junk)
        if isinstance(value, list | dict) or (isinstance(value, float) and value != value):
            value = str(value)
        try:
            sheet.cell(row=row, column=col).value = value
        except (ValueError, TypeError, IllegalCharacterError):  # openpyxl refuses it
            continue
    path = tmp_path / "case.xlsx"
    try:
        book.save(path)
    except (AttributeError, TypeError, ValueError):  # openpyxl cannot write this junk itself
        assume(False)
    _loads_or_refuses(path)


# --------------------------------------------------------------------------- checker


@functools.lru_cache(maxsize=1)
def tiny_plan() -> tuple[Instance, dict[str, Any]]:
    instance = load_instance(TINY)
    plan, _ = solve(instance, SolveParams(time_limit=20, workers=1, processes=1))
    return instance, json.loads(plan_to_json(plan))


@FUZZ
@given(data=st.data())
def test_checker_raises_nothing_on_damaged_plans(tmp_path, data):
    instance, doc = tiny_plan()
    ids = [s.id for s in instance.schools] + [x.id for x in instance.learners]
    ids += [f.id for f in instance.facilitators] + ["nobody", "", "L001"]
    mutated = _mutate(doc, data, [*ids, "2026-12-25", "2031-01-01", "09:00", -5, 10**9])
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(mutated, allow_nan=True), encoding="utf-8")
    try:
        plan = read_plan(path)
    except ComposerError:
        return
    report = check_plan(instance, plan)  # must not raise, whatever the plan holds
    assert isinstance(report.ok, bool)


# --------------------------------------------------------------------------- solver


@functools.lru_cache(maxsize=1)
def _tables():
    from composer.builders.tables import load_tables

    return load_tables()


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6))
@example(seed=172)  # was LOS-infeasible by L9 alone (found by CI, 2026-12-06): the planted
# slots admitted no visit cycle; the generator now re-draws such slots
def test_solver_plans_on_random_valid_instances_check_clean(seed):
    from composer.builders.generate import generate

    instance = generate("tiny", seed, tables=_tables()).instance
    params = SolveParams(time_limit=8, workers=1, processes=1, seed=seed)
    plan, _ = solve(instance, params)
    assert isinstance(plan, Plan)
    report = check_plan(instance, plan)
    assert not report.mismatches, report.mismatches
    # every stage that reports a plan answers for the rules it owns
    owner = {c.rule: c.stage for c in registered_checks()}
    solved = {n for n, r in plan.stages.items() if r.status in {"optimal", "feasible"}}
    broken = [v.render() for v in report.errors if owner.get(v.rule) in solved]
    assert not broken, broken
    if plan.status in {"optimal", "feasible"}:
        assert report.ok, [v.render() for v in report.errors]
    # planted feasible (groups, slots, facilitators and room for the L9 visits): these two
    # always find a plan ("unknown" only when a loaded machine runs out of time)
    for name in ("los", "bv"):
        assert plan.stages[name].status in {"optimal", "feasible", "unknown"}, name


@pytest.mark.parametrize("name", ["tiny"])
def test_fuzz_bases_are_valid(name):
    assert load_instance(BASE).name and load_instance(INSTANCES / name).name


def test_damaged_stage_result_is_refused_with_its_place(tmp_path):
    # found by the fuzzing above: a bad value under `stages` crashed the issue locator
    _, doc = tiny_plan()
    doc = copy.deepcopy(doc)
    doc["stages"]["los"]["notes"] = [None]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ComposerError) as refused:
        read_plan(path)
    assert "plan.json, key stages.los.notes[0]: expected text" in str(refused.value)


def test_workbook_writer_refuses_text_xml_cannot_hold(tmp_path):
    # found by the round-trip property: U+FFFF was written and the workbook was unreadable
    from composer.io import write_instance

    instance = load_instance(BASE)
    school = instance.schools[0].model_copy(update={"name": "P|\uffffm"})
    broken = instance.model_copy(update={"schools": (school, *instance.schools[1:])})
    with pytest.raises(ComposerError) as refused:
        write_instance(broken, tmp_path / "x.xlsx", "xlsx")
    assert "sheet schools, row 2, column name" in str(refused.value)
    assert "U+FFFF" in str(refused.value)
    assert not (tmp_path / "x.xlsx").exists()
