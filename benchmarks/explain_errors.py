"""Error kinds of projection runs, from their ``projection.jsonl.gz`` (the explorer's records).

    python benchmarks/explain_errors.py RUN_DIR [RUN_DIR ...]

Per run: the verdict counts (`xner.evaluate.explain`), boundary errors split by what differs from
the gold span (extra words on the left/right, words missing on the left/right; a span can count
under two), the commonest extra left words, type errors as projected → gold type pairs, and missed
entities by reason. Prints one block per run, then one JSON line.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from xner.dashboard.explore import find_records, read_records, summary


def analyse(records: list[dict]) -> dict:
    sides: Counter = Counter()
    left_words: Counter = Counter()
    types: Counter = Counter()
    for rec in records:
        for p in rec["projected"]:
            if p["verdict"] == "boundary":
                (ps, pe, _), (gs, ge, _) = p["span"], p["gold"]
                if ps < gs:
                    sides["extra_left"] += 1
                    left_words[" ".join(rec["tgt"][ps:gs]).lower()] += 1
                if pe > ge:
                    sides["extra_right"] += 1
                if ps > gs:
                    sides["missing_left"] += 1
                if pe < ge:
                    sides["missing_right"] += 1
            elif p["verdict"] == "type":
                types[f"{p['span'][2]}→{p['gold'][2]}"] += 1
    s = summary(records)
    return {
        "counts": s["counts"],
        "percent": {k: round(v, 1) for k, v in s["percent"].items()},
        "boundary": dict(sides),
        "extra_left_words": dict(left_words.most_common(6)),
        "type_pairs": dict(types.most_common(6)),
        "missed_reasons": s["reasons"],
    }


def main() -> None:
    out = {}
    for arg in sys.argv[1:]:
        header, records = read_records(find_records(arg))
        name = f"{Path(arg).name} ({header.get('lang', '?')})"
        out[name] = a = analyse(records)
        print(f"== {name}")
        print("  " + "  ".join(f"{k} {v} ({a['percent'][k]}%)" for k, v in a["counts"].items()))
        print(f"  boundary: {a['boundary']}; extra left words: {a['extra_left_words']}")
        print(f"  type: {a['type_pairs']}; missed: {a['missed_reasons']}")
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
