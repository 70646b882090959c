"""Run one job: validate the config, set up cache and tracking, dispatch the task, record metrics.

Every run writes ``metrics.json`` (flat) into its Hydra output directory and logs the same to W&B
(offline by default). Metrics are recorded together with the seed and library versions
(``meta/*`` keys), so any figure can be traced to what produced it.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

import xner
from xner.cache import ArtifactCache
from xner.errors import XnerError
from xner.pipeline.config import precheck_values, validate_config
from xner.pipeline.context import RunContext
from xner.pipeline.tasks import TASK_GROUPS, get_task

log = logging.getLogger(__name__)

# Groups that identify a method; they become W&B tags and the run's short name.
TAG_GROUPS = ("task", "lang", "data", "translator", "aligner", "projection", "candidates", "matcher")


def _choices() -> dict[str, str]:
    try:
        from hydra.core.hydra_config import HydraConfig

        return {k: str(v) for k, v in HydraConfig.get().runtime.choices.items() if v is not None}
    except ValueError:  # not running under Hydra (tests calling run() directly)
        return {}


def _sweep_group() -> str | None:
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        hc = HydraConfig.get()
        if hc.mode == RunMode.MULTIRUN:
            return Path(hc.sweep.dir).name if Path(hc.sweep.dir).name else str(hc.sweep.dir)
    except ValueError:
        pass
    return None


_DISTRIBUTIONS = {"torch": "torch", "transformers": "transformers", "pytorch_lightning": "pytorch-lightning",
                  "scipy": "scipy", "numpy": "numpy"}


def versions() -> dict[str, str]:
    """Versions of xner, Python and the numeric libraries (installed ones, imported or not)."""
    from importlib import metadata

    out = {"meta/xner_version": xner.__version__, "meta/python": platform.python_version()}
    for mod, dist in _DISTRIBUTIONS.items():
        version = getattr(sys.modules.get(mod), "__version__", None)
        if version is None:
            try:
                version = metadata.version(dist)
            except metadata.PackageNotFoundError:
                continue
        out[f"meta/{mod}_version"] = str(version)
    return out


def output_dir_of(cfg: DictConfig) -> Path:
    try:
        return Path(cfg.paths.output_dir)
    except Exception:  # ${hydra:...} cannot resolve outside Hydra
        return Path("outputs/manual")


def seed_everything(seed: int) -> None:
    import random

    import numpy as np

    random.seed(seed)
    np.random.seed(seed)
    if "torch" in sys.modules:
        import torch

        torch.manual_seed(seed)


def run(cfg: DictConfig) -> dict[str, Any]:
    """Run the job described by `cfg`; return its metrics (also written to metrics.json)."""
    output_dir = output_dir_of(cfg)
    metrics_path = output_dir / "metrics.json"
    if cfg.get("skip_finished", False) and metrics_path.exists():
        try:
            done = json.loads(metrics_path.read_text())
            log.info("%s exists: job already finished, skipping it (skip_finished=false reruns it)",
                     metrics_path)
            return done
        except json.JSONDecodeError:
            log.warning("%s is corrupt; rerunning the job", metrics_path)

    task = get_task(cfg.task.name)
    validate_config(cfg, allow_missing=True)  # unknown keys and types everywhere
    validate_config(cfg, TASK_GROUPS.get(cfg.task.name, []))  # and completeness where the task looks
    precheck_values(cfg, TASK_GROUPS.get(cfg.task.name, []))  # and values only the classes can judge
    seed_everything(int(cfg.seed))
    output_dir.mkdir(parents=True, exist_ok=True)

    from hydra.utils import instantiate

    from xner.track import Tracker, write_metrics_json

    cache = ArtifactCache(cfg.paths.cache_dir, enabled=bool(cfg.cache.enabled))
    # Under DDP every process runs this function; only rank 0 tracks and writes metrics.json.
    rank = int(os.environ.get("RANK", os.environ.get("LOCAL_RANK", "0")) or 0)
    tracker = instantiate(cfg.logger) if rank == 0 else Tracker()
    choices = _choices()
    tags = [f"{g}:{choices[g]}" for g in TAG_GROUPS if g in choices]
    aligner = cfg.get("aligner")
    if aligner is not None and "method" in aligner:
        tags.append(f"align_method:{aligner.method}")
    tracker.start(
        output_dir,
        config={**OmegaConf.to_container(cfg, resolve=True), "choices": choices,
                "versions": {k.removeprefix("meta/"): v for k, v in versions().items()}},
        group=_sweep_group(),
        tags=tags,
    )
    ctx = RunContext(cfg=cfg, output_dir=output_dir, cache=cache, tracker=tracker)
    try:
        metrics = dict(task(ctx))
    except BaseException:
        tracker.finish({}, exit_code=1)
        raise
    metrics.update(versions())
    metrics["meta/seed"] = int(cfg.seed)
    metrics["meta/task"] = str(cfg.task.name)
    if rank > 0:
        return metrics
    write_metrics_json(metrics_path, metrics)
    tracker.finish(metrics)
    if cfg.get("print_metrics", True):
        print(format_table(metrics, title=f"{cfg.task.name} → {metrics_path}"))
    return metrics


def format_table(metrics: Mapping[str, Any], title: str = "") -> str:
    """A small two-column table of the numeric metrics."""
    rows = [
        (k, v) for k, v in sorted(metrics.items()) if isinstance(v, int | float) and not k.startswith("meta/")
    ]
    width = max((len(k) for k, _ in rows), default=10)
    lines = [title, "-" * (width + 14)] if title else []
    for key, value in rows:
        shown = f"{value:>12.4f}" if isinstance(value, float) else f"{value:>12}"
        lines.append(f"{key:<{width}}  {shown}")
    return "\n".join(lines)


def main(cfg: DictConfig) -> float | None:
    """Hydra entry point body: user errors become one message and exit code 2, not a traceback."""
    try:
        metrics = run(cfg)
    except Exception as exc:
        # hydra.utils.instantiate wraps a constructor's ConfigError in InstantiationException
        user_error = exc if isinstance(exc, XnerError) else exc.__cause__
        if not isinstance(user_error, XnerError):
            raise
        log.error("%s", user_error)
        if _sweep_group() is not None:  # in a sweep: fail this job only; Hydra runs the rest, then reports it
            raise
        raise SystemExit(2) from None
    key = cfg.get("optimized_metric")
    return metrics.get(key) if key else None
