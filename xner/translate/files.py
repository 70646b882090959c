"""Translators that look translations up instead of computing them.

- `PrecomputedTranslator` (``translator=precomputed``): translations from a file, matched to the
  input sentences by line (``lines``, ``conll``) or by sentence id (``tsv``, ``jsonl``).
- `ParallelTranslator` (``translator=parallel``): the human translation from a parallel corpus —
  the offline way to run every pipeline. By default it uses the run's own parallel dataset
  (``data=europarl_ner``; the task hands the pairs over with `add_pairs`), or two line-aligned files.

Both fail with one message naming the file and the counts when a translation is missing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path

from xner.cache import ArtifactCache
from xner.data.tokenized import read_lines, split_tokens
from xner.data.types import SentencePair
from xner.errors import ConfigError, DataFormatError, XnerError
from xner.translate.base import LangLike, Translator, Words
from xner.translate.words import SPLITTERS, split_words

log = logging.getLogger(__name__)
FORMATS = ("auto", "lines", "tsv", "jsonl", "conll")


def _format_path(path: str, src: str, tgt: str) -> Path:
    try:
        return Path(path.format(src=src, tgt=tgt)).expanduser()
    except (KeyError, IndexError):
        raise ConfigError(f"translator.path={path!r}: only {{src}} and {{tgt}} may be used as placeholders") from None


class PrecomputedTranslator(Translator):
    """Translations read from `path` (``{src}``/``{tgt}`` placeholders allowed).

    Formats: ``lines`` — one translation per line, line i for input sentence i (`tokenized`: words
    separated by spaces; else split with the target language's word splitter); ``tsv`` —
    ``id<TAB>translation`` per line; ``jsonl`` — objects with ``id`` and ``words`` (a list) or
    ``text`` (as written by xner's ``translations.*.jsonl`` artifacts); ``conll`` — a CoNLL file, one
    sentence per input sentence. ``auto`` picks by extension (.tsv, .jsonl, .conll/.conll02/.txt with
    blank-line sentences → conll, else lines). With `strict_count` (default) a line-keyed file must hold
    exactly as many sentences as the input; set it false to use the first N (e.g. with data.limit).
    """

    name = "precomputed"

    def __init__(
        self,
        path: str,
        format: str = "auto",
        tokenized: bool = True,
        splitter: str | None = None,
        strict_count: bool = True,
    ):
        if not path:
            raise ConfigError("translator=precomputed needs translator.path=<file of translations>")
        if format not in FORMATS:
            raise ConfigError(f"translator.format={format!r} is not valid; valid: {', '.join(FORMATS)}")
        if splitter is not None and splitter not in SPLITTERS:
            raise ConfigError(f"translator.splitter={splitter!r} is not valid; valid: {', '.join(SPLITTERS)}")
        self.path = path
        self.format = format
        self.tokenized = tokenized
        self.splitter = splitter
        self.strict_count = strict_count

    def _detect(self, path: Path) -> str:
        if self.format != "auto":
            return self.format
        suffix = path.suffix.lower()
        if suffix == ".tsv":
            return "tsv"
        if suffix == ".jsonl":
            return "jsonl"
        if suffix.startswith(".conll"):
            return "conll"
        return "lines"

    def _words(self, text: str, tgt) -> Words:
        if self.tokenized:
            return list(split_tokens(text))
        return split_words(text, self.splitter or tgt.word_splitter, tgt.code)

    def translate(
        self,
        sentences: Sequence[Sequence[str]],
        src: LangLike,
        tgt: LangLike,
        *,
        cache: ArtifactCache | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[Words]:
        s, t = self.lang(src), self.lang(tgt)
        path = _format_path(self.path, s.code, t.code)
        if not path.exists():
            raise DataFormatError(f"{path}: precomputed translation file not found (translator.path)")
        fmt = self._detect(path)
        n = len(sentences)
        if fmt in ("lines", "conll"):
            if fmt == "conll":
                from xner.data.conll import read_conll

                rows = [list(x.words) for x in read_conll(path)]
            else:
                rows = [self._words(line, t) for line in read_lines(path)]
            if len(rows) < n or (self.strict_count and len(rows) != n):
                raise DataFormatError(
                    f"{path}: {len(rows)} translated sentences for {n} input sentences "
                    f"({'too few' if len(rows) < n else 'too many'}; translation i must be for input "
                    "sentence i" + ("; set translator.strict_count=false to use the first N" if len(rows) > n else "")
                    + ")"
                )
            return rows[:n]
        if ids is None:
            raise ConfigError(f"translator.format={fmt} looks translations up by sentence id, but none were given")
        table: dict[str, Words] = {}
        for lineno, line in enumerate(read_lines(path), 1):
            if not line.strip():
                continue
            if fmt == "tsv":
                key, sep, text = line.rstrip("\n").partition("\t")
                if not sep:
                    raise DataFormatError(f"{path}:{lineno}: expected 'id<TAB>translation'")
                table[key] = self._words(text, t)
            else:
                try:
                    rec = json.loads(line)
                    key = str(rec["id"])
                    table[key] = list(rec["words"]) if "words" in rec else self._words(rec["text"], t)
                except (ValueError, KeyError, TypeError):
                    raise DataFormatError(
                        f"{path}:{lineno}: expected a JSON object with 'id' and 'words' or 'text'"
                    ) from None
        missing = [i for i in ids if i not in table]
        if missing:
            raise DataFormatError(
                f"{path}: no translation for {len(missing)} of {len(ids)} sentence ids "
                f"(file has {len(table)} ids; first missing: {', '.join(map(repr, missing[:3]))})"
            )
        return [list(table[i]) for i in ids]


class ParallelTranslator(Translator):
    """The human translation of each sentence, looked up in a parallel corpus.

    Without files it uses the pairs the task passes in (`add_pairs`; the run's ``data=europarl_ner``
    or ``data=parallel_conll``). With `source_file`/`target_file` (CoNLL files, or plain text one
    sentence a line, `format`), those pairs. Sentences are matched by their id when the files were
    sentence-aligned, else by their words, in either direction; an input sentence found on neither
    side is an error naming the counts.

    `sentence_align=true`: the two CoNLL files are translations of each other but not
    index-parallel (filtered or re-segmented); they are paired 1-1 by `xner.data.paired`
    (cached under `cache_dir`), exactly as `SentAlignedConll` pairs them for the labelled side.
    """

    name = "parallel"

    def __init__(
        self, source_file: str | None = None, target_file: str | None = None, format: str = "conll",
        sentence_align: bool = False, cache_dir: str | None = None, data_dir: str | None = None,
    ):
        if bool(source_file) != bool(target_file):
            raise ConfigError("translator=parallel needs both translator.source_file and translator.target_file")
        if format not in ("conll", "lines"):
            raise ConfigError(f"translator.format={format!r} is not valid; valid: conll, lines")
        if sentence_align and (format != "conll" or not source_file):
            raise ConfigError("translator.sentence_align=true needs two CoNLL files (translator.source_file, "
                              "translator.target_file, translator.format=conll)")
        self.source_file, self.target_file, self.format = source_file, target_file, format
        self._lookup: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._by_id: dict[str, tuple[str, ...]] = {}
        self._sources: list[str] = []
        if sentence_align:
            self._read_aligned(str(source_file), str(target_file), cache_dir, data_dir)
        elif source_file and target_file:
            self._read_files(Path(source_file).expanduser(), Path(target_file).expanduser())

    def _read_aligned(self, src: str, tgt: str, cache_dir: str | None, data_dir: str | None) -> None:
        from xner.data.paired import SentAlignedConll

        corpus = SentAlignedConll(src, tgt, cache_dir=cache_dir, data_dir=data_dir)
        pairs = corpus.pairs()
        self._by_id = {p.source.id: tuple(p.target.words) for p in pairs}
        self._add(((p.source.words, p.target.words) for p in pairs), f"{corpus.source_file} + {corpus.target_file}")

    def _read_files(self, src: Path, tgt: Path) -> None:
        sides = []
        for p in (src, tgt):
            if not p.exists():
                raise DataFormatError(f"{p}: parallel file not found (translator.source_file/target_file)")
            if self.format == "conll":
                from xner.data.conll import read_conll

                sides.append([tuple(x.words) for x in read_conll(p)])
            else:
                sides.append([split_tokens(line) for line in read_lines(p)])
        if len(sides[0]) != len(sides[1]):
            raise DataFormatError(f"parallel files differ in length: {src} has {len(sides[0])} sentences, "
                                  f"{tgt} has {len(sides[1])}")
        self._add(zip(*sides, strict=True), f"{src} + {tgt}")

    def _add(self, pairs, where: str) -> None:
        n = 0
        for a, b in pairs:
            n += 1
            if a:
                self._lookup.setdefault(tuple(b), tuple(a))
                self._lookup[tuple(a)] = tuple(b)
        self._sources.append(where)
        log.info("parallel translator: %d sentence pairs from %s (%d distinct sentences indexed, both sides)",
                 n, where, len(self._lookup))

    def add_pairs(self, pairs: Sequence[SentencePair], where: str = "the run's parallel dataset") -> None:
        """Use these human translation pairs (source side ↔ target side)."""
        self._add(((p.source.words, p.target.words) for p in pairs), where)

    @property
    def has_pairs(self) -> bool:
        return bool(self._lookup)

    def translate(
        self,
        sentences: Sequence[Sequence[str]],
        src: LangLike,
        tgt: LangLike,
        *,
        cache: ArtifactCache | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[Words]:
        if not self._lookup:
            raise ConfigError(
                "translator=parallel has no parallel text: use a parallel dataset (data=europarl_ner, "
                "data=parallel_conll) or set translator.source_file and translator.target_file"
            )
        out: list[Words] = []
        missing = []
        for k, words in enumerate(sentences):
            hit = self._by_id.get(ids[k]) if ids is not None and self._by_id else None
            hit = hit or self._lookup.get(tuple(words))
            if hit is None and words:
                missing.append(k)
            out.append(list(hit or ()))
        if missing:
            example = " ".join(sentences[missing[0]])[:80]
            raise XnerError(
                f"translator=parallel: {len(missing)} of {len(sentences)} sentences have no human translation "
                f"in {'; '.join(self._sources)} ({len(self._lookup)} sentences indexed); first: "
                f"sentence {missing[0]} {example!r}. Use the same dataset on both sides or a machine translator."
            )
        return out
