"""Shares of a labelled pilot and an unlabelled frame: the human-only (classical) estimate, the
simulation-only one, and prediction-powered inference with power tuning (PPI++; Angelopoulos,
Duchi and Zrnic, arXiv 2311.01453), with survey weights.

The point estimates and lambda are ppi-python's `ppi_mean_ci` with `lam=None` (its
`_calc_lam_glm` for a mean, clipped to [0, 1]), weights normalised to mean 1 within each sample
as its `construct_weight_vector` does; ppi-python itself is not a dependency (it pulls numba and
statsmodels for the GLM estimators chorus does not use). tests/surveys/test_estimates.py checks
these against the paper's closed forms.

The intervals are not the CLT's: a weighted share of a rare option from a small pilot is skewed
and its plug-in variance is zero when no pilot respondent chose it, so p +- 1.96 se covered ANES
shares only 87% of the time at n = 50. Every estimator gets the same small-sample interval
instead: the Wilson score interval at an effective sample size (Korn and Graubard 1998 use the
Clopper-Pearson one the same way), that of the survey weights (Kish) times the estimator's
variance gain over the human-only share. Variances are the Taylor-linearised ones of weighted
means (ppi-python's without weights), so a predictor that carries no information gains nothing.
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


def kish_size(w: np.ndarray) -> float:
    """Kish's effective sample size of survey weights, (sum w)^2 / sum w^2: the number of
    equally weighted respondents whose share has the same variance."""
    return float(w.sum() ** 2 / (w**2).sum())


def wilson_interval(p: Number, n: Number, z: float = Z95) -> tuple[Number, Number]:
    """The Wilson score interval of a share p from an effective sample of n (p clipped to
    [0, 1]): the p0 with |p - p0| <= z sqrt(p0 (1 - p0) / n). Unlike p +- z se it is never of zero
    width and it leans towards 1/2 where a share near 0 or 1 is skewed."""
    p = np.clip(p, 0.0, 1.0)
    zz = z * z / n
    centre = (p + zz / 2) / (1 + zz)
    half = z / (1 + zz) * np.sqrt(p * (1 - p) / n + zz / (4 * n))
    return (centre - half)[()], (centre + half)[()]


def _linearised(u: np.ndarray, r: np.ndarray) -> tuple[Number, Number]:
    """(weighted mean, its Taylor-linearised variance) of r, u = weights with mean 1:
    sum u_i^2 (r_i - mean)^2 / n^2 (= var(r) / n without weights)."""
    m = (u * r).mean(axis=0)
    return m, ((u * (r - m)) ** 2).mean(axis=0) / len(r)


def classical_mean(y: np.ndarray, w: np.ndarray) -> MeanEstimate:
    """Survey-weighted share of the labelled sample with its Wilson 95% interval at the
    weights' Kish size."""
    value, var = _linearised(_unit_mean(w, y), y)
    lo, hi = wilson_interval(value, kish_size(w))
    return MeanEstimate(value, lo, hi, np.sqrt(var))


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
    """PPI++ share: lam * (frame's mean prediction) + the pilot's mean of (y - lam *
    prediction), with its lambda, its effective sample size n_eff (n times the human-only
    variance over this one) and its Wilson 95% interval at the Kish size times that gain. The
    value is not clipped to [0, 1]; its interval is that of the clipped value."""
    lam = ppi_lambda(y, yhat, yhat_frame, w, w_frame)
    imputed, var_i = _linearised(_unit_mean(w_frame, yhat_frame), lam * yhat_frame)
    rectified, var_r = _linearised(_unit_mean(w, y), y - lam * yhat)
    value, var = imputed + rectified, var_i + var_r
    human = classical_mean(y, w)
    with np.errstate(divide="ignore", invalid="ignore"):
        # nobody in the pilot chose the option (no human variance to compare): no gain claimed
        gain = np.where((human.se > 0) & (var > 0), human.se**2 / var, 1.0)[()]
    lo, hi = wilson_interval(value, kish_size(w) * gain)
    return MeanEstimate(value, lo, hi, np.sqrt(var), lam=lam, n_eff=len(y) * gain)


def simulation_mean(yhat_frame: np.ndarray, w_frame: np.ndarray) -> MeanEstimate:
    """The frame's weighted mean prediction alone (its interval, the same construction at the
    frame's Kish size, ignores the simulator's bias: it is expected to under-cover, which is
    the point of showing it)."""
    return classical_mean(yhat_frame, w_frame)
