"""Near-duplicate removal and diversity statistics (real all-MiniLM-L6-v2 embeddings)."""

from __future__ import annotations

import numpy as np
import pytest

from chorus.backstories import (
    distinct_n,
    diversity_stats,
    mean_pairwise_distance,
    near_duplicates,
)


def test_distinct_n_counts_unique_ngrams_over_the_pool():
    texts = ["I grew up in Ohio", "I grew up in Texas"]
    assert distinct_n(texts, 1) == pytest.approx(6 / 10)  # i grew up in ohio texas
    assert distinct_n(texts, 2) == pytest.approx(5 / 8)  # "i grew", "grew up", "up in" shared
    assert distinct_n(["one"], 2) == 0.0


def test_mean_pairwise_distance_matches_brute_force():
    rng = np.random.default_rng(0)
    e = rng.normal(size=(7, 5))
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    sims = e @ e.T
    brute = 1 - (sims.sum() - np.trace(sims)) / (7 * 6)
    assert mean_pairwise_distance(e) == pytest.approx(brute)
    assert mean_pairwise_distance(e[:1]) is None


def test_near_duplicates_keeps_the_first_of_a_cluster():
    a, b = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    close = np.array([0.999, 0.0447])
    close /= np.linalg.norm(close)
    flags = near_duplicates(np.stack([a, b, close]), existing=None, threshold=0.95)
    assert flags[0] is None and flags[1] is None
    assert flags[2] == pytest.approx(float(close @ a))
    # against an existing pool, even the first new row can be a duplicate
    assert near_duplicates(np.stack([close]), existing=np.stack([a]), threshold=0.95)[0] is not None


def test_embeddings_find_reworded_backstories(embedder):
    texts = [
        "I'm a 45-year-old nurse from Texas. I love gardening and my two kids.",
        "I am a 45 year old nurse from Texas, and I love gardening and my two children.",
        "I fix motorcycles in Oregon and spend my weekends fishing on the river alone.",
    ]
    e = embedder.embed(texts)
    assert e.shape == (3, 384)
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert float(e[0] @ e[1]) > 0.9 > float(e[0] @ e[2])
    assert near_duplicates(e, threshold=0.9) == [None, pytest.approx(float(e[0] @ e[1])), None]
    stats = diversity_stats(texts, e)
    assert stats.n_texts == 3 and 0 < stats.mean_pairwise_distance < 1
