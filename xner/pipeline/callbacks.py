"""Hydra callback that reports sweep progress: "job i/N", what finished, and an ETA.

Enable it for a sweep (the paper experiments do) with::

    hydra:
      callbacks:
        progress:
          _target_: xner.pipeline.callbacks.SweepProgress

Launchers run jobs in other processes (joblib workers, submitit jobs), so the jobs share progress
through small files in the sweep directory: ``.progress/sweep.json`` (the number of jobs and the
sweep's start, written by the launching process) and ``.progress/events-<id>.jsonl`` (one line per
finished job, appended). The ETA is the wall-clock time per job finished so far in this invocation
times the jobs left, which accounts for parallel workers; jobs skipped because they already have a
``metrics.json`` (resume) count as done but not towards the rate.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)

_STATE = "sweep.json"


def format_duration(seconds: float | None) -> str:
    """``"?"``, ``"45s"``, ``"12m05s"`` or ``"3h07m"``."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return "?"
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def eta_seconds(elapsed: float, finished_total: int, finished_ran: int, total: int | None) -> float | None:
    """Time left: elapsed wall time per job actually run, times the jobs not finished yet.

    `finished_total` counts every finished job (including resumed ones that did no work),
    `finished_ran` only those that ran. None when unknown (nothing ran yet, or N unknown)."""
    if total is None or finished_ran <= 0:
        return None
    left = max(0, total - finished_total)
    return elapsed / finished_ran * left


def count_jobs(sweeper_params: dict[str, Any] | None, task_overrides: Sequence[str]) -> int | None:
    """The number of jobs Hydra's basic sweeper will launch for these params and command-line
    overrides (the same cartesian product it builds); None when it cannot be determined."""
    try:
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser

        overrides = [f"{k}={v}" for k, v in (sweeper_params or {}).items()] + list(task_overrides)
        parsed = OverridesParser.create().parse_overrides(overrides)
        batches = BasicSweeper.split_arguments(parsed, None)
        return sum(len(b) for b in batches)
    except Exception as exc:  # another sweeper's syntax, glob(), ranges of floats, ...
        log.debug("cannot count sweep jobs: %s", exc)
        return None


def _progress_dir(config: DictConfig) -> Path:
    return Path(str(config.hydra.sweep.dir)) / ".progress"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _read_events(path: Path) -> list[dict[str, Any]]:
    events = []
    with contextlib.suppress(OSError):
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):
                events.append(json.loads(line))
    return events


class SweepProgress(Callback):
    """Logs ``job i/N`` when a job starts and ends, with the number done and an ETA.

    With launchers whose jobs log elsewhere (submitit: each job's own log file), the launching
    process also watches the sweep's progress files and logs ``k/N done, ETA`` every `poll_s`
    seconds while something changed."""

    def __init__(self, poll_s: float = 30.0) -> None:
        self.poll_s = poll_s
        self._started: float | None = None
        self._resumed = False
        self._stop: threading.Event | None = None

    def __getstate__(self) -> dict[str, Any]:  # launchers pickle callbacks into their jobs
        return {**self.__dict__, "_stop": None}

    def _watch(self, folder: Path, state: dict[str, Any], stop: threading.Event) -> None:
        path, seen = folder / f"events-{state['id']}.jsonl", -1
        while not stop.wait(self.poll_s):
            events = _read_events(path)
            if len(events) == seen:
                continue
            seen = len(events)
            ran = sum(not e.get("resumed") for e in events)
            failed = sum(e.get("status") != "COMPLETED" for e in events)
            eta = eta_seconds(time.time() - float(state["start"]), len(events), ran, state.get("total"))
            log.info(
                "%d/%s jobs done (%d failed), ETA %s",
                len(events),
                state.get("total") or "?",
                failed,
                format_duration(eta),
            )

    # -- launching process -------------------------------------------------------------------
    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        params = config.hydra.sweeper.get("params")
        params = OmegaConf.to_container(params, resolve=False) if params is not None else {}
        total = count_jobs(params, list(config.hydra.overrides.task))
        folder = _progress_dir(config)
        state = {"total": total, "start": time.time(), "id": uuid.uuid4().hex[:8]}
        try:
            from xner.cache import atomic_write_text

            atomic_write_text(folder / _STATE, json.dumps(state))
        except Exception as exc:  # progress is a nicety; never fail a sweep over it
            log.warning("sweep progress disabled: cannot write %s (%s)", folder, exc)
            return
        log.info("sweep %s: %s jobs", config.hydra.sweep.dir, total if total is not None else "?")
        launcher = str(config.hydra.launcher.get("_target_", ""))
        if "submitit" in launcher.lower():  # jobs log into their own files: report from here too
            self._stop = threading.Event()
            threading.Thread(target=self._watch, args=(folder, state, self._stop), daemon=True).start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        if self._stop is not None:
            self._stop.set()
        folder = _progress_dir(config)
        state = _read_json(folder / _STATE)
        if state is None:
            return
        events = _read_events(folder / f"events-{state['id']}.jsonl")
        failed = sum(e.get("status") != "COMPLETED" for e in events)
        resumed = sum(bool(e.get("resumed")) for e in events)
        log.info(
            "sweep finished: %d/%s jobs done (%d already finished before, %d failed) in %s",
            len(events),
            state.get("total") or "?",
            resumed,
            failed,
            format_duration(time.time() - float(state["start"])),
        )

    # -- job process -------------------------------------------------------------------------
    def _state(self, config: DictConfig) -> dict[str, Any] | None:
        try:
            from hydra.types import RunMode

            if config.hydra.mode != RunMode.MULTIRUN:
                return None
        except Exception:
            return None
        return _read_json(_progress_dir(config) / _STATE)

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        state = self._state(config)
        if state is None:
            return
        self._started = time.time()
        out = Path(str(config.hydra.runtime.output_dir))
        self._resumed = bool(config.get("skip_finished", False)) and (out / "metrics.json").exists()
        events = _read_events(_progress_dir(config) / f"events-{state['id']}.jsonl")
        total = state.get("total")
        ran = sum(not e.get("resumed") for e in events)
        eta = eta_seconds(time.time() - float(state["start"]), len(events), ran, total)
        log.info(
            "job %d/%s started: %s (%d done, ETA %s)%s",
            int(config.hydra.job.num) + 1,
            total or "?",
            " ".join(config.hydra.overrides.task) or "(defaults)",
            len(events),
            format_duration(eta),
            " — already finished, will be skipped" if self._resumed else "",
        )

    def on_job_end(self, config: DictConfig, job_return: Any, **kwargs: Any) -> None:
        state = self._state(config)
        if state is None or self._started is None:
            return
        status = getattr(getattr(job_return, "status", None), "name", "UNKNOWN")
        event = {
            "num": int(config.hydra.job.num),
            "status": status,
            "resumed": self._resumed,
            "seconds": round(time.time() - self._started, 3),
            "pid": os.getpid(),
        }
        path = _progress_dir(config) / f"events-{state['id']}.jsonl"
        try:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(event) + "\n")
        except OSError as exc:
            log.warning("cannot record sweep progress in %s: %s", path, exc)
        events = _read_events(path)
        total = state.get("total")
        ran = sum(not e.get("resumed") for e in events)
        eta = eta_seconds(time.time() - float(state["start"]), len(events), ran, total)
        log.info(
            "job %d/%s %s in %s; %d/%s done, ETA %s",
            event["num"] + 1,
            total or "?",
            "finished" if status == "COMPLETED" else status.lower(),
            format_duration(event["seconds"]),
            len(events),
            total or "?",
            format_duration(eta),
        )
