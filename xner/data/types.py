"""Plain records passed between stages. Frozen, so stages cannot mutate each other's inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

from xner.data.spans import Link, Links, Span, tags_to_spans

__all__ = ["Link", "Links", "Sentence", "SentencePair", "Span"]


@dataclass(frozen=True)
class Sentence:
    """One sentence: words, optional IOB2 tags, a stable id and where it came from (file:line)."""

    words: tuple[str, ...]
    tags: tuple[str, ...] | None = None
    id: str = ""
    origin: str = ""
    meta: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.tags is not None and len(self.tags) != len(self.words):
            raise ValueError(
                f"{self.origin or self.id}: {len(self.words)} words but {len(self.tags)} tags"
            )

    def __len__(self) -> int:
        return len(self.words)

    @property
    def spans(self) -> list[Span]:
        return tags_to_spans(self.tags or ())


@dataclass(frozen=True)
class SentencePair:
    """A source sentence and its target counterpart (translation or human parallel text)."""

    source: Sentence
    target: Sentence
