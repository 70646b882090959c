"""Word-level NER inference with any token-classification model (the source tagger).

Built from ``conf/tagger/*.yaml``; used by ``translate_test`` (tag the English translation),
``candidates=ner`` (spans an NER model predicts on the target sentence) and to evaluate every
fine-tuned model. A word's label is read from its first subword. Sentences longer than the model
window are split at word boundaries (counted and logged). The model is loaded on first use and
released by `close()` (or the ``with`` block).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from xner.data.tags import map_spans, tags_to_spans
from xner.data.types import Span
from xner.errors import ConfigError, XnerError
from xner.hub import resolve_device
from xner.ner.encoding import first_subword_positions, span_probability, split_windows

log = logging.getLogger(__name__)



class SourceTagger:
    """``predict(words_list) -> list[list[Span]]``, with span probabilities on request.

    Args:
        model: hub id, local directory, ``offline:...`` or ``tiny:<seed>``.
        batch_size: sentences (windows) per forward pass; sorted by length to minimise padding.
        device: ``auto`` | ``cpu`` | ``cuda`` | ``cuda:N``.
        max_length: model window in subwords including special tokens (capped by the model's).
        label_map: rename or drop (``null``) predicted entity types, e.g. ``{MISC: null}``.
        backend: ``torch`` | ``torch-bf16`` | ``torch-int8`` | ``onnx`` | ``onnx-int8`` (`xner.backends`).
    """

    def __init__(
        self,
        model: str,
        batch_size: int = 32,
        device: str = "auto",
        max_length: int = 512,
        label_map: Mapping[str, str | None] | None = None,
        backend: str = "torch",
    ):
        from xner.backends import check_backend

        if batch_size < 1:
            raise ConfigError(f"tagger.batch_size must be ≥ 1, got {batch_size}")
        if max_length < 8:
            raise ConfigError(f"tagger.max_length must be ≥ 8 subwords (special tokens included), got {max_length}")
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        self.max_length = max_length
        self.label_map = dict(label_map or {})
        self.backend = check_backend(backend, "tagger.backend")
        self._runner: Any = None
        self._backend_metrics: dict[str, float] = {}
        self._model: Any = None
        self._tokenizer: Any = None
        self.stats = {"windows_split": 0, "words_without_subwords": 0}

    @classmethod
    def from_model(cls, model: Any, tokenizer: Any, **kwargs: Any) -> SourceTagger:
        """Wrap an already loaded model and tokenizer (e.g. one just fine-tuned)."""
        tagger = cls(getattr(model, "name_or_path", "<in-memory>"), **kwargs)
        tagger._model, tagger._tokenizer = model, tokenizer
        tagger.device = str(next(model.parameters()).device)
        tagger._prepare(None, copy=True)  # the caller keeps its model as it is
        return tagger

    def cache_config(self) -> dict[str, Any]:
        from xner.hub import local_weights_id

        return {"model": self.model_name, "weights": local_weights_id(self.model_name),
                "max_length": self.max_length, "label_map": self.label_map,
                **({"backend": self.backend} if self.backend != "torch" else {})}

    def metrics(self) -> dict[str, float]:
        """``tagger/backend_fallback``: 1 when the configured backend could not be used (see the log)."""
        if self._runner is not None and self.backend != "torch":
            self._backend_metrics = self._runner.metrics("tagger")
        return dict(self._backend_metrics)  # after close(): what the last model reported

    def _prepare(self, path: str | None, copy: bool = False) -> None:
        from xner.backends import prepare
        from xner.hub import local_weights_id

        identity = None if path is None else {"model": self.model_name, "path": path,
                                              "weights": local_weights_id(path)}
        self._runner = prepare(self._model, self.backend, output="logits", device=self.device, identity=identity,
                               key="tagger.backend", copy=copy)

    # -- loading -------------------------------------------------------------------------------
    def load(self) -> SourceTagger:
        if self._model is None:
            from transformers import AutoModelForTokenClassification, AutoTokenizer

            from xner.ner.models import resolve

            path = resolve(self.model_name)
            self.device = resolve_device(self.device, "tagger.device")
            log.info("loading tagger %s on %s", self.model_name, self.device)
            self._tokenizer = AutoTokenizer.from_pretrained(path)
            if not self._tokenizer.is_fast:
                raise XnerError(f"tagger.model={self.model_name!r}: a fast (Rust) tokenizer is required")
            self._model = AutoModelForTokenClassification.from_pretrained(path).to(self.device).eval()
            self._prepare(path)
        return self

    def close(self) -> None:
        """Release the model (and GPU memory)."""
        self._model = self._tokenizer = self._runner = None
        import gc

        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover
            pass

    def __enter__(self) -> SourceTagger:
        return self.load()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def labels(self) -> list[str]:
        self.load()
        id2label = self._model.config.id2label
        return [id2label[i] for i in range(len(id2label))]

    # -- inference -----------------------------------------------------------------------------
    def _window(self) -> int:
        limit = min(self.max_length, getattr(self._model.config, "max_position_embeddings", 512) or 512)
        if self._model.config.model_type in ("xlm-roberta", "roberta", "camembert"):
            limit = min(limit, self._model.config.max_position_embeddings - 2)
        return limit

    def predict_proba(self, words_list: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """Per sentence, a (words × labels) array of label probabilities at each word's first subword."""
        import torch

        self.load()
        tok, model = self._tokenizer, self._model
        n_special = tok.num_special_tokens_to_add()
        window = self._window()
        lists = [list(w) for w in words_list]
        # Pass 1: subword counts per word, to split long sentences at word boundaries.
        items: list[tuple[int, int, int]] = []  # (sentence, word start, word end)
        if lists:
            enc = tok([w or [""] for w in lists], is_split_into_words=True, add_special_tokens=False, verbose=False)
        for s, words in enumerate(lists):
            if not words:
                continue
            counts = np.bincount(
                [w for w in enc.word_ids(s) if w is not None], minlength=len(words)
            ).tolist()
            wins = split_windows(counts, window - n_special)
            if len(wins) > 1:
                self.stats["windows_split"] += 1
            items += [(s, a, b) for a, b in wins]
        n_labels = model.config.num_labels
        out = [np.zeros((len(w), n_labels), dtype=np.float32) for w in lists]
        for arr in out:
            arr[:, 0] = 1.0  # a word the model cannot see stays "O" (counted below)
        order = sorted(range(len(items)), key=lambda i: items[i][2] - items[i][1])
        for b in range(0, len(order), self.batch_size):
            batch = [items[i] for i in order[b : b + self.batch_size]]
            enc = tok(
                [lists[s][a:e] for s, a, e in batch], is_split_into_words=True, truncation=True,
                max_length=window, padding=True, return_tensors="pt",
            )
            inputs = {k: v.to(self.device) for k, v in enc.items()}
            try:
                with torch.inference_mode():
                    if self._runner is None or self._runner.backend == "torch":
                        logits = model(**inputs).logits.float()
                    else:
                        logits = self._runner(inputs["input_ids"], inputs["attention_mask"])
                    probs = logits.softmax(-1).cpu().numpy()
            except torch.cuda.OutOfMemoryError:
                raise XnerError(
                    f"out of GPU memory tagging with batch_size={self.batch_size}; lower it, e.g. "
                    f"tagger.batch_size={max(1, self.batch_size // 2)}"
                ) from None
            for j, (s, a, e) in enumerate(batch):
                pos = first_subword_positions(enc.word_ids(j), e - a)
                for k, p in enumerate(pos):
                    if p >= 0:
                        out[s][a + k] = probs[j, p]
                    else:
                        self.stats["words_without_subwords"] += 1
        if self.stats["windows_split"] or self.stats["words_without_subwords"]:
            log.info("tagger: %s", self.stats)
        return out

    def _decode(self, probs: np.ndarray, labels: Sequence[str]) -> list[Span]:
        tags = [labels[i] for i in probs.argmax(-1)] if len(probs) else []
        return tags_to_spans(tags)

    def predict_with_scores(self, words_list: Sequence[Sequence[str]]) -> list[list[tuple[Span, float]]]:
        """Predicted spans with their probability (`xner.ner.encoding.span_probability`), after `label_map`."""
        out = []
        for spans in self.candidate_spans(words_list):
            kept = []
            for span, prob in spans:
                mapped = map_spans([span], self.label_map)
                if mapped:
                    kept.append((mapped[0], prob))
            out.append(kept)
        return out

    def candidate_spans(self, words_list: Sequence[Sequence[str]]) -> list[list[tuple[Span, float]]]:
        """Every predicted span with its probability, whatever its type: `label_map` is not applied
        (it maps labels; `candidates=ner` needs the spans, including those of dropped types)."""
        labels = self.labels
        return [
            [(span, span_probability(probs, labels, span)) for span in self._decode(probs, labels)]
            for probs in self.predict_proba(words_list)
        ]

    def predict(self, words_list: Sequence[Sequence[str]]) -> list[list[Span]]:
        """Entity spans (word indices) for each sentence."""
        return [[s for s, _ in spans] for spans in self.predict_with_scores(words_list)]

    def predict_tags(self, words_list: Sequence[Sequence[str]]) -> list[list[str]]:
        """IOB2 tags for each sentence (after `label_map`)."""
        from xner.data.tags import spans_to_tags

        return [spans_to_tags(sp, len(w)) for sp, w in zip(self.predict(words_list), words_list, strict=True)]

    def span_scores(
        self, words_list: Sequence[Sequence[str]], spans_list: Sequence[Sequence[Span]], *, typed: bool = False
    ) -> list[list[float]]:
        """Score arbitrary candidate spans (e.g. n-grams) as entities — the NER term of fused scores."""
        labels = self.labels
        return [
            [span_probability(p, labels, sp, typed=typed) for sp in spans]
            for p, spans in zip(self.predict_proba(words_list), spans_list, strict=True)
        ]
