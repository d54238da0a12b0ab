"""Numeric answers: the model's distribution over the integers of a range, read digit by digit.

A number is written as a sequence of digit tokens followed by something that is not a digit (the
end). The probability of the answer "42" is P("4") x P("2" | "4") x P(end | "42"), each factor
read from one next-token distribution over the ten digits (`engine.choice`, labels "0".."9"):
the digits' mass there is P(another digit), and the rest is P(end). So every prefix of an
in-range number needs one next-token read, and every prefix goes to the engine in one batch
(they share the persona context and the question, which the engine computes once; the
transformers engine packs the reads, a few tokens each, in one row),
and the distribution is exact for the in-range integers, conditioned on the answer being one of
them: nothing is sampled. Its mass before that conditioning is the answer's `raw_mass` (how much
of the model's probability went to an in-range whole number). Tokenizers that write numbers one
digit per token (SmolLM2, Llama 2, Mistral, Qwen) read exactly; a tokenizer with multi-digit
tokens loses their mass, which shows as a low `raw_mass`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chorus.engines import ChoiceDistribution, ChoiceRequest, Engine

DIGITS = tuple("0123456789")
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)


def _prefixes(labels: Sequence[str]) -> set[str]:
    """Every prefix whose next-token distribution an in-range number needs ("" to the whole)."""
    return {lab[:k] for lab in labels for k in range(len(lab) + 1)}


def digit_choice(engine: Engine, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
    """The distribution over each request's labels (integers written in digits), from one
    batched `engine.choice` over every prefix of every request's labels: the reads do not
    depend on each other, so one call computes each persona+question prefix once for all of
    its digit positions (a call per position would compute it once per position)."""
    todo = [(i, s) for i, r in enumerate(requests) for s in sorted(_prefixes(r.labels))]
    asked = [
        ChoiceRequest(
            prompt=requests[i].prompt.model_copy(
                update={"answer_prefix": requests[i].prompt.answer_prefix + s}
            ),
            labels=DIGITS,
        )
        for i, s in todo
    ]
    read = dict(zip(todo, engine.choice(asked), strict=True))
    out = []
    for i, r in enumerate(requests):
        mass = np.array([_path(read, i, lab) for lab in r.labels])
        total = float(mass.sum())
        probs = mass / total if total > 0 else np.full(len(mass), 1.0 / len(mass))
        out.append(
            ChoiceDistribution(
                labels=list(r.labels),
                probs=[float(p) for p in probs],
                raw_mass=total,
                method="next_token",
                unseen=[u for (j, _), d in read.items() if j == i for u in d.unseen][:10],
            )
        )
    return out


def _path(read: dict[tuple[int, str], ChoiceDistribution], i: int, label: str) -> float:
    """P(label's digits, then the end) from the next-token distributions after each prefix."""
    p = 1.0
    for k, digit in enumerate(label):
        dist = read[(i, label[:k])]
        p *= dist.raw_mass * dist.probs[DIGITS.index(digit)]
    return p * max(0.0, 1.0 - read[(i, label)].raw_mass)


def quantile(values: np.ndarray, p: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative probability reaches q (the median at q = 0.5)."""
    cdf = np.cumsum(p) / p.sum()
    return float(values[min(int(np.searchsorted(cdf, q - 1e-12)), len(values) - 1)])


def summary(values: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """Mean and quantiles (10, 25, 50 = median, 75, 90%) of a distribution over the values."""
    out = {"mean": float(p @ values / p.sum())}
    out.update({f"q{round(q * 100)}": quantile(values, p, q) for q in QUANTILES})
    return out


def median_difference(values: np.ndarray, p_sim: np.ndarray, p_hum: np.ndarray) -> dict[str, float]:
    """Simulated minus human median (of the weighted mean distributions), in the unit."""
    return {"median_diff": quantile(values, p_sim, 0.5) - quantile(values, p_hum, 0.5)}
