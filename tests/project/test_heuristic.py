"""Heuristic projection, both variants, on hand-computed cases."""

from __future__ import annotations

import pytest

from xner.data.types import Span
from xner.errors import ConfigError
from xner.project.base import ProjectionInput
from xner.project.heuristic import (
    HeuristicProjector,
    contiguous_ranges,
    grown_ranges,
    is_ascii_punctuation,
    is_punctuation,
    merge_ranges,
    project_original,
    project_seed,
    seed_merge,
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
    # the authors' test: ASCII string.punctuation only, an empty word vacuously punctuation
    assert is_ascii_punctuation('"') and is_ascii_punctuation("...") and is_ascii_punctuation(" ")
    assert not is_ascii_punctuation("«") and not is_ascii_punctuation("„") and not is_ascii_punctuation("U.S.")


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

    def test_later_entity_overwrites_and_cuts(self):
        # ORG (3 words) → target 0..2, then LOC (1 word) → target 1, written over it:
        # B-ORG B-LOC I-ORG → ORG [0,1), LOC [1,2), ORG [2,3) (an I- after another type starts one)
        links = L((0, 0), (1, 1), (2, 2), (4, 1))
        out = project_seed([Span(0, 3, "ORG"), Span(4, 5, "LOC")], links)
        assert out.spans == [Span(0, 1, "ORG"), Span(1, 2, "LOC"), Span(2, 3, "ORG")]
        assert out.assignment == [Span(0, 1, "ORG"), Span(1, 2, "LOC")]
        assert out.unprojected == {}

    def test_shorter_policy_lets_the_shorter_win(self):
        # collisions=shorter (xner's earlier policy): LOC projected first, ORG dropped
        links = L((0, 0), (1, 1), (2, 2), (4, 1))
        out = project_seed([Span(0, 3, "ORG"), Span(4, 5, "LOC")], links, collisions="shorter")
        assert out.spans == [Span(1, 2, "LOC")]
        assert out.assignment == [None, Span(1, 2, "LOC")]
        assert out.unprojected == {"collision": 1}
        assert out.reasons == ["collision", None]

    def test_same_words_later_entity_wins(self):
        # Europarl-NER es sentence 10: "Sri Lankan" MISC and "Sri Lanka" LOC both on target "Sri
        # Lanka": the later one (LOC) is what the seed outputs; shorter-first keeps the first (MISC)
        src = [Span(0, 2, "MISC"), Span(4, 6, "LOC")]
        links = L((0, 2), (1, 3), (4, 2), (5, 3))
        out = project_seed(src, links)
        assert out.spans == [Span(2, 4, "LOC")]
        assert out.assignment == [None, Span(2, 4, "LOC")]
        assert out.unprojected == {"collision": 1}
        assert project_seed(src, links, collisions="shorter").spans == [Span(2, 4, "MISC")]

    def test_long_title_overwrites_a_short_org_inside(self):
        # de sentence 472: ORG "Commission" (source word 0) lands inside a later 5-word MISC title
        # (source 3..7 → target 1..5): the seed outputs the MISC; shorter-first keeps the ORG
        src = [Span(0, 1, "ORG"), Span(3, 8, "MISC")]
        links = L((0, 3), *((3 + w, 1 + w) for w in range(5)))
        out = project_seed(src, links)
        assert out.spans == [Span(1, 6, "MISC")]
        assert project_seed(src, links, collisions="shorter").spans == [Span(3, 4, "ORG")]

    def test_overwrite_fuses_same_type(self):
        # LOC A → target 2..3, then LOC B → 0..2: B-LOC I-LOC I-LOC I-LOC, one span [0,4) (B's)
        src = [Span(0, 2, "LOC"), Span(3, 6, "LOC")]
        links = L((0, 2), (1, 3), (3, 0), (4, 1), (5, 2))
        out = project_seed(src, links)
        assert out.spans == [Span(0, 4, "LOC")]
        assert out.assignment == [None, Span(0, 4, "LOC")]

    def test_merge_quirk_can_shrink_a_range(self):
        # entity of 3 words; links 0→2, 1→0, 1→1, 2→0. Grown ranges: [2,3), [0,1); target 1
        # extends both ([1,3), [0,2)); target 0 extends [1,3) to [0,3). Sorted by start: [0,3), [0,2);
        # the seed's merge sets the end to the later range's: [0,2), 2/3 ≤ 0.8 → not projected.
        links = L((0, 2), (1, 0), (1, 1), (2, 0))
        assert grown_ranges(Span(0, 3, "X"), links) == [(0, 3), (0, 2)]
        assert seed_merge([(0, 3), (0, 2)], 1) == [(0, 2)]
        out = project_seed([Span(0, 3, "PER")], links)
        assert out.spans == [] and out.unprojected == {"below_ratio": 1}
        # the maximal run of the aligned words is [0,3): projected under collisions=shorter
        assert project_seed([Span(0, 3, "PER")], links, collisions="shorter").spans == [Span(0, 3, "PER")]

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

    def test_unicode_punctuation_is_a_word(self):
        # „ and “ are not in string.punctuation: kept, as in the authors' code
        words = ("„", "Rat", "“", "tagt")
        out = project_original([Span(0, 1, "ORG")], L((0, 0), (0, 1), (0, 2)), words)
        assert out.spans == [Span(0, 3, "ORG")]

    def test_reordered_entities_collide_in_source_order(self):
        # ORG → target 3, PER → target 1: disjoint, but ORG's last word (3) ≥ PER's first (1), so
        # they collide; equal size → the later (PER) stays
        words = ("a", "b", "c", "d")
        out = project_original([Span(0, 1, "ORG"), Span(2, 3, "PER")], L((0, 3), (2, 1)), words)
        assert out.spans == [Span(1, 2, "PER")]
        assert out.assignment == [None, Span(1, 2, "PER")]
        assert out.unprojected == {"collision": 1}

    def test_reordered_same_type_merged_into_a_gapped_tag(self):
        # LOC → 5, LOC → 1: merged to words {1, 5}: tags B-LOC at 1, I-LOC at 5 → two spans
        words = tuple("abcdefg")
        out = project_original([Span(0, 1, "LOC"), Span(2, 3, "LOC")], L((0, 5), (2, 1)), words)
        assert out.spans == [Span(1, 2, "LOC"), Span(5, 6, "LOC")]
        # each entity is credited with the span that holds its own words, not the first of the group
        assert out.assignment == [Span(5, 6, "LOC"), Span(1, 2, "LOC")]

    def test_unchecked_neighbours_overwrite(self):
        # A (ORG) → 2..3, B (PER) → 4, C (LOC, 5 words) → 0..4. A/B do not collide; B/C do and C
        # is longer; A and C are never compared, and C's tags, written last, overwrite A's.
        words = tuple("abcdef")
        links = L((0, 2), (0, 3), (2, 4), *((4 + w, w) for w in range(5)))
        spans = [Span(0, 1, "ORG"), Span(2, 3, "PER"), Span(4, 9, "LOC")]
        out = project_original(spans, links, words)
        assert out.spans == [Span(0, 5, "LOC")]
        assert out.assignment == [None, None, Span(0, 5, "LOC")]
        assert out.unprojected == {"collision": 2}


def test_projector_variants_and_config_errors():
    x = ProjectionInput((Span(0, 2, "PER"),), 3, ("a", "b", "c", "d"), L((0, 1), (1, 3)))
    assert HeuristicProjector("seed").project([x])[0].spans == [Span(1, 4, "PER")]
    # original: runs [1,2), [3,4) merged to 3 words
    assert HeuristicProjector("original").project([x])[0].spans == [Span(1, 4, "PER")]
    with pytest.raises(ConfigError, match=r"projection\.variant"):
        HeuristicProjector("fancy")
    with pytest.raises(ConfigError, match="max_gap"):
        HeuristicProjector(max_gap=-1)
    with pytest.raises(ConfigError, match=r"projection\.collisions"):
        HeuristicProjector(collisions="longer")
    # collisions reaches project_seed: ORG 0..2 and LOC on 1
    y = ProjectionInput((Span(0, 3, "ORG"), Span(4, 5, "LOC")), 5, tuple("abc"), L((0, 0), (1, 1), (2, 2), (4, 1)))
    assert len(HeuristicProjector("seed").project([y])[0].spans) == 3
    assert HeuristicProjector("seed", collisions="shorter").project([y])[0].spans == [Span(1, 2, "LOC")]
