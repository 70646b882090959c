"""Render the comparison report: one self-contained HTML page (inline CSS, SVG and a little JS; no
network). Recall is shown first; precision and F1 are selectable in the page (or with ``#f1`` in the
address). Each measure has: the method × language table with group averages, the best method per
language and the seed paper's figures as reference rows; a heatmap; per-language bars; per-entity-type
averages; and the difference against a baseline method (selectable in the page).
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Sequence
from html import escape

from xner.dashboard.collect import Collection
from xner.dashboard.methods import Method, language_name
from xner.dashboard.table import Table, method_order

_PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f77b4",
    "#8c564b",
)

_CSS = """
body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:1.2em 2em;color:#222}
h1{font-size:1.5em;margin:.2em 0} h2{font-size:1.15em;margin:1.4em 0 .4em;border-bottom:1px solid #ddd}
.summary{color:#444} .controls{margin:.8em 0;padding:.5em .8em;background:#f4f6f8;border-radius:6px}
.controls label{margin-right:1.5em} .scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;font-size:12px;margin:.3em 0}
th,td{border:1px solid #ddd;padding:2px 5px;text-align:right;white-space:nowrap}
th{background:#f4f6f8;font-weight:600} th.method,td.method{text-align:left}
tr.ref td{font-style:italic;color:#555;background:#fafafa} td.best{font-weight:700;outline:2px solid #333}
tr.bestrow td{font-size:10px;text-align:center;white-space:normal}
table.wide tr.bestrow td{writing-mode:vertical-rl;white-space:nowrap;text-align:left;vertical-align:top;padding:4px 2px}
table.wide tr.bestrow td.method{writing-mode:horizontal-tb;vertical-align:middle}
td.method,th.method{position:sticky;left:0;background:#fff;z-index:1} th.method{background:#f4f6f8}
td.avg,th.avg{border-left:2px solid #999}
.note{color:#666;font-size:12px} .na{color:#bbb} ul.skipped li{font-size:12px;margin:.15em 0}
.legend span{display:inline-block;margin-right:1em;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
section.measure{display:none} section.measure.active{display:block}
"""

_JS = """
(function(){
const data=JSON.parse(document.getElementById('xner-data').textContent);
const sel=document.getElementById('measure'), base=document.getElementById('baseline');
function show(m){
  if(!data.measures[m]) return;
  sel.value=m; document.getElementById('measure-name').textContent=m;
  document.querySelectorAll('section.measure').forEach(s=>s.classList.toggle('active',s.dataset.measure===m));
  renderDiff(m);
}
function fmt(x,M){return (x>0?'+':'')+(M.percent?x.toFixed(1):x.toPrecision(3));}
function colour(d,M,range){const a=Math.min(Math.abs(d)/(M.percent?20:(range||1)),1);
  return (d>=0)!==M.lower?`rgba(89,161,79,${0.15+0.6*a})`:`rgba(225,87,89,${0.15+0.6*a})`;}
function renderDiff(m){
  const M=data.measures[m], b=base.value, table=document.querySelector(`table.diff[data-measure="${m}"]`);
  if(!table) return;
  const bv=M.values[b]||{};
  let range=0;
  for(const meth of M.methods){const v=M.values[meth]||{};
    for(const c of M.columns){if(v[c]!==undefined&&bv[c]!==undefined) range=Math.max(range,Math.abs(v[c]-bv[c]));}}
  let h='<tr><th class="method">method − '+esc(b)+'</th>'
    +M.columns.map(c=>`<th>${esc(c)}</th>`).join('')+'<th class="avg">mean Δ</th></tr>';
  for(const meth of M.methods){
    const v=M.values[meth]||{}; let s=0,n=0;
    h+=`<tr data-method="${esc(meth)}"><td class="method">${esc(meth)}</td>`;
    for(const c of M.columns){
      if(v[c]!==undefined&&bv[c]!==undefined){const d=v[c]-bv[c]; s+=d; n++;
        h+=`<td data-lang="${esc(c)}" data-value="${fmt(d,M)}" style="background:${colour(d,M,range)}">`
          +`${fmt(d,M)}</td>`;}
      else h+=`<td data-lang="${esc(c)}" class="na">–</td>`;
    }
    h+=n?`<td class="avg" style="background:${colour(s/n,M,range)}">${fmt(s/n,M)}</td></tr>`
      :'<td class="avg na">–</td></tr>';
  }
  table.innerHTML=h;
  table.dataset.baseline=b;
}
function esc(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
sel.addEventListener('change',()=>{location.hash=sel.value; show(sel.value);});
base.addEventListener('change',()=>renderDiff(sel.value));
const h=decodeURIComponent(location.hash.slice(1));
const params=new URLSearchParams(h.includes('=')?h:'');
const wanted=params.get('baseline');
if(wanted&&[...base.options].some(o=>o.value===wanted)) base.value=wanted;
show(params.get('measure')||(data.measures[h]?h:data.initial));
})();
"""


def _pct(x: float | None, scale: float = 100.0) -> str:
    """A fraction as a percentage with one decimal (scale 100); other measures as they are."""
    if x is None:
        return "–"
    return f"{scale * x:.1f}" if scale == 100.0 else f"{x:.4g}"


def _delta(d: float, scale: float) -> str:
    return f"{scale * d:+.1f}" if scale == 100.0 else f"{d:+.3g}"


def _heat(x: float | None, reverse: bool = False) -> str:
    """Background colour for a value in 0..1: red (low) → yellow → green (high); `reverse` for
    measures where lower is better."""
    if x is None:
        return ""
    x = max(0.0, min(1.0, x))
    hue = (1 - x if reverse else x) * 120
    return f"background:hsl({hue:.0f},65%,80%)"


def method_colours(methods: Sequence[Method]) -> dict[Method, str]:
    return {
        m: _PALETTE[i] if i < len(_PALETTE) else f"hsl({(i * 137.5) % 360:.0f},55%,50%)" for i, m in enumerate(methods)
    }


def _lang_th(col: str) -> str:
    return f'<th data-lang="{escape(col)}" title="{escape(language_name(col.split("/")[0]))}">{escape(col)}</th>'


def _main_table(t: Table) -> str:
    groups = list(t.groups)
    head = '<tr><th class="method">method</th>' + "".join(_lang_th(c) for c in t.columns)
    head += "".join(f'<th class="avg" data-group="{g}">avg {g}</th>' for g in groups)
    head += '<th class="avg" data-group="all">avg all</th></tr>' if len(groups) > 1 else "</tr>"
    rows = [head]
    bests = {c: t.best(c) for c in t.columns}
    for m in t.methods:
        cells = []
        for c in t.columns:
            v = t.value(m, c)
            cls = ' class="best"' if m in bests[c] and len(t.methods) > 1 else ""
            src = escape(t.sources.get((m, c), ""))
            cells.append(
                f'<td data-lang="{escape(c)}" data-value="{_pct(v, t.scale)}"{cls} '
                f'style="{_heat(v, t.lower_is_better)}" title="{src}">'
                f"{_pct(v, t.scale)}</td>"
                if v is not None
                else f'<td data-lang="{escape(c)}" class="na">–</td>'
            )
        cells += _avg_cells(t, m, groups, reference=False)
        rows.append(
            f'<tr data-method="{escape(m.label)}"><td class="method">{escape(m.label)}</td>{"".join(cells)}</tr>'
        )
        if any((m, c) in t.reference for c in t.columns):
            ref = [
                f'<td data-lang="{escape(c)}" data-value="{_pct(r, t.scale)}">{_pct(r, t.scale)}</td>'
                for c in t.columns
                for r in [t.reference.get((m, c))]
            ]
            ref += _avg_cells(t, m, groups, reference=True)
            rows.append(
                f'<tr class="ref" data-method="{escape(m.label)}"><td class="method">↳ seed paper (published)'
                f"</td>{''.join(ref)}</tr>"
            )
    best_cells = "".join(
        f'<td data-lang="{escape(c)}">{"<br>".join(escape(m.label) for m in sorted(bests[c]))}</td>' for c in t.columns
    )
    best_avg = []
    for g in [*groups, *(["all"] if len(groups) > 1 else [])]:
        avgs = {m: t.average(m, None if g == "all" else g)[0] for m in t.methods}
        avgs = {m: v for m, v in avgs.items() if v is not None}
        pick = min if t.lower_is_better else max
        top = pick(avgs, key=lambda m: avgs[m]) if avgs else None
        best_avg.append(f'<td class="avg" data-group="{g}">{escape(top.label) if top else "–"}</td>')
    rows.append(f'<tr class="bestrow"><td class="method"><b>best</b></td>{best_cells}{"".join(best_avg)}</tr>')
    cls = "main wide" if len(t.columns) > 8 else "main"  # many languages: vertical "best" labels
    return f'<div class="scroll"><table class="{cls}" data-measure="{t.measure}">{"".join(rows)}</table></div>'


def _avg_cells(t: Table, m: Method, groups: list[str], reference: bool) -> list[str]:
    out = []
    for g in [*groups, *(["all"] if len(groups) > 1 else [])]:
        mean, n = t.average(m, None if g == "all" else g, reference=reference)
        total = len(t.columns if g == "all" else t.groups[g])
        star = "*" if mean is not None and n < total else ""
        title = f"mean over {n} of {total} languages" + (" (incomplete)" if star else "")
        shown = _pct(mean, t.scale)
        out.append(f'<td class="avg" data-group="{g}" data-value="{shown}" title="{title}">{shown}{star}</td>')
    return out


def _heatmap(t: Table) -> str:
    cw, ch = 38, 18
    left = 20 + 6 * max((len(m.label) for m in t.methods), default=10)
    label = 6 * max((len(c) for c in t.columns), default=2)  # room for the rotated language labels
    top = 12 + label * 0.87
    w, h = left + cw * len(t.columns) + label // 2 + 10, top + ch * len(t.methods) + 10
    vals = list(t.values.values())
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    span = hi - lo if hi > lo else 1.0
    parts = [
        f'<svg class="heatmap" data-measure="{t.measure}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{w}" height="{h}" font-size="10" font-family="sans-serif">'
    ]
    for j, c in enumerate(t.columns):
        x, y = left + j * cw + cw / 2 + 3, top - 4
        parts.append(f'<text x="{x}" y="{y}" transform="rotate(-60 {x} {y})">{escape(c)}</text>')
    for i, m in enumerate(t.methods):
        y = top + i * ch
        parts.append(f'<text x="{left - 6}" y="{y + ch - 5}" text-anchor="end">{escape(m.label)}</text>')
        for j, c in enumerate(t.columns):
            v = t.value(m, c)
            if v is None:
                fill = "#f0f0f0"
            else:
                rel = (hi - v if t.lower_is_better else v - lo) / span
                fill = f"hsl({rel * 120:.0f},65%,70%)"
            parts.append(
                f'<rect x="{left + j * cw}" y="{y}" width="{cw - 1}" height="{ch - 1}" fill="{fill}">'
                f"<title>{escape(m.label)} · {escape(c)}: {_pct(v, t.scale)}</title></rect>"
            )
            if v is not None:
                parts.append(
                    f'<text x="{left + j * cw + cw / 2}" y="{y + ch - 5}" text-anchor="middle">'
                    f"{_pct(v, t.scale)}</text>"
                )
    parts.append("</svg>")
    worst, best = (hi, lo) if t.lower_is_better else (lo, hi)
    note = (
        f'<p class="note">Colour from red (worst, {_pct(worst, t.scale)}) to green (best, '
        f"{_pct(best, t.scale)}) in this table.</p>"
    )
    return f'{note}<div class="scroll">{"".join(parts)}</div>'


def _bars(t: Table, colours: dict[Method, str]) -> str:
    n = max(1, len(t.methods))
    bw = max(3.0, min(14.0, 110.0 / n))
    label = 6 * max((len(c) for c in t.columns), default=2)  # room for the rotated language labels
    gw, left, top, height = max(n * bw + 12, 26.0), 36, 10, 200
    w, h = left + gw * len(t.columns) + 10, top + height + 16 + label * 0.75
    parts = [
        f'<svg class="bars" data-measure="{t.measure}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{w:.0f}" height="{h}" font-size="10" font-family="sans-serif">'
    ]
    # fractions on a 0-100 axis; other measures on 0..their maximum
    vmax = 1.0 if t.scale == 100.0 else max([*t.values.values(), 1e-12])
    for q in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + height * (1 - q)
        tick = f"{q * 100:.0f}" if t.scale == 100.0 else f"{q * vmax:.3g}"
        parts.append(
            f'<line x1="{left}" x2="{w - 10:.0f}" y1="{y}" y2="{y}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 3}" text-anchor="end">{tick}</text>'
        )
    for j, c in enumerate(t.columns):
        x0 = left + j * gw + 6
        for i, m in enumerate(t.methods):
            v = t.value(m, c)
            if v is None:
                continue
            bh = height * max(0.0, min(1.0, v / vmax))
            parts.append(
                f'<rect class="bar" data-method="{escape(m.label)}" data-lang="{escape(c)}" '
                f'x="{x0 + i * bw:.1f}" y="{top + height - bh:.1f}" width="{bw - 0.5:.1f}" '
                f'height="{bh:.1f}" fill="{colours[m]}"><title>{escape(m.label)} · {escape(c)}: '
                f"{_pct(v, t.scale)}</title></rect>"
            )
        x, y = x0 + n * bw / 2, top + height + 12
        parts.append(
            f'<text x="{x:.1f}" y="{y}" text-anchor="end" transform="rotate(-45 {x:.1f} {y})">{escape(c)}</text>'
        )
    parts.append("</svg>")
    legend = "".join(f'<span><i style="background:{colours[m]}"></i>{escape(m.label)}</span>' for m in t.methods)
    return f'<div class="legend">{legend}</div><div class="scroll">{"".join(parts)}</div>'


def _types_table(t: Table) -> str:
    if not t.types:
        return '<p class="note">The runs report no per-entity-type figures for this measure.</p>'
    rows = ['<tr><th class="method">method</th>' + "".join(f"<th>{escape(x)}</th>" for x in t.types) + "</tr>"]
    for m in t.methods:
        cells = []
        for x in t.types:
            mean, n = t.type_average(m, x)
            cells.append(
                f'<td data-type="{escape(x)}" data-value="{_pct(mean, t.scale)}" style="{_heat(mean)}" '
                f'title="mean over {n} languages">{_pct(mean, t.scale)}</td>'
            )
        rows.append(
            f'<tr data-method="{escape(m.label)}"><td class="method">{escape(m.label)}</td>{"".join(cells)}</tr>'
        )
    per_lang = ['<tr><th class="method">method</th><th>type</th>' + "".join(_lang_th(c) for c in t.columns) + "</tr>"]
    for m in t.methods:
        for x in t.types:
            cells = "".join(
                f'<td data-lang="{escape(c)}" style="{_heat(v)}">{_pct(v, t.scale)}</td>'
                for c in t.columns
                for v in [t.type_cells.get((m, x, c))]
            )
            per_lang.append(
                f'<tr data-method="{escape(m.label)}" data-type="{escape(x)}"><td class="method">'
                f"{escape(m.label)}</td><td>{escape(x)}</td>{cells}</tr>"
            )
    return (
        f'<table class="types" data-measure="{t.measure}">{"".join(rows)}</table>'
        f'<details><summary>per language</summary><div class="scroll"><table class="types-lang" '
        f'data-measure="{t.measure}">{"".join(per_lang)}</table></div></details>'
    )


def _diff_table(t: Table) -> str:
    if t.baseline is None:
        return f'<table class="diff" data-measure="{t.measure}"></table>'
    b = t.baseline
    rows = [
        f'<tr><th class="method">method − {escape(b.label)}</th>'
        + "".join(f"<th>{escape(c)}</th>" for c in t.columns)
        + '<th class="avg">mean Δ</th></tr>'
    ]
    for m in t.methods:
        diffs = [t.diff(m, c) for c in t.columns]
        cells = "".join(
            f'<td data-lang="{escape(c)}" data-value="{_delta(d, t.scale)}">{_delta(d, t.scale)}</td>'
            if d is not None
            else f'<td data-lang="{escape(c)}" class="na">–</td>'
            for c, d in zip(t.columns, diffs, strict=True)
        )
        ok = [d for d in diffs if d is not None]
        avg = _delta(sum(ok) / len(ok), t.scale) if ok else "–"
        rows.append(
            f'<tr data-method="{escape(m.label)}"><td class="method">{escape(m.label)}</td>{cells}'
            f'<td class="avg">{avg}</td></tr>'
        )
    return (
        f'<div class="scroll"><table class="diff" data-measure="{t.measure}" data-baseline="{escape(b.label)}">'
        f"{''.join(rows)}</table></div>"
    )


def _section(t: Table, colours: dict[Method, str], active: bool) -> str:
    name = {"recall": "Recall", "precision": "Precision", "f1": "F1"}.get(t.measure, t.measure)
    if not t.methods:
        body = f'<p class="note">No run reports {escape(t.measure)}.</p>'
    else:
        body = (
            f"<h2>{name}: method × language</h2>"
            f'<p class="note">{"Percent. " if t.scale == 100.0 else ""}'
            "Bold outline: best method for the language. Averages marked * cover "
            "only the languages that method has results for. Italic rows: the seed paper's published figures "
            "(Politov et al. 2025) for the corresponding method, where it reported one.</p>"
            + _main_table(t)
            + f"<h2>{name}: heatmap</h2>"
            + _heatmap(t)
            + f"<h2>{name} per language</h2>"
            + _bars(t, colours)
            + f"<h2>{name} per entity type</h2>"
            + '<p class="note">Mean over the languages each method has results for.</p>'
            + _types_table(t)
            + f"<h2>{name}: difference against the baseline (percentage points)</h2>"
            + _diff_table(t)
        )
    return f'<section class="measure{" active" if active else ""}" data-measure="{t.measure}">{body}</section>'


def _explorers(links: Sequence[tuple[str, str, str, dict[str, float]]]) -> str:
    """The per-run projection explorer pages (``--explore``): method, language, error kinds, link."""
    if not links:
        return ""
    kinds = ("exact", "boundary", "type", "spurious", "missed", "gold_unmatched")
    head = "".join(f"<th>{k}</th>" for k in kinds)
    rows = "".join(
        f'<tr data-method="{escape(label)}"><td class="method">{escape(label)}</td><td>{escape(lang)}</td>'
        + "".join(f"<td>{_count(metrics.get(f'projection/errors_{k}'))}</td>" for k in kinds)
        + f'<td><a href="{escape(href)}">explore</a></td></tr>'
        for label, lang, href, metrics in links
    )
    return (
        '<section id="explorers"><h2>Projection explorer, per run</h2><div class="scroll"><table>'
        f'<tr><th class="method">method</th><th>lang</th>{head}<th></th></tr>{rows}</table></div>'
        '<p class="note">Error kinds of each run\'s projection records (projection/errors_*); the link opens '
        "its explorer page (sentences, links, candidates, filters).</p></section>"
    )


def _count(x: float | None) -> str:
    return "–" if x is None else f"{x:.0f}"


def render_report(
    collection: Collection,
    tables: dict[str, Table],
    initial: str = "recall",
    notes: Sequence[str] = (),
    explorers: Sequence[tuple[str, str, str, dict[str, float]]] = (),
) -> str:
    """The whole HTML page; `explorers`: (method label, language, link, metrics) per explored run."""
    methods = sorted({m for t in tables.values() for m in t.methods}, key=method_order)
    colours = method_colours(methods)
    first = tables[initial] if initial in tables else next(iter(tables.values()))
    data = {
        "initial": first.measure,
        "measures": {
            name: {
                "methods": [m.label for m in t.methods],
                "columns": t.columns,
                "percent": t.scale == 100.0,
                "lower": t.lower_is_better,
                "values": {
                    m.label: {c: round(t.scale * v, 4) for (mm, c), v in t.values.items() if mm == m} for m in t.methods
                },
            }
            for name, t in tables.items()
        },
    }
    langs = {c for t in tables.values() for c in t.columns}
    summary = (
        f"{len(collection.runs)} runs · {len(methods)} methods · {len(langs)} languages · "
        f"{len(collection.skipped)} skipped · from {', '.join(escape(str(r)) for r in collection.roots)}"
    )
    measure_opts = "".join(
        f'<option value="{n}"{" selected" if n == first.measure else ""}>{n}</option>' for n in tables
    )
    base_label = first.baseline.label if first.baseline else ""
    base_opts = "".join(
        f'<option value="{escape(m.label)}"{" selected" if m.label == base_label else ""}>{escape(m.label)}</option>'
        for m in methods
    )
    sections = "".join(_section(t, colours, t.measure == first.measure) for t in tables.values())
    missing = [s for t in tables.values() for s in t.missing if t.measure == first.measure]
    skipped_items = "".join(
        f"<li><code>{escape(str(s.path))}</code>: {escape(s.reason)}</li>" for s in [*collection.skipped, *missing]
    )
    all_notes = [*collection.notes, *notes]
    notes_html = "".join(f'<p class="note">{escape(n)}</p>' for n in all_notes)
    skipped_html = (
        f'<section id="skipped"><h2>Skipped ({len(collection.skipped) + len(missing)})</h2>'
        f'<ul class="skipped">{skipped_items}</ul></section>'
        if skipped_items
        else '<section id="skipped"><h2>Skipped (0)</h2><p class="note">Every run was used.</p></section>'
    )
    empty = '<p id="empty"><b>No usable runs found.</b> See the skipped list below.</p>' if not collection.runs else ""
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>xner dashboard — {escape(first.measure)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{_CSS}</style></head>
<body>
<h1>xner: which method gives the best <span id="measure-name">{escape(first.measure)}</span> for which language</h1>
<p class="summary" id="summary">{summary}</p>{notes_html}{empty}
<div class="controls"><label>measure <select id="measure">{measure_opts}</select></label>
<label>baseline <select id="baseline">{base_opts}</select></label>
<span class="note">generated {stamp}</span></div>
{sections}
{_explorers(explorers)}
{skipped_html}
<script type="application/json" id="xner-data">{payload}</script>
<script>{_JS}</script>
</body></html>
"""
