"""Synthetic run directories, laid out as Hydra writes them (``.hydra/{config,hydra}.yaml`` +
``metrics.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml


def make_run(
    root: Path,
    name: str,
    lang: str,
    task: str = "translate_test",
    projection: str | None = None,
    aligner: str | None = None,
    candidates: str | None = None,
    matcher: str | None = None,
    backtranslation: bool = False,
    metrics: dict | str | None = None,
    data: str | None = None,
) -> Path:
    run = root / name
    (run / ".hydra").mkdir(parents=True)
    choices = {"task": task, "lang": lang}
    cfg: dict = {"task": {"name": task}, "lang": {"code": lang}, "seed": 1}
    if data:
        cfg["data"] = {"name": data}
    if projection:
        choices["projection"] = projection
        cfg["projection"] = {"backtranslation": backtranslation}
    for group, value in (("aligner", aligner), ("candidates", candidates), ("matcher", matcher)):
        if value:
            choices[group] = value
            cfg[group] = {"_target_": f"x.{value}"}
    (run / ".hydra" / "config.yaml").write_text(yaml.safe_dump(cfg))
    hydra = {"hydra": {"runtime": {"choices": choices}, "overrides": {"task": [f"lang={lang}"]}}}
    (run / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump(hydra))
    (run / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"lang={lang}"]))
    if metrics is not None:
        text = metrics if isinstance(metrics, str) else json.dumps(metrics)
        (run / "metrics.json").write_text(text)
    return run


def test_metrics(recall: float, precision: float = 0.8, per: float | None = None) -> dict:
    f1 = 2 * precision * recall / (precision + recall)
    out = {"test/recall": recall, "test/precision": precision, "test/f1": f1, "meta/model": "tiny"}
    if per is not None:
        out["test/recall_PER"] = per
        out["test/recall_LOC"] = recall
    return out


test_metrics.__test__ = False  # a helper, not a test
