"""Synthetic run directories, laid out as Hydra writes them (``.hydra/{config,hydra}.yaml`` +
``metrics.json``)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import yaml


def make_run(
    root: Path,
    name: str,
    lang: str,
    task: str = "translate_test",
    projection: str | None = None,
    aligner: str | None = None,
    candidates: str | None = None,
    matcher: str | None = None,
    backtranslation: bool = False,
    metrics: dict | str | None = None,
    data: str | None = None,
) -> Path:
    run = root / name
    (run / ".hydra").mkdir(parents=True)
    choices = {"task": task, "lang": lang}
    cfg: dict = {"task": {"name": task}, "lang": {"code": lang}, "seed": 1}
    if data:
        cfg["data"] = {"name": data}
    if projection:
        choices["projection"] = projection
        cfg["projection"] = {"backtranslation": backtranslation}
    for group, value in (("aligner", aligner), ("candidates", candidates), ("matcher", matcher)):
        if value:
            choices[group] = value
            cfg[group] = {"_target_": f"x.{value}"}
    (run / ".hydra" / "config.yaml").write_text(yaml.safe_dump(cfg))
    hydra = {"hydra": {"runtime": {"choices": choices}, "overrides": {"task": [f"lang={lang}"]}}}
    (run / ".hydra" / "hydra.yaml").write_text(yaml.safe_dump(hydra))
    (run / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump([f"lang={lang}"]))
    if metrics is not None:
        text = metrics if isinstance(metrics, str) else json.dumps(metrics)
        (run / "metrics.json").write_text(text)
    return run


def test_metrics(recall: float, precision: float = 0.8, per: float | None = None) -> dict:
    f1 = 2 * precision * recall / (precision + recall)
    out = {"test/recall": recall, "test/precision": precision, "test/f1": f1, "meta/model": "tiny"}
    if per is not None:
        out["test/recall_PER"] = per
        out["test/recall_LOC"] = recall
    return out


test_metrics.__test__ = False  # a helper, not a test


CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_run(exe: str, url: str, profile: Path, *extra: str) -> str:
    """Run headless Chromium on `url` (JS runs); return its stdout (e.g. the DOM with --dump-dom)."""
    import subprocess

    proc = subprocess.run(
        [exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000", *extra, url],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class Cells(HTMLParser):
    """The page's table cells with their context: table class and data-measure, row method/class."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict] = []
        self.sections: list[dict] = []
        self.texts: dict[str, str] = {}
        self._table: dict = {}
        self._row: dict = {}
        self._cell: dict | None = None
        self._open: list[list] = []  # [id, tag, depth] of elements with an id still open

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "section":
            self.sections.append(a)
        elif tag == "table":
            self._table = a
        elif tag == "tr":
            self._row = a
        elif tag in ("td", "th"):
            self._cell = {"tag": tag, "attrs": a, "table": self._table, "row": self._row, "text": ""}
        for entry in self._open:
            if entry[1] == tag:
                entry[2] += 1
        if "id" in a and tag not in ("br", "img", "input", "meta"):
            self._open.append([a["id"], tag, 1])
            self.texts.setdefault(a["id"], "")

    def handle_endtag(self, tag):
        for entry in self._open:
            if entry[1] == tag:
                entry[2] -= 1
        self._open = [e for e in self._open if e[2] > 0]
        if tag in ("td", "th") and self._cell is not None:
            self._cell["text"] = self._cell["text"].strip()
            self.cells.append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data
        for entry in self._open:
            self.texts[entry[0]] += data

    def find(self, table: str, measure: str, method: str, lang: str, row_class: str = "") -> str:
        hits = [
            c["text"]
            for c in self.cells
            if table in c["table"].get("class", "").split()
            and c["table"].get("data-measure") == measure
            and c["row"].get("data-method") == method
            and c["attrs"].get("data-lang") == lang
            and row_class == c["row"].get("class", "")
        ]
        assert len(hits) == 1, (table, measure, method, lang, hits)
        return hits[0]


def parse_dom(dom: str) -> Cells:
    parser = Cells()
    parser.feed(dom)
    return parser


class GoldTagger:
    """A source "tagger" returning the gold entities of sentences found in a CoNLL file (none for
    others): with human translations it makes an offline translate-test run meaningful. Built by
    `python run.py '+tagger._target_=tests.dashboard.dashboard_runs.GoldTagger' +tagger.path=...`."""

    def __init__(self, path: str):
        from xner.data.conll import read_conll

        self.table = {s.words: s.spans for s in read_conll(Path(path))}

    def cache_config(self) -> dict:
        return {"gold": len(self.table)}

    def predict(self, words_list):
        return [list(self.table.get(tuple(w), [])) for w in words_list]

    def close(self) -> None:
        pass
