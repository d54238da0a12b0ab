"""A digital representative: a prompt that binds the model to one participant."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from chorus.core import Templates
from chorus.engines import Prompt
from chorus.simulator.consensus.representatives.profile import (
    ALL_SECTIONS,
    ParticipantProfile,
    Section,
)

TEMPLATES = Templates(Path(__file__).parent / "templates", trim_blocks=True, untrusted=True)


def prompts_hash() -> str:
    """Hash of the representatives' prompt templates, recorded with every episode."""
    return TEMPLATES.digest


# The 7-point agreement scale used for P items and for agreement questions.
LIKERT = (
    "strongly disagree",
    "disagree",
    "somewhat disagree",
    "neither agree nor disagree",
    "somewhat agree",
    "agree",
    "strongly agree",
)


class DigitalRepresentative(BaseModel):
    """One participant's profile plus the sections its prompts use.

    Prompts put the participant's sections first and the question-specific part last, so every
    request of one representative shares a long prefix that the engine computes once.
    """

    model_config = ConfigDict(frozen=True)
    profile: ParticipantProfile
    sections: frozenset[Section] = ALL_SECTIONS

    @property
    def participant_id(self) -> str:
        return self.profile.participant_id

    def context(self, question: str, opinion: str | None = None) -> str:
        """The person sections (those configured and non-empty), then Base."""
        p, use = self.profile, self.sections
        parts: list[str] = []
        if Section.BACKSTORY in use and p.backstory:
            parts.append(TEMPLATES.render("backstory.j2", backstory=p.backstory))
        if Section.D in use and p.demographics:
            parts.append(TEMPLATES.render("demographics.j2", demographics=p.demographics))
        if Section.O in use and p.opinions:
            parts.append(TEMPLATES.render("opinions.j2", opinions=p.opinions))
        if Section.M in use and p.perceptions:
            parts.append(TEMPLATES.render("perceptions.j2", perceptions=p.perceptions))
        if Section.C in use and p.critiques:
            parts.append(TEMPLATES.render("critiques.j2", critiques=p.critiques))
        if Section.P in use and p.positions:
            parts.append(TEMPLATES.render("positions.j2", positions=p.positions, scale=LIKERT))
        parts.append(TEMPLATES.render("base.j2", question=question, opinion=opinion))
        return "\n\n".join(parts)

    def prompt(
        self, question: str, task: str, *, opinion: str | None = None, answer_prefix: str = ""
    ) -> Prompt:
        # The participant's id comes first so that different participants' prompts part within
        # a few tokens: the engine then groups each participant's requests on their own long
        # shared context instead of all of them on the common instructions.
        system = TEMPLATES.render("system.j2", participant_id=self.participant_id)
        return Prompt.chat(
            ("system", system),
            ("user", self.context(question, opinion) + "\n\n" + task),
            answer_prefix=answer_prefix,
        )

    def without(self, *sections: Section) -> DigitalRepresentative:
        return self.model_copy(update={"sections": self.sections - set(sections)})
