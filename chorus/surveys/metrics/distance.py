"""Distances between answer distributions, chosen by the question's kind (surveys.kinds): W1
over ordered options, total variation over nominal ones for the shipped kinds."""

from __future__ import annotations

import numpy as np

from chorus.surveys.kinds import kind_spec, tvd, wasserstein

__all__ = ["distance", "tvd", "wasserstein", "weighted_distribution"]


def distance(kind: str, p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    """The distance of kind `kind` between two distributions (docs/measurement.md); `normalise`
    False gives its raw form (W1 in option steps; TVD has no other form)."""
    return kind_spec(kind).distance(p, q, normalise)


def weighted_distribution(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of per-person distributions (rows of an n x K matrix; NaN rows skipped)."""
    ok = ~np.isnan(rows).any(axis=1)
    w = np.where(ok, np.asarray(weights, dtype=float), 0.0)
    total = w.sum()
    if total <= 0:
        return np.full(rows.shape[1], np.nan)
    return w @ np.where(ok[:, None], rows, 0.0) / total
