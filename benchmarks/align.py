"""Word-alignment benchmark: xner's SimAlign vs the `simalign` PyPI package, same encoder, one run.

    python benchmarks/align.py [--pair de-en_vilar] [--limit N] [--encoder offline:multilingual-e5-small]

Measures on a gold set (default de-en Vilar, 508 pairs), with the same encoder, layer 8, bpe mode:
- the `simalign` package (SentenceAligner, matching_methods="mai": argmax, itermax and match from
  one call per pair) — AER per method and pairs/s for all three together;
- xner: all three methods from one pass (`align_methods`), and each method alone (`align`);
- the forward-pass floor: the encoder alone over both sides, batched (32), length-sorted, layers ≤ 8.
Model loading is excluded everywhere. Prints a table, then one JSON line of figures and ratios.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xner.align.aer import aer_metrics
from xner.align.neural import SimAlign
from xner.data.alignment_gold import AlignmentGold
from xner.hub import describe_model, resolve_model

METHODS = ("argmax", "itermax", "match")
PACKAGE_NAMES = {"inter": "argmax", "itermax": "itermax", "mwmf": "match"}


def forward_floor(encoder: str, layer: int, sentences: list[list[str]], batch_size: int = 32) -> float:
    """Seconds for the bare encoder pass (tokenised beforehand; batched, length-sorted, layers ≤ layer)."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    path = resolve_model(encoder)
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path, add_pooling_layer=False).eval()
    model.encoder.layer = model.encoder.layer[:layer]
    ids = tok(sentences, is_split_into_words=True, truncation=True)["input_ids"]
    ids.sort(key=len, reverse=True)
    with torch.inference_mode():  # warm-up (thread pool, allocator), not timed
        model(input_ids=torch.tensor([ids[-1]]))
    started = time.perf_counter()
    with torch.inference_mode():
        for k in range(0, len(ids), batch_size):
            chunk = ids[k : k + batch_size]
            width = max(map(len, chunk))
            x = torch.full((len(chunk), width), tok.pad_token_id, dtype=torch.long)
            mask = torch.zeros_like(x)
            for r, row in enumerate(chunk):
                x[r, : len(row)] = torch.tensor(row)
                mask[r, : len(row)] = 1
            model(input_ids=x, attention_mask=mask)
    return time.perf_counter() - started


def run_package(encoder: str, layer: int, src, tgt) -> tuple[dict[str, list[frozenset]], float]:
    from simalign import SentenceAligner

    aligner = SentenceAligner(model=resolve_model(encoder), token_type="bpe", matching_methods="mai",
                              device="cpu", layer=layer)
    out: dict[str, list[frozenset]] = {m: [] for m in METHODS}
    aligner.get_word_aligns(list(src[0]), list(tgt[0]))  # warm-up, not timed
    started = time.perf_counter()
    for s, t in zip(src, tgt, strict=True):
        res = aligner.get_word_aligns(list(s), list(t))
        for key, name in PACKAGE_NAMES.items():
            out[name].append(frozenset(map(tuple, res[key])))
    return out, time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pair", default="de-en_vilar")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--encoder", default="offline:multilingual-e5-small")
    ap.add_argument("--layer", type=int, default=8)
    ap.add_argument("--skip-package", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch

    data_dir = os.environ.get("XNER_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    gold = AlignmentGold(pair=args.pair, data_dir=data_dir, limit=args.limit).load()
    n = len(gold)
    rows: list[tuple[str, str, float | None, float]] = []
    fig: dict[str, float] = {"pairs": n, "torch_threads": torch.get_num_threads()}

    fig["load_avg_start"] = os.getloadavg()[0]
    aligner = SimAlign(encoder=args.encoder, layer=args.layer, progress=False).load()
    aligner.align(gold.src[:8], gold.tgt[:8])  # warm-up, not timed
    started = time.perf_counter()
    together = aligner.align_methods(gold.src, gold.tgt, METHODS)
    t_all = time.perf_counter() - started
    fig["xner_all3_pairs_per_s"] = n / t_all
    for m in METHODS:
        aer = aer_metrics(together[m], gold.sure, gold.possible)["align/aer"]
        aligner.method = aligner.default_method = m
        started = time.perf_counter()
        alone = aligner.align(gold.src, gold.tgt)
        t = time.perf_counter() - started
        assert alone == together[m], f"{m}: one-method run differs from the multi-method run"
        fig[f"xner_{m}_aer"] = 100 * aer
        fig[f"xner_{m}_pairs_per_s"] = n / t
        rows.append((f"xner {m}", m, 100 * aer, n / t))
    rows.append(("xner argmax+itermax+match (one pass)", "all", None, n / t_all))
    aligner.close()

    t_floor = forward_floor(args.encoder, args.layer, [list(s) for s in gold.src] + [list(t) for t in gold.tgt])
    fig["floor_pairs_per_s"] = n / t_floor
    rows.append((f"forward floor (batched, sorted, layers ≤ {args.layer})", "-", None, n / t_floor))

    if not args.skip_package:
        pkg, t_pkg = run_package(args.encoder, args.layer, gold.src, gold.tgt)
        fig["package_all3_pairs_per_s"] = n / t_pkg
        for m in METHODS:
            aer = 100 * aer_metrics(pkg[m], gold.sure, gold.possible)["align/aer"]
            fig[f"package_{m}_aer"] = aer
            fig[f"aer_diff_{m}"] = fig[f"xner_{m}_aer"] - aer
            same = sum(a == b for a, b in zip(pkg[m], together[m], strict=True))
            fig[f"identical_links_{m}"] = same / n
            rows.append((f"simalign package {m}", m, aer, float("nan")))
        rows.append(("simalign package argmax+itermax+match", "all", None, n / t_pkg))
        fig["speedup_vs_package"] = fig["xner_all3_pairs_per_s"] / fig["package_all3_pairs_per_s"]
    fig["load_avg_end"] = os.getloadavg()[0]
    fig["fraction_of_floor"] = fig["xner_all3_pairs_per_s"] / fig["floor_pairs_per_s"]

    print(f"{args.pair}, {n} pairs, encoder {describe_model(args.encoder)}, layer {args.layer}, bpe, "
          f"torch threads {fig['torch_threads']}")
    print(f"{'system':48s} {'AER':>6s} {'pairs/s':>8s}")
    for name, _m, aer, speed in rows:
        aer_s = f"{aer:6.1f}" if aer is not None else "     -"
        speed_s = f"{speed:8.1f}" if speed == speed else "       -"
        print(f"{name:48s} {aer_s} {speed_s}")
    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in fig.items()}))


if __name__ == "__main__":
    main()
