"""Sequential mode with a ranking and an open answer: what each earlier answer reads as in the
next questions' context (the embedded model answers; a spy records the prompts it was sent)."""

from __future__ import annotations

import textwrap

import numpy as np

from chorus.surveys import ask, load_instrument
from chorus.surveys.persona import Persona
from tests.surveys.spy import PromptSpy

INTERVIEW = """\
name: seq
questions:
  - id: spending_rank
    text: Rank these areas of federal spending by how much you want their budget increased.
    kind: ranking
    options:
      - {label: schools, text: Public schools}
      - {label: crime, text: Dealing with crime}
      - {label: social_security, text: Social Security}
  - id: spend_more
    text: What should the federal government spend more money on?
    kind: free_text
    samples: 2
    codebook:
      themes:
        - {label: schools, examples: [education, better schools]}
        - {label: nothing, examples: [nothing, spend less]}
  - id: own_gun
    text: Do you or anyone in your household own a gun?
    kind: single_choice
    options: [{label: "yes", text: "Yes"}, {label: "no", text: "No"}]
"""


def test_a_ranking_and_an_open_answer_in_the_next_questions_context(cached_engine, tmp_path):
    """A ranking reads as its likeliest first item, lettered as the question listed it (the
    question asked which comes first); an open answer as the first of its sampled answers,
    verbatim. Both are derived here from the answers table, not from the prompts."""
    path = tmp_path / "seq.yaml"
    path.write_text(textwrap.dedent(INTERVIEW))
    inst = load_instrument(path)
    spy = PromptSpy(cached_engine)
    persona = Persona(persona_id="p", demographics={"age": "30-39", "party": "Democrat"})
    rows = ask(spy, [persona], inst, sequential=True, seed=1).answers.set_index("question_id")

    ranking = inst.question("spending_rank")
    first = np.asarray(rows.loc["spending_rank", "probs"])[:: len(ranking.options)]  # rank 1
    top = int(np.argmax(first))
    ranked = f"Answer: ({'ABC'[top]}) {ranking.options[top].text}"
    said = f"Answer: {rows.loc['spend_more', 'texts'][0]}"

    # the open question is asked after the ranking: its sampled answers saw the ranking turn
    assert len({p.model_dump_json() for p in spy.generated}) == 1  # one prompt, n samples
    open_turns = [(m.role, m.content) for m in spy.generated[0].messages]
    assert open_turns[2] == ("assistant", ranked) and "Rank these" in open_turns[1][1]
    # the last question's context: both earlier questions as the persona saw them, answered
    last = [(m.role, m.content) for m in spy.choices[-1].messages]
    assert [role for role, _ in last] == ["system", "user", "assistant", "user", "assistant",
                                          "user"]  # fmt: skip
    assert last[1][1].endswith("Which comes first? Answer with the letter of one option.")
    assert "(A) Public schools\n(B) Dealing with crime\n(C) Social Security" in last[1][1]
    assert "So far you ranked" not in last[1][1]  # the stages' follow-ups stay out of it
    assert last[2] == ("assistant", ranked)
    assert "What should the federal government spend more money on?" in last[3][1]
    assert last[4] == ("assistant", said) and len(said) > len("Answer: ")
    assert "Do you or anyone in your household own a gun?" in last[5][1]
    assert list(rows.sort_values("position").index) == [q.id for q in inst.questions]
