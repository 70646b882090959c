"""A labelled corpus and its translation that are not index-parallel, paired 1-1 by sentence alignment.

Released translations of CoNLL-2003 (T-Projection's MasakhaNER translations, DeepL en→de/nl) were
filtered or re-segmented, so sentence k of the translation is not the translation of English
sentence k. `SentAlignedConll` pairs the two files with `xner.data.sentalign` (Gale & Church +
anchor tokens), keeps only the 1-1 beads and serves one side of the pairs as a dataset
(``side=source``: the English sentences with their gold labels; ``side=target``: their partners
with the translation file's own labels). Both sides of one pairing list the same pairs in the
same order, so `limit=N` selects the same N sentence pairs on either side: the fixed sentence
budget of an experiment. `ParallelTranslator(..., sentence_align=true)` reads the same pairs.

The pairing (a pure-Python DP, ~1.5 CPU-min for 14k sentences) is computed once per pair of files
and kept as a small JSON file under `cache_dir`, keyed by the SHA-256 of both files and the
alignment settings; writes are atomic. Sentences left out (2-1/1-2 beads, unmatched) are counted
and logged, never mixed in.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path

from xner.data.conll import read_conll
from xner.data.loaders import NerDataset
from xner.data.sentalign import SentenceAlignment, align_sentences
from xner.data.tags import map_tags
from xner.data.types import Sentence, SentencePair
from xner.errors import ConfigError, DataFormatError

log = logging.getLogger(__name__)

SIDES = ("source", "target")
_PAIRING_VERSION = 1  # bump when align_sentences changes what it returns


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _resolve(path: str | Path, data_dir: Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else data_dir / p


def pair_files(
    source: list[Sentence], target: list[Sentence], source_path: Path, target_path: Path, *,
    cache_dir: Path | None, band: int = 200,
) -> SentenceAlignment:
    """The 1-1 sentence pairs of two files, through a JSON cache under `cache_dir` when given."""
    key = hashlib.sha256(
        f"{_sha256(source_path)}:{_sha256(target_path)}:{band}:{_PAIRING_VERSION}".encode()
    ).hexdigest()[:32]
    cached = cache_dir / f"{key}.json" if cache_dir is not None else None
    if cached is not None and cached.exists():
        try:
            d = json.loads(cached.read_text("utf-8"))
            return SentenceAlignment([tuple(p) for p in d["pairs"]], d["merged"], d["unmatched_source"],
                                     d["unmatched_target"])
        except (ValueError, KeyError, TypeError):
            log.warning("%s: unreadable sentence-alignment cache entry; recomputing", cached)
    log.info("sentence-aligning %s (%d) with %s (%d) …", source_path, len(source), target_path, len(target))
    try:
        result = align_sentences([s.words for s in source], [t.words for t in target], band=band)
    except ValueError as exc:
        raise DataFormatError(f"{source_path} / {target_path}: {exc}") from None
    if cached is not None:
        from xner.cache import atomic_write_text

        atomic_write_text(cached, json.dumps({
            "source": str(source_path), "target": str(target_path), "band": band,
            "pairs": result.pairs, "merged": result.merged,
            "unmatched_source": result.unmatched_source, "unmatched_target": result.unmatched_target,
        }))
    return result


class SentAlignedConll(NerDataset):
    """One side of the 1-1 sentence pairs between `source_file` and `target_file` (split ``train``).

    `source_file`/`target_file`: CoNLL files, relative to `data_dir` unless absolute. `side`:
    ``source`` or ``target``. `limit`: the first N pairs. `label_map` applies to the served side.
    """

    name = "sentaligned_conll"
    labels = None  # any entity type: the two files may have different label sets

    def __init__(
        self,
        source_file: str,
        target_file: str,
        side: str = "source",
        cache_dir: str | None = None,
        band: int = 200,
        data_dir: str | None = None,
        lang: str = "en",
        limit: int | None = None,
        strict: bool = False,
        label_map: Mapping[str, str | None] | None = None,
    ):
        super().__init__(data_dir=data_dir, lang=lang, limit=limit, strict=strict, label_map=label_map)
        if side not in SIDES:
            raise ConfigError(f"side={side!r} of data {self.name}; valid: {', '.join(SIDES)}")
        self.side = side
        self.source_file = _resolve(source_file, self.data_dir)
        self.target_file = _resolve(target_file, self.data_dir)
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else None
        self.band = band

    def files(self) -> dict[str, Path]:
        return {"train": self.source_file if self.side == "source" else self.target_file}

    def pairs(self) -> list[SentencePair]:
        """All 1-1 pairs (before `limit` and `label_map`)."""
        for p in (self.source_file, self.target_file):
            if not p.exists():
                raise DataFormatError(f"{p}: file not found (sentence-aligned corpus, side={self.side})")
        src = read_conll(self.source_file, strict=self.strict)
        tgt = read_conll(self.target_file, strict=self.strict)
        result = pair_files(src, tgt, self.source_file, self.target_file, cache_dir=self.cache_dir, band=self.band)
        log.info(
            "sentence pairs %s ↔ %s: %d 1-1 of %d/%d sentences (left out: %d in 2-1/1-2 beads, %d source "
            "and %d target unmatched)", self.source_file.name, self.target_file.name, len(result.pairs),
            len(src), len(tgt), result.merged, result.unmatched_source, result.unmatched_target,
        )
        self.stats = {
            "pairing/source_sentences": float(len(src)), "pairing/target_sentences": float(len(tgt)),
            "pairing/pairs": float(len(result.pairs)), "pairing/merged": float(result.merged),
            "pairing/unmatched_source": float(result.unmatched_source),
            "pairing/unmatched_target": float(result.unmatched_target),
        }
        return [SentencePair(src[i], tgt[j]) for i, j in result.pairs]

    def load(self, split: str) -> list[Sentence]:
        if split != "train":
            raise ConfigError(f"data {self.name} has only the split 'train', not {split!r}")
        pairs = self.pairs()
        if self.limit is not None:
            pairs = pairs[: self.limit]
        sentences = [p.source if self.side == "source" else p.target for p in pairs]
        if self.label_map:
            sentences = [Sentence(s.words, tuple(map_tags(s.tags, self.label_map)), s.id, s.origin)
                         for s in sentences]
        return sentences
