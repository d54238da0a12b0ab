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


@dataclass(frozen=True)
class MeanEstimate:
    value: float
    lo: float
    hi: float
    se: float
    lam: float | None = None  # PPI++ power-tuning lambda (0 = human only, 1 = plain PPI)
    n_eff: float | None = None  # human sample size with the same variance as this estimate


def _unit_mean(w: np.ndarray) -> np.ndarray:
    return w / w.sum() * len(w)


def _interval(value: float, se: float, **extra) -> MeanEstimate:
    return MeanEstimate(value, value - Z95 * se, value + Z95 * se, se, **extra)


def classical_mean(y: np.ndarray, w: np.ndarray) -> MeanEstimate:
    """Survey-weighted mean of the labelled sample and its CLT 95% interval."""
    wy = _unit_mean(w) * y
    return _interval(float(wy.mean()), float(wy.std() / np.sqrt(len(y))))


def ppi_lambda(y, yhat, yhat_frame, w, w_frame) -> float:
    """The variance-minimising lambda: cov(rectifier parts) / ((1 + n/N) var(predictions))."""
    n, big_n = len(y), len(yhat_frame)
    w, wf = _unit_mean(w), _unit_mean(w_frame)
    theta = float((wf * yhat_frame).mean() + (w * (y - yhat)).mean())  # plain PPI (lam = 1)
    g, gh, ghf = w * (y - theta), w * (yhat - theta), wf * (yhat_frame - theta)
    cov = 2.0 * np.mean((g - g.mean()) * (gh - gh.mean()))
    var = float(np.var(np.concatenate([gh, ghf]), ddof=1))
    if var <= 0:
        return 0.0
    return float(np.clip(cov / (2.0 * (1.0 + n / big_n) * var), 0.0, 1.0))


def ppi_mean(
    y: np.ndarray, yhat: np.ndarray, yhat_frame: np.ndarray, w: np.ndarray, w_frame: np.ndarray
) -> MeanEstimate:
    """PPI++ mean: lam * (frame's mean prediction) + the pilot's mean of (y - lam * prediction),
    with its 95% interval, lambda and effective sample size (n times the classical variance
    over this one)."""
    lam = ppi_lambda(y, yhat, yhat_frame, w, w_frame)
    n, big_n = len(y), len(yhat_frame)
    wn, wf = _unit_mean(w), _unit_mean(w_frame)
    value = float((wf * lam * yhat_frame).mean() + (wn * (y - lam * yhat)).mean())
    se = float(
        np.sqrt(
            ((wf * lam * yhat_frame).std() / np.sqrt(big_n)) ** 2
            + ((wn * (y - lam * yhat)).std() / np.sqrt(n)) ** 2
        )
    )
    human = classical_mean(y, w)
    n_eff = n * (human.se / se) ** 2 if se > 0 else float("inf")
    return _interval(value, se, lam=lam, n_eff=float(n_eff))


def simulation_mean(yhat_frame: np.ndarray, w_frame: np.ndarray) -> MeanEstimate:
    """The frame's weighted mean prediction alone (its interval ignores the simulator's bias:
    it is expected to under-cover, which is the point of showing it)."""
    return classical_mean(yhat_frame, w_frame)
