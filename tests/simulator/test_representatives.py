"""Digital representatives: prompt sections, panels, and the four tasks on the real model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from chorus.simulator.consensus.representatives import (
    Ask,
    Critique,
    CritiqueItem,
    DigitalRepresentative,
    OpinionItem,
    PanelError,
    ParticipantProfile,
    PositionItem,
    Section,
    agreement,
    expected_agreement,
    load_panel_file,
    load_persona_pool,
    votes,
    write_critiques,
    write_opinions,
)
from chorus.surveys import personas_from_pool

PROFILE = ParticipantProfile(
    participant_id="p1",
    demographics={"age": "30-39", "party": "Independent"},
    opinions=(
        OpinionItem(question="Should parks open later?", opinion="Yes, for shift workers."),
        OpinionItem(question="The bus fare should be free.", vote="disagree"),
    ),
    critiques=(
        CritiqueItem(question="Tax sugar?", draft="We agree to tax sugar.", critique="Too blunt."),
    ),
    positions=(PositionItem(statement="Cities need more trees.", agreement=6),),
    backstory="I drive a night bus in Leeds.",
)


def test_prompt_has_configured_sections_first_and_the_task_last():
    rep = DigitalRepresentative(profile=PROFILE)
    prompt = rep.prompt("Build more housing?", "THE TASK", opinion="Yes, near transit.")
    system, user = (m.content for m in prompt.messages)
    # the participant is named at the very start, so participants' prompts part early
    assert system.startswith("You are the digital representative of participant p1:")
    order = [
        "I drive a night bus",  # backstory
        "- age: 30-39",  # D
        "this participant wrote: <opinion>Yes, for shift workers.</opinion>",  # O, written
        # O, vote
        "On the statement <statement>The bus fare should be free.</statement>, this participant"
        " voted disagree.",
        "this participant wrote: <critique>Too blunt.</critique>",  # C
        "<statement>Cities need more trees.</statement>: agree",  # P (6 = agree)
        "The question under debate: Build more housing?",  # Base
        "opinion on it: <opinion>Yes, near transit.</opinion>",
        "THE TASK",
    ]
    positions = [user.index(s) for s in order]
    assert positions == sorted(positions)


def test_sections_can_be_switched_off():
    rep = DigitalRepresentative(profile=PROFILE, sections=Section.parse("D"))
    user = rep.prompt("Q?", "T").messages[-1].content
    assert "age: 30-39" in user and "night bus" not in user and "voted" not in user
    assert "Too blunt" not in user and "more trees" not in user
    no_o = DigitalRepresentative(profile=PROFILE).without(Section.O)
    assert "voted" not in no_o.prompt("Q?", "T").messages[-1].content
    assert Section.parse("o, P,backstory") == {
        Section.BASE,
        Section.O,
        Section.P,
        Section.BACKSTORY,
    }
    with pytest.raises(ValueError, match="unknown DR section"):
        Section.parse("D,X")


def test_opinion_item_needs_text_or_vote():
    with pytest.raises(ValueError, match="exactly one"):
        OpinionItem(question="q", opinion="a", vote="agree")


def test_panel_file_errors_name_the_record(tmp_path):
    path = tmp_path / "panel.yaml"
    path.write_text(
        "participants:\n  - participant_id: a\n  - participant_id: b\n"
        "    positions: [{statement: s, agreement: 9}]\n"
    )
    with pytest.raises(
        PanelError, match=r"panel.yaml:4: participant record #1: positions\[0\]\.agreement"
    ):
        load_panel_file(path)
    path.write_text("- participant_id: a\n- participant_id: a\n")
    with pytest.raises(PanelError, match=r"participant_id\(s\) \['a'\] appear more than once"):
        load_panel_file(path)
    path.write_text(json.dumps([{"participant_id": "a", "demographics": {"age": "18-29"}}]))
    assert load_panel_file(path)[0].demographics == {"age": "18-29"}


def test_persona_pool_becomes_profiles(tmp_path):
    pd.DataFrame(
        {
            "persona_id": ["x", "y"],
            "backstory": ["I farm.", "I teach."],
            "demo__gender": [[0.9, 0.1], [0.2, 0.8]],
            "demo_nm__gender": [0.1, 0.2],
            "demo__party": [[0.6, 0.3, 0.1], [0.1, 0.1, 0.8]],
            "demo_nm__party": [0.2, 0.7],  # y's backstory never says: unknown, as in surveys
        }
    ).to_parquet(tmp_path / "personas.parquet")
    (tmp_path / "manifest.json").write_text(
        json.dumps({"demographics": {"gender": ["Male", "Female"]}})
    )
    pool = load_persona_pool(tmp_path)
    assert [(p.participant_id, p.backstory, p.demographics) for p in pool] == [
        ("x", "I farm.", {"gender": "Male", "party": "Democrat"}),
        ("y", "I teach.", {"gender": "Female"}),
    ]
    assert {p.persona_id: p.demographics for p in personas_from_pool(tmp_path)}["y"] == {
        "gender": "Female", "party": None,
    }  # fmt: skip
    with pytest.raises(PanelError, match="not a persona pool"):
        load_persona_pool(tmp_path / "nowhere")


STATEMENTS = [
    "The city should build more bike lanes.",
    "Taxes on small businesses should be cut.",
    "The minimum wage should rise to $15 an hour.",
]


def _voter(vote: str) -> DigitalRepresentative:
    items = tuple(OpinionItem(question=s, vote=vote) for s in STATEMENTS)  # type: ignore[arg-type]
    return DigitalRepresentative(profile=ParticipantProfile(participant_id=vote, opinions=items))


@pytest.mark.slow
def test_votes_follow_the_o_section(sim_engine):
    """A DR told the participant agreed with a statement predicts agree more often than one
    told they disagreed (the embedded model copies at least that much)."""
    asks = [
        Ask(rep=_voter(v), question="How can our city improve?", statement=s)
        for v in ("agree", "disagree")
        for s in STATEMENTS
    ]
    p = votes(sim_engine, asks)
    assert p.shape == (6, 3) and np.allclose(p.sum(axis=1), 1)
    p_agree = p[:, 0] / (p[:, 0] + p[:, 1])
    assert (p_agree[:3] > p_agree[3:]).all(), p_agree


@pytest.mark.slow
def test_agreement_is_a_debiased_likert_distribution(sim_engine):
    asks = [
        Ask(rep=_voter("agree"), question="How can our city improve?", statement=s)
        for s in STATEMENTS[:2]
    ]
    forward = agreement(sim_engine, asks, debias=False)
    both = agreement(sim_engine, asks, debias=True)
    assert both.shape == (2, 7) and np.allclose(both.sum(axis=1), 1)
    # the reversed-scale prompt scored on its own, by hand: point k on it is point 8 - k
    from chorus.engines import ChoiceRequest
    from chorus.simulator.consensus.representatives.representative import LIKERT, TEMPLATES
    from chorus.simulator.consensus.representatives.tasks import LIKERT_LABELS

    flipped = LIKERT[::-1]
    asked = sim_engine.choice(
        [
            ChoiceRequest(
                prompt=a.rep.prompt(
                    a.question,
                    TEMPLATES.render("task_agreement.j2", statement=a.statement, scale=flipped),
                    opinion=a.opinion,
                    answer_prefix="Answer:",
                ),
                labels=LIKERT_LABELS,
            )
            for a in asks
        ]
    )
    reversed_mapped = np.array([d.probs for d in asked])[:, ::-1]
    assert not np.allclose(reversed_mapped, forward, atol=1e-3)  # the two readings differ
    # debiased = mean of the forward reading and the reversed-scale reading mapped back
    np.testing.assert_allclose(both, (forward + reversed_mapped) / 2, atol=1e-5)
    e = expected_agreement(both)
    assert np.all((e >= 1) & (e <= 7))


@pytest.mark.slow
def test_opinions_and_critiques_are_written_reproducibly(sim_engine):
    rep = DigitalRepresentative(profile=PROFILE)
    opinions = write_opinions(
        sim_engine, [(rep, "Should cities ban cars downtown?")], seed=1, max_tokens=12
    )
    crit = [
        Critique(
            rep=rep,
            question="Should cities ban cars downtown?",
            draft="Ban all cars.",
            opinion=opinions[0],
        )
    ]
    critiques = write_critiques(sim_engine, crit, seed=1, max_tokens=12)
    assert opinions[0] and critiques[0]
    fresh = sim_engine.inner  # skip the cache: the same seed must give the same text
    assert (
        write_opinions(fresh, [(rep, "Should cities ban cars downtown?")], seed=1, max_tokens=12)
        == opinions
    )
