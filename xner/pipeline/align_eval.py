"""`task=align_eval`: align a gold word-alignment set and score it (AER, precision, recall, speed).

    python run.py task=align_eval data=alignment_gold data.pair=de-en_vilar \
        aligner=simalign aligner.method=argmax aligner.encoder=offline:multilingual-e5-small

Metrics (fractions): ``align/aer``, ``align/precision``, ``align/recall``, ``align/f1``, and
``align/pairs_per_s`` — alignment time only: the encoder is loaded before the clock starts (eflomal's
time includes its training, which is part of aligning). Nothing is read from the artifact cache,
so the timing is real. Links go to ``<output_dir>/alignments.txt`` (0-based ``i-j``, one line per pair).
"""

from __future__ import annotations

import logging
import time

from hydra.utils import instantiate

from xner.align.aer import aer_metrics
from xner.align.base import links_to_text
from xner.cache import atomic_write_text
from xner.data.alignment_gold import AlignmentGold
from xner.errors import ConfigError
from xner.pipeline import stages
from xner.pipeline.context import RunContext

log = logging.getLogger(__name__)


def run(ctx: RunContext) -> dict[str, float]:
    cfg = ctx.cfg
    dataset = instantiate(cfg.data, _convert_="all")
    if not isinstance(dataset, AlignmentGold):
        raise ConfigError("task=align_eval needs data=alignment_gold (data.pair=... or data.gold_file=...)")
    gold = dataset.load()
    with stages.open_aligner(cfg) as aligner:
        if hasattr(aligner, "load"):
            aligner.load()  # model loading is not alignment time
        started = time.perf_counter()
        links = aligner.align(gold.src, gold.tgt)
        seconds = time.perf_counter() - started
        backend_metrics = aligner.metrics() if hasattr(aligner, "metrics") else {}  # align/backend_fallback
    if len(links) != len(gold):
        raise RuntimeError(f"aligner returned {len(links)} link sets for {len(gold)} pairs")
    metrics = aer_metrics(links, gold.sure, gold.possible, prefix="align")
    metrics["align/pairs"] = float(len(gold))
    metrics["align/seconds"] = seconds
    metrics["align/pairs_per_s"] = len(gold) / seconds if seconds > 0 else 0.0
    metrics.update(backend_metrics)
    log.info("align_eval %s: AER %.1f, P %.1f, R %.1f, %.1f pairs/s", gold.name, 100 * metrics["align/aer"],
             100 * metrics["align/precision"], 100 * metrics["align/recall"], metrics["align/pairs_per_s"])
    if cfg.task.get("write_links", True):
        out = ctx.output_dir / "alignments.txt"
        atomic_write_text(out, "".join(links_to_text(lk) + "\n" for lk in links))
    return metrics
