"""Scores of (source entity, target candidate) pairs.

The alignment score is the seed's Dice-like ratio ``2·links(s, t) / (|s| + |t|)``, where
links(s, t) counts alignment links between the entity's words and the candidate's words (so it can
exceed 1 when many links fall in a short span), or ``soft``: the same ratio over words, each word
counting the share of its links that stay inside the pair. A fused score is a weighted sum of named score
matrices: ``alignment``, ``ner`` (the candidate's span probability from an NER tagger) and any
scorer supplied at run time (e.g. ``translation``: the probability that s translates into t).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from xner.data.types import Links, Span
from xner.project.candidates import Candidates

SCORE_KINDS = ("dice", "soft")


def _link_matrix(links: Links, src_len: int, tgt_len: int, kind: str) -> list[np.ndarray]:
    """Weighted (source × target) link matrices whose block sums give the score's numerator."""
    grid = np.zeros((src_len, tgt_len), dtype=np.float64)
    if links:
        idx = np.fromiter((v for link in links for v in link), dtype=np.int64, count=2 * len(links))
        grid[idx[0::2], idx[1::2]] = 1.0
    if kind == "dice":
        return [2.0 * grid]
    rows = grid.sum(axis=1, keepdims=True)
    cols = grid.sum(axis=0, keepdims=True)
    return [
        np.divide(grid, rows, out=np.zeros_like(grid), where=rows > 0),
        np.divide(grid, cols, out=np.zeros_like(grid), where=cols > 0),
    ]


def block_sums(matrix: np.ndarray, src_spans: Sequence[Span], starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """(entities × candidates) sums of `matrix` over rows [s.start, s.end) and columns [start, end)."""
    src_len, tgt_len = matrix.shape
    rows = np.zeros((src_len + 1, tgt_len))
    np.cumsum(matrix, axis=0, out=rows[1:])
    s_starts = np.fromiter((s.start for s in src_spans), np.int64, len(src_spans))
    s_ends = np.fromiter((s.end for s in src_spans), np.int64, len(src_spans))
    per_entity = rows[s_ends] - rows[s_starts]  # (entities × target words)
    prefix = np.zeros((len(src_spans), tgt_len + 1))
    np.cumsum(per_entity, axis=1, out=prefix[:, 1:])
    return prefix[:, ends] - prefix[:, starts]


def alignment_scores(
    src_spans: Sequence[Span],
    candidates: Candidates,
    links: Links,
    src_len: int,
    tgt_len: int,
    kind: str = "dice",
    gap_discount: float = 0.0,
) -> np.ndarray:
    """(entities × candidates) alignment scores.

    ``dice`` (the seed's): 2·links(s,t) / (|s|+|t|), links counted as pairs (so it can exceed 1).
    ``soft``: (Σ_{i∈s} share of i's links that land in t + Σ_{j∈t} share of j's links that come
    from s) / (|s|+|t|) — a Dice over words in [0, 1] where a word linked both inside and outside
    counts only partly, so function words linked to the context pull a candidate's score down.

    `gap_discount` γ: a target word with no link at all that lies strictly inside a candidate
    (not its first or last word) counts 1 − γ toward |t| — unaligned function words inside a name
    ("Código de Ayudas a la Siderurgia") are neutral evidence, not evidence against the span.
    """
    if kind not in SCORE_KINDS:
        raise ValueError(f"unknown alignment score {kind!r}; valid: {SCORE_KINDS}")
    if not src_spans or not len(candidates):
        return np.zeros((len(src_spans), len(candidates)))
    numerator = sum(
        block_sums(m, src_spans, candidates.starts, candidates.ends)
        for m in _link_matrix(links, src_len, tgt_len, kind)
    )
    ent_len = np.fromiter((len(s) for s in src_spans), np.float64, len(src_spans))
    cand_len = (candidates.ends - candidates.starts).astype(np.float64)
    if gap_discount:
        unlinked = np.ones(tgt_len, dtype=bool)
        unlinked[[j for _, j in links]] = False
        prefix = np.concatenate(([0], np.cumsum(unlinked)))
        inner_lo = np.minimum(candidates.starts + 1, candidates.ends)
        inner_hi = np.maximum(candidates.ends - 1, inner_lo)
        cand_len = cand_len - gap_discount * (prefix[inner_hi] - prefix[inner_lo])
    return numerator / (ent_len[:, None] + cand_len[None, :])


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
