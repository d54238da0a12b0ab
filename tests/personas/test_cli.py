"""`chorus personas show` and the CLI's errors (the real generate command runs in
test_resume.py as a subprocess)."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from chorus.cli import personas as personas_cmd
from chorus.surveys import demographic_traits

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    personas_cmd.register(app)
    return app


def test_show_prints_counts_rejections_and_marginals(shared_pool):
    result = runner.invoke(_app(), ["personas", "show", str(shared_pool)])
    assert result.exit_code == 0, result.output
    for text in ("accepted", "demographic marginals", "Female", "not mentioned", "distinct_2"):
        assert text in result.output


def test_show_json_is_one_object(shared_pool):
    result = runner.invoke(_app(), ["personas", "show", str(shared_pool), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["counts"]["accepted"] == 2
    assert len(data["marginals"]) == sum(len(c) for c in demographic_traits().values())


def test_bad_input_exits_non_zero_with_a_clear_message(tmp_path):
    result = runner.invoke(_app(), ["personas", "show", str(tmp_path)])
    assert result.exit_code == 1 and "not a persona pool" in result.output
    result = runner.invoke(
        _app(), ["personas", "generate", "--n", "2", "--style", "bogus", "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "bogus" in result.output
    result = runner.invoke(
        _app(), ["personas", "generate", "--n", "0", "--out", str(tmp_path / "p")]
    )
    assert result.exit_code == 2 and "--n" in result.output
    missing = tmp_path / "none.gguf"
    result = runner.invoke(
        _app(),
        ["personas", "generate", "--n", "2", "--out", str(tmp_path / "p"), "--model", str(missing)],
    )
    assert (
        result.exit_code == 1
        and f"error: model path {str(missing)!r} does not exist" in result.output
    )
    assert not (tmp_path / "p").exists()
