"""Diversity of a pool of texts: distinct-n and mean pairwise embedding distance."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from chorus.backstories.text import words


class DiversityStats(BaseModel):
    n_texts: int
    distinct_1: float
    distinct_2: float
    distinct_3: float
    mean_pairwise_distance: float | None  # 1 - mean cosine similarity over distinct pairs


def distinct_n(texts: Sequence[str], n: int) -> float:
    """Unique n-grams / all n-grams over the pool (lower-cased words; 0 when there are none)."""
    grams = [
        tuple(ws[i : i + n])
        for t in texts
        for ws in [[w.lower() for w in words(t)]]
        for i in range(len(ws) - n + 1)
    ]
    return len(set(grams)) / len(grams) if grams else 0.0


def mean_pairwise_distance(embeddings: np.ndarray) -> float | None:
    """Mean cosine distance over all pairs i != j of unit vectors, in O(N):
    sum_{i != j} e_i.e_j = |sum e|^2 - sum |e_i|^2."""
    n = len(embeddings)
    if n < 2:
        return None
    e = embeddings.astype(np.float64)
    total = float(np.square(e.sum(0)).sum() - np.square(e).sum())
    return 1.0 - total / (n * (n - 1))


def diversity_stats(texts: Sequence[str], embeddings: np.ndarray) -> DiversityStats:
    return DiversityStats(
        n_texts=len(texts),
        distinct_1=distinct_n(texts, 1),
        distinct_2=distinct_n(texts, 2),
        distinct_3=distinct_n(texts, 3),
        mean_pairwise_distance=mean_pairwise_distance(embeddings),
    )
