"""The aggregate crosstab format: microdata converts to it, it reads back, bad tables fail
naming file:line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chorus.surveys import DatasetError, load_dataset, load_instrument
from chorus.surveys.crosstab import (
    crosstab_from_answers,
    crosstab_from_dataset,
    read_crosstab,
    write_crosstab,
)


@pytest.fixture(scope="module")
def anes():
    return load_instrument("anes2012")


def test_microdata_shares_are_the_weighted_shares_and_round_trip(anes, tmp_path):
    ds = load_dataset("anes2012")
    table = crosstab_from_dataset(ds, anes, traits=["party"])
    people = ds.respondents()
    answers = ds.answers(anes, people)
    dem = (
        people["party"].eq("Democrat").fillna(False).to_numpy(dtype=bool)
        & answers["gay_marry"].notna().to_numpy()
    )
    w = answers["weight"].to_numpy()[dem]
    yes = (answers["gay_marry"].to_numpy(dtype=float, na_value=-1)[dem] == 0).astype(float)
    cell = table.cells[("gay_marry", (("party", "Democrat"),))]
    assert cell.n == int(dem.sum())
    assert cell.shares[0] == pytest.approx(float(w @ yes / w.sum()))
    assert table.overall("gay_marry").n == int(answers["gay_marry"].notna().sum())
    path = tmp_path / "ct.csv"
    write_crosstab(table, anes, path)
    back = read_crosstab(path, anes)
    assert back.cells.keys() == table.cells.keys()
    assert all(
        np.allclose(back.cells[k].shares, table.cells[k].shares, atol=1e-5) for k in back.cells
    )


def test_cells_below_the_minimum_are_left_out(anes):
    people = pd.DataFrame(
        {"respondent_id": [str(i) for i in range(40)], "weight": 1.0,
         "gender": ["Male"] * 35 + ["Female"] * 5}
    )  # fmt: skip
    answers = pd.DataFrame(
        {"respondent_id": people["respondent_id"], "weight": 1.0,
         "gay_marry": pd.array([0] * 20 + [1] * 20, dtype="Int64")}
    )  # fmt: skip
    table = crosstab_from_answers(people, answers, anes, traits=["gender"], min_n=30)
    assert ("gay_marry", (("gender", "Male"),)) in table.cells
    assert ("gay_marry", (("gender", "Female"),)) not in table.cells
    assert table.overall("gay_marry").shares.tolist() == [0.5, 0.5]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            ["gay_marry,,yes,0.5,100", "gay_marry,,no,0.3,100"],
            ":2: the shares of gay_marry / overall sum to 0.8",
        ),
        (["gay_marry,,yes,0.5,", "gay_marry,,no,0.5,100"], ":2: `n` is missing"),
        (["nope,,Yes,0.5,100"], ":2: unknown question 'nope'"),
        (["gay_marry,party=Whig,yes,1,100"], ":2: subgroup party=Whig"),
        (["gay_marry,,Maybe,1,100"], ":2: option 'Maybe'"),
    ],
)
def test_bad_tables_name_file_and_line(anes, tmp_path, rows, message):
    path = tmp_path / "bad.csv"
    path.write_text("question_id,subgroup,option,share,n\n" + "\n".join(rows) + "\n")
    with pytest.raises(DatasetError, match=message.replace("(", r"\(")):
        read_crosstab(path, anes)


def test_a_panel_scored_against_its_own_crosstab_has_distance_zero(anes):
    from chorus.surveys import Results, trait_table
    from chorus.surveys.crosstab_score import score_crosstab
    from chorus.surveys.persona import personas_from_respondents

    inst = anes.subset(["gay_marry"])
    ds = load_dataset("anes2012")
    people = ds.respondents(60, seed=1)  # weighted draw: every weight is 1
    answers = ds.answers(inst, people)
    ok = answers["gay_marry"].notna().to_numpy()
    people, answers = people[ok], answers[ok]
    personas = personas_from_respondents(people)
    rows = [
        {"persona_id": p.persona_id, "question_id": "gay_marry", "perspective": "self",
         "group": None, "labels": ["yes", "no"], "probs": [1.0 - a, float(a)]}
        for p, a in zip(personas, answers["gay_marry"].to_numpy(dtype=int))
    ]  # fmt: skip
    results = Results(pd.DataFrame(rows), inst, trait_table(personas))
    table = crosstab_from_answers(people, answers, inst, traits=["party"], min_n=1)
    report = score_crosstab(results, table)
    (row,) = report["questions"]
    assert row["d_overall"] == pytest.approx(0.0, abs=1e-9)
    assert row["d_subgroups"] == pytest.approx(0.0, abs=1e-9) and row["cells"]
    assert row["uniform_overall"] > 0.01


DATA = Path(__file__).parent / "data"


def test_several_answer_kinds_are_refused_naming_question_and_kind(tmp_path):
    """`chorus data crosstab` of a check-all-that-apply or ranking question: an error naming
    the question and its kind, a non-zero exit and no file; `--questions` leaves it out;
    reading a crosstab row of one names file:line."""
    from typer.testing import CliRunner

    from chorus.cli import app

    runner = CliRunner()
    for inst, ds, qid, kind in (("support.yaml", "anes2012_support.yaml", "support",
                                 "multi_select"),
                                ("priorities.yaml", "anes2012_priorities.yaml", "spending_rank",
                                 "ranking")):  # fmt: skip
        out = tmp_path / f"{qid}.csv"
        args = ["data", "crosstab", str(DATA / ds), "--instrument", str(DATA / inst),
                "--out", str(out), "--traits", "party"]  # fmt: skip
        got = runner.invoke(app, args)
        assert got.exit_code != 0
        assert f"question {qid!r} is a {kind} question" in got.output
        assert "--human DATASET" in got.output and not out.exists()
    # the ranking's instrument also has an open answer: tabulated alone it is its themes
    out = tmp_path / "themes.csv"
    got = runner.invoke(app, ["data", "crosstab", str(DATA / "anes2012_priorities.yaml"),
                              "--instrument", str(DATA / "priorities.yaml"), "--out", str(out),
                              "--traits", "party", "--questions", "spend_more"])  # fmt: skip
    assert got.exit_code == 0, got.output
    assert set(pd.read_csv(out).question_id) == {"spend_more"}
    bad = tmp_path / "bad.csv"
    bad.write_text("question_id,subgroup,option,share,n\nsupport,,same_sex_marriage,0.5,10\n")
    with pytest.raises(DatasetError, match=r"bad\.csv:2: question 'support' is a multi_select"):
        read_crosstab(bad, load_instrument(DATA / "support.yaml"))


def test_open_answers_tabulate_as_theme_shares():
    """An open question's coded answers (theme positions, as `HumanDataset.answers` gives
    them) become weighted theme shares, `other` included."""
    inst = load_instrument(DATA / "priorities.yaml").subset(["spend_more"])
    q = inst.question("spend_more")
    k = len(q.substantive_options)
    rng = np.random.default_rng(0)
    theme = rng.integers(0, k, 60).astype(float)
    theme[:4] = np.nan  # no answer
    w = rng.uniform(0.5, 2.0, 60)
    people = pd.DataFrame({"respondent_id": [str(i) for i in range(60)], "weight": w})
    answers = people.assign(spend_more=theme)
    table = crosstab_from_answers(people, answers, inst, traits=[])
    ok = ~np.isnan(theme)
    expected = np.bincount(theme[ok].astype(int), weights=w[ok], minlength=k) / w[ok].sum()
    cell = table.overall("spend_more")
    assert cell is not None and cell.n == ok.sum()
    assert cell.shares == pytest.approx(expected)
    assert q.substantive_options[-1].label == "other"
