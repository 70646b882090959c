"""Annotation projection: the alignment heuristic and candidate matching (greedy and exact ILP).

Pure functions on plain records; `xner.pipeline.stages` adds alignment caching, logging and counts.
"""

from xner.project.base import ProjectionInput, ProjectionStats, SentenceProjection
from xner.project.candidates import Candidates, NerCandidates, NgramCandidates, ngram_candidates
from xner.project.heuristic import HeuristicProjector, project_original, project_seed
from xner.project.matching import (
    Assignment,
    GreedyMatcher,
    IlpMatcher,
    MatchProblem,
    greedy_match,
    trivial_match,
)
from xner.project.projector import MatchingProjector
from xner.project.scores import alignment_scores, fuse_scores

__all__ = [
    "Assignment",
    "Candidates",
    "GreedyMatcher",
    "HeuristicProjector",
    "IlpMatcher",
    "MatchProblem",
    "MatchingProjector",
    "NerCandidates",
    "NgramCandidates",
    "ProjectionInput",
    "ProjectionStats",
    "SentenceProjection",
    "alignment_scores",
    "fuse_scores",
    "greedy_match",
    "ngram_candidates",
    "project_original",
    "project_seed",
    "trivial_match",
]
