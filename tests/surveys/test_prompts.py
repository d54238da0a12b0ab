"""Prompt building without a model: conditioning styles, perspective framings, option orders."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chorus.engines import ChoiceDistribution
from chorus.surveys import DatasetError, SurveyError, demographics_instrument, load_instrument
from chorus.surveys.conditioning import render_context
from chorus.surveys.kinds import average_orders
from chorus.surveys.persona import Persona, personas_from_pool
from chorus.surveys.prompts import ANSWER_PREFIX, choice_request, framing, items_for, option_orders

DEMOCRAT = Persona(
    persona_id="p1",
    demographics={
        "age": "30-39",
        "gender": "Female",
        "party": "Democrat",
        "ideology": "Liberal",
        "race": None,
    },
)


def test_conditioning_styles_render_the_demographics():
    qa = render_context("qa", DEMOCRAT)
    assert "Question: What is your age?\nAnswer: 30-39" in qa
    assert "race" not in qa.lower()  # unknown traits are left out, not invented
    bio = render_context("bio", DEMOCRAT)
    assert "I am between 30 and 39 years old. I am a woman." in bio and "I am a Democrat" in bio
    portray = render_context("portray", DEMOCRAT)
    assert portray.startswith("You are") and "you are a Democrat" in portray
    assert render_context("none", DEMOCRAT) == ""
    story = Persona(persona_id="s", backstory="Question: Tell me about yourself.\nAnswer: I farm.")
    assert render_context("backstory", story).endswith("I farm.")
    with pytest.raises(SurveyError, match="no backstory"):
        render_context("backstory", DEMOCRAT)
    with pytest.raises(SurveyError, match="unknown conditioning"):
        render_context("biography", DEMOCRAT)


def test_perspectives_are_rendered_from_templates():
    inst = load_instrument("anes2012")
    items = [i for i in items_for(DEMOCRAT, inst) if i.question.id == "ft_rep"]
    assert [(i.perspective, i.group and i.group.name) for i in items] == [
        ("self", None),
        ("ingroup", "Democrats"),
        ("outgroup", "Republicans"),
        ("meta", "Democrats"),
    ]
    text = {i.perspective: framing(i) for i in items}
    assert text["self"] == inst.question("ft_rep").text
    assert text["outgroup"].startswith(
        "Think about Republicans in general. How would most Republicans"
    )
    assert "a Republican is asked how most Democrats would answer" in text["meta"]
    # personas outside both groups answer only for themselves
    independent = Persona(persona_id="i", demographics={"party": "Independent"})
    assert {i.perspective for i in items_for(independent, inst)} == {"self"}
    assert len(items_for(DEMOCRAT, inst, perspectives=["self"])) == len(inst.questions)


def test_option_orders_keep_not_mentioned_last_and_repeat():
    q = demographics_instrument().question("age")
    orders = option_orders(q, "reverse", 0, "k", 0)
    assert orders == [[0, 1, 2, 3, 4, 5, 6], [5, 4, 3, 2, 1, 0, 6]]
    perms = option_orders(q, "permute", 3, "persona|age", 7)
    assert len(perms) == 4 and all(p[-1] == 6 and sorted(p) == list(range(7)) for p in perms)
    assert perms == option_orders(q, "permute", 3, "persona|age", 7)
    assert perms != option_orders(q, "permute", 3, "other|age", 7)
    with pytest.raises(ValueError, match="debias"):
        option_orders(q, "shuffle", 0, "k", 0)


def test_choice_request_puts_the_persona_first_and_options_last():
    inst = load_instrument("anes2012")
    item = items_for(DEMOCRAT, inst)[0]
    req = choice_request("CONTEXT", [], item, [2, 1, 0])
    assert req.prompt.messages[0].role == "system" and req.prompt.messages[0].content == "CONTEXT"
    user = req.prompt.messages[-1].content
    assert user.index("(A) Decreased") < user.index("(C) Increased")
    assert req.labels == ("A", "B", "C") and req.prompt.answer_prefix == ANSWER_PREFIX


def test_average_orders_maps_positions_back_to_options():
    orders = [[0, 1, 2], [2, 1, 0]]
    first = ChoiceDistribution(
        labels=["A", "B", "C"], probs=[0.6, 0.3, 0.1], raw_mass=0.9, method="next_token"
    )
    # reversed order: position A shows option 2, so 0.5 at A is option 2's probability
    second = ChoiceDistribution(
        labels=["A", "B", "C"], probs=[0.5, 0.2, 0.3], raw_mass=0.7, method="next_token"
    )
    probs, raw = average_orders([first, second], orders)
    assert probs == pytest.approx([(0.6 + 0.3) / 2, (0.3 + 0.2) / 2, (0.1 + 0.5) / 2])
    assert raw == pytest.approx(0.8) and np.isclose(probs.sum(), 1.0)


def test_personas_from_pool_reads_the_pool_format(tmp_path):
    pool = pd.DataFrame(
        {
            "persona_id": ["a", "b"],
            "style": ["anthology", "anthology"],
            "backstory": ["I grew up on a farm.", "I teach school."],
            "turns": [[], []],
            "verdicts": ["{}", "{}"],
            "demo__party": [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]],
            "demo_nm__party": [0.1, 0.6],
        }
    )
    pool.to_parquet(tmp_path / "personas.parquet")
    a, b = personas_from_pool(tmp_path)
    assert a.demographics == {"party": "Democrat"} and a.backstory == "I grew up on a farm."
    assert b.demographics == {"party": None}  # mostly "not mentioned"
    pool["demo__party"] = [[0.5, 0.5], [0.5, 0.5]]
    pool.to_parquet(tmp_path / "personas.parquet")
    with pytest.raises(DatasetError, match="2 probabilities for 3 categories"):
        personas_from_pool(tmp_path)
