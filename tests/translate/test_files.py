"""Precomputed and parallel translators."""

from __future__ import annotations

import json

import pytest

from xner.data.types import Sentence, SentencePair
from xner.errors import ConfigError, DataFormatError, XnerError
from xner.translate.files import ParallelTranslator, PrecomputedTranslator

SRC = [["Guten", "Tag"], ["Danke"]]


def test_lines_file_by_position_with_placeholders(tmp_path):
    (tmp_path / "de-en.txt").write_text("Good day\nThank you !\n", encoding="utf-8")
    t = PrecomputedTranslator(str(tmp_path / "{src}-{tgt}.txt"))
    assert t.translate(SRC, "de", "en") == [["Good", "day"], ["Thank", "you", "!"]]
    t = PrecomputedTranslator(str(tmp_path / "{src}-{tgt}.txt"), tokenized=False)
    assert t.translate(SRC, "de", "en")[1] == ["Thank", "you", "!"]


def test_wrong_number_of_lines_names_file_and_counts(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("one\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"t\.txt: 1 translated sentences for 2 input sentences"):
        PrecomputedTranslator(str(path)).translate(SRC, "de", "en")
    path.write_text("a\nb\nc\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"3 translated sentences for 2 .*strict_count=false"):
        PrecomputedTranslator(str(path)).translate(SRC, "de", "en")
    assert PrecomputedTranslator(str(path), strict_count=False).translate(SRC, "de", "en") == [["a"], ["b"]]


def test_tsv_and_jsonl_by_id(tmp_path):
    tsv = tmp_path / "t.tsv"
    tsv.write_text("s2\tThanks\ns1\tGood day\n", encoding="utf-8")
    assert PrecomputedTranslator(str(tsv)).translate(SRC, "de", "en", ids=["s1", "s2"]) == [["Good", "day"], ["Thanks"]]
    jl = tmp_path / "t.jsonl"
    jl.write_text(json.dumps({"id": "s1", "words": ["Hi"]}) + "\n" + json.dumps({"id": "s2", "text": "Ta"}) + "\n")
    assert PrecomputedTranslator(str(jl)).translate(SRC, "de", "en", ids=["s1", "s2"]) == [["Hi"], ["Ta"]]
    with pytest.raises(DataFormatError, match=r"no translation for 1 of 3 sentence ids .*'s9'"):
        PrecomputedTranslator(str(jl)).translate([*SRC, ["x"]], "de", "en", ids=["s1", "s2", "s9"])
    (tmp_path / "bad.tsv").write_text("no tab here\n")
    with pytest.raises(DataFormatError, match=r"bad\.tsv:1: expected 'id<TAB>translation'"):
        PrecomputedTranslator(str(tmp_path / "bad.tsv")).translate(SRC[:1], "de", "en", ids=["a"])


def test_missing_file_and_bad_options(tmp_path):
    with pytest.raises(DataFormatError, match="not found"):
        PrecomputedTranslator(str(tmp_path / "nope.txt")).translate(SRC, "de", "en")
    with pytest.raises(ConfigError, match=r"translator\.format"):
        PrecomputedTranslator("x", format="xml")


def test_parallel_translator_both_directions():
    pairs = [SentencePair(Sentence(("Good", "day")), Sentence(("Guten", "Tag"))),
             SentencePair(Sentence(("Thanks",)), Sentence(("Danke",)))]
    t = ParallelTranslator()
    with pytest.raises(ConfigError, match="no parallel text"):
        t.translate(SRC, "de", "en")
    t.add_pairs(pairs)
    assert t.translate(SRC, "de", "en") == [["Good", "day"], ["Thanks"]]
    assert t.translate([["Thanks"], []], "en", "de") == [["Danke"], []]
    with pytest.raises(XnerError, match=r"1 of 2 sentences have no human translation.*'Tschüss'"):
        t.translate([["Danke"], ["Tschüss"]], "de", "en")


def test_parallel_translator_from_line_files(tmp_path):
    (tmp_path / "a.en").write_text("Good day\nThanks\n")
    (tmp_path / "a.de").write_text("Guten Tag\nDanke\n")
    t = ParallelTranslator(str(tmp_path / "a.en"), str(tmp_path / "a.de"), format="lines")
    assert t.translate([["Danke"]], "de", "en") == [["Thanks"]]
    (tmp_path / "b.de").write_text("Guten Tag\n")
    with pytest.raises(DataFormatError, match="differ in length"):
        ParallelTranslator(str(tmp_path / "a.en"), str(tmp_path / "b.de"), format="lines")


def test_tokenized_files_keep_unicode_space_tokens(tmp_path):
    (tmp_path / "u.en").write_text("Tokyo \u00a0 is\n", encoding="utf-8")
    (tmp_path / "u.ja").write_text("東京 \u3000 です\n", encoding="utf-8")
    t = ParallelTranslator(str(tmp_path / "u.en"), str(tmp_path / "u.ja"), format="lines")
    assert t.translate([["Tokyo", "\u00a0", "is"]], "en", "ja") == [["東京", "\u3000", "です"]]
    t = PrecomputedTranslator(str(tmp_path / "u.ja"), format="lines")
    assert t.translate([["Tokyo", "\u00a0", "is"]], "en", "ja") == [["東京", "\u3000", "です"]]


def test_parallel_translator_log_names_the_data_and_counts_pairs(tmp_path, conf_dir, caplog):
    from hydra import compose, initialize_config_dir

    from xner.pipeline.translation import open_translator

    (tmp_path / "en.conll").write_text("Good O\nday O\n\nThanks O\n\nThanks O\n")
    (tmp_path / "de.conll").write_text("Guten O\nTag O\n\nDanke O\n\nDanke O\n")
    with initialize_config_dir(str(conf_dir), version_base="1.3"):
        cfg = compose("config", overrides=[
            "translator=parallel", "data=parallel_conll", f"paths.data_dir={tmp_path}",
            f"data.source_file={tmp_path / 'en.conll'}", f"data.target_file={tmp_path / 'de.conll'}",
        ])
    with caplog.at_level("INFO", logger="xner.translate.files"), open_translator(cfg) as t:
        assert t.translate([["Danke"]], "de", "en") == [["Thanks"]]
    (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("parallel translator")]
    assert line.startswith(f"parallel translator: 3 sentence pairs from data=parallel_conll ({tmp_path / 'en.conll'}")
    assert "data=?" not in line and "4 distinct sentences" in line
