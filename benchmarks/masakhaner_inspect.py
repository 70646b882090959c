"""Where xner's projections and T-Projection's labels of the same translated sentences disagree.

    python benchmarks/masakhaner_inspect.py multirun/masakhaner_offline --method ngram_ilp [--show 8]

For each language, the job's ``projected_train.conll`` (xner: the English gold carried onto
T-Projection's tokens) is compared entity by entity with T-Projection's own labels of the same
sentences (the target side of the same 1-1 pairs): span agreement (seqeval F1 of one against the
other), and a count of disagreement kinds — same span other type, overlapping spans with
different boundaries, entities only xner has, entities only T-Projection has. `--show` prints
that many disagreeing sentences per language with the English source and both label sets.
Prints tables, then one JSON line.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from xner.data.conll import read_conll
from xner.data.paired import SentAlignedConll
from xner.data.tags import tags_to_spans

LANGS = ["hau", "ibo", "nya", "sna", "swa", "xho", "yor", "zul"]
TPROJ = "projection_baselines/tprojection_masakhaner_projections/{lang}.train.txt"
ENGLISH = "conll_multi/en/en.conll.train.tsv"


def _spans(tags) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in tags_to_spans(list(tags)) if s.label != "MISC"}


def compare(ours: list, theirs: list) -> tuple[Counter, list[int]]:
    kinds: Counter = Counter()
    differing = []
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        sa, sb = _spans(a.tags), _spans(b.tags)
        kinds["agree"] += len(sa & sb)
        only_a, only_b = sa - sb, sb - sa
        if only_a or only_b:
            differing.append(k)
        for s in only_a:
            same = [t for t in only_b if (t[0], t[1]) == (s[0], s[1])]
            overlap = [t for t in only_b if t[0] < s[1] and s[0] < t[1]]
            kinds["type" if same else "boundary" if overlap else "only_xner"] += 1
        for t in only_b:
            if not any(s[0] < t[1] and t[0] < s[1] for s in only_a):
                kinds["only_tprojection"] += 1
    return kinds, differing


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("sweep", type=Path)
    ap.add_argument("--method", default="ngram_ilp")
    ap.add_argument("--overrides", default="", help="the job's override directory name ('' = none)")
    ap.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache/xner/cache")
    ap.add_argument("--show", type=int, default=0)
    args = ap.parse_args()
    summary = {}
    print(f"| lang | sentences | agree | type | boundary | only xner | only T-Proj | agreement F1 |  ({args.method})")
    print("|---|---|---|---|---|---|---|---|")
    shown = []
    for lang in LANGS:
        job = args.sweep / lang / args.method / args.overrides
        path = job / "projected_train.conll"
        if not path.exists():
            continue
        ours = read_conll(path)
        corpus = SentAlignedConll(ENGLISH, TPROJ.format(lang=lang), side="target", data_dir=str(args.data_dir),
                                  cache_dir=str(args.cache / "sentalign"))
        pairs = corpus.pairs()[: len(ours)]
        theirs = [p.target for p in pairs]
        if [s.words for s in ours] != [s.words for s in theirs]:
            raise SystemExit(f"{path}: its sentences are not the first {len(ours)} paired T-Projection sentences")
        kinds, differing = compare(ours, theirs)
        n_a = kinds["agree"] + kinds["type"] + kinds["boundary"] + kinds["only_xner"]
        n_b = kinds["agree"] + kinds["type"] + kinds["boundary"] + kinds["only_tprojection"]
        f1 = 2 * kinds["agree"] / (n_a + n_b) if n_a + n_b else 0.0
        summary[lang] = {**kinds, "f1": f1, "sentences": len(ours), "differing_sentences": len(differing)}
        print(f"| {lang} | {len(ours)} | {kinds['agree']} | {kinds['type']} | {kinds['boundary']} | "
              f"{kinds['only_xner']} | {kinds['only_tprojection']} | {100 * f1:.1f} |")
        for k in differing[: args.show]:
            en = pairs[k].source
            shown.append((lang, k, en, ours[k], theirs[k]))
    for lang, k, en, a, b in shown:
        print(f"\n[{lang} #{k}] EN: " + " ".join(f"{w}/{t}" if t != "O" else w for w, t in zip(en.words, en.tags,
                                                                                             strict=True)))
        print("  xner:  " + " ".join(f"{w}/{t}" if t != "O" else w for w, t in zip(a.words, a.tags, strict=True)))
        print("  TProj: " + " ".join(f"{w}/{t}" if t != "O" else w for w, t in zip(b.words, b.tags, strict=True)))
    print(json.dumps({"method": args.method, "per_lang": summary}))


if __name__ == "__main__":
    main()
