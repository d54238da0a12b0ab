"""One options model (TuneOptions) behind `chorus tune`, `chorus.tune(...)`, a study's `tune:`
section and `chorus bench tune`: the same names, the same checks. No model is loaded."""

from __future__ import annotations

import inspect

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from chorus.cli import app
from chorus.tuning import TuneOptions


def test_every_interface_takes_the_options_models_fields():
    from chorus.bench.tune import _parse
    from chorus.cli.tune import tune as command
    from chorus.simulator.study.schema import TuneSpec

    fields = set(TuneOptions.model_fields)
    flags = set(inspect.signature(command).parameters)
    assert flags - fields == {"instrument", "dataset", "out", "base"} and fields <= flags
    assert issubclass(TuneSpec, TuneOptions)
    assert set(TuneSpec.model_fields) - fields == {"data", "out"}
    # the bench: every field but the two it sets per fold, with the model's defaults
    a = _parse(["--lora-layers", "2", "--traits", "party,ideology", "--no-pairs"])
    assert a.options == TuneOptions(lora_layers=2, traits=["party", "ideology"], pairs=False)


def test_the_notebook_api_checks_its_keywords_against_the_model(tmp_path):
    import chorus

    with pytest.raises(ValidationError, match="lora_rank"):
        chorus.tune("anes2012", "anes2012", tmp_path / "t", lora_rank=4)
    with pytest.raises(TypeError, match="not both"):
        chorus.tune("anes2012", "anes2012", tmp_path / "t", TuneOptions(), lr=0.1)
    assert not (tmp_path / "t").exists()


def test_comma_lists_and_bad_flags():
    o = TuneOptions(holdout_questions="gay_marry, gun_control", examples="subgroup,individual")
    assert o.holdout_questions == ["gay_marry", "gun_control"]
    assert o.examples == ["subgroup", "individual"] and o.alpha == 2 * o.lora_r
    with pytest.raises(ValidationError, match="each once"):
        TuneOptions(examples="subgroup,subgroup")
    for flag, value, says in (
        ("--lora-r", "0", "--lora-r: Input should be greater than or equal to 1"),
        ("--examples", "subgroup,persona", "--examples: Input should be"),
    ):
        result = CliRunner().invoke(
            app, ["tune", "--instrument", "anes2012", "--dataset", "anes2012", "--out", "x",
                  flag, value],
        )  # fmt: skip
        assert result.exit_code == 2 and says in result.output, result.output
