"""Matching source entities to target candidates: greedy (the seed's) and exact ILP (HiGHS).

A `MatchProblem` holds an (entities × candidates) score matrix whose positive entries are the
eligible pairs, and the candidates' word ranges. Both matchers maximise the total score of the
chosen pairs subject to: no two chosen candidates overlap (one constraint per target word), and a
per-entity constraint `constraint`:

- ``le`` (default): each entity gets at most one candidate;
- ``eq``: exactly one — where that is infeasible (two entities compete for the only free words),
  as many entities as possible get one (a penalty per unmatched entity, larger than any gain);
- ``ge``: at least one — every chosen pair still may not overlap another.

Entities with no eligible candidate are left out of ``eq``/``ge`` (they cannot be matched).
`IlpMatcher` solves many sentences per `scipy.optimize.milp` call (a block-diagonal problem) and
skips the solver where the problem is trivially solved: when, under ``le``/``eq``, the best
candidates of all entities are pairwise disjoint, taking them is optimal (it reaches the upper bound
Σ row maxima). Before solving, pairs dominated by a candidate they contain are dropped
(`prune_dominated`, exact).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from xner.errors import ConfigError

log = logging.getLogger(__name__)

CONSTRAINTS = ("le", "eq", "ge")
# How an assignment was found: greedy matching; the ILP matcher's trivial path, an optimal solver
# solution, a feasible one from a solver stopped at its time limit, or greedy after a solver failure.
SOLVERS = ("greedy", "trivial", "ilp", "time_limited", "fallback")
ILP_SOLVERS = SOLVERS[1:]


@dataclass(frozen=True)
class MatchProblem:
    """Scores (E × C; entries ≤ 0 are not eligible) and candidate word ranges [starts, ends)."""

    scores: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


@dataclass(frozen=True)
class Assignment:
    """Chosen (entity, candidate) pairs and their total score; `solver` says how (see SOLVERS)."""

    pairs: tuple[tuple[int, int], ...]
    objective: float
    solver: str = field(default="", compare=False)


def _check_constraint(constraint: str) -> None:
    if constraint not in CONSTRAINTS:
        raise ConfigError(f"matcher.constraint={constraint!r} is not valid; choose one of {CONSTRAINTS}")


def greedy_match(problem: MatchProblem, constraint: str = "le") -> Assignment:
    """Repeatedly take the highest positive score (ties: lowest entity, then lowest candidate),
    assign it, and drop every candidate overlapping the chosen one — and, unless ``ge``, the entity."""
    _check_constraint(constraint)
    scores = problem.scores
    if scores.size == 0:
        return Assignment((), 0.0, "greedy")
    flat = scores.ravel()
    order = np.flatnonzero(flat > 0)
    order = order[np.argsort(-flat[order], kind="stable")]
    n_cand = scores.shape[1]
    width = int(problem.ends.max()) if len(problem.ends) else 0
    occupied = np.zeros(width, dtype=bool)
    done = np.zeros(scores.shape[0], dtype=bool)
    pairs = []
    total = 0.0
    starts, ends = problem.starts.tolist(), problem.ends.tolist()
    for idx in order.tolist():
        e, c = divmod(idx, n_cand)
        if done[e] or occupied[starts[c] : ends[c]].any():
            continue
        pairs.append((e, c))
        total += float(flat[idx])
        occupied[starts[c] : ends[c]] = True
        if constraint != "ge":
            done[e] = True
    return Assignment(tuple(sorted(pairs)), total, "greedy")


def trivial_match(problem: MatchProblem) -> Assignment | None:
    """Every entity's best candidate, when these are pairwise disjoint (then optimal for le/eq)."""
    scores = problem.scores
    if scores.size == 0:
        return Assignment((), 0.0, "trivial")
    best = scores.argmax(axis=1)
    value = scores[np.arange(scores.shape[0]), best]
    rows = np.flatnonzero(value > 0)
    if len(rows) > 1:
        cands = best[rows]
        order = np.argsort(problem.starts[cands], kind="stable")
        s, e = problem.starts[cands][order], problem.ends[cands][order]
        if np.any(s[1:] < e[:-1]):
            return None
    pairs = tuple((int(r), int(best[r])) for r in rows)
    return Assignment(pairs, float(value[rows].sum()), "trivial")


def prune_dominated(problem: MatchProblem) -> MatchProblem:
    """Zero every pair (e, c) for which a candidate inside c scores at least as much for e.

    Swapping c for a candidate it contains keeps a solution feasible (it covers fewer words) and
    does not lower the objective, so the optimum is unchanged (under ``le``, ``eq`` and ``ge``).
    With n-gram candidates this removes most long spans and shrinks the ILP several-fold.
    """
    scores = problem.scores
    if scores.size == 0:
        return problem
    n = int(problem.ends.max())
    n_ent = scores.shape[0]
    grid = np.zeros((n_ent, n + 1, n + 1))
    grid[:, problem.starts, problem.ends] = scores
    best = grid.copy()  # best[e, a, b]: max score over candidates inside [a, b)
    for length in range(2, n + 1):
        a = np.arange(0, n - length + 1)
        b = a + length
        inner = np.maximum(best[:, a + 1, b], best[:, a, b - 1])
        best[:, a, b] = np.maximum(best[:, a, b], inner)
    starts, ends = problem.starts, problem.ends
    longer = ends - starts > 1
    inside = np.zeros_like(scores)
    inside[:, longer] = np.maximum(best[:, starts[longer] + 1, ends[longer]], best[:, starts[longer], ends[longer] - 1])
    dominated = (inside >= scores) & longer[None, :]
    return MatchProblem(np.where(dominated, 0.0, scores), starts, ends)


def _solve_block(problems: Sequence[MatchProblem], constraint: str, time_limit: float | None) -> list[Assignment]:
    """One milp call over independent problems (block-diagonal constraint matrix).

    A solver stopped by its time limit with a feasible solution returns that solution (marked
    ``time_limited``); without one, or on any other failure, it raises RuntimeError."""
    var_prob, var_ent, var_cand, var_score = [], [], [], []
    for p_idx, p in enumerate(problems):
        e, c = np.nonzero(p.scores > 0)
        var_prob.append(np.full(len(e), p_idx))
        var_ent.append(e)
        var_cand.append(c)
        var_score.append(p.scores[e, c])
    prob = np.concatenate(var_prob)
    ent = np.concatenate(var_ent)
    cand = np.concatenate(var_cand)
    score = np.concatenate(var_score).astype(np.float64)
    n_x = len(score)
    if n_x == 0:
        return [Assignment((), 0.0, "ilp") for _ in problems]
    starts = np.concatenate([p.starts[c] for p, c in zip(problems, var_cand, strict=True)])
    ends = np.concatenate([p.ends[c] for p, c in zip(problems, var_cand, strict=True)])

    # Entity rows: one per (problem, entity) that has a variable.
    ent_offsets = np.concatenate(([0], np.cumsum([p.scores.shape[0] for p in problems])))
    ent_key = ent_offsets[prob] + ent
    ent_rows, ent_row_of_var = np.unique(ent_key, return_inverse=True)
    n_ent = len(ent_rows)

    # Word rows: one per (problem, target word) covered by at least two variables.
    word_offsets = np.concatenate(([0], np.cumsum([int(p.ends.max()) if len(p.ends) else 0 for p in problems])))
    lengths = ends - starts
    var_of_cell = np.repeat(np.arange(n_x), lengths)
    word_of_cell = np.repeat(word_offsets[prob] + starts, lengths) + (
        np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    _words, word_row_of_cell, counts = np.unique(word_of_cell, return_inverse=True, return_counts=True)
    shared = counts[word_row_of_cell] >= 2
    word_ids, word_row = np.unique(word_row_of_cell[shared], return_inverse=True)
    n_word = len(word_ids)

    rows = [ent_row_of_var, n_ent + word_row]
    cols = [np.arange(n_x), var_of_cell[shared]]
    objective = -score
    n_var = n_x
    if constraint == "le":
        lb = np.full(n_ent + n_word, -np.inf)
        ub = np.ones(n_ent + n_word)
    else:
        # Slack u_k per entity row: Σx + u = 1 (eq) or Σx + u ≥ 1 (ge), u penalised by more than
        # the problem's whole positive score, so u = 1 only where an entity cannot be matched.
        penalty = np.array([1.0 + float(p.scores[p.scores > 0].sum()) for p in problems])
        slack_prob = prob[np.unique(ent_row_of_var, return_index=True)[1]]
        rows.append(np.arange(n_ent))
        cols.append(n_x + np.arange(n_ent))
        objective = np.concatenate((objective, penalty[slack_prob]))
        n_var += n_ent
        ent_ub = np.ones(n_ent) if constraint == "eq" else np.full(n_ent, np.inf)
        lb = np.concatenate((np.ones(n_ent), np.full(n_word, -np.inf)))
        ub = np.concatenate((ent_ub, np.ones(n_word)))
    matrix = coo_matrix(
        (np.ones(sum(len(r) for r in rows)), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n_ent + n_word, n_var),
    ).tocsr()
    options = {"mip_rel_gap": 0.0, "presolve": True}
    if time_limit:
        options["time_limit"] = float(time_limit)
    res = milp(
        objective,
        integrality=np.ones(n_var),
        bounds=Bounds(0, 1),
        constraints=LinearConstraint(matrix, lb, ub),
        options=options,
    )
    # status 0: optimal; 1: time (or iteration) limit, with x set when a feasible point was found
    if res.x is None or res.status not in (0, 1):
        raise RuntimeError(f"milp failed: status {res.status} ({res.message})")
    solver = "ilp" if res.status == 0 else "time_limited"
    chosen = np.flatnonzero(res.x[:n_x] > 0.5)
    per_problem: list[list[tuple[int, int]]] = [[] for _ in problems]
    totals = np.zeros(len(problems))
    for v in chosen.tolist():
        per_problem[prob[v]].append((int(ent[v]), int(cand[v])))
        totals[prob[v]] += score[v]
    return [Assignment(tuple(sorted(pp)), float(t), solver) for pp, t in zip(per_problem, totals, strict=True)]


class GreedyMatcher:
    """`matcher=greedy`: the seed's greedy matching (see `greedy_match`)."""

    def __init__(self, constraint: str = "le"):
        _check_constraint(constraint)
        self.constraint = constraint

    def solve(self, problems: Sequence[MatchProblem]) -> list[Assignment]:
        return [greedy_match(p, self.constraint) for p in problems]


class IlpMatcher:
    """`matcher=ilp`: exact matching with scipy.optimize.milp (HiGHS), `batch_size` sentences per call.

    A batch stopped at `time_limit` keeps the solver's best feasible solution (possibly not optimal;
    logged, counted in `time_limited`); a batch without one, or any other solver failure, is logged
    and falls back to greedy matching (counted in `fallbacks`). Both count sentences and are reported
    as ``matching/time_limited`` and ``matching/solver_fallbacks`` (each `Assignment` carries its
    `solver`). `trivial_path=False` sends every sentence to the solver (for benchmarks and tests;
    same optimum, slower)."""

    def __init__(
        self,
        constraint: str = "le",
        batch_size: int = 500,
        time_limit: float | None = 60.0,
        trivial_path: bool = True,
    ):
        _check_constraint(constraint)
        if batch_size < 1:
            raise ConfigError(f"matcher.batch_size must be >= 1, got {batch_size}")
        self.constraint = constraint
        self.batch_size = batch_size
        self.time_limit = time_limit
        self.trivial_path = trivial_path
        self.fallbacks = 0
        self.time_limited = 0
        self.solved_trivially = 0

    def solve(self, problems: Sequence[MatchProblem]) -> list[Assignment]:
        out: list[Assignment | None] = [None] * len(problems)
        hard: list[int] = []
        for i, p in enumerate(problems):
            trivial = trivial_match(p) if self.trivial_path and self.constraint != "ge" else None
            if trivial is not None:
                out[i] = trivial
                self.solved_trivially += 1
            else:
                hard.append(i)
        for k in range(0, len(hard), self.batch_size):
            chunk = hard[k : k + self.batch_size]
            try:
                solved = _solve_block([prune_dominated(problems[i]) for i in chunk], self.constraint, self.time_limit)
            except RuntimeError as exc:
                log.warning("ILP batch of %d sentences: %s; using greedy matching for it", len(chunk), exc)
                self.fallbacks += len(chunk)
                solved = [replace(greedy_match(problems[i], self.constraint), solver="fallback") for i in chunk]
            if solved and solved[0].solver == "time_limited":
                log.warning(
                    "ILP batch of %d sentences stopped at matcher.time_limit=%s s; using its best "
                    "feasible solution (may not be optimal)",
                    len(chunk),
                    self.time_limit,
                )
                self.time_limited += len(chunk)
            for i, a in zip(chunk, solved, strict=True):
                out[i] = a
        return out  # type: ignore[return-value]
