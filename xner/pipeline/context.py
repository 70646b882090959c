"""What every task receives: its config, output directory, artifact cache and metric tracker."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from omegaconf import DictConfig

from xner.cache import ArtifactCache

if TYPE_CHECKING:
    from xner.track import Tracker


@dataclass
class RunContext:
    cfg: DictConfig
    output_dir: Path
    cache: ArtifactCache
    tracker: Tracker
