"""The RESULTS table of an `experiment=masakhaner_offline` sweep: language × method F1 and recall,
averages, seeds (mean ± std where several), projection counts and the pairs each language kept.

    python benchmarks/masakhaner_table.py multirun/masakhaner_offline [--cache ~/.cache/xner/cache]

Reads every ``<lang>/<method>/<overrides>/metrics.json``; runs that differ only in ``seed=`` are
grouped (mean ± sample std over seeds). Pairs kept are read from the sentence-alignment cache
(``<cache>/sentalign/*.json``). Prints markdown tables, then one JSON line with every figure.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from collections import defaultdict
from pathlib import Path

LANGS = ["hau", "ibo", "nya", "sna", "swa", "xho", "yor", "zul"]
METHODS = ["model_transfer", "tprojection", "heuristic", "ngram_greedy", "ngram_ilp", "ner_ilp",
           "ngram_ilp_awesome", "ngram_ilp_eflomal", "en_ngram_ilp"]


def _setting(overrides: str) -> tuple[str, int]:
    """(overrides without seed, seed)."""
    parts = [p for p in overrides.split(",") if p]
    seed = 42
    rest = []
    for p in parts:
        if p.startswith("seed="):
            seed = int(p.split("=", 1)[1])
        else:
            rest.append(p)
    return ",".join(rest), seed


def collect(sweep: Path) -> dict:
    runs: dict = defaultdict(dict)  # (setting, lang, method) -> {seed: metrics}
    for path in sweep.glob("*/*/*/metrics.json"):
        lang, method, overrides = path.relative_to(sweep).parts[:3]
        setting, seed = _setting(overrides)
        runs[(setting, lang, method)][seed] = json.loads(path.read_text())
    for path in sweep.glob("*/*/metrics.json"):  # jobs without extra overrides
        lang, method = path.relative_to(sweep).parts[:2]
        runs[("", lang, method)][42] = json.loads(path.read_text())
    return runs


def pairs_kept(cache: Path) -> dict[str, dict]:
    out = {}
    for p in (cache / "sentalign").glob("*.json"):
        d = json.loads(p.read_text())
        m = re.search(r"/([a-z]{3})\.train\.txt$", d.get("target", ""))
        if m and "tprojection" in d["target"]:
            out[m.group(1)] = {"pairs": len(d["pairs"]), "merged": d["merged"],
                               "unmatched_source": d["unmatched_source"], "unmatched_target": d["unmatched_target"]}
    return out


def _fmt(values: list[float]) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{100 * values[0]:.1f}"
    return f"{100 * statistics.mean(values):.1f}±{100 * statistics.stdev(values):.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sweep", type=Path)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache/xner/cache")
    ap.add_argument("--setting", default="", help="the overrides (without seed=) of the runs to tabulate")
    args = ap.parse_args()
    runs = collect(args.sweep)
    setting = args.setting
    summary: dict = {"setting": setting, "f1": {}, "recall": {}, "seeds": {}}
    for key in ("f1", "recall"):
        print(f"\n### test/{key} (MasakhaNER 2.0 test, PER/ORG/LOC; seed 42 unless ± over seeds)\n")
        print("| method | " + " | ".join(LANGS) + " | avg |")
        print("|---|" + "---|" * (len(LANGS) + 1))
        for method in METHODS:
            cells, per_lang = [], []
            for lang in LANGS:
                by_seed = runs.get((setting, lang, method), {})
                vals = [m[f"test/{key}"] for m in by_seed.values() if f"test/{key}" in m]
                cells.append(_fmt(vals))
                if 42 in by_seed:
                    per_lang.append(by_seed[42][f"test/{key}"])
                summary[key].setdefault(method, {})[lang] = vals
            avg = f"{100 * statistics.mean(per_lang):.1f}" if len(per_lang) == len(LANGS) else (
                f"({100 * statistics.mean(per_lang):.1f}, {len(per_lang)} langs)" if per_lang else "–")
            print(f"| {method} | " + " | ".join(cells) + f" | {avg} |")
    print("\n### projection (seed 42): source entities → projected / unprojected by reason, training entities\n")
    print("| lang | method | src entities | projected | unprojected (reasons) | train entities |")
    print("|---|---|---|---|---|---|")
    for lang in LANGS:
        for method in METHODS:
            m = runs.get((setting, lang, method), {}).get(42)
            if not m or "projection/src_entities" not in m:
                continue
            reasons = ", ".join(f"{k.split('unprojected_', 1)[1]} {int(v)}" for k, v in sorted(m.items())
                                if k.startswith("projection/unprojected_") and k != "projection/unprojected_entities"
                                and v)
            print(f"| {lang} | {method} | {int(m['projection/src_entities'])} | "
                  f"{int(m.get('projection/projected_entities', 0))} | "
                  f"{int(m.get('projection/unprojected_entities', 0))} ({reasons or '–'}) | "
                  f"{int(m.get('projection/train_entities', 0))} |")
    kept = pairs_kept(args.cache)
    if kept:
        print("\n### sentence pairs kept (CoNLL-2003 en train, 14,041 sentences ↔ T-Projection file)\n")
        print("| lang | 1-1 pairs | in 2-1/1-2 beads | unmatched en | unmatched target |")
        print("|---|---|---|---|---|")
        for lang in LANGS:
            if lang in kept:
                k = kept[lang]
                print(f"| {lang} | {k['pairs']} | {k['merged']} | {k['unmatched_source']} | {k['unmatched_target']} |")
    summary["pairs_kept"] = kept
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
