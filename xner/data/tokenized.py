"""Tokenised text files: one sentence a line, words separated by ASCII spaces or tabs.

`str.split()` and `str.splitlines()` also split on Unicode whitespace and line separators, so a
token that is itself such a character — the ideographic space U+3000 of Japanese corpora, a
no-break space U+00A0 — would vanish, or a U+2028 inside a line would split it, and every later
index on that line (gold links) or every later line (a parallel file) would shift by one. These
readers split lines on LF (CRLF tolerated) and words on runs of ASCII space/tab only.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from xner.errors import DataFormatError

_SEP = re.compile(r"[ \t]+")


def split_tokens(line: str) -> tuple[str, ...]:
    """The words of one tokenised line (``"a\\u3000 b"`` → ``("a\\u3000", "b")``; ``"\\u3000"`` is a word)."""
    return tuple(w for w in _SEP.split(line) if w)


def read_lines(path: str | os.PathLike) -> list[str]:
    """The lines of a UTF-8 text file, split on LF only (a trailing CR and a leading BOM removed);
    a missing file or non-UTF-8 bytes are a `DataFormatError` naming file(:line)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFormatError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DataFormatError(f"{path}: is a directory, expected a text file") from None
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    lines = raw.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    out = []
    for number, line in enumerate(lines, 1):
        try:
            out.append(line.decode("utf-8").removesuffix("\r"))
        except UnicodeDecodeError as exc:
            raise DataFormatError(
                f"{path}:{number}: not UTF-8 text (byte {line[exc.start]:#04x} at column {exc.start + 1})"
            ) from None
    return out
