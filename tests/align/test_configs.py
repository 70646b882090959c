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


@pytest.mark.parametrize("own", ["bitext", "src_tgt"])
def test_alignment_gold_own_files_replace_the_default_pair(conf_dir, tmp_path, own):
    (tmp_path / "x.txt").write_text("a b ||| c d\nja ||| yes\n")
    (tmp_path / "x.de").write_text("a b\nja\n")
    (tmp_path / "x.en").write_text("c d\nyes\n")
    (tmp_path / "x.gold").write_text("1-2 2p1\n1-1\n")
    files = ([f"data.bitext_file={tmp_path / 'x.txt'}"] if own == "bitext"
             else [f"data.src_file={tmp_path / 'x.de'}", f"data.tgt_file={tmp_path / 'x.en'}"])
    cfg = compose_cfg(conf_dir, ["task=align_eval", "data=alignment_gold", *files,
                                 f"data.gold_file={tmp_path / 'x.gold'}", f"paths.data_dir={tmp_path}"])
    validate_config(cfg, ["data", "task"])
    gold = instantiate(cfg.data).load()
    assert gold.src == [("a", "b"), ("ja",)] and gold.tgt == [("c", "d"), ("yes",)]
    assert gold.sure == [{(0, 1)}, {(0, 0)}] and gold.possible[0] == {(0, 1), (1, 0)}
    assert gold.name == "x"


def test_alignment_gold_default_pair_and_gold_override(conf_dir, data_dir, tmp_path):
    cfg = compose_cfg(conf_dir, ["task=align_eval", "data=alignment_gold", f"paths.data_dir={data_dir}",
                                 "data.limit=2"])
    assert instantiate(cfg.data).name == "de-en_vilar" and len(instantiate(cfg.data).load()) == 2
    n = len((data_dir / "alignment_gold" / "de-en_vilar" / "deen.talp").read_text().splitlines())
    (tmp_path / "mine.gold").write_text("1-1\n" * n)
    cfg = compose_cfg(conf_dir, ["task=align_eval", "data=alignment_gold", f"paths.data_dir={data_dir}",
                                 f"data.gold_file={tmp_path / 'mine.gold'}", "data.limit=2"])
    assert instantiate(cfg.data).load().sure == [{(0, 0)}, {(0, 0)}]  # the default pair's text, own gold


def test_alignment_gold_named_pair_and_own_text_is_an_error(conf_dir, tmp_path):
    from xner.errors import ConfigError

    cfg = compose_cfg(conf_dir, ["data=alignment_gold", "data.pair=ro-en_wpt05", "data.bitext_file=x",
                                 "data.gold_file=y", f"paths.data_dir={tmp_path}"])
    with pytest.raises(Exception, match=r"data\.pair=ro-en_wpt05 and data\.bitext_file") as err:
        instantiate(cfg.data)
    assert isinstance(err.value, ConfigError) or isinstance(err.value.__cause__, ConfigError)
