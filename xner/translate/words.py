"""Words in, words out: detokenise word lists for a translation model, split its output into words.

Shipped splitters (chosen per language by `lang.word_splitter`, overridable with
``translator.splitter``):

- ``regex`` (default for space-separated scripts): Unicode-aware tokenisation close to NLTK's
  Treebank style without NLTK — words (letters + combining marks + digits, with inner hyphens and
  apostrophes), numbers with inner separators (``3.5``, ``1,000``), dotted abbreviations (``U.S.``),
  and every other symbol as its own word; English clitics are split as in CoNLL (``do n't``, ``'s``).
- ``chars`` (default for zh/ja/th/my): one word per character for scripts written without spaces,
  which is how WikiANN/PAN-X tokenises them; runs of Latin letters or digits stay whole.
- ``whitespace``: ``str.split()``.

No dictionary segmenter (jieba, pythainlp) ships: their output would not match the character-level
gold tokenisation the evaluation data uses.
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

SPLITTERS = ("regex", "chars", "whitespace")

_TOKEN = regex.compile(
    r"""
      \p{N}+(?:[.,:/]\p{N}+)*                      # numbers: 3.5  1,000  12:30
    | (?:\p{L}\.){2,}                              # dotted abbreviations: U.S.
    | [\p{L}\p{M}\p{N}_]+(?:[-'’][\p{L}\p{M}\p{N}_]+)*   # words, inner hyphens/apostrophes
    | \S                                           # any other symbol, one at a time
    """,
    regex.VERBOSE,
)
_EN_CLITIC = regex.compile(r"(?i)^(.+?)(n['’]t|['’](?:s|re|ve|ll|d|m))$")
_UNSPACED = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Thai}\p{Lao}\p{Khmer}\p{Myanmar}]")
_CHAR_TOKEN = regex.compile(
    r"[\p{Latin}\p{N}]+(?:[-'’.][\p{Latin}\p{N}]+)*|\S", regex.VERBOSE
)

_NO_SPACE_BEFORE = set(".,;:!?%)]}»”’…") | {"'s", "n't", "'re", "'ve", "'ll", "'d", "'m", "''"}
_NO_SPACE_AFTER = set("([{«“‘¿¡") | {"``"}


def split_words(text: str, splitter: str = "regex", lang: str | None = None) -> list[str]:
    """Split a model's output text into words with the named splitter."""
    if splitter == "whitespace":
        return text.split()
    if splitter == "chars":
        return _CHAR_TOKEN.findall(text)
    if splitter != "regex":
        raise ValueError(f"unknown word splitter {splitter!r}; valid: {', '.join(SPLITTERS)}")
    words = _TOKEN.findall(text)
    if lang == "en":
        out: list[str] = []
        for w in words:
            m = _EN_CLITIC.match(w)
            if m and m.group(1):
                out.extend((m.group(1), m.group(2)))
            else:
                out.append(w)
        return out
    return words


def detokenize(words: Sequence[str], splitter: str = "regex") -> str:
    """Join words into natural text for a translation model.

    Spaces are removed before closing punctuation and clitics and after opening brackets; with the
    ``chars`` splitter, characters of unspaced scripts are joined without spaces.
    """
    out: list[str] = []
    prev = ""
    for w in words:
        if not w:
            continue
        glue = (
            not out
            or w in _NO_SPACE_BEFORE
            or prev in _NO_SPACE_AFTER
            or (splitter == "chars" and (_UNSPACED.match(w[0]) or _UNSPACED.match(prev[-1])))
        )
        out.append(w if glue else " " + w)
        prev = w
    return "".join(out)
