"""Bootstrap replicates and bias-corrected and accelerated (BCa) 95% intervals.

Every metric of one comparison comes out of one statistic (`compare`, a dict of named floats),
so one resample serves them all. The BCa interval is Efron's (as `scipy.stats.bootstrap` with
`method='BCa'` computes it): the bias correction z0 from the share of replicates below the point
estimate, the acceleration from a jackknife. The jackknife deletes one of at most
`JACKKNIFE_GROUPS` random groups per sample instead of one person at a time (the grouped
jackknife), so that a human sample of thousands costs 20 evaluations, not thousands; with
influence values scaled by (n - group size) it estimates the same sums of squares and cubes.
Where BCa is undefined (every replicate on one side of the estimate, or no jackknife spread)
the interval falls back to the percentile interval and says so (`method`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.stats import norm

from chorus.surveys.metrics.responses import ResponseSet

Stats = dict[str, float]
Statistic = Callable[[ResponseSet, ResponseSet, np.random.Generator], Stats]

JACKKNIFE_GROUPS = 20
# Below this many simulated people the intervals under-cover. In `chorus bench coverage` (100
# simulated samples per size, a population of known WD) the 95% BCa interval held the true
# mean WD 0.44 of the time at n=5, 0.72 at 10, 0.83 at 20, 0.84 at 30, 0.87 at 50, 0.91 at 100
# and 0.92 at 200 (docs/results.md, "Interval coverage"): 100 is the smallest size tested that
# reaches 0.9.
MIN_RELIABLE_N = 100


def collect(reps: list[Stats]) -> dict[str, np.ndarray]:
    """Metric name -> array over replicates (NaN where a replicate lacks it)."""
    keys = sorted({k for r in reps for k in r})
    return {k: np.array([r.get(k, np.nan) for r in reps], dtype=float) for k in keys}


def percentile_interval(samples: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the finite replicates (NaN, NaN when there are none)."""
    finite = samples[np.isfinite(samples)]
    if not len(finite):
        return float("nan"), float("nan")
    tail = (1.0 - level) / 2 * 100
    lo, hi = np.percentile(finite, [tail, 100 - tail])
    return float(lo), float(hi)


def bca_interval(
    point: float, samples: np.ndarray, influence: np.ndarray | None, level: float = 0.95
) -> tuple[float, float, str]:
    """BCa interval from bootstrap replicates and jackknife influence values; the method used
    ("bca", or "percentile" where BCa is undefined, "none" without finite replicates)."""
    finite = samples[np.isfinite(samples)]
    if not len(finite):
        return float("nan"), float("nan"), "none"
    below = (np.sum(finite < point) + 0.5 * np.sum(finite == point)) / len(finite)
    u = None if influence is None else influence[np.isfinite(influence)]
    if not (  # BCa is defined
        np.isfinite(point)
        and 0.0 < below < 1.0
        and u is not None
        and influence is not None
        and len(u) == len(influence)
        and np.sum(u**2) > 0
    ):
        return (*percentile_interval(finite, level), "percentile")
    z0 = norm.ppf(below)
    a = float(np.sum(u**3) / (6.0 * np.sum(u**2) ** 1.5))
    z = norm.ppf([(1.0 - level) / 2, (1.0 + level) / 2])
    alphas = norm.cdf(z0 + (z0 + z) / (1.0 - a * (z0 + z)))
    lo, hi = np.percentile(finite, 100 * alphas)
    return float(lo), float(hi), "bca"


def bootstrap(
    sim: ResponseSet,
    human: ResponseSet,
    statistic: Statistic,
    n_boot: int,
    rng: np.random.Generator,
    progress: Callable[[], None] | None = None,
) -> dict[str, np.ndarray]:
    """Replicates of every metric: personas and respondents both resampled with replacement
    (weights travel with the rows), and the per-persona answers redrawn."""
    reps = []
    for _ in range(n_boot):
        s = sim.take(rng.integers(0, sim.n, sim.n))
        h = human.take(rng.integers(0, human.n, human.n))
        reps.append(statistic(s, h, rng))
        if progress:
            progress()
    return collect(reps)


def jackknife(
    sim: ResponseSet, human: ResponseSet, statistic: Statistic, seed: int
) -> dict[str, np.ndarray]:
    """Influence values of every metric for the BCa acceleration: for each sample, delete one
    group at a time (every person when the sample has at most JACKKNIFE_GROUPS), each value
    (n - group size) * (mean of the deleted-group estimates - this one). The two samples are
    pooled as scipy (Davison-Hinkley) pools the samples of a multi-sample statistic: sample j's
    cubes weigh 1/n_j^3 and its squares 1/n_j^2, so each value is divided by its sample's n
    (the acceleration's ratio is unchanged for one sample). Each evaluation redraws the sampled
    answers from the same seed."""
    rng = np.random.default_rng(seed)
    parts: list[dict[str, np.ndarray]] = []
    for which, rs in (("sim", sim), ("human", human)):
        groups = np.array_split(rng.permutation(rs.n), min(rs.n, JACKKNIFE_GROUPS))
        estimates = []
        for g in groups:
            keep = np.setdiff1d(np.arange(rs.n), g)
            rest = rs.take(keep)
            pair = (rest, human) if which == "sim" else (sim, rest)
            estimates.append(statistic(*pair, np.random.default_rng(seed)))
        values = collect(estimates)
        scale = np.array([rs.n - len(g) for g in groups], dtype=float) / rs.n
        parts.append({k: scale * (np.mean(v) - v) for k, v in values.items()})
    keys = set(parts[0]) | set(parts[1])
    return {
        k: np.concatenate([p.get(k, np.full(1, np.nan)) for p in parts]) for k in sorted(keys)
    }
