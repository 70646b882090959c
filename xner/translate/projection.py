"""Projection through translation with markers: `projection=marker` (EasyProject) and the inputs of
the seed's back-translation refinement (`projection.backtranslation=true`).

- `MarkerProjector`: source sentences are translated with ``[ ]`` around their entities and the
  labelled spans are read back (`xner.translate.markers`). In translate-train the marked translation
  *is* the projected sentence. In translate-test the labelled spans of the marked back-translation
  are located in the original target sentence by fuzzy string matching (no word aligner involved).
- `backtranslation_inputs`: the same marked translation, aligned monolingually with the original
  target sentence by the configured aligner, gives one `ProjectionInput` per sentence whose source
  side is the labelled back-translation; the configured heuristic or matching projector then projects
  those (`xner.pipeline.stages.project_batch(..., refined=...)`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xner.data.types import Sentence, Span
from xner.errors import ConfigError
from xner.project.base import ProjectionInput, SentenceProjection
from xner.translate.base import LangLike, Translator
from xner.translate.codes import as_language
from xner.translate.markers import MarkedResult, fuzzy_locate
from xner.translate.stage import summarize_markers, translate_with_markers

log = logging.getLogger(__name__)


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
            "xner.translate.projection.marker_train_set); this task projects through word alignments — use "
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


def backtranslation_inputs(
    ctx: Any,
    translator: Translator,
    aligner: Any,
    src_words: Sequence[Sequence[str]],
    src_spans: Sequence[Sequence[Span]],
    targets: Sequence[Sentence],
    src: LangLike,
    tgt: LangLike,
    *,
    min_similarity: float = 0.5,
    fallback: bool = True,
    fallback_similarity: float = 0.8,
) -> tuple[list[ProjectionInput], dict[str, float]]:
    """The seed's back-translation refinement: marked source → target language, spans read back,
    the labelled back-translation aligned monolingually with each original target sentence."""
    from xner.pipeline.stages import align_pairs

    s, t = as_language(src), as_language(tgt)
    results = translate_with_markers(
        translator, src_words, src_spans, s, t, cache=ctx.cache, min_similarity=min_similarity,
        fallback=fallback, fallback_similarity=fallback_similarity, what="back-translation",
        skip_without_entities=True, artifact=Path(ctx.output_dir) / f"backtranslation.{s.code}-{t.code}.jsonl",
    )
    metrics = {k.replace("markers/", "backtranslation/"): v
               for k, v in summarize_markers(results, "back-translation").items()}
    links = align_pairs(ctx, aligner, [r.words for r in results], [t.words for t in targets])
    inputs = [
        ProjectionInput(tuple(r.spans), len(r.words), tuple(t.words), lk, t.origin or t.id or f"pair {k}")
        for k, (r, t, lk) in enumerate(zip(results, targets, links, strict=True))
    ]
    return inputs, metrics


# -- config-level entry points for tasks (translate_train) ------------------------------------------
def marker_train_set(
    ctx: Any, sentences: Sequence[Sentence], src: LangLike, tgt: LangLike
) -> tuple[list[Sentence], dict[str, float]]:
    """``projection=marker`` in translate-train (EasyProject): each labelled source sentence is
    translated with markers; the translation (markers removed) with the labels read back is the
    training sentence. Sentences translated to nothing are dropped and counted."""
    from xner.data.tags import spans_to_tags
    from xner.pipeline.stages import open_projector
    from xner.translate.stage import open_translator

    with open_translator(ctx.cfg) as translator, open_projector(ctx.cfg) as projector:
        if not isinstance(projector, MarkerProjector):
            raise ConfigError("marker_train_set needs projection=marker")
        results, projections = projector.project_with(
            translator, [s.words for s in sentences], [s.spans for s in sentences], src, tgt, cache=ctx.cache,
            artifact=Path(ctx.output_dir) / f"marked.{as_code(src)}-{as_code(tgt)}.jsonl",
        )
        metrics = dict(projector.metrics)
    code = as_code(tgt)
    out, empty = [], 0
    for s, r, p in zip(sentences, results, projections, strict=True):
        if not r.words:
            empty += 1
            continue
        out.append(Sentence(tuple(r.words), tuple(spans_to_tags(p.spans, len(r.words))), f"{s.id}>{code}",
                            f"marked translation of {s.origin or s.id}"))
    metrics["markers/empty_translations"] = float(empty)
    return out, metrics


def refined_inputs(
    ctx: Any, pairs: Sequence[Any], src: LangLike, tgt: LangLike, src_spans: Sequence[Sequence[Span]] | None = None
) -> tuple[list[ProjectionInput], dict[str, float]]:
    """The back-translation refinement for `pairs` (source sentence with entities, target
    translation), with the run's translator and aligner: pass the result to
    ``project_batch(projector, inputs, refined=...)``. `src_spans` default to the source gold tags."""
    from hydra.utils import instantiate

    from xner.translate.stage import open_translator

    spans = [list(x) for x in src_spans] if src_spans is not None else [p.source.spans for p in pairs]
    aligner = instantiate(ctx.cfg.aligner)
    try:
        with open_translator(ctx.cfg) as translator:
            return backtranslation_inputs(
                ctx, translator, aligner, [p.source.words for p in pairs], spans, [p.target for p in pairs], src, tgt
            )
    finally:
        if hasattr(aligner, "close"):
            aligner.close()


def as_code(lang: LangLike) -> str:
    from xner.translate.codes import as_language

    return as_language(lang).code
