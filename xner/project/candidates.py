"""Target-side candidate spans for matching projection.

`candidates=ngram`: every contiguous span of at most `max_len` words (default 10, the thesis'
limit; the seed is unbounded), except spans containing a word equal to one of `exclude_chars`
("!" or "?", as in the seed; `exclude_punct=contains`: a word containing one, so "Yahoo!" is never
a candidate) and, optionally, spans with punctuation at an edge.
`candidates=ner`: the spans a token-classification tagger predicts on the target sentence, labels
dropped, optionally with their span probabilities — all of them, whatever their type: the tagger's
`label_map` (e.g. ``{MISC: null}``) applies to labels, not to which spans are candidates.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from xner.data.types import Span
from xner.errors import ConfigError
from xner.project.heuristic import is_punctuation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Candidates:
    """Candidate spans of one target sentence: words[starts[i]:ends[i]], optional probabilities."""

    starts: np.ndarray
    ends: np.ndarray
    probs: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.starts)

    @classmethod
    def from_spans(cls, spans: Sequence[tuple[int, int]], probs: Sequence[float] | None = None) -> Candidates:
        arr = np.asarray(spans, dtype=np.int64).reshape(-1, 2)
        p = None if probs is None else np.asarray(probs, dtype=np.float64)
        return cls(arr[:, 0].copy(), arr[:, 1].copy(), p)

    def spans(self) -> list[tuple[int, int]]:
        return list(zip(self.starts.tolist(), self.ends.tolist(), strict=True))


EXCLUDE_PUNCT = ("token", "contains")
OPENING = frozenset("([{«“‘")
CLOSING = frozenset(")]}»”’")


def ngram_candidates(
    words: Sequence[str],
    max_len: int | None = 10,
    exclude_chars: str = "!?",
    exclude_edge_punctuation: bool = False,
    exclude_punct: str = "token",
) -> Candidates:
    """All contiguous spans of ≤ `max_len` words (None: unbounded), ordered by start then length,
    without spans that contain a word equal to a character of `exclude_chars` (`exclude_punct=
    "token"`, the seed's rule) or, with ``"contains"``, a word containing one; with
    `exclude_edge_punctuation`, also without spans that start with a punctuation word other than an
    opening bracket or end with one other than a closing bracket ("PPE ." or ", Kommission")."""
    n = len(words)
    limit = n if max_len is None else min(max_len, n)
    if n == 0 or limit == 0:
        return Candidates(np.zeros(0, np.int64), np.zeros(0, np.int64))
    starts = np.repeat(np.arange(n), limit)
    ends = starts + np.tile(np.arange(1, limit + 1), n)
    keep = ends <= n
    if exclude_chars:
        if exclude_punct == "token":
            marks = set(exclude_chars)
            bad = np.fromiter((w in marks for w in words), bool, n)
        else:
            bad = np.fromiter((any(c in w for c in exclude_chars) for w in words), bool, n)
        if bad.any():
            prefix = np.concatenate(([0], np.cumsum(bad)))
            keep &= prefix[np.minimum(ends, n)] == prefix[starts]
    if exclude_edge_punctuation:
        punct = np.fromiter((is_punctuation(w) for w in words), bool, n)
        opening = np.fromiter((w in OPENING for w in words), bool, n)
        closing = np.fromiter((w in CLOSING for w in words), bool, n)
        first, last = starts, np.minimum(ends, n) - 1
        keep &= (~punct[first] | opening[first]) & (~punct[last] | closing[last])
    return Candidates(starts[keep], ends[keep])


class NgramCandidates:
    """`candidates=ngram`: see `ngram_candidates`."""

    def __init__(
        self,
        max_len: int | None = 10,
        exclude_chars: str = "!?",
        exclude_edge_punctuation: bool = False,
        exclude_punct: str = "token",
    ):
        if max_len is not None and max_len < 1:
            raise ConfigError(f"candidates.max_len must be a positive number of words or null, got {max_len}")
        if exclude_punct not in EXCLUDE_PUNCT:
            raise ConfigError(
                f"candidates.exclude_punct={exclude_punct!r} is not valid; choose token (a word equal to "
                "one of exclude_chars, the seed's rule) or contains (a word containing one)"
            )
        self.exclude_punct = exclude_punct
        self.max_len = max_len
        self.exclude_chars = exclude_chars
        self.exclude_edge_punctuation = exclude_edge_punctuation

    def extract(self, words_list: Sequence[Sequence[str]]) -> list[Candidates]:
        return [
            ngram_candidates(w, self.max_len, self.exclude_chars, self.exclude_edge_punctuation, self.exclude_punct)
            for w in words_list
        ]


class SpanTagger(Protocol):
    """What `candidates=ner` needs: spans per sentence, each a Span or (Span, probability).

    Taggers may offer ``candidate_spans(words_list)`` (all predicted spans, before any label map;
    preferred) or ``predict_with_scores(words_list)``; ``predict`` is the fallback."""

    def predict(self, words_list: Sequence[Sequence[str]]) -> list[list[Any]]: ...


class NerCandidates:
    """`candidates=ner`: spans predicted by `tagger` on the target sentences (labels dropped).

    Any object with ``predict(words_list) -> list[list[Span | (Span, prob)]]`` works (its
    ``candidate_spans``, then ``predict_with_scores``, are preferred when present: the spans of
    `xner.ner.tagger.SourceTagger.candidate_spans` ignore its `label_map`, so a target entity the
    tagger calls MISC stays a candidate when the map drops MISC); the pipeline injects the
    configured `tagger`. Spans below `min_probability` are discarded; spans
    without a probability count as 1.0.
    """

    needs_tagger = True

    def __init__(self, tagger: SpanTagger | None = None, min_probability: float = 0.0):
        self.tagger = tagger
        self.min_probability = min_probability

    def extract(self, words_list: Sequence[Sequence[str]]) -> list[Candidates]:
        if self.tagger is None:
            raise ConfigError(
                "candidates=ner needs a tagger: set tagger=<option> (conf/tagger/) or pass one to "
                "NerCandidates(tagger=...)"
            )
        words = [list(w) for w in words_list]
        name = next(
            (n for n in ("candidate_spans", "predict_with_scores") if callable(getattr(self.tagger, n, None))),
            "predict",
        )
        predicted = getattr(self.tagger, name)(words)
        if len(predicted) != len(words_list):
            raise ValueError(f"tagger returned {len(predicted)} predictions for {len(words_list)} sentences")
        out = []
        for words, items in zip(words_list, predicted, strict=True):
            spans: dict[tuple[int, int], float] = {}
            for item in items:
                span, prob = (item, 1.0) if isinstance(item, Span) else (item[0], float(item[1]))
                if span.end > len(words):
                    raise ValueError(f"tagger span {span} outside a {len(words)}-word sentence")
                key = (span.start, span.end)
                if prob >= self.min_probability:
                    spans[key] = max(prob, spans.get(key, 0.0))
            keys = sorted(spans)
            out.append(Candidates.from_spans(keys, [spans[k] for k in keys]))
        return out
