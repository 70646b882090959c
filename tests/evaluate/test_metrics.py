import pytest

from xner.evaluate.metrics import ner_metrics

GOLD = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]]
PRED = [["B-PER", "I-PER", "O", "O"], ["O", "I-ORG"]]


def test_default_mode_hand_computed():
    m = ner_metrics(GOLD, PRED, prefix="test")
    # gold: PER(0,2) LOC(3,4) ORG(1,2); pred (conlleval): PER(0,2) ORG(1,2) → 2 correct of 2 / 3
    assert m["test/precision"] == 1.0
    assert m["test/recall"] == pytest.approx(2 / 3)
    assert m["test/f1"] == pytest.approx(0.8)
    assert m["test/recall_LOC"] == 0.0 and m["test/recall_PER"] == 1.0 and m["test/recall_ORG"] == 1.0
    assert m["test/support_LOC"] == 1


def test_strict_mode_rejects_i_start():
    m = ner_metrics(GOLD, PRED, prefix="p", mode="strict")
    # strict IOB2: "I-ORG" after O is not an entity → 1 correct, 1 predicted, 3 gold
    assert m["p/precision"] == 1.0
    assert m["p/recall"] == pytest.approx(1 / 3)
    assert m["p/recall_ORG"] == 0.0


def test_partial_overlap_counts_as_wrong():
    m = ner_metrics([["B-PER", "I-PER"]], [["B-PER", "O"]], prefix="t")
    assert m["t/precision"] == 0.0 and m["t/recall"] == 0.0


def test_no_entities_and_errors():
    assert ner_metrics([["O"]], [["O"]], prefix="t")["t/f1"] == 0.0
    with pytest.raises(ValueError, match="2 gold tags but 1"):
        ner_metrics([["O", "O"]], [["O"]])
    with pytest.raises(ValueError, match="mode"):
        ner_metrics([["O"]], [["O"]], mode="lenient")
