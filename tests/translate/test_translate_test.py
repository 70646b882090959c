"""`task=translate_test` end to end: offline with human translations, and on tiny NLLB models."""

from __future__ import annotations

import gzip
import json

import pytest
from hydra import compose, initialize_config_dir

from xner.data.conll import read_conll
from xner.pipeline import run
from xner.translate.codes import UnsupportedLanguageError

EUROPARL_DE = ["task=translate_test", "data=europarl_ner", "lang=de"]
GOLD_TAGGER = "tests.translate.helpers.GoldTagger"


def compose_cfg(conf_dir, tmp_path, overrides, cache_dir=None):
    cache_dir = cache_dir or tmp_path / "cache"
    base = [f"paths.output_dir={tmp_path / 'run'}", f"paths.cache_dir={cache_dir}", "logger=none",
            "print_metrics=false", "skip_finished=false"]
    with initialize_config_dir(str(conf_dir), version_base="1.3"):
        return compose("config", overrides=[*base, *overrides])


def gold_tagger(data_dir):
    path = data_dir / "europarl_ner" / "en-europarl.test.conll02"
    return ["~tagger", f"+tagger._target_={GOLD_TAGGER}", f"+tagger.path={path}"]


def diagonal_aligner():
    return ["~aligner", "+aligner._target_=tests.translate.helpers.DiagonalAligner"]


@pytest.mark.slow
def test_human_translation_gold_tags_offline_encoder(conf_dir, data_dir, tmp_path):
    # German test sentences → their human English translation (Europarl-NER) → gold English entities
    # → SimAlign (offline e5) → greedy matching back onto the German words: a good projection.
    cfg = compose_cfg(conf_dir, tmp_path, [
        *EUROPARL_DE, "data.limit=15", "translator=parallel", *gold_tagger(data_dir),
        "aligner.encoder=offline:multilingual-e5-small", "aligner.progress=false",
    ])
    metrics = run(cfg)
    assert metrics["test/sentences"] == 15
    assert metrics["test/f1"] > 0.7, metrics
    out = tmp_path / "run"
    rows = [json.loads(line) for line in (out / "translations.de-en.jsonl").read_text().splitlines()]
    english = read_conll(data_dir / "europarl_ner" / "en-europarl.test.conll02")[:15]
    assert [r["words"] for r in rows] == [list(s.words) for s in english]
    predicted = read_conll(out / "predictions.conll")
    german = read_conll(data_dir / "europarl_ner" / "de-europarl.test.conll02")[:15]
    assert [p.words for p in predicted] == [g.words for g in german]  # projected onto the ORIGINAL words
    assert metrics["projection/src_entities"] == metrics["tag/entities"] == sum(len(s.spans) for s in english)
    # projection records with verdicts against the German gold; exact spans are seqeval's true positives
    header, *records = map(json.loads, gzip.decompress((out / "projection.jsonl.gz").read_bytes()).splitlines())
    assert header["task"] == "translate_test" and len(records) == 15
    assert records[0]["src"] == list(english[0].words) and records[0]["tgt"] == list(german[0].words)
    spans = sum(metrics[f"projection/errors_{k}"] for k in ("exact", "boundary", "type", "spurious"))
    assert metrics["projection/errors_exact"] / spans == pytest.approx(metrics["test/precision"])
    assert metrics["projection/errors_missed"] == metrics["projection/unprojected_entities"]


TINY_NLLB = ["data.limit=6", "translator.model=tiny-nllb:0", "translator.max_length=16", "translator.beam_size=1",
             "translator.progress=false", "translator.device=cpu", "tagger=tiny"]


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("shared_cache")


@pytest.mark.parametrize("projection", [["projection.backtranslation=true"], ["projection=marker"],
                                        ["projection=heuristic", "projection.backtranslation=true"],
                                        ["projection.weights.translation=0.5"]])
def test_tiny_nllb_all_projection_paths(conf_dir, data_dir, tmp_path, projection, shared_cache):
    overrides = [*EUROPARL_DE, *TINY_NLLB, *diagonal_aligner(), *projection]
    metrics = run(compose_cfg(conf_dir, tmp_path, overrides, shared_cache))
    assert metrics["test/sentences"] == 6 and "test/f1" in metrics
    assert metrics["translate/translated"] + metrics["translate/cached"] > 0
    # every tagged English entity is accounted for: projected or counted under a reason
    assert metrics["projection/src_entities"] == metrics["tag/entities"]
    assert metrics["projection/projected_entities"] + metrics["projection/unprojected_entities"] == \
        metrics["projection/src_entities"]
    if "projection=marker" in projection:
        assert metrics["markers/entities"] == metrics["tag/entities"]
    if "projection.backtranslation=true" in projection:
        assert metrics["backtranslation/entities"] == metrics["tag/entities"]
    if "projection=marker" in projection:
        rows = (tmp_path / "run" / "marked.en-de.jsonl").read_text().splitlines()
        assert len(rows) == 6 and set(json.loads(rows[0])) >= {"marked", "output", "words", "spans"}
    if "projection.backtranslation=true" in projection:
        assert len((tmp_path / "run" / "backtranslation.en-de.jsonl").read_text().splitlines()) == 6
    records = gzip.decompress((tmp_path / "run" / "projection.jsonl.gz").read_bytes()).splitlines()
    assert len(records) == 1 + 6 and "projection/errors_exact" in metrics  # every path writes its records
    if projection == ["projection=marker"]:  # a rerun translates nothing and gives the same result
        again = run(compose_cfg(conf_dir, tmp_path / "again", overrides, shared_cache))
        assert again["translate/translated"] == 0 and again["translate/cached"] > 0
        assert again["test/f1"] == metrics["test/f1"]


def test_unsupported_language_is_a_config_error(conf_dir, data_dir, tmp_path):
    cfg = compose_cfg(conf_dir, tmp_path, ["task=translate_test", "lang=pcm", "data.limit=2",
                                           "translator.model=tiny-nllb:0", "tagger=tiny", *diagonal_aligner()])
    with pytest.raises(UnsupportedLanguageError, match="lang=pcm"):
        run(cfg)


def test_translations_artifact_is_reusable_as_precomputed(conf_dir, data_dir, tmp_path):
    first = run(compose_cfg(conf_dir, tmp_path / "a", [
        *EUROPARL_DE, "data.limit=8", "translator=parallel", *gold_tagger(data_dir), *diagonal_aligner(),
    ]))
    artifact = tmp_path / "a" / "run" / "translations.de-en.jsonl"
    second = run(compose_cfg(conf_dir, tmp_path / "b", [
        *EUROPARL_DE, "data.limit=8", "translator=precomputed", f"translator.path={artifact}",
        *gold_tagger(data_dir), *diagonal_aligner(),
    ]))
    assert first["test/f1"] == second["test/f1"] and first["tag/entities"] == second["tag/entities"] > 0
    assert (tmp_path / "b" / "run" / "translations.de-en.jsonl").read_bytes() == artifact.read_bytes()
