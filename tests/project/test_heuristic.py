"""Heuristic projection, both variants, on hand-computed cases."""

from __future__ import annotations

import pytest

from xner.data.types import Span
from xner.errors import ConfigError
from xner.project.base import ProjectionInput
from xner.project.heuristic import (
    HeuristicProjector,
    contiguous_ranges,
    is_punctuation,
    merge_ranges,
    project_original,
    project_seed,
)


def L(*pairs):
    return frozenset(pairs)


def test_ranges_and_merge():
    assert contiguous_ranges([1, 2, 4, 5, 6, 9]) == [(1, 3), (4, 7), (9, 10)]
    assert merge_ranges([(0, 2), (3, 4), (6, 7)], max_gap=1) == [(0, 4), (6, 7)]
    assert merge_ranges([(0, 2), (3, 4)], max_gap=0) == [(0, 2), (3, 4)]
    assert merge_ranges([(0, 2), (4, 5)], max_gap=2) == [(0, 5)]


def test_punctuation():
    assert is_punctuation('"') and is_punctuation("«") and is_punctuation("...")
    assert not is_punctuation("U.S.") and not is_punctuation("a") and not is_punctuation("")


class TestSeed:
    def test_contiguous(self):
        # "John Smith" → target words 3, 4
        out = project_seed([Span(0, 2, "PER")], L((0, 3), (1, 4)))
        assert out.spans == [Span(3, 5, "PER")]
        assert out.assignment == [Span(3, 5, "PER")]

    def test_gap_of_one_is_merged(self):
        # target 1 and 3 aligned, 2 not: merged to [1, 4); 3/2 > 0.8
        out = project_seed([Span(0, 2, "PER")], L((0, 1), (1, 3)))
        assert out.spans == [Span(1, 4, "PER")]

    def test_no_merge_then_ratio_rejects(self):
        # max_gap=0: ranges [1,2) and [3,4) of a 2-word entity, each 1/2 = 0.5 ≤ 0.8
        out = project_seed([Span(0, 2, "PER")], L((0, 1), (1, 3)), max_gap=0)
        assert out.spans == [] and out.assignment == [None]
        assert out.unprojected == {"below_ratio": 1}

    def test_ratio_is_strict(self):
        # 5-word entity, 4 aligned target words: 0.8 is not > 0.8
        links = L((0, 0), (1, 1), (2, 2), (3, 3))
        assert project_seed([Span(0, 5, "ORG")], links).spans == []
        # 3-word entity on 3 words: kept
        assert project_seed([Span(0, 3, "ORG")], L((0, 0), (1, 1), (2, 2))).spans == [Span(0, 3, "ORG")]

    def test_every_range_over_ratio_is_kept(self):
        # a one-word entity aligned to target 0 and 5: two ranges, both 1/1
        out = project_seed([Span(2, 3, "LOC")], L((2, 0), (2, 5)))
        assert out.spans == [Span(0, 1, "LOC"), Span(5, 6, "LOC")]

    def test_shorter_entity_wins_collision(self):
        # ORG (3 words) → target 0..2; LOC (1 word) → target 1: LOC projected first
        links = L((0, 0), (1, 1), (2, 2), (4, 1))
        out = project_seed([Span(0, 3, "ORG"), Span(4, 5, "LOC")], links)
        assert out.spans == [Span(1, 2, "LOC")]
        assert out.assignment == [None, Span(1, 2, "LOC")]
        assert out.unprojected == {"collision": 1}
        assert out.reasons == ["collision", None]

    def test_unaligned(self):
        out = project_seed([Span(0, 1, "PER")], L((3, 3)))
        assert out.unprojected == {"unaligned": 1}
        assert out.reasons == ["unaligned"]


class TestOriginal:
    words = ("Der", '"', "Europäische", "Rat", "tagt", "in", "Brüssel", ".")

    def test_punctuation_links_ignored(self):
        out = project_original([Span(0, 2, "ORG")], L((0, 1), (0, 2), (1, 3)), self.words)
        assert out.spans == [Span(2, 4, "ORG")]

    def test_merge_only_while_short(self):
        # runs [2,3) and [4,5): merged span [2,5) has 3 words ≤ 3 → merged
        out = project_original([Span(0, 2, "ORG")], L((0, 2), (1, 4)), self.words)
        assert out.spans == [Span(2, 5, "ORG")]
        # runs [2,4) and [5,6): merged would be 4 words > 3 → largest group [2,4) kept
        out = project_original([Span(0, 2, "ORG")], L((0, 2), (0, 3), (1, 5)), self.words)
        assert out.spans == [Span(2, 4, "ORG")]

    def test_largest_group_kept(self):
        out = project_original([Span(0, 3, "ORG")], L((0, 0), (1, 5), (2, 6)), self.words)
        assert out.spans == [Span(5, 7, "ORG")]

    def test_same_type_collision_merged(self):
        out = project_original([Span(0, 1, "LOC"), Span(2, 3, "LOC")], L((0, 2), (0, 3), (2, 3), (2, 4)), self.words)
        assert out.spans == [Span(2, 5, "LOC")]
        assert out.assignment == [Span(2, 5, "LOC"), Span(2, 5, "LOC")]

    def test_different_type_collision_keeps_longer(self):
        links = L((0, 2), (0, 3), (0, 4), (2, 4))
        out = project_original([Span(0, 1, "ORG"), Span(2, 3, "PER")], links, self.words)
        assert out.spans == [Span(2, 5, "ORG")]
        assert out.assignment == [Span(2, 5, "ORG"), None]
        assert out.unprojected == {"collision": 1}
        assert out.reasons == [None, "collision"]

    def test_tie_keeps_later(self):
        links = L((0, 2), (0, 3), (2, 3), (2, 4))
        out = project_original([Span(0, 1, "ORG"), Span(2, 3, "PER")], links, self.words)
        assert out.spans == [Span(3, 5, "PER")]


def test_projector_variants_and_config_errors():
    x = ProjectionInput((Span(0, 2, "PER"),), 3, ("a", "b", "c", "d"), L((0, 1), (1, 3)))
    assert HeuristicProjector("seed").project([x])[0].spans == [Span(1, 4, "PER")]
    # original: runs [1,2), [3,4) merged to 3 words
    assert HeuristicProjector("original").project([x])[0].spans == [Span(1, 4, "PER")]
    with pytest.raises(ConfigError, match=r"projection\.variant"):
        HeuristicProjector("fancy")
    with pytest.raises(ConfigError, match="max_gap"):
        HeuristicProjector(max_gap=-1)
