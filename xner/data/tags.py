"""IOB2 tag validation and repair, label-set mapping; the tags ⇄ spans conversion
(`tags_to_spans`, `spans_to_tags`, seqeval's `get_entities`) is `xner.data.spans`, re-exported here.

Validation is stricter and explicit: an `I-` that starts an
entity is repaired to `B-` with a logged warning, or rejected when `strict=True`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence

from xner.data.spans import Span, spans_to_tags, tags_to_spans
from xner.errors import DataFormatError

__all__ = ["check_tags", "map_spans", "map_tags", "spans_to_tags", "tags_to_spans"]

log = logging.getLogger(__name__)

TAG_RE = re.compile(r"^(O|[BI]-[A-Za-z][A-Za-z0-9_]*)$")


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
