"""Run tracking: metrics.json in the run directory, and W&B (offline unless configured online).

`logger=wandb` (default) logs the resolved config, every metric and the final summary to a W&B run
under ``<run dir>/wandb``; it is offline unless `logger.mode=online` or ``WANDB_MODE=online`` —
no account or network is needed (``wandb sync <run dir>/wandb/offline-run-*`` uploads later).
Runs of one Hydra sweep share a W&B group (the sweep directory's name) and carry tags
(language, task, aligner, projection, matcher). `logger=none` keeps only metrics.json (tests).
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from xner.cache import atomic_write_text

log = logging.getLogger(__name__)


def write_metrics_json(path: Path, metrics: Mapping[str, Any]) -> None:
    """Flat JSON, keys sorted, NaN written as null; atomic so a crash never leaves a partial file."""
    clean = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in metrics.items()}
    atomic_write_text(Path(path), json.dumps(clean, indent=2, sort_keys=True) + "\n")


class Tracker:
    """No-op tracker (`logger=none`): metrics.json only."""

    def __init__(self, **_: Any):
        pass

    def start(self, output_dir: Path, config: Mapping[str, Any], group: str | None, tags: Sequence[str]):
        self.output_dir = Path(output_dir)

    def log(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        pass

    def lightning_logger(self):
        return None

    def finish(self, metrics: Mapping[str, Any], exit_code: int = 0) -> None:
        pass


class WandbTracker(Tracker):
    """W&B run, offline by default."""

    def __init__(
        self,
        project: str = "xner",
        entity: str | None = None,
        mode: str | None = None,
        group: str | None = None,
        tags: Sequence[str] = (),
        name: str | None = None,
    ):
        self.project, self.entity, self.name = project, entity, name
        # Offline unless the user asked for online explicitly (config or WANDB_MODE).
        self.mode = mode or os.environ.get("WANDB_MODE") or "offline"
        if self.mode not in ("offline", "online", "disabled"):
            from xner.errors import ConfigError

            raise ConfigError(f"logger.mode={self.mode!r}; valid: offline, online, disabled")
        self.group, self.tags = group, list(tags)
        self.run = None

    def start(self, output_dir: Path, config: Mapping[str, Any], group: str | None, tags: Sequence[str]):
        import wandb

        super().start(output_dir, config, group, tags)
        self.run = wandb.init(
            project=self.project,
            entity=self.entity,
            mode=self.mode,
            dir=str(output_dir),
            config=dict(config),
            group=self.group or group,
            tags=[t[:64] for t in [*self.tags, *tags]],
            name=self.name or Path(output_dir).name,
            reinit="finish_previous",
            settings=wandb.Settings(silent=True, console="off"),
        )

    def log(self, metrics: Mapping[str, Any], step: int | None = None) -> None:
        if self.run is not None:
            self.run.log(dict(metrics), step=step)

    def lightning_logger(self):
        if self.run is None:
            return None
        from pytorch_lightning.loggers import WandbLogger

        return WandbLogger(experiment=self.run)

    def finish(self, metrics: Mapping[str, Any], exit_code: int = 0) -> None:
        if self.run is None:
            return
        numeric = {k: v for k, v in metrics.items() if isinstance(v, int | float)}
        self.run.summary.update(numeric)
        if numeric:
            self.run.log(numeric)
        self.run.finish(exit_code=exit_code)
        log.info("W&B run (%s) in %s", self.mode, Path(self.output_dir) / "wandb")
        self.run = None
