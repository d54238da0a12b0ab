"""Steerability: a model that answers every subgroup alike has no spread; one that copies the
humans has ratio 1 and correlation 1; the `subgroup` conditioning names only the cell."""

from __future__ import annotations

import numpy as np
import pytest

from chorus.surveys import SurveyError, render_context
from chorus.surveys.crosstab import subgroup_persona
from chorus.surveys.metrics.steering import question_steering, steering
from chorus.surveys.persona import Persona

HUMAN = {"party": [np.array([0.8, 0.2]), np.array([0.3, 0.7])]}
W = {"party": np.array([60.0, 40.0])}


def test_a_model_that_copies_people_steers_fully_and_a_flat_one_not_at_all():
    copy = steering([question_steering("single_choice", HUMAN, HUMAN, W)])
    assert copy["steer_spread_ratio"] == pytest.approx(1.0)
    assert copy["steer_corr"] == pytest.approx(1.0)
    flat = {"party": [np.array([0.5, 0.5]), np.array([0.5, 0.5])]}
    none = steering([question_steering("single_choice", flat, HUMAN, W)])
    assert none["steer_spread_ratio"] == 0.0
    # half the humans' deviations, the same direction: ratio 0.5, correlation 1
    half = {"party": [np.array([0.65, 0.35]), np.array([0.4, 0.6])]}
    got = steering([question_steering("single_choice", half, HUMAN, W)])
    assert got["steer_spread_ratio"] == pytest.approx(0.5)
    assert got["steer_corr"] == pytest.approx(1.0)


def test_subgroup_conditioning_names_only_the_cell():
    text = render_context("subgroup", subgroup_persona((("party", "Democrat"),)))
    assert "Answer: Democrat" in text and text.count("Question:") == 1
    whole = Persona(persona_id="p", demographics={"party": "Democrat", "gender": "Male",
                                                   "race": "White"})  # fmt: skip
    with pytest.raises(SurveyError, match="has 3 known traits"):
        render_context("subgroup", whole)


def test_a_panel_that_answers_like_its_people_steers_like_them():
    from chorus.surveys import load_dataset, load_instrument
    from chorus.surveys.metrics.responses import from_human
    from chorus.surveys.metrics.steering import panel_steering

    inst = load_instrument("anes2012").subset(["gay_marry", "gun_control"])
    human = from_human(load_dataset("anes2012"), inst)
    same = panel_steering(human, human, inst)
    assert same["steer_spread_ratio"] == pytest.approx(1.0)
    assert same["steer_corr"] == pytest.approx(1.0)
    rows = {k: np.tile(np.nanmean(v, axis=0), (len(v), 1)) for k, v in human.rows.items()}
    flat = type(human)(human.ids, human.weights, rows, human.traits)
    assert panel_steering(flat, human, inst)["steer_spread_ratio"] == pytest.approx(0.0, abs=1e-9)
