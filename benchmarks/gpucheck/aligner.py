"""The ``aligner`` check: SimAlign on cuda vs cpu, tiny and BERT-base-size encoders."""

from __future__ import annotations

import time
from pathlib import Path

from gpucheck.core import Ctx, check, europarl, log
from gpucheck.models import _models


def _align_run(encoder: Path, layer: int, device: str, src, tgt):
    from xner.align.neural import SimAlign

    aligner = SimAlign(encoder=str(encoder), layer=layer, method="itermax", device=device, progress=False,
                       batch_size=32)
    aligner.align(src[:8], tgt[:8])  # load + warm-up (CUDA kernels, allocator)
    t0 = time.perf_counter()
    links = aligner.align(src, tgt)
    secs = time.perf_counter() - t0
    aligner.close()
    return links, secs


@check("aligner")
def check_aligner(ctx: Ctx) -> dict:
    models = _models(ctx)
    n_all = ctx.args.align_pairs
    src = [list(s.words) for s in europarl(ctx, "en", n_all)]
    tgt = [list(s.words) for s in europarl(ctx, "de", n_all)]
    info: dict = {"pairs": len(src)}
    failed = []
    for label, path, layer in (("tiny", models["tiny"], 2), ("bert_base_random", models["base"], 8)):
        n_cpu = min(len(src), ctx.args.align_cpu_pairs) if label != "tiny" else len(src)
        per: dict = {"layer": layer, "cpu_pairs": n_cpu}
        cpu_links, cpu_s = _align_run(path, layer, "cpu", src[:n_cpu], tgt[:n_cpu])
        per["cpu_pairs_per_s"] = round(n_cpu / cpu_s, 1)
        per["links_cpu"] = sum(map(len, cpu_links))
        if ctx.gpu:
            gpu_links, gpu_s = _align_run(path, layer, "cuda", src, tgt)
            per["cuda_pairs"] = len(src)
            per["cuda_pairs_per_s"] = round(len(src) / gpu_s, 1)
            same = sum(a == b for a, b in zip(cpu_links, gpu_links[:n_cpu], strict=True))
            per["identical_link_sets"] = f"{same}/{n_cpu}"
            per["identical_share"] = round(same / n_cpu, 4)
            per["speedup"] = round(per["cuda_pairs_per_s"] / per["cpu_pairs_per_s"], 2)
            ctx.fig(f"aligner/{label}/cuda_pairs_per_s", per["cuda_pairs_per_s"])
            ctx.fig(f"aligner/{label}/identical_share", per["identical_share"])
            if per["identical_share"] < 0.9:
                failed.append(label)
        ctx.fig(f"aligner/{label}/cpu_pairs_per_s", per["cpu_pairs_per_s"])
        info[label] = per
        log(f"aligner {label}: {per}")
    if not ctx.gpu:
        info["note"] = "cuda side skipped (--device cpu)"
    if failed:  # not a failure: only "same input ⇒ same links on one device" is promised
        return {"status": "warn", "error": f"cuda and cpu link sets differ (< 90% identical) for {failed}", **info}
    return info
