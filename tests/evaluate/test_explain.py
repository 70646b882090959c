"""Verdicts on hand-made sentences, one of each kind, with hand-computed expectations."""

import json

import pytest

from xner.data.types import Span
from xner.evaluate.explain import error_counts, error_metrics, explain_sentence, sentence_verdicts, span_verdict

IDENTITY = [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_exact():
    rec = explain_sentence(
        ["John", "lives", "in", "Paris"],
        ["John", "wohnt", "in", "Paris"],
        IDENTITY,
        [Span(0, 1, "PER"), Span(3, 4, "LOC")],
        [Span(0, 1, "PER"), Span(3, 4, "LOC")],
        [Span(0, 1, "PER"), Span(3, 4, "LOC")],
        scores=[1.0, 1.0],
        rankings=[[(0, 1, 1.0), (0, 2, 0.6667)], [(3, 4, 1.0)]],
        gold=[Span(3, 4, "LOC"), Span(0, 1, "PER")],
        meta={"i": 7},
    )
    assert rec["i"] == 7
    assert [e["verdict"] for e in rec["entities"]] == ["exact", "exact"]
    assert rec["entities"][0]["ranking"] == [[0, 1, 1.0], [0, 2, 0.6667]]  # chosen, then the runner-up
    assert rec["entities"][0]["gold"] == [0, 1, "PER"]
    assert rec["gold"] == [[0, 1, "PER"], [3, 4, "LOC"]] and rec["unmatched_gold"] == []
    assert sentence_verdicts(rec) == {"exact"}
    json.dumps(rec)  # JSON-ready


def test_boundary_article_pulled_in():
    # "Mr Smith came" → "der Herr Schmidt kam": gold PER is "Herr Schmidt" [1, 3); "der" got a link
    rec = explain_sentence(
        ["Mr", "Smith", "came"],
        ["der", "Herr", "Schmidt", "kam"],
        [(0, 0), (0, 1), (1, 2), (2, 3)],
        [Span(0, 2, "PER")],
        [Span(0, 3, "PER")],
        [Span(0, 3, "PER")],
        gold=[Span(1, 3, "PER")],
    )
    assert rec["entities"][0]["verdict"] == "boundary"
    assert rec["entities"][0]["gold"] == [1, 3, "PER"]
    assert rec["projected"] == [{"span": [0, 3, "PER"], "owners": [0], "verdict": "boundary", "gold": [1, 3, "PER"]}]
    assert rec["unmatched_gold"] == []  # claimed by the boundary error


def test_type():
    rec = explain_sentence(
        ["Paris", "won"],
        ["Paris", "gewann"],
        [(0, 0), (1, 1)],
        [Span(0, 1, "ORG")],
        [Span(0, 1, "ORG")],
        [Span(0, 1, "ORG")],
        gold=[Span(0, 1, "LOC")],
    )
    assert rec["entities"][0]["verdict"] == "type" and rec["entities"][0]["gold"] == [0, 1, "LOC"]


def test_missed_with_reason():
    rec = explain_sentence(
        ["Anna", "sleeps"],
        ["Anna", "schläft"],
        [(1, 1)],
        [Span(0, 1, "PER")],
        [],
        [None],
        reasons=["unaligned"],
        gold=[Span(0, 1, "PER")],
    )
    e = rec["entities"][0]
    assert (e["verdict"], e["reason"], e["tgt"]) == ("missed", "unaligned", None)
    assert rec["projected"] == [] and rec["unmatched_gold"] == [[0, 1, "PER"]]
    assert sentence_verdicts(rec) == {"missed"}


def test_spurious_no_overlap_and_other_type_other_bounds():
    # [0, 2) PER overlaps only the LOC [1, 3) with other bounds: spurious; [3, 4) MISC overlaps nothing
    rec = explain_sentence(
        ["a", "b", "c", "d"],
        ["a", "b", "c", "d"],
        IDENTITY,
        [Span(0, 2, "PER"), Span(3, 4, "MISC")],
        [Span(0, 2, "PER"), Span(3, 4, "MISC")],
        [Span(0, 2, "PER"), Span(3, 4, "MISC")],
        gold=[Span(1, 3, "LOC")],
    )
    assert [e["verdict"] for e in rec["entities"]] == ["spurious", "spurious"]
    assert rec["unmatched_gold"] == [[1, 3, "LOC"]]


def test_span_verdict_prefers_exact_then_type_then_largest_overlap():
    gold = [Span(0, 2, "LOC"), Span(1, 4, "PER"), Span(0, 3, "PER")]
    assert span_verdict(Span(0, 3, "PER"), gold) == ("exact", Span(0, 3, "PER"))
    assert span_verdict(Span(0, 2, "PER"), gold) == ("type", Span(0, 2, "LOC"))
    # overlaps [1, 4) by 2 words and [0, 3) by 2: the first of the largest, in the given order
    assert span_verdict(Span(1, 3, "PER"), gold) == ("boundary", Span(1, 4, "PER"))
    assert span_verdict(Span(2, 5, "PER"), gold) == ("boundary", Span(1, 4, "PER"))  # 2 words vs 1
    assert span_verdict(Span(4, 5, "PER"), gold) == ("spurious", None)


def test_error_counts_over_sentences_and_metrics():
    recs = [
        explain_sentence(
            ["x"],
            ["x"],
            [(0, 0)],
            [Span(0, 1, "PER")],
            [Span(0, 1, "PER")],
            [Span(0, 1, "PER")],
            gold=[Span(0, 1, "PER")],
        ),  # exact
        explain_sentence(
            ["x", "y"],
            ["x", "y"],
            [(0, 0), (0, 1)],
            [Span(0, 1, "PER")],
            [Span(0, 2, "PER")],
            [Span(0, 2, "PER")],
            gold=[Span(1, 2, "PER")],
        ),  # boundary
        explain_sentence(
            ["x"],
            ["x"],
            [(0, 0)],
            [Span(0, 1, "ORG")],
            [Span(0, 1, "ORG")],
            [Span(0, 1, "ORG")],
            gold=[Span(0, 1, "LOC")],
        ),  # type
        explain_sentence(
            ["x", "y"],
            ["x", "y"],
            [],
            [Span(0, 1, "PER")],
            [],
            [None],
            reasons=["unaligned"],
            gold=[Span(0, 1, "PER"), Span(1, 2, "LOC")],
        ),  # missed + 2 unmatched gold
        explain_sentence(
            ["x"], ["x"], [(0, 0)], [Span(0, 1, "PER")], [Span(0, 1, "PER")], [Span(0, 1, "PER")], gold=[]
        ),  # spurious
        explain_sentence(["x"], ["x"], [(0, 0)], [Span(0, 1, "PER")], [Span(0, 1, "PER")], [Span(0, 1, "PER")]),
    ]
    assert recs[-1]["entities"][0]["verdict"] is None and recs[-1]["gold"] is None  # no gold: no verdict
    counts = error_counts(recs)
    assert dict(counts) == {"exact": 1, "boundary": 1, "type": 1, "missed": 1, "spurious": 1, "gold_unmatched": 2}
    metrics = error_metrics(recs)
    assert metrics["projection/errors_boundary"] == 1.0 and metrics["projection/errors_gold_unmatched"] == 2.0
    assert error_metrics(recs[-1:]) == {}


def test_assignment_length_must_match():
    with pytest.raises(ValueError, match="1 assignments for 2 source entities"):
        explain_sentence(["a", "b"], ["a"], [], [Span(0, 1, "PER"), Span(1, 2, "PER")], [], [None])
