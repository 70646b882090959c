"""The aligner contract used by projection and evaluation, plus cached alignment.

An aligner is any object with

- ``align(src, tgt) -> list[Links]``: word links (source index, target index), 0-based, one
  frozenset per sentence pair; ``src``/``tgt`` are sequences of word sequences. An empty side gives
  no links. The same call aligns monolingually (a sentence with its back-translation).
- ``cache_config() -> dict``: everything that determines its output (for the artifact cache).
- optionally ``align_scored(src, tgt) -> list[ScoredAlignment]`` (encoder aligners) and
  ``close()`` to release its model when the stage ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from xner.data.types import Links
from xner.errors import XnerError


@runtime_checkable
class Aligner(Protocol):
    def align(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> list[Links]: ...

    def cache_config(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ScoredAlignment:
    """Links of one pair and a word-level score matrix of shape (len(src), len(tgt)).

    SimAlign: the best cosine similarity ((cos+1)/2) over the words' subword pairs; AWESoME: the
    harmonic mean of the two directional softmax probabilities. Words with no subword score 0.
    """

    links: Links
    scores: np.ndarray


def check_pair_counts(src: Sequence, tgt: Sequence, what: str = "source/target") -> None:
    if len(src) != len(tgt):
        raise XnerError(f"cannot align {what}: {len(src)} source sentences but {len(tgt)} target sentences")


def links_to_text(links: Links) -> str:
    """Pharaoh format ``i-j`` (0-based), sorted."""
    return " ".join(f"{i}-{j}" for i, j in sorted(links))
