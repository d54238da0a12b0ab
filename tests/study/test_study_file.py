"""Study files: clear errors with file and line, and stable digests."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from chorus.cli import app
from chorus.simulator.study import load_study

STUDIES = Path(__file__).resolve().parents[2] / "studies"


def test_shipped_studies_load():
    demo = load_study(STUDIES / "anes2012-demo.yaml")
    full = load_study(STUDIES / "anes2012-full.yaml")
    assert demo.pool.n == 40 and demo.consensus is not None and demo.consensus.questions == 2
    assert full.pool.n == 2000 and full.pool.style == "interview" and full.target.n == 1000


def test_digest_changes_only_with_its_sections():
    demo = load_study(STUDIES / "anes2012-demo.yaml")
    other = demo.model_copy(update={"survey": demo.survey.model_copy(update={"n_boot": 7})})
    assert demo.digest("pool", "target") == other.digest("pool", "target")
    assert demo.digest("survey") != other.digest("survey")


def test_a_study_sets_every_option_of_consensus_run():
    """One options model: the consensus section is `chorus consensus run`'s options plus where
    the questions and panel come from, and the command builds the same model from its flags."""
    import inspect

    from chorus.cli.consensus import run
    from chorus.simulator.consensus import ConsensusOptions
    from chorus.simulator.study.schema import ConsensusSpec

    assert issubclass(ConsensusSpec, ConsensusOptions)
    own = inspect.signature(run.__wrapped__).parameters  # without the shared engine flags
    flags = set(own) - {"out", "panel", "panel_size", "survey", "seed", "engine", "json_out"}
    assert flags - {"questions"} | {"question_file"} == set(ConsensusOptions.model_fields)


def test_a_study_reads_a_consensus_questions_file(tmp_path):
    questions = tmp_path / "q.yaml"
    questions.write_text("- {id: q1, text: 'Fine?'}\n- {id: q2, text: 'Well?'}\n")
    study = tmp_path / "study.yaml"
    study.write_text(
        "name: x\ntarget: {n: 4}\nconsensus: {question_file: " + str(questions)
        + ", limit: 1, sections: 'base,D', debias: false, panel: 2}\n"
    )  # fmt: skip
    spec = load_study(study).consensus
    assert [q.id for q in spec.file_questions()] == ["q1"]
    assert spec.config(0).debias is False and len(spec.section_set()) == 2
    questions.write_text("- {id: q1}\n")
    result = CliRunner().invoke(app, ["run", str(study), "--runs", str(tmp_path / "runs")])
    assert result.exit_code == 2 and "consensus.question_file" in result.output


@pytest.mark.parametrize(
    "body, line, message",
    [
        ("name: x\npool:\n  n: 4\n  styel: anthology\n", 4, "unknown field"),
        ("name: x\ntarget:\n  n: one\n", 3, "valid integer"),
        ("name: x\nsurvey:\n  conditioning: [qa]\n", 3, "must include `backstory`"),
        ("name: x\npool: [\n", 3, "invalid YAML"),
        ("name: x\nconsensus:\n  opinion_questions: [nope]\n", 3, "does not ask 'nope'"),
        (
            "name: x\nsurvey:\n  perspectives: [self]\nconsensus:\n  sections: base,M\n",
            5,
            "M (perceptions) needs",
        ),
    ],
)
def test_malformed_study_names_file_and_line(tmp_path, body, line, message):
    _fails_at(tmp_path, body, line, message)


def _fails_at(tmp_path, body, line, message):
    path = tmp_path / "study.yaml"
    path.write_text(body)
    result = CliRunner().invoke(app, ["run", str(path), "--runs", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert f"{path}:{line}" in result.output and message in result.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


FRAME = "respondent_id,weight,age,gender,race,education,income,religion,region,party,ideology\n"


@pytest.mark.parametrize(
    "section, line, message",
    [
        ("estimate:\n  pilot_n: 50\n  pilot_fraction: 0.1\n", 3, "exactly one of pilot_n"),
        ("estimate:\n  pilot_n: 10000\n", 3, "must leave a frame"),
        ("estimate:\n  pilot_n: 50\n  questions: [nope]\n", 4, "does not ask 'nope'"),
        ("estimate:\n  pilot_n: 50\n  subgroups: [partty]\n", 4, "unknown trait 'partty'"),
        (
            "estimate:\n  pilot_n: 50\n  questions: [gay_marry]\n  calibration: [gay_marry]\n",
            5,
            "both estimated and calibration",
        ),
        ("estimate:\n  pilot_n: 50\n  frame: FRAME\n", 4, "weight '0' is not a positive"),
        (
            "estimate:\n  pilot_n: 50\n  frame: OVERLAP\n  allow_overlap: false\n",
            4,
            "are pilot respondents",
        ),
    ],
)
def test_a_bad_estimate_section_names_file_and_line(tmp_path, section, line, message):
    """The `estimate:` section is checked at load, before any model work: its pilot, questions,
    subgroups and frame file (a bad weight, or a pilot respondent in it when overlap is not
    allowed)."""
    from chorus.simulator.study.schema import Study
    from chorus.surveys import load_dataset
    from chorus.surveys.estimates import draw_pilot

    bad = tmp_path / "bad.csv"
    bad.write_text(FRAME + "r1,0,,,,,,,,Democrat,\n")
    pilot, _ = draw_pilot(load_dataset("anes2012").respondents(), 50, None, Study(name="x").seed)
    overlap = tmp_path / "overlap.csv"
    overlap.write_text(FRAME + f"{pilot.respondent_id[0]},1,,,,,,,,Democrat,\n")
    section = section.replace("FRAME", str(bad)).replace("OVERLAP", str(overlap))
    _fails_at(tmp_path, "name: x\n" + section, line, message)


def test_an_estimate_section_loads_with_the_surveys_questions(tmp_path):
    path = tmp_path / "study.yaml"
    path.write_text(
        "name: x\nsurvey: {questions: [gay_marry, trust_social]}\n"
        "estimate: {pilot_fraction: 0.05, frame_n: 100, calibration: [trust_social]}\n"
    )
    spec = load_study(path).estimate
    assert spec is not None and spec.pilot_fraction == 0.05 and spec.subgroups == ["party"]
    assert load_study(STUDIES / "anes2012-demo.yaml").estimate is None  # the demo is unchanged
