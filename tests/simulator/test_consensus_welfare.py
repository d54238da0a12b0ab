"""Social welfare functions: the isoelastic family and Schulze's method."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

from chorus.simulator.consensus import SocialWelfare, isoelastic, schulze_scores, strongest_paths
from chorus.simulator.consensus.schulze import pairwise_preferences

U = np.array([[1.0, 4.0, 3.0], [7.0, 4.0, 3.5], [7.0, 4.0, 3.0]])  # participants x candidates


def test_isoelastic_named_cases():
    assert isoelastic(U, 0.0) == pytest.approx(U.mean(axis=0))
    assert isoelastic(U, 1.0) == pytest.approx(np.exp(np.log(U).mean(axis=0)))
    assert isoelastic(U, math.inf) == pytest.approx(U.min(axis=0))
    # alpha = 2: harmonic mean
    assert isoelastic(U, 2.0) == pytest.approx(len(U) / (1 / U).sum(axis=0))


def test_isoelastic_is_continuous_and_monotone_in_alpha():
    assert isoelastic(U, 1 - 1e-6) == pytest.approx(isoelastic(U, 1.0), rel=1e-5)
    assert isoelastic(U, 400.0) == pytest.approx(U.min(axis=0), rel=1e-2)  # no overflow
    w = [isoelastic(U, a)[0] for a in (0.0, 0.5, 1.0, 2.0, 10.0)]
    assert all(x > y for x, y in pairwise(w))  # more inequality aversion, lower welfare


def test_alpha_changes_the_winner():
    # candidate 0 is loved by two and hated by one; candidate 1 is fine for everyone
    assert SocialWelfare.parse("utilitarian").select(U)[0] == 0
    assert SocialWelfare.parse("rawlsian").select(U)[0] == 1
    assert SocialWelfare.parse("nash").select(U)[0] == 1


def test_isoelastic_rejects_non_positive_utilities():
    with pytest.raises(ValueError, match="positive"):
        isoelastic(np.array([[0.0, 1.0]]), 1.0)


@pytest.mark.parametrize(
    "spec,method,alpha",
    [
        ("utilitarian", "isoelastic", 0.0),
        ("Nash", "isoelastic", 1.0),
        ("rawlsian", "isoelastic", math.inf),
        ("alpha=0.5", "isoelastic", 0.5),
        ("alpha = inf", "isoelastic", math.inf),
        ("schulze", "schulze", 0.0),
    ],
)
def test_parse(spec, method, alpha):
    swf = SocialWelfare.parse(spec)
    assert (swf.method, swf.alpha) == (method, alpha)


@pytest.mark.parametrize("spec", ["borda", "alpha=-1", "alpha=", "alpha=x"])
def test_parse_rejects_with_a_usable_message(spec):
    with pytest.raises(ValueError, match="utilitarian, nash, rawlsian"):
        SocialWelfare.parse(spec)


def _ballots(groups: list[tuple[int, str]]) -> np.ndarray:
    """Rankings like 'ACBED' (best first) repeated n times -> utilities (higher = better)."""
    rows = []
    for n, order in groups:
        util = {c: len(order) - i for i, c in enumerate(order)}
        rows += [[util[c] for c in "ABCDE"]] * n
    return np.array(rows, dtype=float)


def test_schulze_wikipedia_example():
    # The worked example of Schulze's method (45 voters, 5 candidates): winner E, then A, C, B, D.
    u = _ballots(
        [(5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"), (7, "CAEBD"),
         (2, "CBADE"), (7, "DCEBA"), (8, "EBADC")]
    )  # fmt: skip
    d = pairwise_preferences(u)
    assert d[0, 1] == 20 and d[1, 0] == 25  # A over B: 20, B over A: 25
    p = strongest_paths(d)
    assert p[4, 0] == 25 and p[0, 4] == 24  # E -> A stronger than A -> E
    scores = schulze_scores(u)
    ranking = "".join("ABCDE"[i] for i in np.argsort(-scores, kind="stable"))
    assert ranking == "EACBD"
    assert SocialWelfare.parse("schulze").select(u)[0] == 4


def test_schulze_ties_break_by_mean_utility_then_index():
    u = np.array([[2.0, 1.0, 1.0], [1.0, 2.0, 2.0]])  # 0 and 1 tie head to head; 1 == 2
    winner, scores = SocialWelfare.parse("schulze").select(u)
    assert scores[0] == scores[1]
    assert winner == 0  # equal means -> lower index
    winner, _ = SocialWelfare.parse("schulze").select(np.array([[2.0, 1.0], [1.0, 5.0]]))
    assert winner == 1  # tie in Schulze, higher mean wins
