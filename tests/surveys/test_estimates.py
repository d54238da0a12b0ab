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
    # n_eff: the human sample with the same variance; a good predictor is worth more than n
    assert est.n_eff == pytest.approx(n * np.var(y) / n / se**2)
    assert est.n_eff > 1.1 * n
    # the interval: Wilson's at n_eff (unweighted, Kish's size is n), solved as the quadratic
    # (p - p0)^2 = z^2 p0 (1 - p0) / n_eff in p0
    z2 = norm.ppf(0.975) ** 2
    a, b, c = 1 + z2 / est.n_eff, -(2 * est.value + z2 / est.n_eff), est.value**2
    assert [est.lo, est.hi] == pytest.approx(sorted(np.roots([a, b, c]).real))
    # a predictor with no information gets lambda ~ 0: PPI++ is the human-only estimate
    noise = rng.random(n)
    flat = ppi_mean(y, noise, rng.random(big_n), ones, onesf)
    assert flat.lam < 0.15 and flat.n_eff == pytest.approx(n, rel=0.05)


def _weighted_population(rng, big_n=3000):
    """Survey weights as skewed as ANES 2012's (coefficient of variation ~0.9) and a rare
    option (share ~3%) chosen more often by the heavily weighted."""
    w = rng.lognormal(0.0, 0.8, big_n)
    rare = rng.random(big_n) < 0.02 + 0.02 * (w > np.median(w))
    return w, np.column_stack([rare, ~rare]).astype(float)


def test_a_rare_option_is_covered_at_a_small_weighted_pilot():
    """Pilots of 50 from a weighted population: the CLT interval p +- 1.96 se covered a 3%
    share about three times in four (zero width whenever nobody in the pilot chose it); the
    Wilson interval at the Kish size holds it ~95% of the time, for PPI++ (with a simulator that
    knows a little) as for the human-only share."""
    rng = np.random.default_rng(7)
    w, y = _weighted_population(rng)
    yhat = np.clip(0.05 + 0.1 * y + rng.normal(0, 0.03, y.shape), 0, 1)
    truth = np.average(y[:, 0], weights=w)
    hits = {"human": 0, "ppi": 0}
    for _ in range(600):
        pick = np.zeros(len(w), bool)
        pick[rng.choice(len(w), 50, replace=False)] = True
        ests = {
            "human": classical_mean(y[pick, 0], w[pick]),
            "ppi": ppi_mean(y[pick, 0], yhat[pick, 0], yhat[~pick, 0], w[pick], w[~pick]),
        }
        for name, e in ests.items():
            hits[name] += e.lo <= truth <= e.hi
    assert hits["human"] / 600 >= 0.93 and hits["ppi"] / 600 >= 0.93


def test_an_option_nobody_in_the_pilot_chose_gets_a_real_interval():
    """Zero count: the share is 0 but the interval reaches the Wilson bound z^2 / (n + z^2) at
    Kish's size, for PPI++ too (no gain claimed without human variance)."""
    rng = np.random.default_rng(8)
    w = rng.lognormal(0.0, 0.8, 40)
    kish = w.sum() ** 2 / (w**2).sum()
    z2 = norm.ppf(0.975) ** 2
    human = classical_mean(np.zeros(40), w)
    assert human.value == 0 and human.lo == pytest.approx(0, abs=1e-12)
    assert human.hi == pytest.approx(z2 / (kish + z2))
    ppi = ppi_mean(np.zeros(40), rng.random(40) * 0.1, rng.random(500) * 0.1, w, np.ones(500))
    assert ppi.n_eff == 40 and ppi.hi - ppi.lo > 0.5 * human.hi


def test_a_predictor_without_information_gains_nothing_under_weights():
    """A constant prediction cancels out of the PPI++ estimate whatever lambda is; with the
    linearised variance its interval is exactly the human-only one (the uncentred variance
    of w * y credited it with a gain it does not have)."""
    rng = np.random.default_rng(2)
    w = rng.lognormal(0.0, 0.8, 200)
    y = (rng.random(200) < 0.2 + 0.4 * (w > np.median(w))).astype(float)
    pilot = y[:60]
    flat = ppi_mean(pilot, np.full(60, 0.9), np.full(140, 0.9), w[:60], w[60:])
    human = classical_mean(pilot, w[:60])
    assert flat.lam > 0.2  # the weights make lambda non-zero, and still nothing is gained
    assert flat.value == pytest.approx(human.value)
    assert (flat.lo, flat.hi, flat.n_eff) == pytest.approx((human.lo, human.hi, 60))


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


def test_options_at_once_equal_each_option_alone():
    """2-D input (people x options) tunes each column on its own: the same as one at a time."""
    rng = np.random.default_rng(4)
    y = np.eye(3)[rng.integers(0, 3, 80)]
    yhat, frame = rng.dirichlet(np.ones(3), 80), rng.dirichlet(np.ones(3), 400)
    w, wf = rng.random(80) + 0.5, rng.random(400) + 0.5
    both = ppi_mean(y, yhat, frame, w, wf)
    for k in range(3):
        one = ppi_mean(y[:, k], yhat[:, k], frame[:, k], w, wf)
        assert (both.value[k], both.lam[k], both.n_eff[k]) == pytest.approx(
            (one.value, one.lam, one.n_eff)
        )


FRAME_HEAD = "respondent_id,weight,age,gender,race,education,income,religion,region,party,ideology"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("r2,0,,,,,,,,Democrat,", "frame.csv:3: weight '0' is not a positive number"),
        ("r2,-1,,,,,,,,Democrat,", "frame.csv:3: weight '-1' is not a positive number"),
        ("r2,1,,,,,,,,Dem,", "frame.csv:3: party 'Dem' is not one of its categories"),
        ("r1,1,,,,,,,,Democrat,", "frame.csv:3: respondent_id 'r1' repeats"),
    ],
)
def test_bad_frames_name_the_file_and_row(tmp_path, row, expected):
    from chorus.surveys.estimates import EstimateError, read_frame

    path = tmp_path / "frame.csv"
    path.write_text(f"{FRAME_HEAD}\nr1,2.5,,,,,,,,Republican,\n{row}\n")
    with pytest.raises(EstimateError, match=expected.replace(".", r"\.")):
        read_frame(path)
    path.write_text("respondent_id,weight,party\nr1,1,Democrat\n")
    with pytest.raises(EstimateError, match=r"frame\.csv: the frame lacks column\(s\) \['age'"):
        read_frame(path)


def test_pilot_draws_and_their_errors():
    import pandas as pd

    from chorus.surveys.estimates import EstimateError, draw_pilot

    people = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(10)], "weight": 1.0})
    pilot, rest = draw_pilot(people, 4, None, 0)
    assert len(pilot) == 4 and len(rest) == 6
    assert set(pilot.respondent_id).isdisjoint(rest.respondent_id)
    assert len(draw_pilot(people, None, 0.3, 0)[0]) == 3
    with pytest.raises(EstimateError, match="exactly one of"):
        draw_pilot(people, 4, 0.3, 0)
    with pytest.raises(EstimateError, match="must leave a frame"):
        draw_pilot(people, 10, None, 0)


def test_a_several_answer_calibration_question_is_refused_before_any_model_work():
    """k* compares one answer distribution per question: a check-all-that-apply question as a
    calibration question is an error (the engine is never reached)."""
    from pathlib import Path

    from chorus.surveys.estimates import EstimateError, estimate

    data = Path(__file__).parent / "data"

    class Unused:
        def __getattr__(self, name):
            raise AssertionError(f"the engine was used ({name})")

    with pytest.raises(EstimateError, match=r"\{'support': 'multi_select'\} ask for several"):
        estimate(
            Unused(),  # type: ignore[arg-type]
            data / "support.yaml",
            data / "anes2012_support.yaml",
            pilot_n=50,
            calibration=["support"],
        )


def test_bench_draws_cover_with_ppi_and_human_and_not_with_a_biased_simulator():
    """`chorus bench estimate`'s arithmetic on a synthetic population whose simulator is 0.1
    too high on option A: human-only and PPI++ cover ~95%, simulation-only does not."""
    from chorus.bench.estimate import draw_stats

    rng = np.random.default_rng(5)
    big_n = 1500
    a = rng.random(big_n) < 0.35
    y = {"q": np.eye(2)[np.where(a, 0, 1)]}
    p = np.clip(0.45 + 0.3 * (a - 0.35) + rng.normal(0, 0.05, big_n), 0, 1)
    yhat = {"q": np.column_stack([p, 1 - p])}
    w = rng.random(big_n) + 0.5
    truth = {"q": np.average(y["q"], axis=0, weights=w)}
    rows = {(r["n"], r["estimator"]): r for r in draw_stats(truth, y, yhat, w, [100], 150, 0)}
    assert rows[(100, "ppi")]["coverage"] >= 0.9 and rows[(100, "human")]["coverage"] >= 0.9
    assert rows[(100, "sim")]["coverage"] < 0.2
    assert rows[(100, "ppi")]["width"] <= rows[(100, "human")]["width"] * 1.01


def _people(ids, traits=None):
    from chorus.surveys.metrics.responses import ResponseSet

    def make(rows, weights):
        return ResponseSet(np.asarray(ids, dtype=object), weights, rows, traits or {})

    return make


def test_several_answer_kinds_are_estimated_as_selection_rates_and_top1_shares():
    """Check all that apply: each option's human-only estimate is the pilot's weighted
    selection rate (from the raw delimited column); a ranking: each item's weighted share of
    respondents ranking it first (from the raw rank columns); an open answer: theme shares.
    The personas' inclusion / first-place probabilities give the `sim` column."""
    from pathlib import Path

    import pandas as pd

    from chorus.surveys import load_dataset, load_instrument
    from chorus.surveys.estimates.shares import estimate_shares
    from chorus.surveys.metrics.responses import from_human

    data = Path(__file__).parent / "data"
    rng = np.random.default_rng(0)
    for inst_file, ds_file, qid in (("support.yaml", "anes2012_support.yaml", "support"),
                                    ("priorities.yaml", "anes2012_priorities.yaml",
                                     "spending_rank")):  # fmt: skip
        inst = load_instrument(data / inst_file).subset([qid])
        q = inst.question(qid)
        human = from_human(load_dataset(data / ds_file), inst).take(np.arange(80))
        k = len(q.substantive_options)
        raw = pd.read_csv(data / ds_file.replace(".yaml", ".csv"), dtype={"caseid": str})
        raw = raw.set_index("caseid").loc[[str(i) for i in human.ids]]
        w = raw.weight.to_numpy()
        if q.spec.independent:
            w = np.where(raw.support.notna(), w, 0.0)  # no answer: not in the pilot's rates
            picked = [set(str(s).split(";")) for s in raw.support]
            truth = np.array([[o.label in p for o in q.substantive_options] for p in picked])
            sim_rows = rng.uniform(0, 1, (80, k))
            sim_fig = sim_rows
        else:
            ranks = raw[[f"rank_{o.label}" for o in q.substantive_options]].to_numpy()
            w = np.where(np.isfinite(ranks).all(axis=1), w, 0.0)  # no answer
            truth = ranks == 1
            sim_rows = np.concatenate([np.eye(k)[rng.permutation(k)].T.ravel()[None, :]
                                       for _ in range(80)])  # fmt: skip
            sim_fig = sim_rows.reshape(80, k, k)[:, :, 0]
        make = _people(human.ids)
        sim = make({(qid, "self", None): sim_rows}, np.ones(80))
        table, warnings = estimate_shares(human, sim, sim, [q])
        assert not warnings
        assert list(table.option) == [o.label for o in q.substantive_options]
        assert set(table.measure) == {q.spec.share_measure}
        assert q.spec.share_measure == ("selection_rate" if q.spec.independent else "top1_share")
        assert table.human.to_numpy() == pytest.approx(w @ truth / w.sum(), abs=1e-12)
        assert table.sim.to_numpy() == pytest.approx(sim_fig.mean(axis=0), abs=1e-12)
    # an open answer's rows are shares over its codebook's themes (+ other)
    inst = load_instrument(data / "priorities.yaml").subset(["spend_more"])
    q = inst.question("spend_more")
    k = len(q.substantive_options)
    pick = rng.integers(0, k, 30)
    make = _people([str(i) for i in range(30)])
    pilot = make({("spend_more", "self", None): np.eye(k)[pick]}, np.ones(30))
    sim = make({("spend_more", "self", None): rng.dirichlet(np.ones(k), 30)}, np.ones(30))
    table, _ = estimate_shares(pilot, sim, sim, [q])
    assert set(table.measure) == {"share"}
    assert table.human.to_numpy() == pytest.approx(np.bincount(pick, minlength=k) / 30)
