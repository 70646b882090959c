"""Stage helpers (cached alignment, counted projection) and task=projection_eval, in process."""

from __future__ import annotations

import contextlib
import gzip
import json
import logging

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from xner.cache import ArtifactCache
from xner.data.conll import read_conll
from xner.data.types import Sentence, SentencePair, Span
from xner.errors import ConfigError, DataFormatError
from xner.pipeline import projection_eval, stages
from xner.pipeline.context import RunContext
from xner.project import GreedyMatcher, HeuristicProjector, MatchingProjector, NgramCandidates, ProjectionInput


class SameWordAligner:
    """Links source and target words that are equal ignoring case."""

    def __init__(self):
        self.aligned = 0

    def cache_config(self):
        return {"aligner": "same-word"}

    def align(self, src, tgt):
        self.aligned += len(src)
        return [
            frozenset((i, j) for i, a in enumerate(s) for j, b in enumerate(t) if a.lower() == b.lower())
            for s, t in zip(src, tgt, strict=True)
        ]


def ctx_for(tmp_path, cfg=None):
    return RunContext(OmegaConf.create(cfg or {}), tmp_path / "run", ArtifactCache(tmp_path / "cache"), None)


def test_align_pairs_caches_per_pair(tmp_path):
    ctx = ctx_for(tmp_path)
    aligner = SameWordAligner()
    src = [("a", "b"), ("c",), ("a", "b"), ()]
    tgt = [("b", "a"), ("c", "d"), ("b", "a"), ("x",)]
    links = stages.align_pairs(ctx, aligner, src, tgt)
    assert links == [frozenset({(0, 1), (1, 0)}), frozenset({(0, 0)}), frozenset({(0, 1), (1, 0)}), frozenset()]
    assert aligner.aligned == 2  # the repeated pair and the empty sentence are not aligned
    again = SameWordAligner()
    assert stages.align_pairs(ctx, again, [*src[:2], ("d",)], [*tgt[:2], ("d",)])[:2] == links[:2]
    assert again.aligned == 1  # only the new pair


def test_project_batch_counts_and_errors(tmp_path, caplog):
    good = ProjectionInput((Span(0, 1, "PER"), Span(2, 3, "LOC")), 3, ("a", "b", "c"), frozenset({(0, 0)}), "f:1")
    empty = ProjectionInput((Span(0, 1, "PER"),), 1, ("a",), frozenset(), "f:5")
    with caplog.at_level(logging.WARNING):
        batch = stages.project_batch(HeuristicProjector(), [good, empty])
    assert batch.spans == [[Span(0, 1, "PER")], []]
    m = batch.stats.as_metrics()
    assert m["projection/src_entities"] == 3 and m["projection/unprojected_entities"] == 2
    assert m["projection/unprojected_unaligned"] == 2 and m["projection/sentences_empty_alignment"] == 1
    assert "2 of 3 source entities not projected" in caplog.text

    outside = ProjectionInput((Span(0, 4, "PER"),), 3, ("a",), frozenset(), "f:9")
    with pytest.raises(DataFormatError, match=r"f:9: source entity PER \[0, 4\) lies outside"):
        stages.project_batch(HeuristicProjector(), [outside])
    bad_link = ProjectionInput((), 2, ("a",), frozenset({(0, 3)}), "f:12")
    with pytest.raises(DataFormatError, match=r"f:12: alignment link \(0, 3\)"):
        stages.project_batch(HeuristicProjector(), [bad_link])


def test_overlapping_source_entities_are_counted(tmp_path):
    x = ProjectionInput((Span(0, 2, "ORG"), Span(1, 2, "LOC")), 2, ("a", "b"), frozenset({(0, 0), (1, 1)}))
    batch = stages.project_batch(MatchingProjector(NgramCandidates(), GreedyMatcher()), [x])
    assert batch.stats.overlapping_src_entities == 1
    assert (
        sum(a is not None for a in batch.projections[0].assignment) + sum(batch.projections[0].unprojected.values())
        == 2
    )


def test_backtranslation_seam():
    x = ProjectionInput((Span(0, 1, "PER"),), 1, ("a", "b"), frozenset({(0, 1)}))
    with pytest.raises(ConfigError, match=r"projection\.backtranslation"):
        stages.project_batch(HeuristicProjector(backtranslation=True), [x])
    # refined input: the labelled back-translation "A" aligned to target word 0
    refined = ProjectionInput((Span(0, 1, "PER"),), 1, ("a", "b"), frozenset({(0, 0)}))
    batch = stages.project_batch(HeuristicProjector(backtranslation=True), [x], refined=[refined])
    assert batch.spans == [[Span(0, 1, "PER")]]


def test_make_inputs():
    pair = SentencePair(
        Sentence(("John", "lives"), ("B-PER", "O")), Sentence(("John", "wohnt"), ("B-PER", "O"), origin="t:3")
    )
    (x,) = stages.make_inputs([pair], [frozenset({(0, 0)})])
    assert x.src_spans == (Span(0, 1, "PER"),) and x.where == "t:3" and x.src_len == 2


def compose_cfg(conf_dir, tmp_path, overrides):
    with initialize_config_dir(str(conf_dir), version_base="1.3"):
        cfg = compose("config", overrides=overrides)
    OmegaConf.set_struct(cfg, False)
    cfg.paths.output_dir = str(tmp_path / "run")
    cfg.paths.cache_dir = str(tmp_path / "cache")
    return cfg


def parallel_conll_cfg(conf_dir, tmp_path, *overrides):
    """task=projection_eval on tmp_path's src.conll / tgt.conll, no logger."""
    return compose_cfg(conf_dir, tmp_path, [
        "task=projection_eval", "data=parallel_conll", f"data.source_file={tmp_path / 'src.conll'}",
        f"data.target_file={tmp_path / 'tgt.conll'}", "logger=none", *overrides,
    ])


SRC = "John\tB-PER\nlives\tO\nin\tO\nBerlin\tB-LOC\n.\tO\n\nHello\tO\n!\tO\n\nthe\tO\nUN\tB-ORG\n"
TGT = "John\tB-PER\nwohnt\tO\nin\tO\nBerlin\tB-LOC\n.\tO\n\nHallo\tO\n!\tO\n\ndie\tO\nUNO\tB-ORG\n"


@pytest.mark.parametrize(
    "overrides",
    [["projection=heuristic"], ["projection=matching", "matcher=greedy"], ["projection=matching", "matcher=ilp"]],
)
def test_projection_eval_task(conf_dir, tmp_path, monkeypatch, overrides):
    (tmp_path / "src.conll").write_text(SRC)
    (tmp_path / "tgt.conll").write_text(TGT)
    cfg = parallel_conll_cfg(conf_dir, tmp_path, *overrides)
    aligner = SameWordAligner()
    monkeypatch.setattr(stages, "open_aligner", lambda cfg: contextlib.nullcontext(aligner))
    ctx = RunContext(cfg, tmp_path / "run", ArtifactCache(tmp_path / "cache"), None)
    metrics = projection_eval.run(ctx)
    # PER and LOC found; ORG "UN" ↔ "UNO" has no link
    assert metrics["projection/precision"] == 1.0
    assert metrics["projection/recall"] == pytest.approx(2 / 3)
    assert metrics["projection/ratio"] == pytest.approx(2 / 3)
    assert metrics["projection/unprojected_unaligned"] == 1.0
    assert ("matching/objective" in metrics) == ("projection=matching" in overrides)
    written = read_conll(tmp_path / "run" / "projected.conll")
    assert [s.tags for s in written] == [("B-PER", "O", "O", "B-LOC", "O"), ("O", "O"), ("O", "O")]
    # the per-sentence records: PER, LOC exact; ORG missed (unaligned), its gold "UNO" unmatched
    assert metrics["projection/errors_exact"] == 2.0
    assert metrics["projection/errors_missed"] == 1.0 and metrics["projection/errors_gold_unmatched"] == 1.0
    assert metrics["projection/errors_boundary"] == metrics["projection/errors_spurious"] == 0.0
    lines = gzip.decompress((tmp_path / "run" / "projection.jsonl.gz").read_bytes()).decode().splitlines()
    header, *records = map(json.loads, lines)
    assert header["format"] == "xner.projection/1" and header["task"] == "projection_eval"
    assert ("matcher" in header) == ("projection=matching" in overrides)  # heuristic: no matcher named
    assert [r["src"] for r in records][2] == ["the", "UN"] and records[2]["tgt"] == ["die", "UNO"]
    org = records[2]["entities"][0]
    assert (org["src"], org["verdict"], org["reason"], org["tgt"]) == ([1, 2, "ORG"], "missed", "unaligned", None)
    assert records[0]["links"] == [[0, 0], [2, 2], [3, 3], [4, 4]]
    assert records[0]["entities"][1]["verdict"] == "exact"
    # a second run reuses the cached alignment
    projection_eval.run(ctx)
    assert aligner.aligned == 3


def test_projection_records_can_be_switched_off(conf_dir, tmp_path, monkeypatch):
    (tmp_path / "src.conll").write_text(SRC)
    (tmp_path / "tgt.conll").write_text(TGT)
    cfg = parallel_conll_cfg(conf_dir, tmp_path, "projection=heuristic", "task.explain=false")
    monkeypatch.setattr(stages, "open_aligner", lambda cfg: contextlib.nullcontext(SameWordAligner()))
    metrics = projection_eval.run(RunContext(cfg, tmp_path / "run", ArtifactCache(tmp_path / "cache"), None))
    assert not (tmp_path / "run" / "projection.jsonl.gz").exists()
    assert not [k for k in metrics if "errors_" in k or k.startswith("explain/")]
    assert (tmp_path / "run" / "projected.conll").exists()


def test_projection_eval_with_ner_candidates_from_the_tagger_config(conf_dir, tmp_path, monkeypatch):
    """candidates=ner builds `tagger=tiny` (a random tiny model: predicts noise) and closes it."""
    (tmp_path / "src.conll").write_text(SRC)
    (tmp_path / "tgt.conll").write_text(TGT)
    cfg = parallel_conll_cfg(conf_dir, tmp_path, "projection=matching", "candidates=ner", "tagger=tiny", "matcher=ilp")
    monkeypatch.setattr(stages, "open_aligner", lambda cfg: contextlib.nullcontext(SameWordAligner()))
    metrics = projection_eval.run(RunContext(cfg, tmp_path / "run", ArtifactCache(tmp_path / "cache"), None))
    total = metrics["projection/projected_entities"] + metrics["projection/unprojected_entities"]
    assert total == metrics["projection/src_entities"] == 3.0
    assert (tmp_path / "run" / "projected.conll").exists()


def test_projection_eval_rejects_files_of_different_lengths(conf_dir, tmp_path):
    (tmp_path / "src.conll").write_text(SRC)
    (tmp_path / "tgt.conll").write_text(TGT.rsplit("\n\n", 1)[0] + "\n")
    cfg = parallel_conll_cfg(conf_dir, tmp_path)
    ctx = RunContext(cfg, tmp_path / "run", ArtifactCache(tmp_path / "cache"), None)
    with pytest.raises(DataFormatError, match=r"3 sentences.*2"):
        projection_eval.run(ctx)
    assert not (tmp_path / "run" / "projected.conll").exists()


def test_projection_eval_rejects_backtranslation_before_aligning(conf_dir, tmp_path, monkeypatch):
    (tmp_path / "src.conll").write_text(SRC)
    (tmp_path / "tgt.conll").write_text(TGT)
    cfg = parallel_conll_cfg(conf_dir, tmp_path, "projection.backtranslation=true")
    aligner = SameWordAligner()
    monkeypatch.setattr(stages, "open_aligner", lambda cfg: contextlib.nullcontext(aligner))
    with pytest.raises(ConfigError, match=r"projection\.backtranslation"):
        projection_eval.run(RunContext(cfg, tmp_path / "run", ArtifactCache(tmp_path / "cache"), None))
    assert aligner.aligned == 0


class CorpusAligner(SameWordAligner):
    """Like eflomal: learns from the corpus it aligns, so it must see all pairs in one call."""

    corpus_level = True

    def __init__(self):
        super().__init__()
        self.calls: list[int] = []

    def align(self, src, tgt):
        self.calls.append(len(src))
        return super().align(src, tgt)


def test_corpus_level_aligner_gets_one_call_and_a_corpus_specific_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(stages, "ALIGN_CHUNK", 2)
    ctx = ctx_for(tmp_path)
    src = [(f"w{i}", "x") for i in range(5)]
    tgt = [("x", f"w{i}") for i in range(5)]
    aligner = CorpusAligner()
    stages.align_pairs(ctx, aligner, src, tgt)
    assert aligner.calls == [5]  # not chunked
    again = CorpusAligner()
    stages.align_pairs(ctx, again, src, tgt)
    assert again.calls == []  # same corpus: cached
    other = CorpusAligner()
    stages.align_pairs(ctx, other, src[:3], tgt[:3])
    assert other.calls == [3]  # a different corpus is realigned, not served from the first one's cache
    chunked = CorpusAligner()
    chunked.corpus_level = False  # an encoder aligner: chunked calls, cached per pair
    stages.align_pairs(ctx_for(tmp_path / "b"), chunked, src, tgt)
    assert chunked.calls == [2, 2, 1]


def test_projection_eval_scores_only_the_selected_part(conf_dir, tmp_path, monkeypatch):
    """data.select=test keeps the second half (sentences 3–3 of 3): only "the UN" ↔ "die UNO"."""
    (tmp_path / "src.conll").write_text(SRC)
    (tmp_path / "tgt.conll").write_text(TGT)
    cfg = parallel_conll_cfg(conf_dir, tmp_path, "projection=heuristic", "data.select=test")
    monkeypatch.setattr(stages, "open_aligner", lambda cfg: contextlib.nullcontext(SameWordAligner()))
    metrics = projection_eval.run(RunContext(cfg, tmp_path / "run", ArtifactCache(tmp_path / "cache"), None))
    assert metrics["projection/src_entities"] == 1.0 and metrics["projection/recall"] == 0.0
    written = read_conll(tmp_path / "run" / "projected.conll")
    assert [s.words for s in written] == [("die", "UNO")]


@pytest.mark.parametrize(("keep_x", "expected"), [(True, (0.0, 1.0)), (False, (1.0, 0.0))])
def test_project_batch_reports_solver_fallbacks_and_time_limits(monkeypatch, keep_x, expected):
    import xner.project.matching as matching

    real = matching.milp

    def time_limited(*args, **kwargs):  # HiGHS stopped at its time limit, with or without a solution
        res = real(*args, **kwargs)
        res.status = 1
        if not keep_x:
            res.x = None
        return res

    # "A B C" → "X Y Z": PER [0,2) and LOC [1,3) both want target words 1–2, so the solver is needed
    links = frozenset({(0, 0), (1, 1), (2, 2), (1, 2)})
    inp = ProjectionInput((Span(0, 2, "PER"), Span(2, 3, "LOC")), 3, ("X", "Y", "Z"), links)
    projector = MatchingProjector(NgramCandidates(), matching.IlpMatcher())
    clean = stages.project_batch(projector, [inp]).stats.as_metrics()
    assert (clean["matching/solver_fallbacks"], clean["matching/time_limited"]) == (0.0, 0.0)
    monkeypatch.setattr(matching, "milp", time_limited)
    got = stages.project_batch(projector, [inp]).stats.as_metrics()
    assert (got["matching/solver_fallbacks"], got["matching/time_limited"]) == expected
    greedy = stages.project_batch(MatchingProjector(NgramCandidates(), GreedyMatcher()), [inp])
    assert not any(k.startswith("matching/") for k in greedy.stats.as_metrics())
