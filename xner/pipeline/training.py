"""What `translate_train` and `model_transfer` share: data selection, dev split, label policy,
fine-tuning through the run's tracker, and evaluation on the target test set.

Task options read here (``cfg.task``): ``source_data`` (a data config for the English labelled
set; null → the source side of a parallel ``data``), ``source_split``, ``parallel_split`` (with a
parallel ``data``: the first N pairs are training material, the rest the test set),
``test_split``, ``dev`` (``slice`` | ``source`` | ``gold`` | ``none``), ``dev_size``,
``label_policy``, ``label_map``, ``seqeval_mode``.
"""

from __future__ import annotations

import logging
import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig

from xner.data.conll import write_conll
from xner.data.loaders import NerDataset, ParallelNerDataset, build_dataset
from xner.data.tags import map_tags
from xner.data.types import Sentence, SentencePair
from xner.errors import ConfigError, XnerError
from xner.ner.encoding import entity_types, label_list, reconcile_labels

log = logging.getLogger(__name__)

DEV_POLICIES = ("slice", "source", "gold", "none")


@dataclass
class TaskData:
    """English labelled sentences (with an optional English dev set) and the target test/dev sets."""

    source: list[Sentence]
    source_dev: list[Sentence]
    test: list[Sentence]
    target_dev: list[Sentence]
    pairs: list[SentencePair] = field(default_factory=list)  # a parallel `data`'s training pairs


def _split(dataset: NerDataset, split: str | None) -> list[Sentence]:
    if not split:
        return []
    if split not in dataset.split_names:
        raise ConfigError(
            f"data={dataset.name} lang={dataset.lang} has no split {split!r}; available: {dataset.split_names}"
        )
    return dataset.load(split)


def load_task_data(cfg: DictConfig) -> TaskData:
    """Resolve the task's English training data and the target test set from the config."""
    task = cfg.task
    target = build_dataset(cfg)
    n = task.get("parallel_split")
    source_dev: list[Sentence] = []
    train_pairs: list[SentencePair] = []
    if isinstance(target, ParallelNerDataset):
        pairs = target.pairs()
        if n is None and task.get("pretrained"):
            n = 0  # an already fine-tuned tagger needs no training material: every pair is test
        if n is None or not (0 < int(n) < len(pairs) or (int(n) == 0 and task.get("pretrained"))):
            raise ConfigError(
                f"data={target.name} is a parallel corpus of {len(pairs)} sentence pairs: set "
                f"task.parallel_split=N (1..{len(pairs) - 1}) — the first N pairs are training "
                "material, the rest the test set"
            )
        n = int(n)
        test = [p.target for p in pairs[n:]]
        train_pairs = pairs[:n]
        target_dev: list[Sentence] = []
        if task.get("source_data") is None:
            source = [p.source for p in pairs[:n]]
        else:
            src_ds = instantiate(task.source_data, _convert_="all")
            source = _split(src_ds, task.get("source_split", "train"))
            source_dev = _split(src_ds, task.get("source_dev_split"))
    else:
        test = _split(target, task.get("test_split", "test"))
        target_dev = _split(target, "dev") if "dev" in target.split_names else []
        if task.get("source_data") is None:
            raise ConfigError(
                f"task.source_data is null but data={target.name} is not a parallel corpus; set "
                "task.source_data (e.g. the CoNLL-2003 English config) or use data=europarl_ner"
            )
        src_ds = instantiate(task.source_data, _convert_="all")
        source = _split(src_ds, task.get("source_split", "train"))
        source_dev = _split(src_ds, task.get("source_dev_split"))
    if not test:
        raise XnerError(f"the test set of data={target.name} lang={target.lang} is empty")
    log.info(
        "task data: %d source sentences, %d source dev, %d test, %d target dev",
        len(source), len(source_dev), len(test), len(target_dev),
    )
    return TaskData(source, source_dev, test, target_dev, train_pairs)


def apply_threads(cfg: DictConfig) -> None:
    """`trainer.num_threads` → torch's CPU thread count for the rest of the task."""
    n = cfg.get("trainer", {}).get("num_threads") if cfg.get("trainer") is not None else None
    if n:
        import torch

        torch.set_num_threads(int(n))
        log.info("torch CPU threads: %d (trainer.num_threads)", n)


def choose_dev(
    train: Sequence[Sentence],
    policy: str,
    *,
    size: float = 0.1,
    seed: int = 0,
    source_dev: Sequence[Sentence] = (),
    gold_dev: Sequence[Sentence] = (),
) -> tuple[list[Sentence], list[Sentence]]:
    """(train, dev) for model selection.

    ``slice``: a seeded random `size` fraction of the training sentences is held out (at least
    one, never all); ``source``: the given source-side dev set (e.g. projected or English dev);
    ``gold``: the target language's gold dev set; ``none``: no dev set (the last model is kept).
    """
    if policy not in DEV_POLICIES:
        raise ConfigError(f"task.dev={policy!r}; valid: {', '.join(DEV_POLICIES)}")
    train = list(train)
    if policy == "none":
        return train, []
    if policy == "slice":
        if not 0 < size < 1:
            raise ConfigError(f"task.dev_size must be a fraction in (0, 1), got {size}")
        if len(train) < 2:
            return train, []
        k = min(len(train) - 1, max(1, round(size * len(train))))
        held = set(random.Random(seed).sample(range(len(train)), k))
        return [s for i, s in enumerate(train) if i not in held], [s for i, s in enumerate(train) if i in held]
    dev = list(source_dev if policy == "source" else gold_dev)
    if not dev:
        raise ConfigError(
            f"task.dev={policy} but that dev set is empty or absent for this data; use task.dev=slice or none"
        )
    return train, dev


def relabel(sentences: Sequence[Sentence], mapping: dict[str, str | None]) -> list[Sentence]:
    if not mapping:
        return list(sentences)
    return [Sentence(s.words, tuple(map_tags(s.tags or (), mapping)), s.id, s.origin, s.meta) for s in sentences]


def train_and_evaluate(
    ctx: Any, train: Sequence[Sentence], dev: Sequence[Sentence], test: Sequence[Sentence]
) -> dict[str, float]:
    """Fine-tune `cfg.model` with `cfg.trainer` on `train` (dev: `dev`) and score it on `test`."""
    from xner.ner.train import fine_tune, save_model

    cfg = ctx.cfg
    task = cfg.task
    policy = reconcile_labels(
        entity_types(s.tags or () for s in train),
        entity_types(s.tags or () for s in test),
        label_map=dict(task.get("label_map") or {}),
        policy=task.get("label_policy", "intersect"),
    )
    train, dev = relabel(train, policy.mapping), relabel(dev, policy.mapping)
    if not policy.train_types:
        raise XnerError(
            "the training data has no entities (after the label policy): nothing to learn; check the "
            "projection statistics and task.label_map"
        )
    labels = label_list(policy.train_types)
    model_spec = instantiate(cfg.model)
    trainer_spec = instantiate(cfg.trainer)
    state_dir = training_state_dir(ctx, model_spec, trainer_spec, labels, train, dev)
    result = fine_tune(
        model_spec, trainer_spec, labels, train, dev,
        output_dir=ctx.output_dir, logger=ctx.tracker.lightning_logger(), seed=int(cfg.seed), state_dir=state_dir,
    )
    metrics = {**result.metrics, **policy.report(), "train/sentences": float(len(train)),
               "train/dev_sentences": float(len(dev))}
    if not result.is_global_zero:
        return metrics
    metrics.update(evaluate_model(ctx, result.model, result.tokenizer, test, trainer_spec))
    if trainer_spec.save_model:
        path = save_model(result, ctx.output_dir / "model")
        log.info("fine-tuned model saved to %s (use it as tagger.model=%s)", path, path)
    if result.best_checkpoint:
        shutil.rmtree(ctx.output_dir / "checkpoints", ignore_errors=True)  # the model dir supersedes it
    if state_dir is not None:
        shutil.rmtree(state_dir, ignore_errors=True)  # the job is done: nothing left to resume
    return metrics


# Trainer settings that change how a fit is displayed or saved, not the model it produces.
_NOT_IN_TRAINING_KEY = (
    "enable_progress_bar", "progress_every_n_steps", "log_every_n_steps", "save_model", "resume", "num_threads",
)


def training_state_dir(
    ctx: Any, model_spec: Any, trainer_spec: Any, labels: Sequence[str],
    train: Sequence[Sentence], dev: Sequence[Sentence],
) -> Path | None:
    """Where a resumable fit keeps its checkpoints: ``<cache>/train_state/<key>``, the key a hash of
    the training data, labels, seed and settings (None when `trainer.resume` or the cache is off)."""
    if not trainer_spec.resume or not ctx.cache.enabled:
        return None
    from xner.cache import fingerprint
    from xner.hub import local_weights_id

    config = {
        "model": model_spec.to_dict(),
        "weights": local_weights_id(model_spec.name),
        "trainer": {k: v for k, v in trainer_spec.to_dict().items() if k not in _NOT_IN_TRAINING_KEY},
        "labels": list(labels),
        "seed": int(ctx.cfg.seed),
    }
    data = fingerprint([("train", s.words, s.tags) for s in train] + [("dev", s.words, s.tags) for s in dev])
    return ctx.cache.root / "train_state" / ctx.cache.key("train_state", config, data)


def evaluate_model(ctx: Any, model: Any, tokenizer: Any, test: Sequence[Sentence], trainer_spec: Any) -> dict:
    """Predict the test set with a token-classification model; write predictions.conll; `test/*`."""
    from xner.ner.tagger import SourceTagger

    device = "cuda" if trainer_spec.accelerator == "gpu" else "cpu"
    tagger = SourceTagger.from_model(model.to(device), tokenizer, batch_size=trainer_spec.eval_batch_size)
    return evaluate_tagger(ctx, tagger, test)


def evaluate_tagger(ctx: Any, tagger: Any, test: Sequence[Sentence]) -> dict[str, float]:
    from xner.evaluate.metrics import ner_metrics

    pred = tagger.predict_tags([s.words for s in test])
    gold = [list(s.tags or ()) for s in test]
    metrics = ner_metrics(gold, pred, prefix="test", mode=ctx.cfg.task.get("seqeval_mode", "default"))
    metrics["test/sentences"] = float(len(test))
    metrics["test/windows_split"] = float(tagger.stats["windows_split"])
    write_conll(
        ctx.output_dir / "predictions.conll",
        [Sentence(s.words, tuple(p), s.id, s.origin) for s, p in zip(test, pred, strict=True)],
    )
    return metrics
