"""The ``train_gpu`` and ``ddp`` checks: run.py fine-tuning on the GPU, single- and multi-device."""

from __future__ import annotations

import re

from gpucheck.core import Ctx, check, europarl, finite, run_py
from gpucheck.models import _models


@check("train_gpu")
def check_train_gpu(ctx: Ctx) -> dict:
    tiny = _models(ctx)["tiny"]
    n = ctx.args.train_sentences
    trainer = ["trainer=gpu"] if ctx.gpu else ["trainer=cpu", "trainer.num_threads=2"]
    overrides = [
        "task=translate_train", "data=europarl_ner", "lang=de", f"data.limit={n}", "task.source_data=null",
        f"task.parallel_split={int(n * 0.8)}", "model=tiny", f"model.name={tiny}", *trainer,
        "trainer.max_epochs=2", "trainer.enable_progress_bar=false", "translator=parallel", "aligner=simalign",
        f"aligner.encoder={tiny}", "aligner.layer=2", f"aligner.device={ctx.device}", "aligner.progress=false",
        "projection=matching", "candidates=ngram", "matcher=greedy",
    ]
    run_dir, m = run_py(ctx, "train_gpu", overrides)
    f1 = m.get("test/f1")
    if not finite(f1):
        raise AssertionError(f"test/f1 is not finite: {f1!r}")
    hydra_cfg = (run_dir / ".hydra" / "config.yaml").read_text()
    precision = re.search(r"precision: (\S+)", hydra_cfg)
    # the saved model loads on CPU and tags
    from xner.ner.tagger import SourceTagger

    model_dir = run_dir / "model"
    if not (model_dir / "config.json").is_file():
        raise AssertionError(f"no saved model in {model_dir}")
    words = [list(s.words) for s in europarl(ctx, "de", 20)]
    tagger = SourceTagger(str(model_dir), device="cpu", batch_size=8)
    spans = tagger.predict(words)
    tagger.close()
    assert len(spans) == len(words)
    for w, ss in zip(words, spans, strict=True):
        for sp in ss:
            assert 0 <= sp.start < sp.end <= len(w), (sp, len(w))
    ctx.models["trained"] = model_dir
    info = {"mode": "gpu" if ctx.gpu else "cpu substitute (trainer=cpu, aligner.device=cpu)",
            "precision": precision.group(1) if precision else None, "test/f1": f1,
            "test/sentences": m.get("test/sentences"), "train/seconds": m.get("train/seconds"),
            "train/tokens_per_s": m.get("train/tokens_per_s"), "run_wall_s": round(m["_wall_s"], 1),
            "reloaded_cpu_spans": sum(map(len, spans))}
    for k in ("test/f1", "train/seconds", "train/tokens_per_s", "run_wall_s"):
        ctx.fig(f"train_gpu/{k}", info[k])
    return info


@check("ddp")
def check_ddp(ctx: Ctx) -> dict:
    tiny = _models(ctx)["tiny"]
    base = ["task=model_transfer", "data=europarl_ner", "lang=de", "data.limit=160", "task.source_data=null",
            "task.parallel_split=120", "task.dev=slice", "model=tiny", f"model.name={tiny}", "trainer=ddp",
            "trainer.max_epochs=2", "trainer.enable_progress_bar=false"]
    variants = {"devices_1": ["trainer.devices=1"], "devices_all": ["trainer.devices=-1"]}
    if not ctx.gpu:  # DDP on CPU (gloo) exercises the same strategy code; -1 has no meaning on CPU
        variants = {"cpu_gloo_devices_1": ["trainer.devices=1", "trainer.accelerator=cpu",
                                           "trainer.precision=32-true", "trainer.num_workers=0"]}
    info: dict = {}
    errors = []
    for name, extra in variants.items():
        try:
            _, m = run_py(ctx, f"ddp_{name}", [*base, *extra])
            if not finite(m.get("test/f1")):
                raise AssertionError(f"test/f1 not finite: {m.get('test/f1')!r}")
            info[name] = {"test/f1": m["test/f1"], "train/seconds": m.get("train/seconds"),
                          "run_wall_s": round(m["_wall_s"], 1)}
            ctx.fig(f"ddp/{name}/test_f1", m["test/f1"])
        except Exception as exc:
            errors.append(f"{name}: {type(exc).__name__}: {exc}"[:2500])
            info[name] = {"status": "failed"}
    if errors:
        return {"status": "failed", "error": "\n".join(errors), **info}
    return info
