"""answer() on the real embedded model, kept small: 2 personas x 3 questions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chorus.surveys import load_instrument
from chorus.surveys.answering import answer, read_answers, write_answers
from chorus.surveys.conditioning import render_context
from chorus.surveys.persona import Persona
from chorus.surveys.prompts import choice_request, items_for, option_orders

pytestmark = pytest.mark.slow

MINI = Path(__file__).parent / "data" / "mini.yaml"
PERSONAS = [
    Persona(
        persona_id="dem", demographics={"age": "30-39", "gender": "Female", "party": "Democrat"}
    ),
    Persona(
        persona_id="rep", demographics={"age": "60-69", "gender": "Male", "party": "Republican"}
    ),
]


@pytest.fixture(scope="module")
def engine(transformers_engine):
    """The session's real engine, uncached: every answer here is computed, not looked up."""
    return transformers_engine


@pytest.fixture(scope="module")
def mini():
    return load_instrument(MINI)


@pytest.fixture(scope="module")
def answers(engine, mini):
    return answer(engine, PERSONAS, mini, conditioning="portray")


def test_one_row_per_persona_question_perspective(answers):
    # 3 self questions each, plus in-group, out-group and meta on ft_dem
    assert len(answers) == 12
    dem = answers[(answers.persona_id == "dem") & (answers.question_id == "ft_dem")]
    groups = dict(zip(dem.perspective, dem.group.fillna("-"), strict=True))
    assert groups == {
        "self": "-",
        "ingroup": "Democrats",
        "outgroup": "Republicans",
        "meta": "Democrats",
    }
    for row in answers.itertuples():
        assert len(row.probs) == len(row.labels)
        assert np.isclose(sum(row.probs), 1.0) and min(row.probs) >= 0
        assert 0 < row.raw_mass <= 1.0
        assert len(row.prompt_hash) == 16
    assert answers.prompt_hash.is_unique and set(answers.conditioning) == {"portray"}


def test_debiasing_averages_both_orders(engine, mini, answers):
    persona = PERSONAS[1]
    item = items_for(persona, mini)[1]  # gun_control, self
    orders = option_orders(item.question, "reverse", 0, "", 0)
    context = render_context("portray", persona)
    forward, backward = engine.choice([choice_request(context, [], item, o) for o in orders])
    expected = (np.asarray(forward.probs) + np.asarray(backward.probs)[::-1]) / 2
    row = answers[(answers.persona_id == "rep") & (answers.question_id == "gun_control")].iloc[0]
    # recomputed in a different batch: equal up to float noise
    assert row.probs == pytest.approx(expected / expected.sum(), abs=1e-4)
    assert list(row.labels) == ["more_difficult", "same", "easier"]


def test_sequential_mode_keeps_earlier_answers_in_context(engine, mini, answers):
    seq = answer(
        engine, PERSONAS[:1], mini, conditioning="portray", sequential=True, perspectives=["self"]
    )
    alone = answers[(answers.persona_id == "dem") & (answers.perspective == "self")]
    assert seq.question_id.tolist() == alone.question_id.tolist()
    # the first question has no history, so it is the very same prompt; later ones are not
    assert seq.prompt_hash.iloc[0] == alone.prompt_hash.iloc[0]
    assert seq.probs.iloc[0] == pytest.approx(alone.probs.iloc[0], abs=1e-4)
    assert not set(seq.prompt_hash.iloc[1:]) & set(alone.prompt_hash)


def test_answers_parquet_round_trip(tmp_path, answers):
    path = tmp_path / "answers.parquet"
    write_answers(answers, path)
    back = read_answers(path)
    assert back.columns.tolist() == answers.columns.tolist()
    assert back.probs.iloc[3] == pytest.approx(answers.probs.iloc[3])
    assert back.group.isna().sum() == 6 and not list(tmp_path.glob(".*.tmp"))
