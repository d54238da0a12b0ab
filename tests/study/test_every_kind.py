"""A whole questionnaire, one question of every kind (single choice, an `ask_if` question, a
0-100 number, a grid in a randomised block, check all that apply, a ranking, an open answer),
end to end on the embedded model through the three ways in: a study (`chorus run`, its
metrics.json and report), `chorus survey run` + `chorus survey score`, and the notebook API.

One test, because every kind costs model time: the study reuses the tiny study's profiled pool
(tests/study/conftest.py), and the survey run and the notebook ask the same personas with the
same engine and cache, so they read the study's answers back from the cache (and must agree
with them). One option order (`debias: none`) halves the model time; combining the orders is
each kind's own test (tests/surveys/test_<kind>.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import chorus
from chorus.cli import app

DATA = Path(__file__).resolve().parents[1] / "surveys" / "data"
INSTRUMENT = DATA / "whole.yaml"
HUMANS = DATA / "anes2012_whole.yaml"
KINDS = {
    "own_gun": "single_choice", "gun_control": "ordinal", "ft_dem": "numeric",
    "fedspend_poor": "ordinal", "fedspend_crime": "ordinal", "support": "multi_select",
    "spending_rank": "ranking", "spend_more": "free_text",
}  # fmt: skip
EXTRAS = {"ft_dem": "median_diff", "support": "count_tvd", "spending_rank": "top1_tvd"}
STUDY = """
name: whole
seed: 3
pool: {{path: {pool}}}
target: {{dataset: {humans}, n: 2}}
matching: {{method: hungarian}}
survey:
  instrument: {instrument}
  conditioning: [backstory]
  perspectives: [self]
  debias: none
  n_boot: 10
consensus: null
"""
runner = CliRunner()


def _scored_every_kind(questions: list[dict]) -> None:
    """Every kind has its distance (in [0, 1]), chance row and real-panel floor, and its own
    extra figure; the conditional question names its condition."""
    assert {q["id"]: q["kind"] for q in questions} == KINDS
    for q in questions:
        assert 0 <= q["wd"]["value"] <= 1, q["id"]
        assert q["uniform"] is not None and q["floor"] is not None, q["id"]
        assert (EXTRAS.get(q["id"]) in q["extras"]) if q["id"] in EXTRAS else not q["extras"]
        assert q["ask_if"] == ("own_gun == yes" if q["id"] == "gun_control" else None)
    numeric = next(q for q in questions if q["id"] == "ft_dem")
    assert len(numeric["sim"]) == 101 and set(numeric["sim_summary"]) >= {"mean", "q50"}
    ranking = next(q for q in questions if q["id"] == "spending_rank")
    assert len(ranking["sim"]) == 9  # 3 items x 3 ranks


def _run_study(tmp_path: Path, pool: Path, cache: Path) -> Path:
    study = tmp_path / "whole.yaml"
    study.write_text(STUDY.format(pool=pool, humans=HUMANS, instrument=INSTRUMENT))
    ran = runner.invoke(app, ["run", str(study), "--runs", str(tmp_path / "runs"),
                              "--cache-file", str(cache)])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    return tmp_path / "runs" / "whole"


def _check_study(run: Path) -> pd.DataFrame:
    metrics = json.loads((run / "metrics.json").read_text())
    backstory = metrics["rows"]["backstory"]
    _scored_every_kind(backstory["questions"])
    answers = pd.read_parquet(run / "survey" / "backstory" / "answers.parquet")
    gun = next(q for q in backstory["questions"] if q["id"] == "gun_control")
    assert gun["sim_asked"] == pytest.approx(answers[answers.question_id == "gun_control"].asked
                                             .mean(), abs=1e-5)  # fmt: skip
    # the chance row is scored for every kind, and the floor per question
    assert [q["id"] for q in metrics["rows"]["uniform"]["questions"]] == list(KINDS)
    assert set(metrics["human_floor"]["questions"]) == set(KINDS)
    (grid,) = backstory["grids"]
    assert grid["grid"] == "fedspend" and grid["items"] == ["fedspend_poor", "fedspend_crime"]
    items = [q["wd"]["value"] for q in backstory["questions"] if q["id"] in grid["items"]]
    assert grid["wd"]["value"] == pytest.approx(np.mean(items), abs=1e-5)  # 6 places in files
    table = pd.read_csv(run / "tables" / "questions.csv")
    assert set(table[table.row == "backstory"].question) == set(KINDS)

    report = (run / "report.html").read_text()
    for qid, kind in KINDS.items():  # a card per question, with its plot, whatever its kind
        card = re.search(rf'id="q-{qid}"><img src="data:image/png;base64,[^"]+".*?\({kind}\)',
                         report, re.S)  # fmt: skip
        assert card, qid
    grids = report[report.index('<section id="grids">') :].split("</section>")[0]
    assert "fedspend_poor, fedspend_crime" in grids
    opened = report[report.index('<section id="open-answers">') :].split("</section>")[0]
    assert "spend_more" in opened and "Social Security and retirement" in opened
    return answers


def _check_tidy(res: chorus.Results, study: pd.DataFrame) -> None:
    """Results.to_pandas() carries every kind in the tidy form docs/formats.md gives (`study`:
    the study's answers for the same personas)."""
    tidy = res.to_pandas()
    rows = tidy.groupby(["persona_id", "question_id"]).size().unstack()
    assert (rows["ft_dem"] == 101).all() and (rows["support"] == 6).all()
    assert (rows["spending_rank"] == 9).all() and (rows["spend_more"] == 6).all()  # 5 + other
    per = tidy.groupby(["persona_id", "question_id"])["prob"].sum().unstack()
    for qid in ("own_gun", "gun_control", "ft_dem", "fedspend_poor", "spend_more"):
        np.testing.assert_allclose(per[qid], 1.0, atol=1e-6)
    chosen = tidy[tidy.question_id == "support"]
    assert chosen.prob.between(0, 1).all() and chosen["rank"].isna().all()
    ranked = tidy[tidy.question_id == "spending_rank"]
    assert sorted(ranked["rank"].unique()) == [1, 2, 3]
    for key in (["persona_id", "option"], ["persona_id", "rank"]):  # a doubly stochastic matrix
        np.testing.assert_allclose(ranked.groupby(key)["prob"].sum(), 1.0, atol=1e-6)
    # the conditional question's `asked` is the persona's own probability of owning a gun
    yes = tidy[(tidy.question_id == "own_gun") & (tidy.option == "yes")].set_index("persona_id")
    asked = tidy[tidy.question_id == "gun_control"].groupby("persona_id")["asked"].first()
    np.testing.assert_allclose(asked, yes.prob.loc[asked.index], atol=1e-6)
    # the grid's two items fill the block's two places, in a per-persona order
    places = tidy[tidy.question_id.str.startswith("fedspend")].groupby("persona_id")["position"]
    assert places.apply(lambda p: sorted(set(p))).map(tuple).nunique() == 1
    # open answers: verbatim texts, and a theme share is the share of the persona's answers
    texts = res.texts()
    assert (texts.groupby("persona_id").size() == 2).all()
    said = study.set_index("persona_id").query("question_id == 'spend_more'").texts
    for pid, mine in texts.groupby("persona_id"):  # verbatim (an empty sample stays empty)
        assert mine.text.tolist() == list(said.loc[pid])
    open_rows = tidy[tidy.question_id == "spend_more"]
    for (pid, theme), share in open_rows.set_index(["persona_id", "option"]).prob.items():
        mine = texts[texts.persona_id == pid]
        assert share == pytest.approx((mine.theme == theme).mean()), (pid, theme)
    # numbers: the summary's median is the first value whose cumulative share reaches 1/2
    summary = res.summaries().set_index("persona_id")
    for pid, group in tidy[tidy.question_id == "ft_dem"].groupby("persona_id"):
        cdf = group.sort_values("option_index").prob.cumsum().to_numpy()
        assert summary.loc[pid, "q50"] == int(np.argmax(cdf >= 0.5 - 1e-9))


@pytest.mark.slow
def test_every_kind_through_a_study_the_survey_commands_and_the_notebook(finished, tmp_path):
    _, _, tiny = finished
    cache = tmp_path / "cache.sqlite"
    run = _run_study(tmp_path, tiny / "pool", cache)
    study_answers = _check_study(run)

    # `chorus survey run` + `chorus survey score`: the study's pool, the same engine and seed
    out = tmp_path / "survey"
    ran = runner.invoke(app, ["survey", "run", str(INSTRUMENT), "--personas", str(run / "pool"),
                              "--conditioning", "backstory", "--perspectives", "self",
                              "--debias", "none", "--seed", "3", "--out", str(out),
                              "--cache-file", str(cache)])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    scored = runner.invoke(app, ["survey", "score", str(out), "--human", str(HUMANS),
                                 "--n-boot", "10"])  # fmt: skip
    assert scored.exit_code == 0, scored.output
    _scored_every_kind(json.loads((out / "metrics.json").read_text())["questions"])
    cli = pd.read_parquet(out / "answers.parquet")
    study_answers["persona_id"] = study_answers.persona_id.str.split("~").str[1]
    both = cli.merge(study_answers, on=["persona_id", "question_id"], suffixes=("", "_study"))
    assert len(both) == len(cli) == 2 * len(KINDS)
    for mine, theirs in zip(both.probs, both.probs_study):  # the same questions, asked alike
        np.testing.assert_allclose(mine, theirs, atol=1e-6)

    # the notebook API: the same personas and engine settings
    engine = chorus.load_engine(cache_path=cache)
    panel = chorus.load_pool(run / "pool")
    inst = chorus.load_instrument(INSTRUMENT)
    res = chorus.ask(
        engine, panel, inst, conditioning="backstory", perspectives=["self"], seed=3, debias="none"
    )
    _check_tidy(res, study_answers)
    table = res.score(HUMANS, n_boot=10).to_pandas()
    assert set(KINDS) <= set(table.question)
    floor = table[table.question == "human floor"]
    assert not floor.empty
