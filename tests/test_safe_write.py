"""Atomic writes: old or new content, never half; normal file permissions."""

from __future__ import annotations

import os
import stat

import pytest

from composer.errors import OutputExistsError
from composer.io.safe_write import atomic_write_text, staged_dir


def test_atomic_write_replaces_content_with_umask_permissions(tmp_path):
    target = tmp_path / "plan.json"
    atomic_write_text(target, "old")
    atomic_write_text(target, "new")
    assert target.read_text() == "new"
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]  # no temporary left


def test_staged_dir_refuses_existing_folder_without_force(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("keep")
    with pytest.raises(OutputExistsError), staged_dir(out):
        pass
    assert (out / "keep.txt").read_text() == "keep"


def test_staged_dir_leaves_old_folder_when_interrupted(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("old")
    with pytest.raises(KeyboardInterrupt), staged_dir(out, force=True) as tmp:
        (tmp / "plan.json").write_text("half")
        raise KeyboardInterrupt
    assert (out / "plan.json").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_staged_dir_swaps_an_existing_folder_whole(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "plan.json").write_text("old")
    (out / "extra.txt").write_text("old")
    with staged_dir(out, force=True) as tmp:
        (tmp / "plan.json").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == ["plan.json"]
    assert (out / "plan.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # nothing left beside it


def test_exchange_paths_swaps_two_folders(tmp_path):
    from composer.io.safe_write import exchange_paths

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("a")
    (b / "x").write_text("b")
    if not exchange_paths(a, b):
        pytest.skip("this system cannot swap paths atomically (the two-step fallback is used)")
    assert (a / "x").read_text() == "b" and (b / "x").read_text() == "a"
