"""What diagnostics.json records about a match (a pydantic model: it crosses a file boundary)."""

from __future__ import annotations

from collections import Counter

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from chorus.matching.weights import LogWeights


class PersonaReuse(BaseModel):
    model_config = ConfigDict(extra="forbid")
    distinct_personas: int
    reused_personas: int  # used by more than one pair (only greedy-replace reuses)
    max_uses: int
    mean_uses: float  # pairs per distinct persona
    uses_histogram: dict[str, int]  # "uses" -> number of personas used that often


class Certificate(BaseModel):
    """How the Hungarian result is known to be optimal for the full (dense) problem."""

    model_config = ConfigDict(extra="forbid")
    solver: str  # dense: linear_sum_assignment; sparse: top-k graph + LAPJVsp + LP duals
    certified: bool
    gap_bound: float  # the dense optimum's total log-weight exceeds this match's by at most this
    rounds: int
    edges: int
    k_max: int
    dense_gap: float | None = None  # measured against a dense solve, when requested


class MatchDiagnostics(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: str
    n_respondents: int
    n_personas: int
    personas_per_respondent: int
    n_pairs: int
    total_log_weight: float
    mean_log_weight: float
    # Per trait: share of pairs (whose respondent answered it) where the persona's most likely
    # category is the respondent's category; null when no respondent answered the trait.
    trait_agreement: dict[str, float | None]
    trait_answered: dict[str, int]  # respondents who answered each trait
    persona_reuse: PersonaReuse
    unmatched_respondents: list[str]  # ids of respondents without any persona
    certificate: Certificate | None = None
    trait_weights: dict[str, float]
    eps: float
    seed: int
    seconds: float


def describe(
    model: LogWeights,
    method: str,
    respondent: NDArray[np.int64],
    persona: NDArray[np.int64],
    log_weight: NDArray[np.float64],
    per_respondent: int,
    respondent_ids: list[str],
    seed: int,
    seconds: float,
    certificate: Certificate | None = None,
) -> MatchDiagnostics:
    agreement: dict[str, float | None] = {}
    answered: dict[str, int] = {}
    for t, trait in enumerate(model.traits):
        codes = model.codes[t, respondent]
        has = codes < model.n_categories[t]
        answered[trait] = int(np.count_nonzero(model.codes[t] < model.n_categories[t]))
        agreement[trait] = (
            float(np.mean(model.modal[t, persona[has]] == codes[has])) if has.any() else None
        )
    uses = np.bincount(persona, minlength=1)
    uses = uses[uses > 0]
    matched = np.zeros(model.n_respondents, dtype=bool)
    matched[respondent] = True
    return MatchDiagnostics(
        method=method,
        n_respondents=model.n_respondents,
        n_personas=model.n_personas,
        personas_per_respondent=per_respondent,
        n_pairs=int(persona.size),
        total_log_weight=float(log_weight.sum()),
        mean_log_weight=float(log_weight.mean()) if log_weight.size else 0.0,
        trait_agreement=agreement,
        trait_answered=answered,
        persona_reuse=PersonaReuse(
            distinct_personas=int(uses.size),
            reused_personas=int(np.count_nonzero(uses > 1)),
            max_uses=int(uses.max(initial=0)),
            mean_uses=float(uses.mean()) if uses.size else 0.0,
            uses_histogram={str(k): v for k, v in sorted(Counter(uses.tolist()).items())},
        ),
        unmatched_respondents=[respondent_ids[h] for h in np.flatnonzero(~matched)],
        certificate=certificate,
        trait_weights=dict(model.weights),
        eps=model.eps,
        seed=seed,
        seconds=seconds,
    )
