"""Suite files: validation with located errors (file:line, entry, field); the shipped suites."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from composer.bench.suite import find_suite, load_suite, repository_root, resolve_entries
from composer.errors import InputError
from conftest import ROOT


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _issues(path: Path) -> list[str]:
    with pytest.raises(InputError) as caught:
        suite = load_suite(path)
        resolve_entries(suite, path, path.parent)
    return [f"{i.where()}: {i.message}" for i in caught.value.issues]


def test_a_valid_suite_resolves_defaults_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "inst.json").write_text("{}", encoding="utf-8")
    path = _write(
        tmp_path,
        """
        name: t
        defaults: {time_limit: 7, workers: 2, tolerance: {objective: 0.01}}
        entries:
          - id: a
            instance: inst.json
            seed: 3
            tolerance: {time_factor: 2}
          - id: b
            generate: {preset: tiny, seed: 4}
            time_limit: 1.5
            stages: [calendar, bv]
        """,
    )
    suite = load_suite(path)
    a, b = resolve_entries(suite, path, tmp_path, tolerance=0.02)
    assert (a.time_limit, a.workers, a.seed, a.instance) == (7, 2, 3, tmp_path / "inst.json")
    # --tolerance replaces the suite default; the entry keeps its own time factor
    assert (a.thresholds.objective, a.thresholds.time_factor) == (0.02, 2)
    assert b.generate is not None and b.generate.seed == 4
    assert b.stages == ("bv", "calendar")  # pipeline order, whatever the file's order
    assert b.parameters()["generate"] == {"preset": "tiny", "seed": 4}


def test_errors_name_file_line_entry_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        name: broken
        entries:
          - id: ok
            generate: {preset: tiny}
          - id: negative
            generate: {preset: tiny}
            time_limit: -1
          - id: typo
            generate: {preset: tiny}
            timelimit: 5
          - id: both
            generate: {preset: tiny}
            literature: {kind: cpmp, file: x.txt}
          - id: badkind
            literature: {kind: tsp, file: x.txt}
        """,
    )
    issues = _issues(path)
    assert len(issues) == 4, issues
    assert f"{path}, line 7: entry 'negative', field time_limit: " in issues[0]
    assert "greater than 0" in issues[0]
    assert f"{path}, line 10: entry 'typo', field timelimit: " in issues[1]
    assert (
        f"{path}, line 11: entry 'both': give exactly one of instance, generate or literature"
        in (issues[2])
    )
    assert f"{path}, line 15: entry 'badkind', field literature.kind: " in issues[3]


def test_duplicate_ids_and_missing_instances_are_located(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
        name: dup
        entries:
          - id: same
            generate: {preset: tiny}
          - id: same
            generate: {preset: tiny, seed: 1}
        """,
    )
    issues = _issues(path)
    assert issues == [
        f"{path}, line 5: entry 'same', field id: id 'same' is used twice (also entry 1)"
    ]
    path = _write(tmp_path, "name: m\nentries:\n  - id: gone\n    instance: nowhere.json\n")
    issues = _issues(path)
    assert len(issues) == 1 and issues[0].startswith(
        f"{path}, line 4: entry 'gone', field instance:"
    )


def test_yaml_syntax_errors_are_located(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: x\nentries:\n  - id: a\n    stages: [los, bv\n")
    issues = _issues(path)
    assert len(issues) == 1 and issues[0].startswith(f"{path}, line 5: not valid YAML")


def test_a_suite_without_entries_is_refused_and_a_minimal_one_passes(tmp_path: Path) -> None:
    assert "field entries" in _issues(_write(tmp_path, "name: empty\nentries: []\n"))[0]
    path = _write(tmp_path, "name: one\nentries:\n  - {id: a, generate: {preset: tiny}}\n")
    assert [e.id for e in resolve_entries(load_suite(path), path, tmp_path)] == ["a"]


def test_literature_globs_expand_and_a_missing_folder_only_skips(tmp_path: Path) -> None:
    lit = tmp_path / "lit"
    (lit / "set").mkdir(parents=True)
    for name in ("p2.txt", "p1.txt"):
        (lit / "set" / name).write_text("", encoding="utf-8")
    path = _write(
        tmp_path,
        """
        name: lit
        entries:
          - id: many
            literature: {kind: cpmp, file: "set/p*.txt"}
          - id: one
            literature: {kind: gap, file: set/p1.txt}
          - id: listed
            literature: {kind: mdgp, file: [set/p2.txt, set/nothing*.txt]}
        """,
    )
    with pytest.raises(InputError) as caught:
        resolve_entries(load_suite(path), path, tmp_path, literature_dir=lit)
    (issue,) = caught.value.issues
    assert (issue.source, issue.line) == (
        str(path),
        8,
    ) and "field literature.file.1" in issue.message
    path.write_text(path.read_text().replace(", set/nothing*.txt", ""), encoding="utf-8")
    entries = resolve_entries(load_suite(path), path, tmp_path, literature_dir=lit)
    assert [(e.id, e.group, e.literature_file) for e in entries] == [
        ("many/p1", "many", "set/p1.txt"),
        ("many/p2", "many", "set/p2.txt"),
        ("one", "one", "set/p1.txt"),
        ("listed/p2", "listed", "set/p2.txt"),
    ]
    skipped = resolve_entries(load_suite(path), path, tmp_path, literature_dir=tmp_path / "no")
    assert all(e.skip and "not found" in e.skip for e in skipped)


def test_shipped_suites_are_valid_and_cover_what_issue_8_asks() -> None:
    smoke_path, full_path = find_suite("smoke", ROOT), find_suite("full", ROOT)
    assert repository_root(smoke_path.parent) == ROOT
    smoke = resolve_entries(load_suite(smoke_path), smoke_path, ROOT)
    full = resolve_entries(load_suite(full_path), full_path, ROOT)
    sources = [e.source for e in smoke]
    assert {"instance", "generate"} <= set(sources) and sources.count("literature") >= 2
    # a size ladder of at least 5 generated sizes from tiny to national
    ladder = [e.generate for e in full if e.generate is not None]
    assert len(ladder) >= 5
    assert ladder[0].preset == "tiny" and ladder[-1].preset == "national"
    shipped = {e.instance.name for e in full if e.instance is not None}
    assert shipped == {"tiny", "midden-nederland", "national"}
    assert {e.kind for e in full if e.source == "literature"} == {"cpmp", "gap", "mdgp"}


def test_unknown_suite_names_list_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        find_suite("nosuch", ROOT)
    assert "smoke" in (caught.value.issues[0].fix or "")
