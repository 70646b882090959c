"""Cost of aligner fine-tuning: training pairs/s per objective set vs the alignment pass, one run.

    python benchmarks/align_finetune.py [--pairs 64] [--steps 4] [--batch 8] [--layer 8]

On the first `--pairs` DeepL en-de pairs paired with the English CoNLL train file (de as source,
as in de-en Vilar; `python -m xner.data.sentalign` pairs them first, `--paired-dir`), with the
offline encoder (multilingual-e5-small rebuilt from 4-bit) cut at `--layer`, it times
`--steps` optimiser steps of batch `--batch` for SO, SO+TLM (the default of task=align_finetune)
and SO+TLM+PSI+CO, after one warm-up step each, and the baseline: aligning the same pairs with
xner's SimAlign (one batched forward pass, no gradient). Wall and process CPU time are recorded
(on a shared machine the CPU figure is the stable one). Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from xner.align import finetune as ft
from xner.align.neural import SimAlign
from xner.data.conll import read_conll
from xner.hub import OFFLINE_E5, resolve_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=64)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--layer", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--paired-dir", default="/work/alignft_runs/deen")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    d = Path(args.paired_dir)
    de = read_conll(d / "DeepL.50000.awesome.train.paired.tsv")[: args.pairs]
    en = read_conll(d / "en.conll.train.paired.tsv")[: args.pairs]
    pairs = [(s.words, t.words) for s, t in zip(de, en, strict=True)]
    path = resolve_model(OFFLINE_E5)
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    enc, _ = ft.encode_pairs(tok, pairs, 254)
    rows = []
    with SimAlign(OFFLINE_E5, layer=args.layer, method="argmax", progress=False) as sa:
        sa.align([p[0] for p in pairs[:8]], [p[1] for p in pairs[:8]])  # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        sa.align([p[0] for p in pairs], [p[1] for p in pairs])
        rows.append(
            ("align (SimAlign argmax, no gradient)", len(pairs), time.perf_counter() - t0, time.process_time() - c0)
        )
    for name, objectives in (
        ("train SO", {"so": True}),
        ("train SO+TLM", {"so": True, "tlm": True}),
        ("train SO+TLM+PSI+CO", dict.fromkeys(ft.OBJECTIVES, True)),
    ):
        random.seed(0)
        torch.manual_seed(0)
        module = ft.AlignFineTuner(path, layer=args.layer, objectives=objectives, total_steps=10**6)
        opt = module.configure_optimizers()["optimizer"]
        collate = ft.PairCollator(ft.Specials.of(tok), objectives)
        ds = ft.PairDataset(enc)
        batches = [
            collate([ds[(k * args.batch + i) % len(ds)] for i in range(args.batch)]) for k in range(args.steps + 1)
        ]

        def step(b, module=module, opt=opt):
            opt.zero_grad()
            sum(module.losses(b).values()).backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            opt.step()

        step(batches[0])  # warm-up
        t0, c0 = time.perf_counter(), time.process_time()
        for b in batches[1:]:
            step(b)
        rows.append((name, args.steps * args.batch, time.perf_counter() - t0, time.process_time() - c0))
        del module, opt
    base_cpu = rows[0][1] / rows[0][3]
    print(
        f"{'system':40s} {'pairs':>6s} {'wall s':>8s} {'cpu s':>8s} {'pairs/s':>8s} {'pairs/cpu-s':>11s} "
        f"{'x align':>8s}"
    )
    out = {"pairs": args.pairs, "steps": args.steps, "batch": args.batch, "layer": args.layer, "threads": args.threads}
    for name, n, wall, cpu in rows:
        print(f"{name:40s} {n:6d} {wall:8.1f} {cpu:8.1f} {n / wall:8.2f} {n / cpu:11.2f} {(n / cpu) / base_cpu:8.3f}")
        key = name.split(" (")[0].replace(" ", "_").replace("+", "_").lower()
        out[f"{key}_pairs_per_s"] = round(n / wall, 3)
        out[f"{key}_pairs_per_cpu_s"] = round(n / cpu, 3)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
