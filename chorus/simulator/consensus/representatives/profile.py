"""What a digital representative knows about its participant (Jarrett et al.'s sections)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

if TYPE_CHECKING:  # a persona arrives from surveys; importing it here would load pandas
    from chorus.surveys import Persona

Vote = Literal["agree", "disagree", "pass"]


class Section(str, Enum):
    """The prompt sections a representative can be configured with."""

    BASE = "base"  # question under debate, the participant's opinion, the draft to critique
    D = "D"  # demographics
    O = "O"  # noqa: E741 - Jarrett et al.'s name: opinions on other questions
    C = "C"  # critiques on other questions
    P = "P"  # positions on other questions
    M = "M"  # perceptions: how the participant said their own and the other group would answer
    BACKSTORY = "backstory"  # a persona's life story

    @classmethod
    def parse(cls, spec: str) -> frozenset[Section]:
        """'base,D,O' -> sections; Base is always included (every task needs the question)."""
        by_name = {s.value.lower(): s for s in cls}
        names = [n.strip() for n in spec.split(",") if n.strip()]
        unknown = [n for n in names if n.lower() not in by_name]
        if unknown:
            raise ValueError(
                f"unknown DR section(s) {unknown}: use any of {[s.value for s in cls]}"
            )
        return frozenset({cls.BASE, *(by_name[n.lower()] for n in names)})


ALL_SECTIONS: frozenset[Section] = frozenset(Section)


class OpinionItem(BaseModel):
    """O: what the participant said, how they voted, or what they answered in a survey, on
    another question or statement."""

    model_config = ConfigDict(frozen=True)
    question: str = Field(min_length=1)
    opinion: str | None = None
    vote: Vote | None = None
    answer: str | None = None  # a survey answer (the option's text)
    # how sure a persona was of `answer` (its probability); None: a real person's answer
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _one_form(self) -> OpinionItem:
        if sum(x is not None for x in (self.opinion, self.vote, self.answer)) != 1:
            raise ValueError(
                "an O item needs exactly one of `opinion` (text), `vote` or `answer` (survey)"
            )
        if self.confidence is not None and self.answer is None:
            raise ValueError("`confidence` belongs to an `answer`")
        return self


class PerceptionItem(BaseModel):
    """M: how the participant said most of a group (their own or the other) would answer."""

    model_config = ConfigDict(frozen=True)
    question: str = Field(min_length=1)
    group: str = Field(min_length=1)  # plural, as in "Democrats"
    own_group: bool  # the participant's in-group (else the out-group)
    answer: str = Field(min_length=1)
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class CritiqueItem(BaseModel):
    """C: the participant's critique of a draft statement on another question."""

    model_config = ConfigDict(frozen=True)
    question: str = Field(min_length=1)
    draft: str = Field(min_length=1)
    critique: str = Field(min_length=1)


class PositionItem(BaseModel):
    """P: the participant's 7-point agreement with a statement on another question."""

    model_config = ConfigDict(frozen=True)
    statement: str = Field(min_length=1)
    agreement: int = Field(ge=1, le=7)


class ParticipantProfile(BaseModel):
    """Everything known about one participant (a real person or a persona)."""

    model_config = ConfigDict(frozen=True)
    participant_id: str = Field(min_length=1)
    demographics: dict[str, str] = Field(default_factory=dict)
    opinions: tuple[OpinionItem, ...] = ()
    critiques: tuple[CritiqueItem, ...] = ()
    positions: tuple[PositionItem, ...] = ()
    perceptions: tuple[PerceptionItem, ...] = ()
    backstory: str | None = None

    @classmethod
    def from_persona(cls, persona: Persona) -> ParticipantProfile:
        """A survey persona as a participant: its backstory, its known demographics, and an
        answer-based persona's real answers as O items."""
        known = {t: c for t, c in persona.demographics.items() if c is not None}
        answers = tuple(OpinionItem(question=a.question, answer=a.answer) for a in persona.answers)
        return cls(
            participant_id=persona.persona_id,
            backstory=persona.backstory,
            demographics=known,
            opinions=answers,
        )
