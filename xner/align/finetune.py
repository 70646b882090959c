"""Fine-tuning an encoder for word alignment: awesome-align's objectives (Dou & Neubig 2021).

The objectives are functions on tensors, so each can be tested alone; `AlignFineTuner` is the
Lightning module that combines them, and `save_encoder` writes the result as a transformers model
directory that ``aligner.encoder=<dir>`` accepts (SimAlign and AWESoME).

- **SO** (self-training): the targets are the model's own alignment — AWESoME's extraction (dot
  product of layer-L vectors, softmax over rows and over columns, both above ``threshold``) computed
  without gradient and without dropout, turned into word links ("bpe": a word pair is linked when
  any of its subword pairs is; "word": vectors averaged per word first), and spread back over every
  subword pair of the linked words. The loss raises the probability mass on the targets in both
  directions: ``−mean_b(Σ P→·G / n_src + Σ P←·G / n_tgt)`` (probabilities, not log-probabilities,
  as in the reference code).
- **TLM** (translation language modelling): ``[CLS] src [SEP] [CLS] tgt [SEP]`` (order drawn per
  batch), 15% of one side's subwords masked (80% mask token, 10% random, 10% kept), predicted from
  both sides. The offline encoder has no MLM head, so the head here is a fresh LayerNorm and a
  fresh output bias over the input embeddings (decoder tied to ``word_embeddings``); a hub
  checkpoint's own MLM head is not loaded either. The head sits on layer L (the reference runs TLM
  through all layers; here the layers above L are cut, see below).
- **PSI** (parallel sentence identification): a pair or a shuffled pair (the target of another
  sentence), classified from the layer-L ``[CLS]`` vector of the concatenation by a fresh head.
- **CO** (consistency): ``−mean_b(Σ P→ ⊙ P← / min(n_src, n_tgt))``, the two directions agreeing.

Only layers 1..L are kept and trained. Extraction reads layer L, so the layers above it get no
gradient from SO or CO and would never be used by the aligners; cutting them also removes a third
of the compute and memory of a 12-layer encoder aligned at layer 8. The saved model has L layers
(``num_hidden_layers = L``): align with ``aligner.layer=L``. The input word embeddings (96 of the
118 M parameters of multilingual-e5-small) are frozen by default (`freeze_embeddings`), which
keeps the optimiser state small on a CPU; the reference trains them.
"""

from __future__ import annotations

import json
import logging
import random
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch
import torch.nn.functional as F
from torch import Tensor

from xner.errors import ConfigError
from xner.hub import pin_config_version

log = logging.getLogger(__name__)

OBJECTIVES = ("so", "tlm", "psi", "co")
_NEG = -1e4  # added to masked scores before a softmax (finite, so empty rows give no NaN)


# ----------------------------------------------------------------------------- the objectives
def unit_vectors(hidden: Tensor, word_ids: Tensor, mode: str = "bpe") -> tuple[Tensor, Tensor, Tensor]:
    """Alignment units of one side: ``(vectors (B, U, H), word of each unit (B, U), valid (B, U))``.

    `word_ids` (B, L) gives each position's word index, −1 for special tokens and padding. "bpe":
    the units are the subwords; "word": the mean vector of each word's subwords.
    """
    if mode == "bpe":
        return hidden, word_ids, word_ids >= 0
    if mode != "word":
        raise ConfigError(f"subwords={mode!r} is not valid; choose bpe or word")
    n_words = int(word_ids.max().item()) + 1 if word_ids.numel() else 0
    n_words = max(n_words, 1)
    onehot = (word_ids[:, None, :] == torch.arange(n_words, device=word_ids.device)[None, :, None]).to(hidden.dtype)
    counts = onehot.sum(-1, keepdim=True)
    vectors = onehot @ hidden / counts.clamp(min=1)
    valid = counts.squeeze(-1) > 0
    words = torch.where(valid, torch.arange(n_words, device=word_ids.device)[None].expand_as(valid), -1)
    return vectors, words, valid


def directional_probs(x: Tensor, x_valid: Tensor, y: Tensor, y_valid: Tensor) -> tuple[Tensor, Tensor]:
    """AWESoME's two probability matrices (B, M, N) from dot products: softmax over the target units
    of each source unit (P→) and over the source units of each target unit (P←); 0 off the valid region."""
    scores = x @ y.transpose(-1, -2)
    valid = x_valid[:, :, None] & y_valid[:, None, :]
    p_fwd = torch.softmax(scores + (~y_valid[:, None, :]) * _NEG, dim=-1) * valid
    p_bwd = torch.softmax(scores + (~x_valid[:, :, None]) * _NEG, dim=-2) * valid
    return p_fwd, p_bwd


def _word_onehot(words: Tensor, n: int) -> Tensor:
    """(B, U, n): unit u belongs to word w (units with word −1 belong to none)."""
    return (words[:, :, None] == torch.arange(n, device=words.device)[None, None, :]).float()


def so_targets(p_fwd: Tensor, p_bwd: Tensor, x_words: Tensor, y_words: Tensor, threshold: float = 1e-3) -> Tensor:
    """SO targets (B, M, N) in {0, 1}: unit pairs whose words the softmax extraction links.

    Unit links are ``P→ > t and P← > t``; a word pair is linked when any of its unit pairs is; the
    target marks every unit pair of a linked word pair (exactly the word links xner's AWESoME
    aligner outputs from the same vectors)."""
    links = ((p_fwd > threshold) & (p_bwd > threshold)).float()
    nx = max(int(x_words.max().item()) + 1, 1) if x_words.numel() else 1
    ny = max(int(y_words.max().item()) + 1, 1) if y_words.numel() else 1
    ax, ay = _word_onehot(x_words, nx), _word_onehot(y_words, ny)
    word_links = (ax.transpose(1, 2) @ links @ ay) > 0  # (B, nx, ny)
    return ((ax @ word_links.float() @ ay.transpose(1, 2)) > 0).float()


def word_links_of(guide: Tensor, x_words: Tensor, y_words: Tensor) -> list[frozenset[tuple[int, int]]]:
    """The word links (i, j) a target matrix marks, per pair (for tests and inspection)."""
    out = []
    for b in range(guide.shape[0]):
        ii, jj = torch.nonzero(guide[b], as_tuple=True)
        out.append(frozenset((int(x_words[b, i]), int(y_words[b, j])) for i, j in zip(ii, jj, strict=True)))
    return out


def so_loss(p_fwd: Tensor, p_bwd: Tensor, guide: Tensor, x_valid: Tensor, y_valid: Tensor) -> Tensor:
    """Self-training loss: −mean over pairs of (Σ P→·G / n_src + Σ P←·G / n_tgt)."""
    n_x = x_valid.sum(-1).clamp(min=1).to(p_fwd.dtype)
    n_y = y_valid.sum(-1).clamp(min=1).to(p_fwd.dtype)
    return -((p_fwd * guide).sum((1, 2)) / n_x + (p_bwd * guide).sum((1, 2)) / n_y).mean()


def co_loss(p_fwd: Tensor, p_bwd: Tensor, x_valid: Tensor, y_valid: Tensor) -> Tensor:
    """Consistency loss: −mean over pairs of Σ P→ ⊙ P← / min(n_src, n_tgt)."""
    n = torch.minimum(x_valid.sum(-1), y_valid.sum(-1)).clamp(min=1).to(p_fwd.dtype)
    return -((p_fwd * p_bwd).sum((1, 2)) / n).mean()


def mask_tokens(
    ids: Tensor,
    maskable: Tensor,
    mask_id: int,
    vocab_size: int,
    prob: float = 0.15,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor]:
    """BERT masking of the `maskable` positions: (inputs, labels with −100 where not predicted)."""
    draw = torch.rand(ids.shape, generator=generator)
    chosen = (draw < prob) & maskable
    labels = torch.where(chosen, ids, torch.full_like(ids, -100))
    kind = torch.rand(ids.shape, generator=generator)
    inputs = ids.clone()
    inputs[chosen & (kind < 0.8)] = mask_id
    rand = chosen & (kind >= 0.8) & (kind < 0.9)
    inputs[rand] = torch.randint(vocab_size, ids.shape, generator=generator)[rand]
    return inputs, labels


def tlm_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Masked-LM cross-entropy (B, L, V) vs (B, L): averaged per sequence over its masked positions
    (−100 elsewhere), then over the sequences that have one."""
    rows, cols = torch.nonzero(labels != -100, as_tuple=True)
    return masked_lm_loss(logits[rows, cols], labels[rows, cols], rows, labels.shape[0])


def masked_lm_loss(logits: Tensor, labels: Tensor, rows: Tensor, n_rows: int) -> Tensor:
    """`tlm_loss` on the masked positions only: logits (K, V), labels (K,), the sequence of each (K,)."""
    if labels.numel() == 0:
        return logits.sum() * 0.0
    per_token = F.cross_entropy(logits, labels, reduction="none")
    total = torch.zeros(n_rows, dtype=per_token.dtype, device=per_token.device).index_add_(0, rows, per_token)
    count = torch.zeros(n_rows, dtype=per_token.dtype, device=per_token.device).index_add_(
        0, rows, torch.ones_like(per_token)
    )
    keep = count > 0
    return (total[keep] / count[keep]).mean()


def psi_loss(logits: Tensor, labels: Tensor) -> Tensor:
    """Parallel sentence identification: cross-entropy of 2-way logits (1 = a true pair)."""
    return F.cross_entropy(logits, labels)


# ----------------------------------------------------------------------------- data
@dataclass(frozen=True)
class EncodedPair:
    """One sentence pair as subword ids (no special tokens) and each subword's word index."""

    src_ids: tuple[int, ...]
    src_words: tuple[int, ...]
    tgt_ids: tuple[int, ...]
    tgt_words: tuple[int, ...]


@dataclass(frozen=True)
class Specials:
    """The special tokens around one sequence, read off the tokenizer."""

    prefix: tuple[int, ...]
    suffix: tuple[int, ...]
    pad_id: int
    mask_id: int | None
    vocab_size: int

    @classmethod
    def of(cls, tokenizer) -> Specials:
        plain = tokenizer(["a"], is_split_into_words=True, add_special_tokens=False)["input_ids"]
        full = tokenizer(["a"], is_split_into_words=True, add_special_tokens=True)["input_ids"]
        start = next(k for k in range(len(full)) if full[k : k + len(plain)] == plain)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        return cls(
            tuple(full[:start]), tuple(full[start + len(plain) :]), int(pad), tokenizer.mask_token_id, len(tokenizer)
        )


def encode_pairs(
    tokenizer, pairs: Sequence[tuple[Sequence[str], Sequence[str]]], max_subwords: int
) -> tuple[list[EncodedPair], dict[str, int]]:
    """Tokenise both sides once; pairs with an empty side or a side over `max_subwords` are left
    out and counted (``empty``, ``too_long``)."""
    stats = {"empty": 0, "too_long": 0}
    out: list[EncodedPair] = []
    live = [k for k, (s, t) in enumerate(pairs) if len(s) and len(t)]
    stats["empty"] = len(pairs) - len(live)
    if not live:
        return out, stats

    def tok(side: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
        enc = tokenizer(
            [list(map(str, pairs[k][side])) for k in live],
            is_split_into_words=True,
            add_special_tokens=False,
            truncation=False,
            verbose=False,
        )
        res = []
        for r in range(len(live)):
            wids = enc.word_ids(r)
            ids = enc["input_ids"][r]
            keep = [t for t, w in enumerate(wids) if w is not None]
            res.append((tuple(ids[t] for t in keep), tuple(wids[t] for t in keep)))
        return res

    src, tgt = tok(0), tok(1)
    for (si, sw), (ti, tw) in zip(src, tgt, strict=True):
        if not si or not ti:
            stats["empty"] += 1
        elif len(si) > max_subwords or len(ti) > max_subwords:
            stats["too_long"] += 1
        else:
            out.append(EncodedPair(si, sw, ti, tw))
    return out, stats


def _pad(seqs: Sequence[Sequence[int]], value: int) -> Tensor:
    width = max((len(s) for s in seqs), default=0)
    out = torch.full((len(seqs), width), value, dtype=torch.long)
    for r, s in enumerate(seqs):
        out[r, : len(s)] = torch.tensor(s, dtype=torch.long)
    return out


class PairCollator:
    """Builds a training batch: both sides alone (SO/CO), the concatenation with one side masked
    (TLM) and true/shuffled concatenations (PSI). Randomness from python's and torch's generators,
    seeded by the trainer and saved in its checkpoints."""

    def __init__(self, specials: Specials, objectives: Mapping[str, bool], mask_prob: float = 0.15):
        self.sp = specials
        self.objectives = dict(objectives)
        self.mask_prob = mask_prob

    def _side(self, ids: Sequence[Sequence[int]], words: Sequence[Sequence[int]]) -> tuple[Tensor, Tensor, Tensor]:
        p, s = list(self.sp.prefix), list(self.sp.suffix)
        input_ids = _pad([p + list(x) + s for x in ids], self.sp.pad_id)
        word_ids = _pad([[-1] * len(p) + list(w) + [-1] * len(s) for w in words], -1)
        mask = _pad([[1] * (len(p) + len(x) + len(s)) for x in ids], 0)
        return input_ids, mask, word_ids

    def _concat(self, a: Sequence[int], b: Sequence[int]) -> tuple[list[int], list[int]]:
        """``prefix a suffix prefix b suffix`` and the side of each position (0 a, 1 b, −1 special)."""
        p, s = list(self.sp.prefix), list(self.sp.suffix)
        ids = p + list(a) + s + p + list(b) + s
        side = [-1] * len(p) + [0] * len(a) + [-1] * (len(s) + len(p)) + [1] * len(b) + [-1] * len(s)
        return ids, side

    def __call__(self, items: Sequence[tuple[EncodedPair, EncodedPair]]) -> dict[str, Tensor]:
        pairs = [it[0] for it in items]
        batch: dict[str, Tensor] = {}
        batch["src_ids"], batch["src_mask"], batch["src_words"] = self._side(
            [p.src_ids for p in pairs], [p.src_words for p in pairs]
        )
        batch["tgt_ids"], batch["tgt_mask"], batch["tgt_words"] = self._side(
            [p.tgt_ids for p in pairs], [p.tgt_words for p in pairs]
        )
        if self.objectives.get("tlm"):
            if self.sp.mask_id is None:
                raise ConfigError("task.objectives.tlm=true needs a tokenizer with a mask token")
            seqs, maskable = [], []
            for p in pairs:
                a, b = (p.src_ids, p.tgt_ids) if random.random() < 0.5 else (p.tgt_ids, p.src_ids)
                ids, side = self._concat(a, b)
                masked_side = int(random.random() < 0.5)  # the other side is the (unmasked) context
                seqs.append(ids)
                maskable.append([int(k == masked_side) for k in side])
            ids = _pad(seqs, self.sp.pad_id)
            can = _pad(maskable, 0).bool()
            inputs, labels = mask_tokens(ids, can, self.sp.mask_id, self.sp.vocab_size, self.mask_prob)
            batch["tlm_ids"], batch["tlm_labels"] = inputs, labels
            batch["tlm_mask"] = _pad([[1] * len(s) for s in seqs], 0)
        if self.objectives.get("psi"):
            seqs, labels = [], []
            for p, neg in items:
                seqs.append(self._concat(p.src_ids, p.tgt_ids)[0])
                labels.append(1)
                a, b = (p.src_ids, neg.tgt_ids) if random.random() < 0.5 else (neg.src_ids, p.tgt_ids)
                seqs.append(self._concat(a, b)[0])
                labels.append(0)
            batch["psi_ids"] = _pad(seqs, self.sp.pad_id)
            batch["psi_mask"] = _pad([[1] * len(s) for s in seqs], 0)
            batch["psi_labels"] = torch.tensor(labels, dtype=torch.long)
        return batch


class PairDataset(torch.utils.data.Dataset):
    """Each item: a pair and a different random pair (the PSI negative's source of the swap)."""

    def __init__(self, pairs: Sequence[EncodedPair]):
        self.pairs = list(pairs)

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, i: int) -> tuple[EncodedPair, EncodedPair]:
        j = i
        if len(self.pairs) > 1:
            while j == i:
                j = random.randrange(len(self.pairs))
        return self.pairs[i], self.pairs[j]


# ----------------------------------------------------------------------------- the model
def load_cut_encoder(path: str, layer: int):
    """A transformers encoder from `path` with only its first `layer` transformer layers."""
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(path)
    n_layers = getattr(config, "num_hidden_layers", None)
    if layer < 1 or (n_layers is not None and layer > n_layers):
        raise ConfigError(f"aligner.layer={layer} is not a layer of {path} (1..{n_layers})")
    kwargs = {"add_pooling_layer": False} if config.model_type in {"bert", "roberta", "xlm-roberta"} else {}
    model = AutoModel.from_pretrained(path, config=config, **kwargs)
    blocks = getattr(getattr(model, "encoder", None), "layer", None)
    if not isinstance(blocks, torch.nn.ModuleList):
        raise ConfigError(f"{path}: not a BERT-like encoder (no encoder.layer list); cannot cut it at layer {layer}")
    model.encoder.layer = blocks[:layer]
    model.config.num_hidden_layers = layer
    return model


class AlignFineTuner(pl.LightningModule):
    """Fine-tunes the first `layer` layers of an encoder with SO / TLM / PSI / CO.

    ``model_path``: a loadable directory (already resolved); ``objectives``: {so, tlm, psi, co}
    → bool; ``threshold``/``subwords``: the extraction of the aligner it serves; ``lr``,
    ``warmup_steps``, ``total_steps``, ``weight_decay``: AdamW with linear warmup and decay."""

    def __init__(
        self,
        model_path: str,
        layer: int = 8,
        objectives: Mapping[str, bool] | None = None,
        threshold: float = 1e-3,
        subwords: str = "bpe",
        lr: float = 2e-5,
        warmup_steps: int = 0,
        total_steps: int = 1000,
        weight_decay: float = 0.0,
        freeze_embeddings: bool = True,
    ):
        super().__init__()
        objectives = dict(objectives or {"so": True, "tlm": True})
        unknown = set(objectives) - set(OBJECTIVES)
        if unknown:
            raise ConfigError(f"task.objectives: unknown {sorted(unknown)}; valid: {', '.join(OBJECTIVES)}")
        if not any(objectives.values()):
            raise ConfigError("task.objectives: all objectives are false; enable at least one of so, tlm, psi, co")
        if subwords not in ("bpe", "word"):
            raise ConfigError(f"aligner.subwords={subwords!r} is not valid; choose bpe or word")
        self.objectives = objectives
        self.threshold, self.subwords = threshold, subwords
        self.lr, self.warmup_steps, self.total_steps = lr, warmup_steps, max(1, total_steps)
        self.weight_decay = weight_decay
        self.encoder = load_cut_encoder(model_path, layer).train()  # from_pretrained returns eval mode
        emb = self.encoder.get_input_embeddings()
        if freeze_embeddings:
            emb.weight.requires_grad_(False)
        hidden = self.encoder.config.hidden_size
        if objectives.get("tlm"):
            self.mlm_norm = torch.nn.LayerNorm(hidden, eps=getattr(self.encoder.config, "layer_norm_eps", 1e-12))
            self.mlm_bias = torch.nn.Parameter(torch.zeros(emb.weight.shape[0]))
        if objectives.get("psi"):
            self.psi_head = torch.nn.Sequential(
                torch.nn.Linear(hidden, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, 2)
            )

    def _hidden(self, ids: Tensor, mask: Tensor) -> Tensor:
        return self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state

    def _probs(self, batch: Mapping[str, Tensor]):
        hx = self._hidden(batch["src_ids"], batch["src_mask"])
        hy = self._hidden(batch["tgt_ids"], batch["tgt_mask"])
        x, xw, xv = unit_vectors(hx, batch["src_words"], self.subwords)
        y, yw, yv = unit_vectors(hy, batch["tgt_words"], self.subwords)
        p_fwd, p_bwd = directional_probs(x, xv, y, yv)
        return p_fwd, p_bwd, xw, yw, xv, yv

    def losses(self, batch: Mapping[str, Tensor]) -> dict[str, Tensor]:
        out: dict[str, Tensor] = {}
        if self.objectives.get("so") or self.objectives.get("co"):
            guide = None
            if self.objectives.get("so"):
                was_training = self.encoder.training
                self.encoder.eval()  # targets without dropout, as the reference computes them
                with torch.no_grad():
                    p_fwd, p_bwd, xw, yw, _, _ = self._probs(batch)
                    guide = so_targets(p_fwd, p_bwd, xw, yw, self.threshold)
                self.encoder.train(was_training)
            p_fwd, p_bwd, xw, yw, xv, yv = self._probs(batch)
            if guide is not None:
                out["so"] = so_loss(p_fwd, p_bwd, guide, xv, yv)
            if self.objectives.get("co"):
                out["co"] = co_loss(p_fwd, p_bwd, xv, yv)
        if self.objectives.get("tlm"):
            h = self._hidden(batch["tlm_ids"], batch["tlm_mask"])
            labels = batch["tlm_labels"]
            rows, cols = torch.nonzero(labels != -100, as_tuple=True)  # only masked positions see the vocabulary
            weight = self.encoder.get_input_embeddings().weight
            logits = self.mlm_norm(h[rows, cols]) @ weight.T + self.mlm_bias
            out["tlm"] = masked_lm_loss(logits, labels[rows, cols], rows, labels.shape[0])
        if self.objectives.get("psi"):
            h = self._hidden(batch["psi_ids"], batch["psi_mask"])
            out["psi"] = psi_loss(self.psi_head(h[:, 0]), batch["psi_labels"])
        return out

    def training_step(self, batch, batch_idx):
        parts = self.losses(batch)
        loss = sum(parts.values())
        bs = int(batch["src_ids"].shape[0])
        for k, v in parts.items():
            self.log(f"train/loss_{k}", v.detach(), batch_size=bs, prog_bar=False)
        self.log("train/loss", loss.detach(), batch_size=bs, prog_bar=True)
        return loss

    def configure_optimizers(self):
        decay, no_decay = [], []
        for n, p in self.named_parameters():
            if p.requires_grad:
                (no_decay if ("bias" in n or "LayerNorm" in n or "norm" in n) else decay).append(p)
        opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": self.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=self.lr,
            eps=1e-8,
        )
        warm, total = self.warmup_steps, self.total_steps

        def schedule(step: int) -> float:
            if warm and step < warm:
                return (step + 1) / warm
            return max(0.0, (total - step) / max(1, total - warm))

        sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


# ----------------------------------------------------------------------------- saving
def model_card(info: Mapping[str, Any]) -> str:
    """The README.md of a fine-tuned encoder directory."""
    lines = [
        f"# Word-alignment encoder fine-tuned from {info.get('base_description', info.get('base'))}",
        "",
        "Fine-tuned by xner (`task=align_finetune`) with awesome-align's objectives (Dou & Neubig 2021).",
        f"Only layers 1..{info.get('layer')} were kept (the aligners read layer {info.get('layer')}): "
        f"align with `aligner.encoder=<this dir> aligner.layer={info.get('layer')}`.",
        "",
        "| | |",
        "|---|---|",
    ]
    for key in (
        "base",
        "layer",
        "objectives",
        "threshold",
        "subwords",
        "data",
        "pairs",
        "steps",
        "epochs",
        "batch_size",
        "lr",
        "freeze_embeddings",
        "seed",
        "transductive",
        "seconds",
    ):
        if key in info:
            value = info[key]
            if isinstance(value, dict | list):
                value = json.dumps(value, sort_keys=True)
            lines.append(f"| {key} | {value} |")
    aer = info.get("aer")
    if aer:
        lines += [
            "",
            f"## AER on {info.get('eval_gold')} (lower is better)",
            "",
            "| aligner | before | after |",
            "|---|---|---|",
        ]
        for name, (before, after) in sorted(aer.items()):
            lines.append(f"| {name} | {100 * before:.1f} | {100 * after:.1f} |")
    else:
        lines += ["", "No gold alignment set was given: AER before/after not measured."]
    if info.get("transductive"):
        lines += [
            "",
            "**Transductive**: trained on the text of the evaluation set (unsupervised); its AER is "
            "not a held-out figure.",
        ]
    lines.append("")
    return "\n".join(lines)


def save_encoder(encoder, tokenizer, path: Path, info: Mapping[str, Any]) -> Path:
    """Write the cut encoder + tokenizer + model card to `path` (atomically: a temporary sibling
    directory renamed into place)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.partial")
    shutil.rmtree(tmp, ignore_errors=True)
    encoder.config.num_hidden_layers = len(encoder.encoder.layer)
    encoder.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    pin_config_version(tmp)  # no false "incorrect regex pattern" warning when it is loaded
    (tmp / "README.md").write_text(model_card(info), encoding="utf-8")
    (tmp / "xner_finetune.json").write_text(
        json.dumps(dict(info), sort_keys=True, default=str, indent=1), encoding="utf-8"
    )
    if path.exists():
        shutil.rmtree(path)
    tmp.rename(path)
    return path
