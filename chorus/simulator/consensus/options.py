"""What a consensus run can set: one model for `chorus consensus run` (built from its flags) and
a study's `consensus:` section. Its own module, light to import, so that the command line can
show its defaults without loading the mechanism."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from chorus.simulator.consensus.mediator import MediatorSettings
from chorus.simulator.consensus.questions import Question, load_questions
from chorus.simulator.consensus.representatives.profile import Section
from chorus.simulator.consensus.schema import ConsensusConfig
from chorus.simulator.consensus.welfare import SocialWelfare

_DEFAULTS = ConsensusConfig()


class ConsensusOptions(BaseModel):
    """What a consensus run can set, one model for `chorus consensus run` (built from its flags)
    and a study's `consensus:` section (which adds where its questions and panel come from)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    # a YAML/JSON questions file (id, text, optional opinions), its first `limit` questions
    question_file: str | None = None
    limit: int | None = Field(default=None, ge=1)
    rounds: int = Field(default=_DEFAULTS.rounds, ge=1)  # 1 = no critique round
    candidates: int = Field(default=_DEFAULTS.candidates, ge=1)
    swf: str = _DEFAULTS.swf  # utilitarian | nash | rawlsian | schulze | alpha=A
    exclusions: int = Field(default=_DEFAULTS.exclusions, ge=0)
    sections: str = ",".join(s.value for s in Section)  # what the representatives see
    # with a survey: the questions whose own answers become O items (None: every self question)
    opinion_questions: list[str] | None = None
    # with a survey: the mediator's prompt gets the panel's positions and perception gaps
    mediator_panel: bool = False
    # with a survey asked from the out-group perspective: each representative answers its
    # out-group items again after the episode (winning statement, runner-up as control)
    perception_shift: bool = True
    opinion_tokens: int = Field(default=_DEFAULTS.opinion_tokens, ge=8)
    critique_tokens: int = Field(default=_DEFAULTS.critique_tokens, ge=8)
    statement_tokens: int = Field(default=_DEFAULTS.mediator.max_tokens, ge=8)
    debias: bool = _DEFAULTS.debias  # the agreement scale asked in both directions
    # `representative` (the representatives via engine.choice), or `trained:DIR` (a folder
    # from `chorus consensus train-reward`)
    reward: str = "representative"

    @field_validator("swf")
    @classmethod
    def _known_swf(cls, v: str) -> str:
        SocialWelfare.parse(v)
        return v

    @field_validator("reward")
    @classmethod
    def _known_reward(cls, v: str) -> str:
        if v != "representative" and not (v.startswith("trained:") and len(v) > len("trained:")):
            raise ValueError(
                f"unknown reward {v!r}: use `representative` or `trained:DIR` (a folder written "
                "by `chorus consensus train-reward`)"
            )
        return v

    @field_validator("sections")
    @classmethod
    def _known_sections(cls, v: str) -> str:
        Section.parse(v)
        return v

    def config(self, seed: int, panel: str | None = None) -> ConsensusConfig:
        """The run's settings; `panel` is what the mediator is shown about the panel."""
        return ConsensusConfig(
            candidates=self.candidates, rounds=self.rounds, swf=self.swf,
            exclusions=self.exclusions, seed=seed, debias=self.debias,
            opinion_tokens=self.opinion_tokens, critique_tokens=self.critique_tokens,
            mediator=MediatorSettings(max_tokens=self.statement_tokens, panel=panel),
        )  # fmt: skip

    def section_set(self) -> frozenset[Section]:
        return Section.parse(self.sections)

    def wants_perceptions(self) -> bool:
        """M named by the user (the default set has it too, used when the survey has it)."""
        return "sections" in self.model_fields_set and Section.M in self.section_set()

    def file_questions(self) -> list[Question] | None:
        """The questions file's questions (None without one)."""
        if self.question_file is None:
            return None
        return load_questions(Path(self.question_file), self.limit)
