"""Bad input gets an error that says what is wrong and what to do."""

from __future__ import annotations

import pydantic
import pytest

from chorus.engines import (
    ChoiceRequest,
    ContextOverflowError,
    GenerateRequest,
    ModelNotFoundError,
    Prompt,
)


def test_empty_and_duplicate_labels_are_rejected():
    p = Prompt.raw("Pick one:")
    with pytest.raises(pydantic.ValidationError, match="empty"):
        ChoiceRequest(prompt=p, labels=("A", " "))
    with pytest.raises(pydantic.ValidationError, match="duplicate option labels"):
        ChoiceRequest(prompt=p, labels=("A", "B", "A"))
    with pytest.raises(pydantic.ValidationError, match="at least one"):
        ChoiceRequest(prompt=p, labels=())


def test_prompt_longer_than_context_says_which_request_and_by_how_much(transformers_engine):
    ctx = transformers_engine.context_length
    ok = ChoiceRequest(prompt=Prompt.raw("Yes or no?"), labels=("Yes", "No"))
    long = ChoiceRequest(prompt=Prompt.raw("word " * (ctx + 50)), labels=("Yes", "No"))
    with pytest.raises(
        ContextOverflowError, match=r"request #1 needs \d+ tokens.*too many"
    ) as info:
        transformers_engine.choice([ok, long])
    assert f"context is {ctx}" in str(info.value)
    gen = GenerateRequest(prompt=Prompt.raw("word " * (ctx - 10)), max_tokens=100)
    with pytest.raises(ContextOverflowError, match="to generate"):
        transformers_engine.generate([gen])


def test_unknown_model_path(tmp_path):
    from chorus.engines.model_files import resolve_model

    with pytest.raises(ModelNotFoundError, match="does not exist"):
        resolve_model(tmp_path / "no-such-model")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotFoundError, match="no config.json"):
        resolve_model(tmp_path / "empty")


def test_prompt_needs_exactly_one_form():
    with pytest.raises(pydantic.ValidationError, match="exactly one"):
        Prompt(text="a", token_ids=(1, 2))
    with pytest.raises(pydantic.ValidationError, match="exactly one"):
        Prompt()
