"""Translation stage wiring for the tasks: open the configured translator, translate sentences
(cached per sentence, with a translations artifact in the run directory), and score translations
for fused matching. Translation with entity markers is the library `xner.translate.marker_projection`;
its task wiring (marker translate-train, back-translation refinement) is `xner.pipeline.markers`.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from hydra.utils import instantiate
from omegaconf import DictConfig

from xner.cache import atomic_write_text
from xner.data.types import Sentence, Span
from xner.errors import ConfigError
from xner.pipeline.context import RunContext
from xner.translate.base import LangLike, Translator, Words
from xner.translate.codes import as_language
from xner.translate.files import ParallelTranslator

log = logging.getLogger(__name__)


@contextlib.contextmanager
def open_translator(cfg: DictConfig) -> Iterator[Translator]:
    """The translator of `cfg.translator`; ``translator=parallel`` without files gets the run's
    parallel dataset. The model is released on exit."""
    if cfg.get("translator") is None:
        raise ConfigError("translator is not set; choose translator=nllb|m2m100|marian|precomputed|parallel")
    translator = instantiate(cfg.translator, _convert_="all")
    if isinstance(translator, ParallelTranslator) and not translator.has_pairs:
        from xner.data.loaders import describe_parallel, load_parallel

        translator.add_pairs(load_parallel(cfg), describe_parallel(cfg))
    try:
        yield translator
    finally:
        translator.close()


def translation_metrics(translator: Translator, prefix: str = "translate") -> dict[str, float]:
    stats = getattr(translator, "stats", None) or {}
    out = {f"{prefix}/{k}": float(v) for k, v in stats.items()}
    if stats.get("translated") and stats.get("seconds"):
        out[f"{prefix}/sentences_per_s"] = stats["translated"] / stats["seconds"]
    return out


def translate_sentences(
    ctx: RunContext,
    translator: Translator,
    sentences: Sequence[Sentence],
    src: LangLike,
    tgt: LangLike,
    *,
    artifact: str | None = "translations",
) -> list[Words]:
    """Translate `sentences` src→tgt through the cache; write ``<artifact>.<src>-<tgt>.jsonl``
    (id, origin, source words, translated words per line, atomically) into the run directory."""
    s, t = as_language(src), as_language(tgt)
    out = translator.translate(
        [x.words for x in sentences], s, t, cache=ctx.cache, ids=[x.id for x in sentences]
    )
    if len(out) != len(sentences):
        raise RuntimeError(f"translator returned {len(out)} translations for {len(sentences)} sentences")
    if artifact:
        path = ctx.output_dir / f"{artifact}.{s.code}-{t.code}.jsonl"
        atomic_write_text(
            path,
            "".join(
                json.dumps({"id": x.id, "origin": x.origin, "source": list(x.words), "words": w},
                           ensure_ascii=False) + "\n"
                for x, w in zip(sentences, out, strict=True)
            ),
        )
        log.info("translations %s→%s: %s", s.code, t.code, path)
    return out


class TranslationScorer:
    """The ``translation`` score of fused matching: P(candidate | source entity) under the model.

    Called by `MatchingProjector` per sentence as ``(src_spans, tgt_words, candidates, index)``; the
    source words of sentence `index` are given at construction. All new (entity, candidate) pairs of
    a sentence are scored in one batched call; scores are memoised and, with a cache, stored per pair
    in the artifact cache (so a sweep over matchers scores each pair once).
    """

    def __init__(self, translator: Any, src_sentences: Sequence[Sequence[str]], src: LangLike, tgt: LangLike,
                 cache=None):
        if not hasattr(translator, "score"):
            raise ConfigError(
                f"projection.weights.translation needs a model translator (nllb|m2m100|marian), "
                f"not translator={getattr(translator, 'name', '?')}"
            )
        self.translator = translator
        self.src_sentences = src_sentences
        self.src, self.tgt = as_language(src), as_language(tgt)
        self.cache = cache
        self.store = None
        self._memo: dict[str, float] = {}
        if cache is not None and hasattr(translator, "cache_config"):
            self.store = cache.append_log("translation_score", translator.cache_config(self.src, self.tgt), "pairs")
            self._memo = self.store.load()

    @staticmethod
    def _key(entity: Sequence[str], candidate: Sequence[str]) -> str:
        return json.dumps([list(entity), list(candidate)], ensure_ascii=False, separators=(",", ":"))

    def __call__(self, src_spans: Sequence[Span], tgt_words: Sequence[str], candidates: Any, index: int) -> np.ndarray:
        words = self.src_sentences[index]
        ents = [tuple(words[s.start : s.end]) for s in src_spans]
        cands = [tuple(tgt_words[a:b]) for a, b in candidates.spans()]
        todo = list(dict.fromkeys((e, c) for e in ents for c in cands if self._key(e, c) not in self._memo))
        if todo:
            scores = self.translator.score([list(e) for e, _ in todo], [list(c) for _, c in todo],
                                           self.src, self.tgt, cache=self.cache)
            new = {self._key(e, c): float(x) for (e, c), x in zip(todo, scores.tolist(), strict=True)}
            if self.store is not None:
                self.store.append(new)
            self._memo.update(new)
        return np.array([[self._memo[self._key(e, c)] for c in cands] for e in ents], dtype=np.float64).reshape(
            len(ents), len(cands)
        )
