"""Distances between answer distributions over ordered options."""

from __future__ import annotations

import numpy as np


def wasserstein(p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    """W1 between two distributions over option positions 0..K-1.

    On a unit-spaced line W1 is the L1 distance between the CDFs. Normalised by K-1 it lies in
    [0, 1]; unnormalised it is in option steps (the figure the papers report).
    """
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if p.shape != q.shape or p.ndim != 1 or len(p) < 2:
        raise ValueError(
            f"need two distributions over the same K >= 2 options, got {p.shape} and {q.shape}"
        )
    w = float(np.abs(np.cumsum(p / p.sum()) - np.cumsum(q / q.sum()))[:-1].sum())
    return w / (len(p) - 1) if normalise else w


def weighted_distribution(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of per-person distributions (rows of an n x K matrix; NaN rows skipped)."""
    ok = ~np.isnan(rows).any(axis=1)
    w = np.asarray(weights, dtype=float)[ok]
    if not ok.any() or w.sum() <= 0:
        return np.full(rows.shape[1], np.nan)
    return (rows[ok] * w[:, None]).sum(axis=0) / w.sum()
