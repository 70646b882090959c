"""The LightningModule: `AutoModelForTokenClassification` fine-tuned with AdamW and a linear schedule.

Loss on each word's first subword only (labels -100 elsewhere). Validation decodes the same
positions into IOB2 tags and computes seqeval entity-level metrics (conlleval "default" mode) over
the whole dev set once per validation round — gathered across processes under DDP — logged as
``val/f1``, ``val/precision``, ``val/recall`` (and ``val/loss``), which checkpointing and early
stopping monitor.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import pytorch_lightning as pl
import torch

from xner.errors import ConfigError
from xner.ner.encoding import IGNORE

log = logging.getLogger(__name__)


def load_token_classifier(
    name: str, labels: Sequence[str], classifier_dropout: float | None = None, num_layers: int | None = None
) -> Any:
    """`AutoModelForTokenClassification` for `labels` on top of `name` (head re-initialised if it differs).

    `num_layers` keeps only the first N transformer layers (the rest are not loaded).
    """
    from transformers import AutoConfig, AutoModelForTokenClassification

    from xner.ner.models import resolve

    path = resolve(name)
    id2label = dict(enumerate(labels))
    label2id = {lab: i for i, lab in id2label.items()}
    config = AutoConfig.from_pretrained(path, num_labels=len(labels), id2label=id2label, label2id=label2id)
    if classifier_dropout is not None:
        config.classifier_dropout = classifier_dropout
    if num_layers is not None:
        total = getattr(config, "num_hidden_layers", None)
        if total is None or not 0 < num_layers <= total:
            raise ConfigError(f"model.num_layers={num_layers}: {name} has {total} layers")
        config.num_hidden_layers = num_layers
    return AutoModelForTokenClassification.from_pretrained(path, config=config, ignore_mismatched_sizes=True)


def freeze_bottom(model: Any, embeddings: bool, layers: int) -> None:
    """Stop gradients into the word embeddings and/or the first `layers` transformer layers."""
    if embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    if layers:
        encoder = getattr(model.base_model, "encoder", None)
        blocks = getattr(encoder, "layer", None)
        if blocks is None or layers > len(blocks):
            raise ConfigError(f"model.freeze_layers={layers}: the model has {len(blocks or [])} freezable layers")
        for p in model.base_model.embeddings.parameters():
            p.requires_grad_(False)
        for block in blocks[:layers]:
            for p in block.parameters():
                p.requires_grad_(False)


class TokenClassifier(pl.LightningModule):
    """Fine-tunes a token-classification model; see `xner.ner.config.ModelSpec` for the arguments."""

    def __init__(
        self,
        name: str,
        labels: Sequence[str],
        learning_rate: float = 2e-5,
        weight_decay: float = 0.01,
        warmup_ratio: float = 0.1,
        freeze_embeddings: bool = False,
        classifier_dropout: float | None = None,
        num_layers: int | None = None,
        freeze_layers: int = 0,
        model: Any = None,
    ):
        super().__init__()
        self.save_hyperparameters(ignore=["model"])
        self.labels = list(labels)
        if model is None:
            model = load_token_classifier(name, labels, classifier_dropout, num_layers)
        self.model = model
        self.model.train()  # from_pretrained returns eval mode; Lightning keeps modules' modes
        freeze_bottom(self.model, freeze_embeddings, freeze_layers)
        # Frozen weights are not written to checkpoints (they equal the base model's, reloaded from
        # `name`), so a checkpoint of the offline encoder is ~20 MB instead of ~450 MB.
        self.strict_loading = not (freeze_embeddings or freeze_layers)
        self._val_gold: list[list[str]] = []
        self._val_pred: list[list[str]] = []

    def frozen_keys(self) -> set[str]:
        return {f"model.{n}" for n, p in self.model.named_parameters() if not p.requires_grad}

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        frozen = self.frozen_keys()
        if frozen:
            checkpoint["state_dict"] = {k: v for k, v in checkpoint["state_dict"].items() if k not in frozen}

    def load_trained_state(self, state: dict[str, Any]) -> None:
        """Load a (possibly slim) checkpoint state dict; only frozen weights may be missing."""
        missing, unexpected = self.load_state_dict(state, strict=False)
        bad = (set(missing) - self.frozen_keys()) | set(unexpected)
        if bad:
            raise RuntimeError(f"checkpoint does not match the model: {sorted(bad)[:5]}")

    def forward(self, **batch: torch.Tensor) -> Any:
        return self.model(**batch)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        loss = self.model(**batch).loss
        self.log("train/loss", loss, prog_bar=True, batch_size=batch["input_ids"].shape[0])
        return loss

    def _decode(self, logits: torch.Tensor, labels: torch.Tensor) -> tuple[list[list[str]], list[list[str]]]:
        pred_ids = logits.argmax(-1).cpu()
        labels = labels.cpu()
        gold, pred = [], []
        for p_row, g_row in zip(pred_ids, labels, strict=True):
            keep = g_row != IGNORE
            gold.append([self.labels[i] for i in g_row[keep].tolist()])
            pred.append([self.labels[i] for i in p_row[keep].tolist()])
        return gold, pred

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        out = self.model(**batch)
        self.log("val/loss", out.loss, batch_size=batch["input_ids"].shape[0], sync_dist=True)
        gold, pred = self._decode(out.logits, batch["labels"])
        self._val_gold += gold
        self._val_pred += pred

    def on_validation_epoch_end(self) -> None:
        from xner.evaluate.metrics import ner_metrics

        gold, pred = self._val_gold, self._val_pred
        self._val_gold, self._val_pred = [], []
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            world = torch.distributed.get_world_size()
            parts: list[Any] = [None] * world
            torch.distributed.all_gather_object(parts, (gold, pred))
            gold = [g for gp in parts for g in gp[0]]
            pred = [p for gp in parts for p in gp[1]]
        if not gold:
            return
        m = ner_metrics(gold, pred, prefix="val", mode="default")
        log.info(
            "epoch %d step %d: val/f1 %.4f (precision %.4f, recall %.4f, %d sentences)", self.current_epoch,
            self.global_step, m["val/f1"], m["val/precision"], m["val/recall"], len(gold),
        )
        for key in ("val/f1", "val/precision", "val/recall"):
            self.log(key, m[key], prog_bar=key == "val/f1", sync_dist=False, rank_zero_only=False)

    def configure_optimizers(self) -> Any:
        from transformers import get_linear_schedule_with_warmup

        hp = self.hparams
        no_decay = ("bias", "LayerNorm.weight", "layer_norm.weight", "LayerNorm.bias")
        params = [(n, p) for n, p in self.model.named_parameters() if p.requires_grad]
        groups = [
            {"params": [p for n, p in params if not n.endswith(no_decay)], "weight_decay": hp.weight_decay},
            {"params": [p for n, p in params if n.endswith(no_decay)], "weight_decay": 0.0},
        ]
        optimizer = torch.optim.AdamW(groups, lr=hp.learning_rate)
        total = max(1, int(self.trainer.estimated_stepping_batches))
        warmup = int(hp.warmup_ratio * total)
        scheduler = get_linear_schedule_with_warmup(optimizer, warmup, total)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
