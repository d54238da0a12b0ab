"""The mediator: writes N candidate group statements, each from its own prompt in which the
participants' texts appear in a fresh random order (so no one is always first or last)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from chorus.core import Templates, derive_seed
from chorus.engines import Engine, GenerateRequest, Prompt

TEMPLATES = Templates(Path(__file__).parent / "templates", trim_blocks=True, untrusted=True)


class MediatorSettings(BaseModel):
    model_config = ConfigDict(frozen=True)
    max_tokens: int = Field(default=160, ge=8)
    temperature: float = Field(default=1.0, ge=0.0)
    top_p: float = Field(default=0.95, gt=0.0, le=1.0)
    # what the survey says about the panel (panel_summary.py), shown in every prompt when given
    panel: str | None = None


class Draft(BaseModel):
    """What one candidate's prompt showed: whose texts, in which order."""

    order: list[str]  # participant ids in the order their opinions appear
    seed: int
    prompt: list[dict[str, str]]  # the chat messages sent


class Candidate(Draft):
    text: str
    finish_reason: str


def draft_requests(
    question: str,
    opinions: dict[str, str],
    n: int,
    *,
    seed: int,
    tag: str,
    settings: MediatorSettings,
    draft: str | None = None,
    critiques: dict[str, str] | None = None,
) -> list[tuple[Draft, GenerateRequest]]:
    """N requests (initial statements, or revisions when `draft` is given); `tag` names the
    step (round, exclusion) so every step draws its own orders and seeds."""
    ids = list(opinions)
    out = []
    for k in range(n):
        rng = np.random.default_rng(derive_seed(seed, tag, "order", k))
        order = [ids[i] for i in rng.permutation(len(ids))]
        values = {
            "question": question,
            "opinions": [opinions[p] for p in order],
            "panel": settings.panel,
        }
        if draft is None:
            user = TEMPLATES.render("mediator_initial.j2", **values)
        else:
            crit = critiques or {}
            user = TEMPLATES.render(
                "mediator_revision.j2",
                **values,
                draft=draft,
                critiques=[crit[p] for p in order if p in crit],
            )
        prompt = Prompt.chat(("system", TEMPLATES.render("mediator_system.txt")), ("user", user))
        s = derive_seed(seed, tag, "candidate", k)
        request = GenerateRequest(
            prompt=prompt,
            max_tokens=settings.max_tokens,
            temperature=settings.temperature,
            top_p=settings.top_p,
            stop=("\n\n",),
            seed=s,
        )
        record = Draft(order=order, seed=s, prompt=[m.model_dump() for m in prompt.messages or ()])
        out.append((record, request))
    return out


def write_candidates(
    engine: Engine, batches: Sequence[list[tuple[Draft, GenerateRequest]]]
) -> list[list[Candidate]]:
    """Runs every batch's requests in one engine.generate call."""
    flat = [pair for batch in batches for pair in batch]
    gens = engine.generate([req for _, req in flat])
    made = [
        Candidate(**d.model_dump(), text=g.texts[0].strip(), finish_reason=g.finish_reasons[0])
        for (d, _), g in zip(flat, gens)
    ]
    out, pos = [], 0
    for batch in batches:
        out.append(made[pos : pos + len(batch)])
        pos += len(batch)
    return out
