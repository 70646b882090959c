"""Every aligner option file and the align_eval task compose and pass the signature check."""

import pytest
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate

from xner.pipeline.config import validate_config


def compose_cfg(conf_dir, overrides):
    with initialize_config_dir(str(conf_dir), version_base="1.3"):
        return compose("config", overrides=overrides)


@pytest.mark.parametrize("aligner", ["simalign", "awesome", "eflomal"])
def test_aligner_configs_validate(conf_dir, aligner, tmp_path):
    cfg = compose_cfg(conf_dir, ["task=align_eval", "data=alignment_gold", f"aligner={aligner}",
                                 f"paths.data_dir={tmp_path}"])
    validate_config(cfg, ["aligner", "data"])
    obj = instantiate(cfg.aligner)  # encoder aligners load their model lazily: nothing is loaded here
    assert obj.cache_config()["aligner"] == aligner


def test_eflomal_extra_parallel_override_validates(conf_dir, tmp_path):
    cfg = compose_cfg(conf_dir, ["aligner=eflomal", f"paths.data_dir={tmp_path}",
                                 "aligner.extra_parallel={src:a.en,tgt:a.sw}"])
    validate_config(cfg, ["aligner"])
    assert instantiate(cfg.aligner).extra_specs == [{"src": "a.en", "tgt": "a.sw"}]


def test_alignment_gold_config_points_at_the_named_sets(conf_dir, data_dir):
    cfg = compose_cfg(conf_dir, ["task=align_eval", "data=alignment_gold", "data.pair=ro-en_wpt05",
                                 f"paths.data_dir={data_dir}"])
    validate_config(cfg, ["data", "task"])
    gold = instantiate(cfg.data).load()
    assert len(gold) == 248
