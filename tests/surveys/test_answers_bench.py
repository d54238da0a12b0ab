"""`chorus bench answers`'s arithmetic on small tables made here: who is drawn and who is left
out (and counted), the retest agreement, Park et al.'s normalised accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chorus.bench.answers import _draw, _normalised, _retest


def test_people_without_another_answer_or_the_retest_wave_are_left_out_and_counted():
    table = pd.DataFrame(
        {
            "respondent_id": ["a", "b", "c", "d", "e"],
            "weight": [1.0, 1.0, 1.0, 1.0, 1.0],
            "q1": [0, np.nan, 1, 0, 1],
            "q2": [1, 1, np.nan, 0, np.nan],
            "q3": [np.nan, np.nan, np.nan, 1, 0],
        }
    )
    # a: q1+q2; b: only q2 (no held-out answer); c: only q1 (no other answer); d: all, but
    # missing from the earlier wave; e: q1+q3
    idx, left = _draw(table, ["q1"], 2, seed=0, retest_ids={"a", "b", "c", "e"})
    assert left == {"no_held_out_answer": 1, "no_other_answer": 1, "retest_wave_missing": 1}
    assert sorted(table["respondent_id"][idx]) == ["a", "e"]
    with pytest.raises(SystemExit, match="only 2 eligible respondents"):
        _draw(table, ["q1"], 3, seed=0, retest_ids={"a", "b", "c", "e"})


def test_retest_agreement_and_normalised_accuracy():
    now = pd.DataFrame(
        {"respondent_id": ["a", "b"], "weight": 1.0, "q1": [0, 1], "q2": [2, np.nan]}
    )
    before = pd.DataFrame({"respondent_id": ["b", "a"], "weight": 1.0, "q1": [0, 0], "q2": [1, 2]})
    same, ceiling = _retest(now, before, np.array([0, 1]), ["q1", "q2"])
    np.testing.assert_array_equal(same, [[1.0, 1.0], [0.0, np.nan]])
    assert ceiling == {"q1": {"agreement": 0.5, "n": 2}, "q2": {"agreement": 1.0, "n": 1}}
    # a model right on a's q1 only: a's normalised accuracy 1 / 2; b agrees with themself on
    # nothing and is left out (counted)
    top = np.array([[1.0, 0.0], [1.0, np.nan]])
    out = _normalised(top, same, lambda x: {"value": float(np.mean(x))})
    assert out["normalised_accuracy"] is None  # fewer than 3 people: no figure
    assert out["normalised_people"] == 1 and out["normalised_left_out_no_agreement"] == 1
    three = np.vstack([same[:1]] * 3)
    out = _normalised(np.vstack([top[:1]] * 3), three, lambda x: {"value": float(np.mean(x))})
    assert out["normalised_accuracy"] == {"value": 0.5}
