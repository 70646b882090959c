"""Scores of (source entity, target candidate) pairs.

The alignment score is the seed's Dice-like ratio ``2·links(s, t) / (|s| + |t|)``, where
links(s, t) counts alignment links between the entity's words and the candidate's words (so it can
exceed 1 when many links fall in a short span). A fused score is a weighted sum of named score
matrices: ``alignment``, ``ner`` (the candidate's span probability from an NER tagger) and any
scorer supplied at run time (e.g. ``translation``: the probability that s translates into t).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from xner.data.types import Links, Span
from xner.project.candidates import Candidates


def link_counts(src_spans: Sequence[Span], links: Links, src_len: int, tgt_len: int) -> np.ndarray:
    """(entities × target words) number of links from each entity's words to each target word."""
    grid = np.zeros((src_len + 1, tgt_len), dtype=np.int32)
    if links:
        idx = np.fromiter((v for link in links for v in link), dtype=np.int64, count=2 * len(links))
        np.add.at(grid, (idx[0::2] + 1, idx[1::2]), 1)
    rows = np.cumsum(grid, axis=0)  # rows[i] = links of source words < i
    starts = np.fromiter((s.start for s in src_spans), np.int64, len(src_spans))
    ends = np.fromiter((s.end for s in src_spans), np.int64, len(src_spans))
    return rows[ends] - rows[starts]


def alignment_scores(
    src_spans: Sequence[Span], candidates: Candidates, links: Links, src_len: int, tgt_len: int
) -> np.ndarray:
    """(entities × candidates) matrix of 2·links(s,t)/(|s|+|t|)."""
    counts = link_counts(src_spans, links, src_len, tgt_len)
    prefix = np.zeros((len(src_spans), tgt_len + 1), dtype=np.int32)
    np.cumsum(counts, axis=1, out=prefix[:, 1:])
    inside = prefix[:, candidates.ends] - prefix[:, candidates.starts]
    ent_len = np.fromiter((len(s) for s in src_spans), np.float64, len(src_spans))
    cand_len = (candidates.ends - candidates.starts).astype(np.float64)
    return 2.0 * inside / (ent_len[:, None] + cand_len[None, :])


class PairScorer(Protocol):
    """A supplier of extra scores: ``(entities × candidates)`` matrix for one sentence pair."""

    def __call__(
        self, src_spans: Sequence[Span], tgt_words: Sequence[str], candidates: Candidates, index: int
    ) -> np.ndarray: ...


def fuse_scores(components: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Weighted sum of score matrices (broadcast: a (1 × C) row applies to every entity).

    `components` always holds ``alignment`` (it fixes the shape); components with weight 0 are
    skipped; a non-zero weight must name a component (KeyError otherwise)."""
    total: np.ndarray | None = None
    for name, weight in weights.items():
        if not weight:
            continue
        if name not in components:
            raise KeyError(name)
        term = weight * np.asarray(components[name], dtype=np.float64)
        total = term if total is None else total + term
    if total is None:
        raise ValueError("all score weights are zero")
    return np.broadcast_to(total, components["alignment"].shape).copy()
