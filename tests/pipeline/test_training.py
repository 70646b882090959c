import pytest

from xner.data.types import Sentence
from xner.errors import ConfigError
from xner.pipeline.training import choose_dev, relabel


def sents(n):
    return [Sentence((f"w{i}",), ("O",), id=str(i)) for i in range(n)]


def test_slice_holds_out_a_seeded_fraction_without_overlap():
    train, dev = choose_dev(sents(20), "slice", size=0.1, seed=3)
    assert len(train) == 18 and len(dev) == 2
    assert {s.id for s in train}.isdisjoint({s.id for s in dev})
    assert choose_dev(sents(20), "slice", size=0.1, seed=3) == (train, dev)
    assert [int(s.id) for s in train] == sorted(int(s.id) for s in train)  # order kept
    assert choose_dev(sents(1), "slice") == (sents(1), [])  # never all of it
    assert len(choose_dev(sents(3), "slice", size=0.01)[1]) == 1  # at least one


def test_source_gold_none_and_errors():
    gold = sents(2)
    assert choose_dev(sents(4), "gold", gold_dev=gold) == (sents(4), gold)
    assert choose_dev(sents(4), "source", source_dev=gold) == (sents(4), gold)
    assert choose_dev(sents(4), "none") == (sents(4), [])
    with pytest.raises(ConfigError, match="dev set is empty"):
        choose_dev(sents(4), "gold")
    with pytest.raises(ConfigError, match="valid: slice"):
        choose_dev(sents(4), "held")
    with pytest.raises(ConfigError, match="dev_size"):
        choose_dev(sents(4), "slice", size=1.5)


def test_relabel_maps_and_drops_types():
    s = Sentence(("a", "b", "c"), ("B-MISC", "B-GPE", "I-GPE"), id="x", origin="f:1")
    out = relabel([s], {"MISC": None, "GPE": "LOC"})
    assert out[0].tags == ("O", "B-LOC", "I-LOC") and out[0].origin == "f:1"


def test_apply_threads_sets_torch_threads():
    import torch
    from omegaconf import OmegaConf

    from xner.pipeline.training import apply_threads

    before = torch.get_num_threads()
    try:
        apply_threads(OmegaConf.create({"trainer": {"num_threads": 1}}))
        assert torch.get_num_threads() == 1
        apply_threads(OmegaConf.create({"trainer": {"num_threads": None}}))  # null: unchanged
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
