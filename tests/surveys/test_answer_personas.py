"""Answer-based personas (the `answers` conditioning) without a model: real respondents' own
answers, leave-one-question-out contexts, and the errors for bad item sets."""

from __future__ import annotations

import pytest

from chorus.surveys import (
    DatasetError,
    SurveyError,
    load_dataset,
    load_instrument,
    personas_from_respondents,
    with_answers,
)
from chorus.surveys.answering import _interview
from chorus.surveys.conditioning import render_context
from chorus.surveys.prompts import items_for

INST = load_instrument("anes2012")


def _people(n=3):
    ds = load_dataset("anes2012")
    return ds, personas_from_respondents(ds.respondents(n, seed=1))


def test_personas_carry_their_own_answers_from_the_raw_data():
    ds, people = _people()
    (a,) = with_answers(people[:1], ds, INST, ["gay_marry", "gun_control"])
    raw = ds.table.set_index(ds.table[ds.descriptor.id_column].astype(str)).loc[a.persona_id]
    # the raw ANES codes, mapped by hand to the instrument's option texts
    by_code = {"Yes": "Yes, they should be allowed to legally marry",
               "No": "No, they should not be allowed to legally marry"}  # fmt: skip
    known = {x.question_id: x.answer for x in a.answers}
    if raw["gay_marry"] in by_code:
        assert known["gay_marry"] == by_code[raw["gay_marry"]]
    else:  # not answered: absent, never guessed
        assert "gay_marry" not in known
    assert set(known) <= {"gay_marry", "gun_control"}


def test_the_asked_question_is_left_out_of_its_own_context():
    ds, people = _people()
    (p,) = with_answers(people[:1], ds, INST, ["gay_marry", "gun_control", "pot_legal"])
    asked = INST.subset(["gay_marry", "pot_legal"])
    iv = _interview(p, "answers", items_for(p, asked, ["self"]), leave_one_out=True)
    texts = {x.question_id: x.question for x in p.answers}
    for item in iv.items:
        context = iv.context_for(item)
        assert texts[item.question.id] not in context
        others = [t for q, t in texts.items() if q != item.question.id]
        assert others and all(t in context for t in others)
    whole = _interview(p, "answers", iv.items, leave_one_out=False)
    assert all(t in whole.context_for(iv.items[0]) for t in texts.values())


def test_bad_answer_items_are_named():
    ds, people = _people(1)
    with pytest.raises(DatasetError, match=r"answer items\[1\]: 'nope' is not a question"):
        with_answers(people, ds, INST, ["gay_marry", "nope"])
    (p,) = with_answers(people, ds, INST, ["gay_marry"])
    with pytest.raises(SurveyError, match="has none besides 'gay_marry'"):
        render_context("answers", p, leave_out="gay_marry")
