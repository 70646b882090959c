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


def _parallel_files(tmp_path):
    # The target has a FOO entity (line 5) that the source never has, and a second one (line 8).
    (tmp_path / "src.conll").write_text("Anna B-PER\nruns O\n\nBerlin B-LOC\n\nx O\n")
    (tmp_path / "tgt.conll").write_text(
        "# comment\nAnna B-PER\nläuft O\n\nBerlin B-FOO\n\nein O\nFoo B-FOO\n"
    )
    return str(tmp_path / "src.conll"), str(tmp_path / "tgt.conll")


def test_parallel_conll_warns_once_about_a_target_type_the_source_lacks(tmp_path, caplog):
    src, tgt = _parallel_files(tmp_path)
    ds = ParallelConll(source_file=src, target_file=tgt, data_dir=str(tmp_path))
    with caplog.at_level("WARNING", logger="xner.data.loaders"):
        pairs = ds.pairs()
    assert len(pairs) == 3
    warnings = [r.getMessage() for r in caplog.records if "never in the source" in r.getMessage()]
    assert len(warnings) == 1, warnings  # once, for FOO only (PER is on both sides)
    assert "entity type FOO" in warnings[0] and f"{tgt}:5" in warnings[0] and "data.labels" in warnings[0]


def test_parallel_conll_target_type_through_label_map_is_located(tmp_path, caplog):
    src, tgt = _parallel_files(tmp_path)
    ds = ParallelConll(source_file=src, target_file=tgt, data_dir=str(tmp_path), label_map={"FOO": "BAR"})
    with caplog.at_level("WARNING", logger="xner.data.loaders"):
        ds.pairs()
    (warning,) = [r.getMessage() for r in caplog.records if "never in the source" in r.getMessage()]
    assert "entity type BAR" in warning and f"{tgt}:5" in warning


def test_parallel_conll_declared_labels_reject_an_undeclared_type(tmp_path):
    src, tgt = _parallel_files(tmp_path)
    ds = ParallelConll(source_file=src, target_file=tgt, data_dir=str(tmp_path), labels=["PER", "LOC"])
    with pytest.raises(DataFormatError, match=rf"{tgt}:5: unknown entity type 'FOO'"):
        ds.pairs()
