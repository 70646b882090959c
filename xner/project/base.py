"""Records shared by every projection method: one sentence's input, its result, batch counters.

A projector maps `ProjectionInput`s (source entities, target words, word links) to
`SentenceProjection`s (target spans plus, per source entity, where it went). Every entity that could
not be projected is counted under a reason in `ProjectionStats`, so nothing vanishes silently.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from xner.data.types import Links, Span
from xner.errors import DataFormatError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProjectionInput:
    """One sentence pair to project: source entities → target words through `links`.

    `where` names the pair (``file:line`` of the target sentence) for error messages.
    `extra` carries optional per-candidate score inputs (see `xner.project.scores`).
    """

    src_spans: tuple[Span, ...]
    src_len: int
    tgt_words: tuple[str, ...]
    links: Links
    where: str = ""
    src_words: tuple[str, ...] = ()  # optional: for reports (`xner.evaluate.explain`), not projection

    @property
    def tgt_len(self) -> int:
        return len(self.tgt_words)


@dataclass
class SentenceProjection:
    """Target spans of one sentence; `assignment[i]` is source entity i's target span or None."""

    spans: list[Span]
    assignment: list[Span | None]
    objective: float = 0.0
    # reason → number of source entities not projected for that reason
    unprojected: Counter = field(default_factory=Counter)
    solver: str = ""  # matching projections: how the assignment was found (xner.project.matching.SOLVERS)
    # Per source entity, where the projector reports them (empty lists otherwise; they never change
    # the spans): why entity i was not projected, the score its target span was chosen with, and its
    # best candidates (start, end, score), best first — the chosen one and the runner-up.
    reasons: list[str | None] = field(default_factory=list)
    scores: list[float | None] = field(default_factory=list)
    rankings: list[list[tuple[int, int, float]]] = field(default_factory=list)


@dataclass
class ProjectionStats:
    """Counters over a batch; `as_metrics()` gives flat ``projection/*`` keys."""

    sentences: int = 0
    src_entities: int = 0
    projected: int = 0
    tgt_spans: int = 0
    objective: float = 0.0
    unprojected: Counter = field(default_factory=Counter)
    sentences_empty_alignment: int = 0
    sentences_no_candidates: int = 0
    overlapping_src_entities: int = 0
    solvers: Counter = field(default_factory=Counter)  # sentences per `SentenceProjection.solver`

    def add(self, inp: ProjectionInput, out: SentenceProjection) -> None:
        self.sentences += 1
        self.src_entities += len(inp.src_spans)
        self.projected += sum(a is not None for a in out.assignment)
        self.tgt_spans += len(out.spans)
        self.objective += out.objective
        self.unprojected.update(out.unprojected)
        if getattr(out, "solver", ""):  # getattr: projections cached before the field existed
            self.solvers[out.solver] += 1
        if inp.src_spans and not inp.links:
            self.sentences_empty_alignment += 1
        if out.unprojected.get("no_candidates"):
            self.sentences_no_candidates += 1
        ordered = sorted(inp.src_spans)
        self.overlapping_src_entities += sum(a.overlaps(b) for a, b in itertools.pairwise(ordered))

    def as_metrics(self, prefix: str = "projection") -> dict[str, float]:
        out = {
            f"{prefix}/src_entities": float(self.src_entities),
            f"{prefix}/projected_entities": float(self.projected),
            f"{prefix}/unprojected_entities": float(self.src_entities - self.projected),
            f"{prefix}/sentences_empty_alignment": float(self.sentences_empty_alignment),
        }
        for reason, n in sorted(self.unprojected.items()):
            out[f"{prefix}/unprojected_{reason}"] = float(n)
        if any(self.solvers[k] for k in ("trivial", "ilp", "time_limited", "fallback")):  # the ILP matcher
            out["matching/solver_fallbacks"] = float(self.solvers["fallback"])
            out["matching/time_limited"] = float(self.solvers["time_limited"])
        return out

    def log_summary(self) -> None:
        missing = self.src_entities - self.projected
        if missing:
            reasons = ", ".join(f"{n} {r}" for r, n in self.unprojected.most_common())
            log.warning("%d of %d source entities not projected (%s)", missing, self.src_entities, reasons)
        if self.solvers["fallback"] or self.solvers["time_limited"]:
            log.warning(
                "ILP matching: %d sentence(s) fell back to greedy (solver failure), %d took a "
                "time-limited, possibly suboptimal solution (matching/solver_fallbacks, matching/time_limited)",
                self.solvers["fallback"],
                self.solvers["time_limited"],
            )
        if self.sentences_empty_alignment:
            log.warning(
                "%d sentence(s) with entities have an empty word alignment; their entities are "
                "counted as not projected",
                self.sentences_empty_alignment,
            )
        if self.overlapping_src_entities:
            log.warning(
                "%d pair(s) of overlapping source entities; each was projected on its own and "
                "target collisions resolved",
                self.overlapping_src_entities,
            )


def validate_input(inp: ProjectionInput) -> None:
    """Raise DataFormatError for entities or links outside the sentences (named by `inp.where`)."""
    where = inp.where or "sentence"
    for span in inp.src_spans:
        if span.end > inp.src_len:
            raise DataFormatError(
                f"{where}: source entity {span.label} [{span.start}, {span.end}) lies outside the "
                f"source sentence of {inp.src_len} words"
            )
    for i, j in inp.links:
        if not (0 <= i < inp.src_len and 0 <= j < inp.tgt_len):
            raise DataFormatError(
                f"{where}: alignment link ({i}, {j}) outside a {inp.src_len}×{inp.tgt_len}-word pair; "
                "the alignment does not belong to this sentence pair"
            )


def resolve_overlaps(spans: Sequence[Span]) -> tuple[list[Span], int]:
    """Keep a non-overlapping subset, earlier spans first (callers order by priority); count drops."""
    kept: list[Span] = []
    dropped = 0
    for span in spans:
        if any(span.overlaps(k) for k in kept):
            dropped += 1
        else:
            kept.append(span)
    return sorted(kept), dropped
