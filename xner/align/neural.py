"""Encoder aligners: SimAlign (argmax | itermax | match) and AWESoME's softmax extraction.

One batched forward pass per call embeds both sides (`SubwordEmbedder`); similarity matrices are
built and links extracted for groups of pairs at once (`xner.align.extract`), and subword links
become word links ("bpe": any subword pair linked ⇒ words linked; "word": vectors averaged per word
first). `align_methods` extracts several SimAlign methods from the same pass.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from xner.align.base import ScoredAlignment, check_pair_counts
from xner.align.encoder import SubwordEmbedder, SubwordEmbeddings
from xner.align.extract import cosine_similarity, extract, softmax_probs
from xner.data.types import Links
from xner.errors import ConfigError

log = logging.getLogger(__name__)

GROUP = 64  # pairs per vectorised extraction group
DTYPES = ("float32", "float16", "bfloat16")  # the encoder's weights and activations


def _word_level(e: SubwordEmbeddings, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """(vectors, word index of each row): subwords as they are, or averaged per word."""
    if mode == "bpe" or len(e.word_ids) == 0:
        return e.vectors, e.word_ids
    starts = np.flatnonzero(np.r_[True, e.word_ids[1:] != e.word_ids[:-1]])  # word ids are contiguous
    words = e.word_ids[starts]
    counts = np.diff(np.r_[starts, len(e.word_ids)])
    sums = np.add.reduceat(e.vectors, starts, axis=0)
    return (sums / counts[:, None]).astype(np.float32), words


class EncoderAligner:
    """Shared machinery; subclasses define `kind`, `methods` and the score function."""

    kind = "encoder"

    def __init__(
        self,
        encoder: str = "bert-base-multilingual-cased",
        layer: int = 8,
        subwords: str = "bpe",
        batch_size: int = 32,
        device: str = "cpu",
        window: int | None = None,
        progress: bool = True,
        dtype: str = "float32",
        backend: str = "torch",
    ):
        from xner.backends import check_backend

        if subwords not in ("bpe", "word"):
            raise ConfigError(f"aligner.subwords={subwords!r} is not valid; choose bpe or word")
        if dtype not in DTYPES:
            raise ConfigError(f"aligner.dtype={dtype!r} is not valid; choose one of {', '.join(DTYPES)}")
        self.dtype = dtype
        self.encoder = encoder
        self.layer = layer
        self.subwords = subwords
        self.batch_size = batch_size
        self.device = device
        self.window = window
        self.progress = progress
        self.backend = check_backend(backend, "aligner.backend")
        self._embedder: SubwordEmbedder | None = None
        self._backend_metrics: dict[str, float] = {}
        self.last_timing: dict[str, float] = {}

    # -- lifecycle: the model is loaded on first use and released by close() -----------------------
    @property
    def embedder(self) -> SubwordEmbedder:
        if self._embedder is None:
            self._embedder = SubwordEmbedder(self.encoder, self.layer, self.batch_size, self.device,
                                             self.window, self.progress, dtype=self.dtype,
                                             backend=self.backend)
        return self._embedder

    def load(self) -> EncoderAligner:
        """Load the encoder now (so that timing excludes it)."""
        _ = self.embedder
        return self

    def close(self) -> None:
        if self._embedder is not None:
            self._backend_metrics = self.metrics()
            self._embedder.close()
            self._embedder = None

    def __enter__(self) -> EncoderAligner:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- identity for the artifact cache -------------------------------------------------------
    def cache_config(self) -> dict[str, Any]:
        from xner.hub import local_weights_id, resolve_device

        # the device kind and dtype too: CUDA and CPU (or float32 and bfloat16) links differ in rare ties
        device = resolve_device(self.device, "aligner.device").split(":")[0]
        return {"aligner": self.kind, "encoder": self.encoder, "weights": local_weights_id(self.encoder),
                "layer": self.layer, "subwords": self.subwords, "window": self.window,
                "device": device, "dtype": self.dtype, **self._method_config(),

                # links from another backend are not fp32's: they get their own cache entries
                **({"backend": self.backend} if self.backend != "torch" else {})}

    def metrics(self) -> dict[str, float]:
        """``align/backend_fallback``: 1 when the configured backend could not be used (see the log)."""
        if self._embedder is None or self._embedder.runner is None:
            return dict(self._backend_metrics)  # after close(): what the last model reported
        return self._embedder.runner.metrics("align") if self.backend != "torch" else {}

    def _method_config(self) -> dict[str, Any]:
        return {}

    # -- subclass hooks ----------------------------------------------------------------------------
    default_method = "argmax"
    methods: tuple[str, ...] = ()

    def _scores(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _extract_kwargs(self, method: str) -> dict[str, Any]:
        return {}

    def _word_scores(self, score: np.ndarray, rows: int, cols: int) -> np.ndarray:
        return score[:rows, :cols]

    # -- public API ------------------------------------------------------------------------------
    def align(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> list[Links]:
        """Word links (source index, target index) for each sentence pair."""
        return self.align_methods(src, tgt, (self.default_method,))[self.default_method]

    def align_scored(self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]]) -> list[ScoredAlignment]:
        """Links plus a word-level score matrix (len(src_i), len(tgt_i)) per pair."""
        return self._run(src, tgt, (self.default_method,), with_scores=True)[1]

    def align_methods(
        self, src: Sequence[Sequence[str]], tgt: Sequence[Sequence[str]], methods: Sequence[str]
    ) -> dict[str, list[Links]]:
        """Several extraction methods from one forward pass."""
        return self._run(src, tgt, tuple(methods), with_scores=False)[0]

    def _run(self, src, tgt, methods: tuple[str, ...], with_scores: bool):
        check_pair_counts(src, tgt)
        for m in methods:
            if m not in self.methods:
                raise ConfigError(f"{self.kind}: method {m!r} is not valid; choose one of {', '.join(self.methods)}")
        t0 = time.perf_counter()
        emb = self.embedder.embed(list(src) + list(tgt))
        t1 = time.perf_counter()
        n = len(src)
        links: dict[str, list[Links]] = {m: [frozenset()] * n for m in methods}
        scored: list[ScoredAlignment] = []
        score_mats: list[np.ndarray | None] = [None] * n
        sides = [(_word_level(emb[i], self.subwords), _word_level(emb[n + i], self.subwords)) for i in range(n)]
        live = [i for i in range(n) if len(sides[i][0][1]) and len(sides[i][1][1])]
        live.sort(key=lambda i: (len(sides[i][0][1]), len(sides[i][1][1])))
        for g in range(0, len(live), GROUP):
            idx = live[g : g + GROUP]
            rows = np.array([len(sides[i][0][1]) for i in idx])
            cols = np.array([len(sides[i][1][1]) for i in idx])
            hdim = sides[idx[0]][0][0].shape[1]
            xs = np.zeros((len(idx), rows.max(), hdim), np.float32)
            ys = np.zeros((len(idx), cols.max(), hdim), np.float32)
            rw = np.full((len(idx), rows.max()), -1, np.int64)
            cw = np.full((len(idx), cols.max()), -1, np.int64)
            for k, i in enumerate(idx):
                (xv, xw), (yv, yw) = sides[i]
                xs[k, : len(xw)], rw[k, : len(xw)] = xv, xw
                ys[k, : len(yw)], cw[k, : len(yw)] = yv, yw
            score = self._scores(xs, ys)
            for m in methods:
                mask = extract(m, score, rows, cols, **self._extract_kwargs(m))
                b, r, c = np.nonzero(mask)
                pairs = np.unique(np.stack([b, rw[b, r], cw[b, c]], axis=1), axis=0)
                split = np.searchsorted(pairs[:, 0], np.arange(len(idx) + 1))
                for k, i in enumerate(idx):
                    chunk = pairs[split[k] : split[k + 1], 1:]
                    links[m][i] = frozenset((int(a), int(z)) for a, z in chunk)
            if with_scores:
                word_level = self._pair_scores(score, rows, cols)
                for k, i in enumerate(idx):
                    score_mats[i] = _aggregate(word_level[k, : rows[k], : cols[k]], sides[i][0][1], sides[i][1][1],
                                               len(src[i]), len(tgt[i]))
        t2 = time.perf_counter()
        self.last_timing = {"encode_s": t1 - t0, "extract_s": t2 - t1, "pairs": float(n)}
        if with_scores:
            m = methods[0]
            for i in range(n):
                mat = score_mats[i] if score_mats[i] is not None else np.zeros((len(src[i]), len(tgt[i])), np.float32)
                scored.append(ScoredAlignment(links[m][i], mat))
        return links, scored

    def _pair_scores(self, score: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return score


def _aggregate(mat: np.ndarray, row_words: np.ndarray, col_words: np.ndarray, n_src: int, n_tgt: int) -> np.ndarray:
    """Word-level matrix: the maximum over the subword pairs of each word pair (0 for words without any)."""
    out = np.zeros((n_src, n_tgt), np.float32)
    if mat.size == 0:
        return out
    rstart = np.flatnonzero(np.r_[True, row_words[1:] != row_words[:-1]])
    cstart = np.flatnonzero(np.r_[True, col_words[1:] != col_words[:-1]])
    red = np.maximum.reduceat(np.maximum.reduceat(mat, rstart, axis=0), cstart, axis=1)
    out[np.ix_(row_words[rstart], col_words[cstart])] = red
    return out


class SimAlign(EncoderAligner):
    """SimAlign (Jalili Sabet et al. 2020): cosine similarity, argmax | itermax | match."""

    kind = "simalign"
    methods = ("argmax", "itermax", "match")

    def __init__(
        self,
        encoder: str = "bert-base-multilingual-cased",
        layer: int = 8,
        method: str = "itermax",
        subwords: str = "bpe",
        batch_size: int = 32,
        device: str = "cpu",
        window: int | None = None,
        progress: bool = True,
        itermax_rounds: int = 2,
        itermax_alpha: float = 0.9,
        dtype: str = "float32",
        backend: str = "torch",
    ):
        super().__init__(encoder, layer, subwords, batch_size, device, window, progress, dtype, backend)
        if method not in self.methods:
            raise ConfigError(f"aligner.method={method!r} is not valid; choose one of {', '.join(self.methods)}")
        self.method = method
        self.default_method = method
        if itermax_rounds < 1:
            raise ConfigError(f"aligner.itermax_rounds must be ≥ 1, got {itermax_rounds}")
        self.itermax_rounds = itermax_rounds
        self.itermax_alpha = itermax_alpha

    def _method_config(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method}
        if self.method == "itermax":
            out.update(itermax_rounds=self.itermax_rounds, itermax_alpha=self.itermax_alpha)
        return out

    def _scores(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return cosine_similarity(x, y)

    def _extract_kwargs(self, method: str) -> dict[str, Any]:
        if method == "itermax":
            return {"max_count": self.itermax_rounds, "alpha": self.itermax_alpha}
        return {}


class Awesome(EncoderAligner):
    """AWESoME extraction without fine-tuning (Dou & Neubig 2021): dot product, bidirectional softmax."""

    kind = "awesome"
    methods = ("softmax",)
    default_method = "softmax"

    def __init__(
        self,
        encoder: str = "bert-base-multilingual-cased",
        layer: int = 8,
        threshold: float = 1e-3,
        subwords: str = "bpe",
        batch_size: int = 32,
        device: str = "cpu",
        window: int | None = None,
        progress: bool = True,
        dtype: str = "float32",
        backend: str = "torch",
    ):
        super().__init__(encoder, layer, subwords, batch_size, device, window, progress, dtype, backend)
        if not 0.0 < threshold < 1.0:
            raise ConfigError(f"aligner.threshold must be in (0, 1), got {threshold}")
        self.threshold = threshold

    def _method_config(self) -> dict[str, Any]:
        return {"threshold": self.threshold}

    def _scores(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x @ np.swapaxes(y, -1, -2)

    def _extract_kwargs(self, method: str) -> dict[str, Any]:
        return {"threshold": self.threshold}

    def _pair_scores(self, score: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        # awesome-align's output probability: harmonic mean of the two directional probabilities
        p, q = softmax_probs(score, rows, cols)
        return 2 * p * q / (p + q + 1e-9)
