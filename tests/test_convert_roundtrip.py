"""Lossless conversion: ``load(write(x, fmt)) == x`` for every format, and every pair via
``composer convert``; the refusal of what a format cannot hold."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from composer.errors import InputError
from composer.io import load_instance, write_instance
from composer.model.instance import Instance
from conftest import ROOT
from factories import base_data, make_instance
from strategies import instances

BASE = ROOT / "tests" / "base_instance"
DEST = {"csv": "inst", "json": "inst.json", "xlsx": "inst.xlsx"}


def _roundtrip(instance: Instance, fmt: str, folder: Path) -> Instance:
    dest = folder / DEST[fmt]
    if dest.is_dir():
        shutil.rmtree(dest)
    elif dest.exists():
        dest.unlink()
    write_instance(instance, dest, fmt)
    return load_instance(dest)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(instance=instances())
def test_every_format_is_lossless(instance, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rt")
    for fmt in ("csv", "xlsx", "json"):
        back = _roundtrip(instance, fmt, folder)
        assert back == instance, fmt
        assert back.content_hash() == instance.content_hash(), fmt


@pytest.mark.parametrize(("a", "b"), list(itertools.permutations(("csv", "json", "xlsx"), 2)))
def test_convert_every_pair_on_the_base_instance(cli, tmp_path, a, b):
    original = load_instance(BASE)
    first = tmp_path / DEST[a]
    second = tmp_path / ("second-" + DEST[b])
    assert cli("convert", BASE, "--to", a, "--out", first).exit_code == 0
    result = cli("convert", first, "--to", b, "--out", second)
    assert result.exit_code == 0, result.output
    assert load_instance(second) == original


def test_written_csv_folder_is_stable(tmp_path):
    # writing what was read gives byte-identical files the second time (no drift)
    inst = load_instance(BASE)
    write_instance(inst, tmp_path / "one", "csv")
    write_instance(load_instance(tmp_path / "one"), tmp_path / "two", "csv")
    for path in sorted((tmp_path / "one").iterdir()):
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes(), path.name


def test_workbook_refuses_text_it_cannot_store(tmp_path):
    data = base_data()
    data["schools"][1]["name"] = "bell\x07 school"
    inst = make_instance(data)
    with pytest.raises(InputError) as info:
        write_instance(inst, tmp_path / "x.xlsx", "xlsx")
    assert "sheet schools, row 3, column name" in info.value.render()
    assert not (tmp_path / "x.xlsx").exists()
    # CSV and JSON keep it
    for fmt in ("csv", "json"):
        assert _roundtrip(inst, fmt, tmp_path) == inst


def test_empty_list_item_refused_not_dropped(tmp_path):
    data = base_data()
    data["schools"].append({**data["schools"][0], "id": "s3"})
    data["tn"] = {
        "participants": [
            {"id": "p1", "name": "P", "school": "s1", "function": "x", "themes": ["a", " "]}
        ]
    }
    inst = make_instance(data)
    assert inst.tn.participants[0].themes == ("a", "")
    with pytest.raises(InputError, match="empty item"):
        write_instance(inst, tmp_path / "out", "csv")
    assert not (tmp_path / "out").exists()
