"""Alignment error rate (Och & Ney 2003) against sure (S) and possible (P ⊇ S) gold links.

precision = |A∩P| / |A|, recall = |A∩S| / |S|, AER = 1 − (|A∩S| + |A∩P|) / (|A| + |S|),
micro-averaged over the corpus (counts summed first). Results are fractions in [0, 1].
"""

from __future__ import annotations

from collections.abc import Sequence

from xner.data.types import Links


def alignment_counts(
    predicted: Sequence[Links], sure: Sequence[Links], possible: Sequence[Links]
) -> dict[str, int]:
    """Summed |A|, |S|, |A∩S|, |A∩P| (P is taken as P ∪ S)."""
    if not len(predicted) == len(sure) == len(possible):
        raise ValueError(f"{len(predicted)} predictions for {len(sure)} gold sentences")
    a = s = a_s = a_p = 0
    for pred, s_links, p_links in zip(predicted, sure, possible, strict=True):
        pred = set(pred)
        p_all = set(p_links) | set(s_links)
        a += len(pred)
        s += len(s_links)
        a_s += len(pred & set(s_links))
        a_p += len(pred & p_all)
    return {"predicted": a, "sure": s, "predicted_sure": a_s, "predicted_possible": a_p}


def aer_metrics(
    predicted: Sequence[Links], sure: Sequence[Links], possible: Sequence[Links], prefix: str = "align"
) -> dict[str, float]:
    """`<prefix>/aer`, `/precision`, `/recall`, `/f1` (fractions) and the link counts."""
    c = alignment_counts(predicted, sure, possible)
    a, s = c["predicted"], c["sure"]
    precision = c["predicted_possible"] / a if a else 0.0
    recall = c["predicted_sure"] / s if s else 0.0
    aer = 1.0 - (c["predicted_sure"] + c["predicted_possible"]) / (a + s) if a + s else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        f"{prefix}/aer": aer,
        f"{prefix}/precision": precision,
        f"{prefix}/recall": recall,
        f"{prefix}/f1": f1,
        f"{prefix}/links_predicted": float(a),
        f"{prefix}/links_sure": float(s),
    }
