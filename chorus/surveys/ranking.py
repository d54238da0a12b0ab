"""Ranking answers: the probability of each item at each rank, from successive choices.

A ranking of K items is read as a Plackett-Luce sequence of choices: which item comes first
(one `choice` pass over the K letters), then, for each item that could have come first, which
comes next among the rest (the earlier picks written into the prompt), and so on down to two
items left (the last is then fixed). Every ordered prefix of every length up to K-2 is asked,
so the probability of each of the K! orders is exact under the model's own choices, with no
independence assumed between stages: the sum over j = 0..K-2 of K!/(K-j)! passes per option
order (K = 3: 4, K = 4: 17, K = 5: 86; hence at most `MAX_ITEMS` items). All of one stage's
prefixes go to the engine in one batch; they share the persona context and the question.

A person's row is the K x K matrix of item-by-rank probabilities, flattened item-major
(`row[i * K + r]` = P(item i at rank r + 1)); a respondent's row is the 0/1 matrix of their
ranks. Distance: the mean absolute difference of the items' expected ranks over K - 1 (raw
form: in rank places), with the TVD of the top-1 shares (which item is ranked first) as an
extra; chance is every item equally likely at every rank.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

from chorus.engines import ChoiceDistribution, ChoiceRequest, Engine, Prompt
from chorus.surveys.templating import render
from chorus.surveys.weighting import weighted_distribution

MAX_ITEMS = 5  # every ordered prefix is asked: 86 passes per option order at K = 5


def passes(k: int) -> int:
    """Forward passes to rank k items in one option order (every ordered prefix of <= k-2)."""
    return sum(len(list(itertools.permutations(range(k), j))) for j in range(k - 1))


def _stage(request: ChoiceRequest, prefix: tuple[int, ...]) -> ChoiceRequest:
    """The choice after the items at positions `prefix` were ranked first, in that order."""
    if not prefix:
        return request
    assert request.prompt.messages is not None  # questions are chat prompts (surveys.prompts)
    *before, last = request.prompt.messages
    letters = request.labels
    rest = tuple(letters[i] for i in range(len(letters)) if i not in prefix)
    follow = render("ranking_next.j2", picked=[letters[i] for i in prefix], rest=rest)
    turns = [(m.role, m.content) for m in before]
    turns.append(("user", f"{last.content}\n\n{follow}"))
    prompt = Prompt.chat(*turns, answer_prefix=request.prompt.answer_prefix)
    return ChoiceRequest(prompt=prompt, labels=rest)


def rank_stages(engine: Engine, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
    """For each request (its items lettered), the K x K item-by-rank probabilities (by position,
    flattened item-major), from every stage of the successive choices: one batched
    `engine.choice` per stage."""
    read: dict[tuple[int, tuple[int, ...]], ChoiceDistribution] = {}
    for depth in range(max(len(r.labels) for r in requests) - 1):
        todo = [
            (i, prefix)
            for i, r in enumerate(requests)
            if depth < len(r.labels) - 1
            for prefix in itertools.permutations(range(len(r.labels)), depth)
        ]
        asked = [_stage(requests[i], prefix) for i, prefix in todo]
        read.update(zip(todo, engine.choice(asked), strict=True))
    out = []
    for i, r in enumerate(requests):
        k = len(r.labels)
        marginal = np.zeros((k, k))
        for order in itertools.permutations(range(k)):
            p = 1.0
            for depth in range(k - 1):
                dist = read[(i, order[:depth])]
                rest = [j for j in range(k) if j not in order[:depth]]
                p *= dist.probs[rest.index(order[depth])]
            marginal[list(order), range(k)] += p
        mine = [d for (j, _), d in read.items() if j == i]
        out.append(
            ChoiceDistribution(
                labels=list(r.labels),
                probs=marginal.ravel().tolist(),
                raw_mass=float(np.mean([d.raw_mass for d in mine])),
                method="next_token" if all(d.complete for d in mine) else "top_k_partial",
                unseen=[u for d in mine for u in d.unseen][:10],
                error_bound=max(d.error_bound for d in mine),
            )
        )
    return out


def average_ranks(
    dists: Sequence[ChoiceDistribution], orders: Sequence[Sequence[int]]
) -> tuple[np.ndarray, float]:
    """Each order's item-by-rank matrix (items by position) mapped back to option indices and
    averaged; flattened item-major."""
    k = len(orders[0])
    total = np.zeros((k, k))
    for dist, order in zip(dists, orders):
        total[np.asarray(order)] += np.asarray(dist.probs).reshape(k, k)
    return (total / len(orders)).ravel(), float(np.mean([d.raw_mass for d in dists]))


def matrix(p: np.ndarray) -> np.ndarray:
    """A flattened K x K item-by-rank row (or mean of rows) as its matrix."""
    p = np.asarray(p, dtype=float)
    k = int(round(np.sqrt(len(p))))
    if k * k != len(p) or k < 2:
        raise ValueError(f"need a flattened K x K item-by-rank matrix, got {len(p)} numbers")
    return p.reshape(k, k)


def expected_ranks(p: np.ndarray) -> np.ndarray:
    """Each item's expected rank (1 = first) from its row of rank probabilities."""
    m = matrix(p)
    return m @ np.arange(1, len(m) + 1) / m.sum(axis=1)


def rank_distance(p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    """Mean over items of |expected rank difference|, over K - 1 (in [0, 1]); raw: in ranks."""
    d = float(np.mean(np.abs(expected_ranks(p) - expected_ranks(q))))
    return d / (len(matrix(p)) - 1) if normalise else d


def chance(width: int) -> np.ndarray:
    """Every item equally likely at every rank (`width` = K x K cells)."""
    return np.full(width, 1.0 / np.sqrt(width))


def top1_tvd(
    values: np.ndarray, sim: np.ndarray, sim_w: np.ndarray, human: np.ndarray, human_w: np.ndarray
) -> dict[str, float]:
    """TVD between the simulated and the human shares of each item ranked first."""
    a = matrix(weighted_distribution(sim, sim_w))[:, 0]
    b = matrix(weighted_distribution(human, human_w))[:, 0]
    if not (np.isfinite(a).all() and np.isfinite(b).all() and a.sum() > 0 and b.sum() > 0):
        # nobody (with weight) answered: a resample or a small real panel
        return {"top1_tvd": float("nan")}
    return {"top1_tvd": float(0.5 * np.abs(a / a.sum() - b / b.sum()).sum())}


def rank_rows(ranks: Sequence[tuple[int, ...] | None], k: int) -> np.ndarray:
    """0/1 item-by-rank rows from each person's rank index (0 = first) per item (None: no
    answer -> NaN row)."""
    out = np.full((len(ranks), k * k), np.nan)
    for r, ranked in enumerate(ranks):
        if isinstance(ranked, tuple):
            out[r] = 0.0
            out[r, np.arange(k) * k + np.asarray(ranked)] = 1.0
    return out
