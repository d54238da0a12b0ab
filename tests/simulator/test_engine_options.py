"""Every command that takes --engine takes the same engine options with the same meaning."""

from __future__ import annotations

from pathlib import Path

import typer
from typer.testing import CliRunner

from chorus.cli import app
from chorus.simulator.commands.engine_options import EngineChoice

MINI = Path(__file__).parents[1] / "surveys" / "data" / "mini.yaml"


def _commands(group, prefix=()):
    for name, cmd in getattr(group, "commands", {}).items():
        yield from _commands(cmd, (*prefix, name))
        if not hasattr(cmd, "commands"):
            yield (*prefix, name), cmd


def test_engine_commands_share_one_option_set():
    click_app = typer.main.get_command(app)
    wanted = {f"--{n.replace('_', '-')}" for n in EngineChoice.model_fields}
    with_engine = {}
    for path, cmd in _commands(click_app):
        opts = {o for p in cmd.params for o in p.opts}
        if "--engine" in opts:
            with_engine[" ".join(path)] = opts & {o for o in opts if o.startswith("--")}
    assert {"run", "survey run", "personas generate", "personas profile", "consensus run"} <= set(
        with_engine
    )
    for name, opts in with_engine.items():
        assert wanted <= opts, (name, wanted - opts)


def test_cache_is_a_policy_and_bad_values_exit_2_before_any_work(tmp_path):
    out = tmp_path / "run"
    base = ["survey", "run", str(MINI), "--personas", "anes2012", "--n", "2", "--out", str(out)]
    for bad, message in (
        (["--cache", "refresh.sqlite"], "--cache"),
        (["--concurrency", "0"], "--concurrency"),
        (["--api", "grpc"], "--api"),
    ):
        result = CliRunner().invoke(app, base + bad)
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not out.exists() and not Path("refresh.sqlite").exists()
