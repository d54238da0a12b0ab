"""Questions under debate, read from a YAML or JSON file."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from chorus.core import InputFileError, check_unique, load_records


class Question(BaseModel):
    """One question; `opinions` holds human-written opinions by participant id (optional).

    The debate question bank's records (`id`, `question`, `affirming_statement`, ...) load as is.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")
    id: str = Field(min_length=1)
    text: str = Field(min_length=1, validation_alias=AliasChoices("text", "question"))
    affirming_statement: str | None = None
    divisive: bool | None = None  # None: decided from the participants' positions
    opinions: dict[str, str] = Field(default_factory=dict)

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) else value  # the bank numbers its questions


class QuestionFileError(InputFileError, ValueError):
    """A questions file that cannot be used; the message names the file and the record."""


def load_questions(path: Path, limit: int | None = None) -> list[Question]:
    """A list of questions, or a mapping with a `questions` list (YAML or JSON)."""
    if limit is not None and limit < 1:
        raise QuestionFileError(f"limit must be at least 1 (got {limit})")
    out = load_records(path, Question, key="questions", what="question", error=QuestionFileError)
    check_unique((q.id for q in out), str(path), "question id", QuestionFileError)
    return out[:limit]
