"""Command line of the dashboard: collect runs, build the tables, write the HTML report atomically."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from xner.cache import atomic_write_text
from xner.dashboard.collect import collect_runs
from xner.dashboard.reference import load_reference
from xner.dashboard.report import render_report
from xner.dashboard.table import MEASURES, build_table
from xner.errors import XnerError

log = logging.getLogger(__name__)


def default_data_dir() -> str | None:
    """``$XNER_DATA``, else the development collection next to the repository when present."""
    if os.environ.get("XNER_DATA"):
        return os.environ["XNER_DATA"]
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    return str(shared) if shared.is_dir() else None


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m xner.dashboard",
        description="Compare recall (precision, F1) across the runs of one or more xner sweeps in a "
        "self-contained HTML report.",
        epilog="python -m xner.dashboard explore RUN_DIR [--compare RUN_DIR2]: the projection explorer of one run "
        "(see `python -m xner.dashboard explore --help`).",
    )
    p.add_argument("dirs", nargs="+", help="sweep dirs (multirun/...), run dirs, or folders holding them")
    p.add_argument("-o", "--output", default="report.html", help="HTML file to write (default: report.html)")
    p.add_argument(
        "--metric",
        default="recall",
        help="measure shown first: recall, precision or f1 (all three are in the page), or a "
        "full metric key such as projection/recall (default: recall)",
    )
    p.add_argument(
        "--baseline",
        default=None,
        help="method label to compare against, e.g. model-transfer (the default when present)",
    )
    p.add_argument(
        "--data-dir",
        default=default_data_dir(),
        help="data directory holding reference_results/ (default: $XNER_DATA, else ../shared/data next to "
        "the repository)",
    )
    p.add_argument("--no-reference", action="store_true", help="leave out the seed paper's figures")
    p.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="KEY",
        help="a config key whose value also tells methods apart, e.g. --by translator.model (repeatable); "
        "without it, runs that differ only there count as the same method and the newest is kept",
    )
    p.add_argument(
        "--explore",
        action="store_true",
        help="also write explore.html (the projection explorer) into every run dir holding projection.jsonl.gz "
        "and link them from the report",
    )
    return p.parse_args(argv)


def write_explorers(runs: Sequence, report: Path) -> list[tuple[str, str, str, dict[str, float]]]:
    """``explore.html`` in each run dir with projection records; (label, language, link, metrics) each."""
    from xner.dashboard.explore import FILENAME
    from xner.dashboard.explore import build as build_explorer

    links = []
    for run in sorted(runs, key=lambda r: (r.method.label, r.column)):
        if not (Path(run.path) / FILENAME).is_file():
            continue
        html, _ = build_explorer(run.path)
        page = Path(run.path) / "explore.html"
        atomic_write_text(page, html)
        href = Path(os.path.relpath(page.resolve(), report.resolve().parent)).as_posix()
        links.append((run.method.label, run.column, href, run.metrics))
    return links


def build(args: argparse.Namespace) -> tuple[str, int, int]:
    """The report's HTML, the number of runs used and the number skipped."""
    collection = collect_runs(args.dirs, by=args.by)
    reference, ref_note = (
        ({}, "seed reference figures left out (--no-reference)") if args.no_reference else load_reference(args.data_dir)
    )
    measures = list(MEASURES) if args.metric in MEASURES else [args.metric]
    tables = {m: build_table(collection.runs, m, None, reference) for m in measures}
    labels = sorted({meth.label for t in tables.values() for meth in t.methods})
    if args.baseline is not None:
        if args.baseline not in labels:
            raise XnerError(
                f"--baseline {args.baseline!r} is not a method of these runs; valid: {', '.join(labels) or '(none)'}"
            )
        tables = {m: build_table(collection.runs, m, args.baseline, reference) for m in measures}
    explorers = write_explorers(collection.runs, Path(args.output)) if args.explore else []
    html = render_report(
        collection,
        tables,
        initial=args.metric if args.metric in tables else measures[0],
        notes=[ref_note],
        explorers=explorers,
    )
    return html, len(collection.runs), len(collection.skipped)


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["explore"]:  # the projection explorer (`xner.dashboard.explore`)
        from xner.dashboard.explore import main as explore_main

        return explore_main(argv[1:])
    args = parse_args(argv)
    try:
        html, used, skipped = build(args)
        out = Path(args.output)
        atomic_write_text(out, html)
    except XnerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {out} ({used} runs, {skipped} skipped)")
    return 0
