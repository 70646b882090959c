"""What every check shares: the context, the registry (`@check`), running the checks, helpers."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

TYPES = ("LOC", "MISC", "ORG", "PER")


# ----------------------------------------------------------------------------- bookkeeping
class Skip(Exception):
    """A check that does not apply here (e.g. a GPU-only check on CPU)."""


@dataclasses.dataclass
class Ctx:
    args: argparse.Namespace
    device: str  # "cuda" or "cpu"
    work: Path
    data: Path
    out: Path
    t_start: float
    results: dict = dataclasses.field(default_factory=dict)
    figures: dict = dataclasses.field(default_factory=dict)
    models: dict = dataclasses.field(default_factory=dict)

    @property
    def gpu(self) -> bool:
        return self.device == "cuda"

    def fig(self, key: str, value) -> None:
        if isinstance(value, float):
            value = round(value, 4)
        self.figures[key] = value

    def save(self) -> None:
        payload = {"device": self.device, "elapsed_s": round(time.perf_counter() - self.t_start, 1),
                   "checks": self.results, "figures": self.figures}
        tmp = self.out / ".gpu_check.json.tmp"
        tmp.write_text(json.dumps(payload, indent=1, default=str))
        os.replace(tmp, self.out / "gpu_check.json")


CHECKS: list[tuple[str, Callable[[Ctx], dict | None]]] = []


def check(name: str):
    def deco(fn):
        CHECKS.append((name, fn))
        return fn

    return deco


def log(msg: str) -> None:
    print(f"[gpu_check {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run_checks(ctx: Ctx, names: list[str]) -> None:
    for name, fn in CHECKS:
        if names and name not in names:
            continue
        elapsed = time.perf_counter() - ctx.t_start
        if elapsed > ctx.args.budget:
            ctx.results[name] = {"status": "skipped", "reason": f"time budget {ctx.args.budget}s spent", "seconds": 0}
            ctx.save()
            continue
        log(f"--- {name}")
        t0 = time.perf_counter()
        try:
            info = fn(ctx) or {}
            status = info.pop("status", "ok")
            ctx.results[name] = {"status": status, **info}
        except Skip as exc:
            ctx.results[name] = {"status": "skipped", "reason": str(exc)}
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            tb = traceback.format_exc()
            ctx.results[name] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:2000],
                                 "traceback": tb[-3000:]}
            log(f"{name} FAILED: {type(exc).__name__}: {str(exc)[:500]}")
        ctx.results[name]["seconds"] = round(time.perf_counter() - t0, 1)
        log(f"{name}: {ctx.results[name]['status']} ({ctx.results[name]['seconds']}s)")
        ctx.save()


# ----------------------------------------------------------------------------- helpers
def europarl(ctx: Ctx, lang: str, n: int | None = None):
    from xner.data.conll import read_conll

    return read_conll(ctx.data / "europarl_ner" / f"{lang}-europarl.test.conll02")[:n]


def run_py(ctx: Ctx, name: str, overrides: list[str], timeout: int = 240) -> tuple[Path, dict]:
    """`python run.py ...` as a user would run it; returns the run dir and its metrics.json."""
    run_dir = ctx.work / "runs" / name
    shutil.rmtree(run_dir, ignore_errors=True)
    cmd = [sys.executable, str(REPO / "run.py"), *overrides, "logger=none", f"hydra.run.dir={run_dir}",
           f"paths.cache_dir={ctx.work / 'cache' / name}", "print_metrics=false"]
    log("$ " + " ".join(cmd[1:]))
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true", "XNER_DATA": str(ctx.data)}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    secs = time.perf_counter() - t0
    (ctx.out / "runs").mkdir(exist_ok=True)
    (ctx.out / "runs" / f"{name}.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"run.py exited {proc.returncode} after {secs:.0f}s:\n{(proc.stdout + proc.stderr)[-2500:]}")
    metrics_file = run_dir / "metrics.json"
    if not metrics_file.is_file():
        raise RuntimeError(f"run.py exited 0 but wrote no metrics.json in {run_dir}")
    metrics = json.loads(metrics_file.read_text())
    metrics["_wall_s"] = secs
    return run_dir, metrics


def finite(x) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def build_bert(root: Path, name: str, *, hidden: int, layers: int, heads: int, ffn: int, seed: int = 0) -> Path:
    """A random-init BERT token classifier (CoNLL labels) with the tiny WordPiece tokenizer; once."""
    out = root / name
    if (out / "config.json").exists():
        return out
    import torch
    from transformers import BertConfig, BertForTokenClassification

    from xner.ner.encoding import label_list
    from xner.ner.models import build_tiny_tokenizer

    labels = label_list(TYPES)
    tok = build_tiny_tokenizer()
    tok.model_max_length = 512
    config = BertConfig(
        vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=ffn, max_position_embeddings=512, pad_token_id=tok.pad_token_id,
        id2label=dict(enumerate(labels)), label2id={lab: i for i, lab in enumerate(labels)},
    )
    torch.manual_seed(seed)
    model = BertForTokenClassification(config)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{name}."))
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    os.replace(tmp, out)
    return out


def need_gpu(ctx: Ctx, what: str) -> None:
    if not ctx.gpu:
        raise Skip(f"{what} needs a CUDA GPU (--device cpu)")
