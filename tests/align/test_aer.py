"""AER, precision and recall on hand-counted examples."""

import pytest

from xner.align.aer import aer_metrics, alignment_counts


def test_hand_computed():
    # A = {(0,0), (1,1), (2,2)}, S = {(0,0), (1,2)}, P = S ∪ {(1,1)}
    # |A∩S| = 1, |A∩P| = 2 → P = 2/3, R = 1/2, AER = 1 - (1 + 2) / (3 + 2) = 0.4
    pred = [frozenset({(0, 0), (1, 1), (2, 2)})]
    sure = [frozenset({(0, 0), (1, 2)})]
    possible = [frozenset({(1, 1)})]  # P is taken as P ∪ S
    m = aer_metrics(pred, sure, possible)
    assert m["align/precision"] == pytest.approx(2 / 3)
    assert m["align/recall"] == pytest.approx(0.5)
    assert m["align/aer"] == pytest.approx(0.4)
    assert (m["align/links_predicted"], m["align/links_sure"]) == (3, 2)


def test_micro_average_over_sentences():
    pred = [frozenset({(0, 0)}), frozenset()]
    sure = [frozenset({(0, 0)}), frozenset({(0, 0), (1, 1)})]
    c = alignment_counts(pred, sure, sure)
    assert c == {"predicted": 1, "sure": 3, "predicted_sure": 1, "predicted_possible": 1}
    assert aer_metrics(pred, sure, sure)["align/aer"] == pytest.approx(1 - 2 / 4)


def test_perfect_and_empty():
    s = [frozenset({(0, 1)})]
    assert aer_metrics(s, s, s)["align/aer"] == 0.0
    m = aer_metrics([frozenset()], s, s)
    assert (m["align/aer"], m["align/precision"], m["align/recall"]) == (1.0, 0.0, 0.0)


def test_length_mismatch():
    with pytest.raises(ValueError):
        aer_metrics([frozenset()], [], [])
