"""The perception pre-test's parts without the model: the real out-group means it compares with,
the shift arithmetic, the mediator's panel summary, and the named warning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chorus.simulator.consensus import Episode, MediatorSettings, draft_requests
from chorus.simulator.consensus.measures import perception_shifts
from chorus.simulator.consensus.panel_summary import panel_summary
from chorus.simulator.consensus.perception import PerceptionMismatch, own_group_means
from chorus.simulator.consensus.schema import PerceptionAnswer, PerceptionCheck
from chorus.surveys import ResponseSet, Results, load_dataset, load_instrument


def test_real_out_group_means_are_the_groups_weighted_self_answers():
    """ANES 2012's party placements of the Democratic party: computed here from the raw answer
    table (Democrats 3.19 and Republicans 1.93 unweighted, as the issue quotes them)."""
    from chorus.surveys import from_human

    ds, inst = load_dataset("anes2012"), load_instrument("anes2012")
    means = own_group_means(from_human(ds, inst), inst, ds.name)
    people = ds.respondents()
    table = ds.answers(inst, people)
    for party, group, unweighted in (
        ("Democrat", "Democrats", 3.19),
        ("Republican", "Republicans", 1.93),
    ):
        who = people["party"].eq(party).fillna(False).to_numpy(dtype=bool)
        x = table.loc[who, "libcpre_ptyd"].astype(float).to_numpy() + 1  # position 0 = value 1
        w = table.loc[who, "weight"].to_numpy(dtype=float)
        ok = np.isfinite(x)
        assert means[("libcpre_ptyd", group)] == pytest.approx(np.average(x[ok], weights=w[ok]))
        assert x[ok].mean() == pytest.approx(unweighted, abs=0.005)


def test_a_group_without_answers_is_left_out_with_a_named_warning():
    inst = load_instrument("anes2012").subset(["libcpre_ptyd"])
    human = ResponseSet(
        ids=np.array(["1", "2"], dtype=object),
        weights=np.ones(2),
        rows={("libcpre_ptyd", "self", None): np.eye(7)[[0, 2]]},
        traits={"party": np.array(["Democrat", "Democrat"], dtype=object)},
    )
    with pytest.warns(
        PerceptionMismatch, match="dataset toy: no Republicans answered 'libcpre_ptyd'"
    ):
        means = own_group_means(human, inst, "toy")
    assert means == {("libcpre_ptyd", "Democrats"): 2.0}


def _answer(pid, condition, value, actual=4.0):
    return PerceptionAnswer(
        participant_id=pid, group="Republicans", question_id="libcpre_ptyd", about="Democrats",
        condition=condition, value=value, actual=actual,
    )  # fmt: skip


def test_shift_is_the_change_in_absolute_error_per_representative():
    check = PerceptionCheck(
        statements={"winner": "w", "runner_up": "r"},
        endorsed={},
        answers=[
            _answer("a", "before", 2.0),
            _answer("a", "winner", 3.0),
            _answer("a", "runner_up", 1.0),
            _answer("b", "before", 5.0),
            _answer("b", "winner", 4.5),
            _answer("b", "runner_up", 5.0),
            _answer("c", "before", 1.0, actual=None),  # no real out-group answer: left out
        ],
    )  # fmt: skip
    episode = Episode.model_construct(perception=check)
    (shift,) = perception_shifts([episode])
    # errors: a -2 -> -1 (control -3), b +1 -> +0.5 (control +1)
    assert shift.error_before.value == pytest.approx(-0.5)
    assert shift.error_winner.value == pytest.approx(-0.25)
    assert shift.shift_winner.value == pytest.approx(((1 - 2) + (0.5 - 1)) / 2)
    assert shift.shift_runner_up.value == pytest.approx(((3 - 2) + (1 - 1)) / 2)
    assert shift.error_before.n == 2 and shift.actual == 4.0


def test_the_mediator_sees_the_panel_summary_only_when_given():
    inst = load_instrument("anes2012").subset(["gay_marry", "libcpre_ptyd"])

    def row(pid, qid, persp, group, probs):
        labels = [o.label for o in inst.question(qid).options]
        return dict(persona_id=pid, question_id=qid, perspective=persp, group=group,
                    labels=labels, probs=probs)  # fmt: skip

    results = Results(
        answers=pd.DataFrame([
            row("r", "gay_marry", "self", None, [0.1, 0.9]),
            row("d", "gay_marry", "self", None, [0.8, 0.2]),
            row("d", "libcpre_ptyd", "self", None, [0, 0, 1, 0, 0, 0, 0]),
            row("r", "libcpre_ptyd", "outgroup", "Democrats", [1, 0, 0, 0, 0, 0, 0]),
        ]),
        instrument=inst,
        traits=pd.DataFrame({"persona_id": ["r", "d"], "party": ["Republican", "Democrat"]}),
    )  # fmt: skip
    summary = panel_summary(["r", "d"], results)
    assert summary.startswith("On this panel: 1 Democrats, 1 Republicans.")
    assert "most Democrats answer 'Yes, they should be allowed to legally marry'" in summary
    assert "the Republicans here say 1.0 on average; the Democrats here answer 3.0" in summary

    def user_text(panel):
        settings = MediatorSettings(panel=panel)
        ((_, req),) = draft_requests(
            "Q?", {"r": "x", "d": "y"}, 1, seed=0, tag="t", settings=settings
        )
        return req.prompt.messages[-1].content

    assert "Democrats here answer 3.0" in user_text(summary)
    assert "survey" not in user_text(None)


def test_the_panel_summary_tells_selections_and_rankings_as_such(tmp_path):
    """A check-all-that-apply question: each group's options a majority select (not the first
    option's share); a ranking: the item the group most often ranks first (not item 0's rank
    probabilities); neither enters the out-group comparison, which has no mean position."""
    path = tmp_path / "i.yaml"
    path.write_text(
        "name: mixed\n"
        "groups:\n  party:\n    trait: party\n    members:\n"
        "      - {name: Democrats, singular: a Democrat, categories: [Democrat]}\n"
        "      - {name: Republicans, singular: a Republican, categories: [Republican]}\n"
        "questions:\n"
        "  - id: news\n    text: Where do you get news?\n    kind: multi_select\n"
        "    perspectives: [self, outgroup]\n    groups: party\n"
        "    options: [{label: tv, text: Television}, {label: web, text: Websites},\n"
        "              {label: radio, text: Radio}]\n"
        "  - id: order\n    text: Rank these.\n    kind: ranking\n"
        "    options: [{label: a, text: Alpha}, {label: b, text: Beta}, {label: c, text: Gamma}]\n"
    )
    inst = load_instrument(path)

    def row(pid, qid, persp, group, probs):
        labels = [o.label for o in inst.question(qid).options]
        return dict(persona_id=pid, question_id=qid, perspective=persp, group=group,
                    labels=labels, probs=probs)  # fmt: skip

    # item-by-rank rows, item-major: Democrats rank Gamma first, Republicans Alpha
    dem_rank = np.array([[0.2, 0.3, 0.5], [0.3, 0.4, 0.3], [0.5, 0.3, 0.2]]).ravel()
    rep_rank = np.array([[0.6, 0.2, 0.2], [0.3, 0.3, 0.4], [0.1, 0.5, 0.4]]).ravel()
    results = Results(
        answers=pd.DataFrame([
            row("d1", "news", "self", None, [0.9, 0.2, 0.6]),
            row("d2", "news", "self", None, [0.7, 0.4, 0.6]),
            row("r1", "news", "self", None, [0.3, 0.9, 0.1]),
            row("r1", "news", "outgroup", "Democrats", [0.1, 0.1, 0.1]),
            row("d1", "order", "self", None, list(dem_rank)),
            row("d2", "order", "self", None, list(dem_rank)),
            row("r1", "order", "self", None, list(rep_rank)),
        ]),
        instrument=inst,
        traits=pd.DataFrame({"persona_id": ["d1", "d2", "r1"],
                             "party": ["Democrat", "Democrat", "Republican"]}),
    )  # fmt: skip
    summary = panel_summary(["d1", "d2", "r1"], results)
    assert (
        "most Democrats select 'Television' and 'Radio'; most Republicans select 'Websites'"
        in summary
    )
    assert "most Democrats rank 'Gamma' first; most Republicans rank 'Alpha' first" in summary
    assert "Asked how most" not in summary
