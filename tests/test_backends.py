"""Inference backends (xner.backends): every backend aligns and tags, falls back loudly, caches by key."""

from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from xner import backends
from xner.align.neural import SimAlign
from xner.backends import BACKENDS, BackendUnavailable, check_backend, onnx_cache_dir, prepare
from xner.errors import ConfigError
from xner.ner.models import build_tiny_model
from xner.ner.tagger import SourceTagger

SRC = [
    s.split()
    for s in (
        "The European Parliament met in Strasbourg on Monday .",
        "Germany , France and Spain signed the agreement in Brussels .",
        "Mr Schulz said the Commission must act now .",
    )
]
TGT = [
    s.split()
    for s in (
        "Das Europäische Parlament tagte am Montag in Straßburg .",
        "Deutschland , Frankreich und Spanien unterzeichneten das Abkommen in Brüssel .",
        "Herr Schulz sagte , die Kommission müsse jetzt handeln .",
    )
]
try:
    import onnx  # noqa: F401
    import onnxruntime  # noqa: F401

    HAS_ONNX = True
except ImportError:
    HAS_ONNX = False
needs_onnx = pytest.mark.skipif(not HAS_ONNX, reason="onnxruntime/onnx not installed (pip install 'xner[onnx]')")


def _marks(backend: str):
    return [needs_onnx] if backend.startswith("onnx") else []


ALL = [pytest.param(b, marks=_marks(b)) for b in BACKENDS]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    """A 2-layer, 32-unit random BERT token classifier with its tokenizer (also loads as an encoder)."""
    return str(build_tiny_model(tmp_path_factory.mktemp("models"), seed=3, layers=2))


@pytest.fixture(autouse=True)
def _private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XNER_HOME", str(tmp_path / "home"))


def _tokens(path: str):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    enc = tok(SRC + TGT, is_split_into_words=True, padding=True, return_tensors="pt")
    return enc["input_ids"], enc["attention_mask"]


def _encoder(path: str):
    from transformers import AutoModel

    return AutoModel.from_pretrained(path).eval()


@pytest.mark.parametrize("backend", ALL)
def test_every_backend_returns_links_close_to_fp32(tiny, backend):
    with SimAlign(encoder=tiny, layer=2, method="itermax", progress=False, backend=backend) as aligner:
        links = aligner.align(SRC, TGT)
        fell_back = backend == "torch-bf16" and not backends.cpu_supports_bf16()
        assert aligner.metrics() == ({} if backend == "torch" else {"align/backend_fallback": float(fell_back)})
    assert len(links) == len(SRC)
    for lk, s, t in zip(links, SRC, TGT, strict=True):
        assert lk, "every pair gets some links"
        assert all(0 <= i < len(s) and 0 <= j < len(t) for i, j in lk)
    ids, mask = _tokens(tiny)
    ref = prepare(_encoder(tiny), "torch")(ids, mask)
    got = prepare(_encoder(tiny), backend)(ids, mask)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    real = mask.bool()
    cos = np.asarray(__import__("torch").nn.functional.cosine_similarity(got[real], ref[real], dim=-1))
    floor = {"torch": 1 - 1e-6, "onnx": 1 - 1e-5, "torch-bf16": 0.999, "torch-int8": 0.95, "onnx-int8": 0.95}[backend]
    assert cos.min() >= floor


@pytest.mark.parametrize("backend", ALL)
def test_cpu_runs_are_deterministic(tiny, backend):
    ids, mask = _tokens(tiny)
    first = prepare(_encoder(tiny), backend)(ids, mask)
    second = prepare(_encoder(tiny), backend)  # a fresh conversion (onnx: read back from the cache)
    assert np.array_equal(np.asarray(first), np.asarray(second(ids, mask)))
    assert np.array_equal(np.asarray(second(ids, mask)), np.asarray(second(ids, mask)))


def test_fp32_links_do_not_depend_on_batching(tiny):
    with SimAlign(encoder=tiny, layer=2, progress=False, batch_size=32) as together:
        batched = together.align(SRC, TGT)
    with SimAlign(encoder=tiny, layer=2, progress=False, batch_size=1) as alone:
        single = [alone.align([s], [t])[0] for s, t in zip(SRC, TGT, strict=True)]
    assert batched == single


def test_unknown_backend_names_the_key():
    with pytest.raises(ConfigError, match=r"aligner\.backend='tensorrt'.*torch-int8"):
        SimAlign(encoder="x", backend="tensorrt")
    with pytest.raises(ConfigError, match=r"tagger\.backend"):
        SourceTagger("tiny:0", backend="fp8")


def test_missing_package_names_it_and_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime → ImportError
    with pytest.raises(BackendUnavailable, match=r"onnxruntime.*pip install 'xner\[onnx\]'"):
        check_backend("onnx-int8", "aligner.backend")
    with pytest.raises(BackendUnavailable, match=r"tagger\.backend=onnx needs the package onnxruntime"):
        SourceTagger("tiny:0", backend="onnx")
    check_backend("torch-int8", "aligner.backend")  # the torch backends need nothing more


@needs_onnx
def test_failed_conversion_falls_back_to_torch_with_a_metric(tiny, monkeypatch, caplog):
    def broken(model, output, target):
        raise RuntimeError("unsupported operator Foo")

    monkeypatch.setattr(backends, "_export", broken)
    with (
        caplog.at_level(logging.WARNING, logger="xner.backends"),
        SimAlign(encoder=tiny, layer=2, progress=False, backend="onnx") as aligner,
    ):
        links = aligner.align(SRC, TGT)
        assert aligner.metrics() == {"align/backend_fallback": 1.0}
        assert aligner.embedder.backend == "torch"
        assert aligner.embedder.runner.fallback.startswith("ONNX export failed (RuntimeError: unsupported operator")
    assert "aligner.backend=onnx is not used" in caplog.text and "falling back to torch" in caplog.text
    with SimAlign(encoder=tiny, layer=2, progress=False) as reference:
        assert links == reference.align(SRC, TGT)  # the fallback is the fp32 path itself


def test_gpu_only_cpu_backends_fall_back_on_cuda(tiny):
    runner = prepare(_encoder(tiny), "torch-int8", device="cuda:0")
    assert runner.backend == "torch" and "CPU only" in runner.fallback
    assert runner.metrics("align") == {"align/backend_fallback": 1.0}


@needs_onnx
def test_cache_key_includes_backend_model_and_layer(tiny, tmp_path, monkeypatch):
    ident = {"encoder": "e", "weights": "w1", "layer": 8}
    keys = {
        onnx_cache_dir("onnx", ident, tmp_path),
        onnx_cache_dir("onnx-int8", ident, tmp_path),
        onnx_cache_dir("onnx", {**ident, "layer": 6}, tmp_path),
        onnx_cache_dir("onnx", {**ident, "weights": "w2"}, tmp_path),
    }
    assert len(keys) == 4
    assert onnx_cache_dir("onnx", dict(ident), tmp_path) in keys  # same identity, same place
    # the artifact cache of links: fp32 keys unchanged, other backends keyed apart
    assert "backend" not in SimAlign(encoder=tiny).cache_config()
    assert SimAlign(encoder=tiny, backend="torch-int8").cache_config()["backend"] == "torch-int8"
    assert SourceTagger(tiny, backend="onnx").cache_config()["backend"] == "onnx"
    assert "backend" not in SourceTagger(tiny).cache_config()
    # a conversion happens once per key; the second load reads the cached graph
    calls = []
    real = backends._export
    monkeypatch.setattr(backends, "_export", lambda *a: (calls.append(1), real(*a))[1])
    for _ in range(2):
        prepare(_encoder(tiny), "onnx-int8", identity=ident, cache_root=tmp_path)
    assert len(calls) == 1
    assert (onnx_cache_dir("onnx-int8", {**ident, "output": "last_hidden_state"}, tmp_path) / "model.onnx").exists()


@pytest.mark.parametrize("backend", ALL)
def test_tagger_backends_predict_like_fp32(tiny, backend):
    words = SRC + TGT
    with SourceTagger(tiny, device="cpu", backend=backend) as tagger:
        got = tagger.predict_proba(words)
        tags = tagger.predict_tags(words)
    with SourceTagger(tiny, device="cpu") as ref_tagger:
        ref = ref_tagger.predict_proba(words)
    assert [len(t) for t in tags] == [len(w) for w in words]
    tol = {"torch": 0.0, "onnx": 1e-5, "torch-bf16": 2e-2, "torch-int8": 0.1, "onnx-int8": 0.1}[backend]
    for g, r in zip(got, ref, strict=True):
        assert g.shape == r.shape and np.abs(g - r).max() <= tol


def test_tagger_from_model_leaves_the_callers_model_alone(tiny):
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    model = AutoModelForTokenClassification.from_pretrained(tiny).eval()
    tagger = SourceTagger.from_model(model, AutoTokenizer.from_pretrained(tiny), backend="torch-bf16")
    assert tagger.predict_tags(SRC)
    assert next(model.parameters()).dtype == torch.float32


def test_bf16_needs_the_cpu_flag_not_onednn_emulation():
    """oneDNN says "bf16 supported" on plain AVX-512 (emulated, measured 3.5× slower than fp32):
    only the CPU flags avx512_bf16 / amx_bf16 (x86) or bf16 (ARM) count."""
    avx512 = "processor\t: 0\nflags\t\t: fpu sse avx2 avx512f avx512bw avx512_vnni\n"
    assert not backends.cpu_supports_bf16(avx512)
    assert backends.cpu_supports_bf16(avx512.replace("avx512_vnni", "avx512_vnni avx512_bf16"))
    assert backends.cpu_supports_bf16("processor\t: 0\nflags\t\t: amx_tile amx_bf16\n")
    assert backends.cpu_supports_bf16("processor\t: 0\nFeatures\t: fp asimd bf16 i8mm\n")  # aarch64
    assert not backends.cpu_supports_bf16("processor\t: 0\n")  # no flags line: no evidence of bf16


def test_bf16_path_is_close_to_fp32_even_where_the_cpu_lacks_it(tiny, monkeypatch):
    monkeypatch.setattr(backends, "cpu_supports_bf16", lambda: True)  # exercise the cast on any CPU
    ids, mask = _tokens(tiny)
    ref = prepare(_encoder(tiny), "torch")(ids, mask)
    runner = prepare(_encoder(tiny), "torch-bf16")
    assert runner.fallback is None
    got = runner(ids, mask)
    real = mask.bool()
    cos = np.asarray(__import__("torch").nn.functional.cosine_similarity(got[real], ref[real], dim=-1))
    assert got.dtype == ref.dtype and cos.min() >= 0.999
