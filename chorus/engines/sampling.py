"""Drawing generated tokens: one per row with the row's own generator, so a sample never depends
on the batch it ran in (engines.transformers_engine's decode loop), and where stop strings cut."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from chorus.engines.types import GenerateRequest


def find_stop(text: str, stops: Sequence[str]) -> int:
    """Where the first stop string starts in `text` (-1: none)."""
    hits = [text.find(s) for s in stops if s and s in text]
    return min(hits) if hits else -1


def draw_rows(
    logits: torch.Tensor, reqs: Sequence[GenerateRequest], gens: Sequence[torch.Generator]
) -> list[tuple[int, float]]:
    """One token per row by inverse-CDF sampling with the row's own generator (one uniform per
    row per step, so a row never depends on its batch); returns each token and its
    log-probability under the unmodified model distribution. Full-vocabulary rows walk the CDF
    in vocabulary order, so only nucleus (top_p < 1) rows pay for a sort."""
    base = torch.log_softmax(logits, dim=-1)
    temps = torch.tensor([r.temperature or 1.0 for r in reqs], dtype=torch.float64)
    probs = torch.softmax(logits.double() / temps[:, None], dim=-1)
    cum = torch.cumsum(probs, dim=-1)
    drawn = []
    for row, (req, gen) in enumerate(zip(reqs, gens)):
        if req.temperature == 0.0:
            tok = int(base[row].argmax())
        elif req.top_p < 1.0:
            tok = nucleus(probs[row], req.top_p, gen)
        else:
            u = torch.rand((), generator=gen, dtype=torch.float64) * cum[row, -1]
            tok = min(int(torch.searchsorted(cum[row], u, right=True)), cum.shape[1] - 1)
        drawn.append((tok, float(base[row, tok])))
    return drawn


def nucleus(probs: torch.Tensor, top_p: float, gen: torch.Generator) -> int:
    """A draw from the smallest set of tokens whose probability reaches `top_p`."""
    sorted_p, order = torch.sort(probs, descending=True)
    cum = torch.cumsum(sorted_p, dim=0)
    cutoff = int(torch.searchsorted(cum, torch.tensor(top_p, dtype=cum.dtype))) + 1
    cum, order = cum[:cutoff], order[:cutoff]
    u = torch.rand((), generator=gen, dtype=torch.float64) * cum[-1]
    return int(order[min(int(torch.searchsorted(cum, u, right=True)), len(order) - 1)])
