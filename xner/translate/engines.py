"""Inference backends for seq2seq translation models: transformers and CTranslate2.

Both take token ids produced by the model's own Hugging Face tokenizer and return token ids, so
tokenisation, language tokens and decoding are shared and the two backends give the same output
under greedy decoding. The CTranslate2 model is converted once from the transformers checkpoint and
kept under ``<cache root>/ct2/``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from xner.errors import ConfigError

log = logging.getLogger(__name__)

DTYPES = ("auto", "float32", "float16", "bfloat16", "int8")



def resolve_dtype(dtype: str, device: str) -> str:
    if dtype not in DTYPES:
        raise ConfigError(f"translator.dtype={dtype!r} is not valid; valid: {', '.join(DTYPES)}")
    if dtype != "auto":
        return dtype
    if device.startswith("cuda"):
        import torch

        return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"
    return "float32"


class TransformersEngine:
    """`model.generate` on padded, length-sorted batches."""

    def __init__(self, model_dir: Path, tokenizer, device: str, dtype: str, beam_size: int, max_length: int):
        import torch
        from transformers import AutoModelForSeq2SeqLM

        if dtype == "int8":
            raise ConfigError("translator.dtype=int8 needs translator.backend=ctranslate2")
        self.torch = torch
        self.device = device
        self.model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype=getattr(torch, dtype))
        self.model.to(device).eval()
        self.pad_id = tokenizer.pad_token_id
        self.beam_size = beam_size
        self.max_length = max_length

    def _pad(self, seqs: Sequence[Sequence[int]], pad: int):
        width = max(len(s) for s in seqs)
        ids = self.torch.full((len(seqs), width), pad, dtype=self.torch.long)
        mask = self.torch.zeros((len(seqs), width), dtype=self.torch.long)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = self.torch.tensor(s, dtype=self.torch.long)
            mask[i, : len(s)] = 1
        return ids.to(self.device), mask.to(self.device)

    def generate(self, batch: Sequence[Sequence[int]], prefix_id: int | None) -> list[list[int]]:
        ids, mask = self._pad(batch, self.pad_id)
        kwargs = {"forced_bos_token_id": prefix_id} if prefix_id is not None else {}
        with self.torch.inference_mode():
            out = self.model.generate(
                input_ids=ids,
                attention_mask=mask,
                num_beams=self.beam_size,
                do_sample=False,
                max_new_tokens=self.max_length,
                **kwargs,
            )
        return [row.tolist() for row in out.cpu()]

    def score(self, sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]], skip: int) -> np.ndarray:
        """Mean log-probability of each target sequence (ids ending in EOS), ignoring its first `skip` ids."""
        ids, mask = self._pad(sources, self.pad_id)
        labels, lmask = self._pad(targets, self.pad_id)
        start = self.model.config.decoder_start_token_id
        dec_in = self.torch.cat(
            [self.torch.full((len(targets), 1), start, device=labels.device, dtype=labels.dtype), labels[:, :-1]],
            dim=1,
        )
        with self.torch.inference_mode():
            logits = self.model(input_ids=ids, attention_mask=mask, decoder_input_ids=dec_in).logits
            logp = logits.float().log_softmax(-1).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        lmask = lmask.clone()
        lmask[:, :skip] = 0
        total = (logp * lmask).sum(1)
        return (total / lmask.sum(1).clamp(min=1)).cpu().numpy()

    def close(self) -> None:
        self.model = None


def ct2_model_dir(model_dir: str | Path, cache_root: Path | None, quantization: str | None) -> Path:
    """Convert a transformers checkpoint to CTranslate2 once; later calls reuse the conversion."""
    import ctranslate2

    local = Path(model_dir).is_dir()
    h = hashlib.sha256(str(Path(model_dir).resolve() if local else model_dir).encode())
    for name in sorted(os.listdir(model_dir)) if local else ():
        p = Path(model_dir) / name
        if p.is_file():
            st = p.stat()
            h.update(f"{name}:{st.st_size}:{int(st.st_mtime)}".encode())
    h.update(f"{ctranslate2.__version__}:{quantization}".encode())
    root = Path(cache_root) if cache_root else Path(tempfile.gettempdir()) / "xner-ct2"
    target = root / "ct2" / h.hexdigest()[:24]
    if (target / "model.bin").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".convert-"))
    log.info("converting %s to CTranslate2 (once) → %s", model_dir, target)
    try:
        converter = ctranslate2.converters.TransformersConverter(str(model_dir))
        converter.convert(str(tmp / "m"), quantization=quantization, force=True)
        try:
            os.replace(tmp / "m", target)
        except OSError:  # another process converted it first
            if not (target / "model.bin").exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _threads() -> int:
    """CPU threads for CTranslate2: the same as torch's (OMP_NUM_THREADS / torch.set_num_threads)."""
    import torch

    return max(1, torch.get_num_threads())


class CTranslate2Engine:
    """CTranslate2 translator over the converted model; same ids in, same ids out."""

    def __init__(self, model_dir: Path, tokenizer, device: str, dtype: str, beam_size: int, max_length: int,
                 cache_root: Path | None = None):
        import ctranslate2

        ct2_device, _, index = device.partition(":")
        compute = {"auto": "default", "float32": "float32", "float16": "float16",
                   "bfloat16": "bfloat16", "int8": "int8"}[dtype]
        path = ct2_model_dir(model_dir, cache_root, None)
        self.model = ctranslate2.Translator(
            str(path), device=ct2_device, device_index=int(index or 0), compute_type=compute,
            inter_threads=1, intra_threads=_threads(),
        )
        self.tok = tokenizer
        self.beam_size = beam_size
        self.max_length = max_length
        # transformers forces EOS as the last of `max_new_tokens` when the model asks for it (Marian);
        # CTranslate2 does not, so it stops one token earlier to give the same output.
        from transformers import GenerationConfig

        try:
            gen = GenerationConfig.from_pretrained(model_dir)
        except OSError:
            gen = None
        self.decoding_length = max_length - 1 if gen is not None and gen.forced_eos_token_id is not None else max_length

    def generate(self, batch: Sequence[Sequence[int]], prefix_id: int | None) -> list[list[int]]:
        source = [self.tok.convert_ids_to_tokens(list(s)) for s in batch]
        prefix = [[self.tok.convert_ids_to_tokens(prefix_id)]] * len(batch) if prefix_id is not None else None
        results = self.model.translate_batch(
            source,
            target_prefix=prefix,
            beam_size=self.beam_size,
            max_decoding_length=self.decoding_length,
            max_batch_size=0,
        )
        return [self.tok.convert_tokens_to_ids(r.hypotheses[0]) for r in results]

    def score(self, sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]], skip: int) -> np.ndarray:
        src = [self.tok.convert_ids_to_tokens(list(s)) for s in sources]
        # CTranslate2 appends EOS itself; drop the one the tokenizer added.
        tgt = [self.tok.convert_ids_to_tokens(list(t[:-1])) for t in targets]
        out = []
        for r in self.model.score_batch(src, tgt):
            lp = r.log_probs[skip:]
            out.append(sum(lp) / max(len(lp), 1))
        return np.asarray(out, dtype=np.float32)

    def close(self) -> None:
        self.model = None
