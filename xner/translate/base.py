"""The translator interface and the length-sorted token batching every model translator uses."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from xner.cache import ArtifactCache
from xner.langs import Language
from xner.translate.codes import as_language

log = logging.getLogger(__name__)

LangLike = Language | str | Mapping[str, Any]
Words = list[str]


class Translator(ABC):
    """Translates sentences given as word lists into word lists.

    ``translate(sentences, src, tgt, cache=..., ids=...)``: `src`/`tgt` are registry codes,
    `Language` records or `cfg.lang` mappings; `ids` (sentence ids) are used by translators that look
    translations up (precomputed files); `cache` makes model translators resumable. Translators hold
    their model until `close()` (or the end of a ``with`` block).
    """

    name = "translator"

    @abstractmethod
    def translate(
        self,
        sentences: Sequence[Sequence[str]],
        src: LangLike,
        tgt: LangLike,
        *,
        cache: ArtifactCache | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[Words]: ...

    def check_languages(self, src: LangLike, tgt: LangLike) -> None:  # noqa: B027 - optional hook
        """Raise `UnsupportedLanguageError` when the translator cannot do src→tgt (before any work)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release models and memory."""

    def __enter__(self) -> Translator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def lang(x: LangLike) -> Language:
        return as_language(x)


def make_batches(lengths: Sequence[int], batch_tokens: int, max_batch_size: int = 256) -> list[list[int]]:
    """Group item indices into batches of similar length, longest first.

    A batch holds at most `batch_tokens` padded tokens (its longest item × its size) and at most
    `max_batch_size` items; an item longer than `batch_tokens` gets a batch of its own. The result
    depends only on `lengths`, so a resumed run forms exactly the batches of the first run.
    """
    if batch_tokens < 1:
        raise ValueError(f"batch_tokens must be positive, got {batch_tokens}")
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    longest = 0
    for i in order:
        new_longest = max(longest, lengths[i])
        if current and (new_longest * (len(current) + 1) > batch_tokens or len(current) >= max_batch_size):
            batches.append(current)
            current, new_longest = [], lengths[i]
        current.append(i)
        longest = new_longest
    if current:
        batches.append(current)
    return batches
