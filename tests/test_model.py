"""The instance model: defaults, cross-row checks and the issues they raise."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from composer.model.semantic import SemanticIssues
from factories import base_data, make_instance, school


def semantic_messages(data) -> list[str]:
    with pytest.raises(ValidationError) as info:
        make_instance(data)
    found = []
    for err in info.value.errors():
        inner = (err.get("ctx") or {}).get("error")
        assert isinstance(inner, SemanticIssues), err
        found.extend(f"{'.'.join(map(str, i.path))}: {i.message}" for i in inner.issues)
    return found


def test_minimal_instance_is_valid_and_hash_is_stable():
    a = make_instance(base_data())
    b = make_instance(base_data())
    assert a.content_hash() == b.content_hash()
    assert a.los.settings.min_size == 15 and a.los.settings.max_size == 18  # L1 defaults
    assert (a.bv.min_size, a.bv.max_size) == (4, 6)  # B2 defaults


def test_instance_is_frozen():
    inst = make_instance(base_data())
    with pytest.raises(ValidationError):
        inst.name = "other"  # type: ignore[misc]


def test_unknown_field_refused():
    data = base_data()
    data["schools"][0]["colour"] = "red"
    with pytest.raises(ValidationError, match="colour"):
        make_instance(data)


def test_every_cross_row_problem_reported_at_once():
    data = base_data()
    data["schools"].append(school("s1"))  # duplicate id
    data["schools"][1]["region"] = "nowhere"  # unknown reference
    data["bv"] = {"min_size": 6, "max_size": 4}  # B2 bounds 6..4
    data["calendar"]["holidays"].append(
        {"holiday_region": "middle", "name": "dup", "start": "2026-10-20", "end": "2026-10-30"}
    )
    found = semantic_messages(data)
    assert any(m.startswith("schools.2.id: duplicate school id 's1'") for m in found), found
    assert any(m.startswith("schools.1.region: unknown region 'nowhere'") for m in found), found
    assert any(m.startswith("bv.min_size") for m in found), found
    assert any(m.startswith("calendar.holidays.1.start") and "overlaps" in m for m in found), found
    assert len(found) == 4


def test_travel_minutes_use_measured_time_over_estimate():
    data = base_data()
    inst = make_instance(data)
    estimate = inst.index.travel_minutes(0, 1)
    # s1 (52.09, 5.12) to s2 (52.10, 5.20): ~5.6 km x 1.3 / 40 km/h = ~11 minutes
    assert 10 <= estimate <= 12
    data["travel_times"] = [{"origin": "s2", "destination": "s1", "minutes": 25}]
    inst = make_instance(data)
    assert inst.index.travel_minutes(0, 1) == 25  # either direction
    assert inst.index.travel_minutes(1, 1) == 0


def test_dutch_date_format_accepted_and_impossible_date_refused():
    data = base_data()
    data["calendar"]["public_holidays"] = [{"date": "27-04-2027", "name": "Koningsdag"}]
    inst = make_instance(data)
    assert str(inst.calendar.public_holidays[0].date) == "2027-04-27"
    data["calendar"]["public_holidays"] = [{"date": "31-02-2027", "name": "nope"}]
    with pytest.raises(ValidationError, match="not a real date"):
        make_instance(data)


def test_solve_params_record_is_json_ready():
    import json

    from composer.params import SolveParams

    params = SolveParams(time_limit=5, seed=3, overrides={"bv.allow_seven": True})
    params.stop.set()
    record = params.record()
    assert "stop" not in record
    assert record["stages"] == ["los", "bv", "tn", "calendar"]
    assert json.loads(json.dumps(record))["overrides"] == {"bv.allow_seven": True}
