"""Model names → loadable directories, plus tiny random models built on the spot.

``tiny:<seed>`` (e.g. ``tiny:0``) names a 2-layer, 32-unit BERT token classifier with a WordPiece
tokenizer trained on the spot: random weights, deterministic, built once into
``${XNER_HOME:-~/.cache/xner}/models``. It exists for tests and smoke runs, never for results.
Everything else goes through `xner.hub.resolve_model` (hub ids, local dirs, ``offline:...``).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger(__name__)

TINY_PREFIX = "tiny:"
DEFAULT_TYPES = ("LOC", "MISC", "ORG", "PER")

# A small multilingual corpus so that the tiny tokenizer learns a few real subwords; any Latin
# character is covered through the initial alphabet, others map to [UNK].
_CORPUS = """\
The European Parliament met in Strasbourg on Monday .
Mr Schulz said the Commission must act now .
Das Europäische Parlament tagte am Montag in Straßburg .
Herr Schulz sagte , die Kommission müsse jetzt handeln .
El Parlamento Europeo se reunió el lunes en Estrasburgo .
Il Parlamento europeo si è riunito lunedì a Strasburgo .
Germany , France and Spain signed the agreement in Brussels .
Deutschland , Frankreich und Spanien unterzeichneten das Abkommen in Brüssel .
"""


def xner_home() -> Path:
    return Path(os.environ.get("XNER_HOME", "~/.cache/xner")).expanduser()


def resolve(name: str) -> str:
    """A directory (or hub id) that transformers' ``from_pretrained`` can load for `name`."""
    if name.startswith(TINY_PREFIX):
        seed = int(name[len(TINY_PREFIX) :] or 0)
        return str(build_tiny_model(xner_home() / "models", seed=seed))
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    from xner.hub import resolve_model

    return resolve_model(name)


def _alphabet() -> list[str]:
    return [chr(c) for c in range(33, 0x250) if chr(c).isprintable() and not chr(c).isspace()]


def build_tiny_tokenizer(corpus: Sequence[str] = (), vocab_size: int = 600):
    """A BERT-style WordPiece fast tokenizer trained on the spot (deterministic)."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=specials, initial_alphabet=_alphabet(), show_progress=False
    )
    tok.train_from_iterator([*_CORPUS.splitlines(), *corpus], trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=128,
    )


def build_tiny_model(
    root: Path, *, seed: int = 0, types: Sequence[str] = DEFAULT_TYPES, hidden: int = 32, layers: int = 2
) -> Path:
    """Build (once, atomically) a tiny random BERT token classifier with its tokenizer; return its dir."""
    from transformers import BertConfig, BertForTokenClassification

    from xner.ner.encoding import label_list

    labels = label_list(types)
    tag = hashlib.sha256(f"{seed}|{','.join(labels)}|{hidden}|{layers}|v1".encode()).hexdigest()[:12]
    out = Path(root) / f"tiny-bert-{tag}"
    if (out / "config.json").exists():
        return out
    import torch

    tokenizer = build_tiny_tokenizer()
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=2,
        intermediate_size=2 * hidden, max_position_embeddings=128, pad_token_id=tokenizer.pad_token_id,
        id2label=dict(enumerate(labels)), label2id={lab: i for i, lab in enumerate(labels)},
    )
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = BertForTokenClassification(config)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}."))
    try:
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        try:
            os.replace(tmp, out)
        except OSError:  # built concurrently by another process: keep theirs
            if not (out / "config.json").exists():
                raise
    finally:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
    log.info("built tiny test model %s", out)
    return out
