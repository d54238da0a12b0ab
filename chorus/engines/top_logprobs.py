"""Choice distributions from a server's top log-probabilities (openai and vllm engines).

Servers return only the K most likely first tokens. A label's probability sums its spellings
(engines.labels); a spelling outside the top-K has at most the K-th probability p_K (one of
several tokens: at most its first token's, where that is listed), so the spellings left out of
request i can hold at most m = the sum of those (their count x p_K for one-token spellings), and
no renormalised label probability can move by more than m / (S + m), S being the mass of the
spellings seen.
That is the distribution's `error_bound`. Where it is below `tolerance` the distribution is
used as it is; otherwise the missing spellings are scored with the engine's loglik where the
server can score a given continuation (vLLM's prompt_logprobs, a completions server's `echo`),
which makes it exact (bound 0). Where it cannot (chat APIs, a server refusing echo), the
distribution is renormalised over the spellings seen, keeps its bound, and counts as incomplete.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from chorus.engines.errors import EngineOptionError, EngineRequestError
from chorus.engines.labels import label_spellings
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceMethod,
    ChoiceRequest,
    Loglik,
    LoglikRequest,
)

if TYPE_CHECKING:
    import numpy as np

LoglikFn = Callable[[list[LoglikRequest]], list[Loglik]]
# top log-probabilities chorus asks a server for (vLLM's --max-logprobs must allow it; a lower
# cap is read from the server's refusal and used instead). With persona stories as context the
# 100th probability still leaves bounds up to ~2e-3 on the embedded model; the 1000th does not.
TOP_LOGPROBS = 1000
DEFAULT_TOLERANCE = 1e-4
MAX_TOLERANCE = 0.1


def check_tolerance(tolerance: float) -> float:
    if not 0.0 < tolerance <= MAX_TOLERANCE:
        raise EngineOptionError(
            f"--logprob-tolerance {tolerance!r} is outside (0, {MAX_TOLERANCE}]: it is the most "
            "any answer probability may differ from the exact one when a label's rarer spelling "
            f"is not among the server's top log-probabilities (default {DEFAULT_TOLERANCE:g})"
        )
    return tolerance


@dataclass
class _Pending:
    """One request's label log-probabilities from the top list, and what it left out."""

    logps: np.ndarray  # per label: log of the summed probability of its spellings seen
    missing: list[tuple[int, str]] = field(default_factory=list)  # (label index, spelling)
    bound: float = 0.0  # how far any renormalised probability can be from exact
    floor: float = 1.0  # the K-th top probability: the most an unseen spelling can have


def choice_from_top(
    requests: Sequence[ChoiceRequest],
    tops: Sequence[dict[str, float]],
    loglik: LoglikFn | None,
    tokenizer: Any | None = None,
    tolerance: float = 0.0,
) -> list[ChoiceDistribution]:
    """`tops[i]`: decoded token -> log-probability at request i's answer position.
    `loglik=None`: the server cannot score spellings outside the top list. `tolerance` 0: score
    every missing spelling. A loglik failure raises EngineRequestError whose `completed` holds
    the distributions (by request position) that were finished anyway."""
    pending = [_read(req, top, tokenizer) for req, top in zip(requests, tops)]
    todo = [i for i, p in enumerate(pending) if p.missing and p.bound >= tolerance]
    if loglik is None or not todo:
        return [_finish(req, p, False, tolerance) for req, p in zip(requests, pending)]
    asks = [(i, j, s) for i in todo for j, s in pending[i].missing]
    try:
        lls = loglik([LoglikRequest(prompt=requests[i].prompt, continuation=s) for i, _, s in asks])
    except EngineRequestError as exc:
        scored = {
            i for i in todo if all(k in exc.completed for k, a in enumerate(asks) if a[0] == i)
        }
        _add(pending, asks, exc.completed)
        exc.completed = {
            i: _finish(req, p, i in scored, tolerance)
            for i, (req, p) in enumerate(zip(requests, pending))
            if i not in todo or i in scored
        }
        raise
    _add(pending, asks, dict(enumerate(lls)))
    return [
        _finish(req, p, i in todo, tolerance) for i, (req, p) in enumerate(zip(requests, pending))
    ]


def _read(req: ChoiceRequest, top: dict[str, float], tokenizer: Any | None) -> _Pending:
    import numpy as np  # on use: the CLI imports this module (spec.py) at start

    p = _Pending(logps=np.full(len(req.labels), -np.inf))
    for j, lab in enumerate(req.labels):
        for spelling in label_spellings(tokenizer, lab):
            if spelling in top:
                p.logps[j] = np.logaddexp(p.logps[j], top[spelling])
            else:
                p.missing.append((j, spelling))
    if p.missing:
        p.floor = math.exp(min(top.values())) if top else 1.0
        unseen = sum(_most(s, top, p.floor, tokenizer) for _, s in p.missing)
        seen = float(np.exp(np.logaddexp.reduce(p.logps)))
        p.bound = min(1.0, unseen / (seen + unseen))
    return p


def _most(spelling: str, top: dict[str, float], floor: float, tokenizer: Any | None) -> float:
    """The most probability a spelling outside the top list can have: the K-th probability, or
    for a spelling of several tokens its first token's, where that is in the list. Without a
    tokenizer, any listed token that begins the spelling (bare whitespace aside) counts."""
    if tokenizer is not None:
        ids = tokenizer.encode(spelling, add_special_tokens=False)
        firsts = [tokenizer.decode(ids[:1])] if len(ids) > 1 else []
    else:
        firsts = [t for t in top if t.strip() and t != spelling and spelling.startswith(t)]
    return max([floor, *(math.exp(top[t]) for t in firsts if t in top)])


def _add(pending: list[_Pending], asks: list[tuple[int, int, str]], lls: dict[int, Loglik]) -> None:
    import numpy as np

    for k, ll in lls.items():
        i, j, _ = asks[k]
        pending[i].logps[j] = np.logaddexp(pending[i].logps[j], ll.logprob)


def _finish(req: ChoiceRequest, p: _Pending, scored: bool, tolerance: float) -> ChoiceDistribution:
    """`scored`: the missing spellings were scored with loglik (exact)."""
    import numpy as np

    exact = scored or not p.missing
    fell_back = {j for j, _ in p.missing} if scored else set()
    method: ChoiceMethod = "next_token"
    if fell_back:
        method = "loglik" if len(fell_back) == len(req.labels) else "mixed"
    seen = np.isfinite(p.logps)
    unseen = [lab for lab, s in zip(req.labels, seen) if not s]
    if not seen.any():  # no spelling of any label in the top list, none scored
        n = len(req.labels)
        return ChoiceDistribution(
            labels=list(req.labels),
            probs=[1.0 / n] * n,
            raw_mass=0.0,
            method="top_k_none",
            unseen=unseen,
            unseen_max_prob=p.floor,
            error_bound=1.0,
        )
    total = np.logaddexp.reduce(p.logps[seen])
    probs = np.where(seen, np.exp(p.logps - total), 0.0)
    if not exact and p.bound >= tolerance:
        method = "top_k_partial"
    return ChoiceDistribution(
        labels=list(req.labels),
        probs=[float(x) for x in probs / probs.sum()],
        raw_mass=float(math.exp(total)),
        method=method,
        unseen=[] if exact else unseen,
        unseen_max_prob=0.0 if exact else p.floor,
        error_bound=0.0 if exact else p.bound,
    )
