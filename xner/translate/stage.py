"""Translation stage helpers for the tasks: open the configured translator, translate sentences
(cached per sentence, with a translations artifact in the run directory), translate with entity
markers, build the back-translation refinement, and score translations for fused matching.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hydra.utils import instantiate
from omegaconf import DictConfig

from xner.data.types import Sentence, Span
from xner.errors import ConfigError
from xner.pipeline.cache import atomic_write_text
from xner.pipeline.context import RunContext
from xner.translate.base import LangLike, Translator, Words
from xner.translate.codes import as_language
from xner.translate.files import ParallelTranslator, PrecomputedTranslator
from xner.translate.markers import MarkedResult, insert_markers, read_marked

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


def _needs_model(translator: Translator, what: str) -> None:
    if isinstance(translator, ParallelTranslator | PrecomputedTranslator):
        raise ConfigError(
            f"{what} translates text with entity markers, which translator={translator.name} cannot do; "
            "use a model translator (translator=nllb|m2m100|marian)"
        )


def translate_with_markers(
    translator: Translator,
    sentences: Sequence[Sequence[str]],
    spans: Sequence[Sequence[Span]],
    src: LangLike,
    tgt: LangLike,
    *,
    cache=None,
    min_similarity: float = 0.5,
    fallback: bool = True,
    fallback_similarity: float = 0.8,
    what: str = "projection=marker",
    skip_without_entities: bool = False,
    artifact: Path | None = None,
) -> list[MarkedResult]:
    """Translate sentences with ``[ ]`` around their entities and read the labelled spans back.

    Every distinct entity is also translated alone (batched, cached) to label the marked ranges
    (see `xner.translate.markers.read_marked`). `skip_without_entities`: sentences without entities
    are not translated (their result has no words) — for uses that only need the entities. `artifact`:
    a JSONL file recording, per sentence, the marked input, the raw output, and the spans read back.
    Summarise the outcome with `summarize_markers`."""
    _needs_model(translator, what)
    s, t = as_language(src), as_language(tgt)
    todo = [k for k, sp in enumerate(spans) if sp or not skip_without_entities]
    marked = {k: insert_markers(sentences[k], spans[k]) for k in todo}
    outputs = dict(zip(todo, translator.translate([marked[k] for k in todo], s, t, cache=cache), strict=True))
    phrases = list(dict.fromkeys(tuple(w[x.start : x.end]) for w, sp in zip(sentences, spans, strict=True)
                                 for x in sp))
    alone = dict(zip(phrases, translator.translate([list(p) for p in phrases], s, t, cache=cache), strict=True))
    results = []
    for k, (words, sp) in enumerate(zip(sentences, spans, strict=True)):
        ents = [list(words[x.start : x.end]) for x in sp]
        results.append(
            read_marked(outputs.get(k, []), ents, [x.label for x in sp], [alone[tuple(e)] for e in ents],
                        min_similarity=min_similarity, fallback=fallback, fallback_similarity=fallback_similarity)
        )
    if artifact is not None:
        atomic_write_text(artifact, "".join(
            json.dumps({"marked": marked.get(k), "output": outputs.get(k), "words": r.words,
                        "spans": [[x.start, x.end, x.label] for x in r.spans],
                        "unprojected": dict(r.unprojected), "issues": dict(r.issues)}, ensure_ascii=False) + "\n"
            for k, r in enumerate(results)
        ))
    return results


def summarize_markers(results: Sequence[MarkedResult], what: str) -> dict[str, float]:
    issues: Counter = Counter()
    lost: Counter = Counter()
    for r in results:
        issues.update(r.issues)
        lost.update(r.unprojected)
    entities = sum(len(r.assignment) for r in results)
    found = sum(sum(a is not None for a in r.assignment) for r in results)
    recovered = sum(r.recovered for r in results)
    failed = sum(1 for r in results if r.assignment and all(a is None for a in r.assignment))
    if failed or lost:
        log.warning(
            "%s: %d of %d entities read back (%d by fuzzy fallback); %d sentence(s) with entities had none "
            "read back (counted as unprojected); lost: %s; marker issues: %s",
            what, found, entities, recovered, failed, dict(lost), dict(issues),
        )
    else:
        log.info("%s: %d of %d entities read back (%d by fuzzy fallback)", what, found, entities, recovered)
    metrics = {"markers/entities": float(entities), "markers/read_back": float(found),
               "markers/fuzzy_recovered": float(recovered), "markers/sentences_unprojected": float(failed)}
    metrics.update({f"markers/lost_{k}": float(v) for k, v in lost.items()})
    metrics.update({f"markers/issue_{k}": float(v) for k, v in issues.items()})
    return metrics


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
