"""The weighted mean of per-person answer rows: a panel's shares. A leaf (numpy only), so the
question kinds' own summaries (numeric, ranking) use it without importing the metrics."""

from __future__ import annotations

import numpy as np


def weighted_distribution(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of per-person distributions (rows of an n x K matrix; NaN rows skipped)."""
    ok = ~np.isnan(rows).any(axis=1)
    w = np.where(ok, np.asarray(weights, dtype=float), 0.0)
    total = w.sum()
    if total <= 0:
        return np.full(rows.shape[1], np.nan)
    return w @ np.where(ok[:, None], rows, 0.0) / total
