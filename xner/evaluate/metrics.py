"""Entity-level NER metrics from seqeval, as flat dicts.

Two modes, named wherever they are used:
- ``default``: seqeval's conlleval-compatible mode (an ``I-X`` after ``O`` starts an entity) —
  the figures NER papers report;
- ``strict``: seqeval's strict IOB2 mode (only ``B-X I-X*`` is an entity).
Keys: ``<prefix>/precision|recall|f1`` (micro), ``<prefix>/<metric>_<TYPE>`` and
``<prefix>/support_<TYPE>`` (gold count) per entity type.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from seqeval.metrics import classification_report
from seqeval.scheme import IOB2

MODES = ("default", "strict")


def ner_metrics(
    gold: Sequence[Sequence[str]],
    pred: Sequence[Sequence[str]],
    prefix: str = "test",
    mode: str = "default",
) -> dict[str, float]:
    """Micro and per-type precision/recall/F1 of `pred` against `gold` tag sequences."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold sentences but {len(pred)} predicted")
    for i, (g, p) in enumerate(zip(gold, pred, strict=True)):
        if len(g) != len(p):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(p)} predicted")
    gold_l, pred_l = [list(s) for s in gold], [list(s) for s in pred]
    kwargs = {"mode": "strict", "scheme": IOB2} if mode == "strict" else {}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # seqeval averages empty arrays when no entities
        report = classification_report(gold_l, pred_l, output_dict=True, zero_division=0, **kwargs)
    out: dict[str, float] = {}
    micro = report.get("micro avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0})
    out[f"{prefix}/precision"] = float(micro["precision"])
    out[f"{prefix}/recall"] = float(micro["recall"])
    out[f"{prefix}/f1"] = float(micro["f1-score"])
    for label, row in report.items():
        if label.endswith(" avg"):
            continue
        out[f"{prefix}/precision_{label}"] = float(row["precision"])
        out[f"{prefix}/recall_{label}"] = float(row["recall"])
        out[f"{prefix}/f1_{label}"] = float(row["f1-score"])
        out[f"{prefix}/support_{label}"] = float(row["support"])
    return out
