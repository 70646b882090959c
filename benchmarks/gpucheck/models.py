"""The ``models`` check: the tiny and BERT-base-size random-init models the other checks use."""

from __future__ import annotations

import time

from gpucheck.core import Ctx, build_bert, check


@check("models")
def check_models(ctx: Ctx) -> dict:
    from xner.ner.models import build_tiny_model, xner_home

    root = xner_home() / "models"
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ctx.models["tiny"] = build_tiny_model(root, seed=0)
    # BERT-base-size encoder (768 × 12 layers, 12 heads, 3072 ffn), random init, tiny 600-piece vocab
    ctx.models["base"] = build_bert(root, "gpucheck-bert-base-random", hidden=768, layers=12, heads=12, ffn=3072)
    return {"tiny": str(ctx.models["tiny"]), "base": str(ctx.models["base"]),
            "build_s": round(time.perf_counter() - t0, 1)}


def _models(ctx: Ctx) -> dict:
    if "tiny" not in ctx.models:
        check_models(ctx)
    return ctx.models
