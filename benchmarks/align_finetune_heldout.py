"""AER of fine-tuned aligner encoders on a dev half and a test half of a gold set (held-out choice).

    python benchmarks/align_finetune_heldout.py BASE=offline:multilingual-e5-small \
        lr2e-5=runs/a/encoder lr1e-4=runs/b/encoder [--gold de-en_vilar] [--layer 8]

Settings of `task=align_finetune` (learning rate, objectives, steps) are chosen on the **dev half**
(sentences 1..N/2 of the gold set) and reported on the **test half** (the rest), so the reported
figure is not the one the choice was made on (issue 14's rule). Every encoder is scored with
SimAlign argmax / itermax and AWESoME (softmax, threshold 1e-3) at `--layer`, as the task scores
its own before/after. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from xner.align.aer import aer_metrics
from xner.align.neural import Awesome, SimAlign
from xner.data.alignment_gold import AlignmentGold
from xner.data.loaders import resolve_data_dir

METHODS = ("argmax", "itermax", "softmax")


def score(encoder: str, gold, layer: int, threshold: float, halves: dict[str, range]) -> dict[str, float]:
    with SimAlign(encoder, layer=layer, batch_size=32, progress=False) as sa:
        links = sa.align_methods(gold.src, gold.tgt, ("argmax", "itermax"))
    with Awesome(encoder, layer=layer, threshold=threshold, batch_size=32, progress=False) as aw:
        links["softmax"] = aw.align(gold.src, gold.tgt)
    out = {}
    for half, idx in halves.items():
        for m in METHODS:
            sub = [links[m][i] for i in idx]
            aer = aer_metrics(sub, [gold.sure[i] for i in idx], [gold.possible[i] for i in idx], prefix="x")
            out[f"{half}/{m}"] = 100 * aer["x/aer"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("encoders", nargs="+", help="NAME=PATH (a model directory, a run's encoder/, or offline:...)")
    ap.add_argument("--gold", default="de-en_vilar")
    ap.add_argument("--layer", type=int, default=8)
    ap.add_argument("--threshold", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    gold = AlignmentGold(pair=args.gold, data_dir=str(resolve_data_dir(None))).load()
    n = len(gold)
    halves = {"dev": range(0, n // 2), "test": range(n // 2, n)}
    rows = {}
    for spec in args.encoders:
        name, _, path = spec.partition("=")
        rows[name] = score(path or name, gold, args.layer, args.threshold, halves)
    print(f"AER % on {args.gold}: dev = sentences 1-{n // 2}, test = {n // 2 + 1}-{n}; layer {args.layer}")
    cols = [f"{h}/{m}" for h in halves for m in METHODS]
    print("| encoder | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for name, r in rows.items():
        print(f"| {name} | " + " | ".join(f"{r[c]:.1f}" for c in cols) + " |")
    print(json.dumps({"gold": args.gold, "layer": args.layer, "n": n, "aer": rows}))


if __name__ == "__main__":
    main()
