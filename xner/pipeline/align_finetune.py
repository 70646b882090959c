"""`task=align_finetune`: fine-tune the aligner's encoder on parallel text (awesome-align objectives).

    python run.py task=align_finetune aligner=awesome_offline data=parallel_text \
        data.bitext_file=my.en-de task.eval_gold=de-en_vilar

then align with ``aligner.encoder=<run dir>/encoder aligner.layer=<L>``. The encoder, layer,
softmax threshold and subword mode come from the `aligner` group (the aligner the result serves);
the objectives, steps and optimiser from `task`; the text from `data` (`parallel_text`,
`parallel_conll`, or `alignment_gold` — the last only with ``task.transductive=true``).

- **Cached and resumable**: the training state lives under ``<cache_dir>/align_finetune/<key>``,
  the key a hash of the base model (name + local weights id), the data fingerprint, the objective
  and optimiser settings and the seed. Lightning writes ``last.ckpt`` every
  ``task.checkpoint_every`` steps (atomically, random states included); a killed job resumes from
  it (``ckpt_path``) at that step — but not in the same data order (the
  shuffled loader restarts its epoch), so a resumed model is close to, not equal to, an
  uninterrupted one — and a finished one is reused as it is. The run directory gets ``encoder/``
  (hard links to the cached model files, copies across file systems).
- **Never mistaken for held-out**: training text that shares a sentence (either side, case and
  spacing ignored) with the gold set it is evaluated on (``task.eval_gold``) or with any named gold
  set present under the data dir (``task.check_gold``) is refused, unless
  ``task.transductive=true``; then ``align_finetune/transductive`` is 1 and the model card says so.
- **Before / after**: with ``task.eval_gold`` the base and the tuned encoder are scored with
  SimAlign argmax and itermax and AWESoME (the same layer and subword mode):
  ``align_finetune/aer_<method>_before|after`` (fractions) and the same in the model card.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from xner.align.aer import aer_metrics
from xner.cache import atomic_write_text, fingerprint
from xner.data.alignment_gold import PAIRS, AlignmentGold, AlignmentGoldSet
from xner.errors import ConfigError, DataFormatError, XnerError
from xner.hub import describe_model, local_weights_id, resolve_model
from xner.pipeline.context import RunContext

log = logging.getLogger(__name__)

Pair = tuple[tuple[str, ...], tuple[str, ...]]
METHODS = (("simalign", "argmax"), ("simalign", "itermax"), ("awesome", "softmax"))


# ----------------------------------------------------------------------------- data
def training_pairs(cfg: DictConfig) -> tuple[list[Pair], dict[str, int], str, AlignmentGoldSet | None]:
    """(pairs, counts, description, the gold set when the data *is* one) from `cfg.data`."""
    from xner.data.loaders import ParallelNerDataset
    from xner.data.parallel_text import ParallelText

    dataset = instantiate(cfg.data, _convert_="all")
    if isinstance(dataset, ParallelText):
        corpus = dataset.load()
        return corpus.pairs, dict(corpus.counts), ", ".join(corpus.names), None
    if isinstance(dataset, ParallelNerDataset):
        src, tgt = dataset.source_target_files()
        pairs = [(tuple(p.source.words), tuple(p.target.words)) for p in dataset.pairs()]
        kept = [p for p in pairs if p[0] and p[1]]
        return kept, {"read": len(pairs), "empty": len(pairs) - len(kept)}, f"{src} | {tgt}", None
    if isinstance(dataset, AlignmentGold):
        gold = dataset.load()
        pairs = [(tuple(s), tuple(t)) for s, t in zip(gold.src, gold.tgt, strict=True)]
        kept = [p for p in pairs if p[0] and p[1]]
        return kept, {"read": len(pairs), "empty": len(pairs) - len(kept)}, f"alignment gold {gold.name}", gold
    raise ConfigError(
        "task=align_finetune needs data=parallel_text, data=parallel_conll (or data=alignment_gold "
        "with task.transductive=true)"
    )


def load_gold(spec: Any, data_dir: str | None) -> AlignmentGoldSet | None:
    """`task.eval_gold`: null, a named set (``de-en_vilar``) or a mapping of `AlignmentGold` arguments."""
    if spec is None:
        return None
    if isinstance(spec, str):
        return AlignmentGold(pair=spec, data_dir=data_dir).load()
    kwargs = OmegaConf.to_container(spec, resolve=True) if isinstance(spec, DictConfig) else dict(spec)
    kwargs.setdefault("data_dir", data_dir)
    if "pair" not in kwargs:
        kwargs["pair"] = None
    return AlignmentGold(**kwargs).load()


def _norm(words: Sequence[str]) -> str:
    return " ".join(w.lower() for w in words)


def overlap(pairs: Sequence[Pair], gold: AlignmentGoldSet) -> int:
    """Training pairs that share a sentence (either side, case and spacing ignored) with `gold`."""
    seen = {_norm(s) for s in gold.src} | {_norm(t) for t in gold.tgt}
    return sum(1 for s, t in pairs if _norm(s) in seen or _norm(t) in seen)


def check_contamination(
    pairs: Sequence[Pair], golds: Sequence[AlignmentGoldSet], transductive: bool
) -> dict[str, float]:
    """Refuse training text from an evaluation set unless `transductive`; the counts as metrics."""
    metrics: dict[str, float] = {"align_finetune/transductive": float(bool(transductive))}
    for gold in golds:
        n = overlap(pairs, gold)
        metrics[f"align_finetune/overlap_{gold.name}"] = float(n)
        if n and not transductive:
            raise ConfigError(
                f"task=align_finetune: {n} of the {len(pairs)} training pairs share a sentence with the gold "
                f"alignment set {gold.name}; an encoder trained on them must not be reported as held-out. "
                "Remove them from the training text, or set task.transductive=true (unsupervised training on "
                "the text to align; metrics then carry align_finetune/transductive=1)"
            )
    return metrics


# ----------------------------------------------------------------------------- evaluation
def evaluate(
    encoder: str, layer: int, subwords: str, threshold: float, gold: AlignmentGoldSet, batch_size: int = 32
) -> dict[str, float]:
    """AER of SimAlign argmax / itermax and AWESoME with `encoder` on `gold` (fractions)."""
    from xner.align.neural import Awesome, SimAlign

    out: dict[str, float] = {}
    with SimAlign(encoder, layer=layer, subwords=subwords, batch_size=batch_size, progress=False) as sa:
        links = sa.align_methods(gold.src, gold.tgt, ("argmax", "itermax"))
    with Awesome(
        encoder, layer=layer, threshold=threshold, subwords=subwords, batch_size=batch_size, progress=False
    ) as aw:
        links["softmax"] = aw.align(gold.src, gold.tgt)
    for method, lk in links.items():
        out[method] = aer_metrics(lk, gold.sure, gold.possible, prefix="x")["x/aer"]
    return out


# ----------------------------------------------------------------------------- the task
def _aligner_settings(cfg: DictConfig) -> dict[str, Any]:
    al = cfg.get("aligner")
    if al is None or "encoder" not in al:
        raise ConfigError(
            "task=align_finetune needs an encoder aligner: aligner=simalign|awesome (or *_offline); "
            "its encoder, layer and subword mode are what is fine-tuned"
        )
    threshold = cfg.task.get("threshold")
    if threshold is None:
        threshold = float(al.get("threshold", 1e-3))
    return {
        "encoder": str(al.encoder),
        "layer": int(al.get("layer", 8)),
        "subwords": str(al.get("subwords", "bpe")),
        "threshold": float(threshold),
    }


def _link_or_copy(src: Path, dst: Path) -> None:
    """`dst` as a copy of directory `src`, by hard links where the file system allows."""
    tmp = dst.with_name(f".{dst.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for f in src.iterdir():
        try:
            os.link(f, tmp / f.name)
        except OSError:
            shutil.copy2(f, tmp / f.name)
    if dst.exists():
        shutil.rmtree(dst)
    tmp.rename(dst)


def run(ctx: RunContext) -> dict[str, float]:
    from transformers import AutoConfig, AutoTokenizer

    from xner.align import finetune as ft
    from xner.pipeline.training import apply_threads

    cfg, task = ctx.cfg, ctx.cfg.task
    apply_threads(cfg)
    al = _aligner_settings(cfg)
    objectives = {k: bool(task.objectives.get(k, False)) for k in ft.OBJECTIVES}
    extra = set(task.objectives) - set(ft.OBJECTIVES)
    if extra:
        raise ConfigError(f"task.objectives: unknown {sorted(extra)}; valid: {', '.join(ft.OBJECTIVES)}")
    data_dir = cfg.paths.get("data_dir")
    base_path = resolve_model(al["encoder"])  # a missing model: one ModelNotFoundError, before any work

    # -- text, and the gold sets it must not come from
    pairs, counts, data_desc, data_gold = training_pairs(cfg)
    transductive = bool(task.get("transductive", False))
    if data_gold is not None and not transductive:
        raise ConfigError(
            "data=alignment_gold trains on the text of a gold set: set task.transductive=true to do "
            "that knowingly (its AER is then not held-out)"
        )
    eval_gold = load_gold(task.get("eval_gold"), data_dir) or data_gold
    golds = [eval_gold] if eval_gold is not None else []
    for name in task.get("check_gold") or []:
        if name not in PAIRS:
            raise ConfigError(f"task.check_gold: {name!r} is not a named gold set; valid: {', '.join(PAIRS)}")
        if eval_gold is not None and eval_gold.name == name:
            continue
        try:
            golds.append(AlignmentGold(pair=name, data_dir=data_dir).load())
        except (DataFormatError, ConfigError):  # not in this data collection: nothing to overlap with
            log.info("task.check_gold: %s not found under the data dir; not checked", name)
    metrics = check_contamination(pairs, golds, transductive)

    # -- tokenise, filter, size checks
    tokenizer = AutoTokenizer.from_pretrained(base_path)
    if not tokenizer.is_fast:
        raise ConfigError(f"encoder {al['encoder']!r} has no fast tokenizer (needed for word ids)")
    specials = ft.Specials.of(tokenizer)
    n_special = len(specials.prefix) + len(specials.suffix)
    positions = int(getattr(AutoConfig.from_pretrained(base_path), "max_position_embeddings", 512) or 512)
    concat = objectives["tlm"] or objectives["psi"]
    limit = (positions // 2 - n_special) if concat else positions - n_special
    max_subwords = int(task.get("max_subwords") or limit)
    if max_subwords > limit:
        raise ConfigError(
            f"task.max_subwords={max_subwords} exceeds the encoder's window ({limit} subwords per side"
            f"{' when both sides are concatenated for TLM/PSI' if concat else ''})"
        )
    encoded, enc_stats = ft.encode_pairs(tokenizer, pairs, max_subwords)
    counts["empty"] = counts.get("empty", 0) + enc_stats["empty"]
    counts["too_long"] = enc_stats["too_long"]
    if enc_stats["too_long"]:
        log.info(
            "align_finetune: skipped %d pair(s) with a side over %d subwords (task.max_subwords)",
            enc_stats["too_long"],
            max_subwords,
        )
    min_pairs = int(task.get("min_pairs", 8))
    if len(encoded) < min_pairs:
        raise XnerError(
            f"too little text to fine-tune the aligner: {len(encoded)} usable sentence pairs "
            f"(of {counts.get('read', 0)} read; {counts['empty']} with an empty side, "
            f"{counts['too_long']} over {max_subwords} subwords); "
            f"task.min_pairs={min_pairs}"
        )
    metrics.update({f"align_finetune/pairs_{k}": float(v) for k, v in counts.items()})
    metrics["align_finetune/pairs"] = float(len(encoded))

    # -- identity, state directory
    batch_size = int(task.batch_size)
    per_epoch = -(-len(encoded) // batch_size)
    steps = int(task.max_steps) if task.get("max_steps") else per_epoch * int(task.get("epochs", 1))
    train_cfg = {
        "base": al["encoder"],
        "base_weights": local_weights_id(al["encoder"]),
        "layer": al["layer"],
        "subwords": al["subwords"],
        "threshold": al["threshold"],
        "objectives": objectives,
        "steps": steps,
        "batch_size": batch_size,
        "lr": float(task.lr),
        "warmup_steps": int(task.get("warmup_steps", 0)),
        "weight_decay": float(task.get("weight_decay", 0.0)),
        "freeze_embeddings": bool(task.freeze_embeddings),
        "max_subwords": max_subwords,
        "mask_prob": float(task.get("mask_prob", 0.15)),
        "seed": int(cfg.seed),
    }
    data_fp = fingerprint(encoded)
    key = ctx.cache.key("align_finetune", train_cfg, data_fp)
    state_dir = (ctx.cache.root / "align_finetune" / key) if ctx.cache.enabled else (ctx.output_dir / "align_state")
    cached_encoder = state_dir / "encoder"
    finished = state_dir / "finished.json"
    log.info(
        "align_finetune: %d pairs, %d steps (batch %d), objectives %s, state %s",
        len(encoded),
        steps,
        batch_size,
        "+".join(k for k, v in objectives.items() if v),
        state_dir,
    )

    info: dict[str, Any] = {
        **train_cfg,
        "base_description": describe_model(al["encoder"]),
        "data": data_desc,
        "pairs": len(encoded),
        "transductive": transductive,
        "eval_gold": eval_gold.name if eval_gold is not None else None,
    }
    if finished.exists() and cached_encoder.is_dir():
        record = json.loads(finished.read_text())
        log.info("align_finetune: training already finished in %s; reusing it", state_dir)
        train_metrics = record["metrics"]
    else:
        train_metrics = _fit(
            cfg, base_path, al, objectives, train_cfg, encoded, specials, steps=steps, state_dir=state_dir
        )
        info["seconds"] = round(train_metrics["align_finetune/train_seconds"], 1)
        module = train_metrics.pop("_module")
        ft.save_encoder(module.encoder, tokenizer, cached_encoder, info)
        atomic_write_text(finished, json.dumps({"metrics": train_metrics}, sort_keys=True))
    metrics.update(train_metrics)

    # -- before / after on the gold set
    if eval_gold is not None:
        after = evaluate(str(cached_encoder), al["layer"], al["subwords"], al["threshold"], eval_gold)
        before = (
            evaluate(al["encoder"], al["layer"], al["subwords"], al["threshold"], eval_gold)
            if task.get("eval_before", True)
            else dict.fromkeys(after, float("nan"))
        )
        for m in after:
            metrics[f"align_finetune/aer_{m}_before"] = before[m]
            metrics[f"align_finetune/aer_{m}_after"] = after[m]
            log.info("align_finetune AER on %s, %s: %.1f → %.1f", eval_gold.name, m, 100 * before[m], 100 * after[m])
        info["aer"] = {m: (before[m], after[m]) for m in after}
        info.setdefault("seconds", round(metrics.get("align_finetune/train_seconds", 0.0), 1))
        (cached_encoder / "README.md").write_text(ft.model_card(info), encoding="utf-8")
    _link_or_copy(cached_encoder, ctx.output_dir / "encoder")
    log.info(
        "fine-tuned encoder: %s (use aligner.encoder=%s aligner.layer=%d)",
        ctx.output_dir / "encoder",
        ctx.output_dir / "encoder",
        al["layer"],
    )
    return metrics


def _fit(
    cfg: DictConfig,
    base_path: str,
    al: dict[str, Any],
    objectives: dict[str, bool],
    train_cfg: dict[str, Any],
    encoded: Sequence[Any],
    specials: Any,
    *,
    steps: int,
    state_dir: Path,
) -> dict[str, Any]:
    """Fit `xner.align.finetune.AlignFineTuner` with Lightning, resuming from `state_dir`'s last
    checkpoint; the training metrics and, under ``_module``, the fitted module."""
    import pytorch_lightning as pl
    import torch
    from pytorch_lightning.callbacks import ModelCheckpoint

    from xner.align import finetune as ft
    from xner.ner.progress import LogProgress, show_progress_bar
    from xner.ner.train import AtomicCheckpointIO, RngStateCheckpoint, _resume_from, quiet_lightning

    task, trainer_cfg = cfg.task, cfg.get("trainer") or {}
    pl.seed_everything(int(cfg.seed), workers=True, verbose=False)
    random.seed(int(cfg.seed))
    module = ft.AlignFineTuner(
        base_path,
        layer=al["layer"],
        objectives=objectives,
        threshold=al["threshold"],
        subwords=al["subwords"],
        lr=train_cfg["lr"],
        warmup_steps=train_cfg["warmup_steps"],
        total_steps=steps,
        weight_decay=train_cfg["weight_decay"],
        freeze_embeddings=train_cfg["freeze_embeddings"],
    )
    collate = ft.PairCollator(specials, objectives, train_cfg["mask_prob"])
    gen = torch.Generator().manual_seed(int(cfg.seed))
    loader = torch.utils.data.DataLoader(
        ft.PairDataset(encoded),
        batch_size=train_cfg["batch_size"],
        shuffle=True,
        collate_fn=collate,
        generator=gen,
        num_workers=0,
    )
    state_dir.mkdir(parents=True, exist_ok=True)
    every = max(1, int(task.get("checkpoint_every", 50)))

    class StartStep(pl.Callback):  # steps of this session only (a resumed fit starts at its checkpoint)
        start = 0

        def on_train_start(self, trainer, pl_module):
            StartStep.start = trainer.global_step

    quiet_lightning()
    # The same progress reporting as NER training: a bar on a terminal, else steps/rate/ETA lines.
    progress_bar = show_progress_bar(bool(trainer_cfg.get("enable_progress_bar", False)))
    every_log = int(trainer_cfg.get("progress_every_n_steps", 50) or 0)
    progress = [LogProgress(every_log)] if not progress_bar and every_log > 0 else []
    trainer = pl.Trainer(
        accelerator=str(trainer_cfg.get("accelerator", "cpu")),
        devices=trainer_cfg.get("devices", 1),
        precision=trainer_cfg.get("precision", "32-true"),
        max_steps=steps,
        max_epochs=-1,
        gradient_clip_val=1.0,
        logger=False,
        enable_model_summary=False,
        enable_progress_bar=progress_bar,
        log_every_n_steps=int(trainer_cfg.get("log_every_n_steps", 10)),
        default_root_dir=str(state_dir),
        callbacks=[
            *progress,
            StartStep(),
            RngStateCheckpoint(),
            ModelCheckpoint(
                dirpath=state_dir,
                filename="last",
                monitor=None,
                save_top_k=1,
                every_n_train_steps=every,
                enable_version_counter=False,
            ),
        ],
        plugins=[AtomicCheckpointIO()],
    )
    t0, c0 = time.perf_counter(), time.process_time()
    trainer.fit(module, train_dataloaders=loader, ckpt_path=_resume_from(state_dir))
    seconds, cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    logged = {k: float(v) for k, v in trainer.callback_metrics.items() if k.startswith("train/loss")}
    done_pairs = (trainer.global_step - StartStep.start) * train_cfg["batch_size"]
    out: dict[str, Any] = {
        "align_finetune/train_seconds": seconds,
        "align_finetune/steps": float(trainer.global_step),
        "align_finetune/steps_this_session": float(trainer.global_step - StartStep.start),
        "align_finetune/train_pairs_per_s": done_pairs / seconds if seconds > 0 else 0.0,
        "align_finetune/train_cpu_seconds": cpu_seconds,  # on a shared machine: pairs per CPU second
        **{f"align_finetune/{k.removeprefix('train/')}_last": v for k, v in logged.items()},
    }
    module.encoder.to("cpu").eval()
    out["_module"] = module
    return out
