"""The four things a digital representative does, each one batched engine call.

Agreement is a distribution over the 7-point scale read from `engine.choice` (one forward pass,
no sampling); it is debiased for scale direction by also asking with the scale reversed and
averaging, as docs/measurement.md defines answer distributions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict

from chorus.core import derive_seed
from chorus.engines import ChoiceRequest, Engine, GenerateRequest
from chorus.simulator.consensus.representatives.representative import (
    LIKERT,
    TEMPLATES,
    DigitalRepresentative,
)

LIKERT_LABELS = tuple(str(k) for k in range(1, 8))
VOTE_LABELS = ("agree", "disagree", "pass")


class Ask(BaseModel):
    """One representative asked about one statement on one question."""

    model_config = ConfigDict(frozen=True)
    rep: DigitalRepresentative
    question: str
    statement: str
    opinion: str | None = None


class Critique(BaseModel):
    model_config = ConfigDict(frozen=True)
    rep: DigitalRepresentative
    question: str
    draft: str
    opinion: str | None = None


def write_opinions(
    engine: Engine,
    items: Sequence[tuple[DigitalRepresentative, str]],
    *,
    seed: int,
    max_tokens: int = 120,
    temperature: float = 0.8,
) -> list[str]:
    """Each (representative, question) -> the opinion the participant would write."""
    task = TEMPLATES.render("task_opinion.j2")
    requests = [
        GenerateRequest(
            prompt=rep.prompt(question, task),
            max_tokens=max_tokens,
            temperature=temperature,
            stop=("\n\n",),
            seed=derive_seed(seed, "opinion", rep.participant_id, question),
        )
        for rep, question in items
    ]
    return [_clean(g.texts[0]) for g in engine.generate(requests)]


def write_critiques(
    engine: Engine,
    items: Sequence[Critique],
    *,
    seed: int,
    max_tokens: int = 100,
    temperature: float = 0.8,
) -> list[str]:
    """Each representative's critique of a draft statement."""
    requests = [
        GenerateRequest(
            prompt=it.rep.prompt(
                it.question,
                TEMPLATES.render("task_critique.j2", draft=it.draft),
                opinion=it.opinion,
            ),
            max_tokens=max_tokens,
            temperature=temperature,
            stop=("\n\n",),
            seed=derive_seed(seed, "critique", it.rep.participant_id, it.question, it.draft),
        )
        for it in items
    ]
    return [_clean(g.texts[0]) for g in engine.generate(requests)]


def agreement(engine: Engine, items: Sequence[Ask], *, debias: bool = True) -> np.ndarray:
    """-> array (len(items), 7): probability of each Likert point 1..7 (1 = strongly disagree)."""
    scales = [LIKERT, LIKERT[::-1]] if debias else [LIKERT]
    requests = [
        ChoiceRequest(
            prompt=it.rep.prompt(
                it.question,
                TEMPLATES.render("task_agreement.j2", statement=it.statement, scale=scale),
                opinion=it.opinion,
                answer_prefix="Answer:",
            ),
            labels=LIKERT_LABELS,
        )
        for it in items
        for scale in scales  # both directions of one item are neighbours: same prefix
    ]
    probs = choice_probs(engine, requests).reshape(len(items), len(scales), 7)
    if debias:
        probs[:, 1] = probs[:, 1, ::-1]  # point k of the reversed scale is point 8-k
    return probs.mean(axis=1)


def expected_agreement(probs: np.ndarray) -> np.ndarray:
    """Mean Likert point (1..7) of distributions over the last axis."""
    return probs @ np.arange(1, 8, dtype=float)


def votes(engine: Engine, items: Sequence[Ask]) -> np.ndarray:
    """-> array (len(items), 3): probability of agree, disagree, pass."""
    requests = [
        ChoiceRequest(
            prompt=it.rep.prompt(
                it.question,
                TEMPLATES.render("task_vote.j2", statement=it.statement),
                opinion=it.opinion,
                answer_prefix="Vote:",
            ),
            labels=VOTE_LABELS,
        )
        for it in items
    ]
    return choice_probs(engine, requests)


def choice_probs(engine: Engine, requests: Sequence[ChoiceRequest]) -> np.ndarray:
    """One engine.choice call over the distinct requests (repeats are asked once)."""
    unique = list(dict.fromkeys(requests))
    dists = engine.choice(unique)
    row = {req: np.asarray(d.probs) for req, d in zip(unique, dists)}
    return np.stack([row[r] for r in requests]) if requests else np.zeros((0, 0))


def _clean(text: str) -> str:
    return text.strip().strip('"').strip()
