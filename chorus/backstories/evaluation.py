"""A labelled set of interview fragments for the critic, and its precision/recall."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chorus.backstories.critic import ConsistencyCritic, ConsistencyVerdict
from chorus.backstories.facts import TOPICS, fact_table, topic_sentences
from chorus.backstories.frame import FRAME_KINDS
from chorus.backstories.schema import Turn
from chorus.backstories.templates import interview_questions
from chorus.core import InputFileError, check_unique, load_records


class CriticSetError(InputFileError, ValueError):
    pass


class _Said(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: int = Field(ge=0, le=9)
    answer: str = Field(min_length=1)


class CriticCase(BaseModel):
    """One fragment: earlier turns and a new answer, with what the critic should say."""

    model_config = ConfigDict(extra="forbid")
    id: str
    label: Literal["contradiction", "consistent", "frame"]
    topic: str | None = None
    frame: list[str] = []
    earlier: list[_Said] = []
    q: int = Field(ge=0, le=9)
    answer: str = Field(min_length=1)

    @model_validator(mode="after")
    def _labels(self) -> CriticCase:
        if self.topic is not None and self.topic not in TOPICS:
            raise ValueError(f"unknown topic {self.topic!r} (topics: {list(TOPICS)})")
        unknown = [k for k in self.frame if k not in FRAME_KINDS]
        if unknown:
            raise ValueError(f"unknown frame kinds {unknown} (kinds: {list(FRAME_KINDS)})")
        if (self.label == "frame") != bool(self.frame):
            raise ValueError("`frame` kinds are given exactly for label: frame")
        return self

    @property
    def question(self) -> str:
        return interview_questions()[self.q]

    @property
    def turns(self) -> list[Turn]:
        qs = interview_questions()
        return [Turn(question=qs[s.q], answer=s.answer) for s in self.earlier]


# The labelled set ships with the package (data/critic/PROVENANCE.md says how it was made).
CRITIC_SET = Path(__file__).resolve().parent / "data" / "critic" / "fragments.yaml"


def load_critic_set(path: Path = CRITIC_SET) -> list[CriticCase]:
    """Read fragments.yaml (default: the shipped set); errors name the file and the fragment."""
    cases = load_records(path, CriticCase, key="fragments", what="fragment", error=CriticSetError)
    check_unique((c.id for c in cases), str(path), "fragment id", CriticSetError)
    return cases


class CriticScores(BaseModel):
    n_contradiction: int
    n_consistent: int
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float | None
    recall: float | None
    f1: float | None
    accuracy: float


def scores(predicted: Sequence[bool], actual: Sequence[bool]) -> CriticScores:
    tp = sum(p and a for p, a in zip(predicted, actual))
    fp = sum(p and not a for p, a in zip(predicted, actual))
    fn = sum(a and not p for p, a in zip(predicted, actual))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * precision * recall / (precision + recall) if precision and recall else None
    return CriticScores(
        n_contradiction=sum(actual),
        n_consistent=len(actual) - sum(actual),
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        precision=precision,
        recall=recall,
        f1=f1,
        accuracy=sum(p == a for p, a in zip(predicted, actual)) / len(actual) if actual else 0.0,
    )


def consistency_cases(cases: Sequence[CriticCase]) -> list[CriticCase]:
    return [c for c in cases if c.label in ("contradiction", "consistent")]


def judge_cases(critic: ConsistencyCritic, cases: Sequence[CriticCase]) -> list[ConsistencyVerdict]:
    return critic.judge([([t.answer for t in c.turns], c.answer) for c in cases])


def shares_topic(case: CriticCase) -> bool:
    """Whether the fact table and the new answer share a topic: the trivial baseline that calls
    every such answer a contradiction (what the LLM has to beat)."""
    facts = {f.topic for f in fact_table([t.answer for t in case.turns])}
    return bool(facts & set(topic_sentences(case.answer)))
