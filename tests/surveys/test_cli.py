"""`chorus survey run` / `chorus survey score` end to end (real model, 2 personas x 3 questions)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from chorus.cli import app

MINI = Path(__file__).parent / "data" / "mini.yaml"
runner = CliRunner()


@pytest.mark.slow
def test_run_then_score(tmp_path):
    out = tmp_path / "run"
    args = ["survey", "run", str(MINI), "--personas", "anes2012", "--n", "2",
            "--conditioning", "bio", "--perspectives", "self", "--out", str(out),
            "--cache-file", str(tmp_path / "cache.sqlite")]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "answers.parquet", "instrument.yaml", "persona_traits.parquet", "run.json",
    ]  # fmt: skip
    answers = pd.read_parquet(out / "answers.parquet")
    assert len(answers) == 6 and set(answers.conditioning) == {"bio"}
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["personas"]["dataset"] == "anes2012" and manifest["n_personas"] == 2

    scored = runner.invoke(
        app, ["survey", "score", str(out), "--human", "anes2012", "--n-boot", "20"]
    )
    assert scored.exit_code == 0, scored.output
    assert "real panel" in scored.output and "WD (norm.)" in scored.output
    # the chance row, whether the run beats it, and the small-n warning are printed
    assert "\nuniform " in scored.output and "beats uniform" in scored.output
    assert "WARNING (bio): n=2 simulated people is below 100" in scored.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_personas"] == 2 and metrics["n_human"] == 5916
    assert 0 <= metrics["wd"]["value"] <= 1 and len(metrics["questions"]) == 3
    assert metrics["run"]["conditioning"] == "bio"
    assert metrics["uniform"]["value"] > 0 and "beats" in metrics["beats_uniform"]
    assert any("below 100" in w for w in metrics["warnings"])
    # demographic personas are the respondents themselves: individual-level fidelity applies
    assert metrics["individual"]["n"] == 2


def test_bad_input_exits_non_zero_without_output(tmp_path):
    out = tmp_path / "run"
    args = ["survey", "run", str(MINI), "--personas", "anes2012", "--out", str(out)]
    bad = runner.invoke(app, [*args, "--conditioning", "biography"])
    assert bad.exit_code == 1 and "unknown conditioning" in bad.output and not out.exists()
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: b\nquestions:\n  - id: q\n    text: Hi?\n    kind: likert\n")
    bad = runner.invoke(
        app, ["survey", "run", str(broken), "--personas", "anes2012", "--out", str(out)]
    )
    assert bad.exit_code == 1 and f"{broken}:5:" in bad.output and not out.exists()
    missing = runner.invoke(app, ["survey", "score", str(tmp_path), "--human", "anes2012"])
    assert missing.exit_code == 1 and "not a survey run folder" in missing.output
