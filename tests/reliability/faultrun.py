"""Run ``run.py`` jobs with one injected fault each; the job SIGKILLs itself at a chosen point.

    python tests/reliability/faultrun.py --zygote     # the tests' way: one request per stdin line
    XNER_FAULT=<point>:<n> python tests/reliability/faultrun.py <run.py overrides...>   # one job

The zygote imports torch, transformers, Lightning and xner once, then forks one child process per
request (``{"args": [...], "log": path, "fault": "<point>:<n>" | null, "set": {...}}``) and answers
``{"code": exit status | null, "signal": signal number | null}``: every job is a real process
killed by a real SIGKILL, without paying the imports each time.

Fault points (``n`` counts matching calls from 1):

- ``append:<stage>``  the n-th `AppendLog.append` to ``<cache>/<stage>/…`` writes its records, then the
  file's last record is torn in half (as if killed mid-write) and the process is killed;
- ``fsync:<text>``    the n-th fsync of an atomic write (artifact cache entry or run output) whose
  path contains ``<text>``: the temporary file is cut to half its size and the process is killed;
- ``enospc:<text>`` / ``eacces:<text>``  that fsync fails with "No space left on device" /
  "Permission denied" instead (the job then handles the error itself);
- ``train_step``      killed at the start of the n-th training batch.

``set`` overrides module constants first, e.g. ``{"xner.pipeline.stages:ALIGN_CHUNK": 3}``.
Nothing here is imported by xner; no cleanup code of xner runs after a kill.
"""

from __future__ import annotations

import errno
import importlib
import json
import os
import runpy
import signal
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def die() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def install(point: str, n: int) -> None:
    kind, _, arg = point.partition(":")
    calls = {"n": 0}

    def hit() -> bool:
        calls["n"] += 1
        return calls["n"] == n

    if kind == "append":
        from xner import cache

        real_append = cache.AppendLog.append

        def append(self, items):
            real_append(self, items)
            if self.path.parent.name == arg and items and hit():
                size = self.path.stat().st_size
                last = len(cache.AppendLog._line(*list(items.items())[-1]).encode())
                os.truncate(self.path, size - last // 2)
                die()

        cache.AppendLog.append = append
    elif kind in ("fsync", "enospc", "eacces"):
        from xner import cache

        real_os = cache.os

        class FaultyOs:
            def __getattr__(self, name):
                return getattr(real_os, name)

            @staticmethod
            def fsync(fd):
                if arg in os.readlink(f"/proc/self/fd/{fd}") and hit():
                    if kind == "enospc":
                        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                    if kind == "eacces":
                        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
                    os.ftruncate(fd, os.fstat(fd).st_size // 2)
                    die()
                return real_os.fsync(fd)

        cache.os = FaultyOs()
    elif kind == "train_step":
        from xner.ner import module

        real_step = module.TokenClassifier.training_step

        def training_step(self, *args, **kwargs):
            if hit():
                die()
            return real_step(self, *args, **kwargs)

        module.TokenClassifier.training_step = training_step
    else:
        raise SystemExit(f"unknown fault point {point!r}")


def run_job(args: list[str], fault: str | None, settings: dict[str, int]) -> None:
    for target, value in settings.items():
        mod, _, name = target.partition(":")
        setattr(importlib.import_module(mod), name, value)
    if fault:
        point, _, n = fault.rpartition(":")
        install(point, int(n))
    sys.argv = [str(REPO / "run.py"), *args]
    runpy.run_path(str(REPO / "run.py"), run_name="__main__")


def child(request: dict) -> None:
    """In the forked child: redirect output to the job's log, run it, exit with its status."""
    code = 0
    try:
        fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        run_job(request["args"], request.get("fault"), request.get("set") or {})
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def zygote() -> None:
    os.chdir(REPO)
    sys.path.insert(0, str(REPO))
    # Everything a job imports anyway, once (the children inherit it).
    for name in ("torch", "transformers", "pytorch_lightning", "hydra", "scipy.optimize", "seqeval.metrics",
                 "xner.pipeline", "xner.pipeline.translate_train", "xner.ner.module", "xner.ner.train",
                 "xner.translate.seq2seq", "xner.align.neural", "xner.project.projector", "xner.pipeline.config"):
        importlib.import_module(name)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            child(request)
        _, status = os.waitpid(pid, 0)
        reply = {
            "code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        }
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--zygote"]:
        zygote()
    else:
        sys.path.insert(0, str(REPO))
        fault = os.environ.get("XNER_FAULT")
        run_job(sys.argv[1:], fault, json.loads(os.environ.get("XNER_SET", "{}")))
