"""Every metric against values computed by hand, by scipy or by numpy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wasserstein_distance

from chorus.surveys import load_dataset, load_instrument
from chorus.surveys.metrics.bootstrap import percentile_interval
from chorus.surveys.metrics.compare import compare, comparison
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


def _one_of_k(inst):
    """The instrument without its eleven numeric thermometers, for the tests that score the
    whole of it: a 0-100 item resamples n x 101 rows in every replicate (about 17 times the
    cost of a 3-option item); test_numeric.py scores numbers. The grid stays."""
    return inst.subset([q.id for q in inst.questions if q.kind != "numeric"])


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
    inst = inst.subset([q.id for q in _one_of_k(inst).questions] + ["ft_dem"])  # one number
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
    sim = constant(people, {"ft_dem": np.eye(101)[50]})  # everybody 50 degrees themselves
    # the two Republicans think Democrats rate their own party 70 degrees
    sim.rows[("ft_dem", "outgroup", "Democrats")] = np.array(
        [np.eye(101)[70], np.eye(101)[70], [np.nan] * 101]
    )
    out = compare(sim, human, inst, np.random.default_rng(0))
    dem = human.traits["party"] == "Democrat"
    dem_rows = human.self_rows("ft_dem")[dem]
    ok = ~np.isnan(dem_rows).any(axis=1)
    actual = np.average(dem_rows[ok] @ q.values, weights=human.weights[dem][ok])
    assert out["perception/ft_dem/outgroup/Republicans"] == pytest.approx(70 - actual)
    assert out["gap/ft_dem/sim"] == 0.0


def test_a_real_panel_scores_one_on_the_like_for_like_floor(anes):
    """Real panels of 50 respondents (drawn by survey weight through an inverse CDF, not through
    floor.py) scored like a simulated panel: their mean WD over the floor is ~1.0 (the split-half
    floor this replaced gave ~0.7), and their equivalent real panel size is ~50."""
    from chorus.surveys.metrics.floor import equivalent_panel_size, floor_curve, panel_floor

    _, inst, human = anes
    inst = _one_of_k(inst)
    stat = comparison(inst)
    rng = np.random.default_rng(3)
    cdf = np.cumsum(human.weights) / human.weights.sum()
    wds = []
    for _ in range(60):
        idx = np.minimum(np.searchsorted(cdf, rng.random(50)), human.n - 1)
        wds.append(compare(human.take(idx, weights=np.ones(50)), human, inst, rng)["wd"])
    floor = panel_floor(human, stat, 50, 60, np.random.default_rng(4))["wd"].mean()
    assert np.mean(wds) / floor == pytest.approx(1.0, abs=0.08)
    wd_only = lambda a, b, r: {"wd": stat(a, b, r)["wd"]}  # noqa: E731
    curve = floor_curve(human, wd_only, 30, np.random.default_rng(5), grid=(10, 20, 50, 100, 200))
    n, note = equivalent_panel_size(curve, float(np.mean(wds)))
    assert n == pytest.approx(50, rel=0.25) and note.startswith("interpolated")


def test_equivalent_panel_size_interpolates_a_square_root_curve():
    from chorus.surveys.metrics.floor import equivalent_panel_size

    curve = {n: 1 / np.sqrt(n) for n in (5, 10, 20, 50, 100, 200)}
    assert equivalent_panel_size(curve, 1 / np.sqrt(80))[0] == pytest.approx(80)
    assert equivalent_panel_size(curve, 1.0) == (
        None, "farther from the human answers than a real panel of 5"
    )
    assert equivalent_panel_size(curve, 0.01)[0] is None


def test_figures_one_answer_per_person_cannot_support_are_undefined(anes):
    """Toplines turned into rows (each respondent answered one question): Frobenius, alpha and
    the individual-level block are undefined with the reason, never a number."""
    ds, inst, human = anes
    inst = inst.subset(["gay_marry", "gun_control", "envir_gwarm"])
    rows = {}
    for j, (key, mat) in enumerate(sorted((k, v) for k, v in human.rows.items()
                                          if k[0] in {q.id for q in inst.questions})):
        keep = np.arange(human.n) % 3 == j
        rows[key] = np.where(keep[:, None], mat, np.nan)
    sparse = ResponseSet(human.ids, human.weights, rows, human.traits)
    sim = sparse.take(np.arange(60))  # personas standing for respondents
    report = score(sim, sparse, inst, "toplines", n_boot=20, seed=0)
    assert report.frobenius.method == "undefined" and report.frobenius.value is None
    assert report.alpha_sim.method == "undefined" and report.human_floor.alpha.value is None
    assert report.individual is None
    assert set(report.undefined) == {"frobenius", "alpha_sim", "alpha_human", "individual"}
    assert any("frobenius undefined: no respondent answered two" in w for w in report.warnings)
    assert report.wd.value is not None  # the marginal figures stay
    from chorus.surveys.scoring import summary_table

    table = summary_table([("toplines", report)])
    assert "undefined" in table and "0.000 [0.000, 0.000]" not in table


def test_percentile_interval_and_score_report(anes):
    ds, inst, human = anes
    inst = _one_of_k(inst)
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


def test_tvd_ignores_option_order_and_nominal_items_use_it(anes):
    from chorus.surveys.metrics.distance import distance, tvd

    assert tvd([1, 0, 0], [0, 0, 1]) == pytest.approx(1.0)
    assert tvd([0.5, 0.3, 0.2], [0.2, 0.3, 0.5]) == pytest.approx(0.3)
    p, q = np.array([0.7, 0.1, 0.2]), np.array([0.1, 0.2, 0.7])
    order = [1, 0, 2]
    assert tvd(p[order], q[order]) == pytest.approx(tvd(p, q))
    assert wasserstein(p[order], q[order]) != pytest.approx(wasserstein(p, q))
    assert distance("single_choice", p, q) == tvd(p, q)
    assert distance("ordinal", p, q) == wasserstein(p, q)
    ds, inst, human = anes
    people = ds.respondents(10, seed=0).rename(columns={"respondent_id": "persona_id"})
    report = score(
        constant(people, {"gay_marry": np.array([0.9, 0.1]), "gun_control": np.ones(3) / 3}),
        human, inst.subset(["gay_marry", "gun_control"]), "anes2012", n_boot=0, floor=False,
    )  # fmt: skip
    metric = {q.id: q.metric for q in report.questions}
    assert metric == {"gay_marry": "tvd", "gun_control": "wasserstein"}
    assert report.metrics_used == {"tvd": 1, "wasserstein": 1}


def test_bca_matches_scipy_on_a_skewed_mean():
    """chorus's BCa (its own replicates, exact jackknife) agrees with scipy.stats.bootstrap's
    BCa, and both differ from the percentile interval on skewed data."""
    from scipy.stats import bootstrap as scipy_bootstrap

    from chorus.surveys.metrics.bootstrap import bca_interval

    rng = np.random.default_rng(4)
    x = rng.exponential(size=25) ** 2
    reps = np.array([x[rng.integers(0, 25, 25)].mean() for _ in range(20000)])
    loo = np.array([np.delete(x, i).mean() for i in range(25)])
    lo, hi, method = bca_interval(x.mean(), reps, 24 * (loo.mean() - loo))
    ref = scipy_bootstrap((x,), np.mean, method="BCa", n_resamples=20000, random_state=1)
    assert method == "bca"
    assert lo == pytest.approx(ref.confidence_interval.low, rel=0.05)
    assert hi == pytest.approx(ref.confidence_interval.high, rel=0.05)
    assert hi > percentile_interval(reps)[1] * 1.03  # the skew moves the upper end up
    # every replicate on one side: BCa is undefined, the percentile interval says so
    assert bca_interval(0.0, np.ones(10), np.ones(3))[2] == "percentile"


def test_score_carries_uniform_floor_warnings_and_beats_uniform(anes):
    ds, inst, human = anes
    inst = inst.subset(["gay_marry", "gun_control", "libcpre_ptyd", "envir_gwarm"])
    people = ds.respondents(12, seed=2).rename(columns={"respondent_id": "persona_id"})
    marginal = {  # close to the human answers, not on them (BCa needs replicates both sides)
        q.id: 0.8 * weighted_distribution(human.self_rows(q.id), human.weights)
        + 0.2 / len(q.values)
        for q in inst.questions
    }
    uniform = {q.id: np.ones(len(q.values)) / len(q.values) for q in inst.questions}
    good = score(constant(people, marginal), human, inst, "anes2012", n_boot=40, seed=0)
    flat = score(constant(people, uniform), human, inst, "anes2012", n_boot=40, seed=0)
    assert good.beats_uniform.beats and good.beats_uniform.margin.lo > 0
    assert not flat.beats_uniform.beats and flat.beats_uniform.margin.value == pytest.approx(0)
    assert good.uniform.value == pytest.approx(flat.wd.value, abs=1e-9)
    assert good.wd.method == "bca" and good.wd.lo <= good.wd.value <= good.wd.hi
    assert any("below 100" in w for w in good.warnings)
    assert any("uniform chance" in w for w in flat.warnings)
    assert good.representativeness.value == pytest.approx(1 - good.wd.value)
    # the reference rows are in the table form too
    table = good.to_pandas()
    assert {"uniform", "human floor"} <= set(table["question"])
    # subgroups: one row per party / race / age group present, each with its own floor
    parties = {s.group for s in good.subgroups if s.trait == "party"}
    assert parties == {c for c in people["party"].dropna()}
    for s in good.subgroups:
        assert s.floor is not None and s.n_sim == int((people[s.trait] == s.group).sum())
    assert set(good.tables()) == {"figures", "questions", "subgroups", "individual"}


def test_subgroup_distances_equal_scoring_each_subgroup_alone(anes):
    from chorus.surveys.metrics.compare import (
        common_questions,
        distributions,
        subgroup_members,
        subgroups,
    )

    ds, inst, human = anes
    people = ds.respondents(25, seed=5).rename(columns={"respondent_id": "persona_id"})
    rng = np.random.default_rng(0)
    sim = constant(people, {q.id: rng.dirichlet(np.ones(len(q.values))) for q in inst.questions})
    qs = common_questions(sim, human, inst)
    fast = subgroups(sim, human, qs)
    slow = {
        f"sub/{t}/{g}": distributions(sim.take(s), human.take(h), qs)["wd"]
        for (t, g), (s, h) in subgroup_members(sim, human).items()
    }
    assert fast.keys() == slow.keys() and len(fast) >= 5
    for k in fast:
        assert fast[k] == pytest.approx(slow[k])


def test_dispersion_ratios_by_hand():
    from chorus.surveys.metrics.dispersion import flagged, ratios

    values = np.array([1.0, 2.0, 3.0])
    human, peaked = np.array([0.25, 0.5, 0.25]), np.array([0.05, 0.9, 0.05])
    out = ratios("ordinal", peaked, human, values)
    assert out["variance"] == pytest.approx(0.1 / 0.5) and out["ratio"] == out["variance"]
    assert flagged(out["ratio"]) and not flagged(1.0) and flagged(2.5)
    nominal = ratios("single_choice", peaked, human, values)
    assert np.isnan(nominal["variance"]) and nominal["ratio"] == nominal["entropy"] < 0.5


def test_individual_fidelity_knows_its_own_respondent(anes):
    """Personas that put all their mass on their own respondent's answers score accuracy 1 and
    r 1, far above the demographic model; personas that all answer alike are no better than a
    random other persona."""
    from chorus.surveys.metrics.individual import person_scores

    ds, inst, human = anes
    inst = inst.subset(["gay_marry", "gun_control", "envir_gwarm", "libcpre_ptyd", "immig_policy"])
    people = ds.respondents(20, seed=3).rename(columns={"respondent_id": "persona_id"})
    mine = from_human(ds, inst, people.rename(columns={"persona_id": "respondent_id"}))
    # stand-ins named like the study's matched pairs: respondent~persona
    twins = ResponseSet(
        ids=np.array([f"{r}~p{i}" for i, r in enumerate(mine.ids)], dtype=object),
        weights=np.ones(20), rows=mine.rows, traits=mine.traits,
    )  # fmt: skip
    ps = person_scores(twins, human, inst.questions)
    assert ps is not None and len(ps.persona) == 20
    assert ps.persona == pytest.approx(1.0) and ps.persona_top1 == pytest.approx(1.0)
    assert np.nanmean(ps.r) == pytest.approx(1.0)
    assert 0.2 < ps.demographic.mean() < 0.9 and 0.2 < ps.cell_top1.mean() < 1.0
    rng = np.random.default_rng(0)
    alike = constant(people, {q.id: rng.dirichlet(np.ones(len(q.values))) for q in inst.questions})
    same = person_scores(alike, human, inst.questions)
    assert same.persona == pytest.approx(same.random_persona)
    report = score(twins, human, inst, "anes2012", n_boot=30, floor=False)
    ind = report.individual
    assert ind.accuracy.value == pytest.approx(1.0)
    assert ind.accuracy_over_demographic_model.value > 1.2
    assert ind.demographic_model_accuracy.lo <= ind.demographic_model_accuracy.value
    # personas of an unmatched pool stand for nobody: no individual-level block
    pool = people.assign(persona_id=[f"p{i}" for i in range(20)])
    assert score(constant(pool, {"gay_marry": np.ones(2) / 2}), human, inst, "anes2012",
                 n_boot=0, floor=False).individual is None  # fmt: skip


def test_two_sample_bca_weights_each_sample_as_scipy_does():
    """On a two-sample statistic (a ratio of means of skewed samples of 8 and 20), chorus's
    jackknife + BCa gives scipy.stats.bootstrap's two-sample BCa interval on the same
    replicates: the acceleration weighs each sample's cubes by 1/n_j^3 and squares by 1/n_j^2."""
    from scipy.stats import bootstrap as scipy_bootstrap

    from chorus.surveys.metrics.bootstrap import bca_interval, bootstrap, jackknife
    from chorus.surveys.metrics.responses import ResponseSet

    rng = np.random.default_rng(7)
    x, y = rng.exponential(size=8) ** 2, rng.exponential(size=20)

    def rs(v):
        key = ("q", "self", None)
        return ResponseSet(np.arange(len(v)), np.ones(len(v)), {key: v[:, None]}, {})

    def stat(a, b, _rng):
        return {"r": float(a.rows[("q", "self", None)].mean() / b.rows[("q", "self", None)].mean())}

    reps = bootstrap(rs(x), rs(y), stat, 4000, np.random.default_rng(1))["r"]
    infl = jackknife(rs(x), rs(y), stat, 0)["r"]
    lo, hi, method = bca_interval(x.mean() / y.mean(), reps, infl)

    def ratio(a, b, axis=-1):
        return np.mean(a, axis=axis) / np.mean(b, axis=axis)

    seed = scipy_bootstrap((x, y), ratio, method="BCa", n_resamples=10, random_state=0)
    seed.bootstrap_distribution = reps  # the same replicates: only the acceleration can differ
    ref = scipy_bootstrap(
        (x, y), ratio, method="BCa", n_resamples=0, bootstrap_result=seed, random_state=0
    ).confidence_interval
    assert method == "bca"
    assert (lo, hi) == pytest.approx((ref.low, ref.high), abs=1e-9)


def test_random_persona_baseline_counts_only_personas_that_answered(anes):
    """With a quarter of the personas silent on each item, the random-other-persona baseline is
    the mean over the *answering* others (a loop by hand), and a silent row votes for nothing."""
    from chorus.surveys.metrics.individual import person_scores

    ds, inst, human = anes
    inst = inst.subset(["gay_marry", "gun_control", "envir_gwarm", "immig_policy"])
    rng = np.random.default_rng(2)
    mine = human.take(rng.choice(human.n, 20, replace=False))
    rows = {}
    for key, mat in mine.rows.items():
        if key[0] not in {q.id for q in inst.questions}:
            continue
        p = rng.dirichlet(np.ones(mat.shape[1]), size=20)
        p[rng.choice(20, 5, replace=False)] = np.nan
        rows[key] = p
    sim = ResponseSet(ids=mine.ids, weights=np.ones(20), rows=rows, traits=mine.traits)
    ps = person_scores(sim, human, inst.questions)
    acc, top1 = np.zeros(20), np.zeros(20)
    count = np.zeros(20)
    for key, p in rows.items():
        truth = mine.rows[key]
        for i in range(20):
            if np.isnan(p[i]).any() or np.isnan(truth[i]).any():
                continue
            y = int(np.argmax(truth[i]))
            others = [j for j in range(20) if j != i and not np.isnan(p[j]).any()]
            acc[i] += np.mean([p[j][y] for j in others])
            top1[i] += np.mean([np.argmax(p[j]) == y for j in others])
            count[i] += 1
    keep = count > 0
    assert ps.random_persona == pytest.approx(acc[keep] / count[keep])
    assert ps.random_persona_top1 == pytest.approx(top1[keep] / count[keep])
