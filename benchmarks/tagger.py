"""Tagger inference benchmark: `SourceTagger` with each backend (xner.backends) vs fp32 torch, one run.

    python benchmarks/tagger.py --model <run dir>/model [--backends torch,torch-bf16,onnx,onnx-int8,torch-int8]

The model: any token-classification directory, e.g. the one `python run.py experiment=quickstart`
writes to ``<run dir>/model`` (the offline encoder fine-tuned on projected German). Speed: every
German Europarl-NER sentence (799), cut into `--chunks` slices; every backend tags each slice
`--repeats` times in rotating order and the fastest repeat per (slice, backend) is kept (a shared
machine's load changes from minute to minute); wall and process CPU time summed per backend. Quality:
seqeval F1 (default mode) on the quickstart's test part, sentences 601–799 (never trained on), and
the share of sentences whose predicted tags equal fp32 torch's on all 799. Models are loaded and
warmed up before any timing. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xner.data.conll import read_conll
from xner.evaluate.metrics import ner_metrics
from xner.ner.tagger import SourceTagger


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="token-classification model directory")
    ap.add_argument("--lang", default="de")
    ap.add_argument("--test-from", type=int, default=600, help="first test sentence (the quickstart's split)")
    ap.add_argument("--backends", default="torch,torch-bf16,torch-int8,onnx,onnx-int8")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--chunks", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    data_dir = Path(os.environ.get("XNER_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data")))
    sentences = read_conll(data_dir / "europarl_ner" / f"{args.lang}-europarl.test.conll02")
    words = [list(s.words) for s in sentences]
    n = len(words)
    backends = [b for b in args.backends.split(",") if b]
    if "torch" not in backends:
        backends.insert(0, "torch")
    fig: dict[str, float] = {
        "sentences": n,
        "torch_threads": torch.get_num_threads(),
        "load_avg_start": os.getloadavg()[0],
    }
    taggers = {}
    for b in backends:
        taggers[b] = SourceTagger(args.model, batch_size=args.batch_size, device="cpu", backend=b).load()
        taggers[b].predict_tags(words[:8])  # warm-up (and any conversion) before the clock
        fig[f"{b}_fallback"] = taggers[b].metrics().get("tagger/backend_fallback", 0.0)

    bounds = [round(k * n / args.chunks) for k in range(args.chunks + 1)]
    wall: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    tags: dict[str, list] = defaultdict(list)
    for c in range(args.chunks):
        a, z = bounds[c], bounds[c + 1]
        best: dict[str, tuple[float, float]] = {}
        for r in range(args.repeats):
            shift = (c + r) % len(backends)
            for b in backends[shift:] + backends[:shift]:
                w, t = time.perf_counter(), time.process_time()
                out = taggers[b].predict_tags(words[a:z])
                w, t = time.perf_counter() - w, time.process_time() - t
                old = best.get(b, (w, t))
                best[b] = (min(old[0], w), min(old[1], t))
                if r == 0:
                    tags[b].extend(out)
        for b, (w, t) in best.items():
            wall[b] += w
            cpu[b] += t
    gold = [list(s.tags or ()) for s in sentences[args.test_from :]]
    rows = []
    for b in backends:
        f1 = 100 * ner_metrics(gold, tags[b][args.test_from :], prefix="test")["test/f1"]
        same = sum(x == y for x, y in zip(tags[b], tags["torch"], strict=True)) / n
        fig[f"{b}_test_f1"] = f1
        fig[f"{b}_f1_diff"] = f1 - fig["torch_test_f1"]
        fig[f"{b}_identical_tags"] = same
        fig[f"{b}_sentences_per_s"] = n / wall[b]
        fig[f"{b}_sentences_per_cpu_s"] = n / cpu[b]
        fig[f"{b}_vs_torch"] = wall["torch"] / wall[b]
        fig[f"{b}_vs_torch_cpu"] = cpu["torch"] / cpu[b]
        rows.append((b, f1, same))
    fig["load_avg_end"] = os.getloadavg()[0]
    print(
        f"{args.model}: {n} {args.lang} sentences (F1 on {len(gold)} from #{args.test_from + 1}), batch "
        f"{args.batch_size}, torch threads {fig['torch_threads']}, {args.chunks} interleaved chunks, "
        f"best of {args.repeats}"
    )
    head = ("test F1", "same tags", "sent/s", "sent/cpu-s", "×torch", "×cpu")
    print(f"{'backend':12s} {head[0]:>8s} {head[1]:>9s} {head[2]:>8s} {head[3]:>10s} {head[4]:>7s} {head[5]:>6s}")
    for b, f1, same in rows:
        print(
            f"{b:12s} {f1:8.2f} {same:9.3f} {n / wall[b]:8.1f} {n / cpu[b]:10.1f} "
            f"{fig[f'{b}_vs_torch']:7.2f} {fig[f'{b}_vs_torch_cpu']:6.2f}"
        )
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in fig.items()}))


if __name__ == "__main__":
    main()
