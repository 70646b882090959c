"""Method and language identity of a run, read from its composed config.

A run's *method* is what a researcher compares across languages: the task (model transfer,
translate-test, ...), and for projection tasks the projection algorithm, the aligner, the candidate
extractor and matcher, and whether back-translation refined the alignment. It is derived from the
Hydra config group choices (``hydra.runtime.choices``) where available, else from the config keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xner.langs import LANGUAGES, MASAKHANER_LANGS, XTREME_LANGS

# Tasks whose runs are compared by projection method; the prefix marks tasks other than translate-test.
_PROJECTION_TASKS = {"translate_test": "", "translate_train": "train:", "projection_eval": "proj-eval:"}

GROUPS = ("MasakhaNER", "XTREME", "other")
_DEFAULT_VARIANTS = {"simalign": "itermax"}


@dataclass(frozen=True, order=True)
class Method:
    """A comparable method. `aligner_variant` (e.g. SimAlign's itermax) is shown but not matched
    against the seed paper's reference figures, which name the aligner only."""

    task: str
    projection: str = ""
    aligner: str = ""
    aligner_variant: str = ""
    candidates: str = ""
    matcher: str = ""
    backtranslation: bool = False
    extra: str = ""  # values of further distinguishing config keys (dashboard --by), e.g. "translator.model=…"
    # what the model was trained on, where not the task's usual: "target" (a model_transfer run on the
    # target side of paired data: a translation's own labels, e.g. T-Projection's) or "en+" (translate_train
    # with the English sentences added, task.include_source)
    training_set: str = ""

    @property
    def label(self) -> str:
        """Short name: ``model-transfer``, ``heuristic/simalign``, ``ngram-ilp/awesome+bt``, ...
        An aligner variant is shown only when it is not the aligner's default (SimAlign: itermax)."""
        return self._core_label() + (f" [{self.extra}]" if self.extra else "")

    def _core_label(self) -> str:
        if self.task == "model_transfer":
            return "train:target-file-labels" if self.training_set == "target" else "model-transfer"
        if self.task not in _PROJECTION_TASKS:
            parts = [self.task]
            if self.aligner:
                parts.append(self._aligner_label())
            return "/".join(parts)
        if self.projection == "matching":
            core = f"{self.candidates or '?'}-{self.matcher or '?'}"
        else:
            core = self.projection or "?"
        aligner = self._aligner_label()
        prefix = _PROJECTION_TASKS[self.task] + ("en+" if self.training_set == "en+" else "")
        label = prefix + core + (f"/{aligner}" if aligner and core != "marker" else "")
        return label + ("+bt" if self.backtranslation else "")

    def _aligner_label(self) -> str:
        shown = self.aligner_variant and self.aligner_variant != _DEFAULT_VARIANTS.get(self.aligner)
        return self.aligner + (f"-{self.aligner_variant}" if shown else "")

    def reference_key(self) -> Method:
        """The key under which the seed paper's figures for this method are stored."""
        return Method(self.task, self.projection, self.aligner, "", self.candidates, self.matcher, self.backtranslation,
                      training_set=self.training_set)


def get_path(cfg: Mapping[str, Any], dotted: str) -> Any:
    """``cfg["a"]["b"]`` for ``"a.b"``, or None where a level is missing or not a mapping."""
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


_SUFFIXES = ("projector", "matcher", "candidates", "aligner")


def _choice(cfg: Mapping[str, Any], choices: Mapping[str, Any], group: str) -> str:
    """The selected option of a config group: the Hydra choice, else the group's `name` key, else
    the class it builds (``xner.project.matching.IlpMatcher`` → ``ilp``)."""
    value = choices.get(group)
    if value is None:
        value = get_path(cfg, f"{group}.name")
    if value is None and isinstance(target := get_path(cfg, f"{group}._target_"), str):
        value = target.rsplit(".", 1)[-1].lower()
        for suffix in _SUFFIXES:
            value = value.removesuffix(suffix) or value
        value = {"sim": "simalign"}.get(value, value)
    return "" if value is None else str(value)


def method_of(cfg: Mapping[str, Any], choices: Mapping[str, Any] | None = None) -> Method:
    """The method of a run from its config (``.hydra/config.yaml``) and group choices
    (``hydra.runtime.choices`` in ``.hydra/hydra.yaml``)."""
    choices = choices or {}
    task = str(get_path(cfg, "task.name") or choices.get("task") or "?")
    if task == "model_transfer":
        return Method(task, training_set="target" if get_path(cfg, "task.source_data.side") == "target" else "")
    if task == "data_stats":
        return Method(task)
    if task == "align_eval":
        return Method(
            task,
            aligner=_choice(cfg, choices, "aligner"),
            aligner_variant=str(get_path(cfg, "aligner.method") or ""),
        )
    projection = _choice(cfg, choices, "projection")
    matching = projection == "matching"
    return Method(
        task=task,
        projection=projection,
        aligner="" if projection == "marker" else _choice(cfg, choices, "aligner"),
        aligner_variant="" if projection == "marker" else str(get_path(cfg, "aligner.method") or ""),
        candidates=_choice(cfg, choices, "candidates") if matching else "",
        matcher=_choice(cfg, choices, "matcher") if matching else "",
        backtranslation=bool(get_path(cfg, "projection.backtranslation")),
        training_set="en+" if task == "translate_train" and get_path(cfg, "task.include_source") else "",
    )


def language_of(cfg: Mapping[str, Any], choices: Mapping[str, Any] | None = None) -> str:
    code = get_path(cfg, "lang.code") or (choices or {}).get("lang")
    return "" if code is None else str(code)


def group_of(lang: str) -> str:
    """The language group whose average a language counts towards."""
    if lang in MASAKHANER_LANGS:
        return "MasakhaNER"
    if lang in XTREME_LANGS:
        return "XTREME"
    return "other"


def language_name(lang: str) -> str:
    return LANGUAGES[lang].name if lang in LANGUAGES else lang
