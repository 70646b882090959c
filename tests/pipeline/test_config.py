"""The config tree composes for every language, and bad configs fail before any work."""

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from xner.errors import ConfigError
from xner.langs import LANGUAGES
from xner.pipeline.config import check_keys, check_overrides, validate_config


def compose_cfg(conf_dir, overrides):
    with initialize_config_dir(str(conf_dir), version_base="1.3"):
        return compose("config", overrides=overrides, return_hydra_config=False)


def test_every_language_composes_with_its_default_dataset(conf_dir):
    for code, lang in LANGUAGES.items():
        cfg = compose_cfg(conf_dir, [f"lang={code}"])
        assert cfg.lang.code == code
        assert cfg.data._target_.rsplit(".", 1)[1].lower().replace("_", "") == {
            "masakhaner2": "masakhaner2", "wikiann": "wikiann", "conll2003": "conll2003",
        }[lang.default_data]
        assert cfg.data.lang == code


def test_explicit_data_beats_language_default(conf_dir):
    cfg = compose_cfg(conf_dir, ["lang=de", "data=europarl_ner"])
    assert cfg.data._target_.endswith("EuroparlNER")


def test_bogus_language_suggests_nearest(conf_dir):
    with pytest.raises(ConfigError, match=r"'swah'.*did you mean"):
        check_overrides(["lang=swah"], conf_dir)
    with pytest.raises(ConfigError, match="'xx'"):
        check_overrides(["-m", "lang=swa,xx"], conf_dir)


def test_bogus_group_option(conf_dir):
    with pytest.raises(ConfigError, match=r"logger=wandbb.*Did you mean wandb.*Valid options: none, wandb"):
        check_overrides(["logger=wandbb"], conf_dir)
    check_overrides(["logger=none", "lang=swa", "data.limit=3"], conf_dir)  # valid: no error


def test_typo_key_names_nearest(conf_dir):
    with pytest.raises(ConfigError, match=r"data\.limt: no such config key\. Did you mean data\.limit\?"):
        check_keys(["data.limt=3"], conf_dir)
    with pytest.raises(ConfigError, match=r"seeed.*Did you mean seed"):
        check_keys(["seeed=3"], conf_dir)


def test_wrong_type_and_unknown_key_in_group_node(conf_dir):
    cfg = compose_cfg(conf_dir, ["lang=swa", "data.limit=abc"])
    with pytest.raises(ConfigError, match=r"data\.limit='abc': expected int"):
        validate_config(cfg, ["data"])
    cfg = compose_cfg(conf_dir, ["lang=swa", "+data.limitt=3"])
    with pytest.raises(ConfigError, match=r"data\.limitt: unknown key.*Did you mean limit"):
        validate_config(cfg, ["data"])


def test_missing_mandatory_value(conf_dir):
    cfg = compose_cfg(conf_dir, ["data=parallel_conll"])
    with pytest.raises(ConfigError, match=r"data\.source_file is required"):
        validate_config(cfg, ["data"])


def test_all_group_options_compose_and_validate(conf_dir):
    """Every option of every group composes and its _target_ accepts its keys."""
    skip = {"hydra", "experiment", "lang", "paths"}
    for group_dir in sorted(p for p in conf_dir.iterdir() if p.is_dir() and p.name not in skip):
        for option in sorted(group_dir.glob("*.yaml")):
            overrides = [f"{group_dir.name}={option.stem}"]
            if group_dir.name == "data" and option.stem == "parallel_conll":
                overrides += ["data.source_file=a", "data.target_file=b"]
            cfg = compose_cfg(conf_dir, overrides)
            node = cfg.get(group_dir.name)
            if node is not None and "_target_" in node:
                validate_config(cfg, [group_dir.name], allow_missing=True)
            assert OmegaConf.to_container(cfg, resolve=False)


def test_values_only_a_class_can_check_fail_before_work(conf_dir):
    from hydra.errors import InstantiationException

    from xner.pipeline.config import precheck_values

    groups = ["matcher", "candidates", "projection"]
    precheck_values(compose_cfg(conf_dir, ["matcher=ilp", "projection=matching"]), groups)  # valid
    for override, message in [("matcher.constraint=lt", "constraint"),
                              ("projection.alignment_score=x", "alignment_score")]:
        cfg = compose_cfg(conf_dir, ["projection=matching", override])
        with pytest.raises((ConfigError, InstantiationException), match=message):
            precheck_values(cfg, groups)
