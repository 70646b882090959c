"""The ``oom`` check (and ``_oom_inproc``, its subprocess): a CUDA OOM in fine-tuning names a smaller batch size."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from gpucheck.core import REPO, TYPES, Ctx, Skip, check, europarl, log
from gpucheck.models import _models


@check("oom")
def check_oom(ctx: Ctx) -> dict:
    base = _models(ctx)["base"]
    if not ctx.gpu:
        # no GPU: simulate the OOM inside trainer.fit to test xner's handler (and this check)
        return _oom_inproc(ctx, base, simulate=True)
    cmd = [sys.executable, str(REPO / "benchmarks" / "gpu_check.py"), "--only", "_oom_inproc", "--device", "cuda",
           "--out", str(ctx.work / "oom_out"), "--work", str(ctx.work), "--data", str(ctx.data)]
    (ctx.work / "oom_out").mkdir(parents=True, exist_ok=True)
    (ctx.work / "oom_out" / "gpu_check.json").unlink(missing_ok=True)
    log("$ " + " ".join(cmd[1:]))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env={**os.environ})
    (ctx.out / "runs").mkdir(exist_ok=True)
    (ctx.out / "runs" / "oom.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    result_file = ctx.work / "oom_out" / "gpu_check.json"
    res = json.loads(result_file.read_text())["checks"].get("_oom_inproc") if result_file.is_file() else None
    if not res:
        raise RuntimeError(f"the OOM subprocess exited {proc.returncode} without a result:\n"
                           f"{(proc.stdout + proc.stderr)[-2500:]}")
    res.pop("seconds", None)
    return res


@check("_oom_inproc")
def check_oom_inproc(ctx: Ctx) -> dict:
    if ctx.args.only != "_oom_inproc":
        raise Skip("run by the oom check in its own process")
    return _oom_inproc(ctx, _models(ctx)["base"], simulate=False)


def _oom_inproc(ctx: Ctx, base: Path, simulate: bool) -> dict:
    import torch

    from xner.errors import XnerError
    from xner.ner import train as train_mod
    from xner.ner.config import ModelSpec, TrainerSpec
    from xner.ner.encoding import label_list

    batch = 256
    fields = {f.name for f in dataclasses.fields(TrainerSpec)}
    spec = dict(accelerator="gpu" if not simulate else "cpu", devices=1,
                precision="bf16-mixed" if not simulate else "32-true", max_epochs=1, batch_size=batch,
                eval_batch_size=batch, enable_progress_bar=False, num_workers=0, deterministic=False,
                save_model=False, resume=False, early_stopping_patience=0)
    trainer_spec = TrainerSpec(**{k: v for k, v in spec.items() if k in fields})
    model_spec = ModelSpec(name=str(base), max_length=256, learning_rate=1e-4)
    train = europarl(ctx, "en", 600)
    info: dict = {"mode": "simulated OOM on cpu" if simulate else "real OOM on cuda", "batch_size": batch}
    if not simulate:
        total = torch.cuda.get_device_properties(0).total_memory
        frac = min(1.0, 1.0 * 2**30 / total)  # 1 GiB: the weights fit, a 256×(≤256) batch does not
        torch.cuda.set_per_process_memory_fraction(frac, 0)
        info["memory_fraction"] = round(frac, 5)
        info["memory_cap_gib"] = 1.0
    patch = contextlib.nullcontext()
    if simulate:
        from unittest import mock

        import pytorch_lightning as pl

        def boom(*a, **k):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. (simulated by gpu_check --device cpu)")

        patch = mock.patch.object(pl.Trainer, "fit", boom)
    out_dir = ctx.work / "oom_run"
    shutil.rmtree(out_dir, ignore_errors=True)
    with patch:
        try:
            train_mod.fine_tune(model_spec, trainer_spec, label_list(TYPES), train, (), output_dir=out_dir, seed=0)
        except XnerError as exc:
            msg = str(exc)
        except torch.cuda.OutOfMemoryError as exc:
            raise AssertionError(f"raw torch OutOfMemoryError escaped fine_tune: {str(exc)[:300]}") from None
        else:
            raise AssertionError(f"no out-of-memory error with batch_size {batch} under a 1 GiB cap")
    info["message"] = msg
    suggested = [int(x) for x in re.findall(r"trainer\.batch_size=(\d+)", msg)]
    if not any(s < batch for s in suggested):
        raise AssertionError(f"the message does not suggest a trainer.batch_size below {batch}: {msg!r}")
    info["suggested_batch_size"] = min(suggested)
    if not simulate:
        info["max_memory_allocated_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 3)
    ctx.fig("oom/suggested_batch_size", info["suggested_batch_size"])
    return info
