"""Opinion groups from held-in votes only, the way Polis makes them: PCA of the vote matrix
(unseen votes imputed with the statement's mean), then k-means with k chosen by silhouette.
(Polis's own `group-id` was computed from all votes, held-out ones included.)"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score


def opinion_groups(
    held_in: pd.DataFrame, *, seed: int, min_votes: int = 7, k_range: range = range(2, 6)
) -> dict[str, int]:
    """participant -> group, for participants with at least `min_votes` held-in votes."""
    counts = held_in.groupby("participant").size()
    who = counts[counts >= min_votes].index
    wide = held_in[held_in.participant.isin(who)].pivot(
        index="participant", columns="statement", values="vote"
    )
    matrix = wide.fillna(wide.mean()).fillna(0.0).to_numpy(dtype=float)
    if len(matrix) < 3:
        return {str(p): 0 for p in wide.index}
    coords = PCA(n_components=min(2, *matrix.shape), random_state=seed).fit_transform(matrix)
    best: tuple[float, np.ndarray] | None = None
    for k in k_range:
        if k >= len(coords):
            break
        labels = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(coords)
        if len(set(labels)) < 2:
            continue
        score = silhouette_score(coords, labels)
        if best is None or score > best[0]:
            best = (score, labels)
    labels = best[1] if best is not None else np.zeros(len(coords), dtype=int)
    return {str(p): int(g) for p, g in zip(wide.index, labels)}
