"""Symmetrisation: hand-computed grow-diag-final-and, and bounds against brute-force sets."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xner.align.symmetrize import symmetrize


def test_hand_computed():
    fwd = frozenset({(0, 0), (1, 1), (1, 2)})
    rev = frozenset({(0, 0), (1, 1), (2, 2)})
    assert symmetrize(fwd, rev, 3, 3, "intersection") == {(0, 0), (1, 1)}
    assert symmetrize(fwd, rev, 3, 3, "union") == {(0, 0), (1, 1), (1, 2), (2, 2)}
    # grow: (1,2) neighbours (1,1) and covers unaligned target 2; (2,2) is diagonal to (1,1) and covers
    # unaligned source 2
    assert symmetrize(fwd, rev, 3, 3, "grow-diag-final-and") == {(0, 0), (1, 1), (1, 2), (2, 2)}


def test_final_and_needs_both_words_unaligned():
    # (3,0) is far from the intersection; its source is unaligned but its target 0 is aligned → not
    # added by final-and, but added by final (either word unaligned)
    fwd = frozenset({(0, 0), (3, 0)})
    rev = frozenset({(0, 0)})
    assert symmetrize(fwd, rev, 4, 4, "grow-diag-final-and") == {(0, 0)}
    assert symmetrize(fwd, rev, 4, 4, "grow-diag-final") == {(0, 0), (3, 0)}
    fwd2 = frozenset({(0, 0), (3, 3)})
    assert symmetrize(fwd2, rev, 4, 4, "grow-diag-final-and") == {(0, 0), (3, 3)}
    assert symmetrize(fwd2, rev, 4, 4, "grow-diag") == {(0, 0)}


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown symmetrization"):
        symmetrize(frozenset(), frozenset(), 1, 1, "gdfa")


links = st.frozensets(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=12)


@settings(max_examples=200, deadline=None)
@given(links, links)
def test_between_intersection_and_union(fwd, rev):
    inter, union = fwd & rev, fwd | rev
    for method in ("grow-diag", "grow-diag-final", "grow-diag-final-and"):
        out = symmetrize(fwd, rev, 6, 6, method)
        assert inter <= out <= union
    grown = symmetrize(fwd, rev, 6, 6, "grow-diag")
    assert grown <= symmetrize(fwd, rev, 6, 6, "grow-diag-final-and")  # the final steps only add
    assert grown <= symmetrize(fwd, rev, 6, 6, "grow-diag-final")
