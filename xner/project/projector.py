"""`projection=matching`: project source entities by matching them to target candidates.

Per sentence: extract candidates (`candidates=ngram|ner`), score every (entity, candidate) pair
(alignment score, optionally fused with NER span probabilities and scores supplied at run time),
keep pairs with a link between them and a score ≥ `min_score`, then solve the matching
(`matcher=greedy|ilp`) for the whole batch at once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from xner.data.types import Span
from xner.errors import ConfigError
from xner.project.base import ProjectionInput, SentenceProjection
from xner.project.candidates import Candidates
from xner.project.matching import Assignment, MatchProblem
from xner.project.scores import SCORE_KINDS, PairScorer, alignment_scores, fuse_scores

log = logging.getLogger(__name__)

BUILTIN_SCORES = ("alignment", "ner")
RANKING_SIZE = 3  # candidates per entity reported in `SentenceProjection.rankings`


class MatchingProjector:
    """Candidate matching. `candidates` and `matcher` are the objects built from the `candidates`
    and `matcher` config groups; `weights` maps score names to weights (``alignment``, ``ner``, and
    the names of `scorers` given at run time, e.g. ``translation``); `alignment_score` is ``dice``
    (the seed's) or ``soft``, `gap_discount` discounts unaligned words inside a candidate (see
    `xner.project.scores.alignment_scores`)."""

    def __init__(
        self,
        candidates: Any,
        matcher: Any,
        min_score: float = 0.0,
        weights: Mapping[str, float] | None = None,
        require_link: bool = True,
        alignment_score: str = "dice",
        gap_discount: float = 0.0,
        backtranslation: bool = False,
        scorers: Mapping[str, PairScorer] | None = None,
    ):
        self.candidates = candidates
        self.matcher = matcher
        self.min_score = float(min_score)
        self.weights = dict(weights) if weights is not None else {"alignment": 1.0}
        self.require_link = require_link
        if alignment_score not in SCORE_KINDS:
            raise ConfigError(
                f"projection.alignment_score={alignment_score!r} is not valid; choose one of {SCORE_KINDS}"
            )
        self.alignment_score = alignment_score
        if not 0.0 <= gap_discount <= 1.0:
            raise ConfigError(f"projection.gap_discount must be in [0, 1], got {gap_discount}")
        self.gap_discount = float(gap_discount)
        self.backtranslation = backtranslation
        self.scorers: dict[str, PairScorer] = dict(scorers or {})
        if not any(self.weights.values()):
            raise ConfigError(f"projection.weights={self.weights} are all zero; give alignment a weight")

    def _check_weights(self, cands: Sequence[Candidates]) -> None:
        for name, weight in self.weights.items():
            if not weight or name == "alignment":
                continue
            if name == "ner" and name not in self.scorers:
                if any(c.probs is None for c in cands):
                    raise ConfigError(
                        "projection.weights.ner is non-zero but the candidates carry no span "
                        "probabilities; use candidates=ner with a tagger that returns them, supply a "
                        "'ner' scorer (e.g. the tagger's span_scores), or set it to 0"
                    )
            elif name not in self.scorers:
                raise ConfigError(
                    f"projection.weights.{name}={weight} but no {name!r} scorer was supplied; "
                    f"available: {sorted(set(BUILTIN_SCORES) | set(self.scorers))}"
                )

    def problems(
        self, inputs: Sequence[ProjectionInput], cands: Sequence[Candidates], offset: int = 0
    ) -> tuple[list[MatchProblem], list[np.ndarray]]:
        """Match problems (fused scores, ineligible pairs zeroed) and raw alignment scores.
        `offset` is the index of ``inputs[0]`` in the whole batch (scorers look sentences up by it)."""
        problems, aligned = [], []
        for index, (x, c) in enumerate(zip(inputs, cands, strict=True), start=offset):
            align = alignment_scores(
                x.src_spans, c, x.links, x.src_len, x.tgt_len, self.alignment_score, self.gap_discount
            )
            components = {"alignment": align}
            if c.probs is not None:
                components["ner"] = c.probs[None, :]
            for name, scorer in self.scorers.items():
                if self.weights.get(name):
                    components[name] = scorer(x.src_spans, x.tgt_words, c, index)
            fused = fuse_scores(components, self.weights)
            eligible = (fused > 0) & (fused >= self.min_score)
            if self.require_link:
                eligible &= align > 0
            problems.append(MatchProblem(np.where(eligible, fused, 0.0), c.starts, c.ends))
            aligned.append(align)
        return problems, aligned

    # Candidates and score matrices exist for one chunk at a time, so memory is bounded by the
    # chunk, not the corpus (measured: +17 MiB per 1,000 sentences vs +178 MiB for 20k at once).
    chunk_size = 1000

    def project(self, inputs: Sequence[ProjectionInput]) -> list[SentenceProjection]:
        out: list[SentenceProjection] = []
        for start in range(0, len(inputs), self.chunk_size):
            chunk = inputs[start : start + self.chunk_size]
            cands = self.candidates.extract([x.tgt_words for x in chunk])
            self._check_weights(cands)
            problems, aligned = self.problems(chunk, cands, offset=start)
            assignments: list[Assignment] = self.matcher.solve(problems)
            out.extend(
                _to_projection(x, c, p, a, al)
                for x, c, p, a, al in zip(chunk, cands, problems, assignments, aligned, strict=True)
            )
        return out


def _ranking(row: np.ndarray, cands: Candidates, k: int = RANKING_SIZE) -> list[tuple[int, int, float]]:
    """The `k` best eligible candidates of one entity, (start, end, score), best first (ties: first)."""
    eligible = np.flatnonzero(row > 0)
    if len(eligible) > k:
        eligible = eligible[np.argpartition(-row[eligible], k - 1)[:k]]
    order = eligible[np.lexsort((eligible, -row[eligible]))]
    return [(int(cands.starts[c]), int(cands.ends[c]), float(row[c])) for c in order]


def _to_projection(
    x: ProjectionInput, cands: Candidates, problem: MatchProblem, a: Assignment, align: np.ndarray
) -> SentenceProjection:
    assignment: list[Span | None] = [None] * len(x.src_spans)
    scores: list[float | None] = [None] * len(x.src_spans)
    spans = []
    for e, c in sorted(a.pairs, key=lambda p: -problem.scores[p]):
        span = Span(int(cands.starts[c]), int(cands.ends[c]), x.src_spans[e].label)
        spans.append(span)
        if assignment[e] is None:
            assignment[e] = span
            scores[e] = float(problem.scores[e, c])
    unprojected: Counter = Counter()
    reasons: list[str | None] = [None] * len(x.src_spans)
    linked = {i for i, _ in x.links}
    for e, entity in enumerate(x.src_spans):
        if assignment[e] is not None:
            continue
        if not any(entity.start <= i < entity.end for i in linked):
            reason = "unaligned"
        elif len(cands) == 0:
            reason = "no_candidates"
        elif not (problem.scores[e] > 0).any():
            reason = "below_threshold" if (align[e] > 0).any() else "no_linked_candidate"
        else:
            reason = "conflict"
        unprojected[reason] += 1
        reasons[e] = reason
    rankings = [_ranking(problem.scores[e], cands) for e in range(len(x.src_spans))] if len(cands) else []
    if not rankings:
        rankings = [[] for _ in x.src_spans]
    return SentenceProjection(sorted(spans), assignment, a.objective, unprojected, a.solver, reasons=reasons,
                              scores=scores, rankings=rankings)
