"""A study's `tune:` section: checked at load with file and line; its stage tunes into the run
folder (or a named folder it reuses) and resumes; the questions the tuned model was trained on
are scored apart, as in-sample, and kept out of every headline figure of metrics.json and the
report. The tuning runs on the 2-layer random model of tests/tuning (seconds); the scores are
the finished tiny study's (tests/study/conftest.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chorus.cli import app
from chorus.simulator.study import RunFolder, RunFolderError, load_study
from tests.tuning.conftest import tiny_model  # noqa: F401 (the session fixture)

TRAINED = ["gay_marry", "penalty_favdpen"]  # two of the tiny study's four questions
TUNE = (
    "tune:\n  questions: [gay_marry, penalty_favdpen]\n  holdout_questions: [trust_social]\n"
    "  traits: [party]\n  validation_share: 0\n  method: full\n  max_steps: 1\n"
    "  batch_size: 2\n  checkpoint_every: 1\n"
)


@pytest.mark.parametrize(
    "body, line, message",
    [
        ("tune:\n  questions: [gay_marry, nope]\n", 2, "no scored question 'nope'"),
        (
            "tune:\n  questions: [gay_marry]\n  holdout_questions: [gay_marry]\n",
            3,
            "both held out and trained on",
        ),
        (
            "survey:\n  questions: [gay_marry]\ntune:\n  holdout_questions: [trust_social]\n",
            4,
            "every question the survey asks would be trained on",
        ),
        ("tune:\n  data: nosuchdata\n", 2, "nosuchdata"),
        ("tune:\n  lora_rank: 4\n", 2, "unknown field"),
        ("tune:\n  examples: subgroup,persona\n", 2, "'subgroup' or 'individual'"),
    ],
)
def test_a_bad_tune_section_names_file_and_line(tmp_path, body, line, message):
    path = tmp_path / "study.yaml"
    path.write_text("name: x\ntarget: {n: 4}\n" + body)  # `line` counts from the body's start
    result = CliRunner().invoke(app, ["run", str(path), "--runs", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert f"{path}:{2 + line}" in result.output and message in result.output, result.output
    assert not (tmp_path / "runs" / "x").exists()


def _study(tmp_path: Path, extra: str = ""):
    path = tmp_path / "t.yaml"
    path.write_text(f"name: t\ntarget: {{n: 4}}\nconsensus: null\n{TUNE}{extra}")
    return load_study(path)


def test_the_tune_stage_trains_into_the_run_folder_and_reuses_a_named_one(tiny_model, tmp_path):  # noqa: F811
    """The tuned folder lives in the run folder (its manifest names the trained questions); a
    second call reuses it; a named `out` holding this tuning is reused without training, and
    one holding another tuning is refused."""
    from chorus.engines.transformers_engine import TransformersEngine
    from chorus.simulator.study import stages
    from chorus.tuning import read_manifest

    study = _study(tmp_path)
    engine = TransformersEngine(model=tiny_model, dtype="float32")
    rf = RunFolder(tmp_path / "runs", "t")
    rf.open()
    folder = stages.tune(study, rf, engine, str(tiny_model), progress=False)
    assert folder == rf.work / "tune" / "model"
    m = read_manifest(folder)
    assert m is not None and m.trained_questions == TRAINED and m.steps == 1
    assert m.heldout_questions == ["trust_social"] and m.base_model == engine.model_id
    assert m.options.method == "full" and m.options.traits == ["party"]
    assert json.loads((rf.work / "stages" / "tune.json").read_text())["folder"] == "tune/model"
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert stages.tune(study, rf, engine, str(tiny_model), progress=False) == folder
    assert (folder / "model.safetensors").stat().st_mtime_ns == stamp  # not retrained
    rf.release()

    named = tmp_path / "shared-tuned"
    shutil.copytree(folder, named)
    other = _study(tmp_path, f"  out: {named}\n")
    rf2 = RunFolder(tmp_path / "runs", "t2")
    rf2.open()
    assert stages.tune(other, rf2, engine, str(tiny_model), progress=False) == named
    assert not (rf2.work / "tune").exists()
    changed = _study(tmp_path, f"  out: {named}\n  lr: 0.5\n")
    with pytest.raises(RunFolderError, match="holds another model or another tuning"):
        stages.tune(changed, rf2, engine, str(tiny_model), progress=False)
    rf2.release()


def test_trained_questions_are_in_sample_and_out_of_every_headline(finished, tmp_path):
    """The finished tiny study's answers scored as if its model were tuned on two of its four
    questions: the headline rows, correlations and group means cover the other two only, and
    the two are scored apart, equal to scoring them alone, and named in the report."""
    from chorus.simulator.report import render, report_tables
    from chorus.simulator.study.metrics import score_study
    from chorus.surveys import load_dataset, read_survey

    _, study_file, run = finished
    study = load_study(study_file)
    results = {s: read_survey(run / "survey" / s)[0] for s in study.survey.conditioning}
    inst = results["backstory"].instrument
    dataset = load_dataset(study.target.dataset)
    held = [q for q in study.survey.questions if q not in TRAINED]

    scores = score_study(study, dataset, inst, results, in_sample=TRAINED)
    whole = score_study(study, dataset, inst, results)
    assert scores.in_sample is not None
    assert scores.in_sample.questions == TRAINED and scores.in_sample.held_out == held
    for name, row in scores.rows.items():
        assert [q.id for q in row.questions] == held, name
        assert [q.id for q in scores.in_sample.rows[name].questions] == TRAINED, name
    assert sorted(scores.correlations.questions) == sorted(
        q for q in held if q in whole.correlations.questions
    )
    assert {g.question for g in scores.groups} <= set(held)
    # the in-sample rows are those questions scored on their own
    only = score_study(
        study, dataset, inst.subset(TRAINED), {s: _subset(r, TRAINED) for s, r in results.items()}
    )
    assert scores.in_sample.rows["backstory"].wd.value == pytest.approx(
        only.styles["backstory"].wd.value
    )
    # a question's figure does not depend on which others were asked
    by_q = {q.id: q.wd.value for q in whole.styles["qa"].questions}
    assert {q.id: q.wd.value for q in scores.styles["qa"].questions} == pytest.approx(
        {q: by_q[q] for q in held}
    )

    from chorus.matching import DIAGNOSTICS_FILE, MatchDiagnostics
    from chorus.simulator.study.result import RunManifest, StudyResult

    recorded = json.loads((run / "manifest.json").read_text())
    result = StudyResult(
        study=study,
        manifest=RunManifest.model_validate(
            recorded | {"tune": {"folder": "tuned-x", "engine": {"fingerprint": "f"}}}
        ),
        scores=scores,
        matching=MatchDiagnostics.model_validate_json(
            (run / "match" / DIAGNOSTICS_FILE).read_text()
        ),
        episodes=[],
        consensus=None,
    )
    out = result.metrics()
    assert out["in_sample"]["questions"] == TRAINED
    assert "in-sample" in out["in_sample"]["note"]
    assert all({q["id"] for q in row["questions"]} == set(held) for row in out["rows"].values())
    assert "in_sample" not in whole.model_dump() or whole.in_sample is None
    tables = report_tables(scores)
    assert set(tables["questions"]["question"]) == set(held)
    assert list(tables["in_sample"]["row"]) == list(scores.in_sample.rows)
    html = render(result, tables)
    assert 'id="in-sample"' in html and "tuned-x" in html
    section = html.split('id="in-sample"')[1].split("</section>")[0]
    assert all(q in section for q in TRAINED)
    cards = html.split('id="questions"')[1].split("</section>")[0]
    assert all(f'id="q-{q}"' in cards for q in held)
    assert not any(f'id="q-{q}"' in cards for q in TRAINED)


def _subset(r, questions):
    from chorus.surveys import Results

    return Results(
        answers=r.answers[r.answers["question_id"].isin(questions)].reset_index(drop=True),
        instrument=r.instrument.subset(questions),
        traits=r.traits,
    )
