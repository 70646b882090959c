"""Alignment-based heuristic projection (García-Ferrero et al. 2022), in two variants.

``seed`` (default; the seed project's reimplementation, `src/pipelines/align/matching.py` of
Politov et al.): for each source entity, in source order, grow target ranges from the words aligned
to it (its words left to right, each word's targets in ascending order: a target next to a range
extends it, one inside is absorbed, any other opens a new range); merge ranges, sorted by start,
whose gap is at most `max_gap` words (`max_gap=0`: no merge at all, as the seed, so grown ranges
that overlap stay apart); keep every range whose length over the entity's length
exceeds `min_ratio` (0.8); write its IOB2 tags. A later entity overwrites earlier tags word by word,
so collisions can cut a span or fuse two; the target spans are read back from the tags (seqeval's
default mode). The seed's merge sets the merged range's end to the later range's end, even when
that range lies inside the earlier one, so a merged range can shrink ([4,7) then [4,6) → [4,6));
xner reproduces this quirk (it needs two grown ranges with one start, i.e. crossing many-to-many
links: 0 of the 2,106 Europarl-NER entities with SimAlign links).
`collisions=shorter` is xner's earlier policy instead: ranges are the maximal runs of the aligned
words (merged without the quirk), entities are projected shortest first, and a range overlapping an
already projected one is dropped.

``original`` (the authors' code, Easy-Label-Projection `projection/annotation_proyection.py`): per
source entity, in source order, its sorted aligned target words minus those that are ASCII
punctuation only (`string.punctuation`; „ “ « » are words); runs merged while the merged span stays
within `max_merged_len` words (3: a gap of one between two single words); the largest run kept.
Collisions are tested between neighbours in source-entity order — an entity collides with the next
one when its last word is at or after the next one's first, so an entity reordered in the target
collides even without overlapping —: colliding same-type neighbours are merged (the union of their
words), then of two colliding neighbours the one with more words is kept (the later one on a tie).
Tags are written in that order, later over earlier, and the spans read back from them.
"""

from __future__ import annotations

import logging
import string
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence

from xner.data.tags import tags_to_spans
from xner.data.types import Links, Span
from xner.errors import ConfigError
from xner.project.base import ProjectionInput, SentenceProjection

log = logging.getLogger(__name__)

VARIANTS = ("seed", "original")
COLLISIONS = ("overwrite", "shorter")
_ASCII_PUNCT = frozenset(string.punctuation)


def is_punctuation(word: str) -> bool:
    """True when every character is punctuation (ASCII punctuation or a Unicode P* category)."""
    word = word.strip()
    return bool(word) and all(c in _ASCII_PUNCT or unicodedata.category(c).startswith("P") for c in word)


def is_ascii_punctuation(word: str) -> bool:
    """The authors' test: every character of the stripped word is in `string.punctuation`.

    Vacuously true for a word that is empty after stripping, as in their code; „ “ « » are not.
    """
    return all(c in _ASCII_PUNCT for c in word.strip())


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


def grown_ranges(span: Span, links: Links) -> list[tuple[int, int]]:
    """The seed's candidate ranges of one entity, in creation order (may overlap one another).

    Targets are visited word by word (each word's in ascending order); a target inside a range
    leaves it as it is, one just right or left of a range extends it — every range it touches, so
    two ranges can grow into each other —, and a target touching none opens a new one-word range.
    """
    by_src: dict[int, list[int]] = {}
    for i, j in sorted(links):
        if span.start <= i < span.end:
            by_src.setdefault(i, []).append(j)
    ranges: list[list[int]] = []
    for i in range(span.start, span.end):
        for j in by_src.get(i, ()):
            touched = False
            for r in ranges:
                if r[0] <= j < r[1]:
                    touched = True
                elif j == r[1]:
                    r[1] = j + 1
                    touched = True
                elif j == r[0] - 1:
                    r[0] = j
                    touched = True
            if not touched:
                ranges.append([j, j + 1])
    return [(s, e) for s, e in ranges]


def seed_merge(ranges: Sequence[tuple[int, int]], max_gap: int) -> list[tuple[int, int]]:
    """The seed's merge: sort by start (stably); a range starting within `max_gap` words of the
    previous merged range's end (or before it) sets that range's end to its own — which shrinks the
    merged range when the range lies inside it (the seed's quirk, kept)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges, key=lambda r: r[0]):
        if merged and start - merged[-1][1] <= max_gap:
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _write_tags(
    writes: Sequence[tuple[Sequence[int], str, Sequence[int]]],
    n_src: int,
    own: Mapping[int, set[int]] | None = None,
) -> tuple[list[Span], list[Span | None]]:
    """Write IOB2 tags for (target words, type, source entities) in order, later over earlier; read
    the spans back (seqeval default mode). A span belongs to the entities of the write that tagged
    its first word; returns spans, per-entity assignment (its longest span; with `own`, the entity's
    own target words before a merge, the span covering most of them, which must be one at least)
    (None for a written entity whose span starts were all overwritten)."""
    size = max((ids[-1] + 1 for ids, _, _ in writes), default=0)
    tags = ["O"] * size
    writer: list[int | None] = [None] * size
    for w, (ids, label, _) in enumerate(writes):
        for n, j in enumerate(ids):
            tags[j] = ("B-" if n == 0 else "I-") + label
            writer[j] = w
    spans = tags_to_spans(tags)
    assignment: list[Span | None] = [None] * n_src
    best: dict[int, tuple[int, int]] = {}
    for span in spans:
        for k in writes[writer[span.start]][2]:
            overlap = len(own[k] & set(range(span.start, span.end))) if own is not None else 1
            key = (overlap, len(span))
            if overlap > 0 and (k not in best or key > best[k]):
                best[k], assignment[k] = key, span
    return spans, assignment


def project_seed(
    src_spans: Sequence[Span],
    links: Links,
    *,
    max_gap: int = 1,
    min_ratio: float = 0.8,
    collisions: str = "overwrite",
) -> SentenceProjection:
    """The seed variant (see module docstring). Pure; `links` are (source, target) word indices."""
    if collisions == "shorter":
        return _project_seed_shorter(src_spans, links, max_gap=max_gap, min_ratio=min_ratio)
    unprojected: Counter = Counter()
    reasons: list[str | None] = [None] * len(src_spans)
    writes: list[tuple[list[int], str, list[int]]] = []
    for k, entity in enumerate(src_spans):
        ranges = grown_ranges(entity, links)
        if not ranges:
            unprojected["unaligned"] += 1
            reasons[k] = "unaligned"
            continue
        if max_gap > 0:
            ranges = seed_merge(ranges, max_gap)
        kept = [(s, e) for s, e in ranges if (e - s) / len(entity) > min_ratio]
        if not kept:
            unprojected["below_ratio"] += 1
            reasons[k] = "below_ratio"
            continue
        writes.extend((list(range(s, e)), entity.label, [k]) for s, e in kept)
    spans, assignment = _write_tags(writes, len(src_spans))
    _lost_to_collision(writes, assignment, reasons, unprojected)
    return SentenceProjection(spans, assignment, 0.0, unprojected, reasons=reasons)


def _lost_to_collision(
    writes: Sequence[tuple[Sequence[int], str, Sequence[int]]],
    assignment: Sequence[Span | None],
    reasons: list[str | None],
    unprojected: Counter,
) -> None:
    """Entities that were written but kept no span (overwritten by later ones) lost a collision."""
    for k in sorted({k for _, _, ks in writes for k in ks}):
        if assignment[k] is None:
            unprojected["collision"] += 1
            reasons[k] = "collision"


def _project_seed_shorter(
    src_spans: Sequence[Span], links: Links, *, max_gap: int, min_ratio: float
) -> SentenceProjection:
    """`collisions=shorter`: shortest entity first, a range overlapping a projected one dropped."""
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
    return SentenceProjection(sorted(taken), assignment, 0.0, unprojected, reasons=reasons)


def project_original(
    src_spans: Sequence[Span],
    links: Links,
    tgt_words: Sequence[str],
    *,
    max_merged_len: int = 3,
    ignore_punctuation: bool = True,
) -> SentenceProjection:
    """The original variant (see module docstring). Pure."""
    reasons: list[str | None] = [None] * len(src_spans)
    unprojected: Counter = Counter()
    groups: list[tuple[list[int], str, list[int]]] = []  # (target words, type, source entities)
    own: dict[int, set[int]] = {}  # each entity's own target words, before same-type merges
    for k, entity in enumerate(src_spans):
        targets = aligned_targets(entity, links)
        if ignore_punctuation:
            targets = [j for j in targets if not is_ascii_punctuation(tgt_words[j])]
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
        start, end = max(merged, key=lambda r: r[1] - r[0])  # the first of the largest
        groups.append((list(range(start, end)), entity.label, [k]))
        own[k] = set(range(start, end))

    def collide(i: int) -> bool:  # neighbours in source order: i's last word at/after i+1's first
        return groups[i][0][-1] >= groups[i + 1][0][0]

    i = 0
    while i < len(groups) - 1:
        if collide(i) and groups[i][1] == groups[i + 1][1]:
            a, b = groups[i], groups.pop(i + 1)
            groups[i] = (sorted(set(a[0]) | set(b[0])), a[1], a[2] + b[2])
        else:
            i += 1
    i = 0
    while i < len(groups) - 1:
        if collide(i):
            loser = i + 1 if len(groups[i][0]) > len(groups[i + 1][0]) else i
            for k in groups.pop(loser)[2]:
                unprojected["collision"] += 1
                reasons[k] = "collision"
        else:
            i += 1
    spans, assignment = _write_tags(groups, len(src_spans), own)
    _lost_to_collision(groups, assignment, reasons, unprojected)
    return SentenceProjection(spans, assignment, 0.0, unprojected, reasons=reasons)


class HeuristicProjector:
    """`projection=heuristic`: the alignment heuristic, `variant` ``seed`` (default) or ``original``.

    `max_gap`, `min_ratio` and `collisions` (``overwrite``, the seed's, or ``shorter``) apply to
    ``seed``; `max_merged_len` and `ignore_punctuation` to ``original``. `backtranslation` is the
    seed's back-translation refinement switch; the refined source side is supplied by the caller
    (`xner.pipeline.stages.project_pairs`).
    """

    def __init__(
        self,
        variant: str = "seed",
        max_gap: int = 1,
        min_ratio: float = 0.8,
        max_merged_len: int = 3,
        ignore_punctuation: bool = True,
        backtranslation: bool = False,
        collisions: str = "overwrite",
    ):
        if variant not in VARIANTS:
            raise ConfigError(f"projection.variant={variant!r} is not valid; choose one of {VARIANTS}")
        if collisions not in COLLISIONS:
            raise ConfigError(f"projection.collisions={collisions!r} is not valid; choose one of {COLLISIONS}")
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
        self.collisions = collisions

    def project(self, inputs: Sequence[ProjectionInput]) -> list[SentenceProjection]:
        if self.variant == "seed":
            return [
                project_seed(
                    x.src_spans, x.links, max_gap=self.max_gap, min_ratio=self.min_ratio, collisions=self.collisions
                )
                for x in inputs
            ]
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
