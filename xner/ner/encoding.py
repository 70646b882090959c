"""Pure helpers between word-level NER data and subword models.

Labels sit on the first subword of each word (the others, and special tokens, get -100 and are
ignored by the loss); predictions are read back from the same positions. Sentences longer than the
model window are split at word boundaries into windows that fit. Nothing here loads a model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from xner.data.types import Span
from xner.errors import ConfigError

log = logging.getLogger(__name__)

IGNORE = -100


def label_list(entity_types: Iterable[str]) -> list[str]:
    """IOB2 label list for these entity types: ``["O", "B-LOC", "I-LOC", ...]`` (types sorted)."""
    out = ["O"]
    for t in sorted(set(entity_types)):
        out += [f"B-{t}", f"I-{t}"]
    return out


def entity_types(tag_seqs: Iterable[Sequence[str]]) -> set[str]:
    """The entity types used in these IOB2 tag sequences."""
    return {t[2:] for tags in tag_seqs for t in tags if t != "O"}


def first_subword_labels(word_ids: Sequence[int | None], word_labels: Sequence[int]) -> list[int]:
    """Subword label ids: the word's label on its first subword, -100 elsewhere (specials, continuations)."""
    out = []
    prev = None
    for wid in word_ids:
        if wid is None or wid == prev:
            out.append(IGNORE)
        else:
            out.append(word_labels[wid])
        prev = wid
    return out


def first_subword_positions(word_ids: Sequence[int | None], n_words: int) -> list[int]:
    """Position of each word's first subword, or -1 for a word the tokenizer produced nothing for."""
    pos = [-1] * n_words
    for i, wid in enumerate(word_ids):
        if wid is not None and pos[wid] < 0:
            pos[wid] = i
    return pos


def split_windows(subword_counts: Sequence[int], max_subwords: int) -> list[tuple[int, int]]:
    """Split a sentence (its words' subword counts) into word ranges [start, end) of ≤ max_subwords.

    Greedy left to right; a single word longer than the window gets a window of its own (the model
    then truncates it). An empty sentence gives no windows.
    """
    if max_subwords < 1:
        raise ValueError("max_subwords must be ≥ 1")
    windows: list[tuple[int, int]] = []
    start, used = 0, 0
    for i, n in enumerate(subword_counts):
        if i > start and used + n > max_subwords:
            windows.append((start, i))
            start, used = i, 0
        used += n
    if len(subword_counts) > start:
        windows.append((start, len(subword_counts)))
    return windows


@dataclass
class LabelPolicy:
    """How the training label set is reconciled with the evaluation label set (and what it did)."""

    mapping: dict[str, str | None]
    train_types: list[str]
    eval_types: list[str]
    dropped: list[str] = field(default_factory=list)  # train types mapped to O
    unseen: list[str] = field(default_factory=list)  # eval types training never sees

    def report(self) -> dict[str, float]:
        return {"labels/dropped_types": float(len(self.dropped)), "labels/unseen_types": float(len(self.unseen))}


POLICIES = ("intersect", "keep", "error")


def reconcile_labels(
    train_types: Iterable[str],
    eval_types: Iterable[str],
    *,
    label_map: Mapping[str, str | None] | None = None,
    policy: str = "intersect",
) -> LabelPolicy:
    """Decide the training label mapping when training and evaluation entity types differ.

    `label_map` is applied first (e.g. ``{"GPE": "LOC", "MISC": None}``). Then, for types still
    differing: ``intersect`` drops training types the evaluation set lacks (→ O) and reports
    evaluation types training never sees; ``keep`` trains on everything (extra predictions count
    as false positives); ``error`` raises ConfigError.
    """
    if policy not in POLICIES:
        raise ConfigError(f"task.label_policy={policy!r}; valid: {', '.join(POLICIES)}")
    mapping: dict[str, str | None] = dict(label_map or {})
    mapped = {mapping.get(t, t) for t in train_types} - {None, "O"}
    evals = set(eval_types)
    extra, unseen = sorted(mapped - evals), sorted(evals - mapped)
    if (extra or unseen) and policy == "error":
        raise ConfigError(
            f"task.label_policy=error: training types {sorted(mapped)} differ from evaluation types "
            f"{sorted(evals)} (only in training: {extra}, only in evaluation: {unseen}); set "
            "task.label_map or task.label_policy=intersect|keep"
        )
    dropped: list[str] = []
    if policy == "intersect" and evals:
        for t in extra:
            for src in [s for s in train_types if mapping.get(s, s) == t]:
                mapping[src] = None
            dropped.append(t)
        mapped -= set(extra)
    for t in dropped:
        log.warning("entity type %s is not in the evaluation set: mapped to O for training", t)
    for t in unseen:
        log.warning("entity type %s is in the evaluation set but never in training: its recall will be 0", t)
    return LabelPolicy(mapping, sorted(mapped), sorted(evals), dropped, unseen)


def span_probability(probs: np.ndarray, labels: Sequence[str], span: Span, *, typed: bool = True) -> float:
    """Probability-like score that words[span] form exactly one entity (of span.label if `typed`).

    Geometric mean of P(B- at the start), P(I- inside) and P(not I- right after the span), from the
    per-word label distribution `probs` (words × labels). Untyped: B-/I- mass summed over types.
    """
    lab = np.asarray(labels)
    is_b = np.char.startswith(lab.astype(str), "B-")
    is_i = np.char.startswith(lab.astype(str), "I-")
    if typed:
        is_b = lab == f"B-{span.label}"
        is_i = lab == f"I-{span.label}"
    parts = [probs[span.start, is_b].sum()]
    parts += [probs[k, is_i].sum() for k in range(span.start + 1, span.end)]
    if span.end < probs.shape[0]:
        parts.append(1.0 - probs[span.end, is_i].sum())
    parts_arr = np.clip(np.asarray(parts, dtype=np.float64), 1e-12, 1.0)
    return float(np.exp(np.log(parts_arr).mean()))
