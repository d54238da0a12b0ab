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


@pytest.mark.parametrize(
    "body, line, message",
    [
        ("name: x\npool:\n  n: 4\n  styel: anthology\n", 4, "unknown field"),
        ("name: x\ntarget:\n  n: one\n", 3, "valid integer"),
        ("name: x\nsurvey:\n  conditioning: [qa]\n", 3, "must include `backstory`"),
        ("name: x\npool: [\n", 3, "invalid YAML"),
    ],
)
def test_malformed_study_names_file_and_line(tmp_path, body, line, message):
    path = tmp_path / "study.yaml"
    path.write_text(body)
    result = CliRunner().invoke(app, ["run", str(path), "--runs", str(tmp_path / "runs")])
    assert result.exit_code == 2
    assert f"{path}:{line}" in result.output and message in result.output
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
