"""experiment=masakhaner_offline: its composition for every method and language, and a tiny form of
the whole sweep (2 languages × every method) run for real on slices of the real files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "conf"
METHODS = sorted(p.stem for p in (CONF / "experiment" / "masakhaner_method").glob("*.yaml"))
LANGS = ["hau", "ibo", "nya", "sna", "swa", "xho", "yor", "zul"]


def _compose(overrides: list[str]):
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF)):
        return compose("config", overrides=overrides, return_hydra_config=True)


# ngram_ilp_alignft needs a fine-tuning job first (experiment=align_finetune_african): opt-in, not swept.
SWEPT = [m for m in METHODS if m != "ngram_ilp_alignft"]


def test_nine_methods_and_one_opt_in():
    assert sorted([
        "model_transfer", "tprojection", "heuristic", "ngram_greedy", "ngram_ilp", "ner_ilp",
        "ngram_ilp_awesome", "ngram_ilp_eflomal", "en_ngram_ilp",
    ]) == SWEPT
    assert set(METHODS) - set(SWEPT) == {"ngram_ilp_alignft"}


@pytest.mark.parametrize("method", METHODS)
def test_every_method_trains_the_same_model_on_the_same_sentences(method: str):
    cfg = _compose(["experiment=masakhaner_offline", f"+experiment/masakhaner_method={method}", "lang=yor"])
    base = _compose(["experiment=masakhaner_offline", "+experiment/masakhaner_method=ngram_ilp", "lang=yor"])
    for node in ("model", "trainer"):
        a, b = dict(cfg[node]), dict(base[node])
        a.pop("save_model", None), b.pop("save_model", None)
        assert a == b, node
    src = cfg.task.source_data
    assert src.limit == base.task.source_data.limit == 500
    assert src.side == ("target" if method == "tprojection" else "source")
    assert src.target_file.endswith("tprojection_masakhaner_projections/yor.train.txt")
    assert dict(src.label_map) == {"MISC": None} and dict(cfg.data.label_map) == {"DATE": None}
    assert cfg.task.dev == "slice" and cfg.seed == base.seed
    expected_task = "model_transfer" if method in ("model_transfer", "tprojection") else "translate_train"
    assert cfg.task.name == expected_task
    if expected_task == "translate_train":
        assert cfg.translator.sentence_align and cfg.translator.target_file == src.target_file
        assert cfg.task.include_source == (method == "en_ngram_ilp")


@pytest.mark.parametrize("lang", LANGS)
def test_eflomal_extra_text_exists_for_every_language(lang: str, data_dir: Path):
    cfg = _compose(["experiment=masakhaner_offline", "+experiment/masakhaner_method=ngram_ilp_eflomal",
                    f"lang={lang}"])
    specs = list(cfg.aligner.extra_parallel)
    assert specs, lang
    for spec in specs:
        src, tgt = data_dir / spec.src, data_dir / spec.tgt
        assert src.is_file() and tgt.is_file(), spec
        assert sum(1 for _ in src.open()) == sum(1 for _ in tgt.open()), spec
    assert (data_dir / cfg.task.source_data.target_file).is_file()


def test_sweep_axes_and_ner_tagger_path():
    cfg = _compose(["experiment=masakhaner_offline"])
    params = cfg.hydra.sweeper.params
    assert sorted(params["+experiment/masakhaner_method"].replace("\n", "").replace(" ", "").split(",")) == SWEPT
    assert params["lang"].split(",") == LANGS
    ner = (CONF / "experiment/masakhaner_method/ner_ilp.yaml").read_text()
    assert "${hydra:sweep.dir}/${lang.code}/model_transfer/${hydra:job.override_dirname}/model" in ner


# ner_ilp needs a tagger that predicts spans; a tiny random model trained on 30 sentences predicts
# none (the job then stops: "the projected training set is empty"). Its wiring is covered by the
# composition tests and test_missing_ner_tagger_names_the_job_that_makes_it; it ran for real in the
# RESULTS sweep.
TINY_METHODS = [m for m in SWEPT if m != "ner_ilp"]


def _slice(src: Path, dst: Path, n: int) -> None:
    """The first `n` sentences of a CoNLL file (blank-line separated)."""
    blocks = [b for b in src.read_text("utf-8").split("\n\n") if b.strip()][:n]
    dst.write_text("\n\n".join(blocks) + "\n", encoding="utf-8")


@pytest.mark.slow
def test_tiny_sweep_runs_every_method_for_two_languages(data_dir: Path, tmp_path: Path):
    """Every method for swa and yor on the first 30 sentence pairs of slices of the real English/T-Projection files,
    a tiny random model, 20 test sentences: each job writes metrics; the projection jobs project the
    paired English gold (every method but ner_ilp, see TINY_METHODS)."""
    files = tmp_path / "files"
    files.mkdir()
    _slice(data_dir / "conll_multi/en/en.conll.train.tsv", files / "en.txt", 42)
    for lang in ("swa", "yor"):
        _slice(data_dir / f"projection_baselines/tprojection_masakhaner_projections/{lang}.train.txt",
               files / f"{lang}.train.txt", 40)
    home = tmp_path / "home"
    models = Path(os.environ.get("XNER_HOME") or Path.home() / ".cache" / "xner") / "models"
    if models.is_dir():  # reuse the offline encoder built once on this machine; stage outputs stay fresh
        home.mkdir()
        (home / "models").symlink_to(models)
    env = {**os.environ, "XNER_DATA": str(data_dir), "XNER_HOME": str(home), "WANDB_MODE": "offline"}
    sweep = tmp_path / "sweep"
    args = [
        "experiment=masakhaner_offline", "lang=swa,yor", "model=tiny", "model.num_layers=null", "model.freeze_layers=0",
        "model.learning_rate=5e-3", "model.max_length=64", "trainer.max_epochs=4", "data.limit=20",
        "task.source_data.limit=30",
        f"task.source_data.source_file={files / 'en.txt'}",
        f"task.source_data.target_file={files}/" + "${lang.code}.train.txt",
        "++parallel_text.swa=[]", "++parallel_text.yor=[]",  # no extra text for eflomal: seconds, not minutes
        "+experiment/masakhaner_method=" + ",".join(TINY_METHODS),
        "logger=none", f"hydra.sweep.dir={sweep}",
    ]
    proc = subprocess.run([sys.executable, "run.py", "-m", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=500)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    metrics = {(p.relative_to(sweep).parts[0], p.relative_to(sweep).parts[1]): json.loads(p.read_text())
               for p in sweep.rglob("metrics.json")}
    assert sorted(metrics) == sorted((lang, m) for lang in ("swa", "yor") for m in TINY_METHODS), out[-3000:]
    for (_lang, method), m in metrics.items():
        assert m["test/sentences"] == 20
        assert m["train/sentences"] + m["train/dev_sentences"] > 0
        if method not in ("model_transfer", "tprojection"):
            assert m["projection/train_sentences"] == 30  # the first 30 English sentences of the 1-1 pairs
    # the same pairs on every side: model transfer trains on the English, T-Projection on its partners
    for lang in ("swa", "yor"):
        n = {metrics[(lang, k)]["train/sentences"] + metrics[(lang, k)]["train/dev_sentences"]
             for k in ("model_transfer", "tprojection", "ngram_ilp")}
        assert n == {30}, (lang, n)
        en_plus = metrics[(lang, "en_ngram_ilp")]
        assert en_plus["train/source_sentences_added"] == 30
        assert en_plus["train/sentences"] + en_plus["train/dev_sentences"] == 60
    shutil.rmtree(sweep, ignore_errors=True)


def test_alignft_method_reads_the_african_finetuning_run(data_dir: Path):
    ft = _compose(["experiment=align_finetune_african"])
    assert ft.task.name == "align_finetune" and ft.hydra.run.dir == "multirun/align_finetune_african"
    assert [s.tgt_lang for s in ft.data.sources] == ["hau", "ibo", "swa", "yor"]
    for spec in ft.data.sources:  # the MAFAND-MT train files exist and are line-aligned
        src, tgt = data_dir / spec.src_file, data_dir / spec.tgt_file
        assert sum(1 for _ in src.open()) == sum(1 for _ in tgt.open()) >= ft.data.limit, spec
    cfg = _compose(["experiment=masakhaner_offline", "+experiment/masakhaner_method=ngram_ilp_alignft", "lang=swa"])
    from omegaconf import OmegaConf

    raw = OmegaConf.to_container(cfg, resolve=False)  # ${hydra:runtime.cwd} resolves only inside a run
    assert raw["aligner"]["encoder"] == "${align_finetune_run}/encoder"
    assert raw["align_finetune_run"].endswith("/" + ft.hydra.run.dir)
    assert cfg.aligner.layer == ft.aligner.layer and cfg.aligner.method == "itermax"


def test_missing_finetuned_encoder_names_the_job_that_makes_it(tmp_path: Path):
    from xner.errors import ConfigError
    from xner.pipeline.stages import _check_local_encoder

    with pytest.raises(ConfigError, match="experiment=align_finetune_african"):
        _check_local_encoder(str(tmp_path / "multirun/align_finetune_african/encoder"))
    _check_local_encoder("offline:multilingual-e5-small")
    _check_local_encoder("bert-base-multilingual-cased")
    (tmp_path / "enc").mkdir()
    _check_local_encoder(str(tmp_path / "enc"))


def test_missing_ner_tagger_names_the_job_that_makes_it(tmp_path: Path):
    from xner.errors import ConfigError
    from xner.pipeline.stages import _check_local_tagger

    with pytest.raises(ConfigError, match="model_transfer job of the same language"):
        _check_local_tagger(str(tmp_path / "sweep/swa/model_transfer/model"))
    _check_local_tagger("bert-base-multilingual-cased")  # hub ids are left to the hub resolver
    _check_local_tagger("org/name")
    (tmp_path / "m").mkdir()
    _check_local_tagger(str(tmp_path / "m"))
