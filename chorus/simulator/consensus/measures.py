"""Measures over any set of episodes: group agreement, unanimity on divisive questions, the
exclusion analysis (Bakker et al. 2022), each with a bootstrap 95% interval over episodes, and
the perception pre-test's shift (interval over representatives x episodes)."""

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


class PerceptionShift(BaseModel):
    """One group's picture of the out-group on one item, before and after the statement: errors
    are perceived minus the real out-group's own mean (a simulated pre-test: the representatives
    answer, not people). A shift is |error after| - |error before| per representative and
    episode: below 0, the statement brought the picture closer to the real out-group."""

    group: str  # who perceives
    about: str  # the out-group
    question: str
    actual: float
    error_before: Estimate
    error_winner: Estimate
    error_runner_up: Estimate | None  # the control: the runner-up statement instead
    shift_winner: Estimate
    shift_runner_up: Estimate | None


class ConsensusMeasures(BaseModel):
    episodes: int
    mean_agreement: Estimate  # per episode: mean final agreement (1..7), averaged
    min_agreement: Estimate  # per episode: the least-agreeing participant's agreement
    divisive_questions: int
    unanimity_on_divisive: Estimate | None  # share where everyone ends above neutral
    exclusion_effect: Estimate | None  # left-out minus included agreement (Likert points)
    perception_shift: list[PerceptionShift] = []
    # perception answers on items whose out-group has no answers in the human data
    perception_left_out: int = 0


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
        perception_shift=perception_shifts(episodes, seed=seed),
        perception_left_out=sum(
            a.actual is None for e in episodes if e.perception for a in e.perception.answers
        ),
    )


def perception_shifts(episodes: Sequence[Episode], *, seed: int = 0) -> list[PerceptionShift]:
    """Per (group, out-group, item): errors before/after and the shifts, over the units
    (representative x episode) that answered both before and after the winner."""
    by_unit: dict[tuple[str, str, str], dict[tuple[int, str], dict[str, float]]] = {}
    actual: dict[tuple[str, str, str], float] = {}
    for i, e in enumerate(episodes):
        for a in e.perception.answers if e.perception else ():
            if a.actual is None:
                continue
            key = (a.group, a.about, a.question_id)
            actual[key] = a.actual
            by_unit.setdefault(key, {}).setdefault((i, a.participant_id), {})[a.condition] = (
                a.value - a.actual
            )
    out = []
    for key, units in by_unit.items():
        paired = [u for u in units.values() if "before" in u and "winner" in u]
        if not paired:
            continue
        control = [u for u in paired if "runner_up" in u]
        group, about, qid = key
        out.append(
            PerceptionShift(
                group=group, about=about, question=qid, actual=actual[key],
                error_before=bootstrap([u["before"] for u in paired], seed=seed),
                error_winner=bootstrap([u["winner"] for u in paired], seed=seed),
                error_runner_up=(
                    bootstrap([u["runner_up"] for u in control], seed=seed) if control else None
                ),
                shift_winner=bootstrap(
                    [abs(u["winner"]) - abs(u["before"]) for u in paired], seed=seed
                ),
                shift_runner_up=(
                    bootstrap([abs(u["runner_up"]) - abs(u["before"]) for u in control], seed=seed)
                    if control
                    else None
                ),
            )
        )  # fmt: skip
    return sorted(out, key=lambda x: (x.group, x.question))
