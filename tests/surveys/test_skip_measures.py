"""`ask_if` in every measure: on the skip pattern built for tests from real ANES 2012 answers
(gun_control asked of gun owners only), the conditional item's human base (owners) and the
personas' probabilities of being asked are what enter the correlations (Frobenius), alpha and
the person-level accuracy, each recomputed here from the raw file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chorus.surveys import load_dataset, load_instrument
from chorus.surveys.metrics import weighted_corr
from chorus.surveys.metrics.compare import compare, valued_questions
from chorus.surveys.metrics.individual import person_scores
from chorus.surveys.metrics.responses import ResponseSet, from_human

DATA = Path(__file__).parent / "data"
ANES = Path(__file__).resolve().parents[2] / "surveys" / "data" / "anes2012"
SPEND = {"1. Increased": 1.0, "2. Decreased": 3.0, "3. [Kept about the same/ Kept the same]": 2.0}
VALUES = {  # instrument question -> (raw column, raw answer -> option value)
    "own_gun": ("owngun_owngun", {"1. Yes": 1.0, "2. No": 2.0}),
    "gun_control": ("gun_control", {"1. More difficult": 1.0, "2. Easier": 3.0,
                                    "3. Keep these rules about the same": 2.0}),
    "fedspend_poor": ("fedspend_poor", SPEND),
    "fedspend_crime": ("fedspend_crime", SPEND),
    "fedspend_scitech": ("fedspend_scitech", SPEND),
}  # fmt: skip
ORDER = list(VALUES)
GC = ("gun_control", "self", None)


@pytest.fixture(scope="module")
def skip_data():
    """The instrument, the respondents' response set, and the raw values (n x 5, NaN = no
    answer, gun_control kept for everyone as ANES asked it) with weights and ids."""
    inst = load_instrument(DATA / "anes2012_skip.yaml")
    human = from_human(load_dataset("anes2012"), inst)
    cols = [c for c, _ in VALUES.values()]
    raw = pd.read_csv(ANES / "anes2012_respondents.csv", usecols=["caseid", "weight_full", *cols])
    raw = raw.set_index(raw.caseid.astype(str)).loc[[str(i) for i in human.ids]]
    x = np.column_stack([raw[c].map(m).to_numpy(dtype=float) for c, m in VALUES.values()])
    return inst, human, x, raw.weight_full.to_numpy(dtype=float)


def _pearson(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    ok = np.isfinite(x) & np.isfinite(y) & (w > 0)
    c = np.cov(x[ok], y[ok], aweights=w[ok])
    return float(c[0, 1] / np.sqrt(c[0, 0] * c[1, 1])) if c[0, 0] * c[1, 1] > 0 else np.nan


def _alpha(x: np.ndarray, w: np.ndarray) -> float:
    ok = np.isfinite(x).all(axis=1) & (w > 0)
    x, w = x[ok], w[ok]

    def var(v: np.ndarray) -> float:
        return float(np.cov(v, aweights=w, bias=True))

    k = x.shape[1]
    return k / (k - 1) * (1 - sum(var(x[:, j]) for j in range(k)) / var(x.sum(axis=1)))


def _one_hot(values: np.ndarray, q) -> np.ndarray:
    pos = {v: i for i, v in enumerate(q.values)}
    return np.eye(len(q.values))[[pos[v] for v in values]]


def test_a_pair_weighs_each_row_by_the_probability_of_being_asked_both():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 3))
    x[:5, 1] = np.nan
    w, asked = rng.uniform(0.5, 2, 50), rng.uniform(0, 1, (50, 3))
    corr = weighted_corr(x, w, asked)
    for i, j in ((0, 1), (0, 2), (1, 2)):
        expected = _pearson(x[:, i], x[:, j], w * asked[:, i] * asked[:, j])
        assert corr[i, j] == pytest.approx(expected, abs=1e-12)
    assert np.allclose(weighted_corr(x, w), weighted_corr(x, w, np.ones((50, 3))), atol=0)


def test_correlations_and_alpha_use_the_human_base_and_the_asked_probabilities(skip_data):
    """Personas = 60 respondents answering as they did (one-hot rows, so the sampled answers
    are these), asked gun_control with random probabilities; the respondents' gun_control
    enters only for gun owners."""
    inst, human, x, w = skip_data
    owner = x[:, 0] == 1.0
    x_hum = x.copy()
    x_hum[~owner, 1] = np.nan  # the human base: owners only
    full = np.flatnonzero(np.isfinite(x).all(axis=1))[:60]
    rng = np.random.default_rng(1)
    asked = rng.uniform(0, 1, 60)
    qs = [inst.question(q) for q in ORDER]
    sim = ResponseSet(
        ids=np.array([f"s{i}" for i in range(60)], dtype=object),
        weights=np.ones(60),
        rows={(q.id, "self", None): _one_hot(x[full, j], q) for j, q in enumerate(qs)},
        traits={},
        asked={GC: asked},
    )
    out = compare(sim, human, inst, np.random.default_rng(2))
    a_sim = np.ones((60, 5))
    a_sim[:, 1] = asked
    c_sim = np.array([[_pearson(x[full, i], x[full, j], a_sim[:, i] * a_sim[:, j])
                       for j in range(5)] for i in range(5)])  # fmt: skip
    c_hum = np.array([[_pearson(x_hum[:, i], x_hum[:, j], w) for j in range(5)]
                      for i in range(5)])  # fmt: skip
    # among the human base every respondent owns a gun: own_gun x gun_control is undefined
    assert np.isnan(c_hum[0, 1]) and out["frobenius_undefined_pairs"] == 1
    assert out["frobenius"] == pytest.approx(np.sqrt(np.nansum((c_sim - c_hum) ** 2)), abs=1e-9)
    # alpha over the five items: a persona counts with its probability of being asked all
    assert out["alpha_sim"] == pytest.approx(_alpha(x[full], asked), abs=1e-9)
    assert out["alpha_human"] == pytest.approx(_alpha(x_hum, w), abs=1e-9)
    # not the unweighted figures (the weights change them)
    assert out["alpha_sim"] != pytest.approx(_alpha(x[full], np.ones(60)), abs=1e-6)
    assert out["alpha_human"] != pytest.approx(_alpha(x, w), abs=1e-6)


def test_person_level_accuracy_weighs_a_conditional_item_by_being_asked(skip_data):
    """Personas standing for 40 respondents (random answer distributions): each one's expected
    accuracy is the mean over the items its respondent answered (gun_control only for owners)
    with gun_control weighed by the persona's probability of being asked it; the random-other-
    persona baseline weighs the other personas the same way."""
    inst, human, x, _ = skip_data
    owner = x[:, 0] == 1.0
    rng = np.random.default_rng(3)
    idx = rng.choice(np.flatnonzero(np.isfinite(x).all(axis=1)), 40, replace=False)
    qs = valued_questions([inst.question(q) for q in ORDER])
    rows = {(q.id, "self", None): rng.dirichlet(np.ones(len(q.values)), 40) for q in qs}
    asked = rng.uniform(0, 1, 40)
    sim = ResponseSet(human.ids[idx], np.ones(40), rows, {}, asked={GC: asked})
    scores = person_scores(sim, human, qs)
    assert scores is not None and len(scores.persona) == 40
    num, den = np.zeros(40), np.zeros(40)
    base_num = np.zeros(40)
    for j, q in enumerate(qs):
        a = asked if q.id == "gun_control" else np.ones(40)
        answered = np.isfinite(x[idx, j]) & (owner[idx] if q.id == "gun_control" else True)
        y = np.searchsorted(q.values, np.nan_to_num(x[idx, j]))
        p = rows[(q.id, "self", None)]
        mine = p[np.arange(40), y]
        others = np.array([(a @ p[:, y[i]] - a[i] * p[i, y[i]]) / (a.sum() - a[i])
                           for i in range(40)])  # fmt: skip
        num += np.where(answered, a * mine, 0)
        base_num += np.where(answered, a * others, 0)
        den += np.where(answered, a, 0)
    assert scores.items == pytest.approx(den, abs=1e-12)
    assert scores.persona == pytest.approx(num / den, abs=1e-12)
    assert scores.random_persona == pytest.approx(base_num / den, abs=1e-12)
    assert (~owner[idx]).any() and owner[idx].any()  # both kinds of respondent in the panel


GROUPED = """\
name: grouped
groups:
  party:
    trait: party
    members:
      - {name: Democrats, singular: a Democrat, categories: [Democrat]}
      - {name: Republicans, singular: a Republican, categories: [Republican]}
questions:
  - id: own
    text: Own one?
    kind: single_choice
    options: [{label: "yes"}, {label: "no"}]
  - id: ctrl
    text: More control?
    kind: ordinal
    ask_if: own == "yes"
    groups: party
    options: [{label: less, value: 1}, {label: same, value: 2}, {label: more, value: 3}]
"""


def test_group_gaps_weigh_each_persona_by_being_asked(tmp_path):
    """The in-group minus out-group gap of a conditional item: each group's mean answer with
    every persona weighed by its probability of being asked."""
    from chorus.surveys.metrics.compare import group_metrics

    path = tmp_path / "g.yaml"
    path.write_text(GROUPED)
    inst = load_instrument(path)
    party = np.array(["Democrat", "Democrat", "Republican", "Republican"], dtype=object)
    ctrl = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, 1.0, 0], [0, 0, 1.0]])
    asked = np.array([0.9, 0.1, 0.5, 0.5])
    sim = ResponseSet(np.array(list("abcd"), dtype=object), np.ones(4),
                      {("own", "self", None): np.tile([0.5, 0.5], (4, 1)),
                       ("ctrl", "self", None): ctrl},
                      {"party": party}, asked={("ctrl", "self", None): asked})  # fmt: skip
    out = group_metrics(sim, sim, inst, [inst.question("ctrl")])
    dem = (0.9 * 1 + 0.1 * 3) / 1.0
    rep = (0.5 * 2 + 0.5 * 3) / 1.0
    assert out["gap/ctrl/sim"] == pytest.approx(dem - rep)
