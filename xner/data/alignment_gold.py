"""Gold word-alignment sets (for `task=align_eval`).

A set is tokenised sentence pairs plus gold links, one line per pair:

- text: ``src_file`` + ``tgt_file`` (one sentence a line, line-aligned) or one ``bitext_file`` with
  ``src ||| tgt`` lines;
- words and links are separated by ASCII spaces/tabs only, lines by LF (`xner.data.tokenized`), so
  a token that is a Unicode space (U+3000) stays a token;
- gold: ``gold_file`` with space-separated ``i-j`` (sure) and ``ipj`` (possible) links, 1-indexed,
  ``i`` indexing the source; ``reverse=true`` when the file indexes the target first.

Named sets under ``<data_dir>/alignment_gold`` are picked with ``pair`` (see `PAIRS`); without a
``pair``, own text files are read, or else the default set ``de-en_vilar``. A ``gold_file`` alone
replaces the named set's gold links; own text files with a ``pair`` are an error (which was meant?). Every problem
(line counts that differ, an index beyond the sentence, a malformed link) raises `DataFormatError`
naming file:line.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from xner.data.loaders import resolve_data_dir
from xner.data.tokenized import read_lines, split_tokens
from xner.data.types import Links
from xner.errors import ConfigError, DataFormatError

log = logging.getLogger(__name__)

# pair name -> files relative to <data_dir>/alignment_gold/<pair>/
PAIRS: dict[str, dict[str, str]] = {
    "de-en_vilar": {"src_file": "deen.src.de", "tgt_file": "deen.tgt.en", "gold_file": "deen.talp"},
    "en-fr_hansards": {"bitext_file": "enfr.src-tgt", "gold_file": "enfr.gold"},
    "ro-en_wpt05": {"bitext_file": "roen.src-tgt", "gold_file": "roen.gold"},
}
DEFAULT_PAIR = "de-en_vilar"  # used when neither data.pair nor own text files are given
_LINK = re.compile(r"^(\d+)([-p])(\d+)$")


@dataclass(frozen=True)
class AlignmentGoldSet:
    """Sentence pairs and their gold links (0-based). `possible` includes the sure links."""

    name: str
    src: list[tuple[str, ...]]
    tgt: list[tuple[str, ...]]
    sure: list[Links]
    possible: list[Links]

    def __len__(self) -> int:
        return len(self.src)


def read_bitext(path: Path) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """``src ||| tgt`` lines → (source word tuples, target word tuples)."""
    src, tgt = [], []
    for n, line in enumerate(read_lines(path), 1):
        parts = line.split("|||")
        if len(parts) != 2:
            raise DataFormatError(f"{path}:{n}: expected 'source ||| target', found {len(parts) - 1} '|||'")
        src.append(split_tokens(parts[0]))
        tgt.append(split_tokens(parts[1]))
    return src, tgt


def parse_gold_line(line: str, where: str, n_src: int, n_tgt: int, reverse: bool = False) -> tuple[Links, Links]:
    """One gold line → (sure, possible ∪ sure) as 0-based (src, tgt) links."""
    sure, possible = set(), set()
    for tok in split_tokens(line):
        m = _LINK.match(tok)
        if not m:
            raise DataFormatError(f"{where}: link {tok!r} is not 'i-j' (sure) or 'ipj' (possible), 1-indexed")
        i, kind, j = int(m.group(1)), m.group(2), int(m.group(3))
        if reverse:
            i, j = j, i
        if not (1 <= i <= n_src and 1 <= j <= n_tgt):
            raise DataFormatError(
                f"{where}: link {tok!r} is outside the sentence pair ({n_src} source words, {n_tgt} target "
                f"words; indices are 1-based{', reversed' if reverse else ''})"
            )
        (sure if kind == "-" else possible).add((i - 1, j - 1))
    return frozenset(sure), frozenset(possible | sure)


class AlignmentGold:
    """The `data=alignment_gold` config target."""

    def __init__(
        self,
        pair: str | None = None,
        src_file: str | None = None,
        tgt_file: str | None = None,
        bitext_file: str | None = None,
        gold_file: str | None = None,
        reverse: bool = False,
        data_dir: str | None = None,
        limit: int | None = None,
    ):
        if limit is not None and limit < 1:
            raise ConfigError(f"data.limit must be a positive number of sentence pairs, got {limit}")
        self.reverse, self.limit = reverse, limit
        self.data_dir = data_dir
        given = {k: v for k, v in dict(src_file=src_file, tgt_file=tgt_file, bitext_file=bitext_file,
                                       gold_file=gold_file).items() if v}
        own_text = sorted(k for k in given if k != "gold_file")
        if pair is not None and own_text:
            raise ConfigError(f"data.pair={pair} and data.{own_text[0]}: give a named gold set or your own "
                              "files, not both (data.gold_file alone replaces the named set's gold links)")
        if pair is None and not own_text:
            pair = DEFAULT_PAIR  # nothing of the user's to read: the default set (with their gold_file, if any)
        if pair is not None:
            if pair not in PAIRS:
                raise ConfigError(f"data.pair={pair!r} is not a known gold set; valid: {', '.join(PAIRS)} "
                                  "(or give data.src_file + data.tgt_file / data.bitext_file and data.gold_file)")
            root = resolve_data_dir(data_dir) / "alignment_gold" / pair
            files = {k: str(root / v) for k, v in PAIRS[pair].items()}
            files.update(given)
        else:
            files = given
        self.pair = pair
        if "gold_file" not in files:
            raise ConfigError("data.gold_file is required with your own data.src_file/tgt_file or data.bitext_file "
                              "(or use a named set: data.pair=" + "|".join(PAIRS) + ")")
        if "bitext_file" in files and ("src_file" in files or "tgt_file" in files):
            raise ConfigError("give either data.bitext_file or data.src_file + data.tgt_file, not both")
        if "bitext_file" not in files and not ("src_file" in files and "tgt_file" in files):
            raise ConfigError("data.src_file and data.tgt_file (or data.bitext_file) are required")
        self.files = {k: Path(v).expanduser() for k, v in files.items()}
        self.name = pair or self.files["gold_file"].stem

    def load(self) -> AlignmentGoldSet:
        f = self.files
        if "bitext_file" in f:
            src, tgt = read_bitext(f["bitext_file"])
            text_desc = str(f["bitext_file"])
        else:
            src = [split_tokens(line) for line in read_lines(f["src_file"])]
            tgt = [split_tokens(line) for line in read_lines(f["tgt_file"])]
            if len(src) != len(tgt):
                raise DataFormatError(f"{f['src_file']} has {len(src)} lines but {f['tgt_file']} has {len(tgt)}; "
                                      "source and target files must be line-aligned")
            text_desc = str(f["src_file"])
        gold = read_lines(f["gold_file"])
        if len(gold) != len(src):
            raise DataFormatError(f"{f['gold_file']} has {len(gold)} lines but {text_desc} has {len(src)} sentence "
                                  "pairs; the gold file needs one line per pair")
        n = len(src) if self.limit is None else min(self.limit, len(src))
        sure, possible = [], []
        for k in range(n):
            s, p = parse_gold_line(gold[k], f"{f['gold_file']}:{k + 1}", len(src[k]), len(tgt[k]), self.reverse)
            sure.append(s)
            possible.append(p)
        empty = sum(1 for k in range(n) if not src[k] or not tgt[k])
        if empty:
            log.warning("%s: %d of %d pairs have an empty side (kept; they get no links)", self.name, empty, n)
        log.info("alignment gold %s: %d pairs, %d sure / %d possible links", self.name, n,
                 sum(map(len, sure)), sum(map(len, possible)))
        return AlignmentGoldSet(self.name, src[:n], tgt[:n], sure, possible)
