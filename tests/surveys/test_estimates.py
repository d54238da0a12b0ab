"""Pilot estimates: PPI++ against the closed forms of Angelopoulos, Duchi and Zrnic (2023) and
ppi-python's `ppi_mean_ci`, its coverage where the simulator is biased, the share table with its
subgroup warnings, and k* (Huang, Wu and Wang 2025) on cells whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from chorus.surveys.estimates import (
    classical_mean,
    estimate_shares,
    k_star,
    ppi_lambda,
    ppi_mean,
    simulation_mean,
)
from chorus.surveys.metrics.responses import ResponseSet


def test_ppi_matches_the_closed_forms():
    """lambda = Cov(Y, Yhat) / ((1 + n/N) Var(Yhat)) (PPI++ eq. for a mean; Var over pilot and
    frame predictions pooled), the estimate lam * mean(frame) + mean(Y - lam * Yhat), and its
    standard error from the two independent parts."""
    rng = np.random.default_rng(0)
    n, big_n = 200, 3000
    y = (rng.random(n) < 0.4).astype(float)
    yhat = np.clip(0.3 + 0.2 * y + rng.normal(0, 0.25, n), 0, 1)
    frame = np.clip(0.3 + 0.2 * (rng.random(big_n) < 0.4) + rng.normal(0, 0.25, big_n), 0, 1)
    ones, onesf = np.ones(n), np.ones(big_n)
    lam = np.cov(y, yhat, ddof=0)[0, 1] / ((1 + n / big_n) * np.var(np.r_[yhat, frame], ddof=1))
    assert 0.1 < lam < 0.9  # inside the clip: the formula itself is checked
    assert ppi_lambda(y, yhat, frame, ones, onesf) == pytest.approx(lam)
    est = ppi_mean(y, yhat, frame, ones, onesf)
    assert est.lam == pytest.approx(lam)
    assert est.value == pytest.approx(lam * frame.mean() + (y - lam * yhat).mean())
    se = np.sqrt(np.var(lam * frame) / big_n + np.var(y - lam * yhat) / n)
    assert est.se == pytest.approx(se)
    assert (est.lo, est.hi) == pytest.approx((est.value - norm.ppf(0.975) * se,
                                              est.value + norm.ppf(0.975) * se))  # fmt: skip
    # n_eff: the human sample with the same variance; a good predictor is worth more than n
    assert est.n_eff == pytest.approx(n * classical_mean(y, ones).se ** 2 / se**2)
    assert est.n_eff > 1.1 * n
    # a predictor with no information gets lambda ~ 0: PPI++ is the human-only estimate
    noise = rng.random(n)
    flat = ppi_mean(y, noise, rng.random(big_n), ones, onesf)
    assert flat.lam < 0.15 and flat.n_eff == pytest.approx(n, rel=0.05)


def test_weights_count_like_repeated_respondents():
    """Integer survey weights give the same estimate as repeating each respondent (ppi-python
    normalises weights to mean 1 within each sample)."""
    rng = np.random.default_rng(1)
    y, yhat = rng.random(30).round(), rng.random(30)
    w = rng.integers(1, 4, 30).astype(float)
    frame, wf = rng.random(500), rng.integers(1, 3, 500).astype(float)
    rep = np.repeat(np.arange(30), w.astype(int))
    unweighted = classical_mean(y[rep], np.ones(len(rep))).value
    assert classical_mean(y, w).value == pytest.approx(unweighted)
    assert simulation_mean(frame, wf).value == pytest.approx(np.average(frame, weights=wf))
    est = ppi_mean(y, yhat, frame, w, wf)
    assert 0 <= est.lam <= 1
    by_hand = est.lam * np.average(frame, weights=wf) + np.average(y - est.lam * yhat, weights=w)
    assert est.value == pytest.approx(by_hand)


def test_ppi_covers_where_a_biased_simulator_does_not():
    """A simulator 0.15 too high on a share of 0.3: over 400 pilots of 100, PPI++ and the
    human-only interval hold the truth ~95% of the time, the simulation-only one almost never."""
    rng = np.random.default_rng(2)
    big_n, truth = 4000, 0.3
    pop_y = (rng.random(big_n) < truth).astype(float)
    pop_hat = np.clip(0.15 + 0.6 * pop_y + 0.1 + rng.normal(0, 0.15, big_n), 0, 1)
    hits = {"human": 0, "ppi": 0, "sim": 0}
    for _ in range(400):
        pick = rng.choice(big_n, 100, replace=False)
        rest = np.setdiff1d(np.arange(big_n), pick)
        w, wf = np.ones(100), np.ones(len(rest))
        t = pop_y.mean()
        for name, e in (
            ("human", classical_mean(pop_y[pick], w)),
            ("ppi", ppi_mean(pop_y[pick], pop_hat[pick], pop_hat[rest], w, wf)),
            ("sim", simulation_mean(pop_hat[rest], wf)),
        ):
            hits[name] += e.lo <= t <= e.hi
    assert hits["ppi"] / 400 >= 0.92 and hits["human"] / 400 >= 0.92
    assert hits["sim"] / 400 < 0.1


def _rs(ids, rows, traits, weights=None):
    n = len(ids)
    return ResponseSet(
        np.array(ids, dtype=object), np.ones(n) if weights is None else weights,
        {("q", "self", None): rows}, {"party": np.array(traits, dtype=object)},
    )  # fmt: skip


def test_share_table_per_subgroup_with_a_warning_for_small_pilots():
    from chorus.surveys.schema import Question

    q = Question.model_validate(
        {"id": "q", "text": "Q?", "kind": "single_choice",
         "options": [{"label": "A", "text": "a"}, {"label": "B", "text": "b"}]}
    )  # fmt: skip
    rng = np.random.default_rng(3)
    y = np.eye(2)[rng.integers(0, 2, 60)]
    party = ["Democrat"] * 45 + ["Republican"] * 15
    pilot = _rs(range(60), y, party)
    pilot_sim = _rs(range(60), np.full((60, 2), 0.5), party)
    frame = _rs(range(300), rng.dirichlet([1, 1], 300), ["Democrat", "Republican"] * 150)
    table, warnings = estimate_shares(pilot, pilot_sim, frame, [q], ("party",))
    assert set(zip(table.trait, table.group)) == {
        ("all", "all"), ("party", "Democrat"), ("party", "Republican")
    }
    dem = table[(table.group == "Democrat") & (table.option == "A")].iloc[0]
    assert dem.human == pytest.approx(y[:45, 0].mean()) and dem.n_pilot == 45
    assert any("Republican" in w and "only 15 pilot respondents" in w for w in warnings)
    assert not any("Democrat" in w for w in warnings)


def test_k_star_is_the_largest_k_whose_intervals_still_cover():
    """Half the cells are exact, half are 0.05 off at p = 0.5: a k-respondent interval covers
    a 0.05 error while 1.96 * 0.5 / sqrt(k) >= 0.05, i.e. k <= 384; coverage is 1.0 up to
    there and 0.5 beyond, so k* is the largest grid size <= 384."""
    sim = np.full(40, 0.5)
    human = np.r_[np.full(20, 0.5), np.full(20, 0.55)]
    k, cov = k_star(sim, human)
    assert k == 300 and cov[300] == 1.0 and cov[500] == 0.5
    assert k_star(np.full(4, 0.05), np.full(4, 0.95))[0] == 0  # wrong even as one respondent
