"""The shipped instances: valid, reproducible from their README command, feasible."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from composer.builders.generate import generate
from composer.diagnostics import diagnose
from composer.io import load_instance
from planted_check import los_violations, tn_violations, visit_violations

ROOT = Path(__file__).resolve().parent.parent
INSTANCES = ROOT / "instances"
SHIPPED = sorted(p.name for p in INSTANCES.iterdir() if (p / "instance.yaml").is_file())
GENERATED = [n for n in SHIPPED if "composer generate" in (INSTANCES / n / "README.md").read_text()]


def _command(name: str) -> list[str]:
    text = (INSTANCES / name / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^composer generate .*$", text, flags=re.MULTILINE)
    assert match, f"{name}/README.md names no generate command"
    return shlex.split(match.group(0))[1:]


def _options(args: list[str]) -> tuple[str, dict[str, str]]:
    preset, rest = args[1], args[2:]
    return preset, {rest[i].lstrip("-"): rest[i + 1] for i in range(0, len(rest), 2)}


def test_expected_instances_are_shipped() -> None:
    assert {"tiny", "national", "midden-nederland"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_instance_validates(name: str, cli) -> None:
    result = cli("validate", INSTANCES / name)
    assert result.exit_code == 0, result.output
    readme = (INSTANCES / name / "README.md").read_text(encoding="utf-8")
    assert "ODbL" in readme and "CC0" in readme


@pytest.mark.parametrize("name", GENERATED)
def test_shipped_instance_is_reproducible_and_its_planted_plan_is_feasible(name: str) -> None:
    preset, opts = _options(_command(name))
    result = generate(
        preset,
        int(opts["seed"]),
        learners=int(opts["learners"]) if "learners" in opts else None,
        regions=int(opts["regions"]) if "regions" in opts else None,
        region=opts.get("region"),
        tn_networks=int(opts["tn-networks"]) if "tn-networks" in opts else None,
        name=opts.get("name"),
    )
    shipped = load_instance(INSTANCES / name)
    assert shipped == result.instance
    assert shipped.content_hash() == result.instance.content_hash()
    p = result.planted
    assert los_violations(result.instance, p.network_of, p.slot_of, p.so_of, p.second_of) == []
    assert visit_violations(result.instance, p.slot_of, p.so_of, p.second_of) == []
    assert tn_violations(result.instance, p.tn_network_of) == []


def test_national_exercises_b8_and_has_enough_eligible_schools() -> None:
    inst = load_instance(INSTANCES / "national")
    eligible = [s for s in inst.schools if s.bv_subsidy and not s.bv_individual_support]
    assert len(eligible) >= 2000
    assert any(s.bv_individual_support for s in inst.schools)
    b8 = [w for w in diagnose(inst) if w.rule == "B8"]
    assert b8, "national should contain sector-regions that cannot be split (B8)"
    assert inst.bv.first_school_year == "2026-2027" and inst.bv.meetings_per_year > 0
    assert len({n.region for n in inst.los.networks}) >= 3
    assert 2000 <= len(inst.learners) <= 6000
    assert inst.tn.networks
