"""The projection explorer: records → summary, compare, the page (and, in headless Chromium, its filters)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from xner.dashboard.cli import main
from xner.dashboard.explore import differing, filter_items, read_records, summary
from xner.data.types import Span
from xner.evaluate.explain import explain_sentence
from xner.pipeline.explain import FILENAME, encode_records

from .dashboard_runs import chromium_run, parse_dom


def sentences(fixed_boundary: bool = False) -> list[dict]:
    """Five sentences, one per kind: exact, boundary, type, missed, spurious (plus a gold entity unmatched)."""
    s = []
    s.append(  # exact
        explain_sentence(
            ["John", "lives", "in", "Paris"],
            ["John", "wohnt", "in", "Paris"],
            [(0, 0), (1, 1), (2, 2), (3, 3)],
            [Span(0, 1, "PER"), Span(3, 4, "LOC")],
            [Span(0, 1, "PER"), Span(3, 4, "LOC")],
            [Span(0, 1, "PER"), Span(3, 4, "LOC")],
            scores=[1.0, 1.0],
            rankings=[[(0, 1, 1.0), (0, 2, 0.667)], [(3, 4, 1.0), (2, 4, 0.667)]],
            gold=[Span(0, 1, "PER"), Span(3, 4, "LOC")],
        )
    )
    boundary = Span(1, 3, "PER") if fixed_boundary else Span(0, 3, "PER")
    s.append(  # boundary: the article pulled in
        explain_sentence(
            ["Mr", "Smith", "came"],
            ["der", "Herr", "Schmidt", "kam"],
            [(0, 0), (0, 1), (1, 2), (2, 3)],
            [Span(0, 2, "PER")],
            [boundary],
            [boundary],
            scores=[0.8],
            rankings=[[(0, 3, 0.8), (1, 3, 0.75)]],
            gold=[Span(1, 3, "PER")],
        )
    )
    s.append(  # type
        explain_sentence(
            ["Paris", "won"],
            ["Paris", "gewann"],
            [(0, 0), (1, 1)],
            [Span(0, 1, "ORG")],
            [Span(0, 1, "ORG")],
            [Span(0, 1, "ORG")],
            scores=[1.0],
            rankings=[[(0, 1, 1.0)]],
            gold=[Span(0, 1, "LOC")],
        )
    )
    s.append(  # missed
        explain_sentence(
            ["Anna", "sleeps"],
            ["Anna", "schläft"],
            [(1, 1)],
            [Span(0, 1, "PER")],
            [],
            [None],
            scores=[None],
            rankings=[[]],
            reasons=["unaligned"],
            gold=[Span(0, 1, "PER")],
        )
    )
    s.append(  # spurious
        explain_sentence(
            ["the", "EU", "said"],
            ["die", "EU", "sagte"],
            [(0, 1), (1, 1), (2, 2)],
            [Span(0, 2, "ORG")],
            [Span(2, 3, "ORG")],
            [Span(2, 3, "ORG")],
            scores=[0.4],
            rankings=[[(2, 3, 0.4)]],
            gold=[],
        )
    )
    for i, r in enumerate(s):
        r.update({"i": i, "id": f"s{i}", "where": f"tgt.conll:{1 + 5 * i}"})
    return s


def write_run(root: Path, name: str, records: list[dict], **header) -> Path:
    run = root / name
    run.mkdir(parents=True)
    head = {"task": "projection_eval", "lang": "de", "projection": "MatchingProjector", **header}
    (run / FILENAME).write_bytes(encode_records(records, head))
    return run


@pytest.fixture
def runs(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write_run(tmp_path, "ilp", sentences(), matcher="IlpMatcher"),
        write_run(tmp_path, "greedy", sentences(fixed_boundary=True), matcher="GreedyMatcher"),
    )


def test_read_summary_and_filter_items(runs):
    header, records = read_records(runs[0] / FILENAME)
    assert header["format"] == "xner.projection/1" and header["matcher"] == "IlpMatcher" and len(records) == 5
    s = summary(records)
    # 5 projected spans: exact 2, boundary 1, type 1, spurious 1; 6 source entities, 1 missed;
    # 6 gold spans, unmatched: LOC "Paris" (type error claims it: no), PER "Anna" → 1
    assert s["counts"] == {"exact": 2, "boundary": 1, "type": 1, "spurious": 1, "missed": 1, "gold_unmatched": 1}
    assert s["percent"]["exact"] == pytest.approx(40.0) and s["percent"]["missed"] == pytest.approx(100 / 6)
    assert s["reasons"] == {"unaligned": 1}
    assert filter_items(records[3]) == [["missed", "PER", "unaligned"], ["gold_unmatched", "PER", ""]]
    assert filter_items(records[1]) == [["boundary", "PER", ""]]


def test_differing_pairs_only_changed_sentences(runs):
    a = read_records(runs[0] / FILENAME)[1]
    b = read_records(runs[1] / FILENAME)[1]
    assert [ra["i"] for ra, _ in differing(a, b)] == [1]
    b[0]["tgt"] = ["other"]
    with pytest.raises(Exception, match="target words differ"):
        differing(a, b)


def test_cli_writes_a_self_contained_page(runs, tmp_path, capsys):
    out = tmp_path / "explore.html"
    assert main(["explore", str(runs[0]), "-o", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    html = out.read_text()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "<script src" not in html
    data = json.loads(re.search(r'id="xner-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["items"]) == 5 and data["runs"][0]["name"].startswith("ilp (projection_eval · de")
    page = parse_dom(html)
    kinds = {c["attrs"]["data-kind"]: c["text"] for c in page.cells if c["attrs"].get("data-kind")}
    assert kinds["boundary"] == "1 (20.0%)" and kinds["missed"] == "1 (16.7%)"


def test_cli_errors_name_the_problem(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["explore", str(tmp_path / "empty"), "-o", str(tmp_path / "x.html")]) == 2
    assert "no projection.jsonl.gz here" in capsys.readouterr().err and "task.explain=true" in "task.explain=true"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / FILENAME).write_bytes(gzip.compress(b'{"format": "xner.projection/1"}\n{"tgt": [\n'))
    assert main(["explore", str(bad), "-o", str(tmp_path / "x.html")]) == 2
    assert f"{bad / FILENAME}:2: not a JSON line" in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_page_filters_by_verdict_type_and_reason(runs, chromium, tmp_path):
    out = tmp_path / "explore.html"
    assert main(["explore", str(runs[0]), "-o", str(out)]) == 0

    def shown(fragment: str) -> tuple[list[str], str, str]:
        dom = chromium_run(chromium, out.as_uri() + fragment, tmp_path / "profile", "--dump-dom")
        ids = re.findall(r'<div class="sent" data-i="(\d+)"', dom)
        return ids, parse_dom(dom).texts["shown"], dom

    ids, count, dom = shown("")
    assert (ids, count) == (["0", "1", "2", "3", "4"], "5 of 5 sentences")
    assert dom.count("<line") == 4 + 4 + 2 + 1 + 3  # every link drawn as an SVG line
    assert "Herr Schmidt 0.750" in dom  # the runner-up candidate and its score
    assert shown("#verdict=boundary")[:2] == (["1"], "1 of 5 sentences")
    assert shown("#verdict=missed&reason=unaligned")[:2] == (["3"], "1 of 5 sentences")
    assert shown("#type=LOC")[:2] == (["0", "2"], "2 of 5 sentences")  # exact LOC, and the type error's gold LOC


def test_compare_mode_shows_only_differences(runs, chromium, tmp_path):
    out = tmp_path / "cmp.html"
    assert main(["explore", str(runs[0]), "--compare", str(runs[1]), "-o", str(out)]) == 0
    dom = chromium_run(chromium, out.as_uri(), tmp_path / "profile", "--dump-dom")
    assert re.findall(r'<div class="sent" data-i="(\d+)"', dom) == ["1"]
    assert dom.count('<div class="side">') == 2  # the two runs side by side
    page = parse_dom(dom)
    rows = [c for c in page.cells if c["attrs"].get("data-kind") == "exact"]
    assert [r["text"] for r in rows] == ["2 (40.0%)", "3 (60.0%)"]


def test_screenshot(runs, chromium, tmp_path):
    out = tmp_path / "explore.html"
    assert main(["explore", str(runs[0]), "-o", str(out)]) == 0
    shot = tmp_path / "shot.png"
    chromium_run(chromium, out.as_uri(), tmp_path / "profile", f"--screenshot={shot}", "--window-size=1100,900")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # drawn, not blank


def test_recall_report_links_each_runs_explorer(tmp_path, data_dir):
    from .dashboard_runs import make_run

    sweep = tmp_path / "sweep"
    metrics = {
        "projection/recall": 0.8,
        "projection/precision": 0.9,
        "projection/f1": 0.85,
        "projection/errors_boundary": 1.0,
        "projection/errors_exact": 2.0,
    }
    run = make_run(sweep, "ilp-de", "de", "projection_eval", "matching", "simalign", "ngram", "ilp", metrics=metrics)
    (run / FILENAME).write_bytes(encode_records(sentences(), {"task": "projection_eval"}))
    make_run(sweep, "heur-de", "de", "projection_eval", "heuristic", "simalign", metrics=metrics)  # no records
    out = tmp_path / "report" / "report.html"
    assert main([str(sweep), "-o", str(out), "--metric", "projection/recall", "--no-reference", "--explore"]) == 0
    html = out.read_text()
    assert (run / "explore.html").is_file() and not (sweep / "heur-de" / "explore.html").exists()
    assert html.count('href="../sweep/ilp-de/explore.html"') == 1
    page = parse_dom(html)
    assert "Projection explorer, per run" in page.texts["explorers"]
    row = [
        c["text"]
        for c in page.cells
        if c["row"].get("data-method") == "proj-eval:ngram-ilp/simalign" and c["table"] == {}
    ]
    assert row[:4] == ["proj-eval:ngram-ilp/simalign", "de", "2", "1"]


def test_records_without_gold_have_no_verdicts(tmp_path, chromium):
    # translate_train projects onto a machine translation: no gold, so no verdicts and zero counts
    rec = explain_sentence(
        ["John", "sleeps"],
        ["John", "schläft"],
        [(0, 0)],
        [Span(0, 1, "PER")],
        [Span(0, 1, "PER")],
        [Span(0, 1, "PER")],
        meta={"i": 0},
    )
    run = write_run(tmp_path, "train", [rec], task="translate_train")
    s = summary(read_records(run / FILENAME)[1])
    assert s["with_gold"] == 0 and s["counts"]["exact"] == 0 and s["entities"] == 1
    out = tmp_path / "t.html"
    assert main(["explore", str(run), "-o", str(out)]) == 0
    dom = chromium_run(chromium, out.as_uri() + "#verdict=none", tmp_path / "profile", "--dump-dom")
    assert re.findall(r'<div class="sent" data-i="(\d+)"', dom) == ["0"] and "no gold" in dom
