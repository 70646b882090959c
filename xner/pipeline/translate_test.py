"""`task=translate_test` (the seed paper's evaluation).

Target-language test sentences → English (`translator`, cached per sentence) → tagged by the
source tagger (`tagger`) → aligned with the original target words (`aligner`, cached per pair) →
English entities projected back onto the ORIGINAL target words (`projection`) → scored against the
target gold (seqeval, `task.seqeval_mode`). With ``projection.backtranslation=true`` the English
entities are first carried back into the target language by translating the English with markers
(the seed's refinement); ``projection=marker`` places the marked back-translation's spans on the
target words by fuzzy matching, with no aligner. Writes ``translations.<lang>-en.jsonl``,
``predictions.conll`` (target words, projected tags) and, unless ``task.explain=false``,
``projection.jsonl.gz`` (per-sentence records with error verdicts) into the run directory.
"""

from __future__ import annotations

import logging
import time

from hydra.utils import instantiate

from xner.cache import fingerprint
from xner.data.conll import write_conll
from xner.data.loaders import build_dataset
from xner.data.tags import spans_to_tags
from xner.data.types import Sentence, SentencePair
from xner.evaluate.metrics import ner_metrics
from xner.pipeline import explain
from xner.pipeline.context import RunContext
from xner.pipeline.stages import align_pairs, make_inputs, open_projector, project_batch
from xner.pipeline.translation import TranslationScorer, open_translator, translate_sentences, translation_metrics
from xner.project.base import ProjectionInput, ProjectionStats
from xner.translate.codes import as_language

log = logging.getLogger(__name__)


def _tag(ctx: RunContext, words: list[list[str]]) -> list:
    """Source-tagger predictions on the English translations, cached by tagger config and input."""
    from xner.data.types import Span

    tagger = instantiate(ctx.cfg.tagger)
    config = tagger.cache_config() if hasattr(tagger, "cache_config") else {"tagger": str(ctx.cfg.tagger)}
    try:
        raw = ctx.cache.get_or_compute(
            "tag", config, fingerprint(words),
            lambda: [[(s.start, s.end, s.label) for s in spans] for spans in tagger.predict(words)],
        )
    finally:
        if hasattr(tagger, "close"):
            tagger.close()
    return [[Span(*x) for x in spans] for spans in raw]


def run(ctx: RunContext) -> dict[str, float]:
    cfg = ctx.cfg
    task = cfg.task
    split = task.get("split", "test")
    target = build_dataset(cfg).load(split)
    tgt_lang = as_language(cfg.lang)
    en = as_language(task.get("source_lang", "en"))
    projection = cfg.projection
    marker = str(projection.get("_target_", "")).endswith("MarkerProjector")
    backtranslation = bool(projection.get("backtranslation", False))
    weights = projection.get("weights") or {}
    score_translation = bool(weights.get("translation", 0.0))
    log.info("translate_test: %d %s sentences (%s split), %s → %s", len(target), tgt_lang.code, split,
             tgt_lang.code, en.code)
    metrics: dict[str, float] = {"test/sentences": float(len(target))}

    with open_translator(cfg) as translator:
        translator.check_languages(tgt_lang, en)
        if marker or backtranslation or score_translation:
            translator.check_languages(en, tgt_lang)
        started = time.perf_counter()
        english = translate_sentences(ctx, translator, target, tgt_lang, en)
        metrics["translate/seconds"] = time.perf_counter() - started
        translator.close()  # release the model while the tagger runs; reloaded on demand (markers, scores)

        started = time.perf_counter()
        en_spans = _tag(ctx, english)
        metrics["tag/seconds"] = time.perf_counter() - started
        metrics["tag/entities"] = float(sum(len(s) for s in en_spans))

        refined = None
        if marker:
            with open_projector(cfg) as projector:
                _, projections = projector.project_with(
                    translator, english, en_spans, en, tgt_lang, targets=[t.words for t in target],
                    cache=ctx.cache, artifact=ctx.output_dir / f"marked.{en.code}-{tgt_lang.code}.jsonl",
                )
                metrics.update(projector.metrics)
            stats = ProjectionStats()
            stats.sentences = len(target)
            stats.src_entities = sum(len(s) for s in en_spans)
            for p in projections:
                stats.projected += sum(a is not None for a in p.assignment)
                stats.tgt_spans += len(p.spans)
                stats.unprojected.update(p.unprojected)
            predicted_spans = [p.spans for p in projections]
            marker_inputs = [
                ProjectionInput(tuple(sp), len(w), tuple(t.words), frozenset(), t.origin or t.id, tuple(w))
                for w, sp, t in zip(english, en_spans, target, strict=True)
            ]
            explained = (marker_inputs, projections)
        else:
            aligner = instantiate(cfg.aligner)
            try:
                started = time.perf_counter()
                links = align_pairs(ctx, aligner, english, [t.words for t in target])
                if backtranslation:
                    from xner.pipeline.markers import backtranslation_inputs

                    refined, bt_metrics = backtranslation_inputs(
                        ctx, translator, aligner, english, en_spans, target, en, tgt_lang
                    )
                    metrics.update(bt_metrics)
                    if not score_translation:
                        translator.close()
                metrics["align/seconds"] = time.perf_counter() - started
            finally:
                if hasattr(aligner, "close"):
                    aligner.close()
                del aligner
            pairs = [
                SentencePair(Sentence(tuple(w), None, f"{t.id}:en", f"translation of {t.origin}"), t)
                for w, t in zip(english, target, strict=True)
            ]
            inputs = make_inputs(pairs, links, src_spans=en_spans)
            scorers = {"translation": TranslationScorer(translator, english, en, tgt_lang, ctx.cache)} \
                if score_translation and not backtranslation else None
            with open_projector(cfg, scorers=scorers) as projector:
                batch = project_batch(projector, inputs, refined=refined)
            stats = batch.stats  # counts the entities lost in back-translation too (project_batch)
            predicted_spans = batch.spans
            explained = (batch.inputs, batch.projections)
            metrics["projection/seconds"] = batch.seconds
        metrics.update(translation_metrics(translator))

    predicted = [spans_to_tags(sp, len(t)) for sp, t in zip(predicted_spans, target, strict=True)]
    gold = [list(t.tags or ()) for t in target]
    metrics.update(ner_metrics(gold, predicted, prefix="test", mode=task.get("seqeval_mode", "default")))
    metrics.update(stats.as_metrics("projection"))
    gold_spans = [t.spans if t.tags is not None else None for t in target]
    metrics.update(explain.explain_and_write(cfg, ctx.output_dir, *explained, gold_spans, [t.id for t in target]))
    out = ctx.output_dir / "predictions.conll"
    write_conll(
        out, [Sentence(t.words, tuple(tags), t.id, t.origin) for t, tags in zip(target, predicted, strict=True)]
    )
    log.info("predictions: %s", out)
    return metrics
