"""Schulze winners and `SocialWelfare.select` checked against a plain-Python reference (issue 17).

The reference follows Schulze's own definition step by step, without numpy: pairwise counts from
the ballots, the beat-path strengths by Floyd-Warshall's widest path, and the winners as the
candidates that no one beats (p[y][x] > p[x][y] for no y)."""

from __future__ import annotations

import numpy as np
import pytest

from chorus.simulator.consensus import SocialWelfare, schulze_scores


def _reference_winners(utilities: list[list[float]]) -> set[int]:
    m = len(utilities[0])
    d = [[sum(row[i] > row[j] for row in utilities) for j in range(m)] for i in range(m)]
    # only an outright pairwise defeat is a link; its strength is the winning side's count
    p = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0 for j in range(m)] for i in range(m)]
    for k in range(m):
        for i in range(m):
            if i == k:
                continue
            for j in range(m):
                if j not in (i, k):
                    p[i][j] = max(p[i][j], min(p[i][k], p[k][j]))
    return {x for x in range(m) if all(p[x][y] >= p[y][x] for y in range(m))}


def _reference_select(utilities: list[list[float]]) -> int:
    # the documented tie-break among the winners: higher mean utility, then lower index
    totals = [sum(row[c] for row in utilities) for c in range(len(utilities[0]))]
    return min(_reference_winners(utilities), key=lambda c: (-totals[c], c))


def _check(u: np.ndarray) -> None:
    rows = u.tolist()
    scores = schulze_scores(u)
    top = set(np.flatnonzero(scores == scores.max()).tolist())
    assert top == _reference_winners(rows), rows
    assert SocialWelfare.parse("schulze").select(u)[0] == _reference_select(rows), rows


def test_issue_17_minimal_case():
    u = np.array([[1.0, 6.0, 4.0], [4.0, 1.0, 1.0], [1.0, 1.0, 3.0]])
    assert _reference_winners(u.tolist()) == {1, 2}
    scores = schulze_scores(u)
    assert set(np.flatnonzero(scores == scores.max()).tolist()) == {1, 2}
    assert SocialWelfare.parse("schulze").select(u)[0] == 1  # 1 and 2 tie on mean: lower index


@pytest.mark.parametrize("kind", ["continuous", "likert7", "likert3"])
def test_schulze_matches_reference_on_random_instances(kind: str) -> None:
    rng = np.random.default_rng(["continuous", "likert7", "likert3"].index(kind))
    for _ in range(1000):
        shape = (rng.integers(3, 9), rng.integers(2, 7))  # participants x candidates
        if kind == "continuous":
            u = rng.uniform(1.0, 7.0, size=shape)
        else:
            u = rng.integers(1, 8 if kind == "likert7" else 4, size=shape).astype(float)
        _check(u)
