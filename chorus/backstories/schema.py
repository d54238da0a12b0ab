"""Records of backstory generation that cross into persona pools: configs, turns, verdicts."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chorus.backstories.templates import anthology_question, interview_questions

Style = Literal["anthology", "interview"]
STYLES: tuple[Style, ...] = ("anthology", "interview")

# Per-style defaults: one long open answer vs ten shorter interview answers.
_DEFAULTS: dict[str, dict[str, int]] = {
    "anthology": {"max_tokens": 300, "min_words": 40},
    "interview": {"max_tokens": 160, "min_words": 15},
}


class BackstoryConfig(BaseModel):
    """How backstories are sampled and criticised; recorded in the pool manifest."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    style: Style
    max_tokens: int = Field(ge=8, le=4096)  # per answer
    min_words: int = Field(ge=1)  # shorter answers are rejected (frame check `too_short`)
    temperature: float = Field(default=1.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    n_questions: int = Field(default=10, ge=1, le=10)  # interview: the first k questions
    resample_budget: int = Field(default=3, ge=0)  # resamples of a rejected answer, then drop
    critic_threshold: float = Field(default=0.5, gt=0.0, lt=1.0)  # P(contradiction) to reject

    @classmethod
    def for_style(cls, style: Style, **overrides: object) -> BackstoryConfig:
        """The style's defaults, with any non-None override applied."""
        given = {k: v for k, v in overrides.items() if v is not None}
        return cls(style=style, **{**_DEFAULTS[style], **given})

    def questions(self) -> list[str]:
        if self.style == "anthology":
            return [anthology_question()]
        return interview_questions()[: self.n_questions]


class Turn(BaseModel):
    model_config = ConfigDict(frozen=True)
    question: str
    answer: str


class FrameIssue(BaseModel):
    """One broken interview-frame rule, with the offending span quoted."""

    kind: str
    detail: str


class ConsistencyCheck(BaseModel):
    """The LLM critic's verdict on one topic: earlier quotes vs the new answer's quote."""

    topic: str
    earlier: list[str]
    new: str
    p_contradiction: float


class Rejection(BaseModel):
    question_index: int
    attempt: int
    kinds: list[str]
    reasons: list[str]  # frame details, or "topic: 'earlier' vs 'new' (p=...)"


class TurnVerdict(BaseModel):
    """The critic's record for one accepted answer (or the last tried one of a dropped persona)."""

    question_index: int
    attempts: int
    checks: list[ConsistencyCheck] = []  # consistency checks of the accepted answer


class Backstory(BaseModel):
    """One persona slot's result. `dropped` names the rejection kinds that exhausted the budget."""

    slot: int
    style: Style
    turns: list[Turn]
    logprob: float  # sum over accepted answers of the sample's log-probability
    num_tokens: int
    verdicts: list[TurnVerdict]
    rejections: list[Rejection]
    dropped: list[str] | None = None

    @property
    def accepted(self) -> bool:
        return self.dropped is None

    @property
    def answers(self) -> list[str]:
        """The persona's own words (what near-duplicate removal and diversity look at: interview
        questions are the same for everyone)."""
        return [t.answer for t in self.turns]

    @property
    def context(self) -> str:
        """The persona's context text: the anthology answer, or the interview transcript."""
        if self.style == "anthology":
            return self.turns[0].answer if self.turns else ""
        return transcript_text(self.turns)


def transcript_text(turns: list[Turn]) -> str:
    return "\n\n".join(f"Question: {t.question}\nAnswer: {t.answer}" for t in turns)
