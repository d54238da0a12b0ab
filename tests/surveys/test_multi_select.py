"""Check-all-that-apply: inclusion probabilities per option, constraints, human data as one
delimited column or one column per option, selection-rate distance and the count TVD."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chorus.engines import ChoiceRequest, Prompt
from chorus.surveys import SurveyFileError, ask, load_dataset, load_instrument
from chorus.surveys.conditioning import render_context
from chorus.surveys.metrics.responses import ResponseSet, from_human
from chorus.surveys.multi import constrain, count_distribution
from chorus.surveys.persona import Persona
from chorus.surveys.prompts import choice_request, items_for
from chorus.surveys.scoring import score

DATA = Path(__file__).parent / "data"
PICK = """\
name: pick
questions:
  - id: media
    text: Which of these do you use for news?
    kind: multi_select
    max_select: 2
    options:
      - {label: tv, text: Television}
      - {label: web, text: Websites}
      - {label: none, text: None of these, exclusive: true}
    sources:
      d: {columns: {tv: news_tv, web: news_web, none: news_none}, selected: ["1"]}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pick.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    max_select: 2\n", "    max_select: 1\n    min_select: 2\n",
         r"pick\.yaml:7: .*min_select 2 > max_select 1"),
        ("    max_select: 2\n", "    max_select: 4\n", r"pick\.yaml:6: .*max_select 4 > 3 options"),
        ("kind: multi_select", "kind: single_choice", r"pick\.yaml:6: .*`max_select` is for"),
        ("{label: web, text: Websites}", "{label: web, text: Websites, exclusive: true}",
         r"pick\.yaml:10: .*only one option can be exclusive"),
        ("columns: {tv: news_tv,", "columns: {radio: news_tv,", r"pick\.yaml:12: .*'radio'"),
        ("{columns: {tv: news_tv, web: news_web, none: news_none}, selected: [\"1\"]}",
         "{column: news, values: {a: tv}}", r"multi_select questions map answers with"),
    ],
)  # fmt: skip
def test_bad_multi_select_questions_name_the_line(tmp_path, old, new, message):
    assert old in PICK
    with pytest.raises(SurveyFileError, match=message):
        load_instrument(_write(tmp_path, PICK.replace(old, new)))


def test_human_selections_from_columns_or_one_delimited_column(tmp_path):
    inst = load_instrument(_write(tmp_path, PICK))
    pd.DataFrame(
        {"id": [1, 2, 3, 4], "news_tv": [1, 0, None, 0], "news_web": [1, 1, None, 0],
         "news_none": [0, 0, None, 1]}
    ).to_csv(tmp_path / "d.csv", index=False)  # fmt: skip
    desc = tmp_path / "d.yaml"
    desc.write_text("name: d\nfile: d.csv\nid_column: id\ndemographics: {}\n")
    rows = from_human(load_dataset(desc), inst).self_rows("media")
    assert rows[0].tolist() == [1, 1, 0] and rows[1].tolist() == [0, 1, 0]
    assert np.isnan(rows[2]).all() and rows[3].tolist() == [0, 0, 1]
    # the derived ANES test dataset: one delimited column
    support = load_instrument(DATA / "support.yaml")
    human = from_human(load_dataset(DATA / "anes2012_support.yaml"), support)
    raw = pd.read_csv(DATA / "anes2012_support.csv")["support"]
    got = human.self_rows("support")
    assert np.isnan(got[raw.isna().to_numpy()]).all()
    said = raw.fillna("").str.contains("death_penalty").to_numpy()
    assert (got[raw.notna().to_numpy(), 1] == said[raw.notna().to_numpy()]).all()


def test_constraints_condition_the_independent_answers():
    p = np.array([0.6, 0.3, 0.2])

    def brute(ok) -> np.ndarray:
        subsets = [np.array(s) for s in itertools.product((0, 1), repeat=3) if ok(np.array(s))]
        w = np.array([np.prod(np.where(s == 1, p, 1 - p)) for s in subsets])
        return (w[:, None] * np.array(subsets)).sum(axis=0) / w.sum()

    assert constrain(p, 0, None, None) is p  # no constraint: the answers as they are
    assert constrain(p, 0, 2, 2) == pytest.approx(
        brute(lambda s: s.sum() <= 2 and (s[2] == 0 or s.sum() == 1))
    )
    assert constrain(p, 1, None, None) == pytest.approx(brute(lambda s: s.sum() >= 1))


def test_count_distribution_is_exact_for_people_and_poisson_binomial_for_personas():
    human = np.array([[1, 0, 1], [0, 0, 0], [1, 1, 1], [1, 0, 0]], dtype=float)
    assert count_distribution(human, np.ones(4)) == pytest.approx([0.25, 0.25, 0.25, 0.25])
    p = np.array([[0.5, 0.2, 0.9]])
    by_count = np.zeros(4)
    for s in itertools.product((0, 1), repeat=3):
        by_count[sum(s)] += np.prod([x if c else 1 - x for x, c in zip(p[0], s)])
    assert count_distribution(p, np.ones(1)) == pytest.approx(by_count)


def test_scored_by_selection_rates_and_the_count(tmp_path):
    inst = load_instrument(_write(tmp_path, PICK))
    human_rows = np.array([[1, 1, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=float)
    human = ResponseSet(np.array(list("abcd"), dtype=object), np.ones(4),
                        {("media", "self", None): human_rows}, {})  # fmt: skip
    sim_p = np.array([0.7, 0.4, 0.1])
    sim = ResponseSet(np.array(["p", "q"], dtype=object), np.ones(2),
                      {("media", "self", None): np.tile(sim_p, (2, 1))}, {})  # fmt: skip
    (q,) = score(sim, human, inst, "d", n_boot=0, floor=False, draws=1).questions
    rates = human_rows.mean(axis=0)
    assert q.metric == "rate_difference" and q.sim == pytest.approx(sim_p)
    assert q.wd.value == pytest.approx(np.abs(sim_p - rates).mean(), abs=1e-6)
    assert q.uniform == pytest.approx(np.abs(0.5 - rates).mean(), abs=1e-6)
    counts = np.bincount(human_rows.sum(axis=1).astype(int), minlength=4) / 4
    sim_counts = count_distribution(np.tile(sim_p, (2, 1)), np.ones(2))
    expected = 0.5 * np.abs(sim_counts - counts).sum()
    assert q.extras["count_tvd"].value == pytest.approx(expected, abs=1e-6)
    assert q.dispersion.ratio is None  # selection rates have no answer dispersion


def test_multi_select_on_the_real_model(cached_engine):
    inst = load_instrument(DATA / "support.yaml")
    persona = Persona(persona_id="p", demographics={"party": "Democrat", "age": "30-39"})
    results = ask(cached_engine, [persona], inst, debias="none")
    (row,) = results.answers.itertuples()
    probs = np.asarray(row.probs)
    assert len(probs) == 6 and ((probs >= 0) & (probs <= 1)).all()
    # each option's P(Yes) to its own follow-up question, then the exclusive "none of these"
    # conditioning the answers (only alone), rebuilt here by hand
    (item,) = items_for(persona, inst)
    base = choice_request(render_context("qa", persona), [], item, list(range(6)))
    *before, last = base.prompt.messages
    turns = [(m.role, m.content) for m in before]
    yes = []
    for letter in "ABCDEF":
        ask_one = f"{last.content}\n\nWould you select option ({letter})? Answer Yes or No."
        follow = Prompt.chat(*turns, ("user", ask_one), answer_prefix="Answer:")
        dist = cached_engine.choice([ChoiceRequest(prompt=follow, labels=("Yes", "No"))])[0]
        yes.append(dist.probs[0])
    assert probs == pytest.approx(constrain(np.array(yes), 0, None, 5), abs=1e-6)
    assert probs[5] < yes[5] and 0 < results.answers.raw_mass[0] <= 1


def test_a_sequential_history_records_the_likeliest_selection(tmp_path):
    """The history turn of a check-all-that-apply answer lists the options of the likeliest
    allowed selection (by enumerating every subset here), not only the likeliest option."""
    from chorus.surveys.multi import likeliest
    from chorus.surveys.prompts import answer_turn

    inst = load_instrument(_write(tmp_path, PICK))
    q = inst.question("media")
    (item,) = items_for(Persona(persona_id="p", demographics={}), inst)

    def brute(p):
        allowed = [s for s in itertools.product((0, 1), repeat=3)
                   if sum(s) <= 2 and (not s[2] or sum(s) == 1)]  # fmt: skip
        lik = [np.prod([x if b else 1 - x for x, b in zip(p, s)]) for s in allowed]
        return [i for i, b in enumerate(allowed[int(np.argmax(lik))]) if b]

    for p in ([0.9, 0.7, 0.1], [0.2, 0.3, 0.6], [0.6, 0.2, 0.55], [0.1, 0.2, 0.3]):
        assert likeliest(q, np.array(p)) == brute(p)
    assert answer_turn(item, [0, 1, 2], [0, 1]) == "Answer: (A) Television, (B) Websites"
    assert answer_turn(item, [1, 0, 2], []) == "Answer: none of them"


def test_the_report_chart_marks_chance_at_one_half_per_option(monkeypatch):
    """A selection-rate chart's chance line is the kind's (1/2 per option), not 1/K."""
    import matplotlib.pyplot as plt

    from chorus.simulator.report import figures

    levels = []
    real = plt.Axes.axhline

    def spy(self, y=0, *args, **kwargs):
        levels.append(y)
        return real(self, y, *args, **kwargs)

    monkeypatch.setattr(plt.Axes, "axhline", spy)
    figures.distribution("q", ["a", "b", "c"], ([0.2, 0.9, 0.1], [0, 0, 0]), [], "", 0.5)
    figures.distribution("q", ["a", "b", "c"], ([0.2, 0.7, 0.1], [0, 0, 0]), [], "")
    assert levels == [0.5, pytest.approx(1 / 3)]
