"""Datasets by name. Each data config (`conf/data/<name>.yaml`) instantiates one of these classes.

Local files under ``paths.data_dir`` (default: ``$XNER_DATA``) are read first; for users without
them, the public copy on the Hugging Face hub is loaded by name (`hub_name`), which fails with one
clear message when offline. Every dataset honours `limit` (first N sentences of each split),
`strict` (reject repairable input instead of repairing it) and `label_map` (rename or drop entity
types, e.g. ``{MISC: null}``; a MISC entity mapped to null becomes O).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

from xner.data.conll import read_conll, split_fields
from xner.data.tags import map_tags
from xner.data.types import Sentence, SentencePair
from xner.errors import ConfigError, DataFormatError, XnerError

log = logging.getLogger(__name__)


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """`paths.data_dir`, or `$XNER_DATA`, made absolute."""
    value = data_dir or os.environ.get("XNER_DATA")
    if not value:
        # The development collection sits next to the repository (../shared/data).
        dev = Path(__file__).resolve().parents[2].parent / "shared" / "data"
        if dev.is_dir():
            return dev
        raise ConfigError("paths.data_dir is not set; set XNER_DATA or paths.data_dir=/path/to/data")
    return Path(value).expanduser().resolve()


def _hub_reachable(timeout: float = 3.0) -> bool:
    """False when HF offline mode is set or huggingface.co does not answer quickly — so an offline
    run fails at once instead of after the datasets library's retries."""
    if any(os.environ.get(v, "").lower() in ("1", "true", "yes") for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")):
        return False
    import socket

    try:
        socket.create_connection(("huggingface.co", 443), timeout=timeout).close()
        return True
    except OSError:
        return False


class NerDataset:
    """A named NER dataset: a file per split under `data_dir`, with an optional hub fallback."""

    name = "dataset"
    labels: tuple[str, ...] = ("PER", "ORG", "LOC", "MISC")
    hub_name: str | None = None

    def __init__(
        self,
        data_dir: str | None = None,
        lang: str = "en",
        limit: int | None = None,
        strict: bool = False,
        label_map: Mapping[str, str | None] | None = None,
    ):
        self.data_dir = resolve_data_dir(data_dir)
        self.lang = lang
        if limit is not None and limit < 1:
            raise ConfigError(f"data.limit must be a positive number of sentences, got {limit}")
        self.limit = limit
        self.strict = strict
        self.label_map = dict(label_map or {})
        unknown = sorted(k for k in self.label_map if self.labels is not None and k not in self.labels)
        if unknown:  # a typo here would silently keep the entities it was meant to drop
            log.warning(
                "data.label_map: entity type(s) %s do not occur in data=%s (types: %s); they have no effect",
                ", ".join(unknown), self.name, ", ".join(self.labels),
            )

    # -- subclasses define these -------------------------------------------------------------
    def files(self) -> dict[str, Path]:
        raise NotImplementedError

    def hub_config(self) -> str | None:
        return self.lang

    read_kwargs: Mapping = MappingProxyType({})

    # -- shared behaviour -------------------------------------------------------------------
    @property
    def split_names(self) -> list[str]:
        return list(self.files())

    def load(self, split: str) -> list[Sentence]:
        files = self.files()
        if split not in files:
            raise ConfigError(
                f"data={self.name} lang={self.lang} has no split {split!r}; available: {sorted(files)}"
            )
        path = files[split]
        if path.exists():
            sentences = read_conll(path, strict=self.strict, labels=self.labels, **self.read_kwargs)
        else:
            sentences = self._load_from_hub(split, path)
        if self.limit is not None:
            sentences = sentences[: self.limit]
        if self.label_map:
            sentences = [
                Sentence(s.words, tuple(map_tags(s.tags, self.label_map)), s.id, s.origin) for s in sentences
            ]
        return sentences

    def splits(self) -> dict[str, list[Sentence]]:
        return {split: self.load(split) for split in self.files()}

    def _load_from_hub(self, split: str, local: Path) -> list[Sentence]:
        if self.hub_name is None:
            raise DataFormatError(
                f"{local}: file not found (data={self.name}, lang={self.lang}, split={split}); "
                f"set XNER_DATA or paths.data_dir to the directory holding {self.name}/"
            )
        if not _hub_reachable():
            raise XnerError(
                f"data={self.name} lang={self.lang} split={split}: no local file {local}, and the hub "
                f"dataset {self.hub_name!r} cannot be fetched offline. Point XNER_DATA or paths.data_dir "
                "at a local copy."
            )
        try:
            import datasets

            hub_split = {"dev": "validation", "valid": "validation"}.get(split, split)
            ds = datasets.load_dataset(self.hub_name, self.hub_config(), split=hub_split)
        except Exception as exc:  # any hub/network failure becomes one clear message
            raise XnerError(
                f"data={self.name} lang={self.lang} split={split}: no local file {local} and the hub "
                f"dataset {self.hub_name!r} (config {self.hub_config()!r}) could not be loaded "
                f"({type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}). "
                "Offline, point XNER_DATA or paths.data_dir at a local copy."
            ) from None
        names = ds.features["ner_tags"].feature.names
        return [
            Sentence(
                tuple(row["tokens"]),
                tuple(names[t] for t in row["ner_tags"]),
                id=f"{self.hub_name}:{split}-{i}",
                origin=f"hub:{self.hub_name}/{self.hub_config()}/{hub_split}#{i}",
            )
            for i, row in enumerate(ds)
        ]


class MasakhaNER2(NerDataset):
    name = "masakhaner2"
    labels = ("PER", "ORG", "LOC", "DATE")
    hub_name = "masakhane/masakhaner2"

    def files(self) -> dict[str, Path]:
        base = self.data_dir / "masakhaner2" / self.lang
        return {split: base / f"{split}.txt" for split in ("train", "dev", "test")}


class WikiANN(NerDataset):
    """WikiANN in the XTREME (PAN-X) split: dev and test per language, English also train."""

    name = "wikiann"
    labels = ("PER", "ORG", "LOC")
    hub_name = "google/xtreme"
    read_kwargs = MappingProxyType({"strip_lang_prefix": True})

    def hub_config(self) -> str:
        return f"PAN-X.{self.lang}"

    def files(self) -> dict[str, Path]:
        base = self.data_dir / "panx" / self.lang
        names = ("train", "dev", "test") if self.lang == "en" else ("dev", "test")
        return {split: base / split for split in names}


class CoNLL2003(NerDataset):
    name = "conll2003"
    hub_name = "eriktks/conll2003"

    def hub_config(self) -> None:
        return None

    def files(self) -> dict[str, Path]:
        base = self.data_dir / "conll2003"
        return {"train": base / "train.txt", "dev": base / "valid.txt", "test": base / "test.txt"}


class ConllMulti(NerDataset):
    """CoNLL-2003 en/de, CoNLL-2002 es/nl, Evalita-2009 it (train+test only)."""

    name = "conll_multi"

    def files(self) -> dict[str, Path]:
        base = self.data_dir / "conll_multi" / self.lang
        if self.lang == "it":
            return {s: base / f"it.evalita.{s}.tsv" for s in ("train", "test")}
        if self.lang not in ("en", "de", "es", "nl"):
            raise ConfigError(f"data=conll_multi has no lang={self.lang!r}; valid: de en es it nl")
        return {s: base / f"{self.lang}.conll.{s}.tsv" for s in ("train", "dev", "test")}


def select_range(select: str | None, n: int) -> tuple[int, int]:
    """`data.select` → the 0-based half-open range of the `n` sentences it names.

    ``all`` (or None): every sentence; ``dev``: the first half, ⌈n/2⌉ sentences (Europarl-NER: 1–400);
    ``test``: the rest (401–799); ``"A-B"``: sentences A to B, 1-based and inclusive.
    """
    key = "all" if select is None else str(select).strip()
    half = (n + 1) // 2
    if key == "all":
        return 0, n
    if key == "dev":
        return 0, half
    if key == "test":
        return half, n
    first, sep, last = key.partition("-")
    if sep and first.strip().isdigit() and last.strip().isdigit():
        a, b = int(first), int(last)
        if 1 <= a <= b <= n:
            return a - 1, b
        raise ConfigError(f"data.select={key!r}: the range must lie within 1-{n} (first ≤ last)")
    raise ConfigError(f"data.select={key!r} is not valid; choose all, dev (first half), test (second half) or A-B")


class ParallelNerDataset(NerDataset):
    """Two sentence-aligned NER files: gold entities on the source and on the target side.

    `select` keeps part of them (see `select_range`): ``dev`` and ``test`` split the corpus in two
    halves, so a setting chosen on one is reported on the other.
    """

    def __init__(self, *args, select: str | None = "all", **kwargs):
        super().__init__(*args, **kwargs)
        self.select = "all" if select is None else str(select)
        select_range(self.select, 10**9)  # reject a bad value before any file is read

    def source_target_files(self) -> tuple[Path, Path]:
        raise NotImplementedError

    def files(self) -> dict[str, Path]:
        return {"test": self.source_target_files()[1]}

    def pairs(self) -> list[SentencePair]:
        src_path, tgt_path = self.source_target_files()
        for p in (src_path, tgt_path):
            if not p.exists():
                raise DataFormatError(f"{p}: file not found (data={self.name})")
        src = read_conll(src_path, strict=self.strict, labels=self.labels)
        tgt = read_conll(tgt_path, strict=self.strict, labels=self.labels)
        if len(src) != len(tgt):
            raise DataFormatError(
                f"parallel files differ in length: {src_path} has {len(src)} sentences, "
                f"{tgt_path} has {len(tgt)}"
            )
        lo, hi = select_range(self.select, len(src))
        src, tgt = src[lo:hi], tgt[lo:hi]
        if self.limit is not None:
            src, tgt = src[: self.limit], tgt[: self.limit]
        if self.label_map:
            src = [Sentence(s.words, tuple(map_tags(s.tags, self.label_map)), s.id, s.origin) for s in src]
            tgt = [Sentence(s.words, tuple(map_tags(s.tags, self.label_map)), s.id, s.origin) for s in tgt]
        self._warn_target_only_types(src, tgt, src_path)
        return [SentencePair(s, t) for s, t in zip(src, tgt, strict=True)]

    def _warn_target_only_types(self, src: list[Sentence], tgt: list[Sentence], src_path: Path) -> None:
        """Warn once per entity type the target side has and the source side never has: no source
        entity can be projected onto it, so every such target entity is scored as missed."""
        source_types = {span.label for s in src for span in s.spans}
        first: dict[str, str] = {}
        for s in tgt:
            for span in s.spans:
                if span.label not in source_types and span.label not in first:
                    first[span.label] = _first_tag_line(s, span.label, self.label_map)
        for label, where in sorted(first.items()):
            log.warning(
                "data=%s: entity type %s occurs in the target (first at %s) but never in the source "
                "file %s; it cannot be projected and every %s entity counts as missed%s",
                self.name, label, where, src_path, label,
                "" if self.labels is not None
                else " (declare the label set, data.labels=[...], to reject undeclared types)",
            )


class EuroparlNER(ParallelNerDataset):
    """Europarl-NER (Agerri et al. 2018): 799 sentences, gold NER in en/de/es/it."""

    name = "europarl_ner"

    def __init__(self, *args, source_lang: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.source_lang = source_lang
        for code in (self.lang, source_lang):
            if code not in ("en", "de", "es", "it"):
                raise ConfigError(f"data=europarl_ner has no language {code!r}; valid: de en es it")

    def source_target_files(self) -> tuple[Path, Path]:
        base = self.data_dir / "europarl_ner"
        return (
            base / f"{self.source_lang}-europarl.test.conll02",
            base / f"{self.lang}-europarl.test.conll02",
        )


class ParallelConll(ParallelNerDataset):
    """Any two sentence-aligned CoNLL files (`data.source_file`, `data.target_file`)."""

    name = "parallel_conll"

    def __init__(
        self,
        source_file: str | None = None,
        target_file: str | None = None,
        labels: Sequence[str] | None = None,
        **kwargs,
    ):
        self.labels = tuple(labels) if labels else None  # any entity type accepted
        super().__init__(**kwargs)
        if not source_file or not target_file:
            raise ConfigError(
                "data=parallel_conll needs data.source_file=<path> and data.target_file=<path>"
            )
        self.source_file, self.target_file = Path(source_file), Path(target_file)

    def source_target_files(self) -> tuple[Path, Path]:
        return self.source_file, self.target_file


def _first_tag_line(sentence: Sentence, label: str, label_map: Mapping[str, str | None]) -> str:
    """``file:line`` of the first `label` tag of a sentence read by `read_conll` (whose origin names
    the sentence's first line), reading the raw types that `label_map` renames to `label`. Falls
    back to the sentence's origin."""
    path, _, line = sentence.origin.rpartition(":")
    if not path or not line.isdigit():
        return sentence.origin or sentence.id
    raw = {k for k, v in label_map.items() if v == label} | ({label} if label not in label_map else set())
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").split("\n")
    except (OSError, UnicodeDecodeError):
        return sentence.origin
    for number in range(int(line), len(lines) + 1):
        fields = split_fields(lines[number - 1].rstrip("\r"))
        tag = fields[-1].strip(" \t") if fields else ""
        if tag[:2] in ("B-", "I-") and tag[2:] in raw:
            return f"{path}:{number}"
    return sentence.origin


def load_splits(cfg) -> dict[str, list[Sentence]]:
    """Every split of the dataset selected by `cfg.data` (instantiated with Hydra)."""
    return build_dataset(cfg).splits()


def load_parallel(cfg) -> list[SentencePair]:
    """Source/target sentence pairs with gold tags on both sides (europarl_ner, parallel_conll)."""
    dataset = build_dataset(cfg)
    if not isinstance(dataset, ParallelNerDataset):
        raise ConfigError(
            f"data={dataset.name} is not a parallel dataset; use data=europarl_ner or data=parallel_conll"
        )
    return dataset.pairs()


def describe_parallel(cfg) -> str:
    """``data=<name> (<source file> + <target file>)`` for log lines about a parallel dataset."""
    dataset = build_dataset(cfg)
    name = f"data={dataset.name}"
    if not isinstance(dataset, ParallelNerDataset):
        return name
    src, tgt = dataset.source_target_files()
    return f"{name} ({src} + {tgt})"


def build_dataset(cfg) -> NerDataset:
    from hydra.utils import instantiate

    return instantiate(cfg.data, _convert_="all")
