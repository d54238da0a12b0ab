"""The README's notebook example, run as written (with a smaller panel): the top-level API."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import chorus

README = Path(__file__).resolve().parents[1] / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## In Python (a notebook)") :]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow
def test_readme_example_runs_and_its_tables_are_tidy(cached_engine, monkeypatch):
    code = _example()
    assert "n=20" in code
    monkeypatch.setattr(chorus, "load_engine", lambda: cached_engine)  # the session's model
    scope: dict = {}
    exec(code.replace("n=20", "n=3"), scope)  # noqa: S102 - our own README

    answers = scope["answers"]
    inst = scope["inst"]
    assert [q.id for q in inst.questions] == ["gay_marry", "gun_control"]
    n_options = {q.id: len(q.options) for q in inst.questions}
    items = answers.groupby(["persona_id", "question_id", "perspective"], dropna=False)
    assert answers["persona_id"].nunique() == 3
    assert items.ngroups == 3 * 2  # both questions are asked from the persona's own view
    assert (items.size() == items["question_id"].first().map(n_options)).all()
    np.testing.assert_allclose(items["prob"].sum(), 1.0, atol=1e-6)
    first = answers.iloc[0]
    option = inst.question(first.question_id).options[first.option_index]
    assert (first.option, first.option_text, first.question) == (
        option.label, option.text, inst.question(first.question_id).text,
    )  # fmt: skip

    table = scope["table"]
    assert {"question", "metric", "value", "lo", "hi"} <= set(table.columns)
    wd = table[table.metric == "wd"].set_index("question")
    assert {"all", "gay_marry", "gun_control", "human floor"} <= set(wd.index)
    per_question = wd.loc[["gay_marry", "gun_control"]]
    assert ((per_question.lo <= per_question.value) & (per_question.value <= per_question.hi)).all()
    assert wd.loc["all", "value"] == scope["score"].wd.value


def test_top_level_names_are_the_parts_public_names():
    from chorus import engines, simulator, surveys

    assert chorus.load_engine is engines.load_engine
    assert chorus.ask is surveys.ask and chorus.Score is surveys.Score
    assert chorus.load_pool is surveys.personas_from_pool
    assert chorus.run_study is simulator.study.run_study
