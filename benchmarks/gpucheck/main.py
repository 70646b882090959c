"""The command line: parse the options, run the checks in order, print the table and the JSON line."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import gpucheck

# importing the check modules registers their checks; they run in ORDER
from gpucheck import aligner, env, models, oom, pytest_subset, tagger, train, translators  # noqa: F401
from gpucheck.core import CHECKS, REPO, Ctx, log, run_checks

ORDER = ("env", "models", "train_gpu", "ddp", "oom", "_oom_inproc", "tagger", "aligner", "translators", "pytest")
CHECKS.sort(key=lambda c: ORDER.index(c[0]))


# ----------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=gpucheck.__doc__.splitlines()[0])
    ap.add_argument("--device", choices=["cuda", "cpu"], default=None, help="default: cuda when visible")
    ap.add_argument("--out", default=os.environ.get("OUT") or "gpu_check_out")
    ap.add_argument("--work", default=None, help="scratch dir (default: a temp dir)")
    ap.add_argument("--data", default=os.environ.get("XNER_DATA") or str(REPO.parent / "shared" / "data"))
    ap.add_argument("--only", default="", help="comma-separated check names")
    ap.add_argument("--budget", type=float, default=330, help="seconds; later checks are skipped after it")
    ap.add_argument("--train-sentences", type=int, default=300)
    ap.add_argument("--align-pairs", type=int, default=None, help="default: 799 on cuda, 60 on cpu")
    ap.add_argument("--align-cpu-pairs", type=int, default=None, help="CPU side of the base encoder")
    ap.add_argument("--tagger-sentences", type=int, default=None)
    ap.add_argument("--tagger-base-sentences", type=int, default=None, help="for the BERT-base-size tagger")
    ap.add_argument("--translate-sentences", type=int, default=None)
    ap.add_argument("--throughput-sentences", type=int, default=None)
    ap.add_argument("--no-pytest", dest="pytest", action="store_false")
    ap.add_argument("--pytest-timeout", type=int, default=120)
    args = ap.parse_args()

    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda but torch sees no CUDA GPU", file=sys.stderr)
        return 2
    gpu = device == "cuda"
    defaults = dict(align_pairs=(799, 60), align_cpu_pairs=(200, 30), tagger_sentences=(400, 60),
                    tagger_base_sentences=(100, 10), translate_sentences=(64, 12), throughput_sentences=(32, 8))
    for key, (on_gpu, on_cpu) in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, on_gpu if gpu else on_cpu)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="xner-gpucheck-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XNER_HOME", str(work / "xner_home"))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ctx = Ctx(args, device, work, Path(args.data), out, time.perf_counter())
    log(f"device {device}; work {work}; data {ctx.data}; out {out}; XNER_HOME {os.environ['XNER_HOME']}")
    names = [n for n in args.only.split(",") if n]
    if not names:
        names = [n for n, _ in CHECKS if not n.startswith("_")]
    run_checks(ctx, names)

    if args.only != "_oom_inproc":
        print()
        print(f"{'check':<12} | {'status':<8} | {'seconds':>7} | detail")
        for name, res in ctx.results.items():
            detail = res.get("error") or res.get("reason") or res.get("mode") or res.get("note") or ""
            first = str(detail).splitlines()[0][:90] if detail else ""
            print(f"{name:<12} | {res['status']:<8} | {res.get('seconds', 0):7.1f} | {first}")
        print()
        for key, value in ctx.figures.items():
            print(f"  {key:<48} {value}")
        statuses = {n: r["status"] for n, r in ctx.results.items()}
        ctx.figures["status"] = statuses
        ctx.figures["device"] = device
        ctx.figures["elapsed_s"] = round(time.perf_counter() - ctx.t_start, 1)
        ctx.save()
        print(json.dumps(ctx.figures, default=str))
    return 1 if any(r["status"] == "failed" for r in ctx.results.values()) else 0
