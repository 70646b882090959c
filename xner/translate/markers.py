"""Entity markers: translate with ``[ ]`` around entities and read the marked spans back.

Used by `projection=marker` (EasyProject, Chen et al. 2023) and by the seed's back-translation
refinement. Pure functions here; `translate_with_markers` is the thin wrapper that calls a translator.

Reading is robust to what translation models do to markers: markers glued to words (``[Obama]``),
full-width or CJK brackets, doubled markers (``[ [``), lost markers, unbalanced markers (an opening
marker never closed, a closing one never opened) and empty pairs. Well-formed marked ranges are
labelled by fuzzy-matching their text against each source entity translated alone (and the entity's
own text, since names are often copied), solved as an assignment (scipy's `linear_sum_assignment`).
An entity whose markers were lost can be found again by fuzzy-matching its standalone translation in
the unmarked output (`fallback`); otherwise it is counted as unprojected under a reason — it is never
given a guessed span.
"""

from __future__ import annotations

import difflib
import itertools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from xner.data.types import Span

log = logging.getLogger(__name__)

OPEN = "["
CLOSE = "]"
OPENERS = frozenset("[［【〔⟦")
CLOSERS = frozenset("]］】〕⟧")


_SANITIZE = str.maketrans({**{c: "(" for c in "[［【〔⟦"}, **{c: ")" for c in "]］】〕⟧"}})


def insert_markers(words: Sequence[str], spans: Sequence[Span]) -> list[str]:
    """`words` with ``[`` before and ``]`` after every span (spans must not overlap).

    Brackets already in the text become parentheses, so that only the inserted markers are read back.
    """
    ordered = sorted(spans)
    for a, b in itertools.pairwise(ordered):
        if a.overlaps(b):
            raise ValueError(f"overlapping entities {a} and {b} cannot be marked")
    starts = {s.start for s in ordered}
    ends = Counter(s.end for s in ordered)
    out: list[str] = []
    for i, w in enumerate(words):
        out.extend([CLOSE] * ends.get(i, 0))
        if i in starts:
            out.append(OPEN)
        out.append(w.translate(_SANITIZE))
    out.extend([CLOSE] * ends.get(len(words), 0))
    return out


@dataclass
class ParsedMarkers:
    """Output words without markers, the well-formed marked ranges, and what went wrong."""

    words: list[str]
    ranges: list[tuple[int, int]]
    issues: Counter = field(default_factory=Counter)


def _split_glued(word: str) -> list[str]:
    """``[Obama]`` → ``[``, ``Obama``, ``]`` (markers glued to a word by the model or the splitter)."""
    head: list[str] = []
    tail: list[str] = []
    while word and word[0] in OPENERS | CLOSERS:
        head.append(word[0])
        word = word[1:]
    while word and word[-1] in OPENERS | CLOSERS:
        tail.insert(0, word[-1])
        word = word[:-1]
    return [*head, *([word] if word else []), *tail]


def parse_markers(tokens: Sequence[str]) -> ParsedMarkers:
    """Read marked ranges from translated words.

    Rules: consecutive opening (or closing) markers count as one (``doubled``); an opening marker
    followed by another opening marker after some words was never closed (``unclosed``: its range is
    dropped); a closing marker with no open range is ignored (``stray_close``); ``[ ]`` with nothing
    inside is ignored (``empty``).
    """
    words: list[str] = []
    ranges: list[tuple[int, int]] = []
    issues: Counter = Counter()
    open_at: int | None = None
    prev = ""
    for raw in tokens:
        for tok in _split_glued(raw):
            if tok in OPENERS:
                if open_at is not None:
                    if open_at == len(words):
                        issues["doubled"] += 1
                        prev = "open"
                        continue
                    issues["unclosed"] += 1
                open_at = len(words)
                prev = "open"
            elif tok in CLOSERS:
                if open_at is None:
                    issues["doubled" if prev == "close" else "stray_close"] += 1
                elif open_at == len(words):
                    issues["empty"] += 1
                    open_at = None
                else:
                    ranges.append((open_at, len(words)))
                    open_at = None
                prev = "close"
            else:
                words.append(tok)
                prev = "word"
    if open_at is not None:
        issues["unclosed"] += 1
    return ParsedMarkers(words, ranges, issues)


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """Character-level fuzzy similarity of two word sequences in [0, 1] (difflib ratio, lowercased)."""
    x, y = " ".join(a).lower(), " ".join(b).lower()
    if not x or not y:
        return 0.0
    return difflib.SequenceMatcher(None, x, y, autojunk=False).ratio()


def fuzzy_locate(
    phrase: Sequence[str], words: Sequence[str], *, max_extra: int = 2, taken: Sequence[tuple[int, int]] = ()
) -> tuple[int, int, float] | None:
    """The window of `words` most similar to `phrase` (length ±`max_extra`), avoiding `taken` ranges.

    Ties go to the earlier, then shorter window. None when `phrase` or `words` is empty.
    """
    if not phrase or not words:
        return None
    best: tuple[int, int, float] | None = None
    lo, hi = max(1, len(phrase) - max_extra), len(phrase) + max_extra
    for start in range(len(words)):
        for end in range(start + lo, min(len(words), start + hi) + 1):
            if any(start < e and s < end for s, e in taken):
                continue
            score = similarity(phrase, words[start:end])
            if best is None or score > best[2] + 1e-12:
                best = (start, end, score)
    return best


@dataclass
class MarkedResult:
    """One sentence translated with markers: clean words, labelled spans, per-entity outcome."""

    words: list[str]
    spans: list[Span]
    assignment: list[Span | None]
    unprojected: Counter = field(default_factory=Counter)
    issues: Counter = field(default_factory=Counter)
    recovered: int = 0  # entities found by the fuzzy fallback rather than by markers


def read_marked(
    tokens: Sequence[str],
    entities: Sequence[Sequence[str]],
    labels: Sequence[str],
    translations: Sequence[Sequence[str]],
    *,
    min_similarity: float = 0.5,
    fallback: bool = True,
    fallback_similarity: float = 0.8,
    max_extra: int = 2,
) -> MarkedResult:
    """Label the marked ranges of one translated sentence.

    `entities[i]` are source entity i's words, `labels[i]` its type, `translations[i]` the entity
    translated alone. A range gets the entity it matches best (assignment over
    max(similarity to the translation, similarity to the source text)), if that similarity is at
    least `min_similarity`.
    """
    parsed = parse_markers(tokens)
    words, ranges = parsed.words, parsed.ranges
    n = len(entities)
    assignment: list[Span | None] = [None] * n
    unprojected: Counter = Counter()
    if n and ranges:
        sim = np.zeros((len(ranges), n))
        for r, (s, e) in enumerate(ranges):
            for k in range(n):
                sim[r, k] = max(similarity(words[s:e], translations[k]), similarity(words[s:e], entities[k]))
        rows, cols = linear_sum_assignment(-sim)
        for r, k in zip(rows.tolist(), cols.tolist(), strict=True):
            if sim[r, k] >= min_similarity:
                assignment[k] = Span(ranges[r][0], ranges[r][1], labels[k])
    recovered = 0
    for k in range(n):
        if assignment[k] is not None:
            continue
        if fallback:
            taken = [(a.start, a.end) for a in assignment if a is not None]
            best = None
            for phrase in (translations[k], entities[k]):
                hit = fuzzy_locate(phrase, words, max_extra=max_extra, taken=taken)
                if hit and (best is None or hit[2] > best[2]):
                    best = hit
            if best is not None and best[2] >= fallback_similarity:
                assignment[k] = Span(best[0], best[1], labels[k])
                recovered += 1
                continue
        unprojected["markers_lost" if len(ranges) < n else "marker_mismatch"] += 1
    spans = sorted(a for a in assignment if a is not None)
    return MarkedResult(words, spans, assignment, unprojected, parsed.issues, recovered)
