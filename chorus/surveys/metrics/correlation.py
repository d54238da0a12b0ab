"""Weighted inter-question correlations and the Frobenius distance between two such matrices."""

from __future__ import annotations

import numpy as np


def weighted_corr(
    x: np.ndarray, weights: np.ndarray, asked: np.ndarray | None = None
) -> np.ndarray:
    """Weighted Pearson correlation of the columns of x (n x Q; NaN = missing), pairwise-complete:
    each pair uses the rows where both are present, with means and variances over those rows.
    `asked` (n x Q, default all 1) is each person's probability of being asked each item
    (`ask_if`): a row weighs w x asked_i x asked_j in pair (i, j), the probability of being
    asked both, as the conditions are met by independent answers (surveys.skip computes each
    from the person's distributions question by question, so two conditions on different
    earlier answers multiply; one question's condition that chains through the other's is
    counted twice, an approximation). Undefined pairs (fewer than 2 rows with weight, or no
    variance) are NaN; the diagonal is 1 where defined.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(weights, dtype=float)
    m = (~np.isnan(x)).astype(float)
    if asked is not None:
        m = m * np.asarray(asked, dtype=float)  # a share of each row in each item
    x0 = np.where(m > 0, x, 0.0)
    mw = m * w[:, None]
    sw = mw.T @ m  # [i, j]: weight of rows where both i and j are present (and asked)
    sx = (x0 * mw).T @ m  # [i, j]: sum of w * x_i over those rows
    sxx = (x0**2 * mw).T @ m
    sxy = (x0 * mw).T @ (x0 * m)
    n_pair = (m > 0).astype(float).T @ (m > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_i = sx / sw
        mean_j = sx.T / sw
        cov = sxy / sw - mean_i * mean_j
        var_i = sxx / sw - mean_i**2
        var_j = sxx.T / sw - mean_j**2
        corr = cov / np.sqrt(var_i * var_j)
    tiny = 1e-12
    corr[(n_pair < 2) | (var_i <= tiny) | (var_j <= tiny)] = np.nan
    return np.clip(corr, -1.0, 1.0)


def frobenius(a: np.ndarray, b: np.ndarray) -> tuple[float, int]:
    """||a - b||_F over the pairs defined in both matrices, and how many off-diagonal pairs were
    undefined in either (e.g. a question every persona answered identically)."""
    diff = np.asarray(a) - np.asarray(b)
    undefined = np.isnan(diff)
    off = ~np.eye(diff.shape[0], dtype=bool)
    return float(np.sqrt(np.nansum(diff**2))), int((undefined & off).sum() // 2)
