"""The held-out projection setting: its preset composes, the defaults stay the seed's, and the
preset is a setting of the grid that benchmarks/heldout_projection.py chose it from."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from hydra import compose, initialize_config_dir

REPO = Path(__file__).resolve().parents[2]


def _compose(conf_dir, overrides):
    with initialize_config_dir(config_dir=str(conf_dir), version_base="1.3"):
        return compose(config_name="config", overrides=overrides)


def _benchmark():
    spec = importlib.util.spec_from_file_location("heldout_projection", REPO / "benchmarks" / "heldout_projection.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _setting(cfg, bench):
    return bench.Setting(
        cfg.projection.alignment_score,
        float(cfg.projection.gap_discount),
        cfg.candidates.max_len,
        bool(cfg.candidates.exclude_edge_punctuation),
        cfg.matcher._target_.rsplit(".", 1)[1].removesuffix("Matcher").lower(),
    )


def test_preset_is_the_chosen_grid_setting_and_defaults_stay(conf_dir):
    bench = _benchmark()
    preset = _compose(conf_dir, ["experiment=quickstart_projection", "+experiment/projection_setting=matching_xner"])
    chosen = _setting(preset, bench)
    assert chosen in bench.GRID and chosen not in (bench.SEED, bench.DEFAULT)
    # the root defaults are the seed's scoring with the thesis's 10-word limit
    plain = _compose(conf_dir, ["task=projection_eval", "data=europarl_ner", "lang=de"])
    assert _setting(plain, bench) == bench.DEFAULT
    assert bench.Setting("dice", 0.0, None, False, "greedy") == bench.SEED
    # the grid is the one README's in-sample figure came from: 2 × 5 × 2 × 2 × 2
    assert len(set(bench.GRID)) == 80


def test_choice_uses_only_the_choosing_part_and_breaks_ties_by_grid_order():
    bench = _benchmark()
    a, b, c = bench.GRID[:3]
    scores = {
        a: {"de": {"dev": 90.0, "test": 99.0}, "es": {"dev": 80.0, "test": 99.0}},
        b: {"de": {"dev": 91.0, "test": 10.0}, "es": {"dev": 80.0, "test": 10.0}},
        c: {"de": {"dev": 89.0, "test": 50.0}, "es": {"dev": 82.0, "test": 50.0}},
    }
    grid = [a, b, c]
    # b and c tie on dev (85.5): the earlier (b) wins; test plays no part in the choice
    assert bench.choose(scores, "dev", ["de", "es"], grid) == b
    assert bench.average(scores, b, "test", ["de", "es"]) == 10.0
    assert bench.choose(scores, "test", ["de", "es"], grid) == a
    # one language alone
    assert bench.choose(scores, "dev", ["es"], grid) == c
