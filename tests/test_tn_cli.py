"""The TN stage on the shipped tiny instance, through the CLI.

The optimum by hand (instances/tiny/README.md, section TN): TN1 is homogeneous on sector
with min 6 at 10 % absence, so it needs ceil(6 / 0.9) = 7..8 members of one sector. The
vo schools bring only 6 people, so TN1 takes the po side; leaving one of the 8 po people out
would cost 1000, so TN1 = TNP01-TNP08 and TN2 = TNP09-TNP14 (6..8). Everyone gets their
first theme (0). TN2 is diverse on function and holds three teamleiders and three
coordinators: 6 members - 2 distinct values = 4 repeated, x 5 = 20. Objective 20.
"""

from __future__ import annotations

import json

import pytest

from conftest import INSTANCES

TINY = INSTANCES / "tiny"


def test_tiny_tn_stage_reaches_the_hand_optimum_and_weights_change_per_run(cli, tmp_path):
    out = tmp_path / "tn"
    result = cli("solve", TINY, "--out", out, "--stage", "tn", "--quiet", "--workers", "1")
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    assert {g["id"]: g["participants"] for g in plan["tn_networks"]} == {
        "TN1": [f"TNP{i:02d}" for i in range(1, 9)],
        "TN2": [f"TNP{i:02d}" for i in range(9, 15)],
    }
    stage = plan["stages"]["tn"]
    assert stage["status"] == "optimal"
    assert stage["objective"] == 20
    assert stage["parts"] == {"theme": 0, "diversity": 20, "closed_network": 0, "unplaced": 0}
    checked = cli("check", TINY, out / "plan.json")
    assert checked.exit_code == 0, checked.output
    assert "tn objective 20" in checked.output
    # the same composition without the diversity weight costs nothing
    free = tmp_path / "free"
    args = ["solve", TINY, "--out", free, "--stage", "tn", "--quiet", "--workers", "1"]
    result = cli(*args, "--set", "tn.weights.diversity=0")
    assert result.exit_code == 0, result.output
    assert json.loads((free / "plan.json").read_text())["stages"]["tn"]["objective"] == 0


@pytest.mark.slow
def test_tiny_every_stage_is_clean_and_every_participant_meets(cli, tmp_path):
    # all four stages: the calendar schedules the composed TN networks (no "[T3] ... in no
    # network" note any more) and the checker finds nothing
    out = tmp_path / "all"
    result = cli("solve", TINY, "--out", out, "--workers", "1")
    assert result.exit_code == 0, result.output
    plan = json.loads((out / "plan.json").read_text())
    assert set(plan["stages"]) == {"los", "bv", "tn", "calendar"}
    assert all(s["status"] == "optimal" for s in plan["stages"].values())
    notes = [n for s in plan["stages"].values() for n in s["notes"]]
    assert not any("in no network" in n for n in notes)
    meeting = {a for s in plan["sessions"] if s["programme"] == "tn" for a in s["attendees"]}
    assert {f"TNP{i:02d}" for i in range(1, 15)} <= meeting
    checked = cli("check", TINY, out / "plan.json")
    assert checked.exit_code == 0, checked.output
    assert "0 violation(s)" in checked.output


def test_explain_names_what_the_tn_checks_find(cli, tmp_path):
    # TN1 asks for 16-18 members at 10 % absence (so 18 present-proof) but only the 14
    # participants exist: it can never be held (T7). explain searches no TN conflict, but
    # it no longer keeps silent about it (it printed only LOS and BV); tiny's own TN
    # networks give no TN lines at all
    import shutil

    tiny = tmp_path / "tiny"
    shutil.copytree(TINY, tiny)
    table = tiny / "tn_networks.csv"
    table.write_text(
        table.read_text(encoding="utf-8").replace(",6,8,0.1,2", ",16,18,0.1,2"), encoding="utf-8"
    )
    result = cli("explain", tiny, "--no-verify")
    assert result.exit_code == 0, result.output  # solve plans without TN1 (and lists it)
    lines = result.output.splitlines()
    at = lines.index(
        "TN networks: no minimal conflict is searched; composer solve plans without what "
        "these checks find and lists it in plan.unplaced:"
    )
    assert lines[at + 1].startswith("  [T7] network TN1 needs at least 18 members")
    assert "fix: lower min_size or expected_absence" in lines[at + 2]
    plain = cli("explain", TINY, "--no-verify")
    assert "TN networks" not in plain.output
