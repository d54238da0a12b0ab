"""Scoring vote predictions, and group-informed consensus (Polis's measure: the product over
opinion groups of each group's agree rate)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel
from sklearn.metrics import log_loss, roc_auc_score

EPS = 1e-6  # log-loss clipping: a predicted 0 or 1 would otherwise cost infinity


class Scores(BaseModel):
    accuracy: float
    log_loss: float
    auc: float | None  # None when the held-out votes hold one class only
    n: int


def score(p_agree: np.ndarray, agreed: np.ndarray) -> Scores:
    """`p_agree`: predicted probability of agree; `agreed`: 1 agree, 0 disagree."""
    p = np.clip(np.asarray(p_agree, dtype=float), EPS, 1 - EPS)
    y = np.asarray(agreed, dtype=int)
    return Scores(
        accuracy=float(((p >= 0.5) == (y == 1)).mean()),
        log_loss=float(log_loss(y, p, labels=[0, 1])),
        auc=float(roc_auc_score(y, p)) if len(set(y.tolist())) == 2 else None,
        n=len(y),
    )


def smoothed_rate(agrees: float, n: float) -> float:
    """Laplace-smoothed agree rate, (agrees + 1) / (n + 2), as Polis uses for consensus."""
    return (agrees + 1.0) / (n + 2.0)


def group_rates(
    statements: Sequence[int],
    groups: Sequence[int],
    agree: Sequence[float],
    all_groups: Sequence[int],
) -> dict[int, np.ndarray]:
    """statement -> smoothed agree rate of each group (in `all_groups` order); `agree` may hold
    probabilities (predicted) or 0/1 (real votes)."""
    col = {g: j for j, g in enumerate(all_groups)}
    sums: dict[int, np.ndarray] = {}
    counts: dict[int, np.ndarray] = {}
    for s, g, a in zip(statements, groups, agree):
        sums.setdefault(s, np.zeros(len(col)))[col[g]] += a
        counts.setdefault(s, np.zeros(len(col)))[col[g]] += 1
    return {s: (sums[s] + 1.0) / (counts[s] + 2.0) for s in sums}


def top_k(scores: dict[int, float], k: int = 5) -> list[int]:
    """The k highest-scoring statements (ties to the lower id)."""
    return [s for s, _ in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]]
