from __future__ import annotations

import numpy as np
import pytest

from chorus.matching import LogWeights, TopKIndex, greedy, greedy_replace

from .conftest import cloned_problem, random_problem


def reference_greedy(model):
    """Sort every pair by (weight desc, respondent, persona) and take what is still free."""
    w = model.block(np.arange(model.n_respondents))
    h, v = np.meshgrid(np.arange(model.n_respondents), np.arange(model.n_personas), indexing="ij")
    order = np.lexsort((v.ravel(), h.ravel(), -w.ravel()))
    persona = np.full(model.n_respondents, -1)
    used = np.zeros(model.n_personas, dtype=bool)
    for h_, v_ in zip(h.ravel()[order], v.ravel()[order]):
        if persona[h_] < 0 and not used[v_]:
            persona[h_], used[v_] = v_, True
    return persona


@pytest.mark.parametrize(
    "n_h, n_v, k, seed", [(200, 220, 1, 0), (300, 3000, 4, 1), (150, 150, 2, 2)]
)
def test_greedy_is_the_classic_greedy_exactly(n_h, n_v, k, seed):
    # k=1 and few spare personas force many list refills against the free personas.
    model = random_problem(n_h, n_v, seed=seed)
    assert np.array_equal(greedy(TopKIndex(model), k=k), reference_greedy(model))


@pytest.mark.parametrize("zero", [False, True])
def test_greedy_matches_the_reference_through_long_runs_of_ties(zero):
    model = cloned_problem(120, 40, seed=6, copies=4, zero_every_other=zero)
    assert np.array_equal(greedy(TopKIndex(model), k=1), reference_greedy(model))


def test_greedy_breaks_ties_by_respondent_then_persona():
    probs = {"a": np.array([[0.5, 0.5], [0.5, 0.5], [0.9, 0.1]])}
    # Respondents 0 and 1 are identical; personas 0 and 1 too. Respondent 2 wants persona 2 most.
    model = LogWeights(probs, {"a": np.array([1, 1, 0])})
    assert greedy(TopKIndex(model), k=1).tolist() == [0, 1, 2]


def test_greedy_replace_takes_each_respondents_best_even_if_reused():
    model = random_problem(100, 50, seed=5)
    best = greedy_replace(TopKIndex(model), per_respondent=3)
    w = model.block(np.arange(100))
    assert np.array_equal(best[:, 0], np.argmax(w, axis=1))
    assert np.all(np.diff(np.take_along_axis(w, best, axis=1), axis=1) <= 0)
    assert len(set(best[:, 0].tolist())) < 100
