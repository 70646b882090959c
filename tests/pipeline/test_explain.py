"""`xner.pipeline.explain`: the streamed file equals the records encoded at once; switches and failures."""

from __future__ import annotations

import gzip
import json
import logging

from omegaconf import OmegaConf

from xner.data.types import Span
from xner.evaluate.explain import error_metrics
from xner.pipeline import explain
from xner.project import GreedyMatcher, HeuristicProjector, MatchingProjector, NgramCandidates, ProjectionInput

INPUTS = [
    ProjectionInput((Span(0, 1, "PER"),), 2, ("John", "schläft"), frozenset({(0, 0)}), "t:1", ("John", "sleeps")),
    ProjectionInput((Span(0, 2, "ORG"),), 2, ("die", "UNO"), frozenset(), "t:4", ("the", "UN")),
    ProjectionInput((Span(1, 2, "LOC"),), 3, ("in", "Berlin", "."), frozenset({(1, 0), (1, 1)}), "t:6"),
]
GOLD = [[Span(0, 1, "PER")], [Span(1, 2, "ORG")], [Span(1, 2, "LOC")]]


def cfg(explain_on: bool = True, projection: str = "xner.project.MatchingProjector"):
    return OmegaConf.create(
        {
            "task": {"name": "projection_eval", "explain": explain_on},
            "lang": {"code": "de"},
            "projection": {"_target_": projection},
            "matcher": {"_target_": "xner.project.GreedyMatcher"},
        }
    )


def test_streamed_build_equals_encoding_all_records(tmp_path):
    projections = MatchingProjector(NgramCandidates(), GreedyMatcher()).project(INPUTS)
    blob, metrics = explain.build(cfg(), INPUTS, projections, GOLD, ids=["a", "b", "c"])
    records = explain.explain_batch(INPUTS, projections, GOLD, ids=["a", "b", "c"])
    header = explain.header_of(cfg())
    assert header == {
        "task": "projection_eval",
        "lang": "de",
        "projection": "MatchingProjector",
        "matcher": "GreedyMatcher",
    }
    assert blob == explain.encode_records(records, header)
    assert {k: v for k, v in metrics.items() if "errors_" in k} == error_metrics(records)
    # John exact; the ORG unaligned → missed, gold "UNO" unmatched; LOC → "in Berlin": boundary
    assert metrics["projection/errors_exact"] == 1 and metrics["projection/errors_missed"] == 1
    assert metrics["projection/errors_boundary"] == 1 and metrics["projection/errors_gold_unmatched"] == 1
    assert metrics["explain/bytes"] == len(blob)
    lines = gzip.decompress(blob).decode().splitlines()
    assert json.loads(lines[3])["src"] == ["#0", "#1", "#2"]  # no source words given: placeholders
    path = explain.write(tmp_path, blob)
    assert path.name == "projection.jsonl.gz" and path.read_bytes() == blob


def test_switched_off_or_inconsistent_input_writes_nothing(caplog):
    projections = HeuristicProjector().project(INPUTS)
    assert explain.build(cfg(False), INPUTS, projections, GOLD) is None
    assert "matcher" not in explain.header_of(cfg(projection="xner.project.HeuristicProjector"))
    projections[0].assignment.append(None)  # one assignment too many: a projector bug, logged, not fatal
    with caplog.at_level(logging.WARNING):
        assert explain.build(cfg(), INPUTS, projections, GOLD) is None
    assert "projection records not written: 2 assignments for 1 source entities" in caplog.text
