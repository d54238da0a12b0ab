"""Near-duplicate removal by cosine similarity of sentence embeddings."""

from __future__ import annotations

import numpy as np


def near_duplicates(
    new: np.ndarray, existing: np.ndarray | None = None, threshold: float = 0.95
) -> list[float | None]:
    """For each row of `new` (unit vectors, in order): the similarity to the closest kept text
    when it is at least `threshold` (a near-duplicate, to drop), else None (kept). Kept rows of
    `new` join the comparison set, so the first of several duplicates survives."""
    if existing is not None and len(existing):
        best_old = (existing @ new.T).max(axis=0)
    else:
        best_old = np.full(len(new), -1.0)
    kept: list[int] = []
    out: list[float | None] = []
    for i, row in enumerate(new):
        best = float(best_old[i])
        if kept:
            best = max(best, float((new[kept] @ row).max()))
        if best >= threshold:
            out.append(best)
        else:
            out.append(None)
            kept.append(i)
    return out
