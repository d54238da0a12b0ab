"""Schulze's method over participants' rankings (ties allowed), by Floyd-Warshall on the
pairwise-preference graph. Written out here (a dozen lines of numpy) rather than taken from a
PyPI package: the packages there are unmaintained and take ballots, not utility matrices."""

from __future__ import annotations

import numpy as np


def pairwise_preferences(utilities: np.ndarray) -> np.ndarray:
    """d[i, j] = number of participants who strictly prefer candidate i to j.
    `utilities` is (participants, candidates)."""
    u = np.asarray(utilities, dtype=float)
    return (u[:, :, None] > u[:, None, :]).sum(axis=0)


def strongest_paths(d: np.ndarray) -> np.ndarray:
    """p[i, j] = strength of the strongest path from i to j (widest path, Floyd-Warshall)."""
    p = np.where(d > d.T, d, 0).astype(float)
    n = len(p)
    for k in range(n):
        # a path through k is as strong as its weakest link
        p = np.maximum(p, np.minimum(p[:, k : k + 1], p[k : k + 1, :]))
        np.fill_diagonal(p, 0)
    return p


def schulze_scores(utilities: np.ndarray) -> np.ndarray:
    """Per candidate, how many candidates (itself included) do not beat it (p[j, i] > p[i, j]).
    The Schulze winners, beaten by no one, are exactly the top scorers (all of them tie at the
    number of candidates); counting wins instead would rank a winner that beats no one below
    one that does. The relation is transitive, so if i beats j, everyone beating i beats j too
    and i scores strictly above j: sorting by score respects the Schulze ranking."""
    p = strongest_paths(pairwise_preferences(utilities))
    return (p >= p.T).sum(axis=1).astype(float)
