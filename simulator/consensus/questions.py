"""Questions under debate, read from a YAML or JSON file."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from chorus.surveys import SurveyError, read_yaml


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


class QuestionFileError(ValueError):
    """A questions file that cannot be used; the message names the file and the record."""


def load_questions(path: Path, limit: int | None = None) -> list[Question]:
    if limit is not None and limit < 1:
        raise QuestionFileError(f"limit must be at least 1 (got {limit})")
    try:
        raw, _ = read_yaml(path)  # YAML or JSON; duplicate keys and alias bombs are errors
    except SurveyError as exc:
        raise QuestionFileError(str(exc)) from None
    records = raw.get("questions") if isinstance(raw, dict) else raw
    if not isinstance(records, list) or not records:
        raise QuestionFileError(
            f"{path}: expected a non-empty list of questions (or a mapping with a `questions` "
            "list), each with an `id` and a `text` (or `question`)"
        )
    out: list[Question] = []
    for i, rec in enumerate(records):
        if isinstance(rec, dict) and "id" in rec:
            rec = {**rec, "id": str(rec["id"])}
        try:
            out.append(Question.model_validate(rec))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(x) for x in err["loc"]) or "record"
            raise QuestionFileError(f"{path}: question #{i}: {where}: {err['msg']}") from exc
    ids = [q.id for q in out]
    dup = sorted({x for x in ids if ids.count(x) > 1})
    if dup:
        raise QuestionFileError(f"{path}: question id(s) {dup} appear more than once")
    return out[:limit]
