"""`python run.py` end to end on the real data: metrics.json, W&B offline run, error handling."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def run_py(args, tmp_path, data_dir, check=True):
    env = {**os.environ, "XNER_DATA": str(data_dir), "XNER_HOME": str(tmp_path / "home"),
           "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    proc = subprocess.run(
        [sys.executable, str(REPO / "run.py"), f"hydra.run.dir={tmp_path / 'run'}", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def test_data_stats_swa_writes_metrics_and_offline_wandb_run(tmp_path, data_dir):
    run_py(["task=data_stats", "lang=swa"], tmp_path, data_dir)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert (metrics["data/train/sentences"], metrics["data/dev/sentences"], metrics["data/test/sentences"]) == (
        6593, 942, 1883)
    assert metrics["data/train/entities"] == sum(metrics[f"data/train/entities_{t}"]
                                                 for t in ("PER", "ORG", "LOC", "DATE"))
    assert metrics["meta/seed"] == 42 and metrics["meta/task"] == "data_stats"
    runs = list((tmp_path / "run" / "wandb").glob("offline-run-*"))
    assert len(runs) == 1 and any(runs[0].glob("*.wandb"))


def test_data_stats_conll2003_and_europarl(tmp_path, data_dir):
    run_py(["task=data_stats", "data=conll2003", "logger=none"], tmp_path, data_dir)
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert [m[f"data/{s}/sentences"] for s in ("train", "dev", "test")] == [14041, 3250, 3453]
    run_py(["task=data_stats", "data=europarl_ner", "lang=de", "logger=none", "skip_finished=false"],
           tmp_path, data_dir)
    m = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert m["data/test/sentences"] == 799


def test_finished_job_is_skipped(tmp_path, data_dir):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "metrics.json").write_text('{"sentinel": 1}')
    run_py(["task=data_stats", "lang=swa", "logger=none"], tmp_path, data_dir)
    assert json.loads((tmp_path / "run" / "metrics.json").read_text()) == {"sentinel": 1}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lang=swah"], "did you mean"),
        (["task=data_stats", "data.limt=3"], "Did you mean data.limit"),
        (["task=data_stats", "data.limit=abc", "logger=none"], "data.limit='abc': expected int"),
        (["task=data_stats", "data=parallel_conll", "logger=none"], "data.source_file is required"),
    ],
)
def test_bad_config_fails_fast_without_traceback(tmp_path, data_dir, args, message):
    proc = run_py(args, tmp_path, data_dir, check=False)
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert message in out and "Traceback" not in out
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_bad_data_file_names_file_and_line(tmp_path, data_dir):
    src = tmp_path / "src.conll"
    src.write_text("a O\nb B-PERSONX Y\n")
    proc = run_py(["task=data_stats", "data=parallel_conll", f"data.source_file={src}",
                   f"data.target_file={src}", "logger=none"], tmp_path, data_dir, check=False)
    assert proc.returncode == 2
    assert f"{src}:2: expected 2 columns" in proc.stdout + proc.stderr


def test_non_zero_ddp_rank_neither_tracks_nor_writes_metrics(tmp_path, data_dir, monkeypatch):
    monkeypatch.setenv("RANK", "1")
    run_py(["task=data_stats", "lang=swa", "data.limit=3"], tmp_path, data_dir)
    assert not (tmp_path / "run" / "metrics.json").exists()
    assert not (tmp_path / "run" / "wandb").exists()
