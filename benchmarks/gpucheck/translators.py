"""The ``translators`` check: tiny NLLB / M2M100 on cuda vs cpu, throughput, translate_test on cuda."""

from __future__ import annotations

import importlib
import importlib.util
import time

from gpucheck.core import REPO, Ctx, check, europarl, finite, log, run_py
from gpucheck.models import _models


def _load_bench_translate():
    spec = importlib.util.spec_from_file_location("xner_bench_translate", REPO / "benchmarks" / "translate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@check("translators")
def check_translators(ctx: Ctx) -> dict:
    from xner.translate.seq2seq import M2M100Translator, NLLBTranslator
    from xner.translate.words import detokenize

    texts = [detokenize(list(s.words)) for s in europarl(ctx, "de", ctx.args.translate_sentences)]
    info: dict = {"sentences": len(texts)}
    variants = [("cpu", "float32")]
    if ctx.gpu:
        variants += [("cuda", "float32"), ("cuda", "bfloat16"), ("cuda", "auto")]
    for family, cls in (("nllb", NLLBTranslator), ("m2m100", M2M100Translator)):
        outs = {}
        per: dict = {}
        for dev, dtype in variants:
            t = cls(f"tiny-{family}:0", beam_size=4, max_length=48, device=dev, dtype=dtype, progress=False)
            t.translate_texts(texts[:2], "de", "en")  # load + warm-up
            t0 = time.perf_counter()
            outs[(dev, dtype)] = t.translate_texts(texts, "de", "en")
            per[f"{dev}_{dtype}_sent_per_s"] = round(len(texts) / (time.perf_counter() - t0), 1)
            t.close()
        ref = outs[("cpu", "float32")]
        for (dev, dtype), out in outs.items():
            if dev == "cuda":
                same = sum(a == b for a, b in zip(ref, out, strict=True))
                per[f"{dev}_{dtype}_identical_to_cpu"] = round(same / len(ref), 4)
                ctx.fig(f"translate/{family}/{dev}_{dtype}_identical_to_cpu", per[f"{dev}_{dtype}_identical_to_cpu"])
        per["nonempty_outputs"] = sum(bool(x.strip()) for x in ref)
        info[family] = per
        log(f"translator {family}: {per}")
    # per-sentence vs batched (benchmarks/translate.py), a wider tiny NLLB so the GPU has some work
    bench = _load_bench_translate()
    from xner.translate.tiny import build_tiny_translator

    d_model, layers = (256, 3) if ctx.gpu else (64, 2)
    model_dir = str(build_tiny_translator("nllb", ctx.work / "models", seed=0, d_model=d_model, layers=layers))
    n = min(len(texts), ctx.args.throughput_sentences)
    dev = ctx.device
    naive, t_naive = bench.naive(model_dir, texts[:n], 4, 48, dev)
    batched, t_batched, _ = bench.xner_path(model_dir, texts[:n], 4, 48, dev, "transformers", 4096,
                                            ctx.work / "bench_cache")
    same = sum(a == b for a, b in zip(naive, batched, strict=True))
    thr = {"device": dev, "model": f"tiny NLLB d_model={d_model}, {layers}+{layers} layers, beam 4, max 48 tokens",
           "sentences": n, "naive_sent_per_s": round(n / t_naive, 1), "batched_sent_per_s": round(n / t_batched, 1),
           "batched_speedup": round(t_naive / t_batched, 2), "batched_identical_to_naive": f"{same}/{n}"}
    info["throughput"] = thr
    for k in ("naive_sent_per_s", "batched_sent_per_s", "batched_speedup"):
        ctx.fig(f"translate/{dev}/{k}", thr[k])
    # translate_test end to end with translator, tagger and aligner on the device
    tiny = _models(ctx)["tiny"]
    _, m = run_py(ctx, "translate_test", [
        "task=translate_test", "data=europarl_ner", "lang=de", "data.limit=30", "translator=nllb",
        "translator.model=tiny-nllb:0", f"translator.device={dev}",
        f"translator.dtype={'bfloat16' if ctx.gpu else 'float32'}", "translator.max_length=32",
        "translator.progress=false", "tagger=tiny", f"tagger.model={tiny}", f"tagger.device={dev}",
        "aligner=simalign", f"aligner.encoder={tiny}", "aligner.layer=2", f"aligner.device={dev}",
        "aligner.progress=false",
    ])
    if not finite(m.get("test/f1")):
        raise AssertionError(f"translate_test: test/f1 not finite: {m.get('test/f1')!r}")
    info["translate_test_run"] = {"test/f1": m["test/f1"], "run_wall_s": round(m["_wall_s"], 1),
                                  "translate/translated": m.get("translate/translated"),
                                  "translate/sentences_per_s": m.get("translate/sentences_per_s")}
    if not ctx.gpu:
        info["note"] = "cuda variants skipped (--device cpu)"
    elif info["nllb"].get("cuda_float32_identical_to_cpu", 1) < 0.9:
        return {"status": "warn", "error": "cuda fp32 translations differ from cpu (< 90% identical)", **info}
    return info
