"""Training examples: the survey's own prompts, both option orders, and nothing held out."""

from __future__ import annotations

import numpy as np
import pytest

from chorus.surveys import load_dataset, load_instrument
from chorus.surveys.crosstab import crosstab_from_dataset
from chorus.surveys.prompts import Item, choice_request, option_orders
from chorus.tuning import TuneOptions, TuningError
from chorus.tuning.data import from_crosstab, from_dataset
from tests.tuning.conftest import MARKER_Q


def _texts(examples):
    return [m.content for ex in examples for m in ex.request.prompt.messages]


def test_held_out_questions_and_respondents_never_reach_an_example(tiny_survey):
    """The planted markers: q4's text carries MARKER_Q; only held-out respondents answered
    q1 with its third option. Neither may appear in any training or validation example."""
    inst_path, data_path = tiny_survey
    inst, ds = load_instrument(inst_path), load_dataset(data_path)
    data = from_dataset(ds, inst, TuneOptions(
        holdout_questions=["q4"], examples=["subgroup", "individual"], min_cell=10,
        validation_share=0.0,
    ))  # fmt: skip
    everything = data.examples + data.validation
    assert {ex.question_id for ex in everything} == {"q1", "q2", "q3"}
    assert not any(MARKER_Q in t for t in _texts(everything))
    q1 = [ex for ex in everything if ex.question_id == "q1"]
    assert q1 and all(
        ex.target[list(ex.request.labels).index(_pos_of_unsure(ex))] == 0 for ex in q1
    )
    held = set(data.heldout_respondents)
    assert held and not held & set(data.train_respondents)
    assert not {ex.source.removeprefix("respondent:") for ex in everything} & held


def _pos_of_unsure(ex) -> str:
    """The label shown for q1's 'unsure' option (its position moves with the option order)."""
    text = ex.request.prompt.messages[-1].content
    line = next(s for s in text.splitlines() if s.endswith(" unsure"))
    return line[1]


def test_examples_are_the_survey_prompts_in_both_orders(tiny_survey):
    inst_path, data_path = tiny_survey
    inst, ds = load_instrument(inst_path), load_dataset(data_path)
    data = from_dataset(ds, inst, TuneOptions(min_cell=10, validation_share=0.0))
    dem = [ex for ex in data.examples if ex.source == "subgroup:party=Democrat"
           and ex.question_id == "q2"]  # fmt: skip
    assert len(dem) == 2
    q = inst.question("q2")
    from chorus.surveys import render_context
    from chorus.surveys.crosstab import subgroup_persona

    context = render_context("subgroup", subgroup_persona((("party", "Democrat"),)))
    orders = option_orders(q, "reverse", 0, "x", 0)
    assert [ex.request for ex in dem] == [
        choice_request(context, [], Item(q, "self"), o) for o in orders
    ]
    assert np.allclose(dem[0].target, dem[1].target[::-1])
    assert dem[0].target.sum() == pytest.approx(1.0)


def test_bad_splits_fail_clearly(tiny_survey):
    inst_path, data_path = tiny_survey
    inst, ds = load_instrument(inst_path), load_dataset(data_path)
    with pytest.raises(TuningError, match=r"unknown question id\(s\) \['nope'\]"):
        from_dataset(ds, inst, TuneOptions(holdout_questions=["nope"]))
    with pytest.raises(TuningError, match=r"\['q2'\] are both held out and trained on"):
        from_dataset(ds, inst, TuneOptions(holdout_questions=["q2"], questions=["q1", "q2"]))
    with pytest.raises(TuningError, match="below the minimum cell size 10000"):
        from_dataset(ds, inst, TuneOptions(min_cell=10000))
    with pytest.raises(TuningError, match="no mapped answers for any training question"):
        from_dataset(ds, inst, TuneOptions(holdout_questions="q1,q2,q3,q4"))


def test_aggregate_tables_train_too():
    inst = load_instrument("anes2012")
    table = crosstab_from_dataset(load_dataset("anes2012"), inst, traits=["party"])
    data = from_crosstab(
        table, inst, TuneOptions(holdout_questions=["gay_marry"], validation_share=0.0)
    )
    trained = {ex.question_id for ex in data.examples}
    assert "gay_marry" not in trained
    # the 0-100 thermometers are read digit by digit, not as one read over options: not trained
    one_read = [q for q in table.questions() if inst.question(q).kind != "numeric"]
    assert trained == set(one_read) - {"gay_marry"}
    assert len(data.examples) == 2 * 3 * (len(one_read) - 1)  # 3 parties x 2 orders
    with pytest.raises(TuningError, match=r"\['ft_dem'\] are not answered by one read"):
        from_crosstab(table, inst, TuneOptions(questions=["ft_dem", "gay_marry"]))
