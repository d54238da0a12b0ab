"""What one consensus episode records (JSON), plus the run's settings."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chorus.simulator.consensus.mediator import Candidate, MediatorSettings
from chorus.simulator.consensus.questions import Question
from chorus.simulator.consensus.sanitize import TextFlag


class ConsensusConfig(BaseModel):
    model_config = ConfigDict(frozen=True)
    candidates: int = Field(default=16, ge=1)
    rounds: int = Field(default=2, ge=1)  # 1 = no critique round
    swf: str = "utilitarian"
    exclusions: int = Field(default=0, ge=0)  # participants left out, one at a time, per question
    seed: int = 0
    debias: bool = True
    mediator: MediatorSettings = MediatorSettings()
    opinion_tokens: int = Field(default=120, ge=8)
    critique_tokens: int = Field(default=100, ge=8)
    dr_temperature: float = Field(default=0.8, ge=0.0)


class OpinionRecord(BaseModel):
    participant_id: str
    source: str  # "human" (from the questions file) or "representative"
    raw: str
    text: str  # what the mediator and the representatives saw: normalised, delimiters escaped
    flagged: bool = False  # looks like an attempt to instruct the model; shown all the same


class RoundRecord(BaseModel):
    round: int
    kind: str  # "initial" or "revision"
    candidates: list[Candidate]
    utilities: list[list[float]]  # participants x candidates, expected Likert agreement
    welfare: list[float]
    winner: int
    critiques: dict[str, str] = Field(default_factory=dict)  # critiques shown to this round


class ExclusionRecord(BaseModel):
    """Candidates written without one participant's opinion, chosen by the others' utilities."""

    excluded: str
    candidates: list[Candidate]
    utilities: list[list[float]]
    welfare: list[float]
    winner: int
    excluded_agreement: float
    included_agreement: float  # mean over the others

    @property
    def effect(self) -> float:
        return self.excluded_agreement - self.included_agreement


Condition = Literal["before", "winner", "runner_up"]


class PerceptionAnswer(BaseModel):
    """One representative's expected answer to one out-group item under one condition."""

    participant_id: str
    group: str  # the representative's own group (who perceives)
    question_id: str
    about: str  # the out-group asked about
    condition: Condition
    value: float  # expected answer on the question's option values
    actual: float | None  # the real out-group's own mean answer (None: not in the human data)


class PerceptionCheck(BaseModel):
    """What an episode's perception pre-test showed and what came back."""

    statements: dict[str, str]  # condition -> the statement shown (winner, runner_up)
    endorsed: dict[str, str]  # condition -> who on the panel endorsed it, in words
    answers: list[PerceptionAnswer]


class Episode(BaseModel):
    question: Question
    participants: list[str]
    swf: str
    seed: int
    opinions: list[OpinionRecord]
    positions: dict[str, float] = Field(default_factory=dict)  # agreement with the proposition
    divisive: bool | None
    rounds: list[RoundRecord]
    statement: str  # the final winner
    agreement: dict[str, float]  # final expected agreement per participant
    agreement_probs: dict[str, list[float]]  # final Likert distribution per participant
    exclusions: list[ExclusionRecord] = Field(default_factory=list)
    # each representative's context: the shared first part of all its prompts on this question
    contexts: dict[str, str] = Field(default_factory=dict)
    engine: dict[str, str] = Field(default_factory=dict)
    prompts_hash: str = ""
    # suspicious participant-written or -derived texts (recorded, never withheld)
    flags: list[TextFlag] = Field(default_factory=list)
    sections: list[str] = Field(default_factory=list)  # the representatives' prompt sections
    # the mediator's view of the panel (positions, perception gaps), when it was given one
    panel_summary: str | None = None
    # the perception pre-test after the episode (consensus.perception_shift)
    perception: PerceptionCheck | None = None
