"""The ``tagger`` check: SourceTagger on cuda vs cpu."""

from __future__ import annotations

import time

from gpucheck.core import Ctx, check, europarl
from gpucheck.models import _models


@check("tagger")
def check_tagger(ctx: Ctx) -> dict:
    import numpy as np

    from xner.ner.tagger import SourceTagger

    models = _models(ctx)
    all_words = [list(s.words) for s in europarl(ctx, "en", ctx.args.tagger_sentences)]
    info: dict = {}
    candidates = {"trained_tiny": models.get("trained") or models["tiny"], "base_random": models["base"]}
    for label, path in candidates.items():
        n = len(all_words) if label == "trained_tiny" else min(len(all_words), ctx.args.tagger_base_sentences)
        words = all_words[:n]
        per: dict = {"sentences": n}
        out = {}
        for dev in ["cpu", "cuda"] if ctx.gpu else ["cpu"]:
            tagger = SourceTagger(str(path), device=dev, batch_size=32)
            tagger.predict(words[:4])  # load and warm up
            t0 = time.perf_counter()
            proba = tagger.predict_proba(words)
            spans = tagger.predict(words)
            per[f"{dev}_sent_per_s"] = round(len(words) / (time.perf_counter() - t0), 1)
            out[dev] = (proba, spans)
            tagger.close()
        per["spans_cpu"] = sum(map(len, out["cpu"][1]))
        if ctx.gpu:
            same = sum(a == b for a, b in zip(out["cpu"][1], out["cuda"][1], strict=True))
            per["identical_sentences"] = f"{same}/{len(words)}"
            per["identical_share"] = round(same / len(words), 4)
            per["max_abs_prob_diff"] = float(max(float(np.abs(a - b).max()) if a.size else 0.0
                                                 for a, b in zip(out["cpu"][0], out["cuda"][0], strict=True)))
            ctx.fig(f"tagger/{label}/identical_share", per["identical_share"])
            ctx.fig(f"tagger/{label}/max_abs_prob_diff", per["max_abs_prob_diff"])
        ctx.fig(f"tagger/{label}/cpu_sent_per_s", per["cpu_sent_per_s"])
        if ctx.gpu:
            ctx.fig(f"tagger/{label}/cuda_sent_per_s", per["cuda_sent_per_s"])
        info[label] = per
    if not ctx.gpu:
        info["note"] = "cuda side skipped (--device cpu)"
    elif info["trained_tiny"]["identical_share"] < 0.95:
        return {"status": "warn", "error": "tagger predictions differ between cuda and cpu", **info}
    return info
