"""Matching projection end to end on hand-made sentences, links and taggers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xner.data.types import Span
from xner.errors import ConfigError
from xner.project import (
    GreedyMatcher,
    HeuristicProjector,
    IlpMatcher,
    MatchingProjector,
    NerCandidates,
    NgramCandidates,
    ProjectionInput,
    ProjectionStats,
)

WORDS = ("Herr", "Schmidt", "besuchte", "die", "Europäische", "Union", "in", "Brüssel")


def x(spans, links, src_len=6, words=WORDS):
    return ProjectionInput(tuple(spans), src_len, words, frozenset(links))


def test_ngram_matching_hand_computed():
    # en: "Mr Smith visited the European Union" → PER [1,2), ORG [4,6)
    inp = x([Span(1, 2, "PER"), Span(4, 6, "ORG")], [(0, 0), (1, 1), (2, 2), (3, 3), (4, 4), (5, 5)])
    for matcher in (GreedyMatcher(), IlpMatcher()):
        (out,) = MatchingProjector(NgramCandidates(), matcher).project([inp])
        assert out.spans == [Span(1, 2, "PER"), Span(4, 6, "ORG")]
        assert out.objective == pytest.approx(2.0)
        assert not out.unprojected


def test_greedy_trap_through_the_projector():
    # PER (2 src words) linked to tgt 1 twice and tgt 2 once; LOC linked to tgt 2 only.
    # greedy: PER → [1,3) (2·3/4 = 1.5) blocks LOC; ILP: PER → [1,2) (2·2/3) + LOC → [2,3) (1).
    inp = x([Span(0, 2, "PER"), Span(3, 4, "LOC")], [(0, 1), (1, 1), (1, 2), (3, 2)], src_len=4)
    (g,) = MatchingProjector(NgramCandidates(), GreedyMatcher()).project([inp])
    (i,) = MatchingProjector(NgramCandidates(), IlpMatcher()).project([inp])
    assert g.spans == [Span(1, 3, "PER")] and g.unprojected == {"conflict": 1}
    assert i.spans == [Span(1, 2, "PER"), Span(2, 3, "LOC")]
    assert i.objective == pytest.approx(4 / 3 + 1)
    assert g.objective == pytest.approx(1.5)


def test_scores_rankings_and_reasons_per_entity():
    # the greedy trap above: PER [0,2) → [1,3) 2·3/4 = 1.5, runner-up [1,2) 2·2/3; then [0,3) and
    # [1,4) tie at 2·3/5 = 1.2. LOC [3,4) loses its best, [2,3) (2·1/2 = 1), to the conflict.
    inp = x([Span(0, 2, "PER"), Span(3, 4, "LOC")], [(0, 1), (1, 1), (1, 2), (3, 2)], src_len=4)
    (g,) = MatchingProjector(NgramCandidates(), GreedyMatcher()).project([inp])
    assert g.scores == [pytest.approx(1.5), None]
    assert g.reasons == [None, "conflict"]
    per, loc = g.rankings
    assert [tuple(r[:2]) for r in per[:2]] == [(1, 3), (1, 2)]
    assert [r[2] for r in per] == pytest.approx([1.5, 4 / 3, 1.2])
    assert tuple(loc[0]) == (2, 3, pytest.approx(1.0))
    (i,) = MatchingProjector(NgramCandidates(), IlpMatcher()).project([inp])
    assert i.scores == [pytest.approx(4 / 3), pytest.approx(1.0)] and i.reasons == [None, None]
    assert i.rankings[0][0][:2] == (1, 3)  # the ranking is the entity's own, not the matcher's choice


def test_min_score_and_reasons():
    # entity 0 unlinked; entity 1 linked to a 1-word target but is 3 words: 2/(3+1) = 0.5
    inp = x([Span(0, 1, "PER"), Span(2, 5, "ORG")], [(3, 6)])
    (out,) = MatchingProjector(NgramCandidates(), GreedyMatcher(), min_score=0.6).project([inp])
    assert out.spans == [] and out.unprojected == {"unaligned": 1, "below_threshold": 1}
    assert out.reasons == ["unaligned", "below_threshold"] and out.rankings == [[], []]
    (out,) = MatchingProjector(NgramCandidates(), GreedyMatcher(), min_score=0.5).project([inp])
    assert out.spans == [Span(6, 7, "ORG")]


class Tagger:
    def predict_with_scores(self, words_list):
        return [[(Span(0, 2, "PER"), 0.9), (Span(4, 6, "ORG"), 0.4)] for _ in words_list]


def test_ner_candidates_and_fused_scores():
    inp = x([Span(1, 2, "PER"), Span(4, 6, "ORG")], [(1, 1), (4, 4), (5, 5)])
    (out,) = MatchingProjector(NerCandidates(Tagger()), IlpMatcher()).project([inp])
    # PER: [0,2) scores 2·1/(1+2) = 2/3; ORG: [4,6) scores 1
    assert out.spans == [Span(0, 2, "PER"), Span(4, 6, "ORG")]
    assert out.objective == pytest.approx(2 / 3 + 1)
    fused = MatchingProjector(NerCandidates(Tagger()), IlpMatcher(), weights={"alignment": 1.0, "ner": 0.5})
    (out,) = fused.project([inp])
    assert out.objective == pytest.approx(2 / 3 + 0.45 + 1 + 0.2)


def test_ner_candidates_with_no_overlap_are_reported():
    inp = x([Span(2, 3, "LOC")], [(2, 7)])
    (out,) = MatchingProjector(NerCandidates(Tagger()), GreedyMatcher()).project([inp])
    assert out.spans == [] and out.unprojected == {"no_linked_candidate": 1}


def test_extra_scorer_interface():
    def translation(src_spans, tgt_words, cands, index):
        # favour the one-word candidate "Brüssel"
        return np.where((cands.starts == 7) & (cands.ends == 8), 1.0, 0.0)[None, :].repeat(len(src_spans), 0)

    inp = x([Span(5, 6, "LOC")], [(5, 6), (5, 7)])  # linked to "in" and "Brüssel"
    base = MatchingProjector(NgramCandidates(), GreedyMatcher())
    assert base.project([inp])[0].spans == [Span(6, 8, "LOC")]  # 2·2/3 beats 2·1/2
    weights = {"alignment": 1.0, "translation": 1.0}
    with pytest.raises(ConfigError, match=r"projection\.weights\.translation"):
        MatchingProjector(NgramCandidates(), GreedyMatcher(), weights=weights).project([inp])
    fused = MatchingProjector(NgramCandidates(), GreedyMatcher(), weights=weights, scorers={"translation": translation})
    assert fused.project([inp])[0].spans == [Span(7, 8, "LOC")]
    # a run-time "ner" scorer (e.g. a tagger's span probabilities) serves n-gram candidates
    ner = MatchingProjector(
        NgramCandidates(), GreedyMatcher(), weights={"alignment": 1.0, "ner": 1.0}, scorers={"ner": translation}
    )
    assert ner.project([inp])[0].spans == [Span(7, 8, "LOC")]
    with pytest.raises(ConfigError, match=r"weights\.ner"):
        MatchingProjector(NgramCandidates(), GreedyMatcher(), weights={"alignment": 1, "ner": 1}).project([inp])


def test_no_candidates_and_empty_sentences():
    inp = x([Span(0, 1, "PER")], [(0, 0)], words=("?",))
    (out,) = MatchingProjector(NgramCandidates(), IlpMatcher()).project([inp])
    assert out.spans == [] and out.unprojected == {"no_candidates": 1}
    stats = ProjectionStats()
    stats.add(inp, out)
    assert stats.as_metrics()["projection/unprojected_no_candidates"] == 1.0
    (out,) = MatchingProjector(NgramCandidates(), IlpMatcher()).project([x([], [], words=())])
    assert out.spans == []


@st.composite
def inputs(draw):
    n_src, n_tgt = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    starts = sorted(draw(st.sets(st.integers(0, n_src - 1), max_size=3)))
    spans = []
    for k, s in enumerate(starts):
        limit = starts[k + 1] if k + 1 < len(starts) else n_src
        spans.append(Span(s, draw(st.integers(s + 1, limit)), draw(st.sampled_from(["PER", "LOC"]))))
    links = draw(st.sets(st.tuples(st.integers(0, n_src - 1), st.integers(0, n_tgt - 1)), max_size=12))
    words = tuple(draw(st.sampled_from(["a", "b", ",", "?"])) for _ in range(n_tgt))
    return ProjectionInput(tuple(spans), n_src, words, frozenset(links))


PROJECTORS = [
    HeuristicProjector("seed"),
    HeuristicProjector("original"),
    MatchingProjector(NgramCandidates(max_len=4), GreedyMatcher()),
    MatchingProjector(NgramCandidates(max_len=4), IlpMatcher()),
    MatchingProjector(NgramCandidates(max_len=4), IlpMatcher("ge")),
]


@settings(max_examples=80, deadline=None)
@given(st.lists(inputs(), min_size=1, max_size=4))
def test_every_projector_yields_disjoint_spans_and_accounts_for_every_entity(batch):
    for projector in PROJECTORS:
        for inp, out in zip(batch, projector.project(batch), strict=True):
            ordered = sorted(out.spans)
            assert all(a.end <= b.start for a, b in itertools.pairwise(ordered))
            assert all(s.end <= inp.tgt_len for s in out.spans)
            projected = sum(a is not None for a in out.assignment)
            assert projected + sum(out.unprojected.values()) == len(inp.src_spans)
            # every projected span touches a target word linked to its entity
            for ent, span in zip(inp.src_spans, out.assignment, strict=True):
                if span is not None:
                    assert any(ent.start <= i < ent.end and span.start <= j < span.end for i, j in inp.links)


def test_ner_candidates_ignore_the_taggers_label_map():
    # The tagger calls "Europäische Union" MISC; with label_map {MISC: null} its predictions lose the
    # span (labels), but it stays a candidate, so the source ORG can still be projected onto it.
    from xner.ner.tagger import SourceTagger

    class StubTagger(SourceTagger):
        labels = ("O", "B-PER", "I-PER", "B-MISC", "I-MISC")

        def predict_proba(self, words_list):
            tags = [1, 2, 0, 0, 3, 4, 0, 0]  # Herr Schmidt = PER, Europäische Union = MISC
            return [np.eye(5, dtype=np.float32)[tags[: len(w)]] for w in words_list]

    tagger = StubTagger("stub", label_map={"MISC": None})
    assert tagger.predict([WORDS]) == [[Span(0, 2, "PER")]]  # the label map applies to labels
    (cands,) = NerCandidates(tagger).extract([WORDS])
    assert cands.spans() == [(0, 2), (4, 6)] and cands.probs.tolist() == [1.0, 1.0]
    inp = x([Span(1, 2, "PER"), Span(4, 6, "ORG")], [(1, 1), (4, 4), (5, 5)])
    (out,) = MatchingProjector(NerCandidates(tagger), GreedyMatcher()).project([inp])
    assert out.spans == [Span(0, 2, "PER"), Span(4, 6, "ORG")]
