"""Find every run under one or more directories and read its metrics and config.

A run directory is a Hydra output directory: it holds ``.hydra/config.yaml`` (and ``hydra.yaml``)
and, once the job finished, ``metrics.json``. Anything that cannot be used — an unfinished job, a
truncated or corrupt ``metrics.json``, a missing config, a duplicate — is returned as a `Skipped`
record with the reason, so the report can say what it left out and why. Nothing is dropped silently.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from xner.dashboard.methods import Method, get_path, language_of, method_of
from xner.errors import XnerError
from xner.langs import LANGUAGES

log = logging.getLogger(__name__)
# libyaml's loader when PyYAML was built with it (several times faster on a 1,000-run sweep).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Never run directories: Hydra/submitit/W&B bookkeeping, and hidden folders (.venv, .git, .progress).
_IGNORED_DIRS = {"wandb", "__pycache__", "node_modules", "model", "checkpoints"}


@dataclass(frozen=True)
class Run:
    path: Path
    lang: str
    method: Method
    metrics: dict[str, float]
    meta: dict[str, str] = field(default_factory=dict)
    mtime: float = 0.0
    overrides: tuple[str, ...] = ()
    dataset: str = ""

    @property
    def column(self) -> str:
        """The report column: the language code, plus the dataset when it is not the language's
        default one (e.g. ``de/europarl_ner`` beside ``de`` for WikiANN)."""
        default = LANGUAGES[self.lang].default_data if self.lang in LANGUAGES else ""
        return self.lang if not self.dataset or self.dataset == default else f"{self.lang}/{self.dataset}"


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


@dataclass
class Collection:
    runs: list[Run]
    skipped: list[Skipped]
    roots: list[Path]
    notes: list[str] = field(default_factory=list)


def _candidate_dirs(root: Path) -> Iterable[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_DIRS and not d.startswith("."))
        here = Path(dirpath)
        if "metrics.json" in filenames or (here / ".hydra" / "config.yaml").is_file():
            yield here


def _load_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=_YAML_LOADER)
    if not isinstance(data, dict):
        raise ValueError(f"expected a mapping, found {type(data).__name__}")
    return data


def parse_metrics(text: str) -> tuple[dict[str, float], dict[str, str], list[str]]:
    """Split a metrics.json text into numeric metrics, `meta/...` strings and notes on dropped keys.

    Raises ValueError with a readable reason when the file cannot be used at all."""
    if not text.strip():
        raise ValueError("metrics.json is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"metrics.json is truncated or not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"metrics.json holds a JSON {type(data).__name__}, expected a flat object")
    metrics: dict[str, float] = {}
    meta: dict[str, str] = {}
    dropped: list[str] = []
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            dropped.append(f"{key} (a {type(value).__name__}, not a number)")
        elif isinstance(value, str):
            if key.startswith("meta/"):
                meta[key] = value
            else:
                dropped.append(f"{key} (a string, not a number)")
        elif not math.isfinite(value):
            dropped.append(f"{key} ({value})")
        else:
            metrics[key] = float(value)
    if not metrics:
        raise ValueError("metrics.json has no numeric metrics")
    return metrics, meta, dropped


def read_run(path: Path, by: Sequence[str] = ()) -> Run | Skipped:
    """Read one run directory (pure apart from the file reads)."""
    metrics_path = path / "metrics.json"
    config_path = path / ".hydra" / "config.yaml"
    if not metrics_path.is_file():
        return Skipped(path, "no metrics.json (job unfinished, failed or still running)")
    if not config_path.is_file():
        return Skipped(path, "no .hydra/config.yaml, so its language and method are unknown")
    try:
        metrics, meta, dropped = parse_metrics(metrics_path.read_text(encoding="utf-8", errors="replace"))
    except ValueError as exc:
        return Skipped(path, str(exc))
    except OSError as exc:
        return Skipped(path, f"metrics.json cannot be read ({exc.strerror or exc})")
    try:
        cfg = _load_yaml(config_path)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return Skipped(path, f".hydra/config.yaml is unreadable ({str(exc).splitlines()[0]})")
    choices: dict[str, Any] = {}
    overrides: tuple[str, ...] = ()
    try:
        hydra_cfg = _load_yaml(path / ".hydra" / "hydra.yaml")
        choices = dict(((hydra_cfg.get("hydra") or {}).get("runtime") or {}).get("choices") or {})
        overrides = tuple(((hydra_cfg.get("hydra") or {}).get("overrides") or {}).get("task") or ())
    except FileNotFoundError:
        pass
    except (OSError, ValueError, yaml.YAMLError) as exc:
        log.warning("%s: .hydra/hydra.yaml unreadable (%s); using config keys only", path, exc)
    lang = language_of(cfg, choices)
    if not lang:
        return Skipped(path, "its config has no lang.code")
    if dropped:
        log.info("%s: ignored non-numeric metrics: %s", path, ", ".join(dropped))
    return Run(
        path=path,
        lang=lang,
        method=_with_extra(method_of(cfg, choices), cfg, by),
        metrics=metrics,
        meta={**meta, **({"meta/ignored": "; ".join(dropped)} if dropped else {})},
        mtime=metrics_path.stat().st_mtime,
        overrides=overrides,
        dataset=str(choices.get("data") or get_path(cfg, "data.name") or ""),
    )


def _with_extra(method: Method, cfg: dict[str, Any], by: Sequence[str]) -> Method:
    """`method` told apart further by the values of config keys `by` (e.g. ``translator.model``)."""
    if not by:
        return method
    extra = ", ".join(f"{key}={get_path(cfg, key)}" for key in by)
    return dataclasses.replace(method, extra=extra)


def collect_runs(dirs: Iterable[str | os.PathLike], by: Sequence[str] = ()) -> Collection:
    """All runs under `dirs` (sweep dirs, run dirs, or parents of either).

    Two runs of the same method and language (e.g. a sweep rerun in a new directory) keep the newest;
    the older one is listed as skipped. `by` names further config keys that tell methods apart
    (``translator.model`` to compare translation models side by side)."""
    roots = [Path(d) for d in dirs]
    missing = [str(r) for r in roots if not r.is_dir()]
    if missing:
        raise XnerError(f"not a directory: {', '.join(missing)} (give sweep or run directories)")
    found: list[Run] = []
    skipped: list[Skipped] = []
    notes: list[str] = []
    seen: set[Path] = set()
    for root in roots:
        n_before = len(found) + len(skipped)
        for path in _candidate_dirs(root):
            if path.resolve() in seen:
                continue
            seen.add(path.resolve())
            result = read_run(path, by)
            (found if isinstance(result, Run) else skipped).append(result)
        if len(found) + len(skipped) == n_before:
            notes.append(f"{root}: no run directories (no metrics.json or .hydra/config.yaml) found")
    newest: dict[tuple[str, Method], Run] = {}
    for run in sorted(found, key=lambda r: (r.mtime, str(r.path))):
        key = (run.column, run.method)
        if key in newest:
            old = newest[key]
            skipped.append(
                Skipped(old.path, f"superseded by the newer run {run.path} ({run.method.label}, {run.column})")
            )
        newest[key] = run
    runs = sorted(newest.values(), key=lambda r: (r.method, r.lang))
    for s in skipped:
        log.warning("skipped %s: %s", s.path, s.reason)
    return Collection(runs=runs, skipped=sorted(skipped, key=lambda s: str(s.path)), roots=roots, notes=notes)
