"""Choice distributions from a server's top log-probabilities (openai and vllm engines).

Servers return only the k most likely first tokens; labels outside them are scored with the
engine's loglik, so the distribution stays exact, at the cost of one more request.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from engines.types import ChoiceDistribution, ChoiceRequest, Loglik, LoglikRequest


def choice_from_top(
    requests: Sequence[ChoiceRequest],
    tops: Sequence[dict[str, float]],
    loglik: Callable[[list[LoglikRequest]], list[Loglik]],
) -> list[ChoiceDistribution]:
    """`tops[i]`: decoded token -> log-probability at request i's answer position."""
    logps: list[np.ndarray] = []
    missing: list[tuple[int, int]] = []
    for i, req in enumerate(requests):
        lp = np.full(len(req.labels), -np.inf)
        for j, lab in enumerate(req.labels):
            found = [tops[i][v] for v in (lab, " " + lab) if v in tops[i]]
            if found:
                lp[j] = np.logaddexp.reduce(found)
            else:
                missing.append((i, j))
        logps.append(lp)
    if missing:
        lls = loglik(
            [LoglikRequest(prompt=requests[i].prompt, continuation=requests[i].labels[j]) for i, j in missing]
        )
        for (i, j), ll in zip(missing, lls):
            logps[i][j] = ll.logprob
    fell_back: dict[int, int] = {}
    for i, _ in missing:
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
