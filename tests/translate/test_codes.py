import pytest

from xner.langs import get_language
from xner.translate.codes import (
    UnsupportedLanguageError,
    as_language,
    m2m100_code,
    marian_code,
    nllb_code,
)


def test_nllb_codes_from_registry():
    assert nllb_code(get_language("swa"), "m") == "swh_Latn"
    assert nllb_code(get_language("zh"), "m") == "zho_Hans"


@pytest.mark.parametrize("code", ["bbj", "pcm"])
def test_nllb_unsupported_names_language_and_model(code):
    with pytest.raises(UnsupportedLanguageError, match=rf"lang={code} .*facebook/nllb-200-3.3B"):
        nllb_code(get_language(code), "facebook/nllb-200-3.3B")


def test_nllb_code_checked_against_model_vocabulary():
    with pytest.raises(UnsupportedLanguageError, match="not in the model"):
        nllb_code(get_language("swa"), "x", frozenset({"eng_Latn"}))


def test_m2m100_codes():
    assert m2m100_code(get_language("swa"), "m") == "sw"
    assert m2m100_code(get_language("yor"), "m") == "yo"
    with pytest.raises(UnsupportedLanguageError, match=r"lang=twi .*m2m100_418M"):
        m2m100_code(get_language("twi"), "facebook/m2m100_418M")


def test_marian_codes_fall_back_to_iso3():
    assert marian_code(get_language("de")) == "de"
    assert marian_code(get_language("fon")) == "fon"


def test_as_language_accepts_config_mappings_with_overrides():
    lang = as_language({"code": "pcm", "nllb": "pcm_Latn"})
    assert lang.nllb == "pcm_Latn" and lang.name == "Nigerian Pidgin"
    assert as_language("de").iso3 == "deu"
    assert as_language({"code": "xx"}).word_splitter == "regex"
