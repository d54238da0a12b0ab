"""Every metric against values computed by hand, by scipy or by numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wasserstein_distance

from chorus.surveys import load_dataset, load_instrument
from chorus.surveys.metrics.bootstrap import human_floor, percentile_interval
from chorus.surveys.metrics.compare import compare
from chorus.surveys.metrics.correlation import frobenius, weighted_corr
from chorus.surveys.metrics.distance import wasserstein, weighted_distribution
from chorus.surveys.metrics.groups import GroupStats, cohens_d, gap, perception_error
from chorus.surveys.metrics.reliability import cronbach_alpha, reverse_items
from chorus.surveys.metrics.responses import ResponseSet, constant, from_human, one_hot
from chorus.surveys.scoring import score


@pytest.fixture(scope="module")
def anes():
    ds = load_dataset("anes2012")
    inst = load_instrument("anes2012")
    return ds, inst, from_human(ds, inst)


def test_wasserstein_matches_scipy_and_hand_values():
    assert wasserstein([1, 0, 0], [0, 0, 1], normalise=False) == pytest.approx(2.0)
    assert wasserstein([1, 0, 0], [0, 0, 1]) == pytest.approx(1.0)
    assert wasserstein([0.5, 0.5], [0.5, 0.5]) == 0.0
    rng = np.random.default_rng(0)
    for k in (2, 3, 5, 7):
        p, q = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
        ref = wasserstein_distance(np.arange(k), np.arange(k), p, q)
        assert wasserstein(p, q, normalise=False) == pytest.approx(ref)
        assert wasserstein(p, q) == pytest.approx(ref / (k - 1))


def test_weighted_distribution_skips_missing_rows():
    rows = np.array([[1.0, 0.0], [0.0, 1.0], [np.nan, np.nan]])
    assert weighted_distribution(rows, np.array([3.0, 1.0, 100.0])) == pytest.approx([0.75, 0.25])


def test_weighted_corr_matches_numpy_on_complete_data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 4))
    x[:, 1] += x[:, 0]
    w = rng.uniform(0.2, 3.0, size=200)
    cov = np.cov(x.T, aweights=w)
    ref = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    assert weighted_corr(x, w) == pytest.approx(ref)
    assert weighted_corr(x, np.ones(200)) == pytest.approx(np.corrcoef(x.T))


def test_weighted_corr_is_pairwise_complete():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(100, 3))
    x[rng.random(100) < 0.3, 0] = np.nan
    x[rng.random(100) < 0.3, 2] = np.nan
    got = weighted_corr(x, np.ones(100))
    for i in range(3):
        for j in range(3):
            both = ~np.isnan(x[:, i]) & ~np.isnan(x[:, j])
            assert got[i, j] == pytest.approx(np.corrcoef(x[both, i], x[both, j])[0, 1])
    constant_col = np.column_stack([x[:, 1], np.ones(100)])
    assert np.isnan(weighted_corr(constant_col, np.ones(100))[0, 1])


def test_frobenius_matches_numpy_and_counts_undefined_pairs():
    a = np.array([[1.0, 0.5, 0.1], [0.5, 1.0, -0.2], [0.1, -0.2, 1.0]])
    b = np.array([[1.0, 0.1, 0.3], [0.1, 1.0, 0.4], [0.3, 0.4, 1.0]])
    assert frobenius(a, b) == (pytest.approx(np.linalg.norm(a - b, "fro")), 0)
    b[0, 2] = b[2, 0] = np.nan
    value, undefined = frobenius(a, b)
    assert undefined == 1
    assert value == pytest.approx(np.sqrt(2 * 0.4**2 + 2 * 0.6**2))


def _alpha_by_hand(x: np.ndarray) -> float:
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def test_cronbach_alpha_matches_the_formula_weights_and_reverse_keying():
    x = np.array([[1, 2, 3], [2, 3, 3], [3, 3, 4], [4, 5, 5], [2, 2, 1], [5, 4, 4]], dtype=float)
    assert cronbach_alpha(x) == pytest.approx(_alpha_by_hand(x))
    # integer weights are the same as repeating rows
    w = np.array([1, 3, 1, 2, 1, 1], dtype=float)
    assert cronbach_alpha(x, w) == pytest.approx(
        _alpha_by_hand(np.repeat(x, w.astype(int), axis=0))
    )
    # incomplete rows are dropped
    with_gap = np.vstack([x, [np.nan, 1, 1]])
    assert cronbach_alpha(with_gap) == pytest.approx(_alpha_by_hand(x))
    # a reverse-keyed copy lowers alpha until it is reversed back (1..7 scale: v -> 8 - v)
    item = np.array([1, 3, 4, 6, 7, 2], dtype=float)
    scale = np.column_stack([item, item, 8 - item])
    assert cronbach_alpha(scale) < 0.5
    fixed = reverse_items(scale, np.array([False, False, True]), np.ones(3), np.full(3, 7.0))
    assert cronbach_alpha(fixed) == pytest.approx(1.0)


def test_cohens_d_and_gap_match_hand_values():
    values = np.array([1.0, 2.0, 3.0, 4.0])
    a_pos, b_pos = np.array([3, 3, 2, 1]), np.array([0, 1, 1, 0, 2])
    a = GroupStats.from_rows(one_hot(pd.Series(a_pos), 4), values, np.ones(4))
    b = GroupStats.from_rows(one_hot(pd.Series(b_pos), 4), values, np.ones(5))
    xa, xb = values[a_pos], values[b_pos]
    pooled = ((len(xa) - 1) * xa.var(ddof=1) + (len(xb) - 1) * xb.var(ddof=1)) / (
        len(xa) + len(xb) - 2
    )
    diff, d = gap(a, b)
    assert diff == pytest.approx(xa.mean() - xb.mean())
    assert d == pytest.approx((xa.mean() - xb.mean()) / np.sqrt(pooled))
    assert np.isnan(cohens_d(a, GroupStats(1.0, 0.5, 1)))  # one person: no SD
    # a persona's own uncertainty counts in the group variance (mixture of its distribution)
    soft = GroupStats.from_rows(np.array([[0.5, 0.0, 0.0, 0.5]]), values, np.ones(1))
    assert soft.mean == pytest.approx(2.5) and soft.var == pytest.approx(2.25)
    assert perception_error(GroupStats(50.0, 1.0, 3), GroupStats(74.0, 1.0, 9)) == -24.0


def test_sampling_one_answer_per_persona():
    rows = {("q", "self", None): np.tile([0.2, 0.5, 0.3], (20_000, 1))}
    rs = ResponseSet(np.arange(20_000), np.ones(20_000), rows, {})
    a = rs.sample(np.random.default_rng(5))
    b = rs.sample(np.random.default_rng(5))
    drawn = a.rows[("q", "self", None)]
    assert np.array_equal(drawn, b.rows[("q", "self", None)])
    assert set(drawn.sum(axis=1)) == {1.0}
    assert drawn.mean(axis=0) == pytest.approx([0.2, 0.5, 0.3], abs=0.01)


def test_compare_of_identical_sets_is_zero_and_gaps_are_real(anes):
    _, inst, human = anes
    out = compare(human, human, inst, np.random.default_rng(0))
    assert out["wd"] == 0.0 and out["wd_raw"] == 0.0 and out["frobenius"] == 0.0
    assert out["alpha_sim"] == pytest.approx(out["alpha_human"])
    assert out["alpha_human"] > 0.6  # the conservatism scale hangs together in real data
    # in-group warmth toward the Democratic party: Democrats ~74, Republicans ~29 (README)
    assert 40 < out["gap/ft_dem/human"] < 50 and out["d/ft_dem/human"] > 1.5
    # Republicans see the Democratic party as more liberal (lower) than Democrats do
    assert out["gap/libcpre_ptyd/human"] > 1.0


def test_perception_error_against_human_self_reports(anes):
    _, inst, human = anes
    q = inst.question("ft_dem")
    people = pd.DataFrame(
        {"persona_id": ["r1", "r2", "d1"], "party": ["Republican", "Republican", "Democrat"]}
    )
    sim = constant(people, {"ft_dem": np.eye(5)[2]})  # everybody 41-59 about themselves
    # the two Republicans think Democrats rate their own party 60-79 (value 69.5)
    sim.rows[("ft_dem", "outgroup", "Democrats")] = np.array(
        [np.eye(5)[3], np.eye(5)[3], [np.nan] * 5]
    )
    out = compare(sim, human, inst, np.random.default_rng(0))
    dem = human.traits["party"] == "Democrat"
    dem_rows = human.self_rows("ft_dem")[dem]
    ok = ~np.isnan(dem_rows).any(axis=1)
    actual = np.average(dem_rows[ok] @ q.values, weights=human.weights[dem][ok])
    assert out["perception/ft_dem/outgroup/Republicans"] == pytest.approx(69.5 - actual)
    assert out["gap/ft_dem/sim"] == 0.0


def test_human_floor_shrinks_with_sample_size(anes):
    _, inst, human = anes
    small = human_floor(human, inst, 20, 15, np.random.default_rng(0))
    large = human_floor(human, inst, 600, 15, np.random.default_rng(0))
    assert small["wd"].mean() > 2 * large["wd"].mean()
    assert small["frobenius"].mean() > large["frobenius"].mean()


def test_percentile_interval_and_score_report(anes):
    ds, inst, human = anes
    x = np.arange(1001, dtype=float)
    assert percentile_interval(np.append(x, np.nan)) == pytest.approx((25.0, 975.0))
    people = ds.respondents(40, seed=1).rename(columns={"respondent_id": "persona_id"})
    uniform = {q.id: np.full(len(q.values), 1 / len(q.values)) for q in inst.scored_questions}
    report = score(constant(people, uniform), human, inst, "anes2012", n_boot=30, seed=0)
    assert report.n_personas == 40 and len(report.questions) == len(inst.questions)
    assert report.wd.lo <= report.wd.value <= report.wd.hi
    assert report.human_floor is not None and report.human_floor.wd.value < report.wd.value
    # uniform answers have no correlation structure: every sampled pair is defined at n=40
    assert report.frobenius_undefined_pairs == 0
