import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from xner.data.types import Span
from xner.errors import ConfigError
from xner.ner.encoding import (
    IGNORE,
    entity_types,
    first_subword_labels,
    first_subword_positions,
    label_list,
    reconcile_labels,
    span_probability,
    split_windows,
)


def test_label_list_sorted_with_o_first():
    assert label_list({"PER", "LOC"}) == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    assert entity_types([["B-PER", "O", "I-ORG"], ["O"]]) == {"PER", "ORG"}


def test_first_subword_labels_and_positions():
    # <s> Straß ##burg tagt </s>  → words 0 (2 subwords), 1
    word_ids = [None, 0, 0, 1, None]
    assert first_subword_labels(word_ids, [3, 0]) == [IGNORE, 3, IGNORE, 0, IGNORE]
    assert first_subword_positions(word_ids, 3) == [1, 3, -1]


def test_split_windows_hand_computed():
    assert split_windows([1, 2, 3, 1], 3) == [(0, 2), (2, 3), (3, 4)]
    assert split_windows([5, 1], 3) == [(0, 1), (1, 2)]  # an overlong word gets its own window
    assert split_windows([], 3) == []


@given(st.lists(st.integers(1, 6), max_size=30), st.integers(1, 8))
def test_split_windows_cover_in_order_and_fit(counts, size):
    wins = split_windows(counts, size)
    flat = [i for a, b in wins for i in range(a, b)]
    assert flat == list(range(len(counts)))
    for a, b in wins:
        assert sum(counts[a:b]) <= size or b - a == 1
    # greedy is maximal: the next word never fits into the previous window
    for (a, b), (c, _) in itertools.pairwise(wins):
        assert sum(counts[a : b + 1]) > size
        assert b == c


def test_reconcile_intersect_drops_and_reports():
    pol = reconcile_labels({"PER", "ORG", "LOC", "MISC"}, {"PER", "ORG", "LOC", "DATE"})
    assert pol.mapping == {"MISC": None}
    assert pol.dropped == ["MISC"] and pol.unseen == ["DATE"]
    assert pol.train_types == ["LOC", "ORG", "PER"]
    assert pol.report() == {"labels/dropped_types": 1.0, "labels/unseen_types": 1.0}


def test_reconcile_map_then_keep_and_error():
    pol = reconcile_labels({"GPE", "PER"}, {"LOC", "PER"}, label_map={"GPE": "LOC"}, policy="keep")
    assert pol.train_types == ["LOC", "PER"] and not pol.dropped and not pol.unseen
    with pytest.raises(ConfigError, match="label_policy"):
        reconcile_labels({"MISC"}, {"PER"}, policy="error")
    with pytest.raises(ConfigError, match="valid: intersect"):
        reconcile_labels({"PER"}, {"PER"}, policy="bogus")


def test_span_probability_hand_computed():
    labels = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    probs = np.array(
        [
            [0.1, 0.8, 0.0, 0.1, 0.0],  # B-PER .8
            [0.2, 0.0, 0.5, 0.0, 0.3],  # I-PER .5, I-LOC .3
            [0.9, 0.0, 0.1, 0.0, 0.0],  # after: not I-PER .9
        ]
    )
    typed = span_probability(probs, labels, Span(0, 2, "PER"))
    assert typed == pytest.approx((0.8 * 0.5 * 0.9) ** (1 / 3))
    untyped = span_probability(probs, labels, Span(0, 2, "X"), typed=False)
    assert untyped == pytest.approx((0.9 * 0.8 * 0.9) ** (1 / 3))
    # a span ending at the sentence end has no "after" term
    assert span_probability(probs, labels, Span(2, 3, "PER")) == pytest.approx(1e-6, abs=1e-5)
