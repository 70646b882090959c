"""Cost of the projection records (``projection.jsonl.gz``, `xner.pipeline.explain`) on the 14k CoNLL set.

    python benchmarks/explain_cost.py [--limit N] [--repeats 3]

Input: the 14,041 sentences of CoNLL-2003 English train as both sides of the pair, with their gold
entities as source entities and as target gold. Links: a stand-in for an aligner (aligning 14k
pairs with the offline encoder takes hours on a shared CPU): each word to itself, then, with a
fixed seed, 10% of the links dropped and 10% moved to a neighbouring word — so every verdict kind
occurs. For each projector (heuristic; n-gram matching, greedy — the largest records, with
candidate rankings) it times the projection (the baseline) and the records: building them
(`explain_batch`, verdicts included), encoding (JSON + gzip) and the atomic write; best of
`--repeats`. Prints a table, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xner.data.loaders import CoNLL2003
from xner.evaluate.explain import error_counts
from xner.pipeline.explain import encode_records, explain_batch, write
from xner.project import GreedyMatcher, HeuristicProjector, MatchingProjector, NgramCandidates, ProjectionInput


def noisy_links(n: int, rng: random.Random) -> frozenset:
    links = set()
    for i in range(n):
        r = rng.random()
        if r < 0.1:
            continue
        if r < 0.2 and n > 1:
            links.add((i, min(n - 1, max(0, i + rng.choice((-1, 1))))))
        else:
            links.add((i, i))
    return frozenset(links)


def best_of(repeats: int, fn):
    best, out = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - started)
    return best, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--data-dir", default=os.environ.get("XNER_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    )
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    sentences = CoNLL2003(data_dir=args.data_dir, lang="en").load("train")[: args.limit]
    rng = random.Random(0)
    inputs = [
        ProjectionInput(tuple(s.spans), len(s), tuple(s.words), noisy_links(len(s), rng), f"train:{k}", tuple(s.words))
        for k, s in enumerate(sentences)
    ]
    gold = [s.spans for s in sentences]
    projectors = {
        "heuristic": HeuristicProjector(),
        "ngram-greedy": MatchingProjector(NgramCandidates(), GreedyMatcher()),
    }
    rows, out = [], {"sentences": len(sentences), "entities": sum(len(g) for g in gold)}
    with tempfile.TemporaryDirectory() as tmp:
        for name, projector in projectors.items():
            t_project, projections = best_of(args.repeats, lambda pr=projector: pr.project(inputs))
            t_build, records = best_of(args.repeats, lambda pj=projections: explain_batch(inputs, pj, gold))
            t_encode, blob = best_of(args.repeats, lambda r=records: encode_records(r, {"task": "bench"}))
            t_write, _ = best_of(args.repeats, lambda b=blob: write(Path(tmp), b))
            raw = sum(len(json.dumps(r, ensure_ascii=False, separators=(",", ":"))) + 1 for r in records)
            total = t_build + t_encode + t_write
            counts = error_counts(records)
            rows.append((name, t_project, t_build, t_encode, t_write, total, len(blob), raw))
            out[name] = {
                "project_s": round(t_project, 3),
                "build_s": round(t_build, 3),
                "encode_s": round(t_encode, 3),
                "write_s": round(t_write, 3),
                "explain_s": round(total, 3),
                "explain_over_project": round(total / t_project, 3),
                "gzip_bytes": len(blob),
                "json_bytes": raw,
                "bytes_per_sentence": round(len(blob) / len(records), 1),
                "errors": dict(counts),
            }
    print(f"{len(sentences)} sentences, {out['entities']} entities (CoNLL-2003 en train, noisy diagonal links)")
    print(
        f"{'projector':<14}{'project s':>10}{'build s':>9}{'encode s':>9}{'write s':>8}{'explain s':>10}"
        f"{'ratio':>7}{'gzip KiB':>10}{'json KiB':>10}"
    )
    for name, tp, tb, te, tw, tt, gz, raw in rows:
        print(
            f"{name:<14}{tp:>10.2f}{tb:>9.2f}{te:>9.2f}{tw:>8.2f}{tt:>10.2f}{tt / tp:>7.2f}{gz / 1024:>10.0f}"
            f"{raw / 1024:>10.0f}"
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
