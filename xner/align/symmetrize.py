"""Symmetrisation of two directional alignments (Och & Ney 2003; Koehn et al. 2005).

Both inputs are link sets in the same orientation — (source index, target index) — one from the
source→target model and one from the target→source model (already flipped).

- ``intersection``: links both directions agree on (high precision).
- ``union``: links of either direction (high recall).
- ``grow-diag-final-and``: start from the intersection; repeatedly add union links that neighbour
  (also diagonally) an existing link and cover a source or a target word not yet aligned; then add
  the remaining links of each direction whose source AND target words are both still unaligned.
  Neighbourhood order and the scan order (source outer, target inner) follow Moses' symal.
"""

from __future__ import annotations

from xner.data.types import Links

SYMMETRIZATIONS = ("intersection", "union", "grow-diag-final-and", "grow-diag-final", "grow-diag")
_NEIGHBOURS = ((-1, 0), (0, -1), (1, 0), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def grow_diag(fwd: Links, rev: Links, n_src: int, n_tgt: int) -> set[tuple[int, int]]:
    union = set(fwd) | set(rev)
    links = set(fwd) & set(rev)
    src_done = {i for i, _ in links}
    tgt_done = {j for _, j in links}
    added = True
    while added:
        added = False
        for i in range(n_src):
            for j in range(n_tgt):
                if (i, j) not in links:
                    continue
                for di, dj in _NEIGHBOURS:
                    p = (i + di, j + dj)
                    if p in union and p not in links and (p[0] not in src_done or p[1] not in tgt_done):
                        links.add(p)
                        src_done.add(p[0])
                        tgt_done.add(p[1])
                        added = True
    return links


def _final(links: set[tuple[int, int]], direction: Links, n_src: int, n_tgt: int, both: bool) -> None:
    src_done = {i for i, _ in links}
    tgt_done = {j for _, j in links}
    for i in range(n_src):
        for j in range(n_tgt):
            if (i, j) not in direction or (i, j) in links:
                continue
            free = (i not in src_done and j not in tgt_done) if both else (i not in src_done or j not in tgt_done)
            if free:
                links.add((i, j))
                src_done.add(i)
                tgt_done.add(j)


def symmetrize(fwd: Links, rev: Links, n_src: int, n_tgt: int, method: str = "grow-diag-final-and") -> Links:
    """Combine source→target (`fwd`) and target→source (`rev`, as (src, tgt)) links."""
    if method == "intersection":
        return frozenset(set(fwd) & set(rev))
    if method == "union":
        return frozenset(set(fwd) | set(rev))
    if method not in SYMMETRIZATIONS:
        raise ValueError(f"unknown symmetrization {method!r}; valid: {', '.join(SYMMETRIZATIONS)}")
    links = grow_diag(fwd, rev, n_src, n_tgt)
    if method != "grow-diag":
        both = method == "grow-diag-final-and"
        _final(links, fwd, n_src, n_tgt, both)
        _final(links, rev, n_src, n_tgt, both)
    return frozenset(links)
