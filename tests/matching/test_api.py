from __future__ import annotations

import numpy as np
import pytest

from chorus.matching import METHODS, LogWeights, MatchInputError, match

from .conftest import random_problem


@pytest.mark.parametrize("method", [m for m in METHODS if m != "greedy-replace"])
def test_k_to_one_gives_every_respondent_k_distinct_unshared_personas(method):
    model = random_problem(12, 60, seed=7)
    result = match(model, method, per_respondent=3)
    assert np.array_equal(np.bincount(result.respondent), np.full(12, 3))
    assert len(set(result.persona.tolist())) == 36
    assert result.diagnostics.persona_reuse.max_uses == 1
    assert result.diagnostics.unmatched_respondents == []


def test_k_to_one_hungarian_beats_greedy_and_random():
    model = random_problem(30, 200, seed=8)
    totals = {
        m: match(model, m, per_respondent=2).diagnostics.total_log_weight
        for m in ("hungarian", "greedy", "random")
    }
    assert totals["hungarian"] >= totals["greedy"] > totals["random"]


def test_same_seed_same_match_and_random_depends_on_it():
    model = random_problem(20, 100, seed=9)
    a, b, c = (match(model, "random", seed=s).persona for s in (1, 1, 2))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(match(model, "greedy").persona, match(model, "greedy").persona)


def test_diagnostics_count_modal_agreement_and_reuse():
    probs = {"a": np.array([[0.9, 0.1], [0.3, 0.7]]), "b": np.array([[0.6, 0.4], [0.2, 0.8]])}
    # Both respondents are best served by persona 0 (reused under greedy-replace).
    model = LogWeights(probs, {"a": np.array([0, 0]), "b": np.array([0, -1])})
    d = match(model, "greedy-replace", respondent_ids=["r1", "r2"]).diagnostics
    assert d.trait_agreement == {"a": 1.0, "b": 1.0}
    assert d.trait_answered == {"a": 2, "b": 1}
    assert d.persona_reuse.distinct_personas == 1 and d.persona_reuse.max_uses == 2
    assert d.persona_reuse.uses_histogram == {"2": 1}
    expected = 2 * np.log(0.9) + np.log(0.6)
    assert d.total_log_weight == pytest.approx(expected, abs=1e-8)
    h = match(model, "hungarian", respondent_ids=["r1", "r2"]).diagnostics
    assert h.persona_reuse.max_uses == 1 and h.certificate is not None and h.certificate.certified
    assert h.trait_agreement["a"] == 0.5


def test_unknown_method_and_bad_k():
    model = random_problem(3, 5, seed=0)
    with pytest.raises(MatchInputError, match="unknown method"):
        match(model, "stable-marriage")
    with pytest.raises(MatchInputError, match=">= 1"):
        match(model, "greedy", per_respondent=0)
