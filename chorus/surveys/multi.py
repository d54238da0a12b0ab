"""Check-all-that-apply answers: per option, the probability that this person selects it.

Asked one forward pass per option (the list shown once, then "would you select (C)?" with a
Yes/No answer): a single pass over the letters gives the distribution of the *first* letter a
person would write, not whether each option is among those selected, so inclusion needs a read
per option. The option passes share the question (and the persona context) as a prefix, which
the engine computes once. Constraints (`min_select`, `max_select`, an `exclusive` "none of
these" option) are applied by conditioning the options' independent Yes/No answers on the
allowed selections (every subset enumerated; at most `MAX_OPTIONS` options).

Human rows are 0/1 per option; a person's rows hold inclusion probabilities, not a distribution
(they need not sum to 1). Distance: the mean over options of the absolute difference in
selection rates; the extra `count_tvd` compares the distributions of the number selected (the
simulated one from each person's inclusion probabilities as independent choices).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from chorus.engines import ChoiceDistribution, ChoiceRequest, Engine, Prompt
from chorus.surveys.templating import render

MAX_OPTIONS = 12  # constraints enumerate every subset of the options
YES_NO = ("Yes", "No")


def ask_each_option(engine: Engine, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
    """For each request (its options lettered), P(Yes) per option: one Yes/No pass per option.
    The returned `probs` are inclusion probabilities by position (not normalised)."""
    asked = []
    for r in requests:
        assert r.prompt.messages is not None  # questions are chat prompts (surveys.prompts)
        *before, last = r.prompt.messages
        for letter in r.labels:
            follow = render("multi_select_option.j2", letter=letter)
            turns = [(m.role, m.content) for m in before]
            turns.append(("user", f"{last.content}\n\n{follow}"))
            asked.append(
                ChoiceRequest(prompt=Prompt.chat(*turns, answer_prefix="Answer:"), labels=YES_NO)
            )
    dists = iter(engine.choice(asked))
    out = []
    for r in requests:
        each = [next(dists) for _ in r.labels]
        out.append(
            ChoiceDistribution(
                labels=list(r.labels),
                probs=[d.probs[0] for d in each],
                raw_mass=float(np.mean([d.raw_mass for d in each])),
                method="next_token",
                unseen=[u for d in each for u in d.unseen],
            )
        )
    return out


def average_inclusion(
    dists: Sequence[ChoiceDistribution], orders: Sequence[Sequence[int]]
) -> tuple[np.ndarray, float]:
    """Each order's inclusion probabilities mapped back to option indices, averaged (not
    renormalised: they are K separate probabilities)."""
    total = np.zeros(len(orders[0]))
    for dist, order in zip(dists, orders):
        total[np.asarray(order)] += dist.probs
    return total / len(orders), float(np.mean([d.raw_mass for d in dists]))


def constrain(
    p: np.ndarray, min_select: int, max_select: int | None, exclusive: int | None
) -> np.ndarray:
    """Inclusion probabilities of independent Yes/No answers `p`, conditioned on a selection the
    question allows: between min and max options, and the exclusive option only alone."""
    k = len(p)
    top = k if max_select is None else max_select
    if min_select == 0 and top >= k and exclusive is None:
        return p
    subsets = np.array(list(itertools.product((0, 1), repeat=k)), dtype=float)
    count = subsets.sum(axis=1)
    ok = (count >= min_select) & (count <= top)
    if exclusive is not None:
        ok &= (subsets[:, exclusive] == 0) | (count == 1)
    weight = np.prod(np.where(subsets == 1, p, 1 - p), axis=1) * ok
    if weight.sum() <= 0:
        return p
    return weight @ subsets / weight.sum()


def finish(question: Any, p: np.ndarray) -> np.ndarray:
    """The question's constraints applied to its combined inclusion probabilities."""
    flagged = [i for i, o in enumerate(question.options) if o.exclusive]
    return constrain(
        p, question.min_select, question.max_select, flagged[0] if flagged else None
    )


def likeliest(question: Any, p: np.ndarray) -> list[int]:
    """The options (indices) of the likeliest allowed selection, taking the options'
    inclusion probabilities `p` as independent: each with p >= 1/2 when that is allowed."""
    k = len(p)
    flagged = [i for i, o in enumerate(question.options) if o.exclusive]
    top = k if question.max_select is None else question.max_select
    subsets = np.array(list(itertools.product((0, 1), repeat=k)), dtype=float)
    count = subsets.sum(axis=1)
    ok = (count >= question.min_select) & (count <= top)
    if flagged:
        ok &= (subsets[:, flagged[0]] == 0) | (count == 1)
    q = np.clip(p, 1e-12, 1 - 1e-12)
    loglik = np.where(subsets == 1, np.log(q), np.log1p(-q)).sum(axis=1)
    best = subsets[int(np.argmax(np.where(ok, loglik, -np.inf)))]
    return [int(i) for i in np.flatnonzero(best)]


def half(k: int) -> np.ndarray:
    """The chance reference: every option selected with probability 1/2."""
    return np.full(k, 0.5)


def rate_difference(p: np.ndarray, q: np.ndarray, normalise: bool = True) -> float:
    """Mean over options of |selection rate difference| (in [0, 1]; no other raw form)."""
    return float(np.mean(np.abs(np.asarray(p, dtype=float) - np.asarray(q, dtype=float))))


def count_distribution(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted distribution of the number of options selected (0..K): each person's inclusion
    probabilities as independent choices (exact counts for 0/1 human rows)."""
    k = rows.shape[1]
    ok = ~np.isnan(rows).any(axis=1)
    total = np.zeros(k + 1)
    for row, w in zip(rows[ok], weights[ok]):
        dist = np.array([1.0])
        for x in row:  # Poisson-binomial by convolution
            dist = np.convolve(dist, [1 - x, x])
        total += w * dist
    return total / total.sum() if total.sum() > 0 else np.full(k + 1, np.nan)


def count_tvd(
    values: np.ndarray, sim: np.ndarray, sim_w: np.ndarray, human: np.ndarray, human_w: np.ndarray
) -> dict[str, float]:
    """TVD between the simulated and the human distributions of the number selected."""
    a, b = count_distribution(sim, sim_w), count_distribution(human, human_w)
    return {"count_tvd": float(0.5 * np.abs(a - b).sum())}
