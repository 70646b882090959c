"""Model translators on tiny random models of the real architectures (built on the spot)."""

from __future__ import annotations

import pytest

from tests.translate.conftest import SENTENCES
from xner.errors import ModelNotFoundError
from xner.translate.codes import UnsupportedLanguageError
from xner.translate.seq2seq import M2M100Translator, MarianTranslator, NLLBTranslator

FAMILIES = [(NLLBTranslator, "tiny-nllb:0"), (M2M100Translator, "tiny-m2m100:0"), (MarianTranslator, "tiny-marian:0")]


def make(cls, name, **kw):
    kw.setdefault("max_length", 16)
    kw.setdefault("progress", False)
    kw.setdefault("device", "cpu")
    return cls(name, **kw)


@pytest.mark.parametrize(("cls", "name"), FAMILIES)
def test_batched_equals_one_by_one_and_empty_sentences(cls, name):
    batched = make(cls, name, beam_size=2, batch_tokens=4096).translate(SENTENCES, "de", "en")
    single = make(cls, name, beam_size=2, batch_tokens=1).translate(SENTENCES, "de", "en")
    assert batched == single
    assert len(batched) == len(SENTENCES)
    assert batched[3] == []  # empty in, empty out
    assert batched[0] == batched[6]  # duplicates translated once, identically
    assert len({tuple(x) for x in batched}) > 2  # outputs depend on the input


def test_nllb_forces_target_language_token():
    t = make(NLLBTranslator, "tiny-nllb:0", beam_size=1)
    t.translate([["Hallo"]], "de", "en")
    tok, engine = t._loaded["tiny-nllb:0"]
    tok.src_lang = "deu_Latn"
    ids = tok("Hallo").input_ids
    assert ids[0] == tok.convert_tokens_to_ids("deu_Latn") and ids[-1] == tok.eos_token_id
    for code in ("eng_Latn", "swh_Latn"):
        out = engine.generate([ids], tok.convert_tokens_to_ids(code))[0]
        # decoder start (EOS), then the forced target-language token
        assert out[:2] == [tok.eos_token_id, tok.convert_tokens_to_ids(code)]
    # the target language changes the translation
    assert t.translate([SENTENCES[2]], "de", "en") != t.translate([SENTENCES[2]], "de", "swa")


def test_m2m100_uses_its_own_language_tokens():
    t = make(M2M100Translator, "tiny-m2m100:0", beam_size=1)
    t.translate([["Hallo"]], "de", "swa")
    tok, engine = t._loaded["tiny-m2m100:0"]
    assert t.src_code(t.lang("swa"), tok) == "sw"
    out = engine.generate(t._encode(tok, ["Hallo"], "de", "sw"), tok.get_lang_id("sw"))[0]
    assert out[1] == tok.get_lang_id("sw")


def test_marian_model_template_and_no_language_token():
    t = make(MarianTranslator, "tiny-marian:0")
    assert t.model_name(t.lang("de"), t.lang("en")) == "tiny-marian:0"
    assert MarianTranslator("Helsinki-NLP/opus-mt-{src}-{tgt}").model_name(t.lang("swa"), t.lang("en")) == \
        "Helsinki-NLP/opus-mt-sw-en"
    out = t.translate(SENTENCES[:3], "de", "en")
    assert all(isinstance(w, str) for s in out for w in s)


@pytest.mark.parametrize(("cls", "name"), FAMILIES)
def test_ctranslate2_backend_matches_transformers_greedy(cls, name, cache):
    hf = make(cls, name, beam_size=1).translate(SENTENCES, "de", "en")
    ct2 = make(cls, name, beam_size=1, backend="ctranslate2").translate(SENTENCES, "de", "en", cache=cache)
    assert ct2 == hf
    assert list((cache.root / "ct2").iterdir())  # converted once, kept in the cache


def test_cache_second_run_translates_nothing_and_loads_no_model(cache):
    first = make(NLLBTranslator, "tiny-nllb:0")
    a = first.translate(SENTENCES, "de", "en", cache=cache)
    assert first.stats["translated"] == 5  # 7 sentences: one empty, one duplicate
    second = make(NLLBTranslator, "tiny-nllb:0")
    b = second.translate(SENTENCES, "de", "en", cache=cache)
    assert a == b
    assert second.stats["translated"] == 0 and second.stats["cached"] == 5
    assert second._loaded == {}
    # a different generation option is a different cache entry
    third = make(NLLBTranslator, "tiny-nllb:0", beam_size=1)
    third.translate(SENTENCES[:1], "de", "en", cache=cache)
    assert third.stats["translated"] == 1


def test_unsupported_language_fails_before_loading():
    t = make(NLLBTranslator, "tiny-nllb:0")
    with pytest.raises(UnsupportedLanguageError, match=r"lang=bbj .*tiny-nllb:0"):
        t.translate([["a"]], "bbj", "en")
    assert t._loaded == {}
    with pytest.raises(UnsupportedLanguageError, match="lang=twi"):
        make(M2M100Translator, "tiny-m2m100:0").translate([["a"]], "en", "twi")


def test_missing_model_is_one_clear_error(tmp_path):
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(ModelNotFoundError, match="no-such-model"):
        make(NLLBTranslator, missing).translate([["a"]], "de", "en")


def test_translation_scores_are_probabilities_and_backend_independent():
    src = [["Barack", "Obama"], ["Paris"], ["Paris"]]
    tgt = [["Barack", "Obama"], ["Paris"], ["Parlament", "Montag"]]
    hf = make(NLLBTranslator, "tiny-nllb:0").score(src, tgt, "en", "de")
    ct2 = make(NLLBTranslator, "tiny-nllb:0", backend="ctranslate2").score(src, tgt, "en", "de")
    assert hf.shape == (3,) and ((hf > 0) & (hf <= 1)).all()
    assert hf == pytest.approx(ct2, rel=1e-3)
    one = make(NLLBTranslator, "tiny-nllb:0", batch_tokens=1).score(src, tgt, "en", "de")
    assert one == pytest.approx(hf, rel=1e-4)


def test_marian_multi_target_model_gets_target_token(tmp_path):
    from xner.translate.tiny import build_tiny_translator

    path = str(build_tiny_translator("marian", tmp_path, seed=1, marian_targets=("de", "sw")))
    t = make(MarianTranslator, path, beam_size=1)
    sw = t.translate([["Hello", "world"]], "en", "swa")
    t.translate([["Hello", "world"]], "en", "de")
    tok, _ = t._loaded[path]
    assert t.tgt_code(t.lang("swa"), tok) == "sw"
    assert t._encode(tok, ["Hello"], None, "sw")[0][0] == tok.convert_tokens_to_ids(">>sw<<")
    assert isinstance(sw[0], list)
    with pytest.raises(UnsupportedLanguageError, match="multi-target"):
        t.translate([["Hello"]], "en", "yor")


def test_translation_scorer_matrix_and_cache(cache):
    from xner.data.types import Span
    from xner.pipeline.translation import TranslationScorer
    from xner.project.candidates import Candidates

    src = [["Barack", "Obama", "visited", "Paris"]]
    spans = [Span(0, 2, "PER"), Span(3, 4, "LOC")]
    tgt = ["Barack", "Obama", "besuchte", "Paris"]
    cands = Candidates.from_spans([(0, 2), (3, 4), (1, 2)])
    t = make(NLLBTranslator, "tiny-nllb:0")
    m = TranslationScorer(t, src, "en", "de", cache)(spans, tgt, cands, 0)
    assert m.shape == (2, 3)
    direct = t.score([["Barack", "Obama"]], [["Paris"]], "en", "de")[0]
    assert m[0, 1] == pytest.approx(direct, rel=1e-4)
    # a second scorer (e.g. the next job of a sweep) reads the scores from the cache: no model call
    fresh = make(NLLBTranslator, "tiny-nllb:0")
    again = TranslationScorer(fresh, src, "en", "de", cache)(spans, tgt, cands, 0)
    assert (again == m).all() and fresh._loaded == {}


def test_out_of_memory_batches_are_split_not_fatal():
    t = make(NLLBTranslator, "tiny-nllb:0", beam_size=1)
    expected = t.translate(SENTENCES, "de", "en")
    _, engine = t._loaded["tiny-nllb:0"]
    real = engine.generate

    def small_only(batch, prefix_id):
        if len(batch) > 1:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return real(batch, prefix_id)

    engine.generate = small_only
    assert t.translate(SENTENCES, "de", "en") == expected
    assert t.stats["oom_splits"] >= 1

    def broken(batch, prefix_id):
        raise RuntimeError("device-side assert triggered")

    engine.generate = broken
    with pytest.raises(RuntimeError, match="device-side assert"):
        t.translate([["neu"]], "de", "en")
