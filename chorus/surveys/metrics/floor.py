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


# Real panel sizes on which the floor's curve is drawn (sizes above the human sample are left
# out: there the human sample, not the panel, limits the distance).
PANEL_GRID = (5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)


def floor_curve(
    human: ResponseSet,
    wd_statistic: Statistic,
    n_boot: int,
    rng: np.random.Generator,
    grid: tuple[int, ...] = PANEL_GRID,
) -> dict[int, float]:
    """Expected WD of a real panel of each size on the grid (`wd_statistic` returns {"wd": ..}),
    made non-increasing in n (a larger real panel is never expected to be farther away; the
    replicates' noise can say otherwise by a hair)."""
    sizes = [n for n in grid if n <= human.n] or [human.n]
    means = [np.nanmean(panel_floor(human, wd_statistic, n, n_boot, rng)["wd"]) for n in sizes]
    return {n: float(m) for n, m in zip(sizes, np.minimum.accumulate(means))}


def equivalent_panel_size(curve: dict[int, float], wd: float) -> tuple[float | None, str]:
    """The real panel size whose expected WD equals `wd` (log-log interpolation on the floor's
    curve, which falls about as 1/sqrt(n)), and how it was found; None outside the curve."""
    ns = np.array(sorted(curve), dtype=float)
    e = np.array([curve[int(n)] for n in ns])
    if not np.isfinite(wd) or not np.isfinite(e).all():
        return None, "undefined: no finite distance"
    if wd >= e[0]:
        return None, f"farther from the human answers than a real panel of {int(ns[0])}"
    if wd <= e[-1]:
        return None, f"closer to the human answers than a real panel of {int(ns[-1])}"
    # e is non-increasing: interpolate log n against log e read in increasing order
    x, y = np.log(np.maximum(e[::-1], 1e-12)), np.log(ns[::-1])
    return float(np.exp(np.interp(np.log(wd), x, y))), "interpolated on the real-panel curve"
