"""experiment=europarl_translate_test: the seed's translate-test evaluation on Europarl-NER with the
human English side as the translation, its composition per method, and a tiny run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

REPO = Path(__file__).resolve().parents[1]
CONF = REPO / "conf"


def _compose(overrides: list[str]):
    GlobalHydra.instance().clear()
    with initialize_config_dir(version_base="1.3", config_dir=str(CONF)):
        return compose("config", overrides=overrides, return_hydra_config=True)


def _methods() -> list[str]:
    cfg = _compose(["experiment=europarl_translate_test", "tagger.model=/m"])
    return cfg.hydra.sweeper.params["+experiment/paper_method"].replace("\n", "").replace(" ", "").split(",")


def test_sweep_axes():
    cfg = _compose(["experiment=europarl_translate_test", "tagger.model=/m"])
    assert cfg.hydra.sweeper.params["lang"] == "de,es,it"
    assert _methods() == ["model_transfer", "heuristic_simalign", "ngram_greedy_simalign", "ngram_ilp_simalign",
                          "ner_greedy_simalign", "ner_ilp_simalign"]


@pytest.mark.parametrize("method", _methods())
@pytest.mark.parametrize("lang", ["de", "it"])
def test_every_method_reads_europarl_and_the_local_tagger(method: str, lang: str):
    cfg = _compose(["experiment=europarl_translate_test", f"+experiment/paper_method={method}", f"lang={lang}",
                    "tagger.model=/runs/en/model"])
    assert cfg.data._target_ == "xner.data.loaders.EuroparlNER" and cfg.data.lang == lang
    assert dict(cfg.data.label_map) == {"MISC": None}
    assert cfg.tagger.model == "/runs/en/model"
    if method == "model_transfer":
        assert cfg.task.name == "model_transfer" and cfg.task.pretrained == "/runs/en/model"
        return
    assert cfg.task.name == "translate_test"
    assert cfg.translator._target_ == "xner.translate.files.ParallelTranslator"
    assert cfg.aligner.encoder == "offline:multilingual-e5-small" and cfg.aligner.method == "itermax"
    assert not cfg.projection.get("backtranslation", False)
    if method.startswith("ner_"):
        assert cfg.candidates._target_.endswith("NerCandidates")


@pytest.mark.slow
def test_tiny_run_projects_the_tagged_english_onto_the_target(data_dir: Path, tmp_path: Path):
    """Two methods on the first 6 German sentences with a tiny random tagger: each writes metrics, and the
    translate-test job tags the human English side and scores the 6 German sentences."""
    home = tmp_path / "home"
    models = Path(os.environ.get("XNER_HOME") or Path.home() / ".cache" / "xner") / "models"
    if models.is_dir():
        home.mkdir()
        (home / "models").symlink_to(models)
    env = {**os.environ, "XNER_DATA": str(data_dir), "XNER_HOME": str(home), "WANDB_MODE": "offline"}
    sweep = tmp_path / "sweep"
    args = ["experiment=europarl_translate_test", "lang=de", "tagger=tiny", "data.limit=6", "logger=none",
            "+experiment/paper_method=model_transfer,ngram_greedy_simalign", f"hydra.sweep.dir={sweep}"]
    proc = subprocess.run([sys.executable, "run.py", "-m", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    found = {p.parent.relative_to(sweep).as_posix(): json.loads(p.read_text()) for p in sweep.rglob("metrics.json")}
    assert sorted(found) == ["de/model_transfer", "de/ngram_greedy_simalign"], out[-2000:]
    tt = found["de/ngram_greedy_simalign"]
    assert tt["test/sentences"] == 6 and "test/f1" in tt and "tag/entities" in tt
    assert "test/f1" in found["de/model_transfer"]
