"""Content-addressed artifact cache shared by all stages.

An entry's key is a hash of (stage name, stage config, input fingerprint, code version), so sweeps
that share a stage's settings reuse its output, and a change to any of them recomputes it.
Writes are atomic (temporary file in the same directory, fsync, rename); every entry carries a
SHA-256 of its payload, so a truncated or corrupt entry is detected, logged, removed and recomputed —
never used. `AppendLog` stores per-item results (e.g. one translation per sentence) as they are
produced, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import xner
from xner.errors import XnerError

log = logging.getLogger(__name__)
T = TypeVar("T")
_MAGIC = b"XNERCACHE1\n"


class CacheError(XnerError):
    """The cache directory cannot be written (disk full, permissions)."""


def _canonical(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"), ensure_ascii=False)


def fingerprint(items: Iterable[Any]) -> str:
    """A stable SHA-256 over records (dataclasses, tuples, strings): the identity of a stage input."""
    h = hashlib.sha256()
    for item in items:
        if hasattr(item, "__dataclass_fields__"):
            item = {k: getattr(item, k) for k in item.__dataclass_fields__ if k != "meta"}
        h.update(_canonical(item).encode())
        h.update(b"\x1e")
    return h.hexdigest()


def _os_error(exc: OSError, path: Path) -> CacheError:
    if exc.errno == errno.ENOSPC:
        why = "the disk is full"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "permission denied"
    else:
        why = exc.strerror or str(exc)
    return CacheError(
        f"cannot write the artifact cache at {path}: {why}. Free space, set paths.cache_dir to a "
        "writable directory, or disable caching with cache.enabled=false"
    )


def _umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux /proc)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)  # elsewhere: read by setting, then restore at once
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one, never a part.

    The file gets the mode a plain ``open()`` would give it (0o666 less the umask), not the 0600 of
    the temporary file, so group members can read run outputs on a shared machine.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise _os_error(exc, path) from None


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


class ArtifactCache:
    """Stage outputs stored as ``<root>/<stage>/<key>.pkl`` with a checksum header."""

    def __init__(self, root: str | os.PathLike, enabled: bool = True, code_version: str | None = None):
        self.root = Path(root).expanduser()
        self.enabled = enabled
        self.code_version = code_version or xner.__version__

    def key(self, stage: str, config: Mapping[str, Any], input_fingerprint: str) -> str:
        payload = _canonical({"stage": stage, "config": config, "input": input_fingerprint, "code": self.code_version})
        return hashlib.sha256(payload.encode()).hexdigest()[:32]

    def path(self, stage: str, key: str) -> Path:
        return self.root / stage / f"{key}.pkl"

    def get(self, stage: str, key: str) -> Any | None:
        """The stored value, or None when missing, disabled, or corrupt (a corrupt entry is removed)."""
        if not self.enabled:
            return None
        path = self.path(stage, key)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        header_len = len(_MAGIC) + 65
        digest, payload = blob[len(_MAGIC) : header_len - 1], blob[header_len:]
        if not blob.startswith(_MAGIC) or hashlib.sha256(payload).hexdigest().encode() != digest:
            log.warning("cache entry %s is truncated or corrupt; recomputing it", path)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return pickle.loads(payload)

    def put(self, stage: str, key: str, value: Any) -> None:
        if not self.enabled:
            return
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        digest = hashlib.sha256(payload).hexdigest().encode()
        atomic_write_bytes(self.path(stage, key), _MAGIC + digest + b"\n" + payload)

    def get_or_compute(
        self, stage: str, config: Mapping[str, Any], input_fingerprint: str, compute: Callable[[], T]
    ) -> T:
        """Return the cached output of `stage` for this config and input, computing it on a miss."""
        key = self.key(stage, config, input_fingerprint)
        cached = self.get(stage, key)
        if cached is not None:
            log.info("%s: reusing cached output %s", stage, key)
            return cached
        value = compute()
        self.put(stage, key, value)
        return value

    def append_log(self, stage: str, config: Mapping[str, Any], input_fingerprint: str) -> AppendLog:
        """A per-item log for a resumable stage (see `AppendLog`)."""
        key = self.key(stage, config, input_fingerprint)
        return AppendLog(self.root / stage / f"{key}.jsonl", enabled=self.enabled)


class AppendLog:
    """Per-item results appended as JSON lines, each with its own checksum.

    A run killed mid-write leaves at most one truncated last line; reading drops (and logs) it, so a
    resumed run recomputes exactly the missing items. Values must be JSON-serialisable.
    """

    def __init__(self, path: Path, enabled: bool = True):
        self.path = Path(path)
        self.enabled = enabled

    def load(self) -> dict[str, Any]:
        done: dict[str, Any] = {}
        if not self.enabled or not self.path.exists():
            return done
        with self.path.open("rb") as fh:
            lines = fh.read().split(b"\n")
        bad = 0
        good_bytes = 0
        for raw in lines:
            if not raw:
                continue
            try:
                rec = json.loads(raw)
                body = _canonical([rec["k"], rec["v"]])
                if hashlib.sha256(body.encode()).hexdigest()[:16] != rec["c"]:
                    raise ValueError("checksum")
            except (ValueError, KeyError, TypeError):
                bad += 1
                continue
            done[rec["k"]] = rec["v"]
            good_bytes += len(raw) + 1
        if bad:
            log.warning("%s: dropped %d truncated/corrupt record(s); they will be recomputed", self.path, bad)
        if bad or lines[-1]:  # a kill can also cut just the final newline of a whole record
            # Rewrite without the bad records so appends start on a clean line.
            atomic_write_text(self.path, "".join(self._line(k, v) for k, v in done.items()))
        return done

    @staticmethod
    def _line(key: str, value: Any) -> str:
        body = _canonical([key, value])
        check = hashlib.sha256(body.encode()).hexdigest()[:16]
        return json.dumps({"k": key, "v": value, "c": check}, ensure_ascii=False) + "\n"

    def append(self, items: Mapping[str, Any]) -> None:
        if not self.enabled or not items:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write("".join(self._line(k, v) for k, v in items.items()))
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise _os_error(exc, self.path) from None
