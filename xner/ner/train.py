"""Fine-tuning: build the Lightning Trainer with its callbacks, fit, and return the best model.

Callbacks: ModelCheckpoint (best ``val/f1``, weights only), EarlyStopping on ``val/f1``,
LearningRateMonitor (when a logger is present), a token-throughput meter, and progress log lines
when no terminal shows the progress bar (`xner.ner.progress`). The W&B logger comes
from the run's tracker (`ctx.tracker.lightning_logger()`), so training curves land in the same run
as the final metrics. Without a dev set the model of the last step is used.

Resume (`state_dir`): a second ModelCheckpoint keeps ``last.ckpt`` — the full training state after
every epoch, random generators included (`RngStateCheckpoint`) — and a finished fit leaves
``finished.json``. A rerun continues from ``last.ckpt`` (or skips a finished fit), so a job killed
at any point ends with the model an uninterrupted run would have produced. Checkpoints are written
to a temporary file and renamed (`AtomicCheckpointIO`): a kill while saving keeps the previous one.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import Callback, EarlyStopping, LearningRateMonitor, ModelCheckpoint
from pytorch_lightning.plugins.io import TorchCheckpointIO

from xner.data.types import Sentence
from xner.errors import XnerError
from xner.hub import pin_config_version
from xner.ner.config import ModelSpec, TrainerSpec
from xner.ner.data import NerDataModule
from xner.ner.module import TokenClassifier
from xner.ner.progress import LogProgress, show_progress_bar

log = logging.getLogger(__name__)


class ThroughputMeter(Callback):
    """Counts real (non-padding) training tokens and wall time; logs ``train/tokens_per_s``."""

    def __init__(self) -> None:
        self.tokens = 0
        self.seconds = 0.0
        self._t0 = 0.0

    def on_train_batch_start(self, trainer: pl.Trainer, module: pl.LightningModule, batch: Any, idx: int) -> None:
        self._t0 = time.perf_counter()

    def on_train_batch_end(
        self, trainer: pl.Trainer, module: pl.LightningModule, outputs: Any, batch: Any, idx: int
    ) -> None:
        self.seconds += time.perf_counter() - self._t0
        self.tokens += int(batch["attention_mask"].sum())

    def on_train_epoch_end(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        if self.seconds > 0:
            module.log("train/tokens_per_s", self.tokens / self.seconds)

    @property
    def tokens_per_s(self) -> float:
        return self.tokens / self.seconds if self.seconds else 0.0


class RngStateCheckpoint(Callback):
    """Saves the python, numpy, torch and CUDA generator states in each checkpoint and restores them
    on resume, so the resumed epochs draw the same dropout masks as an uninterrupted run."""

    def state_dict(self) -> dict[str, Any]:
        kind, keys, pos, has_gauss, gauss = np.random.get_state()
        return {
            "python": random.getstate(),
            "numpy": [kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss, gauss],
            "torch": torch.get_rng_state(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        random.setstate(state["python"])
        kind, keys, pos, has_gauss, gauss = state["numpy"]
        np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, gauss))
        torch.set_rng_state(state["torch"])
        if state["cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["cuda"])


class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes each checkpoint to a temporary file, then renames it into place."""

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options: Any = None) -> None:
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp")
        super().save_checkpoint(checkpoint, tmp, storage_options)
        os.replace(tmp, path)


class _DropRecords(logging.Filter):
    def __init__(self, *needles: str) -> None:
        super().__init__()
        self.needles = needles

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(n in record.getMessage() for n in self.needles)


def quiet_lightning() -> None:
    """Silence two lines every fit would print: Lightning's advertisement for its cloud logger
    (``💡 Tip: ... litlogger``), and the FutureWarning that Lightning's own ``_pytree`` module
    triggers on torch ≥ 2.10 (``isinstance(treespec, LeafSpec)`` is deprecated) — Lightning's code,
    not ours, and harmless. Only those two messages; idempotent."""
    rank_zero = logging.getLogger("pytorch_lightning.utilities.rank_zero")
    if not any(isinstance(f, _DropRecords) for f in rank_zero.filters):
        rank_zero.addFilter(_DropRecords("litlogger"))
    import warnings

    warnings.filterwarnings(
        "ignore", message=r"`isinstance\(treespec, LeafSpec\)` is deprecated", category=FutureWarning
    )


@dataclass
class FitResult:
    model: Any  # the fine-tuned transformers model (best checkpoint), in eval mode, on CPU
    tokenizer: Any
    metrics: dict[str, float] = field(default_factory=dict)
    best_checkpoint: str | None = None
    is_global_zero: bool = True


def build_trainer(
    spec: TrainerSpec, output_dir: Path, logger: Any = None, has_dev: bool = True, state_dir: Path | None = None
) -> tuple[pl.Trainer, ModelCheckpoint | None, ThroughputMeter]:
    """The Lightning Trainer for `spec`, writing checkpoints under `state_dir` (resumable: the best
    and the last epoch's full state) or else ``output_dir/checkpoints`` (the best only)."""
    meter = ThroughputMeter()
    callbacks: list[Callback] = [meter]
    checkpoint = None
    checkpoint_dir = Path(state_dir) if state_dir is not None else Path(output_dir) / "checkpoints"
    if has_dev:
        checkpoint = ModelCheckpoint(
            dirpath=checkpoint_dir, filename="best", monitor="val/f1", mode="max",
            save_top_k=1, save_weights_only=True, enable_version_counter=False,
        )
        callbacks.append(checkpoint)
        if spec.early_stopping_patience > 0:
            callbacks.append(EarlyStopping(monitor="val/f1", mode="max", patience=spec.early_stopping_patience))
    if state_dir is not None:
        # After the best-model checkpoint in the list, so `last` holds its updated best score.
        callbacks.append(RngStateCheckpoint())
        callbacks.append(ModelCheckpoint(
            dirpath=checkpoint_dir, filename="last", monitor=None, save_top_k=1, every_n_epochs=1,
            save_on_train_epoch_end=True, enable_version_counter=False,
        ))
    if logger is not None:
        callbacks.append(LearningRateMonitor(logging_interval="step"))
    progress_bar = show_progress_bar(spec.enable_progress_bar)
    if not progress_bar and spec.progress_every_n_steps > 0:
        callbacks.append(LogProgress(spec.progress_every_n_steps))
    quiet_lightning()
    trainer = pl.Trainer(
        accelerator=spec.accelerator,
        devices=spec.devices,
        strategy=spec.strategy,
        precision=spec.precision,
        max_epochs=spec.max_epochs,
        max_steps=spec.max_steps,
        accumulate_grad_batches=spec.accumulate_grad_batches,
        gradient_clip_val=spec.gradient_clip_val,
        deterministic=spec.deterministic,
        val_check_interval=spec.val_check_interval if has_dev else None,
        limit_train_batches=spec.limit_train_batches,
        limit_val_batches=None if has_dev else 0,
        log_every_n_steps=spec.log_every_n_steps,
        enable_progress_bar=progress_bar,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        logger=logger if logger is not None else False,
        callbacks=callbacks,
        default_root_dir=str(output_dir),
        plugins=[AtomicCheckpointIO()],
    )
    return trainer, checkpoint, meter


def load_tokenizer(name: str) -> Any:
    from transformers import AutoTokenizer

    from xner.ner.models import resolve

    tok = AutoTokenizer.from_pretrained(resolve(name))
    if not tok.is_fast:
        raise XnerError(f"model.name={name!r}: a fast (Rust) tokenizer is required for word alignment of labels")
    return tok


def fine_tune(
    model_spec: ModelSpec,
    trainer_spec: TrainerSpec,
    labels: Sequence[str],
    train: Sequence[Sentence],
    dev: Sequence[Sentence] = (),
    *,
    output_dir: Path,
    logger: Any = None,
    seed: int = 0,
    state_dir: Path | None = None,
) -> FitResult:
    """Fine-tune `model_spec.name` on `train` (labels `labels`), selecting the best epoch on `dev`.

    With `state_dir` (unique to this training data and these settings) the fit is resumable: see the
    module docstring."""
    if not train:
        raise XnerError("no training sentences: the training set is empty (check the projection statistics)")
    pl.seed_everything(seed, workers=True, verbose=False)
    tokenizer = load_tokenizer(model_spec.name)
    dm = NerDataModule(
        tokenizer, labels, train, dev,
        batch_size=trainer_spec.batch_size, eval_batch_size=trainer_spec.eval_batch_size,
        max_length=model_spec.max_length, group_by_length=trainer_spec.group_by_length,
        num_workers=trainer_spec.num_workers, seed=seed,
    )
    dm.setup("fit")
    module = TokenClassifier(
        model_spec.name, labels, learning_rate=model_spec.learning_rate,
        weight_decay=model_spec.weight_decay, warmup_ratio=model_spec.warmup_ratio,
        freeze_embeddings=model_spec.freeze_embeddings, classifier_dropout=model_spec.classifier_dropout,
        num_layers=model_spec.num_layers, freeze_layers=model_spec.freeze_layers,
    )
    has_dev = bool(dm.dev_set)
    finished = Path(state_dir) / "finished.json" if state_dir is not None else None
    if finished is not None and finished.exists():
        return _finished_fit(module, tokenizer, finished)
    trainer, checkpoint, meter = build_trainer(trainer_spec, output_dir, logger, has_dev, state_dir)
    t0 = time.perf_counter()
    try:
        trainer.fit(module, datamodule=dm, ckpt_path=_resume_from(state_dir))
    except torch.cuda.OutOfMemoryError:
        raise XnerError(
            f"out of GPU memory with trainer.batch_size={trainer_spec.batch_size} and "
            f"model.max_length={model_spec.max_length}; lower them, e.g. "
            f"trainer.batch_size={max(1, trainer_spec.batch_size // 2)} "
            f"trainer.accumulate_grad_batches={2 * trainer_spec.accumulate_grad_batches}"
        ) from None
    seconds = time.perf_counter() - t0
    best = checkpoint.best_model_path if checkpoint is not None else ""
    metrics = {
        "train/seconds": seconds,
        "train/epochs": float(trainer.current_epoch),
        "train/steps": float(trainer.global_step),
        "train/tokens_per_s": meter.tokens_per_s,
        **dm.train_set.stats.as_metrics("train_data"),
    }
    if best:
        state = torch.load(best, map_location="cpu", weights_only=False)["state_dict"]
        module.load_trained_state(state)
        metrics["train/best_val_f1"] = float(checkpoint.best_model_score)
        log.info("best checkpoint %s (val/f1 %.4f)", best, metrics["train/best_val_f1"])
    if finished is not None and trainer.is_global_zero:
        from xner.cache import atomic_write_text

        atomic_write_text(finished, json.dumps({"metrics": metrics, "best": best}, sort_keys=True))
    model = module.model.to("cpu").eval()
    return FitResult(model, tokenizer, metrics, best or None, trainer.is_global_zero)


def _resume_from(state_dir: Path | None) -> str | None:
    """``last.ckpt`` of a killed fit of the same job, if there is one and it can be read."""
    last = Path(state_dir) / "last.ckpt" if state_dir is not None else None
    if last is None or not last.exists():
        return None
    try:
        epoch = torch.load(last, map_location="cpu", weights_only=False, mmap=True)["epoch"]
    except Exception as exc:  # written atomically, so only an outside change gets here
        log.warning("cannot read %s (%s); training from scratch", last, exc)
        return None
    log.info("resuming training from %s (after epoch %d)", last, epoch + 1)
    return str(last)


def _finished_fit(module: TokenClassifier, tokenizer: Any, finished: Path) -> FitResult:
    """The result of a fit this job already completed (killed later, e.g. while evaluating)."""
    record = json.loads(finished.read_text())
    if record["best"]:
        module.load_trained_state(torch.load(record["best"], map_location="cpu", weights_only=False)["state_dict"])
    else:
        last = torch.load(finished.with_name("last.ckpt"), map_location="cpu", weights_only=False)
        module.load_trained_state(last["state_dict"])
    log.info("training already finished in %s; reusing its model", finished.parent)
    return FitResult(module.model.to("cpu").eval(), tokenizer, record["metrics"], record["best"] or None)


def save_model(result: FitResult, path: Path) -> Path:
    """Write the fine-tuned model + tokenizer (transformers format): reusable as ``tagger.model``.

    Written into a temporary sibling directory that replaces `path` only when complete, so a job
    killed while saving never leaves a half-written model where a tagger would load it."""
    import shutil

    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    result.model.save_pretrained(tmp)
    result.tokenizer.save_pretrained(tmp)
    pin_config_version(tmp)  # no false "incorrect regex pattern" warning when it is loaded
    if path.exists():
        shutil.rmtree(path)
    tmp.rename(path)
    return path
