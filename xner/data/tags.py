"""IOB2 tags ⇄ spans, tag validation and repair, label-set mapping.

Span extraction is seqeval's `get_entities` (conlleval semantics: an `I-X` after `O` or after
another type starts a new entity). Validation is stricter and explicit: an `I-` that starts an
entity is repaired to `B-` with a logged warning, or rejected when `strict=True`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence

from seqeval.metrics.sequence_labeling import get_entities

from xner.data.types import Span
from xner.errors import DataFormatError

log = logging.getLogger(__name__)

TAG_RE = re.compile(r"^(O|[BI]-[A-Za-z][A-Za-z0-9_]*)$")


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


def check_tags(
    tags: Sequence[str],
    where: Sequence[str],
    *,
    labels: Iterable[str] | None = None,
    strict: bool = False,
) -> tuple[list[str], int]:
    """Validate IOB2 tags; return (tags, number of repairs).

    `where[i]` names the origin of tag i (``file:line``) for error messages (each repair is logged at
    DEBUG; callers log one summary). Unknown tag shapes or
    labels outside `labels` raise DataFormatError. An `I-X` not preceded by `B-X`/`I-X` is the
    field's common annotation slip: repaired to `B-X` (logged) unless `strict`.
    """
    allowed = set(labels) if labels is not None else None
    out = list(tags)
    repairs = 0
    prev = "O"
    for i, tag in enumerate(out):
        if not TAG_RE.match(tag):
            raise DataFormatError(f"{where[i]}: invalid tag {tag!r}; expected O, B-<TYPE> or I-<TYPE>")
        if tag != "O":
            prefix, label = tag.split("-", 1)
            if allowed is not None and label not in allowed:
                raise DataFormatError(
                    f"{where[i]}: unknown entity type {label!r}; expected one of {sorted(allowed)}"
                )
            if prefix == "I" and (prev == "O" or prev[2:] != label):
                if strict:
                    raise DataFormatError(
                        f"{where[i]}: {tag!r} does not continue an entity (previous tag {prev!r}); "
                        "set data.strict=false to repair it to B-"
                    )
                log.debug("%s: %s starts an entity; repaired to B-%s", where[i], tag, label)
                out[i] = f"B-{label}"
                repairs += 1
        prev = out[i]
    return out, repairs


def map_spans(spans: Iterable[Span], mapping: Mapping[str, str | None]) -> list[Span]:
    """Rename entity types; a type mapped to None (or "O") is dropped. Unmapped types pass through."""
    out = []
    for span in spans:
        label = mapping.get(span.label, span.label)
        if label is None or label == "O":
            continue
        out.append(Span(span.start, span.end, label))
    return out


def map_tags(tags: Sequence[str], mapping: Mapping[str, str | None]) -> list[str]:
    """`map_spans` on a tag sequence."""
    return spans_to_tags(map_spans(tags_to_spans(tags), mapping), len(tags))
