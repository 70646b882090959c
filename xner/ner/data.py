"""Training data for token classification: encoding, length-grouped batches, dynamic padding.

`encode_sentences` turns labelled `Sentence`s into subword ids with labels on each word's first
subword; sentences longer than the window are split at word boundaries (counted). The DataModule
serves them with a length-grouped sampler (similar lengths per batch, shuffled in mega-batches,
seeded per epoch — Lightning wraps it for DDP) and pads each batch only to its longest item.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Sampler

from xner.data.types import Sentence
from xner.errors import DataFormatError, XnerError
from xner.ner.encoding import IGNORE, first_subword_labels, split_windows

log = logging.getLogger(__name__)


@dataclass
class EncodeStats:
    sentences: int = 0
    windows: int = 0
    split_sentences: int = 0
    truncated_words: int = 0
    empty_sentences: int = 0
    tokens: int = 0

    def as_metrics(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}/{k}": float(v) for k, v in self.__dict__.items()}


@dataclass
class Encoded:
    """Subword ids of every window and their labels (-100 where ignored)."""

    input_ids: list[list[int]] = field(default_factory=list)
    labels: list[list[int]] = field(default_factory=list)
    stats: EncodeStats = field(default_factory=EncodeStats)

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, i: int) -> dict[str, list[int]]:
        return {"input_ids": self.input_ids[i], "labels": self.labels[i]}

    def lengths(self) -> list[int]:
        return [len(x) for x in self.input_ids]


def encode_sentences(
    tokenizer: Any, sentences: Sequence[Sentence], label2id: Mapping[str, int], max_length: int
) -> Encoded:
    """Tokenise labelled sentences into windows of ≤ max_length subwords (specials included)."""
    out = Encoded()
    st = out.stats
    st.sentences = len(sentences)
    usable = []
    for s in sentences:
        if s.tags is None:
            raise DataFormatError(f"{s.origin or s.id}: sentence has no tags; training needs labelled data")
        if not s.words:
            st.empty_sentences += 1
            continue
        usable.append(s)
    if not usable:
        return out
    n_special = tokenizer.num_special_tokens_to_add()
    budget = max_length - n_special
    enc = tokenizer([list(s.words) for s in usable], is_split_into_words=True, add_special_tokens=False, verbose=False)
    pieces: list[tuple[Sentence, int, int]] = []
    for i, s in enumerate(usable):
        counts = np.bincount([w for w in enc.word_ids(i) if w is not None], minlength=len(s.words))
        wins = split_windows(counts.tolist(), budget)
        if len(wins) > 1:
            st.split_sentences += 1
        st.truncated_words += sum(1 for a, b in wins if b - a == 1 and counts[a] > budget)
        pieces += [(s, a, b) for a, b in wins]
    enc = tokenizer(
        [list(s.words[a:b]) for s, a, b in pieces],
        is_split_into_words=True,
        truncation=True,
        max_length=max_length,
    )
    for j, (s, a, b) in enumerate(pieces):
        try:
            word_labels = [label2id[t] for t in s.tags[a:b]]
        except KeyError as exc:
            raise DataFormatError(
                f"{s.origin or s.id}: tag {exc.args[0]!r} is not in the label set {sorted(label2id)}"
            ) from None
        ids = enc["input_ids"][j]
        out.input_ids.append(ids)
        out.labels.append(first_subword_labels(enc.word_ids(j), word_labels))
        st.tokens += len(ids)
    st.windows = len(out)
    if st.split_sentences or st.truncated_words or st.empty_sentences:
        log.info(
            "encoded %d sentences: %d split into windows of ≤%d subwords, %d overlong words truncated, "
            "%d empty skipped", st.sentences, st.split_sentences, max_length, st.truncated_words,
            st.empty_sentences,
        )
    return out


class LengthGroupedSampler(Sampler[int]):
    """Indices shuffled, then sorted by length inside mega-batches of `mega` × batch_size items.

    Consecutive batches hold similar lengths (little padding) while the order still changes every
    epoch (seed + epoch). The longest mega-batch comes first so an out-of-memory error shows early.
    """

    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int = 0, mega: int = 50):
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.seed = seed
        self.mega = mega
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng(self.seed + self.epoch)
        perm = rng.permutation(len(self.lengths)).tolist()
        size = self.mega * self.batch_size
        groups = [sorted(perm[i : i + size], key=lambda k: -self.lengths[k]) for i in range(0, len(perm), size)]
        if groups:
            first = max(range(len(groups)), key=lambda g: self.lengths[groups[g][0]])
            groups[0], groups[first] = groups[first], groups[0]
        self.epoch += 1  # also advances without Lightning's set_epoch (plain DataLoader use)
        return iter([i for g in groups for i in g])


class Collator:
    """Pads a batch to its longest item (ids with pad_id, labels with -100)."""

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, items: Sequence[Mapping[str, list[int]]]) -> dict[str, torch.Tensor]:
        longest = max(len(it["input_ids"]) for it in items)
        ids = torch.full((len(items), longest), self.pad_id, dtype=torch.long)
        labels = torch.full((len(items), longest), IGNORE, dtype=torch.long)
        mask = torch.zeros((len(items), longest), dtype=torch.long)
        for i, it in enumerate(items):
            n = len(it["input_ids"])
            ids[i, :n] = torch.tensor(it["input_ids"])
            labels[i, :n] = torch.tensor(it["labels"])
            mask[i, :n] = 1
        return {"input_ids": ids, "attention_mask": mask, "labels": labels}


class NerDataModule(pl.LightningDataModule):
    """Train/dev loaders over labelled sentences (projected, gold, anything with tags)."""

    def __init__(
        self,
        tokenizer: Any,
        labels: Sequence[str],
        train: Sequence[Sentence],
        dev: Sequence[Sentence] = (),
        *,
        batch_size: int = 16,
        eval_batch_size: int = 64,
        max_length: int = 256,
        group_by_length: bool = True,
        num_workers: int = 0,
        seed: int = 0,
    ):
        super().__init__()
        self.tokenizer = tokenizer
        self.labels = list(labels)
        self.label2id = {lab: i for i, lab in enumerate(self.labels)}
        self.train_sentences, self.dev_sentences = list(train), list(dev)
        self.batch_size, self.eval_batch_size = batch_size, eval_batch_size
        self.max_length, self.group_by_length = max_length, group_by_length
        self.num_workers, self.seed = num_workers, seed
        self.train_set: Encoded | None = None
        self.dev_set: Encoded | None = None
        self.collate = Collator(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)

    def setup(self, stage: str | None = None) -> None:
        if self.train_set is None:
            self.train_set = encode_sentences(self.tokenizer, self.train_sentences, self.label2id, self.max_length)
            if len(self.train_set) == 0:
                raise XnerError("the training set is empty after encoding; nothing to train on")
            self.dev_set = encode_sentences(self.tokenizer, self.dev_sentences, self.label2id, self.max_length)

    def train_dataloader(self) -> DataLoader:
        assert self.train_set is not None
        if self.group_by_length:
            sampler: Sampler[int] = LengthGroupedSampler(self.train_set.lengths(), self.batch_size, self.seed)
        else:
            sampler = torch.utils.data.RandomSampler(
                self.train_set, generator=torch.Generator().manual_seed(self.seed)
            )
        return DataLoader(
            self.train_set, batch_size=self.batch_size, sampler=sampler, collate_fn=self.collate,
            num_workers=self.num_workers,
        )

    def val_dataloader(self) -> DataLoader | list:
        if not self.dev_set:
            return []
        return DataLoader(
            self.dev_set, batch_size=self.eval_batch_size, shuffle=False, collate_fn=self.collate,
            num_workers=self.num_workers,
        )
