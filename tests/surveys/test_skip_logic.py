"""Skip logic (`ask_if`) and randomised blocks: conditions checked at load with file:line, the
probability of being asked from a persona's own distributions, the human base of those who met
the condition in the data, scores weighted by it, and per-persona shuffled block orders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chorus.surveys import SurveyFileError, ask, load_dataset, load_instrument
from chorus.surveys.conditions import compile_condition, parse
from chorus.surveys.metrics.responses import ResponseSet, from_human
from chorus.surveys.order import persona_order
from chorus.surveys.persona import Persona
from chorus.surveys.prompts import items_for
from chorus.surveys.scoring import score
from chorus.surveys.skip import asked_probabilities
from tests.surveys.spy import PromptSpy

DATA = Path(__file__).parent / "data"
SKIP = DATA / "anes2012_skip.yaml"
ANES = Path(__file__).resolve().parents[2] / "surveys" / "data" / "anes2012"

SMALL = """\
name: small
questions:
  - id: party
    text: Which party?
    kind: single_choice
    options: [{label: dem}, {label: rep}, {label: ind}]
  - id: color
    text: Favourite colour?
    kind: single_choice
    options: [{label: red}, {label: blue}]
  - id: follow
    text: A follow-up?
    kind: single_choice
    ask_if: party in [dem, rep] and color == red
    options: [{label: "yes"}, {label: "no"}]
  - id: deeper
    text: Deeper still?
    kind: single_choice
    ask_if: follow == "yes"
    options: [{label: "yes"}, {label: "no"}]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "i.yaml"
    path.write_text(text)
    return path


def test_a_condition_is_the_probability_of_meeting_it():
    """`party in [dem, rep] and color == red` from independent answers: P(dem or rep) x P(red);
    one question's answers combine exactly; an answer not given meets nothing (`!=` too)."""
    labels = {"party": ["dem", "rep", "ind"], "color": ["red", "blue"]}
    truth = compile_condition(parse("party in [dem, rep] and color == red"), labels.__getitem__)
    party, color = np.array([[0.5, 0.3, 0.2]]), np.array([[0.4, 0.6]])
    got = truth.probability([party, color], [np.ones(1), np.ones(1)])
    assert got[0] == pytest.approx(0.8 * 0.4)
    same = compile_condition(parse("party in [dem, rep] and party != rep"), labels.__getitem__)
    assert same.probability([party], [np.ones(1)])[0] == pytest.approx(0.5)
    either = compile_condition(parse("party == ind or color == 'blue'"), labels.__getitem__)
    assert either.probability([party, color], [np.ones(1)] * 2)[0] == pytest.approx(
        1 - 0.8 * 0.4
    )
    # asked with probability 0.5 only: "!= rep" holds for dem and ind among those asked
    not_rep = compile_condition(parse("party != rep"), labels.__getitem__)
    assert not_rep.probability([party], [np.array([0.5])])[0] == pytest.approx(0.5 * 0.7)
    assert not_rep.probability([np.full((1, 3), np.nan)], [np.ones(1)])[0] == 0.0


def test_asked_probabilities_chain_through_earlier_conditions(tmp_path):
    inst = load_instrument(_write(tmp_path, SMALL))
    rows = [
        ("p", "party", [0.5, 0.3, 0.2]),
        ("p", "color", [0.4, 0.6]),
        ("p", "follow", [0.9, 0.1]),
        ("p", "deeper", [0.5, 0.5]),
        ("q", "party", [0.0, 0.0, 1.0]),
        ("q", "follow", [0.9, 0.1]),
        ("q", "color", [1.0, 0.0]),
    ]
    table = pd.DataFrame(
        [{"persona_id": p, "question_id": q, "perspective": "self", "group": None,
          "probs": probs} for p, q, probs in rows]
    )  # fmt: skip
    asked = dict(zip(zip(table.persona_id, table.question_id), asked_probabilities(table, inst)))
    assert asked[("p", "party")] == 1.0 and asked[("p", "color")] == 1.0
    assert asked[("p", "follow")] == pytest.approx(0.8 * 0.4)
    # asked `deeper` only if asked `follow` and answered yes there
    assert asked[("p", "deeper")] == pytest.approx(0.8 * 0.4 * 0.9)
    assert asked[("q", "follow")] == 0.0  # an independent is never asked


@pytest.mark.parametrize(
    ("change", "new", "message"),
    [
        ("ask_if: follow ==", "ask_if: nothing ==", r"i\.yaml:19: .*unknown question 'nothing'"),
        ("color == red", "color == green", r"i\.yaml:14: .*'color' has no option 'green'"),
        ("ask_if: follow ==", "ask_if: deeper ==", r"i\.yaml:19: .*refers to itself \(a cycle\)"),
        ("party in [dem, rep] and", "deeper == 'yes' and",
         r"i\.yaml:14: .*refers to 'deeper', asked later"),
        ("color == red", "color = red", r"i\.yaml:14: .*cannot parse"),
        ("color == red", "color > red", r"i\.yaml:14: .*unsupported comparison"),
    ],
)  # fmt: skip
def test_bad_conditions_name_the_file_and_line(tmp_path, change, new, message):
    with pytest.raises(SurveyFileError, match=message):
        load_instrument(_write(tmp_path, SMALL.replace(change, new)))


def test_a_bad_condition_fails_the_command_without_output(tmp_path):
    from typer.testing import CliRunner

    from chorus.cli import app

    bad = _write(tmp_path, SMALL.replace("color == red", "color == green"))
    out = tmp_path / "run"
    ran = CliRunner().invoke(app, ["survey", "run", str(bad), "--personas", "anes2012",
                                   "--n", "1", "--out", str(out)])  # fmt: skip
    assert ran.exit_code != 0 and "i.yaml:14" in ran.output and not out.exists()


def test_a_selection_without_the_condition_questions_is_refused(tmp_path):
    inst = load_instrument(_write(tmp_path, SMALL))
    with pytest.raises(ValueError, match=r"'follow' is asked only if .*\['party', 'color'\]"):
        inst.subset(["follow"])
    assert [q.id for q in inst.subset(["party", "color", "follow"]).questions] == [
        "party", "color", "follow"
    ]  # fmt: skip


def test_the_human_base_is_those_who_met_the_condition_in_the_data():
    """gun_control is asked of gun owners only (a test pattern built from real answers): the
    respondents with an answer are those whose raw owngun_owngun is '1. Yes' and who answered
    gun_control, counted here from the raw file."""
    inst = load_instrument(SKIP)
    human = from_human(load_dataset("anes2012"), inst)
    raw = pd.read_csv(ANES / "anes2012_respondents.csv",
                      usecols=["owngun_owngun", "gun_control", "fedspend_poor"])  # fmt: skip
    expected = int((raw.owngun_owngun.eq("1. Yes") & raw.gun_control.notna()).sum())
    answered = ~np.isnan(human.self_rows("gun_control")).any(axis=1)
    assert answered.sum() == expected and 0 < expected < len(raw)
    own = human.self_rows("own_gun")
    assert (own[answered, 0] == 1).all()
    # the spending items are not conditional: every answer kept
    spend = ~np.isnan(human.self_rows("fedspend_poor")).any(axis=1)
    assert spend.sum() == raw.fedspend_poor.notna().sum()


def test_scores_weigh_each_persona_by_its_probability_of_being_asked():
    inst = load_instrument(SKIP).subset(["own_gun", "gun_control"])
    sim = ResponseSet(
        ids=np.array(["a", "b"], dtype=object),
        weights=np.array([1.0, 3.0]),
        rows={("own_gun", "self", None): np.array([[0.9, 0.1], [0.2, 0.8]]),
              ("gun_control", "self", None): np.array([[0, 0, 1.0], [1.0, 0, 0]])},
        traits={},
        asked={("gun_control", "self", None): np.array([0.9, 0.2])},
    )  # fmt: skip
    human = from_human(load_dataset("anes2012"), inst)
    q = {s.id: s for s in score(sim, human, inst, "anes2012", n_boot=0, floor=False).questions}
    w = np.array([1.0 * 0.9, 3.0 * 0.2])
    assert q["gun_control"].sim == pytest.approx([w[1] / w.sum(), 0, w[0] / w.sum()], abs=1e-6)
    assert q["gun_control"].ask_if == "own_gun == yes"
    assert q["gun_control"].sim_asked == pytest.approx((0.9 + 3 * 0.2) / 4)
    assert q["own_gun"].sim == pytest.approx([(0.9 + 3 * 0.2) / 4, (0.1 + 3 * 0.8) / 4])
    assert q["own_gun"].sim_asked is None


def test_block_orders_are_seeded_per_persona_and_recorded(tmp_path):
    inst = load_instrument(SKIP)
    block = inst.block_ids["spending"]
    orders = {p: [q.id for q in persona_order(inst, p, 0)] for p in "abcdefgh"}
    assert orders == {p: [q.id for q in persona_order(inst, p, 0)] for p in "abcdefgh"}
    assert len({tuple(o) for o in orders.values()}) > 1  # personas differ
    for o in orders.values():  # only the block moves, within its own places
        assert o[:2] == ["own_gun", "gun_control"] and sorted(o[2:]) == sorted(block)
    assert any(persona_order(inst, "a", s) != persona_order(inst, "a", 0) for s in range(1, 6))
    items = items_for(Persona(persona_id="b", demographics={}), inst)
    assert [(i.question.id, i.position) for i in items] == [
        (qid, k) for k, qid in enumerate(orders["b"])
    ]


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        ("  spending: [spend, nothing]\n", r"i\.yaml:\d+: .*'nothing' is neither a question"),
        ("  a: [spend]\n  b: [fedspend_poor, own_gun]\n", r"'fedspend_poor' is in blocks"),
        ("  a: [own_gun, gun_control]\n", r"refers to 'own_gun', asked later"),
    ],
)
def test_bad_blocks_name_the_line(tmp_path, blocks, message):
    text = SKIP.read_text().split("blocks:")[0] + "blocks:\n" + blocks
    with pytest.raises(SurveyFileError, match=message):
        load_instrument(_write(tmp_path, text))


def test_real_model_skip_weights_and_a_sequential_block_order(cached_engine):
    """On the embedded model: gun_control's `asked` is the persona's own probability of
    answering own_gun "yes"; in sequential mode the last question's context holds the block's
    earlier questions in the persona's own order."""
    inst = load_instrument(SKIP)
    people = [Persona(persona_id=p, demographics={"age": "40-49"}) for p in ("b", "c")]
    results = ask(cached_engine, people, inst.subset(["own_gun", "gun_control"]), debias="none")
    table = results.answers.set_index(["persona_id", "question_id"])
    for p in ("b", "c"):
        yes = table.loc[(p, "own_gun"), "probs"][0]
        assert table.loc[(p, "gun_control"), "asked"] == pytest.approx(yes, rel=1e-9)
        assert table.loc[(p, "own_gun"), "asked"] == 1.0
    tidy = results.to_pandas()
    assert set(tidy.loc[tidy.question_id == "gun_control", "asked"]) == {
        table.loc[("b", "gun_control"), "asked"], table.loc[("c", "gun_control"), "asked"]
    }  # fmt: skip
    spy = PromptSpy(cached_engine)
    spent = inst.subset(inst.block_ids["spending"])
    rows = ask(spy, people[:1], spent, debias="none", sequential=True).answers
    order = [q.id for q in persona_order(spent, "b", 0)]
    assert list(rows.sort_values("position").question_id) == order
    last = spy.choices[-1].messages
    asked = [m.content for m in last if m.role == "user"]
    texts = {q.id: q.text for q in spent.questions}
    assert [next(qid for qid, t in texts.items() if t in a) for a in asked] == order
