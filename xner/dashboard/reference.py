"""The seed paper's published per-language figures, as reference rows for the report.

Politov et al. (NoDaLiDa 2025) released one CSV row per run (W&B export) in
``<data_dir>/reference_results/{masakhaner2,xtreme40,europarlner}_metrics.csv``. These are figures
(facts), read at run time from the data directory; no code of the seed is used. Their pipelines map
onto xner methods as follows (all are translate-test evaluations against the original target text):

===================== ================================================
seed ``pipeline_type`` xner method
===================== ================================================
model_transfer         model-transfer
align_src              heuristic·<aligner>
candidates             <ngram|ner>-greedy·<aligner> (``candidate_selection`` dummy = n-grams)
backtrans_candidates   the same, +bt
align_tgt              not mapped (aligns the translation side; not comparable)
===================== ================================================
"""

from __future__ import annotations

import csv
import logging
import math
from pathlib import Path

from xner.dashboard.methods import Method

log = logging.getLogger(__name__)

FILES = ("masakhaner2_metrics.csv", "xtreme40_metrics.csv", "europarlner_metrics.csv")
_DATASETS = {"masakhaner2": "masakhaner2", "xtreme": "wikiann", "europarl": "europarl_ner"}
_TYPES = ("PER", "ORG", "LOC", "DATE", "MISC")

# (dataset, lang, method) -> {"recall": 0.71, "recall_PER": ..., ...}
Reference = dict[tuple[str, str, Method], dict[str, float]]


def seed_method(row: dict[str, str]) -> Method | None:
    """The xner method a seed result row corresponds to, or None when it has no counterpart."""
    pipeline = row.get("pipeline_type", "")
    aligner = row.get("aligner", "") or ""
    if pipeline == "model_transfer":
        return Method("model_transfer")
    if pipeline == "align_src":
        return Method("translate_test", "heuristic", aligner)
    if pipeline in ("candidates", "backtrans_candidates"):
        selection = row.get("candidate_selection", "")
        candidates = {"dummy": "ngram", "ner": "ner"}.get(selection)
        if candidates is None or row.get("candidate_matching") != "argmax":
            return None
        return Method(
            "translate_test",
            "matching",
            aligner,
            "",
            candidates,
            "greedy",
            pipeline == "backtrans_candidates",
        )
    return None


def _float(value: str | None) -> float | None:
    try:
        x = float(value) if value not in (None, "") else None
    except ValueError:
        return None
    return x if x is not None and math.isfinite(x) else None


def parse_rows(rows: list[dict[str, str]]) -> Reference:
    """Reference figures from seed CSV rows (pure)."""
    ref: Reference = {}
    for row in rows:
        if row.get("Status", "FINISHED") != "FINISHED":
            continue
        method = seed_method(row)
        dataset = _DATASETS.get(row.get("dataset", ""))
        lang = row.get("lang", "")
        if method is None or dataset is None or not lang:
            continue
        figures: dict[str, float] = {}
        for measure in ("precision", "recall", "f1"):
            if (x := _float(row.get(f"overall_{measure}"))) is not None:
                figures[measure] = x
            for t in _TYPES:
                if (x := _float(row.get(f"{t}_{measure}"))) is not None:
                    figures[f"{measure}_{t}"] = x
        if figures:
            ref[(dataset, lang, method)] = figures
    return ref


def load_reference(data_dir: str | Path | None) -> tuple[Reference, str]:
    """Reference figures from ``<data_dir>/reference_results``, and a note saying where they came
    from (or why there are none)."""
    if data_dir is None:
        return {}, "seed reference figures not shown: no data directory (set XNER_DATA or --data-dir)"
    folder = Path(data_dir) / "reference_results"
    rows: list[dict[str, str]] = []
    used = []
    for name in FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                rows.extend(csv.DictReader(fh))
            used.append(name)
        except (OSError, csv.Error, UnicodeDecodeError) as exc:
            log.warning("cannot read seed reference figures %s: %s", path, exc)
    if not used:
        return {}, f"seed reference figures not shown: none found in {folder}"
    ref = parse_rows(rows)
    return ref, f"seed reference figures: {len(ref)} results from {folder} ({', '.join(used)})"
