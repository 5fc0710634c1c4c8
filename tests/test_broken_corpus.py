"""The bad-input corpus (tests/broken/MANIFEST.yaml): every case is refused with exit 2,
the location and a message a planner understands, no traceback, and nothing written, by
`composer validate`, `composer convert` and `composer solve`.

Change files (what-if edits against a baseline plan) are not in this corpus yet: they
are built on another branch."""

from __future__ import annotations

from pathlib import Path

import pytest

from broken.build import BASE, base_files, build_case, load_manifest

CASES = load_manifest()
OUTPUTS = (("json", "out.json"), ("csv", "out-folder"), ("xlsx", "out.xlsx"))


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return base_files(tmp_path_factory.mktemp("base"))


def test_corpus_is_large_and_ids_unique():
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 60
    kinds = {c["kind"] for c in CASES}
    assert kinds == {"csv", "xlsx", "json", "file"}


def test_base_instance_is_valid(cli):
    result = cli("validate", BASE)
    assert result.exit_code == 0, result.output
    assert "0 warning(s)" in result.output


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_broken_input_is_refused(case, cli, tmp_path, base):
    case_dir = tmp_path / "case"
    case_dir.mkdir()
    target = build_case(case, case_dir, base)
    before = _snapshot(tmp_path)

    result = cli("validate", target)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert case["where"] in result.output, result.output
    assert case["message"] in result.output, result.output
    # the message names the place and says what to do
    assert "fix:" in result.output or "error:" in result.output

    # convert refuses too and writes nothing; the output format rotates over the cases
    fmt, dest = OUTPUTS[CASES.index(case) % len(OUTPUTS)]
    out = tmp_path / dest
    converted = cli("convert", target, "--to", fmt, "--out", out)
    assert converted.exit_code == 2, converted.output
    assert "Traceback" not in converted.output
    assert case["where"] in converted.output
    assert case["message"] in converted.output
    assert not out.exists()

    # solve refuses too, and neither creates its output folder nor touches anything
    solved = cli("solve", target, "--out", tmp_path / "solved", "--quiet")
    assert solved.exit_code == 2, solved.output
    assert "Traceback" not in solved.output
    assert case["where"] in solved.output
    assert not (tmp_path / "solved").exists()
    assert _snapshot(tmp_path) == before, "something was written"


def test_size_limit_names_its_override_and_can_be_raised(cli, monkeypatch):
    # the 50 MB case shows the refusal; here the same limit, lowered, on the small base
    monkeypatch.setenv("COMPOSER_MAX_FILE_MB", "0.0005")
    refused = cli("validate", BASE)
    assert refused.exit_code == 2
    assert "learners.csv: the file is 0.0 MB, above the limit of 0.0005 MB" in refused.output
    assert "COMPOSER_MAX_FILE_MB=1" in refused.output
    monkeypatch.setenv("COMPOSER_MAX_FILE_MB", "1")
    assert cli("validate", BASE).exit_code == 0


def test_a_real_process_prints_no_traceback(tmp_path, base):
    # the console entry point, not only click's test runner
    from conftest import run_composer

    case = next(c for c in CASES if c["id"] == "xlsx-merged-cells")
    target = build_case(case, tmp_path, base)
    done = run_composer("validate", target, timeout=120)
    assert done.returncode == 2
    assert "merged cells B3:C3" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
