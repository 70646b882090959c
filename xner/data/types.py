"""Plain records passed between stages. Frozen, so stages cannot mutate each other's inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

# A word alignment: (source word index, target word index), 0-based.
Link = tuple[int, int]
Links = frozenset[Link]


@dataclass(frozen=True, order=True)
class Span:
    """An entity over words[start:end] (end exclusive) with its type, e.g. Span(0, 2, "PER")."""

    start: int
    end: int
    label: str

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(f"invalid span [{self.start}, {self.end}) for {self.label!r}")

    def __len__(self) -> int:
        return self.end - self.start

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


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
        from xner.data.tags import tags_to_spans

        return tags_to_spans(self.tags or ())


@dataclass(frozen=True)
class SentencePair:
    """A source sentence and its target counterpart (translation or human parallel text)."""

    source: Sentence
    target: Sentence
