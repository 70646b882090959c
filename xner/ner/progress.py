"""Training progress as log lines, for output that is not a terminal (a log file, a batch job).

Lightning's progress bar redraws one terminal line; written to a file it is noise, and with
``trainer.enable_progress_bar=false`` nothing at all shows between the per-epoch validation lines.
`LogProgress` logs one line every N optimisation steps — epoch, batch, step of the planned total,
elapsed, remaining time and rate formatted by tqdm (``tqdm.format_meter``), and the training loss.
The planned total is `Trainer.estimated_stepping_batches`; early stopping can end the fit sooner,
so the remaining time is an upper bound.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback

log = logging.getLogger(__name__)

_FORMAT = "{n_fmt}/{total_fmt} steps [{elapsed}<{remaining}, {rate_fmt}]"


def show_progress_bar(enabled: bool, stream: Any = None) -> bool:
    """The progress bar only where someone watches a terminal; elsewhere `LogProgress` logs."""
    stream = sys.stderr if stream is None else stream
    return enabled and bool(getattr(stream, "isatty", lambda: False)())


def format_progress(step: int, total: int, elapsed: float, initial: int = 0) -> str:
    """``"51/204 steps [01:10<03:30,  1.38s/step]"``: tqdm's own formatting, rate and remaining time
    (the rate over the steps since `initial`, those timed by `elapsed`)."""
    from tqdm import tqdm

    return tqdm.format_meter(step, total or None, elapsed, unit="step", bar_format=_FORMAT, initial=initial)


class LogProgress(Callback):
    """Logs training progress every `every_n_steps` optimisation steps (see the module docstring)."""

    def __init__(self, every_n_steps: int = 20) -> None:
        if every_n_steps < 1:
            raise ValueError(f"every_n_steps must be ≥ 1, got {every_n_steps}")
        self.every_n_steps = every_n_steps
        self._t0: float | None = None
        self._start_step = 0
        self._last_step = -1

    def on_train_start(self, trainer: pl.Trainer, module: pl.LightningModule) -> None:
        self._t0 = time.perf_counter()
        self._start_step = trainer.global_step  # a resumed fit times only its own steps
        self._last_step = trainer.global_step

    def on_train_batch_end(
        self, trainer: pl.Trainer, module: pl.LightningModule, outputs: Any, batch: Any, idx: int
    ) -> None:
        step = trainer.global_step
        if step == self._last_step or step % self.every_n_steps or not trainer.is_global_zero:
            return  # no optimiser step yet (gradient accumulation), not due, or not rank 0
        self._last_step = step
        elapsed = time.perf_counter() - (self._t0 if self._t0 is not None else time.perf_counter())
        total = max(int(trainer.estimated_stepping_batches), step)
        loss = trainer.callback_metrics.get("train/loss")
        batches = trainer.num_training_batches
        epochs = trainer.max_epochs if trainer.max_epochs and trainer.max_epochs > 0 else "?"  # max_steps fits
        log.info(
            "train: epoch %d/%s batch %d/%s, %s%s",
            trainer.current_epoch + 1, epochs, idx + 1,
            batches if batches != float("inf") else "?",
            format_progress(step, total, elapsed, initial=self._start_step),
            f", loss {float(loss):.4f}" if loss is not None else "",
        )
