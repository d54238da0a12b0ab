"""Open answers: sampled, kept verbatim, coded into a codebook's themes by the shipped
sentence-embedding model (nearest example, or `other` below the threshold), compared by TVD."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from chorus.core import derive_seed
from chorus.engines import GenerateRequest
from chorus.surveys import SurveyFileError, ask, load_dataset, load_instrument
from chorus.surveys.conditioning import render_context
from chorus.surveys.free_text import Codebook, Theme, code
from chorus.surveys.metrics.responses import from_human
from chorus.surveys.persona import Persona
from chorus.surveys.prompts import choice_request, items_for

DATA = Path(__file__).parent / "data"
OPEN = """\
name: o
questions:
  - id: why
    text: Why do you vote?
    kind: free_text
    samples: 2
    codebook:
      themes:
        - label: duty
          examples: [it is my civic duty, citizens should vote]
        - label: change
          examples: [to change things, to get better leaders]
    sources:
      d: {column: said, coded: true}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "o.yaml"
    path.write_text(textwrap.dedent(text))
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("      themes:\n        - label: duty\n          examples: [it is my civic duty, citizens "
         "should vote]\n        - label: change\n          examples: [to change things, to get "
         "better leaders]\n", "      themes: []\n", r"o\.yaml:8: .*the codebook has no themes"),
        ("examples: [to change things, to get better leaders]", "examples: []",
         r"o\.yaml:12: .*theme 'change' has no examples"),
        ("kind: free_text", "kind: single_choice",
         r"o\.yaml:7: .*`codebook` is for free_text"),
        ("{column: said, coded: true}", "{column: said, values: {x: duty}}",
         r"o\.yaml:14: .*free_text questions map answers with `coded`"),
    ],
)  # fmt: skip
def test_bad_codebooks_name_the_line(tmp_path, old, new, message):
    assert old in OPEN
    with pytest.raises(SurveyFileError, match=message):
        load_instrument(_write(tmp_path, OPEN.replace(old, new)))


def test_codebook_without_themes_is_refused_on_its_line(tmp_path):
    text = OPEN.split("      themes:")[0] + "      threshold: 0.5\n"
    with pytest.raises(SurveyFileError, match=r"o\.yaml:7: .*the codebook has no themes"):
        load_instrument(_write(tmp_path, text))


def test_answers_go_to_the_theme_of_the_nearest_example_or_other(embedder):
    book = Codebook(themes=[Theme(label="duty", examples=["it is my civic duty", "a duty"]),
                            Theme(label="change", examples=["to change things"])],
                    threshold=0.5)  # fmt: skip
    said = ["Voting is a civic duty", "I want to change things", "purple bananas", "", "a duty"]
    got = code(book, said)
    examples = embedder.embed(["it is my civic duty", "a duty", "to change things"])
    sims = embedder.embed([s or "x" for s in said]) @ examples.T
    owner = np.array([0, 0, 1])
    expected = [int(owner[s.argmax()]) if s.max() >= 0.5 else 2 for s in sims]
    expected[3] = 2  # an empty answer is other
    assert got == expected and got[0] == 0 and got[1] == 1 and got[2] == 2


def test_human_open_answers_are_coded_the_same_way(tmp_path):
    inst = load_instrument(_write(tmp_path, OPEN))
    said = ["it is my civic duty", "to get better leaders", None, "zebra crossings at noon"]
    pd.DataFrame({"id": [1, 2, 3, 4], "said": said}).to_csv(tmp_path / "d.csv", index=False)
    desc = tmp_path / "d.yaml"
    desc.write_text("name: d\nfile: d.csv\nid_column: id\ndemographics: {}\n")
    rows = from_human(load_dataset(desc), inst).self_rows("why")
    assert [o.label for o in inst.question("why").options] == ["duty", "change", "other"]
    assert rows[0].tolist() == [1, 0, 0] and rows[1].tolist() == [0, 1, 0]
    assert np.isnan(rows[2]).all() and rows[3].tolist() == [0, 0, 1]
    # the derived ANES test set: its fixed phrasings, coded
    priorities = load_instrument(DATA / "priorities.yaml").subset(["spend_more"])
    human = from_human(load_dataset(DATA / "anes2012_priorities.yaml"), priorities)
    raw = pd.read_csv(DATA / "anes2012_priorities.csv")["spend_more"]
    got = human.self_rows("spend_more")
    crime = raw.isin(["Fighting crime", "More police to deal with crime"]).to_numpy()
    assert (got[crime, 1] == 1).all() and np.isnan(got[raw.isna().to_numpy()]).all()


def test_free_text_on_the_real_model(cached_engine, tmp_path):
    inst = load_instrument(_write(tmp_path, OPEN))
    persona = Persona(persona_id="p", demographics={"party": "Democrat", "age": "30-39"})
    results = ask(cached_engine, [persona], inst, seed=3)
    (row,) = results.answers.itertuples()
    # the samples are the engine's own, for the seeded request built by hand, kept verbatim
    (item,) = items_for(persona, inst)
    prompt = choice_request(render_context("qa", persona), [], item, [0, 1, 2]).prompt
    seed = derive_seed(3, "free_text", prompt.model_dump_json())
    asked = GenerateRequest(prompt=prompt, n=2, temperature=1.0, max_tokens=48, stop=("\n",),
                            seed=seed)  # fmt: skip
    (gen,) = cached_engine.generate([asked])
    assert list(row.texts) == [t.strip() for t in gen.texts]
    book = inst.question("why").codebook
    themes = [["duty", "change", "other"][c] for c in code(book, list(row.texts))]
    assert list(row.text_themes) == themes
    shares = [themes.count(t) / 2 for t in ("duty", "change", "other")]
    assert list(row.probs) == pytest.approx(shares)
    tidy = results.texts()
    assert tidy["text"].tolist() == list(row.texts) and tidy["theme"].tolist() == themes
    again = ask(cached_engine, [persona], inst, seed=3).answers
    assert list(again.texts[0]) == list(row.texts)  # seeded: the same answers again


def test_a_draft_codebook_clusters_peoples_answers(tmp_path):
    from typer.testing import CliRunner

    from chorus.cli import app

    out = tmp_path / "draft.yaml"
    args = ["survey", "codebook", str(DATA / "anes2012_priorities.yaml"), "--column",
            "spend_more", "--themes", "5", "--out", str(out)]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    said = pd.read_csv(DATA / "anes2012_priorities.csv")["spend_more"].dropna()
    draft = out.read_text()
    assert "# DRAFT codebook: 5 clusters" in draft and f"of {len(said)} answers" in draft
    # the draft is a free_text question an instrument takes as it is, its examples real answers
    (tmp_path / "i.yaml").write_text("name: i\nquestions:\n" + draft)
    q = load_instrument(tmp_path / "i.yaml").question("spend_more")
    assert len(q.codebook.themes) == 5 and q.options[-1].label == "other"
    assert {e for t in q.codebook.themes for e in t.examples} <= set(said)
    again = tmp_path / "again.yaml"
    assert CliRunner().invoke(app, [*args[:-1], str(again)]).exit_code == 0
    assert again.read_text() == draft  # seeded
    too_many = CliRunner().invoke(app, [*args[:5], "--themes", "40", "--out", str(out)])
    assert too_many.exit_code == 1
    assert "15 distinct answers cannot make 40 themes" in too_many.output
