"""Dataset loaders on the real development data (sentence counts from ../shared/data/README.md)."""

import pytest

from xner.data.loaders import CoNLL2003, EuroparlNER, MasakhaNER2, ParallelConll, WikiANN
from xner.errors import ConfigError, DataFormatError, XnerError


def test_masakhaner2_swa_counts(data_dir):
    ds = MasakhaNER2(data_dir=str(data_dir), lang="swa")
    assert {k: len(v) for k, v in ds.splits().items()} == {"train": 6593, "dev": 942, "test": 1883}


def test_conll2003_counts(data_dir):
    ds = CoNLL2003(data_dir=str(data_dir))
    assert {k: len(v) for k, v in ds.splits().items()} == {"train": 14041, "dev": 3250, "test": 3453}


def test_wikiann_strips_prefix_and_limit(data_dir):
    ds = WikiANN(data_dir=str(data_dir), lang="de", limit=5)
    test = ds.load("test")
    assert len(test) == 5 and not any(":" in w[:3] for s in test for w in s.words[:1])
    with pytest.raises(ConfigError, match="no split 'train'"):
        ds.load("train")


def test_europarl_pairs_and_label_map(data_dir):
    ds = EuroparlNER(data_dir=str(data_dir), lang="de", label_map={"MISC": None})
    pairs = ds.pairs()
    assert len(pairs) == 799
    assert all(span.label != "MISC" for p in pairs for span in p.target.spans)
    with pytest.raises(ConfigError, match="no language 'fr'"):
        EuroparlNER(data_dir=str(data_dir), lang="fr")


def test_parallel_conll_length_mismatch(tmp_path):
    (tmp_path / "a.txt").write_text("x O\n\ny O\n")
    (tmp_path / "b.txt").write_text("x O\n")
    ds = ParallelConll(source_file=str(tmp_path / "a.txt"), target_file=str(tmp_path / "b.txt"),
                       data_dir=str(tmp_path))
    with pytest.raises(DataFormatError, match=r"a\.txt has 2 sentences.*b\.txt has 1"):
        ds.pairs()


def test_missing_local_files_and_no_hub_gives_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    ds = MasakhaNER2(data_dir=str(tmp_path), lang="swa")
    with pytest.raises(XnerError, match="masakhane/masakhaner2") as err:
        ds.load("test")
    assert "XNER_DATA" in str(err.value)


def test_limit_must_be_positive(tmp_path):
    with pytest.raises(ConfigError, match=r"data.limit"):
        MasakhaNER2(data_dir=str(tmp_path), lang="swa", limit=0)
