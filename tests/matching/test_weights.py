from __future__ import annotations

import re

import numpy as np
import pytest

from chorus.matching import LogWeights, MatchInputError

from .conftest import random_problem


def test_nine_tiny_probabilities_do_not_underflow_and_still_rank():
    # The product of nine 1e-40 probabilities (1e-360) is 0.0 in float64; the logs still rank.
    tiny = np.array([1e-40, 3e-40, 2e-40])
    probs = {f"t{i}": np.stack([tiny, 1.0 - tiny]).T for i in range(9)}  # personas 0, 1, 2
    codes = {f"t{i}": np.array([0]) for i in range(9)}
    model = LogWeights(probs, codes)
    assert np.prod(np.full(9, 1e-40)) == 0.0
    w = model.block(np.array([0]))[0]
    assert np.all(np.isfinite(w))
    assert list(np.argsort(-w)) == [1, 2, 0]
    assert w[1] - w[0] == pytest.approx(9 * np.log(3.0), rel=1e-9)


def test_a_skipped_trait_adds_nothing_and_trait_weights_scale():
    probs = {"a": np.array([[0.5, 0.5], [0.9, 0.1]]), "b": np.array([[0.2, 0.8], [0.6, 0.4]])}
    model = LogWeights(probs, {"a": np.array([0, -1]), "b": np.array([1, 1])}, {"a": 2.0})
    w = model.block(np.arange(2))
    assert w[0, 1] == pytest.approx(2 * np.log(0.9) + np.log(0.4), abs=1e-9)
    assert w[1, 0] == pytest.approx(np.log(0.8), abs=1e-9)  # trait a missing: only b counts


def test_weights_are_bit_identical_whatever_computes_them():
    model = random_problem(40, 300, seed=3)
    rows = np.repeat(np.arange(40), 300)
    cols = np.tile(np.arange(300), 40)
    dense = model.block(np.arange(40))
    assert np.array_equal(dense.ravel(), model.pairs(rows, cols))
    assert np.array_equal(dense[:, ::7], model.block(np.arange(40), np.arange(0, 300, 7)))
    side = [0, 4, 7]
    rest = [t for t in range(9) if t not in side]
    split = model.block(np.arange(40), None, side) + model.block(np.arange(40), None, rest)
    assert np.array_equal(dense, split)


@pytest.mark.parametrize(
    "probs, codes, message",
    [
        ({"a": [[0.5, 0.5]]}, {"b": [0]}, "lack trait"),
        ({"a": [[0.5, 0.5]]}, {"a": [2]}, "outside -1..1"),
        ({"a": [[0.5, 1.5]]}, {"a": [0]}, "in [0, 1]"),
        (
            {"a": [[0.5, 0.5]], "b": [[1.0], [1.0]]},
            {"a": [0], "b": [0]},
            "different number of personas",
        ),
    ],
)
def test_bad_inputs_are_named(probs, codes, message):
    with pytest.raises(MatchInputError, match=re.escape(message)):
        LogWeights(probs, {k: np.array(v) for k, v in codes.items()})
