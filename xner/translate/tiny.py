"""Tiny random translation models built on the spot (tests, benchmarks, offline smoke runs).

``tiny-nllb:<seed>``, ``tiny-m2m100:<seed>`` and ``tiny-marian:<seed>`` name 2-layer, 64-unit models
of the real architectures (NLLB-200 is M2M100's architecture with FLORES-200 language tokens) with a
SentencePiece tokenizer trained on the spot and the real tokenizer classes, so language tokens,
forced target-language tokens and decoding go through the same code as the real models. Random
weights: the outputs are gibberish, deterministic per seed. Never use them for results.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

TINY_FAMILIES = ("nllb", "m2m100", "marian")
_VERSION = 2
_CORPUS = """\
The European Parliament met in Strasbourg on Monday.
Mr Schulz said the Commission must act now, before the summer.
Barack Obama visited Paris and Berlin in 2009 with Angela Merkel.
Das Europäische Parlament tagte am Montag in Straßburg.
Herr Schulz sagte, die Kommission müsse jetzt handeln.
El Parlamento Europeo se reunió el lunes en Estrasburgo.
Il Parlamento europeo si è riunito lunedì a Strasburgo.
Germany, France and Spain signed the agreement in Brussels.
Rais wa Kenya alikutana na viongozi wa Afrika Mashariki jijini Nairobi.
Ààrẹ orílẹ̀-èdè Nàìjíríà ṣe ìpàdé ní ìlú Àbújá.
Shugaban ƙasar Najeriya ya gana da shugabannin Afirka a Abuja.
[ Barack Obama ] visited [ Paris ] ; ( yes ) "quoted" 1,000.50 - 42 % !?
"""


def xner_home() -> Path:
    return Path(os.environ.get("XNER_HOME", "~/.cache/xner")).expanduser()


def parse_tiny(name: str) -> tuple[str, int] | None:
    """``tiny-nllb:3`` → ("nllb", 3); None for any other model name."""
    head, sep, seed = str(name).partition(":")
    if not sep or not head.startswith("tiny-") or head[5:] not in TINY_FAMILIES:
        return None
    return head[5:], int(seed or 0)


def _train_spm(prefix: Path, vocab_size: int, fairseq: bool) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(_CORPUS.splitlines() * 4),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        # fairseq/NLLB layout (unk 0, bos 1, eos 2, no pad) or the M2M100/Marian vocab.json layout
        **(dict(unk_id=0, bos_id=1, eos_id=2, pad_id=-1) if fairseq else dict(bos_id=0, pad_id=1, eos_id=2, unk_id=3)),
        minloglevel=2,
        num_threads=1,
    )
    return prefix.with_suffix(".model")


def _spm_vocab(model_file: Path) -> dict[str, int]:
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    return {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}


def _build(family: str, out: Path, seed: int, d_model: int, layers: int, targets: tuple[str, ...] = ()) -> None:
    import torch

    work = out / "_spm"
    work.mkdir()
    sp_model = _train_spm(work / "sp", 300, fairseq=family == "nllb")
    common = dict(
        d_model=d_model, encoder_layers=layers, decoder_layers=layers, encoder_attention_heads=4,
        decoder_attention_heads=4, encoder_ffn_dim=2 * d_model, decoder_ffn_dim=2 * d_model,
        max_position_embeddings=256, init_std=8.0 / d_model**0.5, dropout=0.0, attention_dropout=0.0,
    )
    if family in ("nllb", "m2m100"):
        from transformers import M2M100Config, M2M100ForConditionalGeneration, M2M100Tokenizer, NllbTokenizer

        if family == "nllb":
            slow = NllbTokenizer(vocab_file=str(sp_model), src_lang="eng_Latn", tgt_lang="deu_Latn")
            slow.save_pretrained(work / "slow")
            from transformers import NllbTokenizerFast

            tok = NllbTokenizerFast.from_pretrained(work / "slow")
        else:
            (work / "vocab.json").write_text(json.dumps(_spm_vocab(sp_model)))
            from transformers.models.m2m_100.tokenization_m2m_100 import FAIRSEQ_LANGUAGE_CODES

            # listed explicitly, as in the released checkpoints, so a saved tokenizer keeps them
            lang_tokens = [f"__{c}__" for c in FAIRSEQ_LANGUAGE_CODES["m2m100"]]
            tok = M2M100Tokenizer(vocab_file=str(work / "vocab.json"), spm_file=str(sp_model),
                                  src_lang="en", tgt_lang="de", additional_special_tokens=lang_tokens)
        # language tokens follow the pieces; M2M100 reserves `num_madeup_words` ids after them
        last = max(tok.convert_tokens_to_ids(t) for t in [*tok.get_vocab(), *tok.additional_special_tokens])
        vocab_size = last + 1 + getattr(tok, "num_madeup_words", 0)
        config = M2M100Config(
            vocab_size=vocab_size, pad_token_id=tok.pad_token_id, bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id, decoder_start_token_id=tok.eos_token_id, scale_embedding=True,
            **common,
        )
        torch.manual_seed(seed)
        model = M2M100ForConditionalGeneration(config)
    else:
        from transformers import MarianConfig, MarianMTModel, MarianTokenizer

        vocab = _spm_vocab(sp_model)
        pieces = [p for p in sorted(vocab, key=vocab.get) if p not in ("<s>", "</s>", "<unk>", "<pad>")]
        vocab = {"</s>": 0, "<unk>": 1, **{p: i + 2 for i, p in enumerate(pieces)}}
        for code in targets:  # a multi-target OPUS-MT model selects the target with >>code<<
            vocab[f">>{code}<<"] = len(vocab)
        vocab["<pad>"] = len(vocab)
        (work / "vocab.json").write_text(json.dumps(vocab))
        tok = MarianTokenizer(source_spm=str(sp_model), target_spm=str(sp_model), vocab=str(work / "vocab.json"))
        config = MarianConfig(
            vocab_size=len(tok.get_vocab()), pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id,
            decoder_start_token_id=tok.pad_token_id, forced_eos_token_id=tok.eos_token_id, **common,
        )
        torch.manual_seed(seed)
        model = MarianMTModel(config)
    model.generation_config.max_length = 256
    model.save_pretrained(out)
    tok.save_pretrained(out)
    shutil.rmtree(work)


def build_tiny_translator(family: str, root: Path | None = None, *, seed: int = 0, d_model: int = 64,
                          layers: int = 2, marian_targets: tuple[str, ...] = ()) -> Path:
    """Build (once, atomically) a tiny random translation model of `family`; return its directory."""
    if family not in TINY_FAMILIES:
        raise ValueError(f"unknown tiny model family {family!r}; valid: {', '.join(TINY_FAMILIES)}")
    root = Path(root) if root is not None else xner_home() / "models"
    targets = ",".join(marian_targets)
    tag = hashlib.sha256(f"{family}|{seed}|{d_model}|{layers}|{targets}|v{_VERSION}".encode()).hexdigest()[:12]
    out = root / f"tiny-{family}-{tag}"
    if (out / "config.json").exists():
        return out
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{out.name}."))
    try:
        _build(family, tmp, seed, d_model, layers, tuple(marian_targets))
        try:
            os.replace(tmp, out)
        except OSError:  # built concurrently: keep theirs
            if not (out / "config.json").exists():
                raise
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
    log.info("built tiny translation model %s", out)
    return out
