"""data=parallel_text: `src ||| tgt` files, two line-aligned files, mixing, limits and bad input."""

from __future__ import annotations

import pytest

from xner.data.parallel_text import ParallelText
from xner.errors import ConfigError, DataFormatError


def test_bitext_with_empty_lines_counts_them(tmp_path):
    f = tmp_path / "a.en-de"
    f.write_text("a b ||| x y\n\nc ||| \nd e f ||| z\n")
    corpus = ParallelText(bitext_file=str(f)).load()
    assert corpus.pairs == [(("a", "b"), ("x", "y")), (("d", "e", "f"), ("z",))]
    assert corpus.counts == {"read": 4, "empty": 2}


def test_two_files_of_different_length_name_both_and_the_divergence(tmp_path):
    s, t = tmp_path / "a.en", tmp_path / "a.de"
    s.write_text("one\ntwo\n\nfour\n")
    t.write_text("eins\nzwei\ndrei\n")
    with pytest.raises(DataFormatError) as err:
        ParallelText(src_file=str(s), tgt_file=str(t)).load()
    msg = str(err.value)
    assert str(s) in msg and str(t) in msg and "4 lines" in msg and "3" in msg
    assert "line 3 is blank in one file only" in msg
    t.write_text("eins\nzwei\n\n")
    with pytest.raises(DataFormatError, match="line 4 exists only in the longer file"):
        ParallelText(src_file=str(s), tgt_file=str(t)).load()


def test_raw_text_uses_the_language_splitter_and_sources_mix_with_limits(tmp_path):
    (tmp_path / "b.en").write_text("Hello, world!\nIt's fine.\nThird one.\n")
    (tmp_path / "b.de").write_text("Hallo, Welt!\nEs geht.\nDritter.\n")
    (tmp_path / "c.txt").write_text("x ||| y\n")
    corpus = ParallelText(
        sources=[
            {
                "src_file": "b.en",
                "tgt_file": "b.de",
                "tokenized": False,
                "src_lang": "en",
                "tgt_lang": "de",
                "limit": 2,
            },
            {"bitext_file": "c.txt"},
        ],
        data_dir=str(tmp_path),
    ).load()
    assert corpus.pairs[0] == (("Hello", ",", "world", "!"), ("Hallo", ",", "Welt", "!"))
    assert corpus.pairs[1][0] == ("It", "'s", "fine", ".")
    assert corpus.pairs[2] == (("x",), ("y",))
    assert len(corpus.pairs) == 3 and len(corpus.names) == 2


def test_bad_specs_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"needs data\.bitext_file"):
        ParallelText()
    with pytest.raises(ConfigError, match="either bitext_file or src_file"):
        ParallelText(bitext_file="a", src_file="b", tgt_file="c")
    with pytest.raises(ConfigError, match="unknown key"):
        ParallelText(sources=[{"bitext": "a"}])
    f = tmp_path / "bad.txt"
    f.write_text("a ||| b ||| c\n")
    with pytest.raises(DataFormatError, match=r"bad.txt:1: expected 'source \|\|\| target'"):
        ParallelText(bitext_file=str(f)).load()
