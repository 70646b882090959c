"""Alignment-based heuristic projection (García-Ferrero et al. 2022), in two variants.

``seed`` (default; the seed project's reimplementation): for each source entity, shortest first,
take the target words aligned to any of its words; build contiguous ranges; merge ranges separated
by at most `max_gap` unaligned words; keep every range whose length over the entity's length
exceeds `min_ratio` (0.8); label it. A range that overlaps an already projected one is dropped
(counted as a collision): shorter entities win, as in the seed.

``original`` (the authors' code): links to punctuation-only target words are ignored; adjacent
groups are merged only while the merged span stays within `max_merged_len` words (3: a gap of one
between two single words); only the largest group is kept; on collisions, same-type spans are
merged into one and otherwise the longer span is kept (the later one on a tie).
"""

from __future__ import annotations

import logging
import string
import unicodedata
from collections import Counter
from collections.abc import Sequence

from xner.data.types import Links, Span
from xner.errors import ConfigError
from xner.project.base import ProjectionInput, SentenceProjection

log = logging.getLogger(__name__)

VARIANTS = ("seed", "original")
_ASCII_PUNCT = set(string.punctuation)


def is_punctuation(word: str) -> bool:
    """True when every character is punctuation (ASCII punctuation or a Unicode P* category)."""
    word = word.strip()
    return bool(word) and all(c in _ASCII_PUNCT or unicodedata.category(c).startswith("P") for c in word)


def aligned_targets(span: Span, links: Links) -> list[int]:
    """Sorted target word indices linked to any word of `span`."""
    return sorted({j for i, j in links if span.start <= i < span.end})


def contiguous_ranges(indices: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted unique indices → maximal runs as half-open ranges: [1,2,4] → [(1,3), (4,5)]."""
    ranges: list[tuple[int, int]] = []
    for j in indices:
        if ranges and j == ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], j + 1)
        elif not ranges or j > ranges[-1][1]:
            ranges.append((j, j + 1))
    return ranges


def merge_ranges(ranges: Sequence[tuple[int, int]], max_gap: int) -> list[tuple[int, int]]:
    """Merge consecutive ranges separated by at most `max_gap` words: gap 1 → (0,2),(3,4) → (0,4)."""
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start - merged[-1][1] <= max_gap:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def project_seed(
    src_spans: Sequence[Span],
    links: Links,
    *,
    max_gap: int = 1,
    min_ratio: float = 0.8,
) -> SentenceProjection:
    """The seed variant (see module docstring). Pure; `links` are (source, target) word indices."""
    assignment: list[Span | None] = [None] * len(src_spans)
    reasons: list[str | None] = [None] * len(src_spans)
    unprojected: Counter = Counter()
    taken: list[Span] = []
    order = sorted(range(len(src_spans)), key=lambda k: (len(src_spans[k]), k))
    for k in order:
        entity = src_spans[k]
        targets = aligned_targets(entity, links)
        if not targets:
            unprojected["unaligned"] += 1
            reasons[k] = "unaligned"
            continue
        ranges = merge_ranges(contiguous_ranges(targets), max_gap)
        kept = [(s, e) for s, e in ranges if (e - s) / len(entity) > min_ratio]
        if not kept:
            unprojected["below_ratio"] += 1
            reasons[k] = "below_ratio"
            continue
        spans = [Span(s, e, entity.label) for s, e in kept]
        free = [sp for sp in spans if not any(sp.overlaps(t) for t in taken)]
        if not free:
            unprojected["collision"] += 1
            reasons[k] = "collision"
            continue
        taken.extend(free)
        assignment[k] = max(free, key=len)
    return SentenceProjection(sorted(taken), assignment, 0.0, unprojected, reasons)


def project_original(
    src_spans: Sequence[Span],
    links: Links,
    tgt_words: Sequence[str],
    *,
    max_merged_len: int = 3,
    ignore_punctuation: bool = True,
) -> SentenceProjection:
    """The original variant (see module docstring). Pure."""
    assignment: list[Span | None] = [None] * len(src_spans)
    reasons: list[str | None] = [None] * len(src_spans)
    unprojected: Counter = Counter()
    groups: list[tuple[int, Span]] = []  # (source entity index, target span)
    for k, entity in enumerate(src_spans):
        targets = aligned_targets(entity, links)
        if ignore_punctuation:
            targets = [j for j in targets if not is_punctuation(tgt_words[j])]
        if not targets:
            unprojected["unaligned"] += 1
            reasons[k] = "unaligned"
            continue
        runs = contiguous_ranges(targets)
        merged = [runs[0]]
        for start, end in runs[1:]:
            if end - merged[-1][0] <= max_merged_len:
                merged[-1] = (merged[-1][0], end)
            else:
                merged.append((start, end))
        start, end = max(merged, key=lambda r: r[1] - r[0])  # first largest
        groups.append((k, Span(start, end, entity.label)))

    # Collisions, in target order: merge overlapping same-type spans, then keep the longer.
    groups.sort(key=lambda g: (g[1].start, g[1].end))
    owners: list[list[int]] = [[k] for k, _ in groups]
    spans = [sp for _, sp in groups]
    i = 0
    while i < len(spans) - 1:
        a, b = spans[i], spans[i + 1]
        if a.overlaps(b) and a.label == b.label:
            spans[i] = Span(min(a.start, b.start), max(a.end, b.end), a.label)
            owners[i] += owners.pop(i + 1)
            del spans[i + 1]
        else:
            i += 1
    i = 0
    while i < len(spans) - 1:
        a, b = spans[i], spans[i + 1]
        if a.overlaps(b):
            loser = i + 1 if len(a) > len(b) else i
            unprojected["collision"] += len(owners[loser])
            for k in owners[loser]:
                reasons[k] = "collision"
            del spans[loser], owners[loser]
        else:
            i += 1
    for span, ks in zip(spans, owners, strict=True):
        for k in ks:
            assignment[k] = span
    return SentenceProjection(spans, assignment, 0.0, unprojected, reasons)


class HeuristicProjector:
    """`projection=heuristic`: the alignment heuristic, `variant` ``seed`` (default) or ``original``.

    `max_gap` and `min_ratio` apply to ``seed``; `max_merged_len` and `ignore_punctuation` to
    ``original``. `backtranslation` is the seed's back-translation refinement switch; the refined
    source side is supplied by the caller (`xner.pipeline.stages.project_pairs`).
    """

    def __init__(
        self,
        variant: str = "seed",
        max_gap: int = 1,
        min_ratio: float = 0.8,
        max_merged_len: int = 3,
        ignore_punctuation: bool = True,
        backtranslation: bool = False,
    ):
        if variant not in VARIANTS:
            raise ConfigError(f"projection.variant={variant!r} is not valid; choose one of {VARIANTS}")
        if max_gap < 0:
            raise ConfigError(f"projection.max_gap must be >= 0, got {max_gap}")
        if max_merged_len < 1:
            raise ConfigError(f"projection.max_merged_len must be >= 1, got {max_merged_len}")
        self.variant = variant
        self.max_gap = max_gap
        self.min_ratio = min_ratio
        self.max_merged_len = max_merged_len
        self.ignore_punctuation = ignore_punctuation
        self.backtranslation = backtranslation

    def project(self, inputs: Sequence[ProjectionInput]) -> list[SentenceProjection]:
        if self.variant == "seed":
            return [project_seed(x.src_spans, x.links, max_gap=self.max_gap, min_ratio=self.min_ratio) for x in inputs]
        return [
            project_original(
                x.src_spans,
                x.links,
                x.tgt_words,
                max_merged_len=self.max_merged_len,
                ignore_punctuation=self.ignore_punctuation,
            )
            for x in inputs
        ]
