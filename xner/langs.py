"""Language registry: every language xner evaluates, with its codes, script and datasets.

This table is the single source of truth; `conf/lang/<code>.yaml` files are generated from it
(``python -m xner.langs conf/lang``) and a test checks that they agree. Codes follow the datasets:
3-letter MasakhaNER 2.0 codes select `data=masakhaner2`, 2-letter XTREME codes `data=wikiann`.
`nllb` is the FLORES-200 code NLLB-200 uses; None means NLLB-200 does not cover the language
(bbj, pcm), which translation stages report as an error.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass
from pathlib import Path

from xner.errors import ConfigError


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    iso1: str | None
    iso3: str
    nllb: str | None
    script: str
    datasets: tuple[str, ...]
    # How translations into this language are split into words: "regex" (Unicode word/punct
    # tokenisation) or "chars" (one word per character for scripts written without spaces).
    word_splitter: str = "regex"

    @property
    def default_data(self) -> str:
        return self.datasets[0]


_M = ("masakhaner2",)
_W = ("wikiann",)

LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        # MasakhaNER 2.0
        Language("bam", "Bambara", "bm", "bam", "bam_Latn", "Latn", _M),
        Language("bbj", "Ghomálá'", None, "bbj", None, "Latn", _M),
        Language("ewe", "Ewe", "ee", "ewe", "ewe_Latn", "Latn", _M),
        Language("fon", "Fon", None, "fon", "fon_Latn", "Latn", _M),
        Language("hau", "Hausa", "ha", "hau", "hau_Latn", "Latn", _M),
        Language("ibo", "Igbo", "ig", "ibo", "ibo_Latn", "Latn", _M),
        Language("kin", "Kinyarwanda", "rw", "kin", "kin_Latn", "Latn", _M),
        Language("lug", "Luganda", "lg", "lug", "lug_Latn", "Latn", _M),
        Language("luo", "Dholuo", None, "luo", "luo_Latn", "Latn", _M),
        Language("mos", "Mossi", None, "mos", "mos_Latn", "Latn", _M),
        Language("nya", "Chichewa", "ny", "nya", "nya_Latn", "Latn", _M),
        Language("pcm", "Nigerian Pidgin", None, "pcm", None, "Latn", _M),
        Language("sna", "chiShona", "sn", "sna", "sna_Latn", "Latn", _M),
        Language("swa", "Kiswahili", "sw", "swa", "swh_Latn", "Latn", _M),
        Language("tsn", "Setswana", "tn", "tsn", "tsn_Latn", "Latn", _M),
        Language("twi", "Twi", "tw", "twi", "twi_Latn", "Latn", _M),
        Language("wol", "Wolof", "wo", "wol", "wol_Latn", "Latn", _M),
        Language("xho", "isiXhosa", "xh", "xho", "xho_Latn", "Latn", _M),
        Language("yor", "Yorùbá", "yo", "yor", "yor_Latn", "Latn", _M),
        Language("zul", "isiZulu", "zu", "zul", "zul_Latn", "Latn", _M),
        # XTREME / WikiANN (PAN-X)
        Language("af", "Afrikaans", "af", "afr", "afr_Latn", "Latn", _W),
        Language("ar", "Arabic", "ar", "ara", "arb_Arab", "Arab", _W),
        Language("bg", "Bulgarian", "bg", "bul", "bul_Cyrl", "Cyrl", _W),
        Language("bn", "Bengali", "bn", "ben", "ben_Beng", "Beng", _W),
        Language("de", "German", "de", "deu", "deu_Latn", "Latn", (*_W, "conll_multi", "europarl_ner")),
        Language("el", "Greek", "el", "ell", "ell_Grek", "Grek", _W),
        Language("es", "Spanish", "es", "spa", "spa_Latn", "Latn", (*_W, "conll_multi", "europarl_ner")),
        Language("et", "Estonian", "et", "est", "est_Latn", "Latn", _W),
        Language("eu", "Basque", "eu", "eus", "eus_Latn", "Latn", _W),
        Language("fa", "Persian", "fa", "fas", "pes_Arab", "Arab", _W),
        Language("fi", "Finnish", "fi", "fin", "fin_Latn", "Latn", _W),
        Language("fr", "French", "fr", "fra", "fra_Latn", "Latn", _W),
        Language("he", "Hebrew", "he", "heb", "heb_Hebr", "Hebr", _W),
        Language("hi", "Hindi", "hi", "hin", "hin_Deva", "Deva", _W),
        Language("hu", "Hungarian", "hu", "hun", "hun_Latn", "Latn", _W),
        Language("id", "Indonesian", "id", "ind", "ind_Latn", "Latn", _W),
        Language("it", "Italian", "it", "ita", "ita_Latn", "Latn", (*_W, "conll_multi", "europarl_ner")),
        Language("ja", "Japanese", "ja", "jpn", "jpn_Jpan", "Jpan", _W, "chars"),
        Language("jv", "Javanese", "jv", "jav", "jav_Latn", "Latn", _W),
        Language("ka", "Georgian", "ka", "kat", "kat_Geor", "Geor", _W),
        Language("kk", "Kazakh", "kk", "kaz", "kaz_Cyrl", "Cyrl", _W),
        Language("ko", "Korean", "ko", "kor", "kor_Hang", "Hang", _W),
        Language("ml", "Malayalam", "ml", "mal", "mal_Mlym", "Mlym", _W),
        Language("mr", "Marathi", "mr", "mar", "mar_Deva", "Deva", _W),
        Language("ms", "Malay", "ms", "msa", "zsm_Latn", "Latn", _W),
        Language("my", "Burmese", "my", "mya", "mya_Mymr", "Mymr", _W, "chars"),
        Language("nl", "Dutch", "nl", "nld", "nld_Latn", "Latn", (*_W, "conll_multi")),
        Language("pt", "Portuguese", "pt", "por", "por_Latn", "Latn", _W),
        Language("ru", "Russian", "ru", "rus", "rus_Cyrl", "Cyrl", _W),
        Language("sw", "Swahili", "sw", "swa", "swh_Latn", "Latn", _W),
        Language("ta", "Tamil", "ta", "tam", "tam_Taml", "Taml", _W),
        Language("te", "Telugu", "te", "tel", "tel_Telu", "Telu", _W),
        Language("th", "Thai", "th", "tha", "tha_Thai", "Thai", _W, "chars"),
        Language("tl", "Tagalog", "tl", "tgl", "tgl_Latn", "Latn", _W),
        Language("tr", "Turkish", "tr", "tur", "tur_Latn", "Latn", _W),
        Language("ur", "Urdu", "ur", "urd", "urd_Arab", "Arab", _W),
        Language("vi", "Vietnamese", "vi", "vie", "vie_Latn", "Latn", _W),
        Language("yo", "Yoruba", "yo", "yor", "yor_Latn", "Latn", _W),
        Language("zh", "Chinese", "zh", "zho", "zho_Hans", "Hans", _W, "chars"),
        # Source language
        Language("en", "English", "en", "eng", "eng_Latn", "Latn",
                 ("conll2003", "wikiann", "conll_multi", "europarl_ner")),
    ]
}

MASAKHANER_LANGS = tuple(c for c, lang in LANGUAGES.items() if lang.datasets == _M)
# The seed's MasakhaNER evaluation drops bbj and pcm (not covered by NLLB-200).
SEED_MASAKHANER_LANGS = tuple(c for c in MASAKHANER_LANGS if LANGUAGES[c].nllb)
XTREME_LANGS = tuple(c for c, lang in LANGUAGES.items() if len(c) == 2 and c != "en")


def suggest(code: str, n: int = 5) -> list[str]:
    """Valid codes nearest to `code` (by spelling, and by language name)."""
    by_code = difflib.get_close_matches(code.lower(), list(LANGUAGES), n=n, cutoff=0.3)
    names = {lang.name.lower(): c for c, lang in LANGUAGES.items()}
    by_name = [names[m] for m in difflib.get_close_matches(code.lower(), list(names), n=n, cutoff=0.6)]
    same_iso = [c for c, lang in LANGUAGES.items() if code.lower() in (lang.iso1, lang.iso3)]
    out: list[str] = []
    for c in same_iso + by_name + by_code:
        if c not in out:
            out.append(c)
    return out[:n]


def get_language(code: str) -> Language:
    """The registry entry for `code`, or a ConfigError listing the nearest valid codes."""
    try:
        return LANGUAGES[code]
    except KeyError:
        near = suggest(code)
        hint = f"; did you mean {', '.join(near)}?" if near else ""
        raise ConfigError(
            f"lang={code!r} is not a known language{hint} (valid: {' '.join(sorted(LANGUAGES))})"
        ) from None


def lang_yaml(lang: Language) -> str:
    def q(v: str | None) -> str:
        return "null" if v is None else v

    note = (
        "\n# Not covered by NLLB-200: translation-based tasks fail for it; "
        "use translator=precomputed|parallel."
        if lang.nllb is None
        else ""
    )
    return (
        f"# @package _global_\n# {lang.name}. Generated by `python -m xner.langs conf/lang` from "
        f"xner/langs.py; edit that table, not this file.{note}\n"
        f"defaults:\n  - override /data: {lang.default_data}\n"
        f"lang:\n  code: {lang.code}\n  name: \"{lang.name}\"\n  iso1: {q(lang.iso1)}\n"
        f"  iso3: {lang.iso3}\n  nllb: {q(lang.nllb)}\n  script: {lang.script}\n"
        f"  datasets: [{', '.join(lang.datasets)}]\n  word_splitter: {lang.word_splitter}\n"
    )


def write_lang_configs(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES.values():
        (directory / f"{lang.code}.yaml").write_text(lang_yaml(lang), encoding="utf-8")


if __name__ == "__main__":
    write_lang_configs(Path(sys.argv[1] if len(sys.argv) > 1 else "conf/lang"))
