"""The task wiring of projection through translation with markers (`projection=marker`,
EasyProject) and of the seed's back-translation refinement (`projection.backtranslation=true`).

- `marker_train_set`: translate-train with ``projection=marker`` — the run's translator and
  `MarkerProjector` (`xner.translate.marker_projection`) turn labelled source sentences into
  training sentences, with the marked translations as a run artifact.
- `backtranslation_inputs` / `refined_inputs`: the marked translation, aligned monolingually with the
  original target sentence by the configured aligner, gives one `ProjectionInput` per sentence whose
  source side is the labelled back-translation; the configured heuristic or matching projector then
  projects those (`xner.pipeline.stages.project_batch(..., refined=...)`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xner.data.types import Sentence, Span
from xner.errors import ConfigError
from xner.project.base import ProjectionInput
from xner.translate.base import LangLike, Translator
from xner.translate.codes import as_language
from xner.translate.marker_projection import MarkerProjector, summarize_markers, translate_with_markers

log = logging.getLogger(__name__)


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
        ProjectionInput(
            tuple(r.spans), len(r.words), tuple(t.words), lk, t.origin or t.id or f"pair {k}", tuple(r.words)
        )
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
    from xner.pipeline.translation import open_translator

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

    from xner.pipeline.translation import open_translator

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
