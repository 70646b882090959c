"""Marker insertion, parsing and labelling on crafted translation outputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xner.data.types import Span
from xner.translate.markers import fuzzy_locate, insert_markers, parse_markers, read_marked, similarity

ENTS = [["Barack", "Obama"], ["Paris"]]
LABELS = ["PER", "LOC"]


def read(text, translations=ENTS, **kw):
    return read_marked(text.split(), ENTS, LABELS, translations, **kw)


def test_insert_markers():
    words = ["Barack", "Obama", "visited", "Paris"]
    assert insert_markers(words, [Span(3, 4, "LOC"), Span(0, 2, "PER")]) == \
        ["[", "Barack", "Obama", "]", "visited", "[", "Paris", "]"]
    # brackets already in the text cannot be mistaken for markers
    assert insert_markers(["see", "[", "1", "]", "Rome"], [Span(4, 5, "LOC")]) == \
        ["see", "(", "1", ")", "[", "Rome", "]"]
    with pytest.raises(ValueError, match="overlapping"):
        insert_markers(words, [Span(0, 2, "PER"), Span(1, 3, "ORG")])


def test_parse_clean_glued_and_fullwidth_markers():
    p = parse_markers(["[Barack", "Obama]", "besuchte", "［", "Paris", "］", "."])
    assert p.words == ["Barack", "Obama", "besuchte", "Paris", "."]
    assert p.ranges == [(0, 2), (3, 4)]
    assert not p.issues


def test_parse_doubled_unclosed_stray_empty():
    p = parse_markers(["[", "[", "Barack", "Obama", "]", "]", "besuchte", "[", "Paris"])
    assert p.words == ["Barack", "Obama", "besuchte", "Paris"]
    assert p.ranges == [(0, 2)]
    assert p.issues == {"doubled": 2, "unclosed": 1}
    p = parse_markers(["Obama", "]", "besuchte", "[", "]", "Paris", "[", "Berlin", "[", "Rom", "]"])
    assert p.words == ["Obama", "besuchte", "Paris", "Berlin", "Rom"]
    assert p.ranges == [(4, 5)]
    assert p.issues == {"stray_close": 1, "empty": 1, "unclosed": 1}


def test_read_marked_reordered_entities_are_labelled_by_fuzzy_match():
    r = read("[ Paris ] wurde von [ Barack Obama ] besucht")
    assert r.assignment == [Span(3, 5, "PER"), Span(0, 1, "LOC")]
    assert r.spans == [Span(0, 1, "LOC"), Span(3, 5, "PER")]
    assert not r.unprojected and r.recovered == 0


def test_read_marked_uses_standalone_translations():
    r = read_marked(["[", "Parigi", "]", "e", "[", "Londra", "]"], [["Paris"], ["London"]], ["LOC", "ORG"],
                    [["Parigi"], ["Londra"]])
    assert r.assignment == [Span(0, 1, "LOC"), Span(2, 3, "ORG")]


def test_lost_markers_recovered_by_fallback_or_counted_never_guessed():
    r = read("[ Barack Obama ] besuchte Paris .")
    assert r.assignment == [Span(0, 2, "PER"), Span(3, 4, "LOC")] and r.recovered == 1
    r = read("[ Barack Obama ] besuchte Paris .", fallback=False)
    assert r.assignment == [Span(0, 2, "PER"), None]
    assert r.unprojected == {"markers_lost": 1}
    # nothing recoverable: whole sentence unprojected, no labels invented
    r = read("Er besuchte die Stadt .")
    assert r.spans == [] and r.unprojected == {"markers_lost": 2}


def test_marked_range_matching_no_entity_is_not_labelled():
    r = read("[ Die Kommission ] tagte [ heute ]", fallback=False)
    assert r.spans == [] and r.unprojected == {"marker_mismatch": 2}


def test_fuzzy_locate_and_similarity():
    words = ["Der", "Präsident", "Barack", "Obama", "besuchte", "Paris"]
    assert fuzzy_locate(["Barack", "Obama"], words)[:2] == (2, 4)
    assert fuzzy_locate(["Paris"], words, taken=[(5, 6)])[:2] != (5, 6)
    assert fuzzy_locate([], words) is None
    assert similarity(["a"], ["a"]) == 1.0 and similarity([], ["a"]) == 0.0


@st.composite
def sentence_with_spans(draw):
    n = draw(st.integers(1, 12))
    words = [draw(st.sampled_from(["Anna", "Bonn", "ist", "in", "der", "Uno", "Rom", "und", "."])) for _ in range(n)]
    cuts = sorted(draw(st.sets(st.integers(0, n), max_size=6)))
    spans = [Span(a, b, "X") for a, b in zip(cuts[::2], cuts[1::2], strict=False) if a < b]
    return words, spans


@given(sentence_with_spans())
def test_markers_round_trip(case):
    # A translation that keeps the markers intact gives back exactly the marked spans.
    words, spans = case
    p = parse_markers(insert_markers(words, spans))
    assert p.words == words
    assert p.ranges == [(s.start, s.end) for s in sorted(spans)]
    assert not p.issues
