"""awesome-align's objectives on tensors and on a tiny BERT built on the spot."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch

from xner.align import finetune as ft
from xner.align.extract import softmax_links
from xner.errors import ConfigError


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models train 40x faster on one thread than on a contended many-thread pool."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


SRC = [
    "the",
    "house",
    "is",
    "small",
    "and",
    "the",
    "garden",
    "is",
    "green",
]  # as in conftest.py (tiny_dir's vocabulary)
TGT = ["das", "haus", "ist", "klein", "und", "der", "garten", "ist", "grün"]


def _aer_free_links(hx, hy, wx, wy, threshold, mode):
    """Word links of xner's AWESoME aligner (numpy extraction + its subword→word rule)."""
    from xner.align.encoder import SubwordEmbeddings
    from xner.align.neural import _word_level

    ex = SubwordEmbeddings(hx, np.asarray(wx), int(max(wx)) + 1)
    ey = SubwordEmbeddings(hy, np.asarray(wy), int(max(wy)) + 1)
    (xv, xw), (yv, yw) = _word_level(ex, mode), _word_level(ey, mode)
    mask = softmax_links((xv @ yv.T)[None], [len(xw)], [len(yw)], threshold)[0]
    return frozenset((int(xw[i]), int(yw[j])) for i, j in zip(*np.nonzero(mask), strict=True))


@pytest.mark.parametrize("mode", ["bpe", "word"])
@pytest.mark.parametrize("seed", range(6))
def test_so_targets_equal_the_awesome_extraction(mode, seed):
    rng = np.random.default_rng(seed)
    batch = []
    for _ in range(3):
        m, n = rng.integers(1, 9, size=2)
        wx = np.sort(rng.integers(0, max(1, m // 2 + 1), size=m))
        wy = np.sort(rng.integers(0, max(1, n // 2 + 1), size=n))
        wx = np.unique(wx, return_inverse=True)[1]  # contiguous word ids 0..k
        wy = np.unique(wy, return_inverse=True)[1]
        hx = rng.normal(size=(m, 4)).astype(np.float32) * 2
        hy = rng.normal(size=(n, 4)).astype(np.float32) * 2
        batch.append((hx, hy, wx, wy))
    lx, ly = max(len(b[0]) for b in batch) + 2, max(len(b[1]) for b in batch) + 2
    HX, HY = torch.zeros(3, lx, 4), torch.zeros(3, ly, 4)
    WX, WY = torch.full((3, lx), -1), torch.full((3, ly), -1)
    for k, (hx, hy, wx, wy) in enumerate(batch):  # position 0 is a special token, padding at the end
        HX[k, 1 : 1 + len(hx)], WX[k, 1 : 1 + len(wx)] = torch.tensor(hx), torch.tensor(wx)
        HY[k, 1 : 1 + len(hy)], WY[k, 1 : 1 + len(wy)] = torch.tensor(hy), torch.tensor(wy)
    HX[:, 0] = 5.0  # a loud special-token vector must not matter
    x, xw, xv = ft.unit_vectors(HX, WX, mode)
    y, yw, yv = ft.unit_vectors(HY, WY, mode)
    p, q = ft.directional_probs(x, xv, y, yv)
    guide = ft.so_targets(p, q, xw, yw, threshold=0.05)
    got = ft.word_links_of(guide, xw, yw)
    for k, (hx, hy, wx, wy) in enumerate(batch):
        assert got[k] == _aer_free_links(hx, hy, wx, wy, 0.05, mode)
        # and the target covers every unit pair of a linked word pair
        for i in range(guide.shape[1]):
            for j in range(guide.shape[2]):
                linked = (int(xw[k, i]), int(yw[k, j])) in got[k] and xw[k, i] >= 0 and yw[k, j] >= 0
                assert bool(guide[k, i, j]) == linked


def test_so_and_co_losses_by_hand():
    p = torch.tensor([[[0.7, 0.3], [0.2, 0.8]]])
    q = torch.tensor([[[0.6, 0.1], [0.4, 0.9]]])
    g = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])
    v = torch.tensor([[True, True]])
    # −((0.7+0.8)/2 + (0.6+0.9)/2) = −1.5
    assert ft.so_loss(p, q, g, v, v).item() == pytest.approx(-1.5)
    # −(0.42+0.03+0.08+0.72)/2 = −0.625
    assert ft.co_loss(p, q, v, v).item() == pytest.approx(-0.625)


def test_mask_tokens_only_touches_maskable_positions():
    ids = torch.arange(10, 1010).view(10, 100)
    can = torch.zeros_like(ids, dtype=torch.bool)
    can[:, 50:] = True
    g = torch.Generator().manual_seed(0)
    inputs, labels = ft.mask_tokens(ids, can, mask_id=3, vocab_size=5, prob=0.5, generator=g)
    assert (labels[:, :50] == -100).all() and (inputs[:, :50] == ids[:, :50]).all()
    chosen = labels != -100
    assert 0.4 < chosen[:, 50:].float().mean() < 0.6
    assert (labels[chosen] == ids[chosen]).all()
    assert 0.7 < (inputs[chosen] == 3).float().mean() < 0.9


def test_tlm_loss_by_hand():
    logits = torch.zeros(1, 2, 4)
    labels = torch.tensor([[2, -100]])
    assert ft.tlm_loss(logits, labels).item() == pytest.approx(np.log(4))
    assert ft.tlm_loss(logits, torch.full((1, 2), -100)).item() == 0.0


# ----------------------------------------------------------------------------- a tiny BERT
def _toy_pairs():
    rng = random.Random(0)
    pairs = []
    for _ in range(16):
        k = rng.randint(3, len(SRC))
        idx = sorted(rng.sample(range(len(SRC)), k))
        pairs.append(([SRC[i] for i in idx], [TGT[i] for i in idx]))
    return pairs


def _batches(tiny_dir, objectives, n=16):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_dir)
    enc, stats = ft.encode_pairs(tok, _toy_pairs()[:n], max_subwords=40)
    assert stats == {"empty": 0, "too_long": 0}
    random.seed(0)
    torch.manual_seed(0)
    collate = ft.PairCollator(ft.Specials.of(tok), objectives)
    ds = ft.PairDataset(enc)
    return [collate([ds[i] for i in range(k, k + 8)]) for k in range(0, len(ds), 8)]


@pytest.mark.parametrize("objective", ["so", "tlm", "psi", "co"])
def test_each_loss_decreases_on_a_toy_corpus(tiny_dir, objective):
    torch.manual_seed(0)
    objectives = {objective: True}
    module = ft.AlignFineTuner(
        tiny_dir, layer=2, objectives=objectives, lr=3e-3, total_steps=10**6, freeze_embeddings=False, threshold=0.1
    )
    assert len(module.encoder.encoder.layer) == 2  # layer 3 is cut
    batches = _batches(tiny_dir, objectives)
    opt = module.configure_optimizers()["optimizer"]
    module.train()

    def total() -> float:
        module.eval()
        torch.manual_seed(1)
        with torch.no_grad():
            out = sum(module.losses(b)[objective].item() for b in batches)
        module.train()
        return out

    before = total()
    for _ in range(25):
        for b in batches:
            opt.zero_grad()
            module.losses(b)[objective].backward()
            opt.step()
    after = total()
    assert after < before - 0.05 * abs(before), (objective, before, after)


def test_encode_pairs_counts_empty_and_too_long(tiny_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_dir)
    pairs = [(SRC, TGT), ([], TGT), (SRC * 10, TGT), (SRC[:2], TGT[:2])]
    enc, stats = ft.encode_pairs(tok, pairs, max_subwords=30)
    assert stats == {"empty": 1, "too_long": 1}
    assert len(enc) == 2 and len(set(enc[1].src_words)) == 2


def test_unknown_or_no_objective_is_a_config_error(tiny_dir):
    with pytest.raises(ConfigError, match="unknown"):
        ft.AlignFineTuner(tiny_dir, layer=2, objectives={"mlm": True})
    with pytest.raises(ConfigError, match="at least one"):
        ft.AlignFineTuner(tiny_dir, layer=2, objectives={"so": False})
    with pytest.raises(ConfigError, match="layer"):
        ft.AlignFineTuner(tiny_dir, layer=4, objectives={"so": True})


def test_saved_encoder_aligns_with_simalign_and_awesome(tiny_dir, tmp_path):
    from transformers import AutoTokenizer

    from xner.align.neural import Awesome, SimAlign

    module = ft.AlignFineTuner(tiny_dir, layer=2, objectives={"so": True})
    out = ft.save_encoder(
        module.encoder,
        AutoTokenizer.from_pretrained(tiny_dir),
        tmp_path / "encoder",
        {"base": tiny_dir, "layer": 2, "objectives": {"so": True}},
    )
    assert "layers 1..2" in (out / "README.md").read_text()
    for aligner in (
        SimAlign(str(out), layer=2, method="argmax", progress=False),
        Awesome(str(out), layer=2, progress=False),
    ):
        with aligner:
            links = aligner.align([SRC], [TGT])
        assert links[0] and all(0 <= i < len(SRC) and 0 <= j < len(TGT) for i, j in links[0])
    # identical vectors to the module's own layer 2
    with (
        SimAlign(str(out), layer=2, method="argmax", progress=False) as a1,
        SimAlign(tiny_dir, layer=2, method="argmax", progress=False) as a0,
    ):
        assert a1.align([SRC], [TGT]) == a0.align([SRC], [TGT])


@pytest.mark.parametrize("mode", ["bpe", "word"])
def test_so_targets_equal_the_awesome_aligner_links_on_the_same_model(tiny_dir, mode):
    """End to end: the module's SO targets are the word links xner's Awesome aligner outputs."""
    from transformers import AutoTokenizer

    from xner.align.neural import Awesome

    pairs = _toy_pairs()[:6]
    tok = AutoTokenizer.from_pretrained(tiny_dir)
    enc, _ = ft.encode_pairs(tok, pairs, max_subwords=40)
    batch = ft.PairCollator(ft.Specials.of(tok), {"so": True})([(p, p) for p in enc])
    module = ft.AlignFineTuner(tiny_dir, layer=2, objectives={"so": True}, subwords=mode, threshold=0.1).eval()
    with torch.no_grad():
        p, q, xw, yw, _, _ = module._probs(batch)
        got = ft.word_links_of(ft.so_targets(p, q, xw, yw, 0.1), xw, yw)
    with Awesome(tiny_dir, layer=2, threshold=0.1, subwords=mode, progress=False) as aligner:
        want = aligner.align([s for s, _ in pairs], [t for _, t in pairs])
    assert got == want and any(want)
