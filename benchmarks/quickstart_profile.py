"""Where the main job's time goes: `run.py` under cProfile with a CPU-time clock, split into stages.

    python benchmarks/quickstart_profile.py experiment=quickstart paths.cache_dir=$(mktemp -d) \
        hydra.run.dir=/tmp/qs_profile [more overrides]

Runs `python run.py <overrides>` in this process under `cProfile.Profile(time.process_time)`, so
each figure is CPU seconds of this process, which a busy machine does not inflate (wall time is
CPU time divided by the share of a core the job gets). Children (the W&B service) are counted
apart (`getrusage(RUSAGE_CHILDREN)`). Stages are the cumulative CPU time of named functions
(`STAGES`); "training step: forward" etc. are parts of "fine-tune (Lightning fit)". The collator
is wrapped to count real and padded tokens. Writes `profile.pstats` into the run directory.
Prints a table, then one JSON line.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import resource
import runpy
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# (label, file path suffix, function name); "  " marks a part of the stage above it.
STAGES = [
    ("whole job (xner.pipeline.run)", "xner/pipeline/__init__.py", "run"),
    ("build offline encoder (first use only)", "xner/hub.py", "build_offline_e5"),
    ("align (SimAlign itermax, encoder forward)", "xner/pipeline/stages.py", "align_pairs"),
    ("project (n-gram candidates + ILP)", "xner/pipeline/stages.py", "project_batch"),
    ("fine-tune (Lightning fit)", "pytorch_lightning/trainer/trainer.py", "fit"),
    ("  load model + tokenizer", "xner/ner/module.py", "load_token_classifier"),
    ("  training step: forward + loss", "xner/ner/module.py", "training_step"),
    ("  training step: backward", "torch/autograd/__init__.py", "backward"),
    ("  optimizer: AdamW update", "torch/optim/adamw.py", "step"),
    ("  optimizer: AdamW update", "torch/optim/adam.py", "step"),
    ("  gradient clipping", "torch/nn/utils/clip_grad.py", "clip_grad_norm_"),
    ("  batches: collate", "xner/ner/data.py", "__call__"),
    ("  validation (6 × 60 sentences)", "pytorch_lightning/loops/evaluation_loop.py", "run"),
    ("  checkpoints (best + last per epoch)", "xner/ner/train.py", "save_checkpoint"),
    ("  W&B / LR monitor logging", "pytorch_lightning/loggers/wandb.py", "log_metrics"),
    ("save fine-tuned model (run dir/model)", "xner/ner/train.py", "save_model"),
    ("test prediction (199 sentences)", "xner/ner/tagger.py", "predict_proba"),
    ("W&B start + finish", "xner/track/__init__.py", "start"),
    ("W&B start + finish", "xner/track/__init__.py", "finish"),
]


class CountingCollator:
    real = padded = batches = 0
    longest = 0


def _count_padding() -> None:
    """Wrap the training loader's collator (not validation's) to count real and padded tokens."""
    from xner.ner import data

    original = data.NerDataModule.train_dataloader

    def train_dataloader(self):
        loader = original(self)
        collate = loader.collate_fn

        def counted(items):
            batch = collate(items)
            CountingCollator.real += int(batch["attention_mask"].sum())
            CountingCollator.padded += batch["input_ids"].numel()
            CountingCollator.batches += 1
            CountingCollator.longest = max(CountingCollator.longest, batch["input_ids"].shape[1])
            return batch

        loader.collate_fn = counted
        return loader

    data.NerDataModule.train_dataloader = train_dataloader


def main(overrides: list[str]) -> None:
    _count_padding()
    sys.argv = [str(REPO / "run.py"), *overrides]
    prof = cProfile.Profile(time.process_time)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    prof.enable()
    try:
        runpy.run_path(str(REPO / "run.py"), run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        prof.disable()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = pstats.Stats(prof)
    run_dir = next((o.split("=", 1)[1] for o in overrides if o.startswith("hydra.run.dir=")), None)
    if run_dir:
        stats.dump_stats(os.path.join(run_dir, "profile.pstats"))
    found: dict[str, float] = {}
    for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():
        for label, suffix, func in STAGES:
            if name == func and path.endswith(suffix):
                found[label] = found.get(label, 0.0) + ct
    metrics = json.loads((Path(run_dir) / "metrics.json").read_text()) if run_dir else {}
    print(f"\n{'stage (CPU s of this process)':<46} {'CPU s':>8}")
    print("-" * 56)
    for label in dict.fromkeys(label for label, _, _ in STAGES):
        print(f"{label:<46} {found.get(label, 0.0):>8.1f}")
    print(f"{'process total CPU (incl. imports)':<46} {cpu:>8.1f}")
    print(f"{'children CPU (W&B service)':<46} {children.ru_utime + children.ru_stime:>8.1f}")
    print(f"{'wall':<46} {wall:>8.1f}")
    tokens = metrics.get("train_data/tokens", 0) * metrics.get("train/epochs", 0)
    fit = found.get("fine-tune (Lightning fit)", 0.0)
    print(f"train batches {CountingCollator.batches}, real tokens {CountingCollator.real}, padded "
          f"{CountingCollator.padded} (waste {1 - CountingCollator.real / max(CountingCollator.padded, 1):.1%}), "
          f"longest batch {CountingCollator.longest} subwords; training tokens/CPU-s {tokens / max(fit, 1e-9):.0f}; "
          f"test/f1 {metrics.get('test/f1', float('nan')):.4f}; load average {os.getloadavg()[0]:.1f}")
    out = {f"cpu_s/{label.strip()}": round(v, 2) for label, v in found.items()}
    out.update({
        "cpu_s/process": round(cpu, 2), "cpu_s/children": round(children.ru_utime + children.ru_stime, 2),
        "wall_s": round(wall, 1), "tokens_real": CountingCollator.real, "tokens_padded": CountingCollator.padded,
        "test/f1": metrics.get("test/f1"), "load_avg_1min_end": round(os.getloadavg()[0], 1),
    })
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1:])
