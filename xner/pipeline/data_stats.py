"""task=data_stats: sentences, tokens and entities per type in every split of a dataset."""

from __future__ import annotations

from collections import Counter

from xner.data.loaders import build_dataset
from xner.pipeline.context import RunContext


def split_stats(sentences, split: str) -> dict[str, float]:
    counts = Counter(span.label for s in sentences for span in s.spans)
    out: dict[str, float] = {
        f"data/{split}/sentences": len(sentences),
        f"data/{split}/tokens": sum(len(s) for s in sentences),
        f"data/{split}/entities": sum(counts.values()),
    }
    out.update({f"data/{split}/entities_{label}": n for label, n in sorted(counts.items())})
    return out


def run(ctx: RunContext) -> dict[str, float]:
    dataset = build_dataset(ctx.cfg)
    metrics: dict[str, float] = {}
    for split in dataset.split_names:
        metrics.update(split_stats(dataset.load(split), split))
    return metrics
