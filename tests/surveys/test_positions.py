"""Real respondents' one answer held as its option's position, not one-hot rows: the scores are
the same as from the one-hot rows, and a numeric item's W1, median and shares come from the
weighted values themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wasserstein_distance

from chorus.surveys import load_dataset, load_instrument
from chorus.surveys.metrics import bootstrap, comparison, panel_floor
from chorus.surveys.metrics.responses import Positions, ResponseSet, Rows, from_human
from chorus.surveys.scoring import score

THERMO = """\
name: thermo
questions:
  - id: warmth
    text: How warm do you feel toward them?
    kind: numeric
    range: [0, 100]
    unit: degrees
    sources:
      d: {column: warmth, option_values: true}
"""


def _expanded(rs: ResponseSet) -> ResponseSet:
    """The same people with every item as n x K rows (the representation before positions)."""
    return ResponseSet(rs.ids, rs.weights, {k: rs.rows[k] for k in rs.rows}, rs.traits, rs.asked)


def panel_floor_of(n: int):
    """panel_floor with the bootstrap's signature (the simulated set gives only its size)."""
    return lambda sim, human, stat, n_boot, rng: panel_floor(human, stat, n, n_boot, rng)


def _floats(x, path=""):
    """Every number of a nested dump, by its path."""
    if isinstance(x, dict):
        return {p: v for k, val in x.items() for p, v in _floats(val, f"{path}/{k}").items()}
    if isinstance(x, list):
        return {p: v for i, val in enumerate(x) for p, v in _floats(val, f"{path}[{i}]").items()}
    return {path: x}


def test_a_numeric_item_scores_the_same_from_positions_as_from_one_hot_rows():
    """gay_marry and the 0-100 ft_dem against all ANES 2012 respondents, 30 personas standing
    for respondents: every figure of the score (point, intervals, floor, subgroups, individual)
    equal to 1e-9 whether the respondents' answers are positions or one-hot rows."""
    inst = load_instrument("anes2012").subset(["gay_marry", "ft_dem"])
    human = from_human(load_dataset("anes2012"), inst)
    assert human.positions(("ft_dem", "self", None)) is not None
    assert human.positions(("ft_dem", "self", None)).k == 101
    rng = np.random.default_rng(3)
    pick = rng.choice(human.n, 30, replace=False)
    rows = {k: rng.dirichlet(np.full(m.shape[1], 0.5), size=30) for k, m in human.rows.items()}
    traits = {t: v[pick] for t, v in human.traits.items()}
    sim = ResponseSet(human.ids[pick], np.ones(30), rows, traits)
    dense_human = _expanded(human)
    stat = comparison(inst)
    for run in (bootstrap, panel_floor_of(sim.n)):  # unrounded replicates
        x = run(sim, human, stat, 2, np.random.default_rng(4))
        y = run(sim, dense_human, stat, 2, np.random.default_rng(4))
        assert x.keys() == y.keys() and "sub/party/Democrat" in x and "wd/ft_dem" in x
        for k in x:
            np.testing.assert_allclose(x[k], y[k], atol=1e-9, rtol=0, err_msg=k)
    held = score(sim, human, inst, "anes2012", n_boot=2, seed=1, draws=2).model_dump()
    dense = score(sim, dense_human, inst, "anes2012", n_boot=2, seed=1, draws=2)
    a, b = _floats(held), _floats(dense.model_dump())
    assert a.keys() == b.keys()
    assert any(k.startswith("/subgroups") for k in a) and dense.individual is not None
    for key, value in a.items():
        if isinstance(value, float) and not np.isnan(value):
            assert value == pytest.approx(b[key], abs=1e-9), key
        else:
            assert value == b[key] or (value != value and b[key] != b[key]), key


def test_w1_and_median_from_the_weighted_values(tmp_path):
    """A 0-100 item with survey weights: W1 / 100 equals scipy's weighted W1 between the
    personas' distribution and the respondents' raw values, and the human median is the
    weighted median of those values."""
    inst_path = tmp_path / "t.yaml"
    inst_path.write_text(THERMO.replace("true}", "true, missing: ['-1']}"))
    rng = np.random.default_rng(5)
    values = rng.integers(0, 101, 400)
    weights = rng.uniform(0.2, 3.0, 400)
    values[:7] = -1  # no answer
    pd.DataFrame({"id": range(400), "warmth": values, "w": weights}).to_csv(
        tmp_path / "d.csv", index=False
    )
    (tmp_path / "d.yaml").write_text(
        "name: d\nfile: d.csv\nid_column: id\nweight_column: w\ndemographics: {}\n"
    )
    inst = load_instrument(inst_path)
    human = from_human(load_dataset(tmp_path / "d.yaml"), inst)
    key = ("warmth", "self", None)
    assert human.positions(key) is not None and isinstance(human.rows, Rows)
    p_sim = np.exp(-0.5 * ((np.arange(101) - 70) / 12.0) ** 2)
    p_sim /= p_sim.sum()
    sim = ResponseSet(np.array(["a", "b"], dtype=object), np.ones(2),
                      {key: np.tile(p_sim, (2, 1))}, {})  # fmt: skip
    q = score(sim, human, inst, "d", n_boot=0, floor=False, draws=1).questions[0]
    ok = values >= 0
    w1 = wasserstein_distance(np.arange(101), values[ok], p_sim, weights[ok])
    assert q.wd.value == pytest.approx(w1 / 100, abs=1e-6)
    order = np.argsort(values[ok], kind="stable")
    cum = np.cumsum(weights[ok][order]) / weights[ok].sum()
    median = values[ok][order][np.searchsorted(cum, 0.5 - 1e-12)]
    assert q.human_summary["q50"] == median
    assert q.extras["median_diff"].value == 70 - median
    assert q.n_human == ok.sum()


def test_a_drawn_panel_of_positions_keeps_the_random_stream():
    """`sample` of positions gives the answers themselves, with the probabilities of being
    asked carried along (not drawn), and leaves the generator where one-hot rows would."""
    key = ("q", "self", None)
    held = ResponseSet(
        np.arange(6).astype(str).astype(object),
        np.ones(6),
        Rows({}, {key: Positions(np.array([0.0, 3.0, np.nan, 2.0, 1.0, 3.0]), 4)}),
        {},
        asked={key: np.array([1.0, 0.5, 1.0, 0.2, 0.9, 0.0])},
    )
    a, b = np.random.default_rng(9), np.random.default_rng(9)
    got = held.sample(a).positions(key)
    expect = _expanded(held).sample(b).rows[key]
    assert a.random() == b.random()
    assert got is not None
    assert np.array_equal(np.isnan(got.at), np.isnan(expect).any(axis=1))
    done = ~np.isnan(got.at)
    assert np.array_equal(got.at[done], np.argmax(expect[done], axis=1))
    assert np.array_equal(got.at, held.positions(key).at, equal_nan=True)
    assert held.sample(a).asked[key] is held.asked[key]
