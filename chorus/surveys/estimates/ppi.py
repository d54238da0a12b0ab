"""Means of a labelled pilot and an unlabelled frame: the human-only (classical) estimate, the
simulation-only one, and prediction-powered inference with power tuning (PPI++; Angelopoulos,
Duchi and Zrnic, arXiv 2311.01453), with survey weights.

The formulas are ppi-python's `ppi_mean_ci` with `lam=None` (its `_calc_lam_glm` for a mean,
clipped to [0, 1]), weights normalised to mean 1 within each sample as its
`construct_weight_vector` does; ppi-python itself is not a dependency (it pulls numba and
statsmodels for the GLM estimators chorus does not use). tests/surveys/test_estimates.py checks
these against the paper's closed forms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

Z95 = float(norm.ppf(0.975))


Number = float | np.ndarray  # one cell, or one value per column (option) of 2-D input


@dataclass(frozen=True)
class MeanEstimate:
    """A mean with its 95% interval; with 2-D input (people x options) every field holds one
    value per column, each column tuned on its own."""

    value: Number
    lo: Number
    hi: Number
    se: Number
    lam: Number | None = None  # PPI++ power-tuning lambda (0 = human only, 1 = plain PPI)
    n_eff: Number | None = None  # human sample size with the same variance as this estimate


def _unit_mean(w: np.ndarray, like: np.ndarray) -> np.ndarray:
    """Weights normalised to mean 1, shaped to broadcast over `like`'s columns."""
    u = w / w.sum() * len(w)
    return u if like.ndim == 1 else u[:, None]


def _interval(value, se, **extra) -> MeanEstimate:
    return MeanEstimate(value, value - Z95 * se, value + Z95 * se, se, **extra)


def classical_mean(y: np.ndarray, w: np.ndarray) -> MeanEstimate:
    """Survey-weighted mean of the labelled sample and its CLT 95% interval."""
    wy = _unit_mean(w, y) * y
    return _interval(wy.mean(axis=0), wy.std(axis=0) / np.sqrt(len(y)))


def ppi_lambda(y, yhat, yhat_frame, w, w_frame) -> Number:
    """The variance-minimising lambda: cov(rectifier parts) / ((1 + n/N) var(predictions))."""
    n, big_n = len(y), len(yhat_frame)
    w, wf = _unit_mean(w, y), _unit_mean(w_frame, yhat_frame)
    theta = (wf * yhat_frame).mean(axis=0) + (w * (y - yhat)).mean(axis=0)  # plain PPI
    g, gh, ghf = w * (y - theta), w * (yhat - theta), wf * (yhat_frame - theta)
    cov = 2.0 * np.mean((g - g.mean(axis=0)) * (gh - gh.mean(axis=0)), axis=0)
    var = np.var(np.concatenate([gh, ghf]), axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = np.where(var > 0, cov / (2.0 * (1.0 + n / big_n) * var), 0.0)
    return np.clip(lam, 0.0, 1.0)[()]


def ppi_mean(
    y: np.ndarray, yhat: np.ndarray, yhat_frame: np.ndarray, w: np.ndarray, w_frame: np.ndarray
) -> MeanEstimate:
    """PPI++ mean: lam * (frame's mean prediction) + the pilot's mean of (y - lam * prediction),
    with its 95% interval, lambda and effective sample size (n times the classical variance
    over this one)."""
    lam = ppi_lambda(y, yhat, yhat_frame, w, w_frame)
    n, big_n = len(y), len(yhat_frame)
    wn, wf = _unit_mean(w, y), _unit_mean(w_frame, yhat_frame)
    imputed, rectifier = wf * lam * yhat_frame, wn * (y - lam * yhat)
    value = imputed.mean(axis=0) + rectifier.mean(axis=0)
    se = np.sqrt(imputed.var(axis=0) / big_n + rectifier.var(axis=0) / n)
    human = classical_mean(y, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        # no spread on either side (every pilot answer alike and lam = 0): worth the pilot
        n_eff = np.where(se > 0, n * (human.se / se) ** 2, float(n))[()]
    return _interval(value, se, lam=lam, n_eff=n_eff)


def simulation_mean(yhat_frame: np.ndarray, w_frame: np.ndarray) -> MeanEstimate:
    """The frame's weighted mean prediction alone (its interval ignores the simulator's bias:
    it is expected to under-cover, which is the point of showing it)."""
    return classical_mean(yhat_frame, w_frame)
