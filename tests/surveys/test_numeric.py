"""Numeric questions: a range instead of options, the distribution over its whole numbers read
digit by digit from the model, W1 on the value scale and the median difference."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wasserstein_distance

from chorus.engines import ChoiceRequest, LoglikRequest, Prompt
from chorus.simulator.report.figures import cumulative
from chorus.surveys import SurveyFileError, ask, load_dataset, load_instrument
from chorus.surveys.errors import DatasetError
from chorus.surveys.metrics.responses import ResponseSet, from_human
from chorus.surveys.numeric import DIGITS, digit_choice, quantile, summary
from chorus.surveys.persona import Persona
from chorus.surveys.prompts import choice_request, items_for
from chorus.surveys.scoring import score

HOURS = """\
name: hours
questions:
  - id: tv
    text: On an average weekday, how many hours do you watch television?
    kind: numeric
    range: [0, 12]
    unit: hours
    sources:
      d: {column: tv_hours, option_values: true, missing: ["-9"]}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_a_range_is_its_whole_numbers(tmp_path):
    q = load_instrument(_write(tmp_path, "h.yaml", HOURS)).question("tv")
    assert [o.label for o in q.options] == [str(v) for v in range(13)]
    assert list(q.values) == list(range(13)) and q.spec.metric == "wasserstein"
    item = items_for(Persona(persona_id="p", demographics={}), load_instrument(tmp_path / "h.yaml"))
    req = choice_request("", [], item[0], list(range(13)))
    assert req.labels == tuple(str(v) for v in range(13))
    assert req.prompt.answer_prefix == "Answer: "
    assert "whole number from 0 to 12 (hours)" in req.prompt.messages[-1].content


@pytest.mark.parametrize(
    ("change", "line", "message"),
    [
        ("range: [0, 12]", "range: [12, 12]", r"h\.yaml:6: .*range \[12, 12\]: give whole numbers"),
        ("range: [0, 12]", "range: [5, 2]", r"h\.yaml:6: .*0 <= lo < hi"),
        ("    range: [0, 12]\n", "", r"h\.yaml:3: .*needs `range: \[lo, hi\]`"),
        ("    unit: hours\n", "    unit: hours\n    options: [{label: a}, {label: b}]\n",
         r"h\.yaml:8: .*takes `range`, not `options`"),
        ("kind: numeric", "kind: ordinal", r"h\.yaml:6: .*`range` is for numeric questions"),
    ],
)  # fmt: skip
def test_bad_ranges_name_the_line(tmp_path, change, line, message):
    path = _write(tmp_path, "h.yaml", HOURS.replace(change, line))
    with pytest.raises(SurveyFileError, match=message):
        load_instrument(path)


def test_a_human_value_outside_the_range_is_an_error(tmp_path):
    inst = load_instrument(_write(tmp_path, "h.yaml", HOURS))
    pd.DataFrame({"id": [1, 2, 3, 4], "tv_hours": [2, -9, 30, 3.5]}).to_csv(
        tmp_path / "d.csv", index=False
    )
    desc = _write(tmp_path, "d.yaml", "name: d\nfile: d.csv\nid_column: id\ndemographics: {}\n")
    with pytest.raises(DatasetError, match=r"h\.yaml:9: .*'30.0' .*'3\.5'.*whole numbers 0 to 12"):
        from_human(load_dataset(desc), inst)
    pd.DataFrame({"id": [1, 2, 3], "tv_hours": [2, -9, 12]}).to_csv(tmp_path / "d.csv", index=False)
    rows = from_human(load_dataset(desc), inst).self_rows("tv")
    assert np.argmax(rows[0]) == 2 and np.isnan(rows[1]).all() and np.argmax(rows[2]) == 12


def test_digit_reading_is_the_models_probability_of_each_number(transformers_engine):
    """The distribution over 0..12 from one next-token read per prefix equals the one from the
    log-likelihood of each number's digits (a separate scoring path) times the probability that
    no digit follows it."""
    prompt = Prompt.chat(
        ("user", "How many hours a day do you sleep? Answer with a whole number from 0 to 12."),
        answer_prefix="Answer: ",
    )
    labels = tuple(str(v) for v in range(13))
    got = digit_choice(transformers_engine, [ChoiceRequest(prompt=prompt, labels=labels)])[0]

    def after(prefix: str) -> Prompt:
        return prompt.model_copy(update={"answer_prefix": prompt.answer_prefix + prefix})

    # one batch each: the digits' log-likelihood, and P(another digit) after each number
    paths = transformers_engine.loglik([LoglikRequest(prompt=prompt, continuation=lab)
                                        for lab in labels])  # fmt: skip
    more = transformers_engine.choice([ChoiceRequest(prompt=after(lab), labels=DIGITS)
                                       for lab in labels])  # fmt: skip
    raw = np.array([np.exp(p.logprob) * (1 - m.raw_mass) for p, m in zip(paths, more)])
    assert got.probs == pytest.approx(raw / raw.sum(), abs=1e-4)
    assert got.raw_mass == pytest.approx(raw.sum(), rel=1e-3)
    assert 0.2 < got.raw_mass <= 1.0 and labels[int(np.argmax(got.probs))] in {"6", "7", "8"}


def test_numeric_answers_end_to_end(cached_engine, tmp_path):
    inst = load_instrument(_write(tmp_path, "h.yaml", HOURS))
    results = ask(cached_engine, [Persona(persona_id="p", demographics={"age": "30-39"})], inst)
    rows = results.answers
    assert len(rows) == 1 and len(rows.probs[0]) == 13 and rows.raw_mass[0] > 0.2
    assert sum(rows.probs[0]) == pytest.approx(1.0)
    tidy = results.to_pandas()
    assert list(tidy["option"]) == [str(v) for v in range(13)]
    (row,) = results.summaries().to_dict("records")
    p = np.asarray(rows.probs[0])
    assert row["unit"] == "hours" and row["mean"] == pytest.approx(p @ np.arange(13))
    assert row["q50"] == np.flatnonzero(np.cumsum(p) >= 0.5)[0]
    plot = cumulative("tv", [float(v) for v in range(13)], list(p), [("qa", list(p))], "")
    assert plot.startswith("data:image/png;base64,")


def test_numeric_scoring_is_w1_over_the_range_and_the_median_difference(tmp_path):
    inst = load_instrument(_write(tmp_path, "h.yaml", HOURS))
    rng = np.random.default_rng(0)
    hours = rng.integers(0, 13, 200)
    human = ResponseSet(
        ids=np.arange(200).astype(str).astype(object),
        weights=np.ones(200),
        rows={("tv", "self", None): np.eye(13)[hours]},
        traits={},
    )
    p_sim = np.exp(-0.5 * ((np.arange(13) - 3) / 1.5) ** 2)
    p_sim /= p_sim.sum()
    sim = ResponseSet(
        ids=np.array(["a", "b", "c", "d"], dtype=object),
        weights=np.ones(4),
        rows={("tv", "self", None): np.tile(p_sim, (4, 1))},
        traits={},
    )
    q = score(sim, human, inst, "d", n_boot=0, floor=False, draws=1).questions[0]
    values = np.arange(13)
    w1 = wasserstein_distance(values, values, p_sim, np.bincount(hours, minlength=13))
    assert q.wd.value == pytest.approx(w1 / 12, abs=1e-6)
    assert q.wd_raw.value == pytest.approx(w1, abs=1e-5)
    assert q.extras["median_diff"].value == 3 - np.median(hours)
    assert q.sim_summary["q50"] == 3 and q.sim_summary["mean"] == pytest.approx(p_sim @ values)
    assert q.human_summary["q10"] == np.percentile(hours, 10, method="inverted_cdf")


def test_quantiles_of_a_distribution():
    values = np.arange(5.0)
    p = np.array([0.1, 0.2, 0.4, 0.2, 0.1])
    assert [quantile(values, p, x) for x in (0.1, 0.3, 0.31, 0.5, 0.9)] == [0, 1, 2, 2, 3]
    assert summary(values, p)["mean"] == pytest.approx(2.0)


@pytest.mark.slow
def test_survey_run_and_score_a_numeric_question_and_a_grid(tmp_path):
    """Through the command line: one persona, a 0-12 number and a two-item grid, scored
    against a small human table; the run folder's instrument reloads (generated options)."""
    import json

    from typer.testing import CliRunner

    from chorus.cli import app

    text = HOURS + (
        "  - grid: spend\n"
        "    stem: Should spending on each of these go up or down?\n"
        "    kind: ordinal\n"
        "    options: [{label: up, value: 1}, {label: down, value: 2}]\n"
        "    items:\n"
        "      - {id: spend_parks, text: Parks, sources: {d: {column: parks, option_values: true}}}"
        "\n"
        "      - {id: spend_roads, text: Roads, sources: {d: {column: roads, option_values: true}}}"
        "\n"
    )
    inst = _write(tmp_path, "h.yaml", text)
    rng = np.random.default_rng(0)
    pd.DataFrame(
        {"id": range(30), "tv_hours": rng.integers(0, 13, 30), "parks": rng.integers(1, 3, 30),
         "roads": rng.integers(1, 3, 30)}
    ).to_csv(tmp_path / "d.csv", index=False)  # fmt: skip
    desc = _write(tmp_path, "d.yaml", "name: d\nfile: d.csv\nid_column: id\ndemographics: {}\n")
    out = tmp_path / "run"
    runner = CliRunner()
    ran = runner.invoke(app, ["survey", "run", str(inst), "--personas", "anes2012", "--n", "1",
                              "--perspectives", "self", "--out", str(out),
                              "--cache-file", str(tmp_path / "c.sqlite")])  # fmt: skip
    assert ran.exit_code == 0, ran.output
    scored = runner.invoke(app, ["survey", "score", str(out), "--human", str(desc),
                                 "--n-boot", "10"])  # fmt: skip
    assert scored.exit_code == 0, scored.output
    metrics = json.loads((out / "metrics.json").read_text())
    tv = next(q for q in metrics["questions"] if q["id"] == "tv")
    assert len(tv["sim"]) == 13 and "median_diff" in tv["extras"] and tv["floor"] is not None
    hours = pd.read_csv(tmp_path / "d.csv")["tv_hours"]
    assert tv["human_summary"]["q50"] == np.percentile(hours, 50, method="inverted_cdf")
    (block,) = metrics["grids"]
    assert block["grid"] == "spend" and block["items"] == ["spend_parks", "spend_roads"]


def test_packed_digit_reads_equal_one_row_per_read(transformers_engine, monkeypatch):
    """The engine packs the digit reads that share a persona and question into one row with a
    block mask; one row per read (packing off) gives the same probabilities, for two questions
    of one persona in one call (the reads then share a stem below the persona's prefix)."""
    import chorus.engines.transformers_engine as te

    def asked(question: str) -> ChoiceRequest:
        prompt = Prompt.chat(("system", "You are a 40-year-old teacher from Ohio."),
                             ("user", f"{question} Answer with a whole number from 0 to 12."),
                             answer_prefix="Answer: ")  # fmt: skip
        return ChoiceRequest(prompt=prompt, labels=tuple(str(v) for v in range(13)))

    requests = [asked("How many hours a day do you sleep?"), asked("How many books a year?")]
    packed = digit_choice(transformers_engine, requests)
    monkeypatch.setattr(te, "PACK_MAX", 0)
    rows = digit_choice(transformers_engine, requests)
    for a, b in zip(packed, rows):
        assert a.probs == pytest.approx(b.probs, abs=1e-5)
        assert a.raw_mass == pytest.approx(b.raw_mass, rel=1e-4)
    assert packed[0].probs != pytest.approx(packed[1].probs, abs=1e-3)  # two real questions
