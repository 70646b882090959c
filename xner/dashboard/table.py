"""The comparison table behind the report: method × language for one measure (pure functions).

Values are fractions as the metrics files hold them (seqeval: 0..1); the report shows percentages.
A run's headline prefix is ``test/`` (translate-test, translate-train, model transfer) or, for
projection evaluation, ``projection/``; an explicit key such as ``projection/recall`` is used as is.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from xner.dashboard.collect import Run, Skipped
from xner.dashboard.methods import GROUPS, Method, group_of
from xner.dashboard.reference import Reference

PREFIXES = ("test/", "projection/")
MEASURES = ("recall", "precision", "f1")


_FRACTIONS = {"precision", "recall", "f1", "aer", "accuracy"}
_LOWER_IS_BETTER = ("aer", "loss", "seconds", "error", "unprojected")


def lower_is_better(measure: str) -> bool:
    name = measure.rsplit("/", 1)[-1]
    if name == "errors_exact":  # the projection explorer's count of correct spans
        return False
    return any(word in name for word in _LOWER_IS_BETTER)


def metric_value(metrics: dict[str, float], measure: str) -> tuple[str, float] | None:
    """(key, value) of `measure` in a run's metrics: ``recall`` → ``test/recall`` or
    ``projection/recall``; a key containing "/" is looked up as given."""
    keys = [measure] if "/" in measure else [p + measure for p in PREFIXES]
    for key in keys:
        if key in metrics:
            return key, metrics[key]
    return None


def entity_types(runs: Sequence[Run], measure: str) -> list[str]:
    base = measure.rsplit("/", 1)[-1]
    types = set()
    for run in runs:
        for key in run.metrics:
            name = key.rsplit("/", 1)[-1]
            if name.startswith(base + "_") and any(key.startswith(p) for p in PREFIXES):
                types.add(name[len(base) + 1 :])
    return sorted(types)


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


@dataclass
class Table:
    measure: str
    methods: list[Method]
    columns: list[str]  # language codes (with "/dataset" where not the default), ordered by group
    groups: dict[str, list[str]]  # group name -> its columns, for the groups present
    values: dict[tuple[Method, str], float]
    reference: dict[tuple[Method, str], float]
    types: list[str]
    type_values: dict[tuple[Method, str], list[float]]
    baseline: Method | None
    missing: list[Skipped] = field(default_factory=list)
    sources: dict[tuple[Method, str], str] = field(default_factory=dict)  # run dir per cell
    type_cells: dict[tuple[Method, str, str], float] = field(default_factory=dict)  # (method, type, column)

    def value(self, method: Method, column: str) -> float | None:
        return self.values.get((method, column))

    def average(self, method: Method, group: str | None = None, reference: bool = False) -> tuple[float | None, int]:
        """Mean over the group's columns (all columns when group is None) and how many it covers."""
        cols = self.columns if group is None else self.groups.get(group, [])
        source = self.reference if reference else self.values
        vals = [source[(method, c)] for c in cols if (method, c) in source]
        return _mean(vals), len(vals)

    @property
    def scale(self) -> float:
        """100 for precision/recall/F1/AER given as fractions (shown as percentages), else 1 (as is)."""
        name = self.measure.rsplit("/", 1)[-1].split("_")[0]
        fraction = name in _FRACTIONS and all(0.0 <= v <= 1.0 for v in self.values.values())
        return 100.0 if fraction else 1.0

    @property
    def lower_is_better(self) -> bool:
        """True for error-like measures (``align/aer``, losses, times): the best value is the lowest."""
        return lower_is_better(self.measure)

    def best(self, column: str) -> set[Method]:
        vals = {m: v for m in self.methods if (v := self.values.get((m, column))) is not None}
        if not vals:
            return set()
        top = min(vals.values()) if self.lower_is_better else max(vals.values())
        return {m for m, v in vals.items() if v == top}

    def diff(self, method: Method, column: str) -> float | None:
        if self.baseline is None:
            return None
        a, b = self.values.get((method, column)), self.values.get((self.baseline, column))
        return None if a is None or b is None else a - b

    def type_average(self, method: Method, etype: str) -> tuple[float | None, int]:
        vals = self.type_values.get((method, etype), [])
        return _mean(vals), len(vals)


def column_group(column: str) -> str:
    """MasakhaNER or XTREME for a language on its default dataset; the dataset's name for a column
    such as ``de/europarl_ner``; else "other"."""
    if "/" in column:
        return column.split("/", 1)[1]
    return group_of(column)


def _column_order(columns: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    groups: dict[str, list[str]] = {}
    for col in sorted(columns):
        groups.setdefault(column_group(col), []).append(col)
    order = [*GROUPS, *sorted(g for g in groups if g not in GROUPS)]
    ordered = {g: groups[g] for g in order if g in groups}
    return [c for cols in ordered.values() for c in cols], ordered


_PROJ_ORDER = {"heuristic": 0, "matching": 1, "marker": 2}


def method_order(method: Method) -> tuple:
    """Model transfer first, then by task, projection (heuristic, matching, marker), candidates,
    matcher and aligner, each variant directly followed by its back-translation twin."""
    return (
        method.task != "model_transfer",
        method.task,
        _PROJ_ORDER.get(method.projection, 9),
        method.projection,
        method.candidates,
        method.matcher,
        method.aligner,
        method.aligner_variant,
        method.backtranslation,
        method.extra,
    )


def build_table(
    runs: Sequence[Run],
    measure: str = "recall",
    baseline: str | None = None,
    reference: Reference | None = None,
) -> Table:
    """The method × language table for `measure`. `baseline` is a method label; None picks
    model-transfer when present, else no baseline. Runs lacking the measure are listed in `missing`."""
    values: dict[tuple[Method, str], float] = {}
    sources: dict[tuple[Method, str], str] = {}
    missing: list[Skipped] = []
    used: list[Run] = []
    for run in runs:
        hit = metric_value(run.metrics, measure)
        if hit is None:
            have = ", ".join(sorted(run.metrics)[:6]) + (" …" if len(run.metrics) > 6 else "")
            missing.append(Skipped(run.path, f"no {measure} metric ({run.method.label}, {run.column}; has {have})"))
            continue
        values[(run.method, run.column)] = hit[1]
        sources[(run.method, run.column)] = str(run.path)
        used.append(run)
    methods = sorted({m for m, _ in values}, key=method_order)
    columns, groups = _column_order({c for _, c in values})
    types = entity_types(used, measure)
    type_values: dict[tuple[Method, str], list[float]] = {}
    type_cells: dict[tuple[Method, str, str], float] = {}
    base = measure.rsplit("/", 1)[-1]
    for run in used:
        prefix = metric_value(run.metrics, measure)[0].rsplit("/", 1)[0]  # type: ignore[index]
        for t in types:
            if (v := run.metrics.get(f"{prefix}/{base}_{t}")) is not None:
                type_values.setdefault((run.method, t), []).append(v)
                type_cells[(run.method, t, run.column)] = v
    ref_values: dict[tuple[Method, str], float] = {}
    if reference:
        datasets = {(run.method, run.column): run.dataset for run in used}
        for m in methods:
            for c in columns:
                lang = c.split("/")[0]
                dataset = c.split("/")[1] if "/" in c else _default_dataset(lang, datasets, m, c)
                figs = reference.get((dataset, lang, m.reference_key()))
                if figs and base in figs:
                    ref_values[(m, c)] = figs[base]
    by_label = {m.label: m for m in methods}
    chosen = by_label.get(baseline if baseline is not None else "model-transfer")
    return Table(
        measure, methods, columns, groups, values, ref_values, types, type_values, chosen, missing, sources, type_cells
    )


def _default_dataset(lang: str, datasets: dict[tuple[Method, str], str], method: Method, column: str) -> str:
    from xner.langs import LANGUAGES

    return datasets.get((method, column)) or (LANGUAGES[lang].default_data if lang in LANGUAGES else "")
