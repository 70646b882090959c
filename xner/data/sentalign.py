"""Sentence alignment of a corpus with its translation when the translator split or merged sentences.

Some released translations of CoNLL-2003 (the DeepL en→de and en→nl files of EasyProject) are not
index-parallel with the English: a few sentences were split, merged or dropped. Projection needs
1-1 sentence pairs, so this module recovers them with the monotone dynamic programme of Gale & Church
(1993): beads 1-1, 1-0, 0-1, 2-1 and 1-2 with their prior costs, their length cost −log P(δ) for the
normalised character-length difference δ, and (our addition) a bonus for anchor tokens shared by a
1-1 bead (numbers and capitalised names, which translation mostly keeps).
Only the 1-1 pairs are returned; the rest are counted, never silently mixed in.

    python -m xner.data.sentalign <source.conll> <translation.conll> [<translation2.conll> ...] --out-dir D

writes ``<stem>.paired.tsv`` for the source and each translation: the source sentences that have a
1-1 partner in every translation, and those partners, in order (pair k on line-block k of each).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# −log of Gale & Church's bead priors: 1-1 0.89, 1-0 or 0-1 0.0099, 2-1 or 1-2 0.089 (each half).
PRIOR_11, PRIOR_SKIP, PRIOR_MERGE = -math.log(0.89), -math.log(0.0099 / 2), -math.log(0.089 / 2)
VARIANCE = 6.8  # Gale & Church's s², variance of target chars per source char
ANCHOR_BONUS = 3.0  # weight of the anchor-token overlap (Dice) of a 1-1 bead


@dataclass(frozen=True)
class SentenceAlignment:
    pairs: list[tuple[int, int]]  # 1-1 beads (source index, target index), increasing
    merged: int  # sentences in 2-1 / 1-2 beads (left out)
    unmatched_source: int
    unmatched_target: int


def _anchors(words: Sequence[str]) -> frozenset[str]:
    return frozenset(w for w in words if any(c.isdigit() for c in w) or (len(w) > 1 and w[0].isupper()))


def _length_cost(src_chars: int, tgt_chars: int, ratio: float) -> float:
    """−log P(|δ|) with δ = (l_t − c·l_s) / sqrt(l_s·s²), l_s the mean of both lengths in source units."""
    mean = (src_chars + tgt_chars / ratio) / 2
    if mean == 0:
        return 0.0
    delta = abs(tgt_chars - ratio * src_chars) / math.sqrt(mean * VARIANCE)
    return -math.log(max(math.erfc(delta / math.sqrt(2)), 1e-300))


def align_sentences(
    source: Sequence[Sequence[str]], target: Sequence[Sequence[str]], *, band: int = 200,
    ratio: float | None = None,
) -> SentenceAlignment:
    """Monotone 1-1 sentence pairs between `source` and `target` (word lists).

    `band`: how far (in sentences) the alignment may drift from the length-scaled diagonal.
    `ratio`: target characters per source character (Gale & Church's c); None estimates it from
    the totals of both sides, which is reliable for a whole corpus."""
    n, m = len(source), len(target)
    src_len = [sum(map(len, s)) + len(s) for s in source]
    tgt_len = [sum(map(len, t)) + len(t) for t in target]
    ratio = ratio or (sum(tgt_len) + 1) / (sum(src_len) + 1)
    src_anchor, tgt_anchor = [_anchors(s) for s in source], [_anchors(t) for t in target]
    inf = float("inf")
    cost: dict[tuple[int, int], float] = {(0, 0): 0.0}
    back: dict[tuple[int, int], tuple[int, int]] = {}

    def bead_11(i: int, j: int) -> float:
        a, b = src_anchor[i], tgt_anchor[j]
        dice = 2 * len(a & b) / (len(a) + len(b)) if a or b else 0.5
        return PRIOR_11 + _length_cost(src_len[i], tgt_len[j], ratio) - ANCHOR_BONUS * dice

    for i in range(n + 1):
        centre = round(i * m / n) if n else 0
        for j in range(max(0, centre - band), min(m, centre + band) + 1):
            if i == 0 and j == 0:
                continue
            best, arg = inf, (0, 0)
            for di, dj in ((1, 1), (1, 0), (0, 1), (2, 1), (1, 2)):
                prev = cost.get((i - di, j - dj))
                if prev is None:
                    continue
                if (di, dj) == (1, 1):
                    step = bead_11(i - 1, j - 1)
                elif di == 0 or dj == 0:
                    step = PRIOR_SKIP
                else:
                    s = sum(src_len[i - di : i])
                    t = sum(tgt_len[j - dj : j])
                    step = PRIOR_MERGE + _length_cost(s, t, ratio)
                if prev + step < best:
                    best, arg = prev + step, (di, dj)
            if best < inf:
                cost[(i, j)], back[(i, j)] = best, arg
    if (n, m) not in cost:
        raise ValueError(f"no sentence alignment within band={band}; the files differ too much (or raise band)")
    pairs, merged, lone_src, lone_tgt = [], 0, 0, 0
    i, j = n, m
    while (i, j) != (0, 0):
        di, dj = back[(i, j)]
        if (di, dj) == (1, 1):
            pairs.append((i - 1, j - 1))
        elif di == 0:
            lone_tgt += 1
        elif dj == 0:
            lone_src += 1
        else:
            merged += di + dj
        i, j = i - di, j - dj
    return SentenceAlignment(pairs[::-1], merged, lone_src, lone_tgt)


def main(argv: Sequence[str] | None = None) -> None:
    from xner.data.conll import read_conll, write_conll

    parser = argparse.ArgumentParser(prog="python -m xner.data.sentalign", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("translations", type=Path, nargs="+", help="one or more translations of the source")
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=None, help="keep the first N source sentences paired in all")
    parser.add_argument("--band", type=int, default=200)
    args = parser.parse_args(argv)
    source = read_conll(args.source)
    partner: list[dict[int, int]] = []  # per translation: source index → its 1-1 partner
    translations = []
    for path in args.translations:
        target = read_conll(path)
        result = align_sentences([s.words for s in source], [t.words for t in target], band=args.band)
        print(
            f"{path}: {len(source)} source / {len(target)} translated sentences → {len(result.pairs)} 1-1 pairs "
            f"({result.merged} sentences in 2-1/1-2 beads, {result.unmatched_source} source and "
            f"{result.unmatched_target} translated sentences unmatched)"
        )
        partner.append(dict(result.pairs))
        translations.append(target)
    keep = sorted(set.intersection(*(set(p) for p in partner)))[: args.limit]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    write_conll(args.out_dir / f"{args.source.stem}.paired.tsv", [source[i] for i in keep])
    for path, target, pairs in zip(args.translations, translations, partner, strict=True):
        write_conll(args.out_dir / f"{path.stem}.paired.tsv", [target[pairs[i]] for i in keep])
    print(f"wrote {len(keep)} sentence pairs (paired in every translation) to {args.out_dir}")


if __name__ == "__main__":
    main()
