"""Inference backends for the transformer encoders of the aligners and the tagger.

``aligner.backend`` / ``tagger.backend``:

- ``torch`` — the model as loaded (fp32 on CPU; the default, and the reference for every other);
- ``torch-bf16`` — weights and activations in bfloat16 (CPU with avx512_bf16 or AMX, or a GPU);
- ``torch-int8`` — `torch.ao.quantization.quantize_dynamic` of every ``nn.Linear`` (int8 weights
  per output channel, activations quantised on the fly; CPU only);
- ``onnx`` — ONNX Runtime on the exported graph (fp32, all graph optimisations; CPU only);
- ``onnx-int8`` — ONNX Runtime on that graph quantised dynamically to int8 (per channel; CPU only).

`prepare(model, backend, ...)` turns a loaded, eval-mode model into a `Runner`: a callable
``(input_ids, attention_mask) -> float32 tensor`` (the hidden states or logits named by `output`).
ONNX graphs are exported once and cached under ``${XNER_HOME:-~/.cache/xner}/backends/`` keyed by
the model's identity (name, weights hash, layer cut, output) and the backend; a missing package
raises one `BackendUnavailable` naming it and the extra to install; a model or device the backend
cannot serve falls back to ``torch`` with a logged reason, recorded in ``Runner.fallback``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xner.errors import ConfigError, XnerError

log = logging.getLogger(__name__)

BACKENDS = ("torch", "torch-bf16", "torch-int8", "onnx", "onnx-int8")
ONNX_FORMAT = 1  # bump to invalidate cached exports


class BackendUnavailable(XnerError):
    """The backend's package is not installed."""


@dataclass
class Runner:
    """``runner(input_ids, attention_mask)`` → float32 output; `backend` is the one actually used."""

    forward: Callable[[Any, Any], Any]
    backend: str
    requested: str
    fallback: str | None = None  # why `backend` differs from `requested`

    def __call__(self, input_ids, attention_mask):
        return self.forward(input_ids, attention_mask)

    def metrics(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}/backend_fallback": float(self.fallback is not None)}


def check_backend(backend: str, key: str) -> str:
    """Validate a backend name early (config time); a missing package is reported here too."""
    if backend not in BACKENDS:
        raise ConfigError(f"{key}={backend!r} is not valid; choose one of {', '.join(BACKENDS)}")
    if backend.startswith("onnx"):
        _require_onnx(key, backend)
    return backend


def _require_onnx(key: str, backend: str) -> None:
    missing = []
    for pkg in ("onnxruntime", "onnx"):
        try:
            __import__(pkg)
        except ImportError:
            missing.append(pkg)
    if missing:
        raise BackendUnavailable(
            f"{key}={backend} needs the package {' and '.join(missing)}: pip install 'xner[onnx]' "
            f"(or pip install onnxruntime onnx)"
        )


_BF16_FLAGS = {"avx512_bf16", "amx_bf16", "bf16"}  # x86 AVX512-BF16, Intel AMX, aarch64 FEAT_BF16


def cpu_supports_bf16(cpuinfo: str | None = None) -> bool:
    """Whether this CPU has native bfloat16 matrix instructions (avx512_bf16 or AMX; bf16 on ARM).

    Read from the CPU flags (``/proc/cpuinfo``, or `cpuinfo` given as its text), not from oneDNN:
    `torch.ops.mkldnn._is_mkldnn_bf16_supported()` is also true on plain AVX-512 (avx512bw), where
    bf16 is emulated and measured 3.5× *slower* than fp32 (benchmarks/RESULTS.md, issue 17). Where
    there is no /proc/cpuinfo (macOS, Windows), oneDNN's answer is the best there is."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            cpuinfo = None
    if cpuinfo is not None:
        for line in cpuinfo.splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() in ("flags", "features"):
                return bool(_BF16_FLAGS & set(value.split()))
        return False
    try:  # pragma: no cover - no /proc/cpuinfo
        import torch

        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):  # pragma: no cover - old torch
        return False


def _output(out: Any, output: str | int):
    if isinstance(output, int):
        return out.hidden_states[output]
    return getattr(out, output)


def _torch_forward(model, output: str | int) -> Callable:
    import torch

    hidden = isinstance(output, int)

    def forward(input_ids, attention_mask):
        with torch.inference_mode():
            out = model(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=hidden or None)
            return _output(out, output).float()

    return forward


def prepare(
    model: Any,
    backend: str,
    *,
    output: str | int = "last_hidden_state",
    device: str = "cpu",
    identity: Mapping[str, Any] | None = None,
    cache_root: Path | None = None,
    key: str = "backend",
    copy: bool = False,
) -> Runner:
    """A runner of `model` (loaded, eval mode, on `device`) with `backend`.

    `output`: the attribute of the model's output to return (``last_hidden_state``, ``logits``), or
    an index into ``hidden_states``. `identity`: what fixes the weights (name, weights hash, layer
    cut); with it, ONNX exports are cached under `cache_root` (default ``$XNER_HOME/backends``),
    without it they go to a temporary directory. `key`: the config key named in messages. `copy`:
    convert a copy (torch-bf16 otherwise casts `model` itself; the other backends never change it).
    """
    check_backend(backend, key)
    cuda = str(device).startswith("cuda")

    def fallback(reason: str) -> Runner:
        log.warning("%s=%s is not used: %s; falling back to torch", key, backend, reason)
        return Runner(_torch_forward(model, output), "torch", backend, reason)

    if backend == "torch":
        return Runner(_torch_forward(model, output), "torch", backend)
    if backend == "torch-bf16":
        import torch

        if not cuda and not cpu_supports_bf16():
            return fallback(
                "this CPU has no native bfloat16 (avx512_bf16, AMX): bf16 would be emulated, 3.5× slower "
                "than fp32 here; backend=onnx gives the same links faster"
            )
        import copy as copying

        target = copying.deepcopy(model) if copy else model
        return Runner(_torch_forward(target.to(torch.bfloat16), output), backend, backend)
    if cuda:
        return fallback(f"{backend} runs on CPU only (use torch-bf16 or torch on a GPU)")
    if backend == "torch-int8":
        import torch
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        if "fbgemm" not in torch.backends.quantized.supported_engines:
            return fallback("torch has no fbgemm quantized engine on this machine")
        try:
            qmodel = quantize_dynamic(model, {torch.nn.Linear: per_channel_dynamic_qconfig}, inplace=False)
        except Exception as exc:
            return fallback(f"quantize_dynamic failed ({type(exc).__name__}: {exc})")
        return Runner(_torch_forward(qmodel, output), backend, backend)
    # onnx, onnx-int8
    try:
        path = onnx_model(model, backend, output=output, identity=identity, cache_root=cache_root)
    except Exception as exc:
        return fallback(f"ONNX export failed ({type(exc).__name__}: {str(exc)[:200]})")
    return Runner(_ort_forward(path), backend, backend)


# ------------------------------------------------------------------------------------------ ONNX
def onnx_cache_dir(backend: str, identity: Mapping[str, Any], cache_root: Path | None = None) -> Path:
    """Directory of a cached export: a hash of the model identity, the backend and the tool versions."""
    import onnx
    import onnxruntime
    import torch

    from xner.hub import xner_home

    key = {
        "identity": dict(identity),
        "backend": backend,
        "format": ONNX_FORMAT,
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:24]
    root = Path(cache_root) if cache_root is not None else xner_home() / "backends"
    return root / "onnx" / digest


class _Wrapped:
    """A plain ``(input_ids, attention_mask) -> tensor`` module for the exporter."""

    def __new__(cls, model, output):
        import torch

        class Wrapped(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, input_ids, attention_mask):
                hidden = isinstance(output, int)
                out = self.model(
                    input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=hidden or None
                )
                return _output(out, output).float()

        return Wrapped()


def _export(model, output: str | int, target: Path) -> None:
    import torch

    ids = torch.tensor([[5, 6, 7, 8], [5, 6, 7, 1]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]], dtype=torch.long)
    axes = {0: "batch", 1: "length"}
    with torch.no_grad():
        torch.onnx.export(
            _Wrapped(model, output),
            (ids, mask),
            str(target),
            input_names=["input_ids", "attention_mask"],
            output_names=["output"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "output": axes},
            opset_version=17,
            dynamo=False,
        )


def onnx_model(
    model, backend: str, *, output: str | int, identity: Mapping[str, Any] | None, cache_root: Path | None = None
) -> Path:
    """Path of the ONNX graph for `backend` (exported, and quantised for onnx-int8, once)."""
    if identity is None:  # an in-memory model: nothing identifies it across runs, so no cache
        target = Path(tempfile.mkdtemp(prefix="xner-onnx-"))
    else:
        target = onnx_cache_dir(backend, {**identity, "output": output}, cache_root)
    final = target / "model.onnx"
    if final.exists():
        return final
    source = None
    if backend == "onnx-int8":  # quantised from the fp32 export (itself cached)
        source = onnx_model(model, "onnx", output=output, identity=identity, cache_root=cache_root)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target, prefix=".export-"))
    try:
        if source is None:
            log.info("exporting the encoder to ONNX (once) → %s", target)
            made = tmp / "fp32.onnx"
            _export(model, output, made)
        else:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            log.info("quantising the ONNX encoder to int8 (once) → %s", target)
            made = tmp / "int8.onnx"
            quantize_dynamic(str(source), str(made), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(made, final)  # atomic: a concurrent run sees the whole file or none
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def _ort_forward(path: Path) -> Callable:
    import onnxruntime as ort
    import torch

    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, torch.get_num_threads())
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.log_severity_level = 3
    session = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])

    def forward(input_ids, attention_mask):
        feeds = {"input_ids": input_ids.cpu().numpy(), "attention_mask": attention_mask.cpu().numpy()}
        return torch.from_numpy(session.run(None, feeds)[0])

    return forward
