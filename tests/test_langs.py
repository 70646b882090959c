import pytest
import yaml

from xner.errors import ConfigError
from xner.langs import (
    LANGUAGES,
    MASAKHANER_LANGS,
    SEED_MASAKHANER_LANGS,
    XTREME_LANGS,
    get_language,
    lang_yaml,
)


def test_registry_covers_the_seed_evaluation():
    assert len(MASAKHANER_LANGS) == 20 and len(SEED_MASAKHANER_LANGS) == 18
    assert set(MASAKHANER_LANGS) - set(SEED_MASAKHANER_LANGS) == {"bbj", "pcm"}
    assert len(XTREME_LANGS) == 39 and "en" in LANGUAGES


@pytest.mark.parametrize(
    ("code", "nllb", "iso1", "iso3"),
    [("swa", "swh_Latn", "sw", "swa"), ("yor", "yor_Latn", "yo", "yor"), ("zh", "zho_Hans", "zh", "zho"),
     ("fa", "pes_Arab", "fa", "fas"), ("bbj", None, None, "bbj")],
)
def test_codes(code, nllb, iso1, iso3):
    lang = get_language(code)
    assert (lang.nllb, lang.iso1, lang.iso3) == (nllb, iso1, iso3)


def test_default_dataset_by_code_length():
    assert all(LANGUAGES[c].default_data == "masakhaner2" for c in MASAKHANER_LANGS)
    assert all(LANGUAGES[c].default_data == "wikiann" for c in XTREME_LANGS)


def test_unknown_code_suggests_nearest():
    with pytest.raises(ConfigError, match="did you mean sw, swa"):
        get_language("swh")
    with pytest.raises(ConfigError, match=r"did you mean.*de"):
        get_language("german")


def test_conf_files_match_registry(conf_dir):
    files = {p.stem for p in (conf_dir / "lang").glob("*.yaml")}
    assert files == set(LANGUAGES)
    for code, lang in LANGUAGES.items():
        text = (conf_dir / "lang" / f"{code}.yaml").read_text(encoding="utf-8")
        assert text == lang_yaml(lang), f"conf/lang/{code}.yaml is stale: run python -m xner.langs conf/lang"
        assert yaml.safe_load(text)["lang"]["code"] == code
