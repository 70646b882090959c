"""Tokenised text: words split on ASCII space/tab only, lines on LF only."""

import pytest

from xner.data.tokenized import read_lines, split_tokens
from xner.errors import DataFormatError

IDEO, NBSP, LSEP = "\u3000", "\u00a0", "\u2028"


def test_split_tokens_keeps_unicode_spaces_as_tokens():
    assert split_tokens(f"今日 {IDEO} 晴れ") == ("今日", IDEO, "晴れ")
    assert split_tokens(f"a {NBSP} b\tc  ") == ("a", NBSP, "b", "c")
    assert split_tokens(f"x{NBSP}y") == (f"x{NBSP}y",)  # inside a token: one token
    assert split_tokens(" \t ") == ()


def test_read_lines_splits_on_lf_only(tmp_path):
    path = tmp_path / "t.txt"
    path.write_bytes(f"\ufeffa{LSEP}b c\r\n\x0cd\n\nlast".encode())
    assert read_lines(path) == [f"a{LSEP}b c", "\x0cd", "", "last"]
    path.write_bytes(b"ok\n\xff\n")
    with pytest.raises(DataFormatError, match=r"t\.txt:2: not UTF-8"):
        read_lines(path)
    with pytest.raises(DataFormatError, match="file not found"):
        read_lines(tmp_path / "nope.txt")
