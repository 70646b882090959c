"""Spans over words and word links — the records at the bottom of `xner.data` — and the IOB2
tags ⇄ spans conversion. Imports nothing of xner, so `xner.data.types` (sentences) and
`xner.data.tags` (validation, label mapping) both build on it without importing each other.

Span extraction is seqeval's `get_entities` (conlleval semantics: an `I-X` after `O` or after
another type starts a new entity).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from seqeval.metrics.sequence_labeling import get_entities

# A word alignment: (source word index, target word index), 0-based.
Link = tuple[int, int]
Links = frozenset[Link]


@dataclass(frozen=True, order=True)
class Span:
    """An entity over words[start:end] (end exclusive) with its type, e.g. Span(0, 2, "PER")."""

    start: int
    end: int
    label: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end}) for {self.label!r}")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def tags_to_spans(tags: Sequence[str]) -> list[Span]:
    """IOB2 (or IOB1-ish) tags → spans, via seqeval (default/conlleval mode)."""
    if not tags:
        return []
    return [Span(start, end + 1, label) for label, start, end in get_entities(list(tags))]


def spans_to_tags(spans: Iterable[Span], length: int) -> list[str]:
    """Spans → IOB2 tags. Overlapping spans are a caller bug and raise ValueError."""
    tags = ["O"] * length
    for span in sorted(spans):
        if span.end > length:
            raise ValueError(f"span {span} outside sentence of {length} words")
        if any(t != "O" for t in tags[span.start : span.end]):
            raise ValueError(f"span {span} overlaps another span")
        tags[span.start] = f"B-{span.label}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{span.label}"
    return tags
