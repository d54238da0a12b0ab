"""Measures over any set of episodes: group agreement, unanimity on divisive questions, and the
exclusion analysis (Bakker et al. 2022), each with a bootstrap 95% interval over episodes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

from chorus.simulator.consensus.episode import NEUTRAL
from chorus.simulator.consensus.schema import Episode


class Estimate(BaseModel):
    value: float
    ci_low: float
    ci_high: float
    n: int


class ConsensusMeasures(BaseModel):
    episodes: int
    mean_agreement: Estimate  # per episode: mean final agreement (1..7), averaged
    min_agreement: Estimate  # per episode: the least-agreeing participant's agreement
    divisive_questions: int
    unanimity_on_divisive: Estimate | None  # share where everyone ends above neutral
    exclusion_effect: Estimate | None  # left-out minus included agreement (Likert points)


def bootstrap(values: Sequence[float], *, seed: int = 0, reps: int = 2000) -> Estimate:
    v = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = v[rng.integers(0, len(v), size=(reps, len(v)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return Estimate(value=float(v.mean()), ci_low=float(low), ci_high=float(high), n=len(v))


def measure(episodes: Sequence[Episode], *, seed: int = 0) -> ConsensusMeasures:
    if not episodes:
        raise ValueError("no episodes to measure")
    finals = [np.array(list(e.agreement.values())) for e in episodes]
    divisive = [f for e, f in zip(episodes, finals) if e.divisive]
    effects = [x.effect for e in episodes for x in e.exclusions]
    return ConsensusMeasures(
        episodes=len(episodes),
        mean_agreement=bootstrap([f.mean() for f in finals], seed=seed),
        min_agreement=bootstrap([f.min() for f in finals], seed=seed),
        divisive_questions=len(divisive),
        unanimity_on_divisive=(
            bootstrap([float((f > NEUTRAL).all()) for f in divisive], seed=seed)
            if divisive
            else None
        ),
        exclusion_effect=bootstrap(effects, seed=seed) if effects else None,
    )
