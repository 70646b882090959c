"""Both heuristic variants against literal-minded references written from the descriptions of the
authors' code (García-Ferrero et al., Easy-Label-Projection `projection/annotation_proyection.py`)
and of the seed's (Politov et al., `src/pipelines/align/matching.py`), on seeded random sentences.

The references work the way those descriptions read: tag lists, dictionaries of links, in-place
deletion while looping; xner's functions work on spans. Compared by the spans read back from the
reference's tags (seqeval default mode, as every xner score).
"""

from __future__ import annotations

import random
import string

import pytest

from xner.data.tags import tags_to_spans
from xner.data.types import Span
from xner.project.heuristic import project_original, project_seed

PUNCS = set(string.punctuation)
WORDS = ["der", "Rat", "Sri", "Lanka", "U.S.", "'s", ",", ".", "--", "(", ")", '"', "„", "“", "«", "»", "…", "-", "a"]
TYPES = ["PER", "ORG", "LOC"]


def reference_original(src_len, entities, tgt_words, links):
    """Authors' procedure, step by step: → target IOB2 tags."""
    alignments = {}
    for s, t in sorted(links):
        alignments.setdefault(s, []).append(t)
    tag_ids, tag_types = [], []
    for start, end, label in entities:  # source order
        ids = []
        for w in range(start, end):
            if w in alignments:
                ids.extend(alignments[w])
        ids = sorted(set(ids))
        if ids:
            tag_ids.append(ids)
            tag_types.append(label)
    # drop target words made only of ASCII punctuation (an empty word counts, as all([]) is True)
    for x in range(len(tag_ids) - 1, -1, -1):
        for y in range(len(tag_ids[x]) - 1, -1, -1):
            if all(ch in PUNCS for ch in tgt_words[tag_ids[x][y]].strip()):
                del tag_ids[x][y]
        if not tag_ids[x]:
            del tag_ids[x]
            del tag_types[x]
    # groups of consecutive ids; fill a gap while first-to-last stays ≤ 2 apart; keep the largest
    for x, ids in enumerate(tag_ids):
        groups = [[ids[0]]]
        for t in ids[1:]:
            if t == groups[-1][-1] + 1:
                groups[-1].append(t)
            else:
                groups.append([t])
        g = 0
        while g < len(groups) - 1:
            if groups[g + 1][-1] - groups[g][0] <= 2:
                groups[g] = groups[g] + list(range(groups[g][-1] + 1, groups[g + 1][0])) + groups[g + 1]
                del groups[g + 1]
            else:
                g += 1
        tag_ids[x] = max(groups, key=len)
    # collisions between neighbours: last of x at or after first of x+1; same type → union
    x = 0
    while x < len(tag_ids) - 1:
        if tag_ids[x][-1] >= tag_ids[x + 1][0] and tag_types[x] == tag_types[x + 1]:
            tag_ids[x] = sorted(set(tag_ids[x] + tag_ids[x + 1]))
            del tag_ids[x + 1]
            del tag_types[x + 1]
        else:
            x += 1
    # then the one with more ids stays (the later one on a tie)
    x = 0
    while x < len(tag_ids) - 1:
        if tag_ids[x][-1] >= tag_ids[x + 1][0]:
            if len(tag_ids[x]) > len(tag_ids[x + 1]):
                del tag_ids[x + 1]
                del tag_types[x + 1]
            else:
                del tag_ids[x]
                del tag_types[x]
        else:
            x += 1
    tags = ["O"] * len(tgt_words)
    for ids, label in zip(tag_ids, tag_types, strict=True):
        tags[ids[0]] = "B-" + label
        for t in ids[1:]:
            tags[t] = "I-" + label
    return tags


def reference_seed(src_len, entities, tgt_len, links, ratio=0.8, merge_distance=1):
    """Seed's procedure, step by step (links as the seed holds them: (labelled side, entity side),
    sorted): → target IOB2 tags."""
    word_alignments = sorted((t, s) for s, t in links)
    by_entity_word = [[a[0] for a in word_alignments if a[1] == i] for i in range(src_len)]
    labels = ["O"] * tgt_len
    for start, end, label in entities:
        cands = []
        for idx in range(start, end):
            for corr in by_entity_word[idx]:
                new = True
                for c in cands:
                    if c[0] <= corr < c[1]:
                        new = False
                    elif corr == c[1]:
                        c[1] += 1
                        new = False
                    elif corr == c[0] - 1:
                        c[0] -= 1
                        new = False
                if new:
                    cands.append([corr, corr + 1])
        if merge_distance > 0 and cands:
            cands = sorted(cands, key=lambda c: c[0])
            merged = [cands[0]]
            for c in cands[1:]:
                if c[0] - merged[-1][1] > merge_distance:
                    merged.append(c)
                else:
                    merged[-1][1] = c[1]
            cands = merged
        for c in cands:
            if (c[1] - c[0]) / (end - start) > ratio:
                labels[c[0]] = "B-" + label
                for i in range(c[0] + 1, c[1]):
                    labels[i] = "I-" + label
    return labels


def random_sentence(rng: random.Random):
    """Source entities (sorted, disjoint), target words, links: monotone, reordered or scattered."""
    src_len = rng.randint(1, 14)
    tgt_len = rng.randint(1, 14)
    entities, i = [], 0
    while i < src_len:
        if rng.random() < 0.4:
            n = rng.randint(1, min(5, src_len - i))
            entities.append((i, i + n, rng.choice(TYPES)))
            i += n
        i += rng.randint(0, 2)
    tgt_words = [rng.choice(WORDS) if rng.random() < 0.5 else f"w{j}" for j in range(tgt_len)]
    if rng.random() < 0.05:
        tgt_words[rng.randrange(tgt_len)] = " "  # a whitespace word: the authors' test calls it punctuation
    mode = rng.random()
    links = set()
    for s in range(src_len):
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
            if mode < 0.4:  # near-monotone
                t = round(s * tgt_len / src_len) + rng.randint(-2, 2)
            elif mode < 0.7:  # blocks reversed
                t = tgt_len - 1 - round(s * tgt_len / src_len) + rng.randint(-1, 1)
            else:
                t = rng.randrange(tgt_len)
            if 0 <= t < tgt_len:
                links.add((s, t))
    return src_len, entities, tgt_words, frozenset(links)


N_SENTENCES = 4000


@pytest.fixture(scope="module")
def sentences():
    rng = random.Random(20261202)
    return [random_sentence(rng) for _ in range(N_SENTENCES)]


def test_original_equals_reference(sentences):
    differ = []
    for src_len, entities, words, links in sentences:
        spans = [Span(*e) for e in entities]
        got = project_original(spans, links, words).spans
        want = tags_to_spans(reference_original(src_len, entities, words, links))
        if got != want:
            differ.append((entities, words, sorted(links), got, want))
    assert not differ, f"{len(differ)} of {len(sentences)} differ; first: {differ[0]}"


@pytest.mark.parametrize(("max_gap", "min_ratio"), [(1, 0.8), (0, 0.8), (2, 0.5)])
def test_seed_equals_reference(sentences, max_gap, min_ratio):
    differ = []
    for src_len, entities, words, links in sentences:
        spans = [Span(*e) for e in entities]
        got = project_seed(spans, links, max_gap=max_gap, min_ratio=min_ratio).spans
        ref = reference_seed(src_len, entities, len(words), links, ratio=min_ratio, merge_distance=max_gap)
        want = tags_to_spans(ref)
        if got != want:
            differ.append((entities, sorted(links), got, want))
    assert not differ, f"{len(differ)} of {len(sentences)} differ; first: {differ[0]}"


def test_random_sentences_exercise_the_differences(sentences):
    """The generator reaches what the variants turn on (reordered collisions, Unicode punctuation,
    spans cut or fused by overwriting); otherwise the equality tests above would prove little."""
    reordered = unicode = overwritten = 0
    for _src_len, entities, words, links in sentences:
        spans = [Span(*e) for e in entities]
        out = project_original(spans, links, words)
        reordered += bool(out.unprojected.get("collision"))
        unicode += any(w in "„“«»…" for sp in out.spans for w in words[sp.start : sp.end])
        overwritten += project_seed(spans, links).spans != project_seed(spans, links, collisions="shorter").spans
    assert reordered > 100 and unicode > 100 and overwritten > 100
