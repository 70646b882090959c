"""AER of every aligner on the three gold sets (quality only; speed is benchmarks/align.py).

    python benchmarks/align_aer.py [--encoder offline:multilingual-e5-small] [--limit N] [--skip-eflomal]
    python benchmarks/align_aer.py --backends torch,torch-bf16,torch-int8,onnx,onnx-int8

Rows: SimAlign argmax/itermax/match (one encoder pass per set), AWESoME (softmax, 1e-3), eflomal
(intersection and grow-diag-final-and, trained on the gold set's own text), and eflomal with extra
parallel text where the collection has some for that language pair (de-en: Europarl-NER de/en,
799 sentences). eflomal has no seed: its figures move by a few tenths between runs.
With ``--backends``: SimAlign itermax with each inference backend (`xner.backends`) instead, AER
and the share of link sets identical to fp32 torch's, per gold set.
Prints a table (AER %, lower is better), then one JSON line.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xner.align.aer import aer_metrics
from xner.align.neural import Awesome, SimAlign
from xner.align.statistical import Eflomal
from xner.data.alignment_gold import PAIRS, AlignmentGold
from xner.hub import describe_model

EXTRA = {  # extra parallel text in the development collection, oriented like the gold set
    "de-en_vilar": {"src": "europarl_ner/de-europarl.test.conll02", "tgt": "europarl_ner/en-europarl.test.conll02",
                    "format": "conll"},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--encoder", default="offline:multilingual-e5-small")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--skip-eflomal", action="store_true")
    ap.add_argument("--backends", default=None, help="comma-separated xner.backends: SimAlign itermax with each")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    data_dir = os.environ.get("XNER_DATA", str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    if args.backends:
        return backends_table(args, data_dir)
    table: dict[str, dict[str, float]] = {}
    simalign = SimAlign(encoder=args.encoder, progress=False).load()
    awesome = Awesome(encoder=args.encoder, progress=False)
    awesome._embedder = simalign.embedder  # same encoder and layer: one loaded model
    for pair in PAIRS:
        gold = AlignmentGold(pair=pair, data_dir=data_dir, limit=args.limit).load()

        def aer(links, gold=gold):
            return 100 * aer_metrics(links, gold.sure, gold.possible)["align/aer"]

        out = simalign.align_methods(gold.src, gold.tgt, ("argmax", "itermax", "match"))
        for m, links in out.items():
            table.setdefault(f"simalign {m}", {})[pair] = aer(links)
        table.setdefault("awesome softmax 1e-3", {})[pair] = aer(awesome.align(gold.src, gold.tgt))
        if not args.skip_eflomal:
            for sym in ("intersection", "grow-diag-final-and"):
                links = Eflomal(symmetrization=sym, data_dir=data_dir).align(gold.src, gold.tgt)
                table.setdefault(f"eflomal {sym}", {})[pair] = aer(links)
                if pair in EXTRA:
                    extra = Eflomal(symmetrization=sym, data_dir=data_dir, extra_parallel=EXTRA[pair])
                    table.setdefault(f"eflomal {sym} + extra", {})[pair] = aer(extra.align(gold.src, gold.tgt))
    simalign.close()
    print(f"AER (%), encoder aligners: {describe_model(args.encoder)}, layer 8, bpe")
    print(f"{'aligner':36s} " + " ".join(f"{p:>15s}" for p in PAIRS))
    for name, row in table.items():
        print(f"{name:36s} " + " ".join(f"{row[p]:15.1f}" if p in row else f"{'-':>15s}" for p in PAIRS))
    print(json.dumps({f"{name}|{p}": round(v, 2) for name, row in table.items() for p, v in row.items()}))


def backends_table(args, data_dir: str) -> None:
    names = ["torch", *(b for b in args.backends.split(",") if b and b != "torch")]
    fig: dict[str, float] = {}
    golds = {pair: AlignmentGold(pair=pair, data_dir=data_dir, limit=args.limit).load() for pair in PAIRS}
    links: dict[str, dict[str, list]] = {}
    for b in names:  # one model at a time
        with SimAlign(encoder=args.encoder, progress=False, backend=b) as aligner:
            links[b] = {pair: aligner.align(g.src, g.tgt) for pair, g in golds.items()}
            fig[f"{b}|fallback"] = aligner.metrics().get("align/backend_fallback", 0.0)
    print(f"SimAlign itermax, {describe_model(args.encoder)}, layer 8, bpe: AER % (identical link sets vs fp32)")
    print(f"{'backend':12s} " + " ".join(f"{p:>22s}" for p in PAIRS))
    for b in names:
        cells = []
        for pair, g in golds.items():
            aer = 100 * aer_metrics(links[b][pair], g.sure, g.possible)["align/aer"]
            same = sum(x == y for x, y in zip(links[b][pair], links["torch"][pair], strict=True)) / len(g)
            fig[f"{b}|{pair}|aer"], fig[f"{b}|{pair}|identical"] = aer, same
            fig[f"{b}|{pair}|aer_diff"] = aer - fig[f"torch|{pair}|aer"]
            cells.append(f"{aer:6.2f} ({fig[f'{b}|{pair}|aer_diff']:+.2f}, {same:5.1%})")
        print(f"{b:12s} " + " ".join(f"{c:>22s}" for c in cells))
    print(json.dumps({k: round(v, 4) for k, v in fig.items()}))


if __name__ == "__main__":
    main()
