"""`--workers N` on the command line: the survey is spread over Ray replicas and its
answers.parquet is byte-identical to one engine's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chorus.cli import app

pytest.importorskip("ray")
MINI = Path(__file__).parents[1] / "surveys" / "data" / "mini.yaml"


def test_survey_run_with_two_workers_writes_the_same_answers(tmp_path, one_thread):
    import ray

    runner = CliRunner()
    outs = {}
    for workers in ("1", "2"):
        out = outs[workers] = tmp_path / f"w{workers}"
        args = ["survey", "run", str(MINI), "--personas", "anes2012", "--n", "4",
                "--out", str(out), "--dtype", "float32", "--workers", workers,
                "--cache-file", str(tmp_path / f"cache{workers}.sqlite")]  # fmt: skip
        try:
            result = runner.invoke(app, args)
        finally:
            ray.shutdown()  # the local cluster the command started
        assert result.exit_code == 0, result.output
    one, two = (outs[w] / "answers.parquet" for w in ("1", "2"))
    assert one.read_bytes() == two.read_bytes()
    runs = [json.loads((outs[w] / "run.json").read_text()) for w in ("1", "2")]
    assert runs[0]["engine"]["fingerprint"] == runs[1]["engine"]["fingerprint"]
