"""`task=projection_eval`: project gold source entities onto the human target side and score them.

Data: a parallel dataset with gold tags on both sides (`data=europarl_ner lang=de|es|it`, or
`data=parallel_conll data.source_file=... data.target_file=...`). Flow: align (cached per pair) →
project (`projection=heuristic|matching`) → seqeval against the target gold (mode from
`task.seqeval_mode`). Writes ``projected.conll`` (target words, projected tags) and, unless
``task.explain=false``, ``projection.jsonl.gz`` (per-sentence records with error verdicts; see
`xner.pipeline.explain`) into the run dir.
"""

from __future__ import annotations

import logging
import time

from xner.data.conll import write_conll
from xner.data.loaders import load_parallel
from xner.data.tags import spans_to_tags
from xner.data.types import Sentence
from xner.errors import ConfigError
from xner.evaluate.metrics import ner_metrics
from xner.pipeline import explain, stages
from xner.pipeline.context import RunContext

log = logging.getLogger(__name__)


def run(ctx: RunContext) -> dict[str, float]:
    cfg = ctx.cfg
    if cfg.get("projection") is not None and cfg.projection.get("backtranslation", False):
        raise ConfigError(
            "projection.backtranslation=true needs a translator, and task=projection_eval projects onto "
            "human translations; set projection.backtranslation=false (or use translate_test/translate_train)"
        )
    pairs = load_parallel(cfg)
    log.info("projection_eval: %d sentence pairs", len(pairs))

    started = time.perf_counter()
    with stages.open_aligner(cfg) as aligner:
        links = stages.align_pairs(ctx, aligner, [p.source.words for p in pairs], [p.target.words for p in pairs])
        backend_metrics = aligner.metrics() if hasattr(aligner, "metrics") else {}  # align/backend_fallback
    align_seconds = time.perf_counter() - started

    inputs = stages.make_inputs(pairs, links)
    with stages.open_projector(cfg) as projector:
        batch = stages.project_batch(projector, inputs)
        is_matching = hasattr(projector, "matcher")

    predicted = [spans_to_tags(p.spans, len(pair.target)) for p, pair in zip(batch.projections, pairs, strict=True)]
    gold = [list(pair.target.tags or ()) for pair in pairs]
    mode = cfg.task.get("seqeval_mode", "default")
    metrics = ner_metrics(gold, predicted, prefix="projection", mode=mode)
    gold_entities = sum(len(pair.target.spans) for pair in pairs)
    metrics["projection/ratio"] = batch.stats.tgt_spans / gold_entities if gold_entities else 0.0
    metrics.update(batch.stats.as_metrics("projection"))
    metrics["projection/seconds"] = batch.seconds
    metrics["align/seconds"] = align_seconds
    metrics.update(backend_metrics)
    if is_matching:
        metrics["matching/objective"] = batch.stats.objective

    metrics.update(
        explain.explain_and_write(
            cfg,
            ctx.output_dir,
            batch.inputs,
            batch.projections,
            gold=[pair.target.spans if pair.target.tags is not None else None for pair in pairs],
            ids=[pair.target.id for pair in pairs],
        )
    )

    out = ctx.output_dir / "projected.conll"
    write_conll(
        out,
        [
            Sentence(pair.target.words, tuple(tags), pair.target.id, pair.target.origin)
            for pair, tags in zip(pairs, predicted, strict=True)
        ],
    )
    log.info("projected target file: %s", out)
    return metrics
