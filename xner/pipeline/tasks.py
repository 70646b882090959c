"""Task registry: `task.name` → the function that runs it.

A task is ``run(ctx: RunContext) -> dict[str, float]``; it returns flat metrics (keys such as
``test/recall`` or ``projection/f1``). Writing ``metrics.json`` and logging to W&B happen once, in
`xner.pipeline.run`, so no task can forget them. Imports are lazy: `data_stats` never loads torch.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

TASKS: dict[str, str] = {
    "data_stats": "xner.pipeline.data_stats:run",
    "align_eval": "xner.pipeline.align_eval:run",
    "align_finetune": "xner.pipeline.align_finetune:run",
    "projection_eval": "xner.pipeline.projection_eval:run",
    "translate_test": "xner.pipeline.translate_test:run",
    "translate_train": "xner.pipeline.translate_train:run",
    "model_transfer": "xner.pipeline.model_transfer:run",
}

# Config groups each task uses: these are validated strictly (mandatory values must be set);
# the others only for unknown keys and types.
_PROJECTION = ["aligner", "projection", "candidates", "matcher"]
TASK_GROUPS: dict[str, list[str]] = {
    "data_stats": ["data"],
    "align_eval": ["data", "aligner"],
    "align_finetune": ["data", "aligner"],
    "projection_eval": ["data", *_PROJECTION],
    "translate_test": ["data", "translator", "tagger", *_PROJECTION],
    "translate_train": ["data", "translator", "model", "trainer", *_PROJECTION],
    "model_transfer": ["data", "model", "trainer"],
}


def get_task(name: str) -> Callable:
    from xner.errors import ConfigError

    if name not in TASKS:
        raise ConfigError(f"task.name={name!r} is not a task; valid: {', '.join(sorted(TASKS))}")
    module, func = TASKS[name].split(":")
    return getattr(importlib.import_module(module), func)
