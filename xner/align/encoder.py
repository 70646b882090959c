"""Subword embeddings of pre-split sentences from one hidden layer of a transformer encoder.

Fast by construction: every sentence is tokenised once (fast tokenizer, words kept), all sentences
of a call (both sides of a bitext) go through one length-sorted, batched forward pass, and the model
is cut after the requested layer, so no later layer is ever computed. Sentences longer than the
encoder's window are embedded in overlapping windows and each subword keeps the vector from the
window in which it is most central (logged), so nothing is truncated and nothing crashes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from xner.errors import ConfigError
from xner.hub import describe_model, resolve_device, resolve_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubwordEmbeddings:
    """One sentence: ``vectors`` (n_subwords, hidden) and ``word_ids`` (n_subwords,) word indices."""

    vectors: np.ndarray
    word_ids: np.ndarray
    n_words: int



class SubwordEmbedder:
    """Loads the encoder once (cut after `layer`) and embeds lists of word lists.

    Use as a context manager (or call `close()`) to release the model when the stage ends.
    """

    def __init__(
        self,
        encoder: str,
        layer: int = 8,
        batch_size: int = 32,
        device: str = "cpu",
        window: int | None = None,
        progress: bool = True,
        dtype: str = "float32",
        backend: str = "torch",
    ):
        from xner.backends import check_backend

        check_backend(backend, "aligner.backend")
        path = resolve_model(encoder)  # a missing model fails here, before the heavy imports

        import torch
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        if layer < 0:
            raise ConfigError(f"aligner.layer must be ≥ 0, got {layer}")
        if batch_size < 1:
            raise ConfigError(f"aligner.batch_size must be ≥ 1, got {batch_size}")
        self.encoder = encoder
        self.layer = layer
        self.batch_size = batch_size
        self.device = resolve_device(device, "aligner.device")
        self.progress = progress
        config = AutoConfig.from_pretrained(path)
        n_layers = getattr(config, "num_hidden_layers", None)
        if n_layers is not None and layer > n_layers:
            raise ConfigError(f"aligner.layer={layer}, but encoder {encoder!r} has only {n_layers} layers")
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        if not self.tokenizer.is_fast:
            raise ConfigError(f"encoder {encoder!r} has no fast tokenizer (needed for word ids)")
        if not isinstance(getattr(torch, dtype, None), torch.dtype):
            raise ConfigError(f"aligner.dtype={dtype!r} is not a torch dtype (float32, float16, bfloat16)")
        self.dtype = dtype
        load = {"config": config, "torch_dtype": getattr(torch, dtype)}
        if _accepts_pooling_flag(config):
            load["add_pooling_layer"] = False
        model = AutoModel.from_pretrained(path, **load)
        self._hidden_index: int | None = None
        blocks = getattr(getattr(model, "encoder", None), "layer", None)
        if isinstance(blocks, torch.nn.ModuleList):
            model.encoder.layer = blocks[:layer]  # layers above `layer` are never computed
        else:  # unknown architecture: run it whole and pick the layer from hidden_states
            self._hidden_index = layer
        self.model = model.eval().to(self.device)
        from xner.backends import prepare
        from xner.hub import local_weights_id

        identity = {"encoder": encoder, "path": path, "weights": local_weights_id(path), "layer": layer,
                    "cut": self._hidden_index is None, "dtype": dtype}
        output = "last_hidden_state" if self._hidden_index is None else self._hidden_index
        self.runner = prepare(self.model, backend, output=output, device=self.device, identity=identity,
                              key="aligner.backend")
        self.backend = self.runner.backend
        limit = min(
            int(getattr(config, "max_position_embeddings", 512) or 512),
            int(self.tokenizer.model_max_length) if self.tokenizer.model_max_length < 1e6 else 10**9,
        )
        # special tokens around the content ([CLS] … [SEP], <s> … </s>), read off the tokenizer itself
        plain = self.tokenizer(["a"], is_split_into_words=True, add_special_tokens=False)["input_ids"]
        full = self.tokenizer(["a"], is_split_into_words=True, add_special_tokens=True)["input_ids"]
        start = next(k for k in range(len(full)) if full[k : k + len(plain)] == plain)
        self.prefix, self.suffix = full[:start], full[start + len(plain) :]
        self.n_prefix = len(self.prefix)
        n_special = len(self.prefix) + len(self.suffix)
        self.window = min(window, limit - n_special) if window is not None else limit - n_special
        if self.window < 2:
            raise ConfigError(f"aligner.window={window} leaves no room for subwords")
        self.hidden_size = int(config.hidden_size)
        self.pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        self.n_truncated = 0
        log.info("aligner encoder: %s, layer %d, %s %s, backend %s, window %d subwords",
                 describe_model(encoder), layer, self.device, dtype, self.backend, self.window)

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        self.model = self.runner = None
        if self.device.startswith("cuda"):
            import torch

            torch.cuda.empty_cache()

    def __enter__(self) -> SubwordEmbedder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- tokenisation ----------------------------------------------------------------------------
    def tokenize(self, sentences: Sequence[Sequence[str]]) -> list[tuple[list[int], np.ndarray]]:
        """Subword ids (no special tokens) and the word index of each subword, per sentence."""
        out: list[tuple[list[int], np.ndarray]] = []
        nonempty = [i for i, s in enumerate(sentences) if len(s) > 0]
        result: dict[int, tuple[list[int], np.ndarray]] = {}
        if nonempty:
            enc = self.tokenizer(
                [list(map(str, sentences[i])) for i in nonempty],
                is_split_into_words=True, add_special_tokens=False, truncation=False,
                return_attention_mask=False, return_token_type_ids=False, verbose=False,
            )
            for k, i in enumerate(nonempty):
                wids = enc.word_ids(k)
                ids = enc["input_ids"][k]
                keep = [t for t, w in enumerate(wids) if w is not None]
                result[i] = ([ids[t] for t in keep], np.array([wids[t] for t in keep], dtype=np.int64))
        for i in range(len(sentences)):
            out.append(result.get(i, ([], np.zeros(0, np.int64))))
        return out

    # -- forward ---------------------------------------------------------------------------------
    def _segments(self, ids: list[int]) -> list[tuple[int, int]]:
        """[a, b) windows over a subword sequence: one when it fits, else overlapping by half."""
        n, w = len(ids), self.window
        if n <= w:
            return [(0, n)]
        stride = max(1, w // 2)
        starts = [*range(0, n - w, stride), n - w]
        return [(a, a + w) for a in starts]

    def embed(self, sentences: Sequence[Sequence[str]]) -> list[SubwordEmbeddings]:
        """Embeddings of every sentence (one batched, length-sorted pass over all of them)."""
        import torch
        from tqdm.auto import tqdm

        if self.model is None:
            raise RuntimeError("SubwordEmbedder was closed")
        toks = self.tokenize(sentences)
        segs: list[tuple[int, int, int]] = []  # (sentence, a, b)
        for i, (ids, _) in enumerate(toks):
            if ids:
                pieces = self._segments(ids)
                if len(pieces) > 1:
                    self.n_truncated += 1
                    log.info("sentence %d has %d subwords > window %d: embedded in %d overlapping windows",
                             i, len(ids), self.window, len(pieces))
                segs.extend((i, a, b) for a, b in pieces)
        order = sorted(range(len(segs)), key=lambda k: segs[k][2] - segs[k][1], reverse=True)
        seg_vectors: list[np.ndarray | None] = [None] * len(segs)
        batches = [order[k : k + self.batch_size] for k in range(0, len(order), self.batch_size)]
        with torch.inference_mode():
            for batch in tqdm(batches, desc="encode", unit="batch", disable=not self.progress or len(batches) < 2,
                              leave=False):
                inputs = [self.prefix + toks[segs[k][0]][0][segs[k][1] : segs[k][2]] + self.suffix for k in batch]
                width = max(len(x) for x in inputs)
                input_ids = torch.full((len(batch), width), self.pad_id, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for r, x in enumerate(inputs):
                    input_ids[r, : len(x)] = torch.tensor(x)
                    mask[r, : len(x)] = 1
                hidden = self._forward(input_ids.to(self.device), mask.to(self.device)).float().cpu().numpy()
                for r, k in enumerate(batch):
                    n = segs[k][2] - segs[k][1]
                    seg_vectors[k] = hidden[r, self.n_prefix : self.n_prefix + n]
        # stitch windows back together
        per_sentence: dict[int, list[tuple[int, int, np.ndarray]]] = {}
        for k, (i, a, b) in enumerate(segs):
            per_sentence.setdefault(i, []).append((a, b, seg_vectors[k]))
        hidden_size = self.hidden_size
        out: list[SubwordEmbeddings] = []
        for i, (ids, wids) in enumerate(toks):
            parts = per_sentence.get(i, [])
            if not parts:
                vec = np.zeros((0, hidden_size), np.float32)
            elif len(parts) == 1:
                vec = parts[0][2]
            else:
                vec = _stitch(parts, len(ids))
            out.append(SubwordEmbeddings(vec, wids, len(sentences[i])))
        return out

    def _forward(self, input_ids, mask):
        return self.runner(input_ids, mask)


def _stitch(parts: list[tuple[int, int, np.ndarray]], n: int) -> np.ndarray:
    """Each position takes its vector from the window where it is farthest from an edge."""
    best = np.full(n, -1, dtype=np.int64)
    margin = np.full(n, -1, dtype=np.int64)
    pos = np.arange(n)
    for k, (a, b, _) in enumerate(parts):
        inside = (pos >= a) & (pos < b)
        m = np.minimum(pos - a, b - 1 - pos)
        better = inside & (m > margin)
        best[better] = k
        margin[better] = m[better]
    out = np.empty((n, parts[0][2].shape[1]), np.float32)
    for k, (a, _b, vec) in enumerate(parts):
        sel = best == k
        out[sel] = vec[pos[sel] - a]
    return out


def _accepts_pooling_flag(config) -> bool:
    return getattr(config, "model_type", "") in {"bert", "roberta", "xlm-roberta", "camembert"}
