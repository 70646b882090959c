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


def test_select_range():
    from xner.data.loaders import select_range

    assert select_range("all", 799) == (0, 799) and select_range(None, 5) == (0, 5)
    assert select_range("dev", 799) == (0, 400) and select_range("test", 799) == (400, 799)
    assert select_range("dev", 4) == (0, 2) and select_range("test", 4) == (2, 4)
    assert select_range("3-5", 10) == (2, 5) and select_range("1-1", 1) == (0, 1)
    with pytest.raises(ConfigError, match=r"data.select='0-3'.*within 1-10"):
        select_range("0-3", 10)
    with pytest.raises(ConfigError, match=r"data.select='train' is not valid"):
        select_range("train", 10)


def test_europarl_dev_and_test_halves(data_dir):
    everything = EuroparlNER(data_dir=str(data_dir), lang="es").pairs()
    dev = EuroparlNER(data_dir=str(data_dir), lang="es", select="dev").pairs()
    test = EuroparlNER(data_dir=str(data_dir), lang="es", select="test").pairs()
    assert (len(dev), len(test)) == (400, 399)
    assert dev + test == everything
    assert test[0].target.origin == everything[400].target.origin  # file:line kept
    with pytest.raises(ConfigError, match=r"data\.select"):
        EuroparlNER(data_dir=str(data_dir), lang="es", select="half")


def test_parallel_conll_select_range(tmp_path):
    (tmp_path / "a.txt").write_text("x O\n\ny O\n\nz B-PER\n")
    (tmp_path / "b.txt").write_text("x O\n\ny O\n\nz B-PER\n")
    ds = ParallelConll(source_file=str(tmp_path / "a.txt"), target_file=str(tmp_path / "b.txt"),
                       data_dir=str(tmp_path), select="2-3")
    assert [p.target.words for p in ds.pairs()] == [("y",), ("z",)]
