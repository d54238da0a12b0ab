"""Choice distributions from a server's top log-probabilities (openai and vllm engines).

Servers return only the K most likely first tokens. Label spellings outside them are scored with
the engine's loglik where the server can score a given continuation (vLLM's prompt_logprobs, a
completions server's `echo`), so the distribution stays exact. Where it cannot (chat APIs,
llama.cpp's server), the distribution is renormalised over the labels seen and says which labels
were unseen and how much probability each could at most have had (the K-th top probability).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chorus.engines.labels import label_spellings
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceMethod,
    ChoiceRequest,
    Loglik,
    LoglikRequest,
)

LoglikFn = Callable[[list[LoglikRequest]], list[Loglik]]


def choice_from_top(
    requests: Sequence[ChoiceRequest],
    tops: Sequence[dict[str, float]],
    loglik: LoglikFn | None,
    tokenizer: Any | None = None,
) -> list[ChoiceDistribution]:
    """`tops[i]`: decoded token -> log-probability at request i's answer position. A label's
    probability sums its spellings (engines.labels). `loglik=None`: the server cannot score
    spellings outside the top list."""
    logps = [np.full(len(r.labels), -np.inf) for r in requests]
    missing: list[tuple[int, int, str]] = []
    for i, req in enumerate(requests):
        for j, lab in enumerate(req.labels):
            for spelling in label_spellings(tokenizer, lab):
                if spelling in tops[i]:
                    logps[i][j] = np.logaddexp(logps[i][j], tops[i][spelling])
                else:
                    missing.append((i, j, spelling))
    if missing and loglik is not None:
        lls = loglik(
            [LoglikRequest(prompt=requests[i].prompt, continuation=s) for i, _, s in missing]
        )
        for (i, j, _), ll in zip(missing, lls):
            logps[i][j] = np.logaddexp(logps[i][j], ll.logprob)
    fell_back: dict[int, set[int]] = {}
    for i, j, _ in missing:
        fell_back.setdefault(i, set()).add(j)
    if loglik is not None:
        return [
            _exact(req, lp, len(fell_back.get(i, ())))
            for i, (req, lp) in enumerate(zip(requests, logps))
        ]
    return [_partial(req, lp, tops[i]) for i, (req, lp) in enumerate(zip(requests, logps))]


def _exact(req: ChoiceRequest, lp: np.ndarray, n_fallback: int) -> ChoiceDistribution:
    total = np.logaddexp.reduce(lp)
    probs = np.exp(lp - total)
    method: ChoiceMethod = (
        "next_token" if n_fallback == 0 else "loglik" if n_fallback == len(req.labels) else "mixed"
    )
    return ChoiceDistribution(
        labels=list(req.labels),
        probs=[float(p) for p in probs / probs.sum()],
        raw_mass=float(math.exp(total)),
        method=method,
    )


def _partial(req: ChoiceRequest, lp: np.ndarray, top: dict[str, float]) -> ChoiceDistribution:
    """Labels with no spelling in the top list get 0 (their spellings seen still count)."""
    seen = np.isfinite(lp)
    unseen = [lab for lab, s in zip(req.labels, seen) if not s]
    floor = math.exp(min(top.values())) if top else 1.0
    if not seen.any():
        n = len(req.labels)
        return ChoiceDistribution(
            labels=list(req.labels),
            probs=[1.0 / n] * n,
            raw_mass=0.0,
            method="top_k_none",
            unseen=unseen,
            unseen_max_prob=floor,
        )
    total = np.logaddexp.reduce(lp[seen])
    probs = np.where(seen, np.exp(lp - total), 0.0)
    return ChoiceDistribution(
        labels=list(req.labels),
        probs=[float(p) for p in probs / probs.sum()],
        raw_mass=float(math.exp(total)),
        method="top_k_partial" if unseen else "next_token",
        unseen=unseen,
        unseen_max_prob=floor if unseen else 0.0,
    )
