"""Personalised reward models: each participant's agreement with each statement.

The default reads it from the participant's digital representative (a 7-point distribution via
engine.choice). A trained reward model plugs in by implementing `RewardModel.agreement`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

import numpy as np

from chorus.engines import Engine
from chorus.simulator.consensus.representatives import Ask, DigitalRepresentative, agreement


class RewardModel(Protocol):
    name: str

    def agreement(
        self,
        question: str,
        panel: Sequence[DigitalRepresentative],
        opinions: Mapping[str, str | None],
        statements: Sequence[str],
    ) -> np.ndarray:
        """-> (participants, statements, 7): distribution over Likert points 1..7."""
        ...


class RepresentativeReward:
    """Agreement as each participant's DR predicts it, all pairs in one engine.choice call."""

    name = "representative"

    def __init__(self, engine: Engine, *, debias: bool = True) -> None:
        self.engine = engine
        self.debias = debias

    def agreement(
        self,
        question: str,
        panel: Sequence[DigitalRepresentative],
        opinions: Mapping[str, str | None],
        statements: Sequence[str],
    ) -> np.ndarray:
        # participant-major: one DR's requests share its context as a prefix
        items = [
            Ask(rep=rep, question=question, statement=s, opinion=opinions.get(rep.participant_id))
            for rep in panel
            for s in statements
        ]
        probs = agreement(self.engine, items, debias=self.debias)
        return probs.reshape(len(panel), len(statements), 7)
