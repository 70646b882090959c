"""Greedy and ILP matching on crafted cases, and the ILP against brute force (hypothesis)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xner.errors import ConfigError
from xner.project.matching import (
    GreedyMatcher,
    IlpMatcher,
    MatchProblem,
    greedy_match,
    prune_dominated,
    trivial_match,
)


def problem(scores, spans):
    spans = np.asarray(spans).reshape(-1, 2)
    return MatchProblem(np.asarray(scores, dtype=float), spans[:, 0], spans[:, 1])


# E0 prefers [0,2) (0.9), which blocks E1's only candidate [1,2); the optimum gives E0 [2,3).
GREEDY_TRAP = problem([[0.9, 0.8, 0.0], [0.0, 0.0, 0.85]], [(0, 2), (2, 3), (1, 2)])


def test_greedy_is_suboptimal_here_and_ilp_is_not():
    g = greedy_match(GREEDY_TRAP)
    assert g.pairs == ((0, 0),) and g.objective == pytest.approx(0.9)
    (i,) = IlpMatcher().solve([GREEDY_TRAP])
    assert i.pairs == ((0, 1), (1, 2)) and i.objective == pytest.approx(1.65)


def test_greedy_takes_best_first_and_removes_overlaps():
    p = problem([[1.0, 0.5, 0.2], [0.9, 0.8, 0.0]], [(0, 1), (1, 3), (2, 3)])
    # E0→c0 (1.0); E1's best c0 is gone → c1 (0.8)
    assert greedy_match(p).pairs == ((0, 0), (1, 1))
    assert greedy_match(p).objective == pytest.approx(1.8)


def test_ties_go_to_lowest_entity_then_candidate():
    p = problem([[0.5, 0.5], [0.5, 0.0]], [(0, 1), (0, 2)])
    assert greedy_match(p).pairs == ((0, 0),)


def test_ge_lets_an_entity_take_several_disjoint_candidates():
    p = problem([[0.6, 0.5, 0.4]], [(0, 1), (2, 3), (0, 3)])
    assert greedy_match(p, "ge").pairs == ((0, 0), (0, 1))
    (i,) = IlpMatcher("ge").solve([p])
    assert i.pairs == ((0, 0), (0, 1)) and i.objective == pytest.approx(1.1)
    assert greedy_match(p, "le").pairs == ((0, 0),)


def test_eq_matches_as_many_entities_as_possible():
    # le: best is E0→c0 alone (2.0 > 0.5 + 0.5); eq: both entities must be matched: c1 + c2.
    p = problem([[2.0, 0.5, 0.0], [0.0, 0.0, 0.5]], [(0, 2), (0, 1), (1, 2)])
    (le,) = IlpMatcher("le").solve([p])
    assert le.pairs == ((0, 0),)
    (eq,) = IlpMatcher("eq").solve([p])
    assert eq.pairs == ((0, 1), (1, 2)) and eq.objective == pytest.approx(1.0)
    # infeasible eq (two entities, one word): one is matched, no error
    q = problem([[1.0], [0.5]], [(0, 1)])
    (eq,) = IlpMatcher("eq").solve([q])
    assert eq.pairs == ((0, 0),)


def test_trivial_path():
    assert trivial_match(GREEDY_TRAP) is None
    p = problem([[0.9, 0.1], [0.0, 0.7]], [(0, 1), (1, 2)])
    t = trivial_match(p)
    assert t.pairs == ((0, 0), (1, 1)) and t.objective == pytest.approx(1.6)
    # two entities wanting the same candidate are not trivial
    assert trivial_match(problem([[0.9], [0.8]], [(0, 1)])) is None


def test_empty_problems():
    empty = problem(np.zeros((0, 0)), np.zeros((0, 2), int))
    no_entity_scores = problem([[0.0, 0.0]], [(0, 1), (1, 2)])
    for m in (GreedyMatcher(), IlpMatcher(), IlpMatcher("ge"), IlpMatcher("eq")):
        out = m.solve([empty, no_entity_scores])
        assert [a.pairs for a in out] == [(), ()]


def test_batched_ilp_equals_one_by_one():
    rng = np.random.default_rng(0)
    problems = [random_problem(rng) for _ in range(60)] + [GREEDY_TRAP] * 3
    batched = IlpMatcher(batch_size=16).solve(problems)
    single = [IlpMatcher(batch_size=1).solve([p])[0] for p in problems]
    for b, s in zip(batched, single, strict=True):
        assert b.objective == pytest.approx(s.objective, abs=1e-9)


def test_prune_dominated():
    # [0,3) is dominated by [1,2) inside it (0.9 ≥ 0.8); [0,2) (0.95) is not; E1 keeps [0,3)
    p = problem([[0.8, 0.95, 0.9], [0.7, 0.0, 0.0]], [(0, 3), (0, 2), (1, 2)])
    assert prune_dominated(p).scores.tolist() == [[0.0, 0.95, 0.9], [0.7, 0.0, 0.0]]


def test_solver_for_every_sentence_gives_the_same_optimum():
    rng = np.random.default_rng(1)
    problems = [random_problem(rng, n_words=int(rng.integers(1, 9))) for _ in range(80)]
    fast = IlpMatcher().solve(problems)
    slow = IlpMatcher(trivial_path=False).solve(problems)
    assert [a.objective for a in fast] == pytest.approx([a.objective for a in slow], abs=1e-9)


def test_bad_constraint():
    with pytest.raises(ConfigError, match=r"matcher\.constraint"):
        GreedyMatcher("lt")
    with pytest.raises(ConfigError, match=r"matcher\.batch_size"):
        IlpMatcher(batch_size=0)


# ---------------------------------------------------------------------------- brute force
def brute_force(p: MatchProblem, constraint: str) -> float:
    """Best objective over all subsets of eligible pairs (with the eq/ge penalty semantics)."""
    n_ent = p.scores.shape[0]
    pairs = list(zip(*np.nonzero(p.scores > 0), strict=True))
    matchable = {e for e, _ in pairs}
    penalty = 1.0 + p.scores[p.scores > 0].sum()
    best = -np.inf
    for r in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, r):
            counts = np.bincount([e for e, _ in subset], minlength=n_ent)
            if constraint in ("le", "eq") and (counts > 1).any():
                continue
            covered = np.zeros(int(p.ends.max()) + 1 if len(p.ends) else 1, int)
            for _, c in subset:
                covered[p.starts[c] : p.ends[c]] += 1
            if (covered > 1).any():
                continue
            value = sum(p.scores[e, c] for e, c in subset)
            if constraint != "le":
                value -= penalty * sum(1 for e in matchable if counts[e] == 0)
            best = max(best, value)
    return best


def random_problem(rng, n_ent=None, n_words=None):
    n_ent = n_ent or int(rng.integers(1, 4))
    n_words = n_words or int(rng.integers(1, 6))
    spans = [(s, e) for s in range(n_words) for e in range(s + 1, min(n_words, s + 3) + 1)]
    keep = rng.random(len(spans)) < 0.7
    spans = [sp for sp, k in zip(spans, keep, strict=True) if k] or spans[:1]
    scores = rng.random((n_ent, len(spans))).round(2)
    scores[rng.random(scores.shape) < 0.5] = 0.0
    return problem(scores, spans)


@st.composite
def problems(draw):
    n_words = draw(st.integers(1, 5))
    spans = draw(
        st.lists(
            st.tuples(st.integers(0, n_words - 1), st.integers(1, 3)).map(lambda t: (t[0], min(n_words, t[0] + t[1]))),
            min_size=1,
            max_size=6,
            unique=True,
        )
    )
    n_ent = draw(st.integers(1, 3))
    values = st.one_of(st.just(0.0), st.floats(0.05, 2.0).map(lambda v: round(v, 2)))
    scores = draw(st.lists(st.lists(values, min_size=len(spans), max_size=len(spans)), min_size=n_ent, max_size=n_ent))
    return problem(scores, spans)


@settings(max_examples=150, deadline=None)
@given(problems(), st.sampled_from(["le", "eq", "ge"]))
def test_ilp_equals_brute_force_and_beats_greedy(p, constraint):
    (ilp,) = IlpMatcher(constraint).solve([p])
    greedy = greedy_match(p, constraint)
    expected = brute_force(p, constraint)
    penalty = 1.0 + p.scores[p.scores > 0].sum()
    matched = {e for e, _ in ilp.pairs}
    unmatched = len({e for e in range(p.scores.shape[0]) if (p.scores[e] > 0).any()} - matched)
    value = ilp.objective - (penalty * unmatched if constraint != "le" else 0.0)
    assert value == pytest.approx(expected, abs=1e-6)
    assert ilp.objective == pytest.approx(sum(p.scores[e, c] for e, c in ilp.pairs))
    if constraint == "le":
        assert ilp.objective >= greedy.objective - 1e-9
    # both solutions are feasible: no overlapping chosen candidates
    for a in (ilp, greedy):
        words = [w for _, c in a.pairs for w in range(p.starts[c], p.ends[c])]
        assert len(words) == len(set(words))


def _stub_milp(monkeypatch, status, keep_x=True):
    """scipy's milp, but reporting `status` (1 = time/iteration limit) and dropping x unless `keep_x`."""
    import xner.project.matching as matching

    real = matching.milp

    def fake(*args, **kwargs):
        res = real(*args, **kwargs)
        res.status, res.message = status, "Time limit reached. (HiGHS Status 13)"
        if not keep_x:
            res.x = None
        return res

    monkeypatch.setattr(matching, "milp", fake)


def test_time_limited_feasible_solution_is_used_and_counted(monkeypatch):
    _stub_milp(monkeypatch, status=1, keep_x=True)
    m = IlpMatcher()
    (a,) = m.solve([GREEDY_TRAP])
    assert a.pairs == ((0, 1), (1, 2)) and a.solver == "time_limited"  # the solver's, not greedy's ((0, 0),)
    assert (m.time_limited, m.fallbacks) == (1, 0)


def test_no_feasible_solution_falls_back_to_greedy_and_is_counted(monkeypatch):
    _stub_milp(monkeypatch, status=1, keep_x=False)
    m = IlpMatcher()
    trivial = problem([[0.5]], [(0, 1)])
    out = m.solve([GREEDY_TRAP, GREEDY_TRAP, trivial])
    assert [a.pairs for a in out] == [((0, 0),), ((0, 0),), ((0, 0),)]
    assert [a.solver for a in out] == ["fallback", "fallback", "trivial"]
    assert (m.time_limited, m.fallbacks) == (0, 2)


def test_optimal_solutions_are_marked():
    out = IlpMatcher().solve([GREEDY_TRAP, problem([[0.5]], [(0, 1)])])
    assert [a.solver for a in out] == ["ilp", "trivial"]
    assert greedy_match(GREEDY_TRAP).solver == "greedy"
