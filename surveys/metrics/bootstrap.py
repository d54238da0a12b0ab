"""Bootstrap 95% intervals and the human floor, both built on `compare`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chorus.surveys.metrics.compare import compare
from chorus.surveys.metrics.responses import ResponseSet
from chorus.surveys.schema import Instrument

Stats = dict[str, float]


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


def bootstrap(
    sim: ResponseSet,
    human: ResponseSet,
    instrument: Instrument,
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
        reps.append(compare(s, h, instrument, rng))
        if progress:
            progress()
    return collect(reps)


def human_floor(
    human: ResponseSet,
    instrument: Instrument,
    n: int,
    n_boot: int,
    rng: np.random.Generator,
    progress: Callable[[], None] | None = None,
) -> dict[str, np.ndarray]:
    """The same metrics between two bootstrap halves of the human sample, each of the simulated
    sample's size `n` and drawn like it (with probability proportional to the survey weight, so
    each half is self-weighting): how close two real samples of that size come to each other."""
    p = human.weights / human.weights.sum()
    ones = np.ones(n)
    reps = []
    for _ in range(n_boot):
        a = human.take(rng.choice(human.n, size=n, p=p), weights=ones)
        b = human.take(rng.choice(human.n, size=n, p=p), weights=ones)
        reps.append(compare(a, b, instrument, rng))
        if progress:
            progress()
    return collect(reps)
