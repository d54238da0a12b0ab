"""A persona's survey answers as its representative's O and M items (no model: a small Results
object built here)."""

from __future__ import annotations

import pandas as pd
import pytest

from chorus.simulator.consensus.representatives import (
    DigitalRepresentative,
    PanelError,
    ParticipantProfile,
    Section,
    check_survey_items,
    most_likely,
    with_survey_answers,
)
from chorus.surveys import Results, load_instrument

INST = load_instrument("anes2012").subset(["gay_marry", "trust_social", "libcpre_ptyd"])


def _row(pid, qid, persp, group, probs):
    q = INST.question(qid)
    return {
        "persona_id": pid, "question_id": qid, "perspective": persp, "group": group,
        "labels": [o.label for o in q.options], "probs": probs, "raw_mass": 1.0,
        "incomplete_orders": 0, "error_bound": 0.0, "prompt_hash": "",
        "conditioning": "backstory",
    }  # fmt: skip


def _results(with_groups: bool = True) -> Results:
    rows = [
        _row("a", "gay_marry", "self", None, [0.2, 0.8]),
        _row("a", "trust_social", "self", None, [0.1, 0.6, 0.1, 0.1, 0.1]),
        _row("a", "libcpre_ptyd", "self", None, [0.05, 0.7, 0.05, 0.05, 0.05, 0.05, 0.05]),
        _row("b", "gay_marry", "self", None, [0.9, 0.1]),
    ]
    if with_groups:
        rows += [
            _row("a", "libcpre_ptyd", "outgroup", "Democrats", [0.5, 0.2, 0.1, 0.1, 0.05, 0, 0.05]),
            _row("a", "libcpre_ptyd", "ingroup", "Republicans", [0, 0, 0, 0.1, 0.2, 0.6, 0.1]),
        ]
    traits = pd.DataFrame({"persona_id": ["a", "b"], "party": ["Republican", "Democrat"]})
    return Results(answers=pd.DataFrame(rows), instrument=INST, traits=traits)


def test_own_answers_become_o_and_m_items_in_the_prompt():
    a, b = with_survey_answers(
        [ParticipantProfile(participant_id="a"), ParticipantProfile(participant_id="b")],
        _results(),
    )
    # a's most likely answers and their probabilities, from the rows above
    assert [(o.answer, o.confidence) for o in a.opinions] == [
        ("No, they should not be allowed to legally marry", 0.8),
        ("Most of the time", 0.6),
        ("Liberal", 0.7),
    ]
    assert [(m.group, m.own_group, m.answer, m.confidence) for m in a.perceptions] == [
        ("Republicans", True, "Conservative", 0.6),
        ("Democrats", False, "Extremely liberal", 0.5),
    ]
    assert [o.answer for o in b.opinions] == ["Yes, they should be allowed to legally marry"]
    context = DigitalRepresentative(profile=a).context("Build more housing?")
    assert "this participant answered <answer>Most of the time</answer> (60% sure)" in context
    assert "Asked how most Democrats (the other group) would answer" in context
    assert "<answer>Extremely liberal</answer> (50% sure)" in context
    # sections stay selectable: without M the perceptions are gone, O stays
    no_m = DigitalRepresentative(profile=a, sections=Section.parse("O")).context("Q?")
    assert "Democrats" not in no_m and "Most of the time" in no_m


def test_opinion_questions_choose_the_o_items():
    (a,) = with_survey_answers(
        [ParticipantProfile(participant_id="a")], _results(), opinion_questions=["trust_social"]
    )
    assert [o.answer for o in a.opinions] == ["Most of the time"]


def test_several_answer_kinds_are_told_as_the_persona_would_say_them():
    """A check-all-that-apply row is inclusion probabilities (not one distribution to take the
    argmax of), a ranking's is item x rank: each is told as the likeliest selection / first item,
    with its probability computed here by hand."""
    from pathlib import Path

    data = Path(__file__).parents[1] / "surveys" / "data"
    support = load_instrument(data / "support.yaml").question("support")
    # same-sex marriage 0.9, death penalty 0.2, guns 0.7, marijuana 0.6, environment 0.4, none 0.1
    p = [0.9, 0.2, 0.7, 0.6, 0.4, 0.1]
    text, sure = most_likely(support, p)
    assert text == (
        "Allowing same-sex couples to marry; Making it more difficult to buy a gun; "
        "Legalizing marijuana"
    )
    assert sure == round(0.9 * 0.8 * 0.7 * 0.6 * 0.6 * 0.9, 3)
    ranking = load_instrument(data / "priorities.yaml").question("spending_rank")
    # item-major 4 x 4: P(item i at rank r) = probs[4 i + r]; environment first with 0.4
    probs = [0.3, 0.3, 0.2, 0.2, 0.1, 0.2, 0.3, 0.4, 0.2, 0.3, 0.3, 0.2, 0.4, 0.2, 0.2, 0.2]
    assert most_likely(ranking, probs) == ("Protecting the environment first", 0.4)


def test_bad_survey_settings_are_named():
    with pytest.raises(PanelError, match=r"consensus.opinion_questions\[1\]: .*'nope'"):
        check_survey_items(_results(), ["gay_marry", "nope"], perceptions=False)
    with pytest.raises(PanelError, match=r"consensus.sections: M \(perceptions\)"):
        check_survey_items(_results(with_groups=False), None, perceptions=True)
    check_survey_items(_results(with_groups=False), None, perceptions=False)  # M by default: ok
    with pytest.raises(PanelError, match="participant 'c' has no answers"):
        with_survey_answers([ParticipantProfile(participant_id="c")], _results())


@pytest.fixture
def survey_folder(tmp_path):
    from chorus.surveys import RunInfo, write_survey

    folder = tmp_path / "survey"
    results = _results(with_groups=False)
    info = RunInfo(
        instrument=INST.name, conditioning="backstory", personas={"pool": "x"}, n_personas=2,
        seed=0, debias="reverse", perspectives=None, engine={}, rows=len(results.answers),
    )  # fmt: skip
    write_survey(folder, results, info)
    (tmp_path / "panel.yaml").write_text("- {participant_id: a}\n- {participant_id: b}\n")
    (tmp_path / "q.yaml").write_text("- {id: q1, text: 'Fine?'}\n")
    return folder


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--opinion-questions", "gay_marry,nope"], "--opinion-questions[1]: the survey did not"),
        (["--sections", "base,O,M"], "--sections: M (perceptions) needs a survey asked"),
    ],
)
def test_consensus_run_names_bad_survey_settings(consensus_cli, survey_folder, extra, message):
    base = survey_folder.parent
    result = consensus_cli(
        "run", "--questions", base / "q.yaml", "--panel", base / "panel.yaml",
        "--survey", survey_folder, "--out", base / "out", *extra,
    )  # fmt: skip
    assert result.exit_code == 1 and message in result.output
    assert not (base / "out").exists()
