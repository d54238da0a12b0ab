"""Choice distributions from a server's top log-probabilities (openai and vllm engines).

Servers return only the k most likely first tokens; labels outside them are scored with the
engine's loglik, so the distribution stays exact, at the cost of one more request.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from engines.labels import label_spellings
from engines.types import ChoiceDistribution, ChoiceRequest, Loglik, LoglikRequest


def choice_from_top(
    requests: Sequence[ChoiceRequest],
    tops: Sequence[dict[str, float]],
    loglik: Callable[[list[LoglikRequest]], list[Loglik]],
    tokenizer: Any | None = None,
) -> list[ChoiceDistribution]:
    """`tops[i]`: decoded token -> log-probability at request i's answer position. A label's
    probability sums its spellings (engines.labels); spellings outside the top list are
    scored with loglik."""
    logps = [np.full(len(r.labels), -np.inf) for r in requests]
    missing: list[tuple[int, int, str]] = []
    for i, req in enumerate(requests):
        for j, lab in enumerate(req.labels):
            for spelling in label_spellings(tokenizer, lab):
                if spelling in tops[i]:
                    logps[i][j] = np.logaddexp(logps[i][j], tops[i][spelling])
                else:
                    missing.append((i, j, spelling))
    if missing:
        lls = loglik([LoglikRequest(prompt=requests[i].prompt, continuation=s) for i, _, s in missing])
        for (i, j, _), ll in zip(missing, lls):
            logps[i][j] = np.logaddexp(logps[i][j], ll.logprob)
    fell_back: dict[int, int] = {}
    for i, j in {(i, j) for i, j, _ in missing}:
        fell_back[i] = fell_back.get(i, 0) + 1
    out = []
    for i, (req, lp) in enumerate(zip(requests, logps)):
        total = np.logaddexp.reduce(lp)
        probs = np.exp(lp - total)
        n_fb = fell_back.get(i, 0)
        method = "next_token" if n_fb == 0 else "loglik" if n_fb == len(req.labels) else "mixed"
        out.append(
            ChoiceDistribution(
                labels=list(req.labels),
                probs=[float(p) for p in probs / probs.sum()],
                raw_mass=float(math.exp(total)),
                method=method,
            )
        )
    return out
