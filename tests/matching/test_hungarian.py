from __future__ import annotations

import itertools

import numpy as np
import pytest

from chorus.matching import LogWeights, TopKIndex, greedy, hungarian, match
from chorus.matching.baselines import networkx_matching

from .conftest import cloned_problem, random_problem


def total(model, persona):
    return float(model.pairs(np.arange(model.n_respondents), np.asarray(persona)).sum())


def brute_force(model):
    w = model.block(np.arange(model.n_respondents))
    rows = np.arange(model.n_respondents)
    return max(
        w[rows, list(p)].sum()
        for p in itertools.permutations(range(model.n_personas), model.n_respondents)
    )


@pytest.mark.parametrize("seed", range(6))
def test_hungarian_equals_networkx_and_brute_force_and_beats_greedy(seed):
    model = random_problem(5, 7, seed=seed, alpha=0.7)
    best = hungarian(model)
    assert best.solver == "dense" and best.certified
    assert total(model, best.persona) == pytest.approx(brute_force(model), abs=1e-9)
    assert total(model, best.persona) == pytest.approx(
        total(model, networkx_matching(model)), abs=1e-9
    )
    assert total(model, greedy(TopKIndex(model), k=1)) <= total(model, best.persona) + 1e-12
    assert len(set(best.persona.tolist())) == 5


@pytest.mark.parametrize("seed", range(3))
def test_networkx_agrees_on_larger_instances(seed):
    model = random_problem(40, 60, seed=10 + seed)
    assert total(model, hungarian(model).persona) == pytest.approx(
        total(model, networkx_matching(model)), abs=1e-8
    )


@pytest.mark.parametrize("n_h, n_v, seed", [(300, 320, 0), (400, 2000, 1), (1000, 1500, 2)])
def test_pruned_sparse_solution_is_certified_and_equals_the_dense_optimum(n_h, n_v, seed):
    # Few spare personas means fierce competition: k=2 lists cannot hold the optimum, so the
    # certificate must fail at first and grow lists until it holds.
    model = random_problem(n_h, n_v, seed=seed)
    sparse = hungarian(model, solver="sparse", k=2, verify_dense=True)
    assert sparse.certified and sparse.gap_bound == 0.0
    assert sparse.dense_gap == 0.0
    assert len(set(sparse.persona.tolist())) == n_h
    if n_v < 1.2 * n_h:
        assert sparse.rounds > 1


@pytest.mark.parametrize("zero", [False, True])
def test_sparse_optimum_through_long_runs_of_ties(zero):
    model = cloned_problem(150, 40, seed=7, copies=4, zero_every_other=zero)
    sparse = hungarian(model, solver="sparse", k=1)
    assert sparse.certified
    assert total(model, sparse.persona) == pytest.approx(
        total(model, hungarian(model, solver="dense").persona), abs=1e-9
    )


def test_an_uncertified_gap_bound_covers_the_true_gap():
    model = random_problem(300, 320, seed=4)
    one_round = hungarian(model, solver="sparse", k=1, max_rounds=1)
    dense = hungarian(model, solver="dense")
    true_gap = total(model, dense.persona) - total(model, one_round.persona)
    assert not one_round.certified
    assert one_round.gap_bound >= true_gap - 1e-9 > 0


def test_equal_rows_and_more_respondents_than_personas():
    probs = {"a": np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9]])}
    model = LogWeights(probs, {"a": np.array([0, 0])})
    assert sorted(hungarian(model, solver="sparse", k=1).persona.tolist()) == [0, 1]
    crowded = LogWeights(probs, {"a": np.array([0, 0, 1, 1])})
    with pytest.raises(ValueError, match="distinct personas, but the pool has 3"):
        match(crowded, "hungarian")
