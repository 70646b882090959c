"""Cost of the projection records (``projection.jsonl.gz``, `xner.pipeline.explain`) on the 14k CoNLL set.

    python benchmarks/explain_cost.py [--limit N] [--repeats 3]

Input: the 14,041 sentences of CoNLL-2003 English train as both sides of the pair, with their gold
entities as source entities and as target gold. Links: a stand-in for an aligner (aligning 14k
pairs with the offline encoder takes hours on a shared CPU): each word to itself, then, with a
fixed seed, 10% of the links dropped and 10% moved to a neighbouring word — so every verdict kind
occurs. For each projector (heuristic; n-gram matching, greedy — the largest records, with
candidate rankings) it times the projection (the baseline) and the records: building and
encoding them (`xner.pipeline.explain.build`: verdicts, JSON, gzip — what the tasks run) and the
atomic write; best of `--repeats`, wall and process CPU time apart (on a shared machine the wall
time depends on the load; CPU time much less). Prints a table, then one JSON line.
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

from omegaconf import OmegaConf

from xner.data.loaders import CoNLL2003
from xner.evaluate.explain import error_counts
from xner.pipeline import explain
from xner.project import GreedyMatcher, HeuristicProjector, MatchingProjector, NgramCandidates, ProjectionInput

CFG = OmegaConf.create({"task": {"name": "bench", "explain": True}, "lang": {"code": "en"}})


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
    """(wall s, CPU s, result): the fastest of `repeats` calls, wall and process CPU time apart."""
    wall, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        wall, cpu = min(wall, time.perf_counter() - w), min(cpu, time.process_time() - c)
    return wall, cpu, out


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
            project = best_of(args.repeats, lambda pr=projector: pr.project(inputs))
            projections = project[2]
            build = best_of(args.repeats, lambda pj=projections: explain.build(CFG, inputs, pj, gold))
            blob = build[2][0]
            records = explain.explain_batch(inputs, projections, gold)
            written = best_of(args.repeats, lambda b=blob: explain.write(Path(tmp), b))
            raw = sum(len(json.dumps(r, ensure_ascii=False, separators=(",", ":"))) + 1 for r in records)
            wall = build[0] + written[0]
            cpu = build[1] + written[1]
            rows.append((name, project[0], project[1], wall, cpu, len(blob), raw))
            out[name] = {
                "project_wall_s": round(project[0], 3),
                "project_cpu_s": round(project[1], 3),
                "build_encode_cpu_s": round(build[1], 3),
                "write_cpu_s": round(written[1], 3),
                "explain_wall_s": round(wall, 3),
                "explain_cpu_s": round(cpu, 3),
                "explain_over_project_cpu": round(cpu / project[1], 3),
                "gzip_bytes": len(blob),
                "json_bytes": raw,
                "bytes_per_sentence": round(len(blob) / len(records), 1),
                "errors": dict(error_counts(records)),
            }
    print(f"{len(sentences)} sentences, {out['entities']} entities (CoNLL-2003 en train, noisy diagonal links)")
    print(
        f"{'projector':<14}{'project wall/CPU s':>20}{'records wall/CPU s':>20}{'CPU ratio':>10}"
        f"{'gzip KiB':>10}{'json KiB':>10}"
    )
    for name, pw, pc, ew, ec, gz, raw in rows:
        print(
            f"{name:<14}{pw:>10.2f} /{pc:>7.2f}{ew:>10.2f} /{ec:>7.2f}{ec / pc:>10.2f}{gz / 1024:>10.0f}"
            f"{raw / 1024:>10.0f}"
        )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
