"""Dashboard speed on a synthetic full-paper sweep (57 languages × 21 methods = 1,197 run dirs).

    python benchmarks/bench_dashboard.py [--langs 57] [--keep DIR]

Writes synthetic run dirs (metrics.json + .hydra/config.yaml + hydra.yaml, as Hydra lays them out),
then times collecting them, building the tables and rendering the HTML. Prints a table and, last,
one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import yaml

from xner.dashboard.collect import collect_runs
from xner.dashboard.reference import load_reference
from xner.dashboard.report import render_report
from xner.dashboard.table import MEASURES, build_table
from xner.langs import SEED_MASAKHANER_LANGS, XTREME_LANGS


def paper_methods() -> list[dict]:
    """The 21 methods of the paper sweeps, as config group choices."""
    out = [{"task": "model_transfer"}]
    for bt in (False, True):
        for aligner in ("simalign", "awesome"):
            out.append({"task": "translate_test", "projection": "heuristic", "aligner": aligner, "bt": bt})
            for cand in ("ngram", "ner"):
                for matcher in ("greedy", "ilp"):
                    out.append(
                        {
                            "task": "translate_test",
                            "projection": "matching",
                            "aligner": aligner,
                            "candidates": cand,
                            "matcher": matcher,
                            "bt": bt,
                        }
                    )
    return out


def write_sweep(root: Path, langs: list[str], seed: int = 0) -> int:
    rng = random.Random(seed)
    n = 0
    for lang in langs:
        level = rng.uniform(0.3, 0.8)
        for i, m in enumerate(paper_methods()):
            run = root / lang / f"m{i:02d}"
            (run / ".hydra").mkdir(parents=True, exist_ok=True)
            choices = {k: v for k, v in m.items() if k != "bt"} | {"lang": lang}
            cfg = {
                "task": {"name": m["task"]},
                "lang": {"code": lang},
                "projection": {"backtranslation": m.get("bt", False)},
            }
            (run / ".hydra" / "config.yaml").write_text(yaml.safe_dump(cfg))
            (run / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump({"hydra": {"runtime": {"choices": choices}}}))
            r = min(0.99, max(0.01, level + rng.gauss(0.03 * (m.get("projection") == "matching"), 0.05)))
            p = min(0.99, max(0.01, r + rng.gauss(0.05, 0.05)))
            metrics = {"test/recall": r, "test/precision": p, "test/f1": 2 * p * r / (p + r)}
            for t in ("PER", "ORG", "LOC"):
                for name, v in (("recall", r), ("precision", p)):
                    metrics[f"test/{name}_{t}"] = min(0.99, max(0.0, v + rng.gauss(0, 0.08)))
            (run / "metrics.json").write_text(json.dumps(metrics))
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--langs", type=int, default=57)
    ap.add_argument("--keep", default=None, help="write the sweep and report here instead of a temp dir")
    args = ap.parse_args()
    langs = [*SEED_MASAKHANER_LANGS, *XTREME_LANGS][: args.langs]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep or tmp) / "sweep"
        n = write_sweep(root, langs)
        tb = time.perf_counter()
        raw = [json.loads(p.read_text()) for p in sorted(root.rglob("metrics.json"))]  # the floor: JSON only
        import xner.dashboard.collect as collect_mod

        fast, collect_mod._YAML_LOADER = collect_mod._YAML_LOADER, yaml.SafeLoader
        tp = time.perf_counter()
        collect_runs([root])  # the same with PyYAML's pure-Python loader, for comparison
        collect_mod._YAML_LOADER = fast
        t0 = time.perf_counter()
        coll = collect_runs([root])
        t1 = time.perf_counter()
        import os

        ref, _ = load_reference(os.environ.get("XNER_DATA"))
        tables = {m: build_table(coll.runs, m, None, ref) for m in MEASURES}
        t2 = time.perf_counter()
        html = render_report(coll, tables)
        t3 = time.perf_counter()
        (Path(args.keep or tmp) / "report.html").write_text(html)
    assert len(raw) == len(coll.runs) == n
    rows = [
        ("read json only", tp - tb),
        ("collect, python yaml", t0 - tp),
        ("collect", t1 - t0),
        ("tables (+reference)", t2 - t1),
        ("render", t3 - t2),
        ("total", t3 - t0),
    ]
    print(f"{n} runs, {len(langs)} languages, {len(paper_methods())} methods, report {len(html) / 1e6:.2f} MB")
    print(f"{'stage':<22}{'seconds':>10}")
    for name, s in rows:
        print(f"{name:<22}{s:>10.3f}")
    print(
        json.dumps(
            {
                "runs": n,
                "langs": len(langs),
                "report_mb": round(len(html) / 1e6, 3),
                **{k.split()[0].rstrip(",") + "_s": round(v, 3) for k, v in rows[:1] + rows[2:]},
                "ms_per_run": round(1000 * (t3 - t0) / n, 3),
                "total_over_json_read": round((t3 - t0) / (tp - tb), 2),
                "python_yaml_over_libyaml_collect": round((t0 - tp) / (t1 - t0), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
