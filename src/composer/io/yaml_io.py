"""``instance.yaml``: the settings of a CSV-folder instance, read with line numbers.

YAML is parsed to its node tree, not to Python values, so that every scalar stays the
text the planner wrote (``13:30`` is not the number 810, ``no`` is not ``False``, ``0012``
is not 12) and every key keeps its line for the error message. Values are then read by
the same rules as table cells (:mod:`composer.io.cells`) and validated by pydantic. A key
given twice is an error, not a silent override.

The writer emits every setting with its current value and a comment with its meaning, so
the file documents itself.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

import yaml

from composer.errors import Issue
from composer.io.cells import time_text
from composer.io.fields import Column
from composer.io.issues import Path, Where
from composer.io.tabular import (
    RECORD_LISTS,
    SETTINGS,
    IssueSink,
    RecordList,
    Setting,
    SettingsRead,
    format_key,
)

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
MAX_DEPTH = 8
"""Settings are at most four levels deep (los.settings.weights.travel); deeper is an error."""


class _Unsupported(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class _Tree:
    """The YAML document as plain data plus the line of every key path."""

    def __init__(self, source: str, sink: IssueSink) -> None:
        self.source = source
        self.sink = sink
        self.lines: dict[tuple[str | int, ...], int] = {}
        self.seen: set[int] = set()

    def build(self, node: yaml.Node, path: tuple[str | int, ...]) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            if id(node) in self.seen or len(path) > MAX_DEPTH:
                raise _Unsupported(
                    "YAML anchors and aliases (& and *) are not supported"
                    if id(node) in self.seen
                    else f"the settings are nested more than {MAX_DEPTH} levels deep",
                    node.start_mark.line + 1,
                )
            self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                if key in out:
                    self.sink.add(
                        Issue(
                            f"key {format_key((*path, key))} is given twice (first on line "
                            f"{self.lines.get((*path, key))})",
                            self.source,
                            line=key_node.start_mark.line + 1,
                            key=format_key((*path, key)),
                            fix="keep one of the two",
                        )
                    )
                    continue
                self.lines[(*path, key)] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        assert isinstance(node, yaml.ScalarNode)
        if node.style is None and node.value in _NULLS:
            return None
        return node.value


def read_settings_yaml(raw: bytes, source: str, sink: IssueSink) -> SettingsRead | None:
    """Parse ``instance.yaml``; problems go to ``sink``; None when nothing usable was read."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        from composer.io.csv_io import encoding_issue

        sink.add(encoding_issue(raw, exc, source, rows=False))
        return None
    if not text.strip():
        sink.add(
            Issue(
                "the file is empty",
                source,
                fix="it must hold at least the instance's name, e.g. 'name: my-region'",
            )
        )
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        sink.add(Issue("the settings are nested too deeply", source, fix="see README, Formats"))
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        sink.add(
            Issue(
                f"not valid YAML: {problem}",
                source,
                line=mark.line + 1 if mark is not None else None,
                fix="check the indentation and quotes near this line (values with ':' or "
                "'#' need quotes)",
            )
        )
        return None
    if node is None:
        sink.add(Issue("the file is empty", source, fix="it must hold at least 'name: ...'"))
        return None
    tree = _Tree(source, sink)
    try:
        data = tree.build(node, ())
    except _Unsupported as exc:
        sink.add(Issue(str(exc), source, line=exc.line, fix="write every value out in full"))
        return None
    if not isinstance(data, dict):
        sink.add(
            Issue(
                "expected 'key: value' lines at the top level",
                source,
                line=1,
                fix="see README, Formats, for the settings keys",
            )
        )
        return None

    def locate(path: Path) -> Where:
        probe = tuple(path)
        while probe and probe not in tree.lines:
            probe = probe[:-1]
        line = tree.lines.get(probe) if probe else None  # a missing top-level key: no line
        return Where(source, key=format_key(path) or None, line=line)

    return SettingsRead(source, data, locate)


# --------------------------------------------------------------------------- writing


def _scalar(value: Any) -> str:
    """One YAML scalar on one line (quoted when needed)."""
    if value is None:
        return "null"
    if isinstance(value, dt.time):
        value = time_text(value)
    if (
        isinstance(value, float)
        and value.is_integer()
        and abs(value) < 1e15
        and math.copysign(1.0, value) > 0
    ):
        value = int(value)
    text: str = yaml.safe_dump(
        value, default_flow_style=True, allow_unicode=True, width=1_000_000
    ).rstrip("\n")
    if text.endswith("\n..."):
        text = text[: -len("\n...")]
    if "\n" in text:
        text = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=1_000_000).rstrip(
            "\n"
        )
    return text


def _comment(text: str) -> str:
    return f"  # {' '.join(text.split())}" if text else ""


def _value(value: Any, column: Column) -> str:
    if column.kind.many:
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return _scalar(value)


def settings_yaml(instance: Any, header: str) -> str:
    """The text of ``instance.yaml`` for an instance: every setting, with its meaning."""
    from composer.io.docs import meaning

    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    opened: list[str] = []
    for item in SETTINGS:
        path = item.path if isinstance(item, RecordList) else item.column.path
        parents = list(path[:-1])
        common = 0
        while common < min(len(parents), len(opened)) and parents[common] == opened[common]:
            common += 1
        for depth in range(common, len(parents)):
            lines.append("  " * depth + f"{parents[depth]}:")
        opened = parents
        indent = "  " * len(parents)
        value = instance
        for part in path:
            value = getattr(value, part)
        if isinstance(item, Setting):
            lines.append(
                f"{indent}{path[-1]}: {_value(value, item.column)}" + _comment(meaning(item.column))
            )
            continue
        if not value:
            lines.append(f"{indent}{path[-1]}: []" + _comment(item.description))
            continue
        lines.append(f"{indent}{path[-1]}:" + _comment(item.description))
        for record in value:
            first = True
            for column in item.columns:
                cell = getattr(record, column.name)
                if cell is None or (cell == "" and not column.required):
                    continue
                lead = "- " if first else "  "
                lines.append(f"{indent}  {lead}{column.name}: {_value(cell, column)}")
                first = False
            if first:
                lines.append(f"{indent}  - {{}}")
    return "\n".join(lines) + "\n"


def yaml_locator(source: str) -> Callable[[Path], Where]:
    """A locator that names only the key (for settings with no line known)."""
    return lambda path: Where(source, key=format_key(path) or None)


__all__ = ["RECORD_LISTS", "read_settings_yaml", "settings_yaml"]
