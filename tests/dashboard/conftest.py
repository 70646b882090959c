"""Fixtures of the dashboard tests: a synthetic sweep directory and the headless browser."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .dashboard_runs import make_run, test_metrics


@pytest.fixture
def sweep(tmp_path: Path) -> Path:
    """A small sweep: 3 methods × 3 languages (2 MasakhaNER, 1 XTREME) plus bad runs."""
    root = tmp_path / "multirun" / "paper_small"
    figures = {
        ("model_transfer", None, None): {"swa": 0.60, "yor": 0.40, "sw": 0.70},
        ("translate_test", "heuristic", "simalign"): {"swa": 0.70, "yor": 0.55, "sw": 0.65},
        ("translate_test", "matching", "simalign"): {"swa": 0.75, "yor": 0.50, "sw": 0.72},
    }
    for (task, proj, aligner), per_lang in figures.items():
        for lang, r in per_lang.items():
            make_run(
                root,
                f"{task}-{proj}-{lang}",
                lang,
                task,
                proj,
                aligner,
                candidates="ngram" if proj == "matching" else None,
                matcher="greedy" if proj == "matching" else None,
                metrics=test_metrics(r, per=r / 2),
            )
    make_run(root, "corrupt", "hau", "translate_test", "heuristic", "awesome", metrics='{"test/recall": 0.5, ')
    make_run(root, "unfinished", "hau", "translate_test", "heuristic", "awesome")
    make_run(root, "aligneval", "de", "align_eval", aligner="simalign", metrics={"align/aer": 0.2})
    return root


@pytest.fixture
def chromium() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe is None:
        pytest.skip("headless browser test needs Debian's chromium (apt-get install chromium)")
    return exe
