"""Projection by translating with entity markers (EasyProject), as a library: translate sentences
with ``[ ]`` around their entities and read the labelled spans back (`translate_with_markers`,
`summarize_markers`), place those spans on other words of the same language (`locate_spans`), and
`MarkerProjector`, which ``projection=marker`` instantiates. In translate-train the marked
translation *is* the projected sentence; in translate-test the labelled spans of the marked
back-translation are located in the original target sentence by fuzzy string matching.

The task wiring (opening the run's translator and projector, run artifacts, the back-translation
refinement) is in `xner.pipeline.markers`.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from xner.cache import atomic_write_text
from xner.data.types import Span
from xner.errors import ConfigError
from xner.project.base import ProjectionInput, SentenceProjection
from xner.translate.base import LangLike, Translator
from xner.translate.codes import as_language
from xner.translate.files import ParallelTranslator, PrecomputedTranslator
from xner.translate.markers import MarkedResult, fuzzy_locate, insert_markers, read_marked

log = logging.getLogger(__name__)


def _needs_model(translator: Translator, what: str) -> None:
    if isinstance(translator, ParallelTranslator | PrecomputedTranslator):
        raise ConfigError(
            f"{what} translates text with entity markers, which translator={translator.name} cannot do; "
            "use a model translator (translator=nllb|m2m100|marian)"
        )


def translate_with_markers(
    translator: Translator,
    sentences: Sequence[Sequence[str]],
    spans: Sequence[Sequence[Span]],
    src: LangLike,
    tgt: LangLike,
    *,
    cache=None,
    min_similarity: float = 0.5,
    fallback: bool = True,
    fallback_similarity: float = 0.8,
    what: str = "projection=marker",
    skip_without_entities: bool = False,
    artifact: Path | None = None,
) -> list[MarkedResult]:
    """Translate sentences with ``[ ]`` around their entities and read the labelled spans back.

    Every distinct entity is also translated alone (batched, cached) to label the marked ranges
    (see `xner.translate.markers.read_marked`). `skip_without_entities`: sentences without entities
    are not translated (their result has no words) — for uses that only need the entities. `artifact`:
    a JSONL file recording, per sentence, the marked input, the raw output, and the spans read back.
    Summarise the outcome with `summarize_markers`."""
    _needs_model(translator, what)
    s, t = as_language(src), as_language(tgt)
    todo = [k for k, sp in enumerate(spans) if sp or not skip_without_entities]
    marked = {k: insert_markers(sentences[k], spans[k]) for k in todo}
    outputs = dict(zip(todo, translator.translate([marked[k] for k in todo], s, t, cache=cache), strict=True))
    phrases = list(dict.fromkeys(tuple(w[x.start : x.end]) for w, sp in zip(sentences, spans, strict=True)
                                 for x in sp))
    alone = dict(zip(phrases, translator.translate([list(p) for p in phrases], s, t, cache=cache), strict=True))
    results = []
    for k, (words, sp) in enumerate(zip(sentences, spans, strict=True)):
        ents = [list(words[x.start : x.end]) for x in sp]
        results.append(
            read_marked(outputs.get(k, []), ents, [x.label for x in sp], [alone[tuple(e)] for e in ents],
                        min_similarity=min_similarity, fallback=fallback, fallback_similarity=fallback_similarity)
        )
    if artifact is not None:
        atomic_write_text(artifact, "".join(
            json.dumps({"marked": marked.get(k), "output": outputs.get(k), "words": r.words,
                        "spans": [[x.start, x.end, x.label] for x in r.spans],
                        "unprojected": dict(r.unprojected), "issues": dict(r.issues)}, ensure_ascii=False) + "\n"
            for k, r in enumerate(results)
        ))
    return results


def summarize_markers(results: Sequence[MarkedResult], what: str) -> dict[str, float]:
    issues: Counter = Counter()
    lost: Counter = Counter()
    for r in results:
        issues.update(r.issues)
        lost.update(r.unprojected)
    entities = sum(len(r.assignment) for r in results)
    found = sum(sum(a is not None for a in r.assignment) for r in results)
    recovered = sum(r.recovered for r in results)
    failed = sum(1 for r in results if r.assignment and all(a is None for a in r.assignment))
    if failed or lost:
        log.warning(
            "%s: %d of %d entities read back (%d by fuzzy fallback); %d sentence(s) with entities had none "
            "read back (counted as unprojected); lost: %s; marker issues: %s",
            what, found, entities, recovered, failed, dict(lost), dict(issues),
        )
    else:
        log.info("%s: %d of %d entities read back (%d by fuzzy fallback)", what, found, entities, recovered)
    metrics = {"markers/entities": float(entities), "markers/read_back": float(found),
               "markers/fuzzy_recovered": float(recovered), "markers/sentences_unprojected": float(failed)}
    metrics.update({f"markers/lost_{k}": float(v) for k, v in lost.items()})
    metrics.update({f"markers/issue_{k}": float(v) for k, v in issues.items()})
    return metrics


def locate_spans(
    result: MarkedResult, target: Sequence[str], *, min_similarity: float = 0.6, max_extra: int = 2
) -> SentenceProjection:
    """Place the labelled spans of a marked translation on other words of the same language.

    Spans are placed best match first (difflib similarity of their texts), never overlapping; a span
    whose best free window scores below `min_similarity` stays unprojected."""
    n = len(result.assignment)
    assignment: list[Span | None] = [None] * n
    unprojected: Counter = Counter(result.unprojected)
    hits = []
    for k, span in enumerate(result.assignment):
        if span is None:
            continue
        hit = fuzzy_locate(result.words[span.start : span.end], target, max_extra=max_extra)
        hits.append((-(hit[2] if hit else 0.0), k, span))
    taken: list[tuple[int, int]] = []
    for _, k, span in sorted(hits):
        hit = fuzzy_locate(result.words[span.start : span.end], target, max_extra=max_extra, taken=taken)
        if hit is None or hit[2] < min_similarity:
            unprojected["not_found_in_target"] += 1
            continue
        assignment[k] = Span(hit[0], hit[1], span.label)
        taken.append((hit[0], hit[1]))
    spans = sorted(a for a in assignment if a is not None)
    return SentenceProjection(spans, assignment, 0.0, unprojected)


class MarkerProjector:
    """``projection=marker``: EasyProject-style projection by translating with entity markers.

    Args:
        min_similarity: least fuzzy similarity between a marked range and an entity (translated
            alone, or its own text) for the range to take that entity's label.
        fallback: find an entity whose markers were lost by fuzzy-matching its standalone translation.
        fallback_similarity: least similarity for that fallback (stricter: no markers to confirm it).
        locate_similarity: translate-test only — least similarity for placing a labelled span of the
            back-translation on the original target words.
    """

    uses_translator = True
    backtranslation = False

    def __init__(
        self,
        min_similarity: float = 0.5,
        fallback: bool = True,
        fallback_similarity: float = 0.8,
        locate_similarity: float = 0.6,
    ):
        for key, v in (("min_similarity", min_similarity), ("fallback_similarity", fallback_similarity),
                       ("locate_similarity", locate_similarity)):
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"projection.{key}={v} must lie in [0, 1]")
        self.min_similarity = min_similarity
        self.fallback = fallback
        self.fallback_similarity = fallback_similarity
        self.locate_similarity = locate_similarity
        self.metrics: dict[str, float] = {}

    def project(self, inputs: Sequence[ProjectionInput]) -> list[SentenceProjection]:
        raise ConfigError(
            "projection=marker projects by machine-translating the source with entity markers, so it needs "
            "a model translator: task=translate_test supports it (other tasks call "
            "xner.pipeline.markers.marker_train_set); this task projects through word alignments — use "
            "projection=heuristic or projection=matching"
        )

    def project_with(
        self,
        translator: Translator,
        src_words: Sequence[Sequence[str]],
        src_spans: Sequence[Sequence[Span]],
        src: LangLike,
        tgt: LangLike,
        *,
        targets: Sequence[Sequence[str]] | None = None,
        cache=None,
        artifact: Path | None = None,
    ) -> tuple[list[MarkedResult], list[SentenceProjection]]:
        """Translate with markers; project onto `targets` (translate-test) or onto the marked
        translations themselves (`targets` None: translate-train, EasyProject)."""
        results = translate_with_markers(
            translator, src_words, src_spans, src, tgt, cache=cache, min_similarity=self.min_similarity,
            fallback=self.fallback, fallback_similarity=self.fallback_similarity, what="projection=marker",
            skip_without_entities=targets is not None, artifact=artifact,
        )
        self.metrics = summarize_markers(results, "projection=marker")
        if targets is None:
            projections = [SentenceProjection(r.spans, r.assignment, 0.0, Counter(r.unprojected)) for r in results]
        else:
            projections = [locate_spans(r, t, min_similarity=self.locate_similarity)
                           for r, t in zip(results, targets, strict=True)]
        return results, projections
