"""Test doubles with the real interfaces: an oracle tagger and a cheap aligner."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from xner.data.conll import read_conll
from xner.data.types import Links, Span


class GoldTagger:
    """``predict(words_list) -> spans``: the gold entities of sentences found in a CoNLL file (else none)."""

    def __init__(self, path: str):
        self.table = {s.words: s.spans for s in read_conll(Path(path))}

    def cache_config(self) -> dict:
        return {"gold": str(len(self.table))}

    def predict(self, words_list: Sequence[Sequence[str]]) -> list[list[Span]]:
        return [list(self.table.get(tuple(w), [])) for w in words_list]

    def close(self) -> None:
        pass


class DiagonalAligner:
    """Links word i to word round(i·m/n): cheap, deterministic, shaped like an aligner."""

    def __init__(self, tag: str = "diag"):
        self.tag = tag

    def cache_config(self) -> dict:
        return {"aligner": self.tag}

    def align(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> list[Links]:
        out = []
        for s, t in zip(src, tgt, strict=True):
            n, m = len(s), len(t)
            out.append(frozenset((i, min(m - 1, round(i * m / n))) for i in range(n)) if n and m else frozenset())
        return out

    def close(self) -> None:
        pass


class CopyTranslator:
    """A 'translator' that returns its input unchanged (markers included): exact, model-free."""

    name = "copy"

    def __init__(self, tag: str = "copy"):
        self.tag = tag
        self.stats = {"translated": 0}

    def translate(self, sentences, src, tgt, *, cache=None, ids=None):
        self.stats["translated"] += len(sentences)
        return [list(s) for s in sentences]

    def check_languages(self, src, tgt) -> None:
        pass

    def close(self) -> None:
        pass


class LosingTranslator(CopyTranslator):
    """`CopyTranslator` that drops the words in `lose` (default "Paris"): "[ Paris ]" comes back as
    "[ ]" and "Paris" alone as nothing, so that entity's markers are lost beyond fuzzy recovery."""

    name = "losing"

    def __init__(self, lose: Sequence[str] = ("Paris",)):
        super().__init__("losing")
        self.lose = frozenset(lose)

    def translate(self, sentences, src, tgt, *, cache=None, ids=None):
        self.stats["translated"] += len(sentences)
        return [[w for w in s if w not in self.lose] for s in sentences]
