"""model_transfer and translate_train end to end on slices of Europarl-NER with tiny models."""

from __future__ import annotations

import json

import pytest
from hydra import compose, initialize_config_dir

from xner.data.conll import read_conll
from xner.errors import ConfigError, XnerError
from xner.pipeline import run


def compose_cfg(conf_dir, tmp_path, overrides):
    base = [
        f"paths.output_dir={tmp_path / 'run'}", f"paths.cache_dir={tmp_path / 'cache'}",
        "logger=none", "print_metrics=false", "skip_finished=false",
    ]
    with initialize_config_dir(str(conf_dir), version_base="1.3"):
        return compose("config", overrides=[*base, *overrides])


TINY = ["model=tiny", "trainer.max_epochs=2", "trainer.enable_progress_bar=false", "trainer.batch_size=8"]
EUROPARL = ["data=europarl_ner", "lang=de", "data.limit=40", "task.source_data=null", "task.parallel_split=30"]


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory):
    from xner.ner.models import build_tiny_model

    return str(build_tiny_model(tmp_path_factory.mktemp("enc"), seed=5))


def test_model_transfer_trains_evaluates_and_reloads(conf_dir, data_dir, tmp_path):
    cfg = compose_cfg(conf_dir, tmp_path, ["task=model_transfer", *EUROPARL, *TINY, "task.dev=slice"])
    m = run(cfg)
    out = tmp_path / "run"
    assert m["test/sentences"] == 10 and m["train/sentences"] == 27 and m["train/dev_sentences"] == 3
    assert {"test/f1", "test/recall", "test/precision", "train/best_val_f1"} <= set(m)
    pred = read_conll(out / "predictions.conll")
    german = read_conll(data_dir / "europarl_ner" / "de-europarl.test.conll02")[30:40]
    assert [s.words for s in pred] == [s.words for s in german]
    assert (out / "model" / "config.json").exists() and not (out / "checkpoints").exists()
    # the saved model, evaluated without training, reproduces the test metrics exactly
    cfg2 = compose_cfg(conf_dir, tmp_path / "again", ["task=model_transfer", *EUROPARL,
                                                       f"task.pretrained={out / 'model'}"])
    m2 = run(cfg2)
    assert {k: v for k, v in m2.items() if k.startswith("test/")} == {
        k: v for k, v in m.items() if k.startswith("test/")}


def test_translate_train_parallel_end_to_end(conf_dir, data_dir, tmp_path, tiny_encoder, monkeypatch):
    overrides = [
        "task=translate_train", *EUROPARL, *TINY, "translator=parallel", "aligner=simalign",
        f"aligner.encoder={tiny_encoder}", "aligner.layer=2", "aligner.progress=false", "projection=matching",
        "candidates=ngram", "matcher=greedy",
    ]
    cfg = compose_cfg(conf_dir, tmp_path, overrides)
    m = run(cfg)
    out = tmp_path / "run"
    projected = read_conll(out / "projected_train.conll")
    german = read_conll(data_dir / "europarl_ner" / "de-europarl.test.conll02")[:30]
    assert [s.words for s in projected] == [s.words for s in german]  # the human translation
    assert m["projection/train_kept_sentences"] == 30 and m["projection/train_empty_translations"] == 0
    assert m["projection/train_entities"] == sum(len(s.spans) for s in projected) > 0
    assert m["test/sentences"] == 10 and "test/f1" in m and "projection/src_entities" in m
    # projection records: one per translated sentence, no gold on a translation, so no verdicts
    import gzip
    import json

    header, *records = map(json.loads, gzip.decompress((out / "projection.jsonl.gz").read_bytes()).splitlines())
    assert header["task"] == "translate_train" and header["split"] == "train" and len(records) == 30
    assert records[0]["tgt"] == list(german[0].words) and records[0]["gold"] is None
    assert not [k for k in m if "errors_" in k]
    # second run: the projected set comes from the artifact cache (no translation, no alignment)
    from xner.pipeline import stages

    def boom(*a, **k):
        raise AssertionError("aligned again despite the cache")

    monkeypatch.setattr(stages, "align_pairs", boom)
    cfg2 = compose_cfg(conf_dir, tmp_path, overrides)
    cfg2.paths.output_dir = str(tmp_path / "run2")
    m2 = run(cfg2)
    again = read_conll(tmp_path / "run2" / "projected_train.conll")
    assert [(s.words, s.tags) for s in again] == [(s.words, s.tags) for s in projected]
    assert (tmp_path / "run2" / "projection.jsonl.gz").read_bytes() == (out / "projection.jsonl.gz").read_bytes()
    assert m2["test/f1"] == m["test/f1"]  # deterministic training with the same seed


def test_translate_train_empty_projection_fails_before_training(conf_dir, data_dir, tmp_path, tiny_encoder):
    cfg = compose_cfg(conf_dir, tmp_path, [
        "task=translate_train", *EUROPARL, *TINY, "translator=parallel", "aligner=simalign",
        f"aligner.encoder={tiny_encoder}", "aligner.layer=2", "aligner.progress=false", "projection=heuristic",
        "+data.label_map={PER:null,ORG:null,LOC:null,MISC:null}",
    ])
    with pytest.raises(XnerError, match="projected training set is empty"):
        run(cfg)
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_parallel_data_needs_a_split(conf_dir, data_dir, tmp_path):
    cfg = compose_cfg(conf_dir, tmp_path, ["task=model_transfer", "data=europarl_ner", "lang=de",
                                           "task.source_data=null", *TINY])
    with pytest.raises(ConfigError, match=r"task\.parallel_split"):
        run(cfg)


def test_quickstart_slice_via_run_py(tmp_path, data_dir):
    """The README's main job on 40 sentences, through run.py with W&B offline and the real aligner."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "XNER_DATA": str(data_dir), "WANDB_MODE": "offline", "WANDB_SILENT": "true"}
    proc = subprocess.run(
        [sys.executable, str(repo / "run.py"), "experiment=quickstart", f"hydra.run.dir={tmp_path / 'qs'}",
         f"paths.cache_dir={tmp_path / 'cache'}", "data.limit=40", "task.parallel_split=30",
         "model.num_layers=2", "model.freeze_layers=1", "trainer.max_epochs=1"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    m = json.loads((tmp_path / "qs" / "metrics.json").read_text())
    assert m["test/sentences"] == 10 and m["projection/train_kept_sentences"] == 30
    runs = list((tmp_path / "qs" / "wandb").glob("offline-run-*"))
    assert len(runs) == 1
