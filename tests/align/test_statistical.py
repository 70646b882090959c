"""eflomal: a small real run, empty sides, extra parallel text and its errors."""

from __future__ import annotations

import pytest

from xner.align.statistical import Eflomal, parse_pharaoh, simple_tokenize
from xner.errors import ConfigError, DataFormatError

pytest.importorskip("eflomal", reason="aligner=eflomal needs the eflomal package")

SRC = ["das haus ist klein", "das buch ist gut", "ein haus", "das buch", "ein kleines buch ist gut"]
TGT = ["the house is small", "the book is good", "a house", "the book", "a small book is good"]


def test_simple_tokenize_and_pharaoh():
    assert simple_tokenize("Hello, world! It's e-mail 3.5") == ["Hello", ",", "world", "!", "It's", "e-mail", "3.5"]
    assert parse_pharaoh("0-1 2-2", "f:1") == {(0, 1), (2, 2)}
    with pytest.raises(DataFormatError, match="f:3"):
        parse_pharaoh("0-x", "f:3")


def test_small_corpus_aligns_diagonal_words():
    src = [s.split() for s in SRC] * 6 + [[]]
    tgt = [t.split() for t in TGT] * 6 + [["x"]]
    aligner = Eflomal(n_samplers=1, symmetrization="intersection")
    out = aligner.align(src, tgt)
    assert len(out) == len(src) and out[-1] == frozenset()
    hits = sum((i, i) in out[k] for k in range(len(SRC)) for i in range(len(src[k])))
    assert hits >= 0.6 * sum(len(s.split()) for s in SRC)
    assert all(i < len(src[k]) and j < len(tgt[k]) for k in range(len(src)) for i, j in out[k])


def test_extra_parallel_formats(tmp_path):
    (tmp_path / "a.de").write_text("das haus\nein buch\n")
    (tmp_path / "a.en").write_text("the house\na book\n")
    (tmp_path / "b.txt").write_text("gut ||| good\n")
    aligner = Eflomal(extra_parallel=[{"src": "a.de", "tgt": "a.en"}, "b.txt"], data_dir=str(tmp_path))
    src, tgt = aligner.extra()
    assert src == [["das", "haus"], ["ein", "buch"], ["gut"]] and tgt[2] == ["good"]
    assert aligner.cache_config()["extra"] != Eflomal(data_dir=str(tmp_path)).cache_config()["extra"]
    limited = Eflomal(extra_parallel={"src": "a.de", "tgt": "a.en"}, extra_limit=1, data_dir=str(tmp_path))
    assert len(limited.extra()[0]) == 1


def test_extra_parallel_errors(tmp_path):
    (tmp_path / "a.de").write_text("das haus\nein buch\n")
    (tmp_path / "a.en").write_text("the house\n")
    with pytest.raises(DataFormatError, match=r"a\.de has 2 lines but .*a\.en has 1"):
        Eflomal(extra_parallel={"src": "a.de", "tgt": "a.en"}, data_dir=str(tmp_path)).extra()
    with pytest.raises(DataFormatError, match="file not found"):
        Eflomal(extra_parallel={"src": "nope.de", "tgt": "a.en"}, data_dir=str(tmp_path)).extra()
    with pytest.raises(ConfigError, match="needs src and tgt"):
        Eflomal(extra_parallel={"src": "a.de"}, data_dir=str(tmp_path)).extra()
    with pytest.raises(ConfigError, match=r"aligner\.symmetrization='gdfa'"):
        Eflomal(symmetrization="gdfa")
