"""Extraction methods on hand-made similarity matrices, against brute force and the reference package."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from xner.align.extract import (
    argmax_links,
    cosine_similarity,
    extract,
    itermax_links,
    links_of,
    match_links,
    pad_batch,
    softmax_links,
)

SIM = np.array([[0.9, 0.8, 0.1],
                [0.85, 0.2, 0.3],
                [0.1, 0.7, 0.6]])


def test_argmax_hand_computed():
    # (0,0) is the max of row 0 and of column 0; row 1's max is column 0 (taken by row 0); row 2's
    # max is column 1, whose max is row 0; column 2's max is row 2, but row 2 prefers column 1.
    assert links_of("argmax", SIM) == {(0, 0)}


def test_itermax_hand_computed():
    # round 2: aligned row 0 / column 0 are down-weighted by 0.9 (0.8→0.72, 0.85→0.765) and
    # (0,1) and (1,0) become mutual maxima among the open cells.
    assert links_of("itermax", SIM) == {(0, 0), (0, 1), (1, 0)}


def test_itermax_keeps_argmax_when_a_side_has_two_words():
    sim = np.array([[0.9, 0.8, 0.1], [0.85, 0.2, 0.3]])
    assert links_of("itermax", sim) == links_of("argmax", sim) == {(0, 0)}


def test_match_hand_computed():
    # permutations: 0.8 + 0.85 + 0.6 = 2.25 is the best of the six
    assert links_of("match", SIM) == {(0, 1), (1, 0), (2, 2)}


def test_match_rectangular_matches_the_smaller_side():
    sim = np.array([[0.1, 0.9, 0.2, 0.3], [0.8, 0.85, 0.1, 0.0]])
    assert links_of("match", sim) == {(0, 1), (1, 0)}


def test_softmax_hand_computed():
    # row 0: p = (1 - 4.5e-5, 4.5e-5); row 1: (0.5, 0.5); columns alike → (0,0) and (1,1)
    scores = np.array([[10.0, 0.0], [0.0, 0.0]])
    assert links_of("softmax", scores) == {(0, 0), (1, 1)}
    assert links_of("softmax", scores, threshold=0.6) == {(0, 0)}


def test_ties_break_to_lowest_index():
    assert links_of("argmax", np.ones((3, 4))) == {(0, 0)}


def test_empty_matrices():
    for method in ("argmax", "itermax", "match", "softmax"):
        assert links_of(method, np.zeros((0, 3))) == set()
        assert links_of(method, np.zeros((2, 0))) == set()


def test_unknown_method():
    with pytest.raises(ValueError, match="unknown extraction method"):
        extract("bogus", SIM[None], [3], [3])


def test_cosine_similarity_range():
    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    y = np.array([[1.0, 0.0], [-1.0, 0.0]])
    np.testing.assert_allclose(cosine_similarity(x, y), [[1.0, 0.0], [0.5, 0.5]])


matrices = st.tuples(st.integers(1, 6), st.integers(1, 6)).flatmap(
    lambda s: arrays(np.float64, s, elements=st.floats(0.0, 1.0, allow_nan=False, width=32)))


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_match_is_maximum_weight_by_brute_force(sim):
    m, n = sim.shape
    links = links_of("match", sim)
    assert len(links) == min(m, n)
    assert len({i for i, _ in links}) == len(links) == len({j for _, j in links})
    t = sim if m <= n else sim.T  # assign every row of the smaller side to distinct columns
    perms = itertools.permutations(range(t.shape[1]), t.shape[0])
    best = max(sum(t[i, j] for i, j in enumerate(cols)) for cols in perms)
    assert sum(sim[i, j] for i, j in links) == pytest.approx(best, abs=1e-9)


def _brute_argmax(sim):
    return {(i, j) for i in range(sim.shape[0]) for j in range(sim.shape[1])
            if j == int(np.argmax(sim[i])) and i == int(np.argmax(sim[:, j]))}


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_argmax_by_brute_force(sim):
    assert links_of("argmax", sim) == _brute_argmax(sim)


@settings(max_examples=100, deadline=None)
@given(st.lists(matrices, min_size=1, max_size=6), st.sampled_from(["argmax", "itermax", "match", "softmax"]))
def test_batched_equals_one_by_one(mats, method):
    batch, rows, cols = pad_batch(mats, fill=0.77)  # padding value must not matter
    out = extract(method, batch, rows, cols)
    for k, sim in enumerate(mats):
        got = {(int(i), int(j)) for i, j in zip(*np.nonzero(out[k]), strict=True)}
        assert got == links_of(method, sim)
        assert not out[k, sim.shape[0]:, :].any() and not out[k, :, sim.shape[1]:].any()


def _simalign():
    """The reference package; only the parity tests below need it (skipped without it)."""
    return pytest.importorskip("simalign", reason="simalign: reference package for IterMax/Match parity")


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_itermax_equals_reference_package(sim):
    ref = _simalign().SentenceAligner.iter_max(sim)
    assert links_of("itermax", sim) == {(int(i), int(j)) for i, j in zip(*np.nonzero(ref), strict=True)}


def test_match_equals_reference_package_weight():
    simalign = _simalign()
    pytest.importorskip("networkx")
    rng = np.random.default_rng(0)
    for _ in range(30):
        sim = rng.random((rng.integers(1, 9), rng.integers(1, 9)))
        ref = simalign.SentenceAligner.get_max_weight_match(sim)
        ours = match_links(sim[None], [sim.shape[0]], [sim.shape[1]])[0]
        assert (sim * ours).sum() == pytest.approx((sim * ref).sum())
        assert ours.sum() == ref.sum()


def test_functions_accept_batches_directly():
    batch, rows, cols = pad_batch([SIM, SIM[:2, :2]])
    assert argmax_links(batch, rows, cols)[1].sum() == 1
    assert itermax_links(batch, rows, cols)[0].sum() == 3
    assert softmax_links(batch, rows, cols).shape == (2, 3, 3)


def test_only_parity_tests_need_simalign():
    # With simalign unimportable, the hand-computed and brute-force tests still run; only the two
    # parity tests skip. (Run in a child pytest so blocking the import cannot leak into this one.)
    blocker = "import sys; sys.modules['simalign'] = None; import pytest; "
    args = [__file__, "-q", "-rs", "-p", "no:cacheprovider", "-k", "not only_parity_tests",
            "--hypothesis-seed=0", "-o", "addopts=--import-mode=importlib"]
    proc = subprocess.run([sys.executable, "-c", blocker + f"sys.exit(pytest.main({args!r}))"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    skipped = [line for line in proc.stdout.splitlines() if line.startswith("SKIPPED")]
    assert skipped and all("simalign" in line for line in skipped), proc.stdout[-3000:]
    assert re.search(r"^14 passed, 2 skipped", proc.stdout, re.M), proc.stdout[-3000:]
