"""A tiny BERT with a fixed WordPiece vocabulary, built on the spot, for the fine-tuning tests."""

from __future__ import annotations

import pytest

SRC = ["the", "house", "is", "small", "and", "the", "garden", "is", "green"]
TGT = ["das", "haus", "ist", "klein", "und", "der", "garten", "ist", "grün"]


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> str:
    """3 layers, 32 units, random weights; "garden"/"garten"/"green"/"grün" are two pieces each (a
    trained vocabulary is not deterministic across runs, this one is)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    path = tmp_path_factory.mktemp("tiny_align")
    pieces = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "gar", "##den", "##ten", "gr", "##een", "##ün"]
    pieces += sorted({w for w in SRC + TGT if w not in ("garden", "garten", "green", "grün")})
    wp = Tokenizer(models.WordPiece({p: k for k, p in enumerate(pieces)}, unk_token="[UNK]"))
    wp.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wp.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tok = PreTrainedTokenizerFast(
        tokenizer_object=wp,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    )
    tok.save_pretrained(path)
    torch.manual_seed(0)
    cfg = BertConfig(
        vocab_size=len(tok),
        hidden_size=32,
        num_hidden_layers=3,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    BertModel(cfg).save_pretrained(path)
    return str(path)
