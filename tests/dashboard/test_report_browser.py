"""The report as a person sees it: rendered by headless Chromium (JS run), then read from the DOM."""

from pathlib import Path

import pytest

from xner.dashboard.cli import main

from .dashboard_runs import chromium_run, parse_dom


@pytest.fixture
def report(sweep: Path, tmp_path: Path, data_dir: Path) -> Path:
    out = tmp_path / "report.html"
    assert main([str(sweep), "-o", str(out), "--data-dir", str(data_dir)]) == 0
    return out


def test_report_shows_recall_table_reference_and_skips(report: Path, chromium: str, tmp_path: Path):
    page = parse_dom(chromium_run(chromium, report.as_uri(), tmp_path / "profile", "--dump-dom"))
    # recall is the active measure; the page says so
    active = [s for s in page.sections if "active" in s.get("class", "")]
    assert [s["data-measure"] for s in active] == ["recall"]
    assert page.texts["measure-name"] == "recall"
    assert page.texts["summary"].startswith("10 runs · 3 methods · 3 languages · 2 skipped")
    assert page.find("main", "recall", "model-transfer", "swa") == "60.0"
    assert page.find("main", "recall", "ngram-greedy/simalign", "yor") == "50.0"
    # the seed paper's published figure for Swahili model transfer (90.46) as a reference row
    assert page.find("main", "recall", "model-transfer", "swa", row_class="ref") == "90.5"
    best = [
        c
        for c in page.cells
        if c["table"].get("data-measure") == "recall" and "best" in c["attrs"].get("class", "").split()
    ]
    assert {(c["row"]["data-method"], c["attrs"]["data-lang"]) for c in best} == {
        ("ngram-greedy/simalign", "swa"),
        ("heuristic/simalign", "yor"),
        ("ngram-greedy/simalign", "sw"),
    }
    avg = [
        c["text"]
        for c in page.cells
        if c["table"].get("data-measure") == "recall"
        and c["row"].get("data-method") == "model-transfer"
        and c["row"].get("class", "") == ""
        and c["attrs"].get("data-group") == "MasakhaNER"
    ]
    assert avg == ["50.0"]
    # difference against the default baseline (model transfer), drawn by the page's script
    assert page.find("diff", "recall", "heuristic/simalign", "swa") == "+10.0"
    # per entity type: mean over languages, and per language (model transfer, PER, swa: 0.60 / 2)
    per = [
        c["text"]
        for c in page.cells
        if "types" in c["table"].get("class", "").split()
        and c["table"].get("data-measure") == "recall"
        and c["row"].get("data-method") == "model-transfer"
        and c["attrs"].get("data-type") == "PER"
    ]
    assert per == ["28.3"]  # (30 + 20 + 35) / 3
    per_lang = [
        c["text"]
        for c in page.cells
        if "types-lang" in c["table"].get("class", "").split()
        and c["row"].get("data-method") == "model-transfer"
        and c["row"].get("data-type") == "PER"
        and c["attrs"].get("data-lang") == "swa"
        and c["table"].get("data-measure") == "recall"
    ]
    assert per_lang == ["30.0"]
    skipped = page.texts["skipped"]
    assert "corrupt" in skipped and "truncated or not valid JSON" in skipped
    assert "unfinished" in skipped and "no metrics.json" in skipped
    assert "aligneval" in skipped and "no recall metric" in skipped


def test_measure_and_baseline_selected_from_the_address(report: Path, chromium: str, tmp_path: Path):
    url = report.as_uri() + "#measure=f1&baseline=heuristic/simalign"
    page = parse_dom(chromium_run(chromium, url, tmp_path / "profile", "--dump-dom"))
    active = [s["data-measure"] for s in page.sections if "active" in s.get("class", "")]
    assert active == ["f1"]
    assert page.texts["measure-name"] == "f1"
    # f1 of model transfer on swa: 2·0.8·0.6/1.4 = 68.57; heuristic: 2·0.8·0.7/1.5 = 74.67
    assert page.find("main", "f1", "model-transfer", "swa") == "68.6"
    assert page.find("diff", "f1", "model-transfer", "swa") == "-6.1"


def test_empty_dir_report_says_so(tmp_path: Path, chromium: str):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "r.html"
    assert main([str(tmp_path / "empty"), "-o", str(out), "--no-reference"]) == 0
    dom = chromium_run(chromium, out.as_uri(), tmp_path / "profile", "--dump-dom")
    page = parse_dom(dom)
    assert "No usable runs found" in page.texts["empty"]
    assert page.texts["summary"].startswith("0 runs")
    assert "no run directories" in dom


def test_screenshot_is_drawn(report: Path, chromium: str, tmp_path: Path):
    shot = tmp_path / "shot.png"
    chromium_run(chromium, report.as_uri(), tmp_path / "profile", f"--screenshot={shot}", "--window-size=1200,900")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    # a drawn page, not a blank one: a blank 1200x900 PNG compresses to a few KB
    assert len(data) > 30_000


def test_unknown_baseline_is_a_clear_error(sweep: Path, tmp_path: Path, capsys):
    assert main([str(sweep), "-o", str(tmp_path / "r.html"), "--baseline", "mt", "--no-reference"]) == 2
    err = capsys.readouterr().err
    assert "--baseline 'mt' is not a method" in err and "model-transfer" in err
    assert not (tmp_path / "r.html").exists()


def test_report_is_self_contained(report: Path):
    import re

    html = report.read_text()
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "<script src" not in html
