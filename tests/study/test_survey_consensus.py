"""The survey feeds the consensus pilot: in the finished tiny study (tests/study/conftest.py),
every representative's prompt carries its persona's own answers and perceptions."""

from __future__ import annotations

import numpy as np


def test_every_representative_carries_its_own_survey_answers(finished):
    from chorus.simulator.consensus import read_episodes
    from chorus.surveys import read_survey

    _, _, run = finished
    results, _ = read_survey(run / "survey" / "backstory")
    (episode,) = read_episodes(run / "consensus")
    assert "O" in episode.sections and "M" in episode.sections
    inst = results.instrument
    for pid in episode.participants:
        context = episode.contexts[pid]
        rows = results.answers[results.answers["persona_id"] == pid]
        assert len(rows)
        for qid, persp, group, probs in rows[
            ["question_id", "perspective", "group", "probs"]
        ].itertuples(index=False):
            q = inst.question(qid)
            p = np.asarray(probs)[: len(q.substantive_options)]
            best = q.substantive_options[int(np.argmax(p))].text
            sure = f"({100 * round(p.max() / p.sum(), 3):.0f}% sure)"
            if persp == "self":
                assert f"answered <answer>{best}</answer> {sure}" in context
            else:
                side = "their own group" if persp == "ingroup" else "the other group"
                assert f"Asked how most {group} ({side}) would answer" in context
                assert f"said <answer>{best}</answer> {sure}" in context
