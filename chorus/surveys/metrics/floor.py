"""What a perfect simulator would score under a design: the one floor every caller uses.

A perfect simulator of a population is a real panel from it. So the reference for a simulated
panel of n people scored against a human target is a panel of n real respondents, drawn with
probability proportional to their survey weight (so the panel is self-weighting), scored against
the *same* human target by the same statistic. The score survey, the benchmarks, the pilot
estimates and the tuning bench's subgroup cells (a cell's respondents as `human`, the cell's size
as `n`) all call `panel_floor`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chorus.surveys.metrics.bootstrap import Statistic, collect
from chorus.surveys.metrics.responses import ResponseSet


def real_panel(human: ResponseSet, n: int, rng: np.random.Generator) -> ResponseSet:
    """n weighted draws (with replacement) of real respondents, each weighing 1."""
    p = human.weights / human.weights.sum()
    return human.take(rng.choice(human.n, size=n, p=p), weights=np.ones(n))


def panel_floor(
    human: ResponseSet,
    statistic: Statistic,
    n: int,
    n_boot: int,
    rng: np.random.Generator,
    progress: Callable[[], None] | None = None,
) -> dict[str, np.ndarray]:
    """Replicates of the statistic between a real panel of `n` and the whole human sample: the
    score a perfect simulator of panel size `n` would get (its mean is the expected floor)."""
    reps = []
    for _ in range(n_boot):
        reps.append(statistic(real_panel(human, n, rng), human, rng))
        if progress:
            progress()
    return collect(reps)
