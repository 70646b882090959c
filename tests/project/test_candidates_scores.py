"""Candidate extraction and pair scores on hand-computed cases; a property test against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xner.data.types import Span
from xner.errors import ConfigError
from xner.project.candidates import Candidates, NerCandidates, NgramCandidates, ngram_candidates
from xner.project.scores import alignment_scores, fuse_scores


def test_ngrams_all_spans_up_to_max_len():
    c = ngram_candidates(["a", "b", "c"], max_len=2)
    assert c.spans() == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]
    assert len(ngram_candidates(["w"] * 20, max_len=10)) == sum(min(10, 20 - s) for s in range(20))
    assert len(ngram_candidates(["w"] * 5, max_len=None)) == 15


def test_ngrams_exclude_exclamation_and_question_marks():
    c = ngram_candidates(["Wer", "?", "Bonn", "!"], max_len=4)
    assert c.spans() == [(0, 1), (2, 3)]
    assert len(ngram_candidates(["Wer", "?"], max_len=4, exclude_chars="")) == 3


def test_ngrams_exclude_tokens_equal_to_marks_by_default_as_the_seed():
    # The seed drops spans with a word EQUAL to "!" or "?"; "Yahoo!" itself stays a candidate.
    words = ["Yahoo!", "kauft", "?"]
    assert ngram_candidates(words, max_len=3).spans() == [(0, 1), (0, 2), (1, 2)]
    assert NgramCandidates(3).extract([words])[0].spans() == [(0, 1), (0, 2), (1, 2)]
    # exclude_punct=contains: also a word containing one ("Yahoo!", "wirklich?!")
    assert ngram_candidates(words, max_len=3, exclude_punct="contains").spans() == [(1, 2)]
    assert NgramCandidates(3, exclude_punct="contains").extract([["ja?!", "gut"]])[0].spans() == [(1, 2)]
    assert ngram_candidates(["ja?!", "gut"], max_len=2).spans() == [(0, 1), (0, 2), (1, 2)]
    with pytest.raises(ConfigError, match=r"candidates\.exclude_punct"):
        NgramCandidates(exclude_punct="equal")


def test_ngrams_exclude_edge_punctuation():
    words = ["(", "COM", ")", "PPE", "."]
    kept = ngram_candidates(words, max_len=5, exclude_edge_punctuation=True).spans()
    # brackets may open/close a span; "." and a leading ")" may not
    assert kept == [(0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (1, 4), (3, 4)]
    assert len(NgramCandidates(5).extract([words])[0]) == 15


def test_ngrams_empty_and_bad_config():
    assert len(ngram_candidates([], max_len=10)) == 0
    with pytest.raises(ConfigError, match=r"candidates\.max_len"):
        NgramCandidates(max_len=0)


class FakeTagger:
    def __init__(self, out):
        self.out = out
        self.calls = 0

    def predict(self, words_list):
        self.calls += 1
        return self.out[: len(words_list)]


class FakeScoringTagger(FakeTagger):
    def predict_with_scores(self, words_list):
        return [[(s, 0.5 + 0.1 * k) for k, s in enumerate(spans)] for spans in self.out]


def test_ner_candidates_drop_labels_and_keep_probabilities():
    tagger = FakeTagger([[Span(0, 2, "PER"), Span(3, 4, "LOC")]])
    (c,) = NerCandidates(tagger).extract([["a", "b", "c", "d"]])
    assert c.spans() == [(0, 2), (3, 4)] and c.probs.tolist() == [1.0, 1.0]
    (c,) = NerCandidates(FakeScoringTagger([[Span(0, 2, "PER"), Span(3, 4, "LOC")]]), 0.55).extract(
        [["a", "b", "c", "d"]]
    )
    assert c.spans() == [(3, 4)] and c.probs.tolist() == [0.6]
    with pytest.raises(ConfigError, match="tagger"):
        NerCandidates().extract([["a"]])
    with pytest.raises(ValueError, match="outside"):
        NerCandidates(FakeTagger([[Span(0, 3, "PER")]])).extract([["a"]])


def test_alignment_score_hand_computed():
    # entity [0,2) and links (0,1), (1,2), (1,3); candidates [1,3), [2,3), [0,4)
    c = Candidates.from_spans([(1, 3), (2, 3), (0, 4)])
    s = alignment_scores([Span(0, 2, "PER")], c, frozenset({(0, 1), (1, 2), (1, 3)}), 2, 4)
    # 2·2/(2+2) = 1, 2·1/(2+1) = 2/3, 2·3/(2+4) = 1
    assert s.tolist()[0] == pytest.approx([1.0, 2 / 3, 1.0])


def test_soft_alignment_score_hand_computed():
    # source word 1 is linked inside and outside candidate [1,3); target word 3 to source 1 and 2
    links = frozenset({(0, 1), (1, 2), (1, 3), (2, 3)})
    c = Candidates.from_spans([(1, 3), (1, 4)])
    s = alignment_scores([Span(0, 2, "ORG")], c, links, 3, 4, kind="soft")
    # [1,3): (1 + 1/2 + 1 + 1) / 4;  [1,4): (1 + 1 + 1 + 1 + 1/2) / 5
    assert s.tolist()[0] == pytest.approx([3.5 / 4, 4.5 / 5])
    with pytest.raises(ValueError, match="unknown alignment score"):
        alignment_scores([Span(0, 2, "ORG")], c, links, 3, 4, kind="cosine")


def test_gap_discount_hand_computed():
    # "steel aid code" → "Código de Ayudas a la Siderurgia": 3 links, "de", "a", "la" unlinked
    links = frozenset({(2, 0), (1, 2), (0, 5)})
    c = Candidates.from_spans([(0, 3), (0, 6), (0, 1)])
    plain = alignment_scores([Span(0, 3, "MISC")], c, links, 3, 6, kind="soft")
    assert plain.tolist()[0] == pytest.approx([4 / 6, 6 / 9, 2 / 4])
    gap = alignment_scores([Span(0, 3, "MISC")], c, links, 3, 6, kind="soft", gap_discount=0.75)
    # inner unlinked words: [0,3) has "de" (1), [0,6) has "de", "a", "la" (3); edges never discounted
    assert gap.tolist()[0] == pytest.approx([4 / (6 - 0.75), 6 / (9 - 2.25), 2 / 4])
    assert gap[0, 1] > gap[0, 0]


def test_fuse_scores():
    align = np.array([[1.0, 0.5]])
    fused = fuse_scores({"alignment": align, "ner": np.array([[0.2, 0.8]])}, {"alignment": 1.0, "ner": 0.5})
    assert fused.tolist()[0] == pytest.approx([1.1, 0.9])
    with pytest.raises(KeyError):
        fuse_scores({"alignment": align}, {"alignment": 1.0, "translation": 1.0})


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_alignment_scores_match_brute_force(data):
    n_src, n_tgt = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    links = frozenset(data.draw(st.lists(st.tuples(st.integers(0, n_src - 1), st.integers(0, n_tgt - 1)))))
    starts = data.draw(st.lists(st.integers(0, n_src - 1), min_size=1, max_size=3))
    spans = [Span(s, data.draw(st.integers(s + 1, n_src)), "X") for s in starts]
    cands = ngram_candidates(["w"] * n_tgt, max_len=None)
    gamma = data.draw(st.sampled_from([0.0, 0.5, 1.0]))
    dice = alignment_scores(spans, cands, links, n_src, n_tgt, gap_discount=gamma)
    soft = alignment_scores(spans, cands, links, n_src, n_tgt, kind="soft")
    out_of = {("s", i): [j for a, j in links if a == i] for i in range(n_src)}
    out_of.update({("t", j): [i for i, b in links if b == j] for j in range(n_tgt)})
    for e, sp in enumerate(spans):
        for k, (a, b) in enumerate(cands.spans()):
            n = sum(1 for i, j in links if sp.start <= i < sp.end and a <= j < b)
            inner_unlinked = sum(1 for j in range(a + 1, b - 1) if not out_of["t", j])
            assert dice[e, k] == pytest.approx(2 * n / (len(sp) + b - a - gamma * inner_unlinked))
            shares = [
                sum(a <= j < b for j in out_of["s", i]) / len(out_of["s", i])
                for i in range(sp.start, sp.end)
                if out_of["s", i]
            ]
            shares += [
                sum(sp.start <= i < sp.end for i in out_of["t", j]) / len(out_of["t", j])
                for j in range(a, b)
                if out_of["t", j]
            ]
            assert soft[e, k] == pytest.approx(sum(shares) / (len(sp) + b - a))
