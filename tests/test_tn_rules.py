"""TN rule logic (composer.tn_rules) and the TN diagnostics, without a solver."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from composer.model.instance import TnNetwork, TnParticipant
from composer.tn_rules import candidates, expected_present, min_members, theme_rank, tn_findings
from factories import school
from tn_cases import network, person, tn_instance


def _net(min_size: int, absence: float, max_size: int = 40) -> TnNetwork:
    return TnNetwork(
        id="A", facilitator="PB1", min_size=min_size, max_size=max_size, expected_absence=absence
    )


@pytest.mark.parametrize(
    ("min_size", "absence", "needed"),
    [
        (6, 0.0, 6),  # no absence: the minimum itself
        (6, 0.1, 7),  # 6 / 0.9 = 6.67 -> 7 (the tiny instance's TN1)
        (6, 0.15, 8),  # 6 / 0.85 = 7.06 -> 8
        (9, 0.1, 10),  # 9 / 0.9 = 10 exactly; float division gives 10.000000000000002
        (3, 0.25, 4),  # 3 / 0.75 = 4 exactly
        (2, 0.5, 4),
    ],
)
def test_t7_minimum_with_absence_is_exact(min_size, absence, needed):
    net = _net(min_size, absence)
    assert min_members(net) == needed
    assert expected_present(net, needed) >= min_size  # enough attend
    assert expected_present(net, needed - 1) < min_size  # one fewer is not enough


@given(
    min_size=st.integers(min_value=1, max_value=30),
    percent=st.integers(min_value=0, max_value=90),
)
def test_t7_minimum_is_the_smallest_count_whose_expected_attendance_suffices(min_size, percent):
    net = _net(min_size, percent / 100, max_size=400)
    need = min_members(net)
    # floor(m * (1 - a)) >= min_size  <=>  m * (1 - a) >= min_size (min_size is whole)
    assert math.floor(expected_present(net, need)) >= min_size
    assert math.floor(expected_present(net, need - 1)) < min_size


def test_theme_rank():
    p = TnParticipant(id="p", name="P", school="s1", function="x", themes=("Lezen", "rekenen"))
    assert theme_rank(p, TnNetwork(id="A", facilitator="F", theme=" lezen ")) == 0
    assert theme_rank(p, TnNetwork(id="A", facilitator="F", theme="Rekenen")) == 1
    assert theme_rank(p, TnNetwork(id="A", facilitator="F", theme="burgerschap")) is None
    assert theme_rank(p, TnNetwork(id="A", facilitator="F")) == 0  # no theme: nothing to honour


def test_candidates_follow_a_pinned_school_mate():
    # a1 is pinned to B; with school_together a2 (same school) may only join B too
    inst = tn_instance(
        [person("a1", "s1", network="B"), person("a2", "s1", "ib-er")],
        [network("A"), network("B")],
    )
    cand = candidates(inst)
    assert cand.networks_of == {0: [1], 1: [1]}
    assert cand.refusals[1][0].rule == "T3"


def test_why_no_network_names_the_network_of_their_region_first():
    # ib-er a2 of s1 (region r1) has no school leader taking part: A (region r2) refuses
    # them for its region (T6), B (r1) because no leader of s1 joins (T3). The reason given
    # is B's: A lies elsewhere, which says the least (it gave A's T6 before)
    schools = [school("s1"), school("s2", region="r2")]
    inst = tn_instance(
        [person("a2", "s1", "ib-er")],
        [network("A", region="r2"), network("B", region="r1")],
        schools=schools,
        regions=("r1", "r2"),
    )
    cand = candidates(inst)
    assert cand.networks_of == {0: []}
    assert cand.refusals[0][0].rule == "T6" and cand.refusals[0][1].rule == "T3"
    assert cand.why_none(0).rule == "T3"


def test_diagnostics_name_what_cannot_work():
    schools = [school("s1", sector="po"), school("s2", sector="vo"), school("s3", sector="go")]
    people = [person(f"p{i}", f"s{i}") for i in (1, 2, 3)]
    inst = tn_instance(
        people,
        [
            # no sector is shared by 2 candidates: a homogeneous network of 2 cannot form
            network("H", min_size=2, composition="homogeneous", composition_attribute="sector"),
            # every candidate has function schoolleider: no diverse network of 2
            network("D", min_size=2, composition="diverse", composition_attribute="function"),
        ],
        schools=schools,
    )
    found = {(i.rule, i.message.split(" ")[1]) for i in tn_findings(inst)}
    assert ("T6", "H") in found and ("T6", "D") in found
    assert all(i.severity == "warning" and i.fix for i in tn_findings(inst))


def test_diagnostics_count_seats():
    people = [person(f"p{i}", f"s{i}") for i in range(1, 6)]
    inst = tn_instance(people, [network("A", max_size=3)])
    assert any(
        i.rule == "T7" and "5 TN participants but the networks seat at most 3" in i.message
        for i in tn_findings(inst)
    )
    fits = tn_instance(people[:3], [network("A", max_size=3)])
    assert tn_findings(fits) == []
