"""Every command that takes --engine takes the same engine options with the same meaning."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from chorus.bench.engine_args import add_engine_arguments, engine_spec
from chorus.cli import app
from chorus.cli.engine_options import EngineChoice, engine_options
from chorus.engines import EngineSpec
from chorus.engines.flags import FLAGS
from chorus.simulator.study import Study

MINI = Path(__file__).parents[1] / "surveys" / "data" / "mini.yaml"


def _commands(group, prefix=()):
    for name, cmd in getattr(group, "commands", {}).items():
        yield from _commands(cmd, (*prefix, name))
        if not hasattr(cmd, "commands"):
            yield (*prefix, name), cmd


def test_engine_commands_share_one_option_set():
    click_app = typer.main.get_command(app)
    wanted = {f.flag for f in FLAGS.values()}
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
        (["--workers", "0"], "--workers"),
        (["--tensor-parallel-size", "0"], "--tensor-parallel-size"),
        (["--vllm-arg", "enforce_eager"], "--vllm-arg"),
    ):
        result = CliRunner().invoke(app, base + bad)
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not out.exists() and not Path("refresh.sqlite").exists()


def test_vllm_arguments_pass_through_from_study_and_cli():
    """--tensor-parallel-size and --vllm-arg KEY=VALUE (JSON values) reach vllm.LLM; the CLI
    overrides the study's engine section key by key."""
    seen = {}

    @engine_options
    def cmd(engine: EngineChoice = EngineChoice()) -> None:
        seen["choice"] = engine

    probe = typer.Typer()
    probe.command()(cmd)
    args = ["--engine", "vllm", "--vllm-arg", "gpu_memory_utilization=0.9"]
    args += ["--vllm-arg", "enforce_eager=true", "--vllm-arg", "quantization=fp8", "--workers", "4"]
    result = CliRunner().invoke(probe, args)
    assert result.exit_code == 0, result.output
    study = EngineSpec(engine="vllm", tensor_parallel_size=2, vllm_args={"max_model_len": 4096})
    merged = seen["choice"].over(study).spec
    assert merged.tensor_parallel_size == 2 and merged.workers == 4
    assert merged.vllm_args == {
        "max_model_len": 4096,
        "gpu_memory_utilization": 0.9,
        "enforce_eager": True,
        "quantization": "fp8",
    }


def test_the_study_engine_section_is_the_engine_spec():
    assert Study.model_fields["engine"].annotation is EngineSpec


def test_bench_flags_are_the_cli_flags():
    ap = argparse.ArgumentParser()
    add_engine_arguments(ap)
    flags = {o for a in ap._actions for o in a.option_strings} - {"-h", "--help"}
    assert flags == {f.flag for f in FLAGS.values()}
    args = ap.parse_args(["--engine", "openai", "--base-url", "http://h/v1", "--timeout", "5"])
    spec = engine_spec(args)
    assert (spec.engine, spec.base_url, spec.timeout, spec.workers) == (
        "openai", "http://h/v1", 5.0, 1,
    )  # fmt: skip
    with pytest.raises(SystemExit, match="--workers"):
        engine_spec(ap.parse_args(["--workers", "0"]))
