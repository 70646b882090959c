"""Gold alignment files: formats, reversal, limits and every bad-input message (file:line)."""

from pathlib import Path

import pytest

from xner.data.alignment_gold import PAIRS, AlignmentGold, parse_gold_line
from xner.errors import ConfigError, DataFormatError


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_parse_gold_line_sure_possible_one_based():
    sure, possible = parse_gold_line("1-1 2p3 3-2", "g:1", 3, 3)
    assert sure == {(0, 0), (2, 1)}
    assert possible == {(0, 0), (1, 2), (2, 1)}  # possible includes sure
    sure, _ = parse_gold_line("1-2", "g:1", 3, 3, reverse=True)
    assert sure == {(1, 0)}


def test_src_tgt_files(tmp_path):
    src = write(tmp_path, "a.de", "Das Haus\nJa\n")
    tgt = write(tmp_path, "a.en", "The house\nYes\n")
    gold = write(tmp_path, "a.gold", "1-1 2-2\n1p1\n")
    data = AlignmentGold(src_file=src, tgt_file=tgt, gold_file=gold).load()
    assert data.src == [("Das", "Haus"), ("Ja",)] and data.tgt[1] == ("Yes",)
    assert data.sure == [{(0, 0), (1, 1)}, frozenset()] and data.possible[1] == {(0, 0)}
    assert len(AlignmentGold(src_file=src, tgt_file=tgt, gold_file=gold, limit=1).load()) == 1


def test_bitext_and_empty_side(tmp_path):
    bitext = write(tmp_path, "b.txt", "a b ||| x\n ||| y\n")
    gold = write(tmp_path, "b.gold", "2-1\n\n")
    data = AlignmentGold(bitext_file=bitext, gold_file=gold).load()
    assert data.src == [("a", "b"), ()] and data.sure[0] == {(1, 0)}


def test_line_count_mismatch_names_both_files(tmp_path):
    src = write(tmp_path, "c.de", "a\nb\n")
    tgt = write(tmp_path, "c.en", "x\n")
    gold = write(tmp_path, "c.gold", "1-1\n1-1\n")
    with pytest.raises(DataFormatError) as info:
        AlignmentGold(src_file=src, tgt_file=tgt, gold_file=gold).load()
    assert "c.de has 2 lines" in str(info.value) and "c.en has 1" in str(info.value)


def test_gold_count_mismatch(tmp_path):
    bitext = write(tmp_path, "d.txt", "a ||| x\n")
    gold = write(tmp_path, "d.gold", "1-1\n1-1\n")
    with pytest.raises(DataFormatError, match=r"d\.gold has 2 lines but .*d\.txt has 1"):
        AlignmentGold(bitext_file=bitext, gold_file=gold).load()


def test_index_beyond_sentence_names_file_and_line(tmp_path):
    bitext = write(tmp_path, "e.txt", "a ||| x\na b ||| x y\n")
    gold = write(tmp_path, "e.gold", "1-1\n1-1 3-2\n")
    with pytest.raises(DataFormatError, match=r"e\.gold:2: link '3-2' is outside the sentence pair \(2 source"):
        AlignmentGold(bitext_file=bitext, gold_file=gold).load()
    gold0 = write(tmp_path, "e0.gold", "0-1\n1-1\n")
    with pytest.raises(DataFormatError, match=r"e0\.gold:1"):
        AlignmentGold(bitext_file=bitext, gold_file=gold0).load()


def test_malformed_link_and_bitext(tmp_path):
    bitext = write(tmp_path, "f.txt", "a ||| x\n")
    with pytest.raises(DataFormatError, match=r"f\.gold:1: link '1:1'"):
        AlignmentGold(bitext_file=bitext, gold_file=write(tmp_path, "f.gold", "1:1\n")).load()
    bad = write(tmp_path, "g.txt", "a x\n")
    with pytest.raises(DataFormatError, match=r"g\.txt:1: expected 'source \|\|\| target'"):
        AlignmentGold(bitext_file=bad, gold_file=write(tmp_path, "g.gold", "\n")).load()


def test_config_errors(tmp_path):
    with pytest.raises(ConfigError, match=r"data\.pair='xx-yy'.*de-en_vilar"):
        AlignmentGold(pair="xx-yy", data_dir=str(tmp_path))
    with pytest.raises(ConfigError, match="gold_file"):
        AlignmentGold(bitext_file="x")
    with pytest.raises(ConfigError, match="src_file"):
        AlignmentGold(src_file="x", gold_file="y")
    with pytest.raises(ConfigError, match="limit"):
        AlignmentGold(bitext_file="x", gold_file="y", limit=0)


@pytest.mark.parametrize("pair,n,first_sure", [
    ("de-en_vilar", 508, {(8, 7), (0, 0)}),
    ("en-fr_hansards", 447, {(1, 1), (0, 0)}),
    ("ro-en_wpt05", 248, {(1, 3), (0, 2)}),
])
def test_real_gold_sets(data_dir, pair, n, first_sure):
    data = AlignmentGold(pair=pair, data_dir=str(data_dir)).load()
    assert len(data) == n == len(data.sure)
    assert first_sure <= data.sure[0]
    assert all(s <= p for s, p in zip(data.sure, data.possible, strict=True))
    assert pair in PAIRS


def test_unicode_space_tokens_keep_gold_indices(tmp_path):
    # Token 2 of the source is the ideographic space U+3000, token 2 of the target a no-break space;
    # `str.split()` would drop both and put link 3-3 outside the pair.
    src = write(tmp_path, "u.ja", "東京 \u3000 です\n一\u2028二\n")
    tgt = write(tmp_path, "u.en", "Tokyo \u00a0 is\none\n")
    gold = write(tmp_path, "u.gold", "1-1 2p2 3-3\n1-1\n")
    data = AlignmentGold(src_file=src, tgt_file=tgt, gold_file=gold).load()
    assert data.src == [("東京", "\u3000", "です"), ("一\u2028二",)]
    assert data.tgt[0] == ("Tokyo", "\u00a0", "is")
    assert data.sure[0] == {(0, 0), (2, 2)} and data.possible[0] == {(0, 0), (1, 1), (2, 2)}
    bitext = write(tmp_path, "u.txt", "東京 \u3000 です ||| Tokyo \u00a0 is\n一\u2028二 ||| one\n")
    data = AlignmentGold(bitext_file=bitext, gold_file=gold).load()
    assert data.src[0] == ("東京", "\u3000", "です") and data.tgt[0] == ("Tokyo", "\u00a0", "is")
    assert data.sure[0] == {(0, 0), (2, 2)}
