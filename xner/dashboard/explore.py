"""The projection explorer: one run's ``projection.jsonl.gz`` (or two, compared) as an HTML page.

``python -m xner.dashboard explore <run dir> [-o explore.html] [--compare <run dir 2>]``

The page is self-contained (inline CSS, JS and SVG; no network). At the top, the error kinds of
the run (`xner.evaluate.explain`: counts and percentages); then the sentences, filterable by
verdict, entity type and reason (also from the address: ``#verdict=boundary&type=PER&reason=``);
for each sentence the source and target words with entities highlighted (target: projected spans
coloured by verdict, gold spans underlined), the alignment links drawn between the words, and per
entity its target span, score, candidate ranking (matching: the chosen candidate and the runners-up)
and the reason it was not projected. With ``--compare`` only the sentences where the two runs
differ (in projected spans or verdicts) are shown, the two runs side by side.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from xner.dashboard.explore_page import CSS as _CSS
from xner.dashboard.explore_page import JS as _JS
from xner.errors import DataFormatError, XnerError
from xner.evaluate.explain import SPAN_VERDICTS, error_counts

log = logging.getLogger(__name__)

FILENAME = "projection.jsonl.gz"
KINDS = ("exact", "boundary", "type", "spurious", "missed", "gold_unmatched")


def find_records(path: str | Path) -> Path:
    """The records file of a run: `path` itself, or ``<path>/projection.jsonl.gz``."""
    path = Path(path)
    if path.is_file():
        return path
    candidate = path / FILENAME
    if candidate.is_file():
        return candidate
    if not path.exists():
        raise XnerError(f"{path}: no such run directory")
    raise XnerError(
        f"{path}: no {FILENAME} here. Runs of projection_eval, translate_test and translate_train write it "
        "(unless task.explain=false); rerun the job with task.explain=true"
    )


def read_records(path: str | Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and the records of a ``projection.jsonl.gz`` (or plain ``.jsonl``) file."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    header: dict[str, Any] = {}
    records = []
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataFormatError(
                        f"{path}:{n}: not a JSON line ({exc.msg}); the file is truncated or not projection records"
                    ) from None
                if n == 1 and "format" in rec:
                    header = rec
                elif "entities" not in rec or "tgt" not in rec:
                    raise DataFormatError(f"{path}:{n}: a record needs 'tgt' and 'entities'")
                else:
                    records.append(rec)
    except (OSError, EOFError) as exc:
        raise DataFormatError(f"{path}: cannot read ({exc}); the file is truncated or not gzip") from None
    return header, records


def filter_items(rec: Mapping[str, Any]) -> list[list]:
    """What the page filters a sentence by: ``[verdict, type, reason]`` per projected span (reason
    empty; a type error also under its gold type), per missed entity, and per unmatched gold span
    (``gold_unmatched``); verdict ``none`` without gold."""
    items: list[list] = []
    for p in rec.get("projected", []):
        items.append([p["verdict"] or "none", p["span"][2], ""])
        if p["gold"] and p["gold"][2] != p["span"][2]:  # a type error is found under either type
            items.append([p["verdict"], p["gold"][2], ""])
    for e in rec["entities"]:
        if e["tgt"] is None:
            items.append([e["verdict"] or "none", e["src"][2], e["reason"] or ""])
    items += [["gold_unmatched", g[2], ""] for g in rec.get("unmatched_gold") or []]
    return items


def summary(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Error-kind counts and percentages: span verdicts over projected spans, ``missed`` over source
    entities, ``gold_unmatched`` over gold spans (records without gold are left out)."""
    with_gold = [r for r in records if r.get("gold") is not None]
    counts = error_counts(with_gold)
    spans = sum(counts[k] for k in SPAN_VERDICTS)
    entities = sum(len(r["entities"]) for r in with_gold)
    gold = sum(len(r["gold"]) for r in with_gold)
    base = {**{k: spans for k in SPAN_VERDICTS}, "missed": entities, "gold_unmatched": gold}
    return {
        "sentences": len(records),
        "with_gold": len(with_gold),
        "projected": spans,
        "entities": sum(len(r["entities"]) for r in records),
        "gold": gold,
        "counts": {k: counts[k] for k in KINDS},
        "percent": {k: (100.0 * counts[k] / base[k] if base[k] else 0.0) for k in KINDS},
        "reasons": dict(Counter(e["reason"] for r in records for e in r["entities"] if e["reason"])),
    }


def _signature(rec: Mapping[str, Any]) -> Any:
    return (
        [p["span"] for p in rec.get("projected", [])],
        [(e["tgt"], e["verdict"], e["reason"]) for e in rec["entities"]],
    )


def differing(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> list[tuple[dict, dict]]:
    """Pairs of records (same sentence index) whose projected spans, verdicts or reasons differ.

    Raises XnerError when the runs are not on the same data (different sentences or target words)."""
    if len(a) != len(b):
        raise XnerError(f"the two runs have {len(a)} and {len(b)} sentences; --compare needs runs on the same data")
    out = []
    for ra, rb in zip(a, b, strict=True):
        if ra["tgt"] != rb["tgt"]:
            raise XnerError(
                f"sentence {ra.get('i')}: the runs' target words differ ({' '.join(ra['tgt'][:6])} … vs "
                f"{' '.join(rb['tgt'][:6])} …); --compare needs runs on the same data"
            )
        if _signature(ra) != _signature(rb):
            out.append((ra, rb))
    return out


def _run_name(path: Path, header: Mapping[str, Any]) -> str:
    bits = [header.get(k) for k in ("task", "lang", "projection", "candidates", "matcher", "aligner")]
    desc = " · ".join(str(b) for b in bits if b)
    run_dir = path.parent if path.name == FILENAME else path
    return f"{run_dir.name} ({desc})" if desc else run_dir.name


def _summary_table(runs: Sequence[Mapping[str, Any]]) -> str:
    sizes = (("sentences", "sentences"), ("entities", "source entities"), ("projected", "projected"), ("gold", "gold"))
    head = "".join(f"<th>{t}</th>" for _, t in sizes) + "".join(f"<th>{escape(k)}</th>" for k in KINDS)
    rows = []
    for run in runs:
        s = run["summary"]
        cells = "".join(f'<td data-size="{k}">{s[k]}</td>' for k, _ in sizes)
        cells += "".join(
            f'<td class="k-{k}" data-kind="{k}">{s["counts"][k]}<small> ({s["percent"][k]:.1f}%)</small></td>'
            for k in KINDS
        )
        label = f'<th class="run" title="{escape(run["name"])}">{escape(run["short"])}</th>'
        rows.append(f'<tr data-run="{run["key"]}">{label}{cells}</tr>')
    return (
        f'<table id="summary"><tr><th class="run">run</th>{head}</tr>{"".join(rows)}</table>'
        '<p class="note">exact / boundary / type / spurious: share of projected target spans; missed: share of '
        "source entities not projected; gold_unmatched: share of gold target spans no projected span "
        "claims. exact = same span and type as a gold span; type = same span, other type; boundary = "
        "overlaps a gold span of its type; spurious = none of these.</p>"
    )


def render_explore(runs: Sequence[Mapping[str, Any]], items: Sequence[Sequence[dict]], title: str) -> str:
    """The page: `runs` (name, key, header, summary), `items` one tuple of records per shown sentence
    (one record, or one per run in compare mode)."""
    for group in items:
        for rec in group:
            rec["_items"] = filter_items(rec)
    types = sorted({it[1] for group in items for rec in group for it in rec["_items"]})
    reasons = sorted({it[2] for group in items for rec in group for it in rec["_items"] if it[2]})
    verdicts = [v for v in (*KINDS, "none") if any(it[0] == v for g in items for r in g for it in r["_items"])]
    data = {
        "runs": [{"name": r["name"], "short": r.get("short", r["name"]), "key": r["key"]} for r in runs],
        "items": [list(g) for g in items],
    }
    blob = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")

    def options(values: Sequence[str]) -> str:
        return '<option value="">all</option>' + "".join(
            f'<option value="{escape(v)}">{escape(v)}</option>' for v in values
        )

    compare = len(runs) > 1
    what = f"{len(items)} sentences where the two runs differ" if compare else f"{len(items)} sentences"
    legend = "".join(f'<span class="chip v-{k}">{k}</span>' for k in (*SPAN_VERDICTS, "missed"))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>{_CSS}</style></head>
<body class="{"compare" if compare else "single"}">
<h1>Projection explorer</h1>
<p class="summary" id="title">{escape(title)}</p>
{_summary_table(runs)}
<div class="controls" id="controls">
<label>verdict <select id="f-verdict">{options(verdicts)}</select></label>
<label>entity type <select id="f-type">{options(types)}</select></label>
<label>reason <select id="f-reason">{options(reasons)}</select></label>
<span id="shown"></span> <span class="pager"><button id="prev">◀</button> <span id="page"></span>
<button id="next">▶</button></span>
<div class="legend">{legend} <span class="gold-key">gold span</span> (target side underlined)
· {escape(what)}</div>
</div>
<div id="sentences"></div>
<script type="application/json" id="xner-data">{blob}</script>
<script>{_JS}</script>
</body></html>
"""


def build(run: str | Path, compare: str | Path | None = None) -> tuple[str, int]:
    """The page's HTML and the number of sentences in it."""
    runs, loaded = [], []
    for key, path in (("a", run), ("b", compare)):
        if path is None:
            continue
        file = find_records(path)
        header, records = read_records(file)
        loaded.append(records)
        name = _run_name(file, header)
        short = (file.parent if file.name == FILENAME else file).name
        runs.append({"key": key, "name": name, "short": short, "header": header, "summary": summary(records)})
    if compare is None:
        items = [(r,) for r in loaded[0]]
        title = runs[0]["name"]
    else:
        items = differing(loaded[0], loaded[1])
        title = f"{runs[0]['name']}  vs  {runs[1]['name']}"
    return render_explore(runs, items, title), len(items)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m xner.dashboard explore",
        description="See, sentence by sentence, why each entity did or did not cross: a self-contained HTML "
        "page of a run's projection.jsonl.gz.",
    )
    p.add_argument("run", help="a run directory holding projection.jsonl.gz (or the file itself)")
    p.add_argument("-o", "--output", default="explore.html", help="HTML file to write (default: explore.html)")
    p.add_argument("--compare", metavar="RUN2", help="a second run on the same data: show only sentences that differ")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    import sys

    from xner.cache import atomic_write_text

    args = parse_args(argv)
    try:
        html, n = build(args.run, args.compare)
        atomic_write_text(Path(args.output), html)
    except XnerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {args.output} ({n} sentences)")
    return 0
