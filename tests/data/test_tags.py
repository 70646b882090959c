import pytest

from xner.data.tags import check_tags, map_tags, spans_to_tags, tags_to_spans
from xner.data.types import Span
from xner.errors import DataFormatError


def test_tags_to_spans_iob2():
    tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC", "O"]
    assert tags_to_spans(tags) == [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(4, 6, "LOC")]


def test_tags_to_spans_i_start_and_type_change_conlleval():
    # conlleval semantics: I-X after O starts X; I-Y after I-X starts Y.
    assert tags_to_spans(["O", "I-ORG", "I-ORG", "I-PER"]) == [Span(1, 3, "ORG"), Span(3, 4, "PER")]


def test_spans_roundtrip_and_overlap_error():
    spans = [Span(0, 1, "PER"), Span(2, 5, "ORG")]
    tags = spans_to_tags(spans, 6)
    assert tags == ["B-PER", "O", "B-ORG", "I-ORG", "I-ORG", "O"]
    assert tags_to_spans(tags) == spans
    with pytest.raises(ValueError, match="overlaps"):
        spans_to_tags([Span(0, 2, "PER"), Span(1, 3, "LOC")], 4)
    with pytest.raises(ValueError, match="outside"):
        spans_to_tags([Span(3, 5, "PER")], 4)


def test_span_validation():
    with pytest.raises(ValueError):
        Span(2, 2, "PER")
    assert len(Span(1, 4, "X")) == 3
    assert Span(0, 2, "A").overlaps(Span(1, 3, "B")) and not Span(0, 2, "A").overlaps(Span(2, 3, "B"))


def test_check_tags_repairs_i_start():
    where = [f"f:{i}" for i in range(1, 5)]
    fixed, n = check_tags(["O", "I-PER", "I-PER", "I-LOC"], where)
    assert fixed == ["O", "B-PER", "I-PER", "B-LOC"] and n == 2


def test_check_tags_strict_and_unknown():
    with pytest.raises(DataFormatError, match="f:2"):
        check_tags(["O", "I-PER"], ["f:1", "f:2"], strict=True)
    with pytest.raises(DataFormatError, match=r"f:1: invalid tag 'PER'"):
        check_tags(["PER"], ["f:1"])
    with pytest.raises(DataFormatError, match="unknown entity type 'MISC'"):
        check_tags(["B-MISC"], ["f:1"], labels=["PER", "LOC"])


def test_map_tags_drops_and_renames():
    assert map_tags(["B-MISC", "I-MISC", "B-PER"], {"MISC": None, "PER": "PERSON"}) == [
        "O",
        "O",
        "B-PERSON",
    ]
