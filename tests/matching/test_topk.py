from __future__ import annotations

import numpy as np

from chorus.matching import TopKIndex

from .conftest import cloned_problem, random_problem


def reference(model, allowed=None):
    """All personas of every respondent, by weight descending then persona index."""
    w = model.block(np.arange(model.n_respondents))
    if allowed is not None:
        w[:, ~allowed] = -np.inf
    cols = np.broadcast_to(np.arange(model.n_personas), w.shape)
    order = np.lexsort((cols, -w), axis=1)
    return order, np.take_along_axis(w, order, axis=1)


def test_top_k_is_exact_with_and_without_an_allowed_mask():
    model = random_problem(300, 4000, seed=1)
    index = TopKIndex(model)
    rng = np.random.default_rng(0)
    for allowed in (None, rng.random(4000) < 0.2, rng.random(4000) < 0.003):
        order, w = reference(model, allowed)
        n_ok = 4000 if allowed is None else int(allowed.sum())
        for k in (1, 7, 60):
            got = index.top_k(np.arange(300), k, allowed)
            kk = min(k, n_ok)
            assert np.array_equal(got.idx, order[:, :kk])
            assert np.array_equal(got.weight, w[:, :kk])
            expected_tau = w[:, kk] if kk < n_ok else np.full(300, -np.inf)
            assert np.array_equal(got.tau, expected_tau)


def test_ties_go_to_the_lower_persona_index():
    model = cloned_problem(50, 200, seed=2, copies=2)  # persona i + 200 is a copy of persona i
    got = TopKIndex(model).top_k(np.arange(50), 4)
    assert np.array_equal(got.idx[:, 0], got.idx[:, 1] - 200)  # the original before its copy
    assert np.array_equal(got.weight[:, 0], got.weight[:, 1])


def test_degenerate_ties_zero_weight_traits_and_clones_stay_exact():
    # Half the traits weigh nothing (one side of the split may score 0 for everybody) and every
    # persona has 3 identical clones: long runs of equal scores must neither stall nor reorder.
    model = cloned_problem(60, 150, seed=4, copies=4, zero_every_other=True)
    order, w = reference(model)
    got = TopKIndex(model).top_k(np.arange(60), 9)
    assert np.array_equal(got.idx, order[:, :9])
    assert np.array_equal(got.tau, w[:, 9])
