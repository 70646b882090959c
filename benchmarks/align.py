"""Word-alignment benchmark: xner's SimAlign vs the `simalign` PyPI package, same encoder, one run.

    python benchmarks/align.py [--pair de-en_vilar] [--limit N] [--chunks 8] [--skip-package]
    python benchmarks/align.py --backends torch,torch-bf16,onnx --only-itermax --package-methods i


On a gold set (default de-en Vilar, 508 pairs), with the same encoder (default the offline
multilingual-e5-small rebuilt from 4-bit), layer 8, bpe mode, it measures
- the `simalign` package (SentenceAligner, matching_methods="mai": argmax, itermax and match from
  one call per pair): AER per method, pairs/s for all three together;
- xner: all three methods from one pass (`align_methods`) and each method alone (`align`);
- the forward-pass floor: the bare encoder over both sides, batched (32), length-sorted, layers ≤ 8,
  tokenised beforehand.
With ``--backends``, xner's itermax also runs with each inference backend (`xner.backends`): AER,
share of link sets identical to fp32 torch, pairs/s, ratio to the fp32 floor and to the package
(``--package-methods i``: the package computes itermax only, the method being compared).
``--only-itermax`` skips xner's argmax/match/all-three rows. All models are loaded (and warmed up)
before any timing. On a shared machine the load changes
during a run (the same pass can take 3x longer from one minute to the next), so the systems are
interleaved: the data is cut into `--chunks` slices, every system runs on each slice `--repeats`
times in rotating order, and the fastest repeat of each (slice, system) is kept (the package, far
slower, runs `--package-repeats` times, default once); times are summed per system. Wall and
process CPU time are recorded.
Prints a table, then one JSON line of figures and ratios.
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

from xner.align.aer import aer_metrics
from xner.align.neural import SimAlign
from xner.data.alignment_gold import AlignmentGold
from xner.hub import describe_model, resolve_model

METHODS = ("argmax", "itermax", "match")
PACKAGE_NAMES = {"inter": "argmax", "itermax": "itermax", "mwmf": "match"}
PACKAGE_CODES = {"a": "inter", "i": "itermax", "m": "mwmf"}


class Floor:
    """The bare encoder pass (batched, length-sorted, cut after `layer`)."""

    def __init__(self, encoder: str, layer: int, batch_size: int = 32):
        from transformers import AutoModel, AutoTokenizer

        path = resolve_model(encoder)
        self.tok = AutoTokenizer.from_pretrained(path)
        self.model = AutoModel.from_pretrained(path, add_pooling_layer=False).eval()
        self.model.encoder.layer = self.model.encoder.layer[:layer]
        self.batch_size = batch_size

    def tokenize(self, sentences: list[list[str]]) -> list[list[int]]:
        ids = self.tok(sentences, is_split_into_words=True, truncation=True)["input_ids"]
        return sorted(ids, key=len, reverse=True)

    def run(self, ids: list[list[int]]) -> None:
        import torch

        with torch.inference_mode():
            for k in range(0, len(ids), self.batch_size):
                chunk = ids[k : k + self.batch_size]
                width = max(map(len, chunk))
                x = torch.full((len(chunk), width), self.tok.pad_token_id, dtype=torch.long)
                mask = torch.zeros_like(x)
                for r, row in enumerate(chunk):
                    x[r, : len(row)] = torch.tensor(row)
                    mask[r, : len(row)] = 1
                self.model(input_ids=x, attention_mask=mask)


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pair", default="de-en_vilar")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--encoder", default="offline:multilingual-e5-small")
    ap.add_argument("--layer", type=int, default=8)
    ap.add_argument("--chunks", type=int, default=8)
    ap.add_argument("--repeats", type=int, default=3, help="runs per chunk and system (min taken)")
    ap.add_argument("--package-repeats", type=int, default=1, help="runs per chunk of the (slow) package")
    ap.add_argument("--skip-package", action="store_true")
    ap.add_argument("--package-methods", default="mai", help="package methods: a=argmax i=itermax m=match")
    ap.add_argument("--backends", default="torch", help="comma-separated xner.backends for xner itermax")
    ap.add_argument("--only-itermax", action="store_true", help="skip xner's argmax, match and all-three rows")
    args = ap.parse_args()
    backends = [b for b in args.backends.split(",") if b]
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    data_dir = os.environ.get("XNER_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    gold = AlignmentGold(pair=args.pair, data_dir=data_dir, limit=args.limit).load()
    n = len(gold)
    fig: dict[str, float] = {"pairs": n, "torch_threads": torch.get_num_threads(),
                             "load_avg_start": os.getloadavg()[0]}

    # load and warm up everything first
    xner = SimAlign(encoder=args.encoder, layer=args.layer, progress=False).load()
    xner.align(gold.src[:8], gold.tgt[:8])
    by_backend = {}
    for b in backends:
        if b != "torch":
            by_backend[b] = SimAlign(encoder=args.encoder, layer=args.layer, progress=False, backend=b).load()
            by_backend[b].align(gold.src[:8], gold.tgt[:8])
            fig[f"{b}_fallback"] = by_backend[b].metrics()["align/backend_fallback"]
    floor = Floor(args.encoder, args.layer)
    floor.run(floor.tokenize([list(s) for s in gold.src[:8]]))
    package = None
    if not args.skip_package:
        from simalign import SentenceAligner

        package = SentenceAligner(model=resolve_model(args.encoder), token_type="bpe",
                                  matching_methods=args.package_methods,
                                  device="cpu", layer=args.layer)
        package.get_word_aligns(list(gold.src[0]), list(gold.tgt[0]))

    def run_xner_all(a, b):
        return xner.align_methods(gold.src[a:b], gold.tgt[a:b], METHODS)

    def run_xner_one(method):
        def go(a, b):
            xner.method = xner.default_method = method
            return xner.align(gold.src[a:b], gold.tgt[a:b])
        return go

    def run_floor(a, b):
        ids = floor.tokenize([list(s) for s in gold.src[a:b]] + [list(t) for t in gold.tgt[a:b]])
        return timed(lambda: floor.run(ids))  # tokenisation is not part of the floor

    def run_package(a, b):
        out = defaultdict(list)
        for s, t in zip(gold.src[a:b], gold.tgt[a:b], strict=True):
            res = package.get_word_aligns(list(s), list(t))
            for key, name in PACKAGE_NAMES.items():
                if key in res:
                    out[name].append(frozenset(map(tuple, res[key])))
        return out

    def run_backend(b):
        def go(a, c):
            return by_backend[b].align(gold.src[a:c], gold.tgt[a:c])
        return go

    pkg_methods = [PACKAGE_NAMES[PACKAGE_CODES[c]] for c in args.package_methods]
    pkg_name = "package_all3" if len(pkg_methods) == 3 else "package_" + "_".join(pkg_methods)
    if args.only_itermax:
        systems = {"xner_itermax": run_xner_one("itermax"), "floor": run_floor}
    else:
        systems = {"xner_all3": run_xner_all, **{f"xner_{m}": run_xner_one(m) for m in METHODS}, "floor": run_floor}
    systems.update({f"xner_itermax@{b}": run_backend(b) for b in by_backend})
    if package is not None:
        systems[pkg_name] = run_package
    wall: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    links: dict[str, list] = defaultdict(list)
    bounds = [round(k * n / args.chunks) for k in range(args.chunks + 1)]
    names = list(systems)
    for c in range(args.chunks):
        a, b = bounds[c], bounds[c + 1]
        best: dict[str, tuple[float, float]] = {}
        for r in range(args.repeats):
            shift = (c + r) % len(names)
            for name in names[shift:] + names[:shift]:  # rotate the order
                if name == pkg_name and r >= args.package_repeats:
                    continue  # the package is ~10x slower: by default it runs once per slice
                out, w, t = timed(lambda fn=systems[name], a=a, b=b: fn(a, b))
                if name == "floor":
                    out, w, t = out  # the floor times its forward pass only
                best[name] = (min(best.get(name, (w, t))[0], w), min(best.get(name, (w, t))[1], t))
                if r == 0 and name in ("xner_all3", pkg_name):
                    for m in out:
                        links[f"{name}:{m}"].extend(out[m])
                elif r == 0 and name != "floor":
                    links[name].extend(out)
        for name, (w, t) in best.items():
            wall[name] += w
            cpu[name] += t

    rows = []
    for m in METHODS if not args.only_itermax else ("itermax",):
        if not args.only_itermax:
            assert links[f"xner_{m}"] == links[f"xner_all3:{m}"], f"{m}: one-method run differs from all three"
        fig[f"xner_{m}_aer"] = 100 * aer_metrics(links[f"xner_{m}"], gold.sure, gold.possible)["align/aer"]
        rows.append((f"xner {m}", fig[f"xner_{m}_aer"], f"xner_{m}"))
    for b in by_backend:
        got = links[f"xner_itermax@{b}"]
        fig[f"{b}_itermax_aer"] = 100 * aer_metrics(got, gold.sure, gold.possible)["align/aer"]
        fig[f"{b}_aer_diff"] = fig[f"{b}_itermax_aer"] - fig["xner_itermax_aer"]
        fig[f"{b}_identical_links"] = sum(x == y for x, y in zip(got, links["xner_itermax"], strict=True)) / n
        rows.append((f"xner itermax, backend {b}", fig[f"{b}_itermax_aer"], f"xner_itermax@{b}"))
    if not args.only_itermax:
        rows.append(("xner argmax+itermax+match (one pass)", None, "xner_all3"))
    rows.append((f"forward floor (fp32 torch, batched, sorted, layers ≤ {args.layer})", None, "floor"))
    if package is not None:
        for m in pkg_methods:
            pkg = links[f"{pkg_name}:{m}"]
            fig[f"package_{m}_aer"] = 100 * aer_metrics(pkg, gold.sure, gold.possible)["align/aer"]
            if f"xner_{m}_aer" in fig:
                fig[f"aer_diff_{m}"] = fig[f"xner_{m}_aer"] - fig[f"package_{m}_aer"]
                fig[f"identical_links_{m}"] = sum(x == y for x, y in zip(pkg, links[f"xner_{m}"], strict=True)) / n
            rows.append((f"simalign package {m}", fig[f"package_{m}_aer"], None))
        rows.append((f"simalign package, computing {'+'.join(pkg_methods)}", None, pkg_name))
    for name in systems:
        fig[f"{name}_pairs_per_s"] = n / wall[name]
        fig[f"{name}_pairs_per_cpu_s"] = n / cpu[name]
    main_key = "xner_itermax" if args.only_itermax else "xner_all3"
    fig["fraction_of_floor"] = wall["floor"] / wall[main_key]
    fig["fraction_of_floor_cpu"] = cpu["floor"] / cpu[main_key]
    if package is not None:
        fig["speedup_vs_package"] = wall[pkg_name] / wall[main_key]
        fig["speedup_vs_package_cpu"] = cpu[pkg_name] / cpu[main_key]
    for b in ["torch", *by_backend]:
        key = "xner_itermax" if b == "torch" else f"xner_itermax@{b}"
        fig[f"{b}_itermax_vs_floor"] = wall["floor"] / wall[key]
        fig[f"{b}_itermax_vs_floor_cpu"] = cpu["floor"] / cpu[key]
        if package is not None and "itermax" in pkg_methods:
            fig[f"{b}_itermax_vs_package"] = wall[pkg_name] / wall[key]
            fig[f"{b}_itermax_vs_package_cpu"] = cpu[pkg_name] / cpu[key]
    fig["load_avg_end"] = os.getloadavg()[0]

    print(f"{args.pair}, {n} pairs, encoder {describe_model(args.encoder)}, layer {args.layer}, bpe, "
          f"torch threads {fig['torch_threads']}, {args.chunks} interleaved chunks, best of {args.repeats}")
    print(f"{'system':46s} {'AER':>6s} {'pairs/s':>8s} {'pairs/cpu-s':>12s} {'×floor':>7s} {'×floor cpu':>10s}")
    for label, aer, key in rows:
        aer_s = f"{aer:6.1f}" if aer is not None else "     -"
        speed = (f"{n / wall[key]:8.1f} {n / cpu[key]:12.1f} {wall['floor'] / wall[key]:7.2f} "
                 f"{cpu['floor'] / cpu[key]:10.2f}") if key else f"{'-':>8s} {'-':>12s}"
        print(f"{label:46s} {aer_s} {speed}")
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in fig.items()}))


if __name__ == "__main__":
    main()
