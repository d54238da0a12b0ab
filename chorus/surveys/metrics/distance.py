"""Distances between answer distributions: W1 over ordered options, total variation over
nominal ones, chosen by the question's kind."""

from __future__ import annotations

import numpy as np

# which distance each question kind uses: option order means something only for ordered kinds
METRIC_BY_KIND = {"ordinal": "wasserstein", "binned_numeric": "wasserstein", "single_choice": "tvd"}


def _pair(p: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    if p.shape != q.shape or p.ndim != 1 or len(p) < 2:
        raise ValueError(
            f"need two distributions over the same K >= 2 options, got {p.shape} and {q.shape}"
        )
    return p / p.sum(), q / q.sum()


def wasserstein(p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    """W1 between two distributions over option positions 0..K-1.

    On a unit-spaced line W1 is the L1 distance between the CDFs. Normalised by K-1 it lies in
    [0, 1]; unnormalised it is in option steps (the figure the papers report).
    """
    p, q = _pair(p, q)
    w = float(np.abs(np.cumsum(p) - np.cumsum(q))[:-1].sum())
    return w / (len(p) - 1) if normalise else w


def tvd(p: np.ndarray, q: np.ndarray) -> float:
    """Total variation distance, W1 under the 0/1 metric: it does not depend on option order."""
    p, q = _pair(p, q)
    return float(0.5 * np.abs(p - q).sum())


def distance(kind: str, p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    """The distance of DESIGN.md for a question of `kind` (TVD has no unnormalised form)."""
    if METRIC_BY_KIND[kind] == "tvd":
        return tvd(p, q)
    return wasserstein(p, q, normalise)


def weighted_distribution(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of per-person distributions (rows of an n x K matrix; NaN rows skipped)."""
    ok = ~np.isnan(rows).any(axis=1)
    w = np.where(ok, np.asarray(weights, dtype=float), 0.0)
    total = w.sum()
    if total <= 0:
        return np.full(rows.shape[1], np.nan)
    return w @ np.where(ok[:, None], rows, 0.0) / total
