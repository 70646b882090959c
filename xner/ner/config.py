"""What `conf/model/*.yaml` and `conf/trainer/*.yaml` build: plain settings, no torch import.

The Lightning module and Trainer are built from these by `xner.ner.train` only when a task trains,
so composing or validating a config never loads torch.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from xner.errors import ConfigError


@dataclass(frozen=True)
class ModelSpec:
    """The NER backbone and its optimisation.

    Args:
        name: hub id, local dir, ``offline:multilingual-e5-small`` or ``tiny:<seed>``.
        learning_rate: AdamW peak learning rate (linear warm-up, then linear decay to 0).
        weight_decay: AdamW weight decay (not on biases and LayerNorm weights).
        warmup_ratio: fraction of the optimisation steps spent warming up.
        max_length: subwords per training window; longer sentences are split at word boundaries.
        freeze_embeddings: keep the (large, multilingual) word-embedding matrix fixed.
        classifier_dropout: dropout before the classification layer (null: the model's default).
        num_layers: keep only the first N transformer layers (null: all) — cheaper on CPU.
        freeze_layers: freeze the embeddings and the first N transformer layers (0: none).
    """

    name: str = "FacebookAI/xlm-roberta-large"
    learning_rate: float = 2e-5
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_length: int = 256
    freeze_embeddings: bool = False
    classifier_dropout: float | None = None
    num_layers: int | None = None
    freeze_layers: int = 0

    def __post_init__(self) -> None:
        if self.learning_rate <= 0:
            raise ConfigError(f"model.learning_rate must be > 0, got {self.learning_rate}")
        if not 0 <= self.warmup_ratio < 1:
            raise ConfigError(f"model.warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.max_length < 8:
            raise ConfigError(f"model.max_length must be ≥ 8 subwords, got {self.max_length}")
        if self.freeze_layers < 0 or (self.num_layers is not None and self.freeze_layers >= self.num_layers):
            raise ConfigError(
                f"model.freeze_layers={self.freeze_layers} must be ≥ 0 and below model.num_layers={self.num_layers}"
            )

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class TrainerSpec:
    """Lightning Trainer settings plus batching, early stopping and checkpointing.

    Args:
        accelerator / devices / strategy / precision: passed to `pytorch_lightning.Trainer`
            (``trainer=gpu`` uses bf16-mixed, ``trainer=ddp`` all visible GPUs).
        max_epochs / max_steps: training length (max_steps=-1: epochs decide).
        batch_size: sentences (windows) per optimisation step per device.
        eval_batch_size: sentences per forward pass for validation and test prediction.
        accumulate_grad_batches / gradient_clip_val: as in Lightning.
        early_stopping_patience: validation rounds without dev-F1 gain before stopping (0: never).
        group_by_length: batches of similar length (less padding), shuffled in mega-batches.
        num_workers: DataLoader workers (0: in-process; deterministic).
        deterministic: torch deterministic algorithms.
        val_check_interval: validate every N epochs-fraction (float) or N steps (int).
        limit_train_batches: cap on batches per epoch (smoke runs), null for all.
        log_every_n_steps: metrics to the logger (W&B) every N steps.
        enable_progress_bar: Lightning's progress bar, shown only when stderr is a terminal.
        progress_every_n_steps: without the bar (a log file, a batch job, or the bar disabled), log
            epoch, step, rate and remaining time every N optimisation steps (0: never).
        save_model: write the best model (HF format) to ``<run dir>/model`` for reuse as a tagger.
        resume: keep a full checkpoint (weights, optimizer, scheduler, loop, callback and RNG
            states) after every epoch under ``<paths.cache_dir>/train_state/<key>/``, keyed by the
            training data and these settings; a rerun of a killed job continues from the last
            finished epoch and ends with the same model as an uninterrupted run. Deleted when the
            task finishes. false: checkpoints only in the run dir, a rerun starts over.
        num_threads: torch CPU threads for the whole task (null: torch's default). 1 is much faster
            on a machine shared with other jobs (no OpenMP threads spin-waiting for a busy core).
    """

    accelerator: str = "cpu"
    devices: int | str = 1
    strategy: str = "auto"
    precision: str = "32-true"
    max_epochs: int = 3
    max_steps: int = -1
    batch_size: int = 16
    eval_batch_size: int = 64
    accumulate_grad_batches: int = 1
    gradient_clip_val: float | None = 1.0
    early_stopping_patience: int = 3
    group_by_length: bool = True
    num_workers: int = 0
    deterministic: bool = True
    val_check_interval: float | int = 1.0
    limit_train_batches: float | int | None = None
    log_every_n_steps: int = 10
    enable_progress_bar: bool = True
    progress_every_n_steps: int = 20
    save_model: bool = True
    resume: bool = True
    num_threads: int | None = None

    def __post_init__(self) -> None:
        if self.batch_size < 1 or self.eval_batch_size < 1:
            raise ConfigError("trainer.batch_size and trainer.eval_batch_size must be ≥ 1")
        if self.progress_every_n_steps < 0:
            raise ConfigError(f"trainer.progress_every_n_steps must be ≥ 0, got {self.progress_every_n_steps}")
        if self.max_epochs < 1 and self.max_steps < 1:
            raise ConfigError("trainer.max_epochs or trainer.max_steps must be ≥ 1")

    def to_dict(self) -> dict:
        return asdict(self)
