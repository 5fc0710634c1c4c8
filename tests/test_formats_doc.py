"""The README's Formats section is generated from the model and must be up to date."""

from __future__ import annotations

from composer.io.docs import BEGIN, END, markdown_formats
from composer.io.tabular import TABLES, settings_keys
from conftest import ROOT


def test_readme_formats_section_is_current():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END
    assert section == markdown_formats(), (
        "README.md is stale: run `PYTHONPATH=src python -m composer.io.docs README.md`"
    )


def test_every_table_column_and_setting_is_documented():
    doc = markdown_formats()
    for spec in TABLES:
        assert f"#### `{spec.name}`" in doc
        for column in spec.columns:
            assert f"| `{column.name}` |" in doc, (spec.name, column.name)
    for key in settings_keys():
        assert f"| `{key}` |" in doc, key


def test_readme_lists_convert():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`composer convert PATH --to json" in text
