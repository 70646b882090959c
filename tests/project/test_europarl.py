"""Integration: `python run.py experiment=quickstart_projection` on a slice of Europarl-NER German
with the offline encoder (alignment reuse across runs is tested in process, test_stages.py)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def run_py(args, tmp_path, data_dir, run_dir):
    env = {
        **os.environ,
        "XNER_DATA": str(data_dir),
        "WANDB_MODE": "offline",
        "WANDB_SILENT": "true",
        "PYTHONPATH": str(REPO),
    }
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO / "run.py"),
            f"hydra.run.dir={run_dir}",
            f"paths.cache_dir={tmp_path / 'cache'}",
            "logger=none",
            "data.limit=40",
            "aligner.progress=false",
            *args,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return proc, json.loads((run_dir / "metrics.json").read_text())


def test_quickstart_projection_on_europarl_de(tmp_path, data_dir):
    proc, m = run_py(["experiment=quickstart_projection"], tmp_path, data_dir, tmp_path / "match")
    assert re.search(r"aligning \d\d sentence pairs", proc.stdout + proc.stderr)
    assert m["projection/f1"] >= 0.8, m
    assert 0.8 <= m["projection/ratio"] <= 1.2
    assert m["matching/objective"] > 0
    assert m["projection/src_entities"] == m["projection/projected_entities"] + m["projection/unprojected_entities"]
    lines = (tmp_path / "match" / "projected.conll").read_text().split("\n\n")
    assert len([b for b in lines if b.strip()]) == 40
