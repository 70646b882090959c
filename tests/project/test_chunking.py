"""MatchingProjector works chunk by chunk (bounded memory); results must not depend on the chunk."""

import random

import numpy as np

from xner.data.types import Span
from xner.project.base import ProjectionInput
from xner.project.candidates import NgramCandidates
from xner.project.matching import GreedyMatcher
from xner.project.projector import MatchingProjector


def make_inputs(n: int, seed: int = 0) -> list[ProjectionInput]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        src_len, tgt_len = rng.randint(3, 9), rng.randint(3, 9)
        start = rng.randrange(src_len - 1)
        spans = (Span(start, start + rng.randint(1, 2), rng.choice(["PER", "LOC"])),)
        links = frozenset((s, min(tgt_len - 1, s + rng.randint(0, 1))) for s in range(src_len) if rng.random() < 0.8)
        out.append(ProjectionInput(spans, src_len, tuple(f"w{i}_{j}" for j in range(tgt_len)), links, f"t:{i}"))
    return out


def test_chunked_projection_equals_whole_batch_and_scorer_sees_global_index():
    inputs = make_inputs(23)
    seen: list[int] = []

    def index_scorer(src_spans, tgt_words, candidates, index):
        seen.append(index)
        assert tgt_words == inputs[index].tgt_words  # the index is the sentence's place in the batch
        return np.full((len(src_spans), len(candidates)), 0.01 * (index % 3))

    def build(chunk):
        p = MatchingProjector(NgramCandidates(max_len=4), GreedyMatcher(),
                              weights={"alignment": 1.0, "idx": 1.0}, scorers={"idx": index_scorer})
        p.chunk_size = chunk
        return p

    whole = build(1000).project(inputs)
    seen.clear()
    chunked = build(5).project(inputs)
    assert sorted(seen) == list(range(23))
    assert [p.spans for p in chunked] == [p.spans for p in whole]
    assert [p.objective for p in chunked] == [p.objective for p in whole]
