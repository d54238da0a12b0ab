"""Grids: one stem and one scale written once, asked as items, scored per item and as a block."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from chorus.surveys import SurveyFileError, load_instrument
from chorus.surveys.answering import answer
from chorus.surveys.metrics.correlation import weighted_corr
from chorus.surveys.metrics.responses import ResponseSet
from chorus.surveys.persona import Persona
from chorus.surveys.prompts import choice_request, items_for
from chorus.surveys.scoring import score

GRID = """\
name: g
questions:
  - id: first
    text: Do you vote?
    kind: single_choice
    options: [{label: "yes"}, {label: "no"}]
  - grid: trust
    stem: How much do you trust each of these?
    kind: ordinal
    options:
      - {label: much, value: 1}
      - {label: some, value: 2}
      - {label: little, value: 3}
    items:
      - id: trust_congress
        text: Congress
        sources: {d: {column: tc, option_values: true}}
      - id: trust_courts
        text: The courts
        reverse_keyed: true
      - id: trust_press
        text: The press
"""


def _load(tmp_path: Path, text: str = GRID):
    path = tmp_path / "g.yaml"
    path.write_text(textwrap.dedent(text))
    return load_instrument(path)


def test_a_grid_becomes_its_items(tmp_path):
    inst = _load(tmp_path)
    assert [q.id for q in inst.questions] == ["first", "trust_congress", "trust_courts",
                                             "trust_press"]  # fmt: skip
    items = inst.grids["trust"]
    assert [q.id for q in items] == ["trust_congress", "trust_courts", "trust_press"]
    assert all(q.kind == "ordinal" and len(q.options) == 3 for q in items)
    assert items[1].reverse_keyed and not items[0].reverse_keyed
    assert inst.where_question("trust_courts", "reverse_keyed").endswith("g.yaml:20")
    assert inst.where_question("trust_congress", "sources").endswith("g.yaml:17")
    asked = [
        choice_request("", [], it, [0, 1, 2]).prompt.messages[-1].content
        for it in items_for(Persona(persona_id="p", demographics={}), inst)[1:]
    ]
    assert all(a.startswith("How much do you trust each of these?\n\n") for a in asked)
    assert "\n\nThe courts\n" in asked[1]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("        text: The courts\n", "        text: The courts\n        options: [{label: x}]\n",
         r"g\.yaml:20: grid 'trust' item 'trust_courts' sets its own `options`"),
        ("        text: The press\n", "        text: The press\n        kind: single_choice\n",
         r"g\.yaml:23: .*sets its own `kind`"),
        ("    stem: How much do you trust each of these?\n", "", r"g\.yaml:7: .*`stem`"),
        ("      - id: trust_courts\n        text: The courts\n        reverse_keyed: true\n"
         "      - id: trust_press\n        text: The press\n", "", r"at least 2 items"),
        ("option_values: true", "bins: [1, 2, 3, 4]",
         r"g\.yaml:17: .*ordinal questions map answers with"),
    ],
)  # fmt: skip
def test_bad_grids_name_the_line(tmp_path, old, new, message):
    assert old in GRID
    with pytest.raises(SurveyFileError, match=message):
        _load(tmp_path, GRID.replace(old, new))


def test_a_grid_is_scored_as_a_block(tmp_path):
    inst = _load(tmp_path)
    rng = np.random.default_rng(1)
    n = 300
    base = rng.integers(0, 3, n)  # people who answer the items alike: correlated items
    human_rows = {
        (q.id, "self", None): np.eye(3)[np.where(rng.random(n) < 0.7, base, rng.integers(0, 3, n))]
        for q in inst.grids["trust"]
    }
    human = ResponseSet(np.arange(n).astype(str).astype(object), np.ones(n), human_rows, {})
    sim_rows = {k: np.eye(3)[rng.integers(0, 3, 40)] for k in human_rows}  # independent items
    sim = ResponseSet(np.arange(40).astype(str).astype(object), np.ones(40), sim_rows, {})
    report = score(sim, human, inst, "d", n_boot=0, floor=False, draws=1)
    (block,) = report.grids
    assert block.grid == "trust" and block.items == ["trust_congress", "trust_courts",
                                                     "trust_press"]  # fmt: skip
    per_item = [q.wd.value for q in report.questions]
    assert block.wd.value == pytest.approx(np.mean(per_item), abs=1e-6)
    values = np.column_stack([human_rows[(q, "self", None)] @ [1, 2, 3] for q in block.items])
    corr = np.corrcoef(values.T)
    assert block.r_human.value == pytest.approx(corr[np.triu_indices(3, 1)].mean(), abs=1e-6)
    assert block.r_human.value > 0.3 and abs(block.r_sim.value) < 0.25
    assert weighted_corr(values, np.ones(n))[0, 1] == pytest.approx(corr[0, 1])


def test_grid_items_on_the_real_model(cached_engine, tmp_path):
    inst = _load(tmp_path).subset(["trust_congress", "trust_courts"])
    persona = Persona(persona_id="p", demographics={"party": "Democrat"})
    rows = answer(cached_engine, [persona], inst)
    assert list(rows.question_id) == ["trust_congress", "trust_courts"]
    assert all(sum(p) == pytest.approx(1.0) and len(p) == 3 for p in rows.probs)
    assert rows.probs[0] != pytest.approx(rows.probs[1])  # the items differ, not the stem


def test_the_instrument_a_run_folder_records_loads_again(tmp_path):
    """A run folder writes the instrument as asked: grid items as questions carrying `grid`
    and `stem`, a numeric question with its generated options; it reloads unchanged."""
    import yaml

    inst = load_instrument("anes2012")
    dumped = tmp_path / "instrument.yaml"
    dumped.write_text(yaml.safe_dump(inst.model_dump(mode="json", exclude_defaults=True)))
    again = load_instrument(dumped)
    assert again.questions == inst.questions and list(again.grids) == ["fedspend"]
