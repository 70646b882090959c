"""Config-level marker projection and back-translation refinement (for translate_train)."""

from __future__ import annotations

from hydra import compose, initialize_config_dir

from xner.cache import ArtifactCache
from xner.data.tags import check_tags
from xner.data.types import Sentence, SentencePair, Span
from xner.pipeline.context import RunContext
from xner.pipeline.markers import marker_train_set, refined_inputs
from xner.pipeline.stages import make_inputs, open_projector, project_batch
from xner.translate.marker_projection import locate_spans
from xner.translate.markers import MarkedResult

TINY = ["translator.model=tiny-nllb:0", "translator.max_length=16", "translator.beam_size=1",
        "translator.progress=false", "translator.device=cpu"]
BASE = ["~aligner", "+aligner._target_=tests.translate.helpers.DiagonalAligner", "logger=none"]

SOURCE = [
    Sentence(("Barack", "Obama", "visited", "Paris", "."), ("B-PER", "I-PER", "O", "B-LOC", "O"), "s1"),
    Sentence(("The", "Commission", "met", "."), ("O", "B-ORG", "O", "O"), "s2"),
    Sentence(("Nothing", "here", "."), ("O", "O", "O"), "s3"),
]


def ctx_for(conf_dir, tmp_path, overrides):
    translator = [] if any(o.startswith("~translator") for o in overrides) else TINY
    with initialize_config_dir(str(conf_dir), version_base="1.3"):
        cfg = compose("config", overrides=[f"paths.output_dir={tmp_path}", *BASE, *translator, *overrides])
    return RunContext(cfg, tmp_path, ArtifactCache(tmp_path / "cache"), None)


def test_marker_train_set_builds_labelled_translations(conf_dir, tmp_path):
    ctx = ctx_for(conf_dir, tmp_path, ["lang=de", "projection=marker"])
    out, metrics = marker_train_set(ctx, SOURCE, "en", "de")
    assert metrics["markers/entities"] == 3
    assert len(out) + metrics["markers/empty_translations"] == 3
    for s in out:
        check_tags(s.tags, s.id)
        assert "[" not in s.words and "]" not in s.words
    assert metrics["markers/read_back"] == sum(len(s.spans) for s in out)


def test_locate_spans_places_back_translated_entities_on_original_words():
    marked = MarkedResult(["Präsident", "Obama", "besuchte", "Paris"], [],
                          [Span(1, 2, "PER"), Span(3, 4, "LOC"), None])
    got = locate_spans(marked, ["Gestern", "besuchte", "Obama", "die", "Stadt", "Paris", "."])
    assert got.assignment == [Span(2, 3, "PER"), Span(5, 6, "LOC"), None]
    miss = locate_spans(marked, ["Nichts", "davon"])
    assert miss.spans == [] and miss.unprojected == {"not_found_in_target": 2}


COPY = ["~translator", "+translator._target_=tests.translate.helpers.CopyTranslator"]


def test_marker_paths_are_exact_with_a_translation_that_keeps_markers(conf_dir, tmp_path):
    ctx = ctx_for(conf_dir, tmp_path, ["lang=de", "projection=marker", *COPY])
    out, metrics = marker_train_set(ctx, SOURCE, "en", "de")
    assert [(s.words, s.tags) for s in out] == [(s.words, s.tags) for s in SOURCE]
    assert metrics["markers/read_back"] == 3 and metrics["markers/fuzzy_recovered"] == 0

    pairs = [SentencePair(s, Sentence(s.words, None, f"t{k}")) for k, s in enumerate(SOURCE)]
    for projection in ("heuristic", "matching"):
        ctx = ctx_for(conf_dir, tmp_path / projection, ["lang=de", f"projection={projection}",
                                                        "projection.backtranslation=true", *COPY])
        refined, metrics = refined_inputs(ctx, pairs, "en", "de")
        assert [list(r.src_spans) for r in refined] == [s.spans for s in SOURCE]
        with open_projector(ctx.cfg) as projector:
            batch = project_batch(projector, make_inputs(pairs, [frozenset()] * 3), refined=refined)
        assert batch.spans == [s.spans for s in SOURCE]


LOSING = ["~translator", "+translator._target_=tests.translate.helpers.LosingTranslator"]


def test_translate_train_counts_entities_lost_in_back_translation(conf_dir, tmp_path):
    # s1's LOC "Paris" does not come back from the back-translation (its markers are lost), so it
    # never reaches the projector: it must still be counted, and s1 is incomplete.
    from xner.pipeline.translate_train import project_sentences

    for projection in ("heuristic", "matching"):
        for keep, kept in (("all", 3), ("complete", 2)):
            ctx = ctx_for(conf_dir, tmp_path / projection / keep, [
                "lang=de", "task=translate_train", f"task.keep={keep}", f"projection={projection}",
                "projection.backtranslation=true", *LOSING])
            out, m, _records = project_sentences(ctx, SOURCE, "train")
            assert (m["projection/src_entities"], m["projection/projected_entities"]) == (3, 2), projection
            assert m["projection/unprojected_backtranslation_lost"] == 1
            assert m["projection/unprojected_entities"] == 1
            assert m["projection/train_incomplete_sentences"] == 1
            assert m["projection/train_kept_sentences"] == kept == len(out)
            by_id = {s.id.split(">")[0]: s for s in out}
            assert by_id["s2"].spans == [Span(1, 2, "ORG")]
            if keep == "all":  # s1 is kept with what did come back (PER), the lost LOC is O
                assert by_id["s1"].words == ("Barack", "Obama", "visited", ".")
                assert by_id["s1"].spans == [Span(0, 2, "PER")]
            else:
                assert "s1" not in by_id
