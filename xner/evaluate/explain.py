"""Why each entity did or did not cross: per-sentence projection records and error verdicts.

`explain_sentence` turns one projected sentence pair (plain data: words, links, source entities,
the projector's target spans, per-entity scores, candidate rankings and unprojected reasons, and
optionally the gold target spans) into a JSON-ready record; `error_counts` sums the verdicts of
many records into ``projection/errors_<kind>`` metrics.

Verdicts (against the gold target spans G of the sentence; ``None`` everywhere when there is no gold):

Each *projected target span* p gets exactly one of, checked in this order:

- ``exact``: some g in G has p's start, end and type;
- ``type``: some g in G has p's start and end but another type;
- ``boundary``: some g in G of p's type overlaps p (their boundaries differ);
- ``spurious``: none of the above — p overlaps no gold span, or only gold spans of another type
  with other boundaries (wrong on both counts).

Each *source entity* gets the verdict of the target span it was assigned, or ``missed`` when it was
not projected (its ``reason`` says why: ``unaligned``, ``below_ratio``, ``conflict``, ...).

Gold spans no projected span claims (as the ``g`` of an exact, type or boundary verdict) are listed
as ``unmatched_gold``: recall lost to missed entities, to projections that went astray, and to gold
entities with no source counterpart.

`error_counts` counts ``exact``/``type``/``boundary``/``spurious`` over projected spans (they add up
to the number of projected spans; ``exact`` are seqeval's true positives), ``missed`` over source
entities, and ``gold_unmatched`` over gold spans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from xner.data.types import Link, Span

VERDICTS = ("exact", "boundary", "type", "missed", "spurious")
SPAN_VERDICTS = ("exact", "type", "boundary", "spurious")
RANKING_SIZE = 3


def span_verdict(span: Span, gold: Sequence[Span]) -> tuple[str, Span | None]:
    """The verdict of one projected span against the gold spans, and the gold span it refers to.

    For ``boundary``, the same-type gold span with the largest overlap (the first on a tie)."""
    for g in gold:
        if (g.start, g.end, g.label) == (span.start, span.end, span.label):
            return "exact", g
    for g in gold:
        if (g.start, g.end) == (span.start, span.end):
            return "type", g
    best, best_overlap = None, 0
    for g in gold:
        if g.label == span.label and g.overlaps(span):
            overlap = min(g.end, span.end) - max(g.start, span.start)
            if overlap > best_overlap:
                best, best_overlap = g, overlap
    if best is not None:
        return "boundary", best
    return "spurious", None


def _span(s: Span | None) -> list | None:
    return None if s is None else [s.start, s.end, s.label]


def explain_sentence(
    src_words: Sequence[str],
    tgt_words: Sequence[str],
    links: Iterable[Link],
    src_spans: Sequence[Span],
    tgt_spans: Sequence[Span],
    assignment: Sequence[Span | None],
    *,
    scores: Sequence[float | None] | None = None,
    rankings: Sequence[Sequence[tuple[int, int, float]]] | None = None,
    reasons: Sequence[str | None] | None = None,
    gold: Sequence[Span] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One sentence's record (JSON-ready; spans as ``[start, end, type]``, end exclusive).

    `assignment[i]` is source entity i's target span (None: not projected), `scores[i]` the score
    it was chosen with, `rankings[i]` its best candidates ``(start, end, score)``, best first (the
    chosen one and the runner-up, for matching), `reasons[i]` why it was not projected. `meta`
    (e.g. ``{"i": 3, "id": ..., "where": "file:line"}``) is copied into the record first.
    """
    n = len(src_spans)
    if len(assignment) != n:
        raise ValueError(f"{len(assignment)} assignments for {n} source entities")
    gold_list = None if gold is None else sorted(gold)
    projected = []
    claimed: set[Span] = set()
    verdict_of: dict[Span, tuple[str | None, Span | None]] = {}
    for span in sorted(set(tgt_spans) | {a for a in assignment if a is not None}):
        verdict, g = (None, None) if gold_list is None else span_verdict(span, gold_list)
        if g is not None:
            claimed.add(g)
        verdict_of[span] = (verdict, g)
        owners = [i for i, a in enumerate(assignment) if a == span]
        projected.append({"span": _span(span), "owners": owners, "verdict": verdict, "gold": _span(g)})
    entities = []
    for i, (src, tgt) in enumerate(zip(src_spans, assignment, strict=True)):
        if tgt is None:
            verdict, g = (None if gold_list is None else "missed"), None
        else:
            verdict, g = verdict_of[tgt]
        ranking = [] if rankings is None else [[int(s), int(e), round(float(sc), 4)] for s, e, sc in rankings[i]]
        score = None if scores is None or scores[i] is None else round(float(scores[i]), 4)
        reason = None if tgt is not None or reasons is None else reasons[i]
        entities.append(
            {
                "src": _span(src),
                "tgt": _span(tgt),
                "score": score,
                "ranking": ranking,
                "reason": reason,
                "verdict": verdict,
                "gold": _span(g),
            }
        )
    record: dict[str, Any] = dict(meta or {})
    record.update(
        {
            "src": list(src_words),
            "tgt": list(tgt_words),
            "links": sorted([int(a), int(b)] for a, b in links),
            "entities": entities,
            "projected": projected,
            "gold": None if gold_list is None else [_span(g) for g in gold_list],
            "unmatched_gold": None if gold_list is None else [_span(g) for g in gold_list if g not in claimed],
        }
    )
    return record


def error_counts(records: Iterable[Mapping[str, Any]]) -> Counter:
    """Verdict counts over records with gold: span verdicts over projected spans, ``missed`` over
    source entities, ``gold_unmatched`` over gold spans no projected span claims."""
    counts: Counter = Counter({k: 0 for k in (*VERDICTS, "gold_unmatched")})
    for rec in records:
        if rec.get("gold") is None:
            continue
        counts.update(p["verdict"] for p in rec["projected"])
        counts["missed"] += sum(e["verdict"] == "missed" for e in rec["entities"])
        counts["gold_unmatched"] += len(rec["unmatched_gold"])
    return counts


def error_metrics(records: Iterable[Mapping[str, Any]], prefix: str = "projection") -> dict[str, float]:
    """``<prefix>/errors_<kind>`` for every kind in `error_counts` (empty when no record has gold)."""
    records = list(records)
    if not any(r.get("gold") is not None for r in records):
        return {}
    return {f"{prefix}/errors_{k}": float(v) for k, v in sorted(error_counts(records).items())}


def sentence_verdicts(record: Mapping[str, Any]) -> set[str]:
    """The verdicts present in one record (for filtering): span verdicts and ``missed``."""
    out = {p["verdict"] for p in record["projected"] if p["verdict"]}
    out |= {e["verdict"] for e in record["entities"] if e["verdict"] == "missed"}
    return out
