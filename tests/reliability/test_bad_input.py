"""The bad-input corpus: one table of malformed inputs across every reader and config.

Each case builds its input in a fresh temporary directory (nothing is copied from the real data)
and feeds it to the component that a run would use. The expectation is either

- ``error``: an `XnerError` whose message contains the given text verbatim — the ``file:line`` or
  the config key, and what was expected (``{tmp}`` stands for the case's directory); or
- ``repair``: the documented repair happened (checked on the result) and was logged with the
  given text (checked in the captured log).

Nothing may pass silently: a case that neither raises nor logs fails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from xner.errors import XnerError

# ----------------------------------------------------------------------------------------- helpers


def put(tmp: Path, content: str | bytes, name: str = "f.txt") -> Path:
    path = tmp / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def read(tmp: Path, content: str | bytes, **kwargs: Any):
    from xner.data.conll import read_conll

    return read_conll(put(tmp, content), **kwargs)


def words_tags(sentences) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(s.words, s.tags) for s in sentences]


def compose(*overrides: str):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    conf = Path(__file__).resolve().parents[2] / "conf"
    with initialize_config_dir(str(conf), version_base="1.3"):
        return hydra_compose("config", overrides=list(overrides))


def conf_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "conf"


def projector_from(cfg):
    from xner.pipeline.stages import open_projector

    with open_projector(cfg) as projector:
        return projector


def parallel_files(tmp: Path, src: str, tgt: str) -> tuple[Path, Path]:
    return put(tmp, src, "src.conll"), put(tmp, tgt, "tgt.conll")


def gold_set(tmp: Path, src: str, tgt: str, gold: str, **kwargs: Any):
    from xner.data.alignment_gold import AlignmentGold

    files = {k: str(put(tmp, v, f"g.{k}")) for k, v in (("src", src), ("tgt", tgt), ("gold", gold))}
    return AlignmentGold(src_file=files["src"], tgt_file=files["tgt"], gold_file=files["gold"], **kwargs).load()


def translate_precomputed(tmp: Path, content: str | bytes, name: str, sentences, ids=None, **kwargs: Any):
    from xner.translate.files import PrecomputedTranslator

    path = put(tmp, content, name)
    return PrecomputedTranslator(path=str(path), **kwargs).translate(sentences, "de", "en", ids=ids)


def long_sentence(n_words: int) -> list[str]:
    # Each word is several subwords for any tokenizer: > 512 subwords in all.
    return [f"Xq{i}zv{i * 7}" for i in range(n_words)]


# ------------------------------------------------------------------------------------------ cases


@dataclass(frozen=True)
class Case:
    name: str
    run: Callable[[Path], Any]
    kind: str  # "error" | "repair"
    expect: str  # verbatim text in the error message / the log; {tmp} = the case directory
    check: Callable[[Any], bool] | None = None  # for repairs: the repaired result


def _pairs(tmp: Path, src: str, tgt: str, **kwargs: Any):
    from xner.data.loaders import ParallelConll

    s, t = parallel_files(tmp, src, tgt)
    return ParallelConll(source_file=str(s), target_file=str(t), data_dir=str(tmp), **kwargs).pairs()


def _validate_input(**kwargs: Any):
    from xner.data.types import Span
    from xner.project.base import ProjectionInput, validate_input

    base = dict(src_spans=(Span(0, 1, "PER"),), src_len=2, tgt_words=("a", "b", "c"), links=frozenset({(0, 0)}),
                where="t.conll:7")
    validate_input(ProjectionInput(**{**base, **kwargs}))


def _tagger_tags(words_list):
    from xner.ner.tagger import SourceTagger

    with SourceTagger("tiny:0", device="cpu", max_length=128) as tagger:
        return tagger.predict_tags(words_list), dict(tagger.stats)


def _encode_long(tmp: Path):
    from xner.data.types import Sentence
    from xner.ner.data import encode_sentences
    from xner.ner.models import build_tiny_tokenizer

    words = long_sentence(300)
    tags = ["B-PER", *["O"] * (len(words) - 1)]
    tok = build_tiny_tokenizer()
    enc = encode_sentences(tok, [Sentence(tuple(words), tuple(tags), id="s0")], {"O": 0, "B-PER": 1, "I-PER": 2}, 128)
    return enc


def _resolve(name: str):
    from xner.hub import hub_reachable, resolve_model

    hub_reachable.cache_clear()
    return resolve_model(name)


CASES: list[Case] = [
    # --- CoNLL reader: columns and separators ----------------------------------------------------
    Case("wrong_column_count", lambda t: read(t, "a B-PER\nb X O\n"), "error",
         "{tmp}/f.txt:2: expected 2 columns (as on line 1), found 3"),
    Case("single_column", lambda t: read(t, "a O\n\ntoken\n"), "error",
         "{tmp}/f.txt:3: expected a token and a tag separated by a tab or spaces"),
    Case("tab_then_space_more_columns", lambda t: read(t, "New York\tB-LOC\nx y O\n"), "error",
         "{tmp}/f.txt:2: expected 2 columns (as on line 1), found 3"),
    Case("trailing_tab_empty_tag", lambda t: read(t, "a\tO\nb\tO\t\n"), "error",
         "{tmp}/f.txt:2: expected 2 columns (as on line 1), found 3"),
    Case("tab_token_keeps_its_spaces_and_nbsp", lambda t: read(t, "New York\tB-LOC\n10\u00a0000\tO\n"), "repair",
         "", lambda r: words_tags(r) == [(("New York", "10\u00a0000"), ("B-LOC", "O"))]),
    Case("nbsp_inside_space_separated_token", lambda t: read(t, "10\u00a0000 O\nEuro B-MISC\n"), "repair",
         "", lambda r: words_tags(r) == [(("10\u00a0000", "Euro"), ("O", "B-MISC"))]),
    Case("line_separator_inside_token", lambda t: read(t, "a\u2028b O\nc O\n"), "repair",
         "", lambda r: r[0].words == ("a\u2028b", "c")),
    # --- tags ------------------------------------------------------------------------------------------
    Case("unknown_tag", lambda t: read(t, "a O\nb PERSON\n"), "error",
         "{tmp}/f.txt:2: invalid tag 'PERSON'; expected O, B-<TYPE> or I-<TYPE>"),
    Case("lowercase_tag", lambda t: read(t, "a b-per\n"), "error", "{tmp}/f.txt:1: invalid tag 'b-per'"),
    Case("prefix_without_type", lambda t: read(t, "a O\nb B-\n"), "error", "{tmp}/f.txt:2: invalid tag 'B-'"),
    Case("unknown_entity_type_for_dataset", lambda t: read(t, "a O\nb B-DATE\n", labels=["PER", "ORG", "LOC"]),
         "error", "{tmp}/f.txt:2: unknown entity type 'DATE'; expected one of ['LOC', 'ORG', 'PER']"),
    Case("I_starts_entity_repaired", lambda t: read(t, "a O\nb I-ORG\nc I-ORG\n"), "repair",
         "repaired 1 I- tag(s) that started an entity to B- (first at {tmp}/f.txt:2)",
         lambda r: r[0].tags == ("O", "B-ORG", "I-ORG")),
    Case("I_after_other_type_repaired", lambda t: read(t, "a B-PER\nb I-LOC\n"), "repair",
         "(first at {tmp}/f.txt:2)", lambda r: r[0].tags == ("B-PER", "B-LOC")),
    Case("I_start_strict", lambda t: read(t, "a O\nb I-ORG\n", strict=True), "error",
         "{tmp}/f.txt:2: 'I-ORG' does not continue an entity (previous tag 'O')"),
    # --- tokens and sentences ------------------------------------------------------------------------------
    Case("empty_token_space", lambda t: read(t, "a O\n O\nb B-PER\n"), "repair",
         "dropped 1 empty token(s) (first at {tmp}/f.txt:2)",
         lambda r: words_tags(r) == [(("a", "b"), ("O", "B-PER"))]),
    Case("empty_token_tab", lambda t: read(t, "a\tO\n\tO\nb\tO\n"), "repair",
         "dropped 1 empty token(s) (first at {tmp}/f.txt:2)", lambda r: r[0].words == ("a", "b")),
    Case("empty_token_after_panx_prefix", lambda t: read(t, "de:a\tO\nde:\tO\n", strip_lang_prefix=True), "repair",
         "dropped 1 empty token(s) (first at {tmp}/f.txt:2)", lambda r: r[0].words == ("a",)),
    Case("empty_token_strict", lambda t: read(t, "a O\n O\n", strict=True), "error",
         "{tmp}/f.txt:2: empty token (tag 'O')"),
    Case("empty_sentences_between_blank_lines", lambda t: read(t, "\n\n\na O\n\n\n\n\nb O\n\n"), "repair", "",
         lambda r: [s.origin.rsplit(":", 1)[1] for s in r] == ["4", "9"]),
    Case("empty_file", lambda t: read(t, b""), "repair", "{tmp}/f.txt: no sentences found", lambda r: r == []),
    Case("whitespace_and_docstart_only", lambda t: read(t, "-DOCSTART- -X- O\n   \n\t\n"), "repair",
         "{tmp}/f.txt: no sentences found", lambda r: r == []),
    Case("missing_trailing_newline", lambda t: read(t, "a O\n\nb B-LOC"), "repair", "",
         lambda r: words_tags(r) == [(("a",), ("O",)), (("b",), ("B-LOC",))]),
    # --- encodings and line ends ------------------------------------------------------------------------
    Case("crlf", lambda t: read(t, "a O\r\nb B-PER\r\n\r\nc O\r\n"), "repair", "",
         lambda r: words_tags(r) == [(("a", "b"), ("O", "B-PER")), (("c",), ("O",))]),
    Case("cr_only_line_ends", lambda t: read(t, "a O\rb B-PER\r\rc O\r"), "repair", "",
         lambda r: words_tags(r) == [(("a", "b"), ("O", "B-PER")), (("c",), ("O",))]),
    Case("stray_cr_inside_line", lambda t: read(t, "a O\nb\rx O\n"), "error",
         "{tmp}/f.txt:2: carriage return inside a line"),
    Case("bom", lambda t: read(t, b"\xef\xbb\xbfa B-PER\n"), "repair", "",
         lambda r: words_tags(r) == [(("a",), ("B-PER",))]),
    Case("latin1_bytes", lambda t: read(t, "a O\ncaf\u00e9 O\n".encode("latin-1")), "error",
         "{tmp}/f.txt:2: not valid UTF-8 (byte 0xe9 at column 4)"),
    Case("utf16_file", lambda t: read(t, "a O\n".encode("utf-16")), "error",
         "{tmp}/f.txt:1: not valid UTF-8 (byte 0xff at column 1)"),
    Case("missing_file", lambda t: read_missing(t), "error", "{tmp}/nope.txt: file not found"),
    Case("directory_instead_of_file", lambda t: read_dir(t), "error", "{tmp}/d: is a directory"),
    Case("writing_a_token_with_a_tab", lambda t: _write(t, ("New\tYork", "x")), "error",
         "src.conll:3: token 'New\\tYork' cannot be written to a CoNLL file"),
    Case("writing_an_empty_token", lambda t: _write(t, ("a", "")), "error",
         "src.conll:3: token '' cannot be written to a CoNLL file"),
    # --- huge sentences (> 512 subwords) --------------------------------------------------------------------
    Case("huge_sentence_tagged_in_windows", lambda t: _tagger_tags([long_sentence(300), ["a"]]), "repair",
         "'windows_split': 1",
         lambda r: len(r[0][0]) == 300 and len(r[0][1]) == 1 and r[1]["windows_split"] == 1),
    Case("word_without_subwords_stays_O", lambda t: _tagger_tags([["a", "\u00a0", "b"]]), "repair",
         "'words_without_subwords': 1", lambda r: r[0][0][1] == "O" and r[1]["words_without_subwords"] == 1),
    Case("huge_sentence_split_for_training", lambda t: _encode_long(t), "repair", "1 split into windows of ≤128",
         lambda enc: enc.stats.split_sentences == 1 and len(enc) > 1 and all(len(x) <= 128 for x in enc.input_ids)
         and sum(lab != -100 for labs in enc.labels for lab in labs) == 300),
    Case("huge_sentence_truncated_for_translation", lambda t: _translate_tiny(
        t, sentences=[long_sentence(60), ["a", "b"]], max_length=16, beam_size=1), "repair",
         "1 sentence(s) longer than translator.max_length=16 tokens were truncated before translation",
         lambda r: len(r) == 2),
    # --- parallel data and alignments -------------------------------------------------------------------------
    Case("parallel_files_differ_in_length", lambda t: _pairs(t, "a O\n\nb O\n", "x O\n"), "error",
         "parallel files differ in length: {tmp}/src.conll has 2 sentences, {tmp}/tgt.conll has 1"),
    Case("parallel_bad_target_line", lambda t: _pairs(t, "a O\n", "x O\ny B-FOO Z\n"), "error",
         "{tmp}/tgt.conll:2: expected 2 columns (as on line 1), found 3"),
    Case("parallel_conll_without_files", lambda t: _parallel_conll_missing(), "error",
         "data=parallel_conll needs data.source_file=<path> and data.target_file=<path>"),
    Case("label_map_unknown_type", lambda t: _label_map_typo(t), "repair",
         "data.label_map: entity type(s) MISCC do not occur in data=europarl_ner", lambda r: r is not None),
    Case("gold_link_out_of_range", lambda t: gold_set(t, "a b\n", "x y z\n", "1-1 3-2\n"), "error",
         "{tmp}/g.gold:1: link '3-2' is outside the sentence pair (2 source words, 3 target words"),
    Case("gold_link_zero_index", lambda t: gold_set(t, "a b\n", "x y\n", "0-1\n"), "error",
         "{tmp}/g.gold:1: link '0-1' is outside the sentence pair"),
    Case("gold_link_malformed", lambda t: gold_set(t, "a b\nc\n", "x y\nz\n", "1-1\n1:1\n"), "error",
         "{tmp}/g.gold:2: link '1:1' is not 'i-j' (sure) or 'ipj' (possible), 1-indexed"),
    Case("gold_line_counts_differ", lambda t: gold_set(t, "a b\nc\n", "x y\n", "1-1\n"), "error",
         "{tmp}/g.src has 2 lines but {tmp}/g.tgt has 1"),
    Case("gold_file_not_utf8", lambda t: gold_set(t, "a\n", "x\n", b"1-1 \xff\n"), "error",
         "{tmp}/g.gold:1: not UTF-8 text (byte 0xff at column 5)"),
    Case("projection_link_out_of_range", lambda t: _validate_input(links=frozenset({(0, 5)})), "error",
         "t.conll:7: alignment link (0, 5) outside a 2×3-word pair"),
    Case("projection_entity_outside_source", lambda t: _validate_input(src_spans=(_span(1, 4),)), "error",
         "t.conll:7: source entity PER [1, 4) lies outside the source sentence of 2 words"),
    Case("aligner_pair_counts_differ", lambda t: _check_pairs(), "error",
         "cannot align source/target: 2 source sentences but 1 target sentences"),
    Case("labels_differ_train_vs_test_error", lambda t: _labels(policy="error"), "error",
         "task.label_policy=error: training types ['LOC', 'MISC', 'ORG', 'PER'] differ from evaluation types"),
    Case("labels_differ_train_vs_test_repaired", lambda t: _labels(policy="intersect"), "repair",
         "entity type MISC is not in the evaluation set: mapped to O for training",
         lambda r: r.mapping.get("MISC", "x") is None and r.unseen == ["DATE"]),
    # --- translations ---------------------------------------------------------------------------------------------
    Case("precomputed_missing_ids", lambda t: translate_precomputed(
        t, "s1\tHallo Welt\ns2\tzwei\n", "tr.tsv", [["a"], ["b"], ["c"]], ids=["s1", "s2", "s3"]), "error",
         "{tmp}/tr.tsv: no translation for 1 of 3 sentence ids (file has 2 ids; first missing: 's3')"),
    Case("precomputed_tsv_without_tab", lambda t: translate_precomputed(
        t, "s1\tHallo\ns2 zwei\n", "tr.tsv", [["a"], ["b"]], ids=["s1", "s2"]), "error",
         "{tmp}/tr.tsv:2: expected 'id<TAB>translation'"),
    Case("precomputed_too_few_lines", lambda t: translate_precomputed(
        t, "eins\nzwei\n", "tr.txt", [["a"], ["b"], ["c"]]), "error",
         "{tmp}/tr.txt: 2 translated sentences for 3 input sentences (too few"),
    Case("precomputed_line_separator_in_text", lambda t: translate_precomputed(
        t, "ein\u2028s\nzwei\n", "tr.txt", [["a"], ["b"]]), "repair", "",
         lambda r: len(r) == 2 and r[1] == ["zwei"]),  # the 2nd translation stays the 2nd sentence's
    Case("precomputed_not_utf8", lambda t: translate_precomputed(
        t, "caf\u00e9\n".encode("latin-1"), "tr.txt", [["a"]]), "error",
         "{tmp}/tr.txt:1: not UTF-8 text (byte 0xe9 at column 4)"),
    Case("precomputed_jsonl_bad_record", lambda t: translate_precomputed(
        t, '{"id": "s1", "words": ["a"]}\n{"id": "s2"}\n', "tr.jsonl", [["a"], ["b"]], ids=["s1", "s2"]), "error",
         "{tmp}/tr.jsonl:2: expected a JSON object with 'id' and 'words' or 'text'"),
    Case("parallel_translation_missing", lambda t: _parallel_translate([["Hallo"], ["unbekannt", "Satz"]]), "error",
         "translator=parallel: 1 of 2 sentences have no human translation"),
    Case("parallel_lines_not_utf8", lambda t: _parallel_files(t, b"Hallo\nWelt\n", "Hello\nW\xf6rld\n".encode(
        "latin-1")), "error", "{tmp}/en.txt:2: not UTF-8 text (byte 0xf6 at column 2)"),
    # U+2028 neither ends the line nor splits the (space-tokenised) words: the pairs stay aligned
    Case("parallel_lines_with_line_separator", lambda t: _parallel_files(t, "Hallo\u2028du\nWelt\n", "Hi\nWorld\n",
                                                                          (("Hallo\u2028du",), ("Welt",))),
         "repair", "", lambda r: r == [["Hi"], ["World"]]),
    Case("nllb_unsupported_language", lambda t: _nllb_code("bbj"), "error",
         "lang=bbj (Ghomálá') is not supported by the translation model 'facebook/nllb-200-3.3B'"),
    # --- languages, models ---------------------------------------------------------------------------------------
    Case("unknown_language", lambda t: _get_language("swh"), "error", "lang='swh' is not a known language"),
    Case("unknown_language_on_command_line", lambda t: _check_overrides("lang=xx"), "error",
         "lang='xx' is not a known language"),
    Case("unknown_offline_model", lambda t: _resolve("offline:e5-large"), "error",
         "unknown offline model 'offline:e5-large'; available: offline:multilingual-e5-small"),
    Case("model_directory_missing", lambda t: _resolve(str(t / "no-model")), "error",
         "model directory '{tmp}/no-model' does not exist"),
    Case("hub_model_offline", lambda t: _resolve("nobody/no-such-model-xner"), "error",
         "model 'nobody/no-such-model-xner' is not available offline"),
    # --- configuration -----------------------------------------------------------------------------------------------
    Case("typo_group_option", lambda t: _check_overrides("matcher=gredy"), "error",
         "matcher=gredy: no such option in config group 'matcher'. Did you mean greedy?"),
    Case("typo_key_command_line", lambda t: _check_keys("aligner.metod=argmax"), "error",
         "aligner.metod: no such config key. Did you mean aligner.method?"),
    Case("typo_key_in_group_node", lambda t: _validate(["+matcher.batchsize=3", "matcher=ilp"], ["matcher"]), "error",
         "matcher.batchsize: unknown key for xner.project.matching.IlpMatcher. Did you mean batch_size?"),
    Case("wrong_type", lambda t: _validate(["aligner.layer=eight"], ["aligner"]), "error",
         "aligner.layer='eight': expected int"),
    Case("tagger_model_unset", lambda t: _validate(["tagger=local"], ["tagger"]), "error",
         "tagger.model is required: set tagger.model=<value>"),
    Case("precomputed_path_unset", lambda t: _validate(["translator=precomputed"], ["translator"]), "error",
         "translator.path is required"),
    Case("limit_not_positive", lambda t: _limit_zero(t), "error",
         "data.limit must be a positive number of sentences, got 0"),
    Case("candidates_ner_without_tagger", lambda t: projector_from(
        _without(compose("projection=matching", "candidates=ner"), "tagger")), "error",
         "candidates=ner needs tagger=<option> (see conf/tagger/)"),
    Case("matching_without_matcher", lambda t: projector_from(
        _without(compose("projection=matching", "candidates=ngram"), "matcher")), "error",
         "projection=matching needs matcher=<option> (see conf/matcher/)"),
    Case("ner_weight_with_ngram_candidates", lambda t: _project_one(
        compose("projection=matching", "candidates=ngram", "projection.weights.ner=0.5")), "error",
         "projection.weights.ner is non-zero but the candidates carry no span probabilities"),
    Case("all_weights_zero", lambda t: projector_from(
        compose("projection=matching", "projection.weights.alignment=0")), "error", "are all zero"),
    Case("backtranslation_without_translator", lambda t: _project_one(
        compose("projection=heuristic", "projection.backtranslation=true")), "error",
         "projection.backtranslation=true needs the back-translation refinement"),
    Case("bad_matcher_constraint", lambda t: projector_from(compose("matcher=ilp", "matcher.constraint=lt")),
         "error", "matcher.constraint='lt' is not valid"),
    Case("bad_aligner_method", lambda t: _instantiate(compose("aligner=simalign", "aligner.method=maxmax").aligner),
         "error", "aligner.method='maxmax' is not valid; choose one of argmax, itermax, match"),
    Case("bad_logger_mode", lambda t: _instantiate(compose("logger=wandb", "logger.mode=onlin").logger), "error",
         "logger.mode='onlin'; valid: offline, online, disabled"),
    # --- numbers out of range, devices that are not there ------------------------------------------------------------
    Case("tagger_batch_size_zero", lambda t: _instantiate(compose("tagger=tiny", "tagger.batch_size=0").tagger),
         "error", "tagger.batch_size must be ≥ 1, got 0"),
    Case("tagger_window_too_small", lambda t: _instantiate(compose("tagger=tiny", "tagger.max_length=2").tagger),
         "error", "tagger.max_length must be ≥ 8 subwords"),
    Case("aligner_batch_size_zero", lambda t: _instantiate(compose(
        "aligner=simalign", "aligner.encoder=offline:multilingual-e5-small", "aligner.batch_size=0").aligner).align(
        [["a"]], [["b"]]), "error", "aligner.batch_size must be ≥ 1, got 0"),
    Case("aligner_itermax_rounds_zero", lambda t: _instantiate(
        compose("aligner=simalign", "aligner.itermax_rounds=0").aligner), "error",
         "aligner.itermax_rounds must be ≥ 1"),
    Case("aligner_gpu_missing", lambda t: _aligner_on("cuda"), "error",
         "aligner.device='cuda' but no CUDA GPU is visible"),
    Case("tagger_gpu_missing", lambda t: _tag_on("cuda"), "error", "device='cuda' but no CUDA GPU is visible"),
    Case("trainer_batch_size_zero", lambda t: _instantiate(compose("trainer=cpu", "trainer.batch_size=0").trainer),
         "error", "trainer.batch_size and trainer.eval_batch_size must be ≥ 1"),
    Case("model_window_too_small", lambda t: _instantiate(compose("model=tiny", "model.max_length=4").model), "error",
         "model.max_length must be ≥ 8 subwords, got 4"),
    Case("translator_bad_dtype", lambda t: _translate_tiny(t, dtype="int9"), "error",
         "translator.dtype='int9' is not valid"),
    Case("unknown_task", lambda t: _get_task("translate_tests"), "error", "task.name='translate_tests' is not a task"),
    Case("align_eval_wrong_dataset", lambda t: _run_task("align_eval", t, "data=conll2003"), "error",
         "task=align_eval needs data=alignment_gold"),
    Case("projection_eval_on_non_parallel_data", lambda t: _run_task("projection_eval", t, "lang=swa"), "error",
         "data=masakhaner2 is not a parallel dataset; use data=europarl_ner or data=parallel_conll"),
]


def read_missing(tmp: Path):
    from xner.data.conll import read_conll

    return read_conll(tmp / "nope.txt")


def read_dir(tmp: Path):
    from xner.data.conll import read_conll

    (tmp / "d").mkdir()
    return read_conll(tmp / "d")


def _aligner_on(device: str):
    from xner.align.neural import SimAlign

    return SimAlign(encoder="offline:multilingual-e5-small", device=device, progress=False).align([["a"]], [["b"]])


def _tag_on(device: str):
    from xner.ner.tagger import SourceTagger

    return SourceTagger("tiny:0", device=device).predict([["a"]])


def _translate_tiny(tmp: Path, sentences=(("a",),), **kwargs: Any):
    from xner.translate.seq2seq import NLLBTranslator

    with NLLBTranslator(model="tiny-nllb:0", device="cpu", progress=False, **kwargs) as translator:
        return translator.translate([list(s) for s in sentences], "en", "de")


def _write(tmp: Path, words: tuple[str, ...]):
    from xner.data.conll import write_conll
    from xner.data.types import Sentence

    sentence = Sentence(words, ("O",) * len(words), id="s1", origin="src.conll:3")
    return write_conll(tmp / "out.conll", [sentence])


def _labels(policy: str):
    from xner.ner.encoding import reconcile_labels

    return reconcile_labels(["PER", "ORG", "LOC", "MISC"], ["PER", "ORG", "LOC", "DATE"], policy=policy)


def _parallel_translate(sentences):
    from xner.data.types import Sentence, SentencePair
    from xner.translate.files import ParallelTranslator

    translator = ParallelTranslator()
    translator.add_pairs([SentencePair(Sentence(("Hallo",), None), Sentence(("Hello",), None))])
    return translator.translate(sentences, "de", "en")


def _parallel_files(tmp: Path, source: str | bytes, target: str | bytes, queries=(("Hallo", "du"), ("Welt",))):
    from xner.translate.files import ParallelTranslator

    src, tgt = put(tmp, source, "de.txt"), put(tmp, target, "en.txt")
    translator = ParallelTranslator(source_file=str(src), target_file=str(tgt), format="lines")
    return translator.translate([list(q) for q in queries], "de", "en")


def _span(start: int, end: int):
    from xner.data.types import Span

    return Span(start, end, "PER")


def _check_pairs():
    from xner.align.base import check_pair_counts

    check_pair_counts([["a"], ["b"]], [["x"]])


def _parallel_conll_missing():
    from xner.data.loaders import ParallelConll

    return ParallelConll(source_file=None, target_file=None, data_dir="/nonexistent")


def _label_map_typo(tmp: Path):
    from xner.data.loaders import EuroparlNER

    return EuroparlNER(data_dir=str(tmp), lang="de", label_map={"MISCC": None})


def _limit_zero(tmp: Path):
    from xner.data.loaders import MasakhaNER2

    return MasakhaNER2(data_dir=str(tmp), lang="swa", limit=0)


def _nllb_code(code: str):
    from xner.langs import get_language
    from xner.translate.codes import nllb_code

    return nllb_code(get_language(code), "facebook/nllb-200-3.3B")


def _get_language(code: str):
    from xner.langs import get_language

    return get_language(code)


def _check_overrides(*args: str):
    from xner.pipeline.config import check_overrides

    check_overrides(list(args), conf_dir())


def _check_keys(*args: str):
    from xner.pipeline.config import check_keys

    check_keys(list(args), conf_dir())


def _validate(overrides: list[str], groups: list[str]):
    from xner.pipeline.config import validate_config

    validate_config(compose(*overrides), groups)


def _without(cfg, group: str):
    from omegaconf import open_dict

    with open_dict(cfg):
        cfg[group] = None
    return cfg


def _instantiate(node):
    from hydra.utils import instantiate

    return instantiate(node)


def _project_one(cfg):
    from xner.data.types import Span
    from xner.pipeline.stages import open_projector, project_batch
    from xner.project.base import ProjectionInput

    x = ProjectionInput((Span(0, 1, "PER"),), 2, ("a", "b"), frozenset({(0, 0)}), "t:1")
    with open_projector(cfg) as projector:
        return project_batch(projector, [x])


def _get_task(name: str):
    from xner.pipeline.tasks import get_task

    return get_task(name)


def _run_task(task: str, tmp: Path, *overrides: str):
    from omegaconf import open_dict

    from xner.cache import ArtifactCache
    from xner.pipeline.context import RunContext
    from xner.pipeline.tasks import get_task
    from xner.track import Tracker

    cfg = compose(f"task={task}", "logger=none", *overrides)
    with open_dict(cfg):
        cfg.paths.data_dir = str(tmp)
    ctx = RunContext(cfg=cfg, output_dir=tmp / "run", cache=ArtifactCache(tmp / "cache"), tracker=Tracker())
    return get_task(task)(ctx)


# ------------------------------------------------------------------------------------------- test


def user_error(exc: BaseException) -> BaseException:
    """What `xner.pipeline.main` reports: the XnerError itself, or the one Hydra's instantiate wrapped."""
    return exc if isinstance(exc, XnerError) or exc.__cause__ is None else exc.__cause__


def test_corpus_is_large_and_names_are_unique():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the model cases must not try the network
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    expect = case.expect.format(tmp=tmp_path)
    if case.kind == "error":
        with pytest.raises(Exception) as err:
            case.run(tmp_path)
        error = user_error(err.value)
        assert isinstance(error, XnerError), f"not a user-facing error: {err.value!r}"
        assert expect in str(error), f"message was: {error}"
        assert "\n" not in str(error).strip(), "a user-facing error is one line"
        return
    assert case.kind == "repair"
    with caplog.at_level(logging.INFO):
        result = case.run(tmp_path)
    assert case.check is not None and case.check(result), f"unexpected result: {result!r}"[:2000]
    if expect:
        assert expect in caplog.text, f"log was: {caplog.text[-2000:]}"


def test_huge_sentence_is_aligned_in_windows(e5_simalign):
    """> 512 subwords (the encoder's limit) on both sides: embedded in overlapping windows, every word
    still alignable — links reach past the first window and stay inside the sentences."""
    src, tgt = long_sentence(160), long_sentence(160)
    (links,) = e5_simalign.align([src], [tgt])
    assert links and max(j for _, j in links) >= 120
    assert all(0 <= i < 160 and 0 <= j < 160 for i, j in links)
