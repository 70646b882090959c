"""`task=model_transfer`: the zero-shot baseline every table compares against.

Fine-tune `model` on the English labelled set (`task.source_data`, or the source side of a
parallel `data` split by `task.parallel_split`) and predict the target test set directly — or,
with `task.pretrained=<dir or hub id>`, skip training and evaluate an already fine-tuned tagger.
Metrics: `test/*` (seqeval, `task.seqeval_mode`), `train/*`; writes predictions.conll and (with
`trainer.save_model`) the fine-tuned model to the run dir.
"""

from __future__ import annotations

import logging

from xner.ner.encoding import reconcile_labels
from xner.pipeline.context import RunContext
from xner.pipeline.training import apply_threads, choose_dev, evaluate_tagger, load_task_data, train_and_evaluate

log = logging.getLogger(__name__)


def run(ctx: RunContext) -> dict[str, float]:
    cfg, task = ctx.cfg, ctx.cfg.task
    apply_threads(cfg)
    data = load_task_data(cfg)
    if task.get("pretrained"):
        from xner.ner.tagger import SourceTagger

        device = "cuda" if cfg.trainer.accelerator == "gpu" else "cpu"
        with SourceTagger(str(task.pretrained), batch_size=int(cfg.trainer.eval_batch_size), device=device) as tagger:
            types = {lab[2:] for lab in tagger.labels if lab != "O"}
            policy = reconcile_labels(
                types,
                {t[2:] for s in data.test for t in (s.tags or ()) if t != "O"},
                label_map=dict(task.get("label_map") or {}),
                policy=task.get("label_policy", "intersect"),
            )
            tagger.label_map = policy.mapping
            log.info("evaluating the fine-tuned tagger %s (no training)", task.pretrained)
            return {**evaluate_tagger(ctx, tagger, data.test), **policy.report()}
    train, dev = choose_dev(
        data.source, str(task.get("dev", "source")), size=float(task.get("dev_size", 0.1)), seed=int(cfg.seed),
        source_dev=data.source_dev, gold_dev=data.target_dev,
    )
    return train_and_evaluate(ctx, train, dev, data.test)
