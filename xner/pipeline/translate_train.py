"""`task=translate_train` (the design card): build target-language training data by projection and
fine-tune on it.

Flow: English labelled sentences (`task.source_data`, or the source side of a parallel `data`
split by `task.parallel_split`) → translate into `lang` (`translator=nllb|...`, or offline
`translator=parallel|precomputed`) → align (cached per pair) → project (`projection=heuristic|
matching` with any candidates/matcher, optionally `projection.backtranslation=true`; or
`projection=marker`, EasyProject-style marker translation) → fine-tune `model` with `trainer`
→ score on the target test set.

The projected set is cached (keyed by everything that produced it) and written to the run dir as
``projected_train.conll`` (and ``projected_dev.conll`` with ``task.dev=source``), with the
per-sentence projection records in ``projection.jsonl.gz`` (off with ``task.explain=false``). With
``task.include_source=true`` the English source sentences (gold labels) join the projected ones
in training. Sentences whose
translation is empty are dropped and counted; with ``task.keep=complete`` sentences in which some
source entity was not projected — or, with ``projection.backtranslation=true``, did not come back
from the back-translation — are dropped too (counted) rather than trained on as "O".
Metrics: `test/*`, `projection/*` (statistics of the projection), `train/*`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from hydra.utils import instantiate
from omegaconf import OmegaConf

from xner.cache import fingerprint
from xner.data.conll import write_conll
from xner.data.tags import spans_to_tags
from xner.data.types import Sentence, SentencePair
from xner.errors import ConfigError, XnerError
from xner.pipeline import explain
from xner.pipeline.context import RunContext
from xner.pipeline.training import apply_threads, choose_dev, load_task_data, train_and_evaluate

log = logging.getLogger(__name__)

KEEP = ("all", "complete")


def _node(cfg: Any, key: str) -> Any:
    node = cfg.get(key)
    return None if node is None else OmegaConf.to_container(node, resolve=True)


def _src_lang(cfg: Any) -> str:
    return str(cfg.task.get("source_lang", "en"))


def translate(ctx: RunContext, sentences: Sequence[Sentence], name: str) -> list[list[str]]:
    """Translations through the cache; also written to ``translations_<name>.<src>-<tgt>.jsonl``."""
    from xner.pipeline.translation import open_translator, translate_sentences

    with open_translator(ctx.cfg) as translator:
        out = translate_sentences(
            ctx, translator, sentences, _src_lang(ctx.cfg), ctx.cfg.lang, artifact=f"translations_{name}"
        )
    return [list(w) for w in out]


def project_sentences(
    ctx: RunContext, sentences: Sequence[Sentence], name: str
) -> tuple[list[Sentence], dict, bytes | None]:
    """Translate, align and project `sentences`; returns target sentences with projected tags, the
    metrics and the gzip bytes of the projection records (None with ``task.explain=false``)."""
    from xner.pipeline.stages import align_pairs, make_inputs, open_projector, project_batch

    cfg = ctx.cfg
    keep = str(cfg.task.get("keep", "all"))
    if keep not in KEEP:
        raise ConfigError(f"task.keep={keep!r}; valid: {', '.join(KEEP)}")
    if str(cfg.projection.get("_target_", "")).endswith("MarkerProjector"):
        from xner.pipeline.markers import marker_train_set

        projected, metrics = marker_train_set(ctx, sentences, _src_lang(cfg), cfg.lang)
        metrics[f"projection/{name}_sentences"] = float(len(sentences))
        metrics[f"projection/{name}_kept_sentences"] = float(len(projected))
        return projected, metrics, None
    translations = translate(ctx, sentences, name)
    aligned, empty = [], 0
    for src, words in zip(sentences, translations, strict=True):
        if not words:
            empty += 1
            log.warning("%s: empty translation; sentence dropped", src.origin or src.id)
            continue
        tgt = Sentence(tuple(words), None, id=f"{src.id}>{cfg.lang.code}", origin=f"translation of {src.origin}")
        aligned.append(SentencePair(src, tgt))
    if cfg.get("aligner") is None:
        raise ConfigError("task=translate_train needs aligner=<option> (e.g. aligner=simalign)")
    aligner = instantiate(cfg.aligner)
    try:
        links = align_pairs(ctx, aligner, [p.source.words for p in aligned], [p.target.words for p in aligned])
    finally:
        if hasattr(aligner, "close"):
            aligner.close()
        del aligner
    refined, extra = None, {}
    if cfg.projection.get("backtranslation", False):
        from xner.pipeline.markers import refined_inputs

        refined, extra = refined_inputs(ctx, aligned, _src_lang(cfg), cfg.lang)
    with open_projector(cfg) as projector:
        batch = project_batch(projector, make_inputs(aligned, links), refined=refined)
    projected, incomplete = [], 0
    for pair, proj in zip(aligned, batch.projections, strict=True):
        # incomplete: an entity not projected, or lost in back-translation (never reached the projector)
        if any(a is None for a in proj.assignment) or proj.unprojected.get("backtranslation_lost"):
            incomplete += 1
            if keep == "complete":
                continue
        tags = tuple(spans_to_tags(proj.spans, len(pair.target)))
        projected.append(Sentence(pair.target.words, tags, pair.target.id, pair.target.origin))
    metrics = {**extra, **batch.stats.as_metrics("projection")}
    metrics.update({
        f"projection/{name}_sentences": float(len(sentences)),
        f"projection/{name}_empty_translations": float(empty),
        f"projection/{name}_incomplete_sentences": float(incomplete),
        f"projection/{name}_kept_sentences": float(len(projected)),
        "projection/seconds": batch.seconds,
    })
    built = explain.build(cfg, batch.inputs, batch.projections, ids=[p.source.id for p in aligned], split=name)
    if built is None:
        return projected, metrics, None
    metrics.update(built[1])
    return projected, metrics, built[0]


def cached_projection(ctx: RunContext, sentences: Sequence[Sentence], name: str) -> tuple[list[Sentence], dict]:
    """`project_sentences` through the artifact cache, keyed by every config that shapes its output;
    writes its projection records to ``projection.jsonl.gz`` (``projection_<name>.jsonl.gz`` for
    other sets than train)."""
    cfg = ctx.cfg
    key_cfg = {
        "lang": cfg.lang.code, "source_lang": _src_lang(cfg), "keep": cfg.task.get("keep", "all"),
        "explain": explain.enabled(cfg),
        **{g: _node(cfg, g) for g in ("translator", "aligner", "projection", "candidates", "matcher", "tagger")},
    }
    translator = key_cfg["translator"] or {}
    if str(translator.get("_target_", "")).endswith("ParallelTranslator") and not translator.get("source_file"):
        key_cfg["data"] = _node(cfg, "data")  # translator=parallel reads the run's parallel corpus
    if not str((key_cfg["candidates"] or {}).get("_target_", "")).endswith(".NerCandidates"):
        key_cfg.pop("tagger")  # the tagger only matters for candidates=ner
    projected, metrics, blob = ctx.cache.get_or_compute(
        "translate_train_projection", key_cfg, fingerprint(sentences),
        lambda: project_sentences(ctx, sentences, name),
    )
    if blob is not None:
        explain.write(ctx.output_dir, blob, explain.FILENAME if name == "train" else f"projection_{name}.jsonl.gz")
    return projected, metrics


def run(ctx: RunContext) -> dict[str, float]:
    cfg, task = ctx.cfg, ctx.cfg.task
    apply_threads(cfg)
    data = load_task_data(cfg)
    projected, metrics = cached_projection(ctx, data.source, "train")
    write_conll(ctx.output_dir / "projected_train.conll", projected)
    n_entities = sum(len(s.spans) for s in projected)
    metrics["projection/train_entities"] = float(n_entities)
    if not projected or n_entities == 0:
        raise XnerError(
            f"the projected training set is empty ({len(projected)} sentences, {n_entities} entities) — "
            "nothing to train on. Check the translations, the alignment and projection statistics "
            "(projection/*) or use task.keep=all"
        )
    policy = str(task.get("dev", "slice"))
    source_dev: list[Sentence] = []
    if policy == "source":
        if not data.source_dev:
            raise ConfigError("task.dev=source needs task.source_dev_split (an English dev set to project)")
        source_dev, dev_metrics = cached_projection(ctx, data.source_dev, "dev")
        write_conll(ctx.output_dir / "projected_dev.conll", source_dev)
        metrics.update({k: v for k, v in dev_metrics.items() if "/dev_" in k})
    training = list(projected)
    if task.get("include_source", False):
        # English + projected target, shuffled together by the trainer; the dev slice is drawn from both.
        training += list(data.source)
        metrics["train/source_sentences_added"] = float(len(data.source))
        log.info("training on %d projected + %d source sentences (task.include_source)", len(projected),
                 len(data.source))
    train, dev = choose_dev(
        training, policy, size=float(task.get("dev_size", 0.1)), seed=int(cfg.seed),
        source_dev=source_dev, gold_dev=data.target_dev,
    )
    ctx.tracker.log(metrics)
    metrics.update(train_and_evaluate(ctx, train, dev, data.test))
    return metrics
