"""Stage helpers shared by the tasks: cached word alignment and projection with counted outcomes.

- `align_pairs(ctx, aligner, src_words, tgt_words)`: links per sentence pair through the artifact
  cache, one record per pair (an `AppendLog` keyed by the aligner's `cache_config()`), so sweeps
  over projection options never realign, a subset reuses a superset's alignments, and a killed run
  resumes where it stopped.
- `open_aligner(cfg)`: the configured aligner, its model released on exit.
- `open_projector(cfg)`: the projector of `cfg.projection` (with `cfg.candidates`, `cfg.matcher`
  and, for ``candidates=ner``, `cfg.tagger`), releasing any model it loaded on exit.
- `project_batch(projector, inputs, refined=...)`: validate, project, count and log every entity
  that was not projected, by reason.

Back-translation seam: with ``projection.backtranslation=true`` the caller passes `refined` — one
`ProjectionInput` per sentence whose source side is the labelled back-translation (spans read from
its markers) and whose links join it to the original target words — and those are projected
instead of `inputs`. Source entities that did not come back (markers lost) are counted all the same:
in ``projection/src_entities``, as ``unprojected["backtranslation_lost"]`` of their sentence's
projection (so callers see the sentence as incomplete) and of the batch. Without `refined` the flag
is a ConfigError naming the key.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.utils import get_class, instantiate
from omegaconf import DictConfig

from xner.data.types import Links, SentencePair, Span
from xner.errors import ConfigError
from xner.pipeline.context import RunContext
from xner.project.base import ProjectionInput, ProjectionStats, SentenceProjection, validate_input

log = logging.getLogger(__name__)

ALIGN_CHUNK = 256  # pairs aligned (and appended to the cache) per aligner call


def _pair_key(src: Sequence[str], tgt: Sequence[str]) -> str:
    blob = json.dumps([list(src), list(tgt)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def align_pairs(
    ctx: RunContext,
    aligner: Any,
    src_words: Sequence[Sequence[str]],
    tgt_words: Sequence[Sequence[str]],
) -> list[Links]:
    """Word links (source index, target index) for each pair, cached per pair and aligner config."""
    if len(src_words) != len(tgt_words):
        raise ValueError(f"{len(src_words)} source but {len(tgt_words)} target sentences")
    corpus_level = bool(getattr(aligner, "corpus_level", False))
    if corpus_level:
        # A statistical aligner (eflomal) learns from the whole corpus it aligns: one call over
        # all pairs, and its links are cached for this corpus only (a pair's links depend on it).
        corpus = hashlib.sha256("\x1e".join(map(_pair_key, src_words, tgt_words)).encode()).hexdigest()[:24]
        store = ctx.cache.append_log("align", aligner.cache_config(), f"corpus-{corpus}")
    else:
        store = ctx.cache.append_log("align", aligner.cache_config(), "pairs-v1")
    done = store.load()
    keys = [_pair_key(s, t) for s, t in zip(src_words, tgt_words, strict=True)]
    todo = []
    empty = 0
    seen = set()
    for i, k in enumerate(keys):
        if k in done or k in seen:
            continue
        seen.add(k)
        if not src_words[i] or not tgt_words[i]:
            done[k] = []  # nothing to align; counted by the projection stats as an empty alignment
            empty += 1
            continue
        todo.append(i)
    if todo:
        log.info(
            "aligning %d sentence pairs (%d cached or repeated, %d with an empty side)",
            len(todo),
            len(keys) - len(todo) - empty,
            empty,
        )
        started = time.perf_counter()
        step = len(todo) if corpus_level else ALIGN_CHUNK
        for c in range(0, len(todo), step):
            chunk = todo[c : c + step]
            links = aligner.align([list(src_words[i]) for i in chunk], [list(tgt_words[i]) for i in chunk])
            if len(links) != len(chunk):
                raise RuntimeError(f"aligner returned {len(links)} link sets for {len(chunk)} pairs")
            new = {keys[i]: sorted([int(a), int(b)] for a, b in lk) for i, lk in zip(chunk, links, strict=True)}
            store.append(new)
            done.update(new)
        log.info("aligned %d pairs in %.1f s", len(todo), time.perf_counter() - started)
    return [frozenset((a, b) for a, b in done[k]) for k in keys]


def make_inputs(
    pairs: Sequence[SentencePair],
    links: Sequence[Links],
    src_spans: Sequence[Sequence[Span]] | None = None,
) -> list[ProjectionInput]:
    """Projection inputs from sentence pairs: source entities from the source tags (or `src_spans`)."""
    out = []
    for k, (pair, lk) in enumerate(zip(pairs, links, strict=True)):
        spans = tuple(src_spans[k]) if src_spans is not None else tuple(pair.source.spans)
        where = pair.target.origin or pair.target.id or f"pair {k}"
        out.append(ProjectionInput(spans, len(pair.source), tuple(pair.target.words), lk, where, pair.source.words))
    return out


@contextlib.contextmanager
def open_aligner(cfg: DictConfig) -> Iterator[Any]:
    """The aligner of `cfg.aligner`; its model is released (``close()``) when the block ends."""
    if cfg.get("aligner") is None:
        raise ConfigError("aligner is not set; choose aligner=<option> (see conf/aligner/)")
    _check_local_encoder(cfg.aligner.get("encoder"))
    aligner = instantiate(cfg.aligner)
    try:
        yield aligner
    finally:
        if hasattr(aligner, "close"):
            aligner.close()


def _needs(cls: type, param: str) -> bool:
    return param in inspect.signature(cls.__init__).parameters


def _check_local_dir(key: str, value: Any, made_by: str) -> None:
    """A model given as a path that does not exist is usually another job's output not made yet:
    say which job makes it. Hub ids ("org/name") and ``offline:`` names are left to the resolver."""
    name = str(value or "")
    looks_like_path = name.startswith(("/", ".", "~")) or name.count("/") > 1
    if looks_like_path and not Path(name).expanduser().is_dir():
        raise ConfigError(f"{key}={name}: no model directory there. {made_by}")


def _check_local_tagger(model: Any) -> None:
    _check_local_dir(
        "tagger.model", model,
        "If another job makes it, run that job first — in experiment=masakhaner_offline it is the model saved "
        "by the model_transfer job of the same language and overrides (+experiment/masakhaner_method="
        "model_transfer; the full sweep runs it first)",
    )


def _check_local_encoder(encoder: Any) -> None:
    _check_local_dir(
        "aligner.encoder", encoder,
        "A fine-tuned encoder is the `encoder/` directory of a task=align_finetune run; run that job first "
        "(for +experiment/masakhaner_method=ngram_ilp_alignft: python run.py experiment=align_finetune_african)",
    )


@contextlib.contextmanager
def open_projector(cfg: DictConfig, *, tagger: Any = None, scorers: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """The configured projector; a tagger it had to load for ``candidates=ner`` is closed on exit."""
    if cfg.get("projection") is None:
        raise ConfigError("projection is not set; choose projection=heuristic or projection=matching")
    cls = get_class(cfg.projection._target_)
    kwargs: dict[str, Any] = {}
    owned = None
    if _needs(cls, "candidates"):
        for group in ("candidates", "matcher"):
            if cfg.get(group) is None:
                raise ConfigError(f"projection=matching needs {group}=<option> (see conf/{group}/)")
        cand_cls = get_class(cfg.candidates._target_)
        cand_kwargs = {}
        if getattr(cand_cls, "needs_tagger", False):
            if tagger is None:
                if cfg.get("tagger") is None:
                    raise ConfigError("candidates=ner needs tagger=<option> (see conf/tagger/)")
                _check_local_tagger(cfg.tagger.get("model"))
                tagger = owned = instantiate(cfg.tagger)
            cand_kwargs["tagger"] = tagger
        kwargs["candidates"] = instantiate(cfg.candidates, **cand_kwargs)
        kwargs["matcher"] = instantiate(cfg.matcher)
        if scorers:
            kwargs["scorers"] = dict(scorers)
    try:
        yield instantiate(cfg.projection, **kwargs, _convert_="all")
    finally:
        if owned is not None and hasattr(owned, "close"):
            owned.close()


@dataclass
class ProjectedBatch:
    projections: list[SentenceProjection]
    stats: ProjectionStats
    seconds: float
    inputs: list[ProjectionInput] = field(default_factory=list)  # what was projected (refined, if so)

    @property
    def spans(self) -> list[list[Span]]:
        return [p.spans for p in self.projections]


def project_batch(
    projector: Any,
    inputs: Sequence[ProjectionInput],
    *,
    refined: Sequence[ProjectionInput] | None = None,
) -> ProjectedBatch:
    """Project a batch; validate inputs, count every outcome and log a summary."""
    if getattr(projector, "backtranslation", False):
        if refined is None:
            raise ConfigError(
                "projection.backtranslation=true needs the back-translation refinement, which this "
                "task does not provide (it comes with a translator); set projection.backtranslation=false"
            )
        if len(refined) != len(inputs) or any(r.tgt_words != x.tgt_words for r, x in zip(refined, inputs, strict=True)):
            raise ValueError("refined inputs must match the inputs one to one, with the same target words")
        # entities whose markers did not come back never reach the projector; count them per sentence
        lost = [max(0, len(x.src_spans) - len(r.src_spans)) for x, r in zip(inputs, refined, strict=True)]
        inputs = refined
    else:
        lost = None
    for x in inputs:
        validate_input(x)
    started = time.perf_counter()
    projections = projector.project(list(inputs))
    seconds = time.perf_counter() - started
    stats = ProjectionStats()
    if lost is not None:
        for p, n in zip(projections, lost, strict=True):
            if n:
                p.unprojected["backtranslation_lost"] += n
        stats.src_entities += sum(lost)
        stats.unprojected["backtranslation_lost"] += 0  # reported (0) whenever back-translation is on
    for x, p in zip(inputs, projections, strict=True):
        stats.add(x, p)
    stats.log_summary()
    log.info(
        "projected %d of %d entities in %d sentences (%.2f s)",
        stats.projected,
        stats.src_entities,
        stats.sentences,
        seconds,
    )
    return ProjectedBatch(projections, stats, seconds, list(inputs))
