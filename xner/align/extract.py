"""Alignment extraction from similarity matrices: pure numpy, vectorised over a padded batch.

Every function takes a batch ``sim`` of shape ``(B, M, N)`` with the true sizes of each matrix in
``rows`` and ``cols`` (entries outside ``[:rows[b], :cols[b]]`` are padding and ignored) and
returns a boolean link array of the same shape (padding always False). The single-matrix helpers at
the bottom wrap them for one ``(m, n)`` matrix.

- ArgMax (SimAlign): a pair is linked when it is the maximum of its row and of its column.
- IterMax (SimAlign): ArgMax, then repeat on the rows/columns not yet aligned with the similarity
  of already-aligned rows/columns down-weighted by ``alpha`` (0.9), ``max_count`` (2) rounds in
  total; matrices with a side of ≤ 2 keep the ArgMax links — all exactly as the reference package.
- Match (SimAlign "mwmf"): maximum-weight bipartite matching (scipy's assignment solver).
- Softmax (AWESoME): softmax over rows and over columns of a dot-product matrix; linked when both
  probabilities exceed ``threshold`` (1e-3).
Ties are broken towards the lowest index (numpy's argmax), so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

METHODS = ("argmax", "itermax", "match", "softmax")


def valid_mask(rows: np.ndarray, cols: np.ndarray, m: int, n: int) -> np.ndarray:
    """Boolean (B, M, N): True inside each matrix's true size."""
    rows = np.asarray(rows)[:, None, None]
    cols = np.asarray(cols)[:, None, None]
    return (np.arange(m)[None, :, None] < rows) & (np.arange(n)[None, None, :] < cols)


def _argmax_pairs(score: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Row-wise and column-wise argmax intersection on a masked score (invalid = -inf)."""
    b, m, n = score.shape
    s = np.where(valid, score, -np.inf)
    fwd = np.zeros((b, m, n), bool)
    bwd = np.zeros((b, m, n), bool)
    if m == 0 or n == 0:
        return fwd
    bi, ri = np.indices((b, m))
    fwd[bi, ri, s.argmax(axis=2)] = True
    bj, cj = np.indices((b, n))
    bwd[bj, s.argmax(axis=1), cj] = True
    return fwd & bwd & valid


def argmax_links(sim: np.ndarray, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
    """SimAlign ArgMax: intersection of row-wise and column-wise maxima."""
    sim = np.asarray(sim)
    return _argmax_pairs(sim, valid_mask(rows, cols, sim.shape[1], sim.shape[2]))


def itermax_links(
    sim: np.ndarray, rows: Sequence[int], cols: Sequence[int], max_count: int = 2, alpha: float = 0.9
) -> np.ndarray:
    """SimAlign IterMax (reference semantics; expects non-negative similarities, e.g. (cos+1)/2)."""
    rows_a, cols_a = np.asarray(rows), np.asarray(cols)
    _, m, n = sim.shape
    valid = valid_mask(rows_a, cols_a, m, n)
    inter = _argmax_pairs(sim, valid)
    active = np.minimum(rows_a, cols_a) > 2  # the reference returns ArgMax when a side has ≤ 2 words
    count = 1
    while count < max_count and active.any():
        row_free = ~inter.any(axis=2)  # (B, M) rows without a link
        col_free = ~inter.any(axis=1)  # (B, N)
        mask_x = row_free[:, :, None].astype(sim.dtype)
        mask_y = col_free[:, None, :].astype(sim.dtype)
        mask = np.clip(alpha * mask_x + alpha * mask_y, 0.0, 1.0)
        open_ = (row_free[:, :, None] | col_free[:, None, :]) & valid
        # no free row or no free column in the valid region → nothing more to do for that matrix
        any_row = (row_free & (np.arange(m)[None] < rows_a[:, None])).any(axis=1)
        any_col = (col_free & (np.arange(n)[None] < cols_a[:, None])).any(axis=1)
        go = active & any_row & any_col
        mask = mask * go[:, None, None]
        open_ &= go[:, None, None]
        new = _argmax_pairs(sim * mask, valid) & open_
        grew = new.any(axis=(1, 2))
        inter = inter | new
        active = active & grew
        count += 1
    return inter


def match_links(sim: np.ndarray, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
    """Maximum-weight bipartite matching per matrix (scipy's assignment solver, maximising)."""
    b, m, n = sim.shape
    out = np.zeros((b, m, n), bool)
    for k in range(b):
        r, c = int(rows[k]), int(cols[k])
        if r == 0 or c == 0:
            continue
        ri, ci = linear_sum_assignment(sim[k, :r, :c], maximize=True)
        out[k, ri, ci] = True
    return out


def softmax_probs(scores: np.ndarray, rows: Sequence[int], cols: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise (source→target) and column-wise (target→source) softmax over the valid region."""
    _, m, n = scores.shape
    valid = valid_mask(rows, cols, m, n)
    s = np.where(valid, scores, -np.inf)
    with np.errstate(invalid="ignore"):
        row_max = s.max(axis=2, keepdims=True, initial=-np.inf)
        e_row = np.where(valid, np.exp(s - np.where(np.isfinite(row_max), row_max, 0.0)), 0.0)
        p_fwd = e_row / np.maximum(e_row.sum(axis=2, keepdims=True), 1e-30)
        col_max = s.max(axis=1, keepdims=True, initial=-np.inf)
        e_col = np.where(valid, np.exp(s - np.where(np.isfinite(col_max), col_max, 0.0)), 0.0)
        p_bwd = e_col / np.maximum(e_col.sum(axis=1, keepdims=True), 1e-30)
    return p_fwd, p_bwd


def softmax_links(
    scores: np.ndarray, rows: Sequence[int], cols: Sequence[int], threshold: float = 1e-3
) -> np.ndarray:
    """AWESoME extraction: both directional softmax probabilities above `threshold`."""
    p_fwd, p_bwd = softmax_probs(scores, rows, cols)
    return (p_fwd > threshold) & (p_bwd > threshold)


def extract(
    method: str, sim: np.ndarray, rows: Sequence[int], cols: Sequence[int], **kwargs
) -> np.ndarray:
    """Dispatch by method name (one of `METHODS`)."""
    if method == "argmax":
        return argmax_links(sim, rows, cols)
    if method == "itermax":
        return itermax_links(sim, rows, cols, **kwargs)
    if method == "match":
        return match_links(sim, rows, cols)
    if method == "softmax":
        return softmax_links(sim, rows, cols, **kwargs)
    raise ValueError(f"unknown extraction method {method!r}; valid: {', '.join(METHODS)}")


# -------------------------------------------------------------------------- one matrix
def links_of(method: str, sim: np.ndarray, **kwargs) -> set[tuple[int, int]]:
    """Links (i, j) extracted from a single (m, n) matrix."""
    sim = np.asarray(sim)
    m, n = sim.shape
    out = extract(method, sim[None], [m], [n], **kwargs)[0]
    return {(int(i), int(j)) for i, j in zip(*np.nonzero(out), strict=True)}


def cosine_similarity(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SimAlign's similarity: (cos + 1) / 2 in [0, 1], for (m, h) and (n, h) (or batched) arrays."""
    xn = x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)
    yn = y / np.maximum(np.linalg.norm(y, axis=-1, keepdims=True), 1e-12)
    return (xn @ np.swapaxes(yn, -1, -2) + 1.0) / 2.0


def pad_batch(mats: Sequence[np.ndarray], fill: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack (m_k, n_k) matrices into (B, M, N) with their sizes."""
    rows = np.array([a.shape[0] for a in mats], dtype=np.int64)
    cols = np.array([a.shape[1] for a in mats], dtype=np.int64)
    dtype = np.result_type(*[a.dtype for a in mats]) if mats else np.float32
    out = np.full((len(mats), int(rows.max(initial=0)), int(cols.max(initial=0))), fill, dtype=dtype)
    for k, a in enumerate(mats):
        out[k, : a.shape[0], : a.shape[1]] = a
    return out, rows, cols
