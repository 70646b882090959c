"""The RESULTS table of an `experiment=europarl_translate_test` sweep beside the seed's published
Europarl-NER translate-test figures.

    python benchmarks/europarl_translate_test_table.py multirun/europarl_translate_test

xner rows: ``<lang>/<method>/metrics.json`` (test F1/P/R over PER/ORG/LOC; the tagger has no MISC).
Seed rows: ``$XNER_DATA/reference_results/europarlner_metrics.csv`` (SimAlign, argmax candidate
matching), twice: as published (overall, MISC included) and re-aggregated over PER/ORG/LOC only
(micro: TP = recall·support, predicted = TP / precision, per type), the figure comparable to xner's.
Prints markdown tables, then one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
from pathlib import Path

LANGS = ["de", "es", "it"]
METHODS = ["model_transfer", "heuristic_simalign", "ngram_greedy_simalign", "ngram_ilp_simalign",
           "ner_greedy_simalign", "ner_ilp_simalign"]
SEED = {  # seed pipeline row -> xner method name
    ("model_transfer", ""): "model_transfer",
    ("align_src", ""): "heuristic_simalign",
    ("candidates", "dummy"): "ngram_greedy_simalign",
    ("candidates", "ner"): "ner_greedy_simalign",
}


def micro(row: dict[str, str], types: tuple[str, ...]) -> tuple[float, float, float]:
    """Micro P/R/F1 over `types` from a seed row's per-type precision, recall and support."""
    tp = pred = gold = 0.0
    for t in types:
        n, p, r = float(row[f"{t}_number"]), float(row[f"{t}_precision"]), float(row[f"{t}_recall"])
        hit = r * n
        tp, gold = tp + hit, gold + n
        pred += hit / p if p > 0 else 0.0
    prec, rec = (tp / pred if pred else 0.0), (tp / gold if gold else 0.0)
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def seed_rows(data_dir: Path) -> dict[tuple[str, str], dict[str, float]]:
    out = {}
    with (data_dir / "reference_results/europarlner_metrics.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            if row.get("aligner") not in ("simalign", "") or row.get("Status") != "FINISHED":
                continue
            if row["pipeline_type"] == "candidates" and row.get("candidate_matching") != "argmax":
                continue
            method = SEED.get((row["pipeline_type"], row.get("candidate_selection", "") or ""))
            if method is None:
                continue
            p, r, f = micro(row, ("PER", "ORG", "LOC"))
            out[(row["lang"], method)] = {"f1_all": float(row["overall_f1"]), "f1": f, "precision": p, "recall": r,
                                          "f1_MISC": float(row["MISC_f1"])}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sweep", type=Path)
    ap.add_argument("--data-dir", type=Path, default=Path(os.environ.get("XNER_DATA", "../shared/data")))
    args = ap.parse_args()
    ours = {}
    for lang in LANGS:
        for m in METHODS:
            path = args.sweep / lang / m / "metrics.json"
            if path.is_file():
                ours[(lang, m)] = json.loads(path.read_text())
    seed = seed_rows(args.data_dir)

    def cell(x: float | None) -> str:
        return "–" if x is None else f"{100 * x:.1f}"

    def avg(xs: list[float | None]) -> float | None:
        return None if any(x is None for x in xs) else sum(xs) / len(xs)

    print("| method | " + " | ".join(f"{lg} F1 (P/R)" for lg in LANGS) + " | avg F1 |")
    print("|---|" + "---|" * (len(LANGS) + 1))
    for m in METHODS:
        got = [ours.get((lg, m)) for lg in LANGS]
        f1s = [g["test/f1"] if g else None for g in got]
        cells = [f"{cell(g['test/f1'])} ({cell(g['test/precision'])}/{cell(g['test/recall'])})" if g else "–"
                 for g in got]
        print(f"| xner {m} | " + " | ".join(cells) + f" | {cell(avg(f1s))} |")
    for m in METHODS:
        got = [seed.get((lg, m)) for lg in LANGS]
        if not any(got):
            continue
        cells = [f"{cell(g['f1'])} ({cell(g['precision'])}/{cell(g['recall'])})" if g else "–" for g in got]
        mean = cell(avg([g["f1"] if g else None for g in got]))
        print(f"| seed {m}, PER/ORG/LOC | " + " | ".join(cells) + f" | {mean} |")
        print(f"| seed {m}, published (with MISC) | " + " | ".join(cell(g["f1_all"]) if g else "–" for g in got)
              + f" | {cell(avg([g['f1_all'] if g else None for g in got]))} |")
    tag = {lg: ours[(lg, m)].get("tag/entities") for (lg, m) in ours if "tag/entities" in ours[(lg, m)]}
    print(json.dumps({"xner": {f"{lg}/{m}": {k: v for k, v in d.items() if k.startswith(("test/", "projection/"))}
                               for (lg, m), d in ours.items()},
                      "seed": {f"{lg}/{m}": d for (lg, m), d in seed.items()}, "tag_entities": tag}))


if __name__ == "__main__":
    main()
