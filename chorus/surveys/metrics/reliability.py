"""Cronbach's alpha, with reverse-keyed items reversed first."""

from __future__ import annotations

import numpy as np


def reverse_items(
    x: np.ndarray, reverse: np.ndarray, lows: np.ndarray, highs: np.ndarray
) -> np.ndarray:
    """Reverse the flagged columns within their value range: v -> low + high - v."""
    x = np.asarray(x, dtype=float).copy()
    r = np.asarray(reverse, dtype=bool)
    x[:, r] = (np.asarray(lows) + np.asarray(highs))[r] - x[:, r]
    return x


def cronbach_alpha(x: np.ndarray, weights: np.ndarray | None = None) -> float:
    """alpha = k/(k-1) * (1 - sum of item variances / variance of the total score), over the
    complete cases (rows with every item answered), with weighted variances when weights are
    given. NaN when fewer than 2 items or 2 complete cases, or the total has no variance."""
    x = np.asarray(x, dtype=float)
    k = x.shape[1]
    complete = ~np.isnan(x).any(axis=1)
    x = x[complete]
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)[complete]
    if k < 2 or len(x) < 2 or w.sum() <= 0:
        return float("nan")
    w = w / w.sum()

    def var(v: np.ndarray) -> float:
        mu = (w * v).sum()
        return float((w * (v - mu) ** 2).sum())

    total = var(x.sum(axis=1))
    if total <= 1e-12:
        return float("nan")
    items = sum(var(x[:, j]) for j in range(k))
    return k / (k - 1) * (1.0 - items / total)
