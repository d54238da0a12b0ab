"""The survey feeds the consensus pilot: in the finished tiny study (tests/study/conftest.py),
every representative's prompt carries its persona's own answers and perceptions."""

from __future__ import annotations

import numpy as np
import pytest


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


def test_the_perception_shift_is_in_metrics_and_the_report(finished):
    """The tiny study's panel: an Independent and a Republican (the seed's weighted draw); the
    Republican's representative answers where most Democrats would place the Democratic party
    again, before and after the statements."""
    import json

    from chorus.simulator.consensus import read_episodes

    _, _, run = finished
    (episode,) = read_episodes(run / "consensus")
    answers = {a.condition: a for a in episode.perception.answers}
    assert set(answers) == {"before", "winner", "runner_up"}
    actual = answers["before"].actual
    # Democrats' own weighted mean placement of their party in ANES 2012 (3.19 unweighted)
    assert actual == pytest.approx(3.116, abs=0.001)
    assert all(1 <= a.value <= 7 for a in answers.values())
    assert "agreed with it" in episode.perception.endorsed["winner"]
    metrics = json.loads((run / "metrics.json").read_text())
    (shift,) = metrics["consensus"]["perception_shift"]
    assert (shift["group"], shift["about"], shift["question"]) == (
        "Republicans", "Democrats", "libcpre_ptyd",
    )  # fmt: skip
    expected = abs(answers["winner"].value - actual) - abs(answers["before"].value - actual)
    assert shift["shift_winner"]["value"] == pytest.approx(expected)
    assert "Perception shift (a simulated pre-test)" in (run / "report.html").read_text()
