"""Random matching problems over the issue's realistic category counts."""

from __future__ import annotations

import numpy as np

from chorus.bench.matching import synthetic
from chorus.matching import LogWeights


def random_problem(
    n_respondents: int,
    n_personas: int,
    seed: int,
    missing: float = 0.1,
    alpha: float = 1.0,
    counts: dict[str, int] | None = None,
) -> LogWeights:
    return LogWeights(*synthetic(n_respondents, n_personas, seed, missing, alpha, counts))


def cloned_problem(
    n_respondents: int, n_personas: int, seed: int, copies: int, zero_every_other: bool = False
) -> LogWeights:
    """A random problem whose personas come in `copies` identical clones (persona i, i + n, ...),
    optionally with every other trait weighing 0: long runs of exactly equal weights."""
    base = random_problem(n_respondents, n_personas, seed=seed, missing=0.2)
    probs = {
        t: np.tile(np.exp(base.stacked[o : o + k].T), (copies, 1))
        for t, o, k in zip(base.traits, base.offsets, base.n_categories)
    }
    codes = {
        t: np.where(base.codes[i] == k, -1, base.codes[i])
        for i, (t, k) in enumerate(zip(base.traits, base.n_categories))
    }
    weights = {t: (0.0 if zero_every_other and i % 2 else 1.0) for i, t in enumerate(base.traits)}
    return LogWeights(probs, codes, weights)
