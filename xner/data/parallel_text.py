"""Line-aligned parallel text without labels (`data=parallel_text`), e.g. to fine-tune an aligner.

One source is either a ``bitext_file`` with ``source ||| target`` lines or two line-aligned files
(``src_file``, ``tgt_file``). Text that is already tokenised is split on whitespace
(``tokenized: true``); raw text is split by each language's word splitter (`xner.langs`,
`xner.translate.words`). Several sources are mixed in one corpus with ``sources: [{...}, {...}]``
(a multilingual aligner); ``limit`` keeps the first N pairs of each source.

Bad input: two files whose line counts differ fail with both names and the first line where they
diverge (the first line blank in one file only, else the end of the shorter file); a bitext line
without exactly one ``|||`` fails with file:line. Pairs with an empty side are skipped and
counted, never silently dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xner.data.loaders import resolve_data_dir
from xner.errors import ConfigError, DataFormatError

log = logging.getLogger(__name__)

_SOURCE_KEYS = {"src_file", "tgt_file", "bitext_file", "src_lang", "tgt_lang", "tokenized", "limit", "name"}


@dataclass(frozen=True)
class ParallelCorpus:
    """Word-split sentence pairs and what was left out while reading."""

    pairs: list[tuple[tuple[str, ...], tuple[str, ...]]]
    names: list[str]  # one name per source, e.g. "de-en:train.de|train.en"
    counts: dict[str, int] = field(default_factory=dict)  # read, empty (per corpus)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DataFormatError(f"{path}: file not found") from None
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def check_line_aligned(src_path: Path, src: Sequence[str], tgt_path: Path, tgt: Sequence[str]) -> None:
    """Raise when two line-aligned files differ in length, naming where they first diverge."""
    if len(src) == len(tgt):
        return
    first = next((k for k in range(min(len(src), len(tgt))) if bool(src[k].strip()) != bool(tgt[k].strip())), None)
    where = (
        f"line {first + 1} is blank in one file only"
        if first is not None
        else f"line {min(len(src), len(tgt)) + 1} exists only in the longer file"
    )
    raise DataFormatError(
        f"parallel files differ in length: {src_path} has {len(src)} lines, {tgt_path} has {len(tgt)}; "
        f"they first diverge at {where}"
    )


def _splitter(lang: str | None, tokenized: bool):
    if tokenized:
        return str.split
    from xner.langs import get_language
    from xner.translate.words import split_words

    if not lang:
        raise ConfigError("data.tokenized=false needs data.src_lang and data.tgt_lang (to pick the word splitter)")
    how = get_language(lang).word_splitter
    code = get_language(lang).iso1 or lang
    return lambda text: split_words(text, how, code)


class ParallelText:
    """The `data=parallel_text` config target (see the module docstring)."""

    name = "parallel_text"

    def __init__(
        self,
        src_file: str | None = None,
        tgt_file: str | None = None,
        bitext_file: str | None = None,
        src_lang: str | None = None,
        tgt_lang: str | None = None,
        tokenized: bool = True,
        sources: Sequence[Mapping[str, Any]] | None = None,
        data_dir: str | None = None,
        limit: int | None = None,
    ):
        if limit is not None and limit < 1:
            raise ConfigError(f"data.limit must be a positive number of sentence pairs, got {limit}")
        self.data_dir = data_dir
        one = dict(
            src_file=src_file,
            tgt_file=tgt_file,
            bitext_file=bitext_file,
            src_lang=src_lang,
            tgt_lang=tgt_lang,
            tokenized=tokenized,
            limit=limit,
        )
        specs: list[dict[str, Any]] = []
        if sources:
            for k, s in enumerate(sources):
                unknown = set(s) - _SOURCE_KEYS
                if unknown:
                    raise ConfigError(
                        f"data.sources[{k}]: unknown key(s) {sorted(unknown)}; valid: {', '.join(sorted(_SOURCE_KEYS))}"
                    )
                specs.append(
                    {**{"tokenized": tokenized, "limit": limit, "src_lang": src_lang, "tgt_lang": tgt_lang}, **dict(s)}
                )
        if src_file or tgt_file or bitext_file:
            specs.insert(0, one)
        if not specs:
            raise ConfigError(
                "data=parallel_text needs data.bitext_file=<src ||| tgt file>, or data.src_file + "
                "data.tgt_file, or data.sources=[{...}, ...]"
            )
        for k, s in enumerate(specs):
            if bool(s.get("bitext_file")) == bool(s.get("src_file") or s.get("tgt_file")):
                raise ConfigError(f"data source {k}: give either bitext_file or src_file + tgt_file")
            if not s.get("bitext_file") and not (s.get("src_file") and s.get("tgt_file")):
                raise ConfigError(f"data source {k}: src_file and tgt_file must both be given")
        self.specs = specs

    def _path(self, name: str) -> Path:
        p = Path(name).expanduser()
        if p.is_absolute() or p.exists():
            return p
        return resolve_data_dir(self.data_dir) / p

    def load(self) -> ParallelCorpus:
        pairs: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        names: list[str] = []
        read = empty = 0
        for spec in self.specs:
            if spec.get("bitext_file"):
                path = self._path(spec["bitext_file"])
                src_lines, tgt_lines = [], []
                for n, line in enumerate(_lines(path), 1):
                    if not line.strip():
                        src_lines.append("")
                        tgt_lines.append("")
                        continue
                    parts = line.split("|||")
                    if len(parts) != 2:
                        raise DataFormatError(f"{path}:{n}: expected 'source ||| target', found {len(parts) - 1} '|||'")
                    src_lines.append(parts[0])
                    tgt_lines.append(parts[1])
                label = str(path)
            else:
                sp, tp = self._path(spec["src_file"]), self._path(spec["tgt_file"])
                src_lines, tgt_lines = _lines(sp), _lines(tp)
                check_line_aligned(sp, src_lines, tp, tgt_lines)
                label = f"{sp}|{tp}"
            split_src = _splitter(spec.get("src_lang"), bool(spec.get("tokenized", True)))
            split_tgt = _splitter(spec.get("tgt_lang"), bool(spec.get("tokenized", True)))
            kept = 0
            limit = spec.get("limit")
            for s, t in zip(src_lines, tgt_lines, strict=True):
                if limit is not None and kept >= limit:
                    break
                read += 1
                sw, tw = tuple(split_src(s)), tuple(split_tgt(t))
                if not sw or not tw:
                    empty += 1
                    continue
                pairs.append((sw, tw))
                kept += 1
            names.append(spec.get("name") or label)
        if empty:
            log.info("parallel_text: skipped %d line pair(s) with an empty side (of %d read)", empty, read)
        return ParallelCorpus(pairs, names, {"read": read, "empty": empty})
