"""Group means, in-group minus out-group gaps with Cohen's d, and perception errors.

A group is summarised from per-person distributions over the options (one-hot rows for real
respondents, model distributions for personas): the group's answer distribution is their
weighted mean, so its variance includes each persona's own uncertainty, as if one answer were
sampled per persona.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chorus.surveys.metrics.distance import weighted_distribution


@dataclass(frozen=True)
class GroupStats:
    mean: float
    var: float  # variance of one answer (population form)
    n: int  # people (rows) behind it

    @classmethod
    def from_rows(cls, rows: np.ndarray, values: np.ndarray, weights: np.ndarray) -> GroupStats:
        ok = ~np.isnan(rows).any(axis=1) if len(rows) else np.zeros(0, dtype=bool)
        if not ok.any():
            return cls(float("nan"), float("nan"), 0)
        return cls.of(weighted_distribution(rows[ok], np.asarray(weights)[ok]), values, ok.sum())

    @classmethod
    def of(cls, dist: np.ndarray, values: np.ndarray, n: int) -> GroupStats:
        """From the group's answer distribution and the number of people behind it."""
        mean = float(dist @ values)
        return cls(mean, float(dist @ (values - mean) ** 2), int(n))


def cohens_d(a: GroupStats, b: GroupStats) -> float:
    """(mean_a - mean_b) / pooled SD, the pooled SD from the unbiased variances of both groups."""
    if a.n < 2 or b.n < 2:
        return float("nan")
    s2a = a.var * a.n / (a.n - 1)
    s2b = b.var * b.n / (b.n - 1)
    pooled = ((a.n - 1) * s2a + (b.n - 1) * s2b) / (a.n + b.n - 2)
    return float((a.mean - b.mean) / np.sqrt(pooled)) if pooled > 0 else float("nan")


def gap(inside: GroupStats, outside: GroupStats) -> tuple[float, float]:
    """In-group minus out-group mean, and Cohen's d."""
    return inside.mean - outside.mean, cohens_d(inside, outside)


def perception_error(perceived: GroupStats, actual: GroupStats) -> float:
    """Mean perceived position of a group minus that group's own mean self-report."""
    return perceived.mean - actual.mean
