"""Language codes for translation models, from the language registry (`xner.langs`).

NLLB-200 uses FLORES-200 codes (``swh_Latn``), M2M100 uses its own 100 mostly ISO 639-1 codes
(``sw``), OPUS-MT (Marian) names models by ISO 639-1 (or 639-3) pairs and, for multi-target models,
selects the target with a ``>>code<<`` token. A language a model does not cover is a `ConfigError`
that names the language and the model, raised before any model is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xner.errors import ConfigError
from xner.langs import LANGUAGES, Language, get_language

# M2M100's language codes (transformers' M2M100 tokenizer table, 100 languages).
M2M100_CODES: frozenset[str] = frozenset((
    "af", "am", "ar", "ast", "az", "ba", "be", "bg", "bn", "br", "bs", "ca", "ceb", "cs", "cy", "da",
    "de", "el", "en", "es", "et", "fa", "ff", "fi", "fr", "fy", "ga", "gd", "gl", "gu", "ha", "he",
    "hi", "hr", "ht", "hu", "hy", "id", "ig", "ilo", "is", "it", "ja", "jv", "ka", "kk", "km", "kn",
    "ko", "lb", "lg", "ln", "lo", "lt", "lv", "mg", "mk", "ml", "mn", "mr", "ms", "my", "ne", "nl",
    "no", "ns", "oc", "or", "pa", "pl", "ps", "pt", "ro", "ru", "sd", "si", "sk", "sl", "so", "sq",
    "sr", "ss", "su", "sv", "sw", "ta", "th", "tl", "tn", "tr", "uk", "ur", "uz", "vi", "wo", "xh",
    "yi", "yo", "zh", "zu",
))


class UnsupportedLanguageError(ConfigError):
    """The chosen translation model does not cover a language."""


def as_language(lang: Language | str | Mapping[str, Any]) -> Language:
    """A registry `Language` from a code (``"swa"``), a `Language`, or a `cfg.lang` mapping.

    A mapping may override registry fields (e.g. ``lang.nllb=swh_Latn``); unknown codes in a mapping
    are accepted as given, so a user can add a language from the command line.
    """
    if isinstance(lang, Language):
        return lang
    if isinstance(lang, str):
        return get_language(lang)
    fields = dict(lang)
    base = LANGUAGES.get(str(fields.get("code")))
    known = Language.__dataclass_fields__
    values: dict[str, Any] = dict(base.__dict__) if base else {}
    values.update({k: v for k, v in fields.items() if k in known})
    values.setdefault("name", str(values.get("code")))
    values.setdefault("iso1", None)
    values.setdefault("iso3", str(values.get("code")))
    values.setdefault("nllb", None)
    values.setdefault("script", "Latn")
    values["datasets"] = tuple(values.get("datasets") or ())
    missing = [k for k in ("code",) if not values.get(k)]
    if missing:
        raise ConfigError(f"lang.{missing[0]} is required to translate (got {fields})")
    return Language(**values)


def nllb_code(lang: Language, model: str, vocabulary: frozenset[str] | None = None) -> str:
    """The FLORES-200 code of `lang` for an NLLB model (checked against its vocabulary when given)."""
    code = lang.nllb
    if not code or (vocabulary is not None and code not in vocabulary):
        raise UnsupportedLanguageError(
            f"lang={lang.code} ({lang.name}) is not supported by the translation model {model!r}: "
            f"{'NLLB-200 has no code for it' if not code else f'its code {code!r} is not in the model'}. "
            "Use translator=precomputed or translator=parallel with human or external translations, "
            "or set lang.nllb=<code> if the model covers it under another code."
        )
    return code


def m2m100_code(lang: Language, model: str, vocabulary: frozenset[str] | None = None) -> str:
    """M2M100's code for `lang` (ISO 639-1 based)."""
    code = lang.iso1 or lang.code
    known = vocabulary if vocabulary is not None else M2M100_CODES
    if code not in known:
        raise UnsupportedLanguageError(
            f"lang={lang.code} ({lang.name}) is not supported by the translation model {model!r} "
            f"(M2M100 covers: {' '.join(sorted(M2M100_CODES))}). Use translator=nllb, "
            "translator=precomputed or translator=parallel."
        )
    return code


def marian_code(lang: Language) -> str:
    """The code OPUS-MT model names use: ISO 639-1 where it exists, else ISO 639-3."""
    return lang.iso1 or lang.iso3
