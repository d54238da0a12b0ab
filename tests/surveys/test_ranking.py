"""Rankings: item-by-rank probabilities from successive choices (Plackett-Luce, every prefix),
human ranks from one column per item, the expected-rank distance and the top-1 share's TVD."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chorus.engines import ChoiceDistribution, ChoiceRequest, Prompt
from chorus.surveys import DatasetError, SurveyFileError, ask, load_dataset, load_instrument
from chorus.surveys.conditioning import render_context
from chorus.surveys.metrics.responses import ResponseSet, from_human
from chorus.surveys.persona import Persona
from chorus.surveys.prompts import choice_request, items_for
from chorus.surveys.ranking import passes, rank_distance, rank_stages
from chorus.surveys.scoring import score

DATA = Path(__file__).parent / "data"
RANK = """\
name: r
questions:
  - id: order
    text: Rank these.
    kind: ranking
    options:
      - {label: a, text: Apples}
      - {label: b, text: Bananas}
      - {label: c, text: Cherries}
    sources:
      d: {columns: {a: r_a, b: r_b, c: r_c}}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "r.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("      - {label: b, text: Bananas}\n      - {label: c, text: Cherries}\n", "",
         r"r\.yaml:6: .*a ranking question needs at least 2 options"),
        ("{label: c, text: Cherries}", "{label: c, text: Cherries}\n" + "".join(
            f"      - {{label: x{i}}}\n" for i in range(3)), r"r\.yaml:6: .*at most 5 items"),
        ("{label: c, text: Cherries}", "{label: c, text: None, not_mentioned: true}",
         r"r\.yaml:6: .*a ranking has no not_mentioned option"),
        ("{columns: {a: r_a, b: r_b, c: r_c}}", "{column: r, values: {x: a}}",
         r"r\.yaml:11: .*ranking questions map answers with `columns`"),
    ],
)  # fmt: skip
def test_bad_rankings_name_the_line(tmp_path, old, new, message):
    assert old in RANK
    with pytest.raises(SurveyFileError, match=message):
        load_instrument(_write(tmp_path, RANK.replace(old, new)))


def _dataset(tmp_path: Path, ranks: dict[str, list]) -> Path:
    pd.DataFrame({"id": range(1, len(ranks["r_a"]) + 1), **ranks}).to_csv(
        tmp_path / "d.csv", index=False
    )
    desc = tmp_path / "d.yaml"
    desc.write_text("name: d\nfile: d.csv\nid_column: id\ndemographics: {}\n")
    return desc


def test_human_ranks_from_one_column_per_item(tmp_path):
    inst = load_instrument(_write(tmp_path, RANK))
    desc = _dataset(tmp_path, {"r_a": [1, 3, None], "r_b": [2, 1, None], "r_c": [3, 2, None]})
    rows = from_human(load_dataset(desc), inst).self_rows("order")
    assert rows.shape == (3, 9) and np.isnan(rows[2]).all()
    assert rows[0].reshape(3, 3).tolist() == np.eye(3).tolist()  # a 1st, b 2nd, c 3rd
    assert rows[1].reshape(3, 3).argmax(axis=1).tolist() == [2, 0, 1]
    # ranks that are not a permutation of 1..K name the file and the respondent
    bad = _dataset(tmp_path, {"r_a": [1, 2], "r_b": [2, 2], "r_c": [3, 1]})
    with pytest.raises(DatasetError, match=r"r\.yaml:11: d\.csv, respondent '2' .*not a perm"):
        from_human(load_dataset(bad), inst)
    # the derived ANES test set: the respondents' own ranks, item by item
    priorities = load_instrument(DATA / "priorities.yaml").subset(["spending_rank"])
    human = from_human(load_dataset(DATA / "anes2012_priorities.yaml"), priorities)
    raw = pd.read_csv(DATA / "anes2012_priorities.csv")
    got = human.self_rows("spending_rank").reshape(-1, 4, 4)
    answered = raw["rank_crime"].notna().to_numpy()
    assert np.isnan(got[~answered]).all()
    assert (got[answered, 1].argmax(axis=1) + 1 == raw["rank_crime"][answered]).all()


class _Fixed:
    """An engine double whose choices follow fixed Plackett-Luce weights by letter."""

    def __init__(self, weights: dict[str, float]) -> None:
        self.weights = weights
        self.asked = 0

    def choice(self, requests):
        self.asked += len(requests)
        out = []
        for r in requests:
            w = np.array([self.weights[lab] for lab in r.labels])
            out.append(ChoiceDistribution(labels=list(r.labels), probs=list(w / w.sum()),
                                          raw_mass=1.0, method="next_token"))  # fmt: skip
        return out


def test_every_prefix_is_asked_and_the_orders_are_plackett_luce():
    weights = {"A": 4.0, "B": 2.0, "C": 1.0, "D": 1.0}
    prompt = Prompt.chat(("user", "Rank these."), answer_prefix="Answer: (")
    engine = _Fixed(weights)
    (dist,) = rank_stages(engine, [ChoiceRequest(prompt=prompt, labels=tuple("ABCD"))])
    assert engine.asked == passes(4) == 1 + 4 + 12
    expected = np.zeros((4, 4))
    for order in itertools.permutations("ABCD"):
        p, left = 1.0, list("ABCD")
        for item in order:
            p *= weights[item] / sum(weights[x] for x in left)
            left.remove(item)
        for rank, item in enumerate(order):
            expected["ABCD".index(item), rank] += p
    assert np.asarray(dist.probs).reshape(4, 4) == pytest.approx(expected)


def test_scored_by_expected_ranks_and_the_top1_share(tmp_path):
    inst = load_instrument(_write(tmp_path, RANK))
    perms = [(0, 1, 2), (1, 0, 2), (2, 0, 1), (0, 2, 1)]  # rank index of a, b, c per person
    human_rows = np.array([np.eye(3)[list(p)].ravel() for p in perms])
    sim_m = np.array([[0.5, 0.3, 0.2], [0.3, 0.4, 0.3], [0.2, 0.3, 0.5]])
    human = ResponseSet(np.array(list("wxyz"), dtype=object), np.ones(4),
                        {("order", "self", None): human_rows}, {})  # fmt: skip
    sim = ResponseSet(np.array(["p", "q"], dtype=object), np.ones(2),
                      {("order", "self", None): np.tile(sim_m.ravel(), (2, 1))}, {})  # fmt: skip
    (q,) = score(sim, human, inst, "d", n_boot=0, floor=False, draws=1).questions
    human_ranks = np.array(perms).mean(axis=0) + 1  # a: 1.75, b: 1.75, c: 2.5
    sim_ranks = sim_m @ [1, 2, 3]
    assert q.metric == "rank_difference"
    assert q.wd.value == pytest.approx(np.abs(sim_ranks - human_ranks).mean() / 2, abs=1e-6)
    assert q.wd_raw.value == pytest.approx(np.abs(sim_ranks - human_ranks).mean(), abs=1e-6)
    assert q.uniform == pytest.approx(np.abs(2 - human_ranks).mean() / 2, abs=1e-6)
    top1 = np.array([2, 2, 0]) / 4  # who is ranked first: a twice, b twice
    assert q.extras["top1_tvd"].value == pytest.approx(
        0.5 * np.abs(sim_m[:, 0] - top1).sum(), abs=1e-6
    )
    assert q.dispersion.ratio is None  # ranks have no answer dispersion
    assert rank_distance(sim_m.ravel(), sim_m.ravel()) == 0.0


def test_ranking_on_the_real_model(cached_engine, tmp_path):
    inst = load_instrument(_write(tmp_path, RANK))
    persona = Persona(persona_id="p", demographics={"party": "Democrat", "age": "30-39"})
    results = ask(cached_engine, [persona], inst, debias="none")
    (row,) = results.answers.itertuples()
    m = np.asarray(row.probs).reshape(3, 3)
    assert m.sum(axis=0) == pytest.approx(1) and m.sum(axis=1) == pytest.approx(1)
    # rebuilt by hand: the first choice, then each second choice among the two left
    (item,) = items_for(persona, inst)
    base = choice_request(render_context("qa", persona), [], item, [0, 1, 2])
    first = cached_engine.choice([base])[0].probs
    *before, last = base.prompt.messages
    turns = [(x.role, x.content) for x in before]
    expected = np.zeros((3, 3))
    for i, letter in enumerate("ABC"):
        rest = [x for x in "ABC" if x != letter]
        text = (f"{last.content}\n\nSo far you ranked ({letter}). Which of the remaining options "
                f"({', '.join(rest)}) comes next? Answer with its letter.")  # fmt: skip
        follow = Prompt.chat(*turns, ("user", text), answer_prefix="Answer: (")
        second = cached_engine.choice([ChoiceRequest(prompt=follow, labels=tuple(rest))])[0]
        expected[i, 0] += first[i]
        for j, other in enumerate(rest):
            expected["ABC".index(other), 1] += first[i] * second.probs[j]
            expected["ABC".index(rest[1 - j]), 2] += first[i] * second.probs[j]
    assert m == pytest.approx(expected, abs=1e-6)
    tidy = results.to_pandas()
    assert len(tidy) == 9 and tidy["rank"].tolist() == [1, 2, 3] * 3
    assert tidy.groupby("option")["prob"].sum().to_numpy() == pytest.approx(1)
