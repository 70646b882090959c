"""Peak memory (RSS) of projecting a 20k-sentence set, whole-corpus vs. streamed in batches.

    python benchmarks/memory.py                 # 20,000 sentence pairs (default)
    python benchmarks/memory.py --sentences 2000 --quick

Each measurement runs in a fresh process (peak RSS is per process): build a synthetic but realistic
projection input (source 8–40 words, target ±20%, 0–3 entities of 1–3 words, near-diagonal word
links with noise and some unaligned words, ~1 link per word), then project it the way the tasks do
— `xner.pipeline.stages.project_batch` over the whole corpus at once — or in batches of `--batch`
sentences whose results are reduced to tag lists (streaming). Reported: RSS after the input is
built (`corpus_mib`), the peak (`peak_mib`, VmHWM) and their difference (`projection_mib`: what
projecting adds on top of the corpus). Prints a table, then one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def rss_mib(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def synthetic_inputs(n: int, seed: int = 0) -> list:
    """`n` ProjectionInputs that look like real sentence pairs (deterministic for a seed)."""
    import numpy as np

    from xner.data.types import Span
    from xner.project.base import ProjectionInput

    rng = np.random.default_rng(seed)
    vocab = [f"w{i}" for i in range(5000)] + [",", ".", "(", ")", "!", "?"]
    labels = ("PER", "ORG", "LOC", "MISC")
    out = []
    for k in range(n):
        m = int(rng.integers(8, 41))
        t = max(1, int(np.rint(m * rng.uniform(0.8, 1.2))))
        words = tuple(vocab[i] for i in rng.integers(0, len(vocab), t))
        spans, pos = [], int(rng.integers(0, 4))
        for _ in range(int(rng.integers(0, 4))):
            length = int(rng.integers(1, 4))
            if pos + length > m:
                break
            spans.append(Span(pos, pos + length, labels[int(rng.integers(0, 4))]))
            pos += length + int(rng.integers(1, 6))
        links = set()
        for i in range(m):
            if rng.random() < 0.9:
                j = int(np.rint(i * t / m + rng.integers(-1, 2)))
                links.add((i, min(max(j, 0), t - 1)))
            if rng.random() < 0.1:
                links.add((i, int(rng.integers(0, t))))
        out.append(ProjectionInput(tuple(spans), m, words, frozenset(links), f"synthetic:{k + 1}"))
    return out


def projector(method: str):
    from xner.project.candidates import NgramCandidates
    from xner.project.heuristic import HeuristicProjector
    from xner.project.matching import GreedyMatcher, IlpMatcher
    from xner.project.projector import MatchingProjector

    if method == "heuristic":
        return HeuristicProjector()
    matcher = GreedyMatcher() if method == "greedy" else IlpMatcher()
    return MatchingProjector(candidates=NgramCandidates(max_len=10), matcher=matcher)


def child(method: str, n: int, batch: int | None) -> dict:
    """One measurement (in its own process)."""
    import logging

    logging.disable(logging.WARNING)  # the per-batch summaries are not what is measured
    from xner.data.tags import spans_to_tags
    from xner.pipeline.stages import project_batch

    inputs = synthetic_inputs(n)
    corpus = rss_mib("VmRSS")
    started = time.perf_counter()
    entities = 0
    if method != "none":
        proj = projector(method)
        if batch is None:  # what the tasks do today: the whole corpus in one call
            result = project_batch(proj, inputs)
            tags = [spans_to_tags(p.spans, x.tgt_len) for p, x in zip(result.projections, inputs, strict=True)]
            entities = result.stats.projected
            del result
        else:  # streamed: each batch reduced to its tag lists before the next one
            tags = []
            for s in range(0, len(inputs), batch):
                chunk = inputs[s : s + batch]
                result = project_batch(proj, chunk)
                tags += [spans_to_tags(p.spans, x.tgt_len) for p, x in zip(result.projections, chunk, strict=True)]
                entities += result.stats.projected
                del result
        assert len(tags) == len(inputs)
    peak = rss_mib("VmHWM")
    return {
        "method": method, "sentences": n, "batch": batch, "corpus_mib": round(corpus, 1), "peak_mib": round(peak, 1),
        "projection_mib": round(peak - corpus, 1), "seconds": round(time.perf_counter() - started, 2),
        "projected_entities": entities,
    }


def measure(method: str, n: int, batch: int | None) -> dict:
    cmd = [sys.executable, __file__, "--child", method, "--sentences", str(n)]
    if batch:
        cmd += ["--batch", str(batch)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=REPO,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "OMP_NUM_THREADS": "1"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="heuristic and greedy only")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.sentences, args.batch)))
        return
    n, batch = args.sentences, args.batch or 1000
    plan = [("none", n, None), ("heuristic", n, None), ("greedy", n // 4, None), ("greedy", n, None),
            ("greedy", n, batch)]
    if not args.quick:
        plan += [("ilp", n, None), ("ilp", n, batch)]
    rows = [measure(*p) for p in plan]
    print(f"{'method':<10} {'sentences':>9} {'batch':>6} {'corpus MiB':>10} {'peak MiB':>9} {'+proj MiB':>9} "
          f"{'seconds':>8}")
    for r in rows:
        print(f"{r['method']:<10} {r['sentences']:>9} {r['batch'] or 'all':>6} {r['corpus_mib']:>10.1f} "
              f"{r['peak_mib']:>9.1f} {r['projection_mib']:>9.1f} {r['seconds']:>8.2f}")
    print(json.dumps({"benchmark": "memory", "sentences": n, "batch": batch, "runs": rows}))


if __name__ == "__main__":
    main()
