"""Model translators (NLLB-200, M2M100, OPUS-MT/Marian): batched, cached per sentence, resumable.

Flow: word lists → detokenised text → per-sentence cache lookup → model on the missing sentences in
length-sorted token batches (each batch appended to the cache as soon as it is decoded) → output
text → words (`xner.translate.words`). The cache key holds the model, the direction and the
generation options; the item key is the input text, so a sweep re-translates nothing it has seen and
a killed run resumes where it stopped. Batches are formed from the whole input, independently of
what is already cached, so a resumed run decodes every sentence in the same batch as an
uninterrupted run and yields byte-identical translations.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence

import numpy as np

from xner.cache import ArtifactCache
from xner.errors import ConfigError
from xner.hub import resolve_device
from xner.langs import Language
from xner.translate.base import LangLike, Translator, Words, make_batches
from xner.translate.codes import UnsupportedLanguageError, m2m100_code, marian_code, nllb_code
from xner.translate.words import SPLITTERS, detokenize, split_words

log = logging.getLogger(__name__)
_FLORES = re.compile(r"[a-z]{3}_[A-Z][a-z]{3}")
BACKENDS = ("transformers", "ctranslate2")


def resolve_model(name: str) -> str:
    """A loadable directory (or, online, hub id) for `name`, or one clear `ModelNotFoundError`.

    ``tiny-nllb:<seed>``, ``tiny-m2m100:<seed>``, ``tiny-marian:<seed>`` build tiny random models.
    """
    from xner.translate.tiny import build_tiny_translator, parse_tiny

    tiny = parse_tiny(name)
    if tiny is not None:
        return str(build_tiny_translator(tiny[0], seed=tiny[1]))
    from xner.errors import ModelNotFoundError
    from xner.hub import resolve_model as hub_resolve

    try:
        return hub_resolve(name)
    except ModelNotFoundError:
        raise ModelNotFoundError(
            f"translation model {name!r} is not available offline: it is neither a local directory nor in "
            f"the Hugging Face cache, and the hub cannot be reached. Download it where there is network "
            f"(huggingface-cli download {name}) and set translator.model=<its directory>; offline, use "
            "human or existing translations instead (translator=parallel or translator=precomputed)"
        ) from None


class Seq2SeqTranslator(Translator):
    """A Hugging Face seq2seq translation model. Subclasses set the language-code conventions."""

    family = "seq2seq"

    def __init__(
        self,
        model: str,
        backend: str = "transformers",
        beam_size: int = 4,
        max_length: int = 256,
        batch_tokens: int = 4096,
        max_batch_size: int = 128,
        device: str = "auto",
        dtype: str = "auto",
        splitter: str | None = None,
        progress: bool = True,
    ):
        if backend not in BACKENDS:
            raise ConfigError(f"translator.backend={backend!r} is not valid; valid: {', '.join(BACKENDS)}")
        if splitter is not None and splitter not in SPLITTERS:
            raise ConfigError(
                f"translator.splitter={splitter!r} is not valid; valid: {', '.join(SPLITTERS)} "
                "(or null: the language's own lang.word_splitter)"
            )
        if beam_size < 1 or max_length < 1 or batch_tokens < 1 or max_batch_size < 1:
            raise ConfigError(
                "translator.beam_size, max_length, batch_tokens and max_batch_size must be positive"
            )
        self.model = model
        self.backend = backend
        self.beam_size = beam_size
        self.max_length = max_length
        self.batch_tokens = batch_tokens
        self.max_batch_size = max_batch_size
        self.device = device
        self.dtype = dtype
        self.splitter = splitter
        self.progress = progress
        self._loaded: dict = {}  # model name → (tokenizer, engine)
        self._codes: dict[int, frozenset[str]] = {}  # tokenizer → its language codes
        self.stats = {"translated": 0, "cached": 0, "empty": 0, "empty_output": 0, "seconds": 0.0}

    # -- language conventions (per family) ------------------------------------------------------
    def model_name(self, src: Language, tgt: Language) -> str:
        return self.model

    def src_code(self, lang: Language, tokenizer=None) -> str | None:
        raise NotImplementedError

    def tgt_code(self, lang: Language, tokenizer=None) -> str | None:
        return self.src_code(lang, tokenizer)

    def prefix_token(self, tgt_code: str | None, tokenizer) -> str | None:
        """The token forced as the first generated token (the target-language token)."""
        return tgt_code

    def source_text_prefix(self, tgt_code: str | None, tokenizer) -> str:
        return ""

    def check_languages(self, src: LangLike, tgt: LangLike) -> None:
        s, t = self.lang(src), self.lang(tgt)
        self.src_code(s)
        self.tgt_code(t)

    # -- model loading ------------------------------------------------------------------------------
    def _load(self, name: str, cache: ArtifactCache | None):
        if name in self._loaded:
            return self._loaded[name]
        from transformers import AutoTokenizer

        from xner.translate.engines import CTranslate2Engine, TransformersEngine, resolve_dtype

        path = resolve_model(name)
        device = resolve_device(self.device, "translator.device")
        dtype = resolve_dtype(self.dtype, device)
        tokenizer = AutoTokenizer.from_pretrained(path)
        if self.backend == "ctranslate2":
            engine = CTranslate2Engine(path, tokenizer, device, dtype, self.beam_size, self.max_length,
                                       cache_root=cache.root if cache is not None and cache.enabled else None)
        else:
            engine = TransformersEngine(path, tokenizer, device, dtype, self.beam_size, self.max_length)
        log.info("loaded %s (%s, %s, %s)", name, self.backend, device, dtype)
        self._loaded[name] = (tokenizer, engine)
        return self._loaded[name]

    def close(self) -> None:
        for _, engine in self._loaded.values():
            engine.close()
        self._loaded.clear()
        self._codes.clear()
        import gc

        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover
            pass

    def _encode(self, tokenizer, texts: Sequence[str], src_code: str | None, tgt_code: str | None) -> list:
        if src_code is not None and hasattr(tokenizer, "src_lang"):
            tokenizer.src_lang = src_code
        prefix = self.source_text_prefix(tgt_code, tokenizer)
        enc = tokenizer([prefix + t for t in texts], truncation=True, max_length=self.max_length)
        return enc["input_ids"]

    def cache_config(self, src: Language, tgt: Language) -> dict:
        from xner.hub import local_weights_id
        from xner.translate.engines import resolve_dtype

        device = resolve_device(self.device, "translator.device")
        return {
            "model": self.model_name(src, tgt),
            "weights": local_weights_id(self.model_name(src, tgt)),
            "family": self.family,
            "src": self.src_code(src),
            "tgt": self.tgt_code(tgt),
            "beam_size": self.beam_size,
            "max_length": self.max_length,
            "backend": self.backend,
            # numerics differ by precision and device kind, not by which GPU
            "dtype": resolve_dtype(self.dtype, device),
            "device": "cuda" if device.startswith("cuda") else device,
        }

    # -- translation ---------------------------------------------------------------------------------
    def translate_texts(
        self, texts: Sequence[str], src: LangLike, tgt: LangLike, *, cache: ArtifactCache | None = None
    ) -> list[str]:
        """Translate plain texts (one sentence each); empty texts translate to empty texts."""
        s, t = self.lang(src), self.lang(tgt)
        self.check_languages(s, t)
        unique = [x for x in dict.fromkeys(texts) if x.strip()]
        store = cache.append_log("translate", self.cache_config(s, t), "per-sentence") if cache else None
        done = store.load() if store is not None else {}
        pending = [x for x in unique if x not in done]
        self.stats["cached"] += len(unique) - len(pending)
        self.stats["empty"] += sum(1 for x in texts if not x.strip())
        if pending:
            self._translate_pending(unique, done, store, s, t, cache)
        return [done[x] if x.strip() else "" for x in texts]

    def _translate_pending(self, unique, done, store, s: Language, t: Language, cache) -> None:
        from tqdm.auto import tqdm

        name = self.model_name(s, t)
        tokenizer, engine = self._load(name, cache)
        src_code, tgt_code = self.src_code(s, tokenizer), self.tgt_code(t, tokenizer)
        ids = self._encode(tokenizer, unique, src_code, tgt_code)
        truncated = sum(1 for i, x in enumerate(ids) if len(x) >= self.max_length and unique[i] not in done)
        if truncated:
            log.warning("%d sentence(s) longer than translator.max_length=%d tokens were truncated before "
                        "translation; raise translator.max_length to translate them whole", truncated,
                        self.max_length)
            self.stats["truncated"] = self.stats.get("truncated", 0) + truncated
        prefix = self.prefix_token(tgt_code, tokenizer)
        prefix_id = tokenizer.convert_tokens_to_ids(prefix) if prefix is not None else None
        batches = make_batches([len(x) for x in ids], self.batch_tokens, self.max_batch_size)
        todo = sum(1 for x in unique if x not in done)
        bar = tqdm(total=todo, unit="sent", desc=f"translate {s.code}→{t.code}", disable=not self.progress,
                   mininterval=2.0)
        start = time.perf_counter()
        try:
            for batch in batches:
                missing = {i for i in batch if unique[i] not in done}
                if not missing:
                    continue
                out = self._generate(engine, [ids[i] for i in batch], prefix_id)
                texts = tokenizer.batch_decode(out, skip_special_tokens=True)
                new = {unique[i]: txt.strip() for i, txt in zip(batch, texts, strict=True) if i in missing}
                if store is not None:
                    store.append(new)
                done.update(new)
                self.stats["translated"] += len(new)
                bar.update(len(new))
        finally:
            bar.close()
            self.stats["seconds"] += time.perf_counter() - start
        log.info("translated %d sentences %s→%s in %.1fs", todo, s.code, t.code, self.stats["seconds"])

    def _generate(self, engine, batch: list, prefix_id: int | None) -> list[list[int]]:
        """`engine.generate`, halving the batch on out-of-memory (down to single sentences)."""
        try:
            return engine.generate(batch, prefix_id)
        except RuntimeError as exc:
            if "out of memory" not in str(exc).lower() or len(batch) == 1:
                raise
            self.stats["oom_splits"] = self.stats.get("oom_splits", 0) + 1
            log.warning("out of memory on a batch of %d sentences; splitting it (lower translator.batch_tokens "
                        "to avoid this)", len(batch))
            try:
                import torch

                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
            except ImportError:  # pragma: no cover
                pass
            half = len(batch) // 2
            return self._generate(engine, batch[:half], prefix_id) + self._generate(engine, batch[half:], prefix_id)

    def translate(
        self,
        sentences: Sequence[Sequence[str]],
        src: LangLike,
        tgt: LangLike,
        *,
        cache: ArtifactCache | None = None,
        ids: Sequence[str] | None = None,
    ) -> list[Words]:
        s, t = self.lang(src), self.lang(tgt)
        texts = [detokenize(words, s.word_splitter) for words in sentences]
        outputs = self.translate_texts(texts, s, t, cache=cache)
        splitter = self.splitter or t.word_splitter
        result = [split_words(o, splitter, t.code) for o in outputs]
        lost = sum(1 for x, r in zip(texts, result, strict=True) if x.strip() and not r)
        if lost:
            self.stats["empty_output"] += lost
            log.warning("%d non-empty sentence(s) translated to nothing (%s→%s)", lost, s.code, t.code)
        return result

    # -- translation score -----------------------------------------------------------------------------
    def score(
        self,
        sources: Sequence[Sequence[str]],
        targets: Sequence[Sequence[str]],
        src: LangLike,
        tgt: LangLike,
        *,
        cache: ArtifactCache | None = None,
    ) -> np.ndarray:
        """P(target | source) under the model, per pair: exp of the mean token log-probability.

        Used as the translation score of fused matching (source entity vs target candidate). The
        forced target-language token is not scored. Pairs are batched by length.
        """
        if len(sources) != len(targets):
            raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
        s, t = self.lang(src), self.lang(tgt)
        self.check_languages(s, t)
        out = np.zeros(len(sources), dtype=np.float64)
        if not sources:
            return out
        tokenizer, engine = self._load(self.model_name(s, t), cache)
        src_code, tgt_code = self.src_code(s, tokenizer), self.tgt_code(t, tokenizer)
        src_ids = self._encode(tokenizer, [detokenize(x, s.word_splitter) for x in sources], src_code, tgt_code)
        if tgt_code is not None and hasattr(tokenizer, "tgt_lang"):
            tokenizer.tgt_lang = tgt_code
        tgt_texts = [detokenize(x, t.word_splitter) for x in targets]
        tgt_ids = tokenizer(text_target=tgt_texts, truncation=True, max_length=self.max_length)["input_ids"]
        skip = 1 if self.prefix_token(tgt_code, tokenizer) is not None else 0
        lengths = [max(len(a), len(b)) for a, b in zip(src_ids, tgt_ids, strict=True)]
        for batch in make_batches(lengths, self.batch_tokens, self.max_batch_size):
            mean_lp = engine.score([src_ids[i] for i in batch], [tgt_ids[i] for i in batch], skip)
            out[batch] = np.exp(mean_lp)
        return out


class NLLBTranslator(Seq2SeqTranslator):
    """NLLB-200 (facebook/nllb-200-distilled-600M, -1.3B, -3.3B): FLORES-200 codes."""

    family = "nllb"

    def _vocab(self, tokenizer) -> frozenset[str] | None:
        """The FLORES-200 language tokens the tokenizer knows (whether or not it lists them as special)."""
        if tokenizer is None:
            return None
        key = id(tokenizer)
        if key not in self._codes:
            self._codes[key] = frozenset(t for t in tokenizer.get_vocab() if _FLORES.fullmatch(t))
        return self._codes[key]

    def src_code(self, lang: Language, tokenizer=None) -> str:
        return nllb_code(lang, self.model, self._vocab(tokenizer))


class M2M100Translator(Seq2SeqTranslator):
    """M2M100 (facebook/m2m100_418M, _1.2B): ISO 639-1 based codes, ``__xx__`` language tokens."""

    family = "m2m100"

    def src_code(self, lang: Language, tokenizer=None) -> str:
        vocab = frozenset(tokenizer.lang_code_to_token) if tokenizer is not None else None
        return m2m100_code(lang, self.model, vocab)

    def prefix_token(self, tgt_code: str | None, tokenizer) -> str | None:
        return tokenizer.lang_code_to_token[tgt_code]


class MarianTranslator(Seq2SeqTranslator):
    """OPUS-MT (Marian) models, one per language pair.

    `model` is a hub id or directory, optionally a template with ``{src}`` and ``{tgt}``
    (default ``Helsinki-NLP/opus-mt-{src}-{tgt}``). Multi-target models (whose vocabulary has
    ``>>code<<`` tokens) get the target token prepended to the source text.
    """

    family = "marian"

    def model_name(self, src: Language, tgt: Language) -> str:
        return self.model.format(src=marian_code(src), tgt=marian_code(tgt))

    def src_code(self, lang: Language, tokenizer=None) -> str | None:
        return None

    def tgt_code(self, lang: Language, tokenizer=None) -> str | None:
        if tokenizer is None:
            return marian_code(lang)
        key = id(tokenizer)
        if key not in self._codes:
            vocab = tokenizer.get_vocab()
            self._codes[key] = frozenset(t[2:-2] for t in vocab if t.startswith(">>") and t.endswith("<<"))
        targets = self._codes[key]
        for code in (lang.iso1, lang.iso3, lang.code, lang.nllb):
            if code and code in targets:
                return code
        if targets:
            raise UnsupportedLanguageError(
                f"lang={lang.code} ({lang.name}) is not a target of the multi-target model {self.model!r}"
            )
        return None

    def prefix_token(self, tgt_code: str | None, tokenizer) -> str | None:
        return None

    def source_text_prefix(self, tgt_code: str | None, tokenizer) -> str:
        return f">>{tgt_code}<< " if tgt_code else ""

    def cache_config(self, src: Language, tgt: Language) -> dict:
        cfg = super().cache_config(src, tgt)
        cfg["tgt"] = marian_code(tgt)
        return cfg
