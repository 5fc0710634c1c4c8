"""Alike violations are read once: ``fold_alike`` keeps the first in full and the ids of
the others, and folds nothing that says something different."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from composer.check.core import FOLD_SHOWN, Violation, fold_alike


def v(rule: str, message: str, *items: str, severity: str = "error") -> Violation:
    return Violation(rule, message, items, severity=severity)  # type: ignore[arg-type]


def test_messages_differing_only_in_their_id_fold_into_one():
    found = [
        v("P1", "c is in no network (plan says: learner c has no seat)", "c"),
        v("L1", "network n2 is missing", "n2"),
        v("P1", "d is in no network (plan says: learner d has no seat)", "d"),
    ]
    folded = fold_alike(found)
    # the P1 pair is one group in the place of its first; L1 stays on its own
    assert [(a.first.items, a.others) for a in folded] == [(("c",), ("d",)), (("n2",), ())]
    assert folded[0].render() == (
        "[P1] c is in no network (plan says: learner c has no seat) (c) -- and 1 more alike: d"
    )
    assert folded[1].render() == "[L1] network n2 is missing (n2)"


def test_different_wording_rule_severity_or_other_items_do_not_fold():
    found = [
        v("P1", "c is in no network", "c"),
        v("P1", "d is pinned to n1 but left unplaced", "d"),  # other words
        v("P2", "e is in no network", "e"),  # other rule
        v("P1", "f is in no network", "f", severity="warning"),  # other severity
        v("L4", "g is busy at n1's slot", "g", "n1"),
        v("L4", "h is busy at n2's slot", "h", "n2"),  # other second item
        v("L8", "region r1 has spare seats", "r9"),  # message does not name its item
        v("L8", "region r1 has spare seats", "r8"),
    ]
    assert all(not a.others for a in fold_alike(found))
    assert len(fold_alike(found)) == len(found)


def test_an_id_is_replaced_as_a_whole_word_only():
    # "a" is inside "network" and "a plan": blanking it as a substring would make these
    # two alike though the second says "no plan" where the first says "a plan"
    found = [
        v("P1", "a is in no network; a plan says why", "a"),
        v("P1", "b is in no network; no plan says why", "b"),
    ]
    assert all(not a.others for a in fold_alike(found))


def test_a_long_group_names_its_first_ids_and_counts_the_rest():
    found = [v("P1", f"x{i} is in no network", f"x{i}") for i in range(FOLD_SHOWN + 6)]
    (group,) = fold_alike(found)
    line = group.render()
    assert line.endswith(f"x{FOLD_SHOWN} and 5 others")
    assert f"-- and {FOLD_SHOWN + 5} more alike: x1, x2," in line


@given(
    st.lists(
        st.tuples(st.sampled_from(["P1", "L1"]), st.sampled_from(["s", "t"]), st.integers(0, 6)),
        max_size=30,
    )
)
def test_folding_keeps_every_violation_once(specs):
    found = [v(rule, f"id{k} {word}", f"id{k}") for rule, word, k in specs]
    folded = fold_alike(found)
    # every violation is one group's first or one of its others, in first-seen order
    assert sum(1 + len(a.others) for a in folded) == len(found)
    firsts = [a.first for a in folded]
    assert firsts == [x for i, x in enumerate(found) if x in firsts and found.index(x) == i]
