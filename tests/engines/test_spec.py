"""EngineSpec: one model for every engine setting; the CLI's and the benchmarks' options, help
and defaults come from it, and backends register in one table."""

from __future__ import annotations

from pathlib import Path

import pytest

from chorus.engines import BACKENDS, EngineSpec, load_engine
from chorus.engines.flags import FLAGS, FlagError, spec_from_flags

# what a study's engine section records (study.json, the stage digests): unchanged keys
STUDY_KEYS = {
    "engine", "model", "base_url", "api", "api_key_env", "tokenizer", "chat_template",
    "concurrency", "timeout", "dtype", "tensor_parallel_size", "vllm_args", "workers",
    "ray_address",
}  # fmt: skip


def test_every_backend_option_is_a_spec_field_and_the_dump_keeps_the_study_keys():
    for name, backend in BACKENDS.items():
        assert set(backend.options.model_fields) <= set(EngineSpec.model_fields), name
    assert set(EngineSpec().model_dump()) == STUDY_KEYS  # cache settings are not dumped
    # the tolerance only where it is not the default (studies written before it keep digests)
    assert EngineSpec(logprob_tolerance=1e-3).model_dump()["logprob_tolerance"] == 1e-3
    spec = EngineSpec(cache="off", cache_path="x.sqlite")
    assert spec.cache == "off" and spec.cache_path == Path("x.sqlite")
    assert EngineSpec.model_fields["engine"].description == " | ".join(BACKENDS)


def test_help_says_each_default_once_written_in_the_spec():
    assert FLAGS["engine"].help == "transformers | openai | vllm (default: transformers)"
    assert FLAGS["timeout"].help.endswith("(default: 120)") and FLAGS["timeout"].kind is float
    assert FLAGS["concurrency"].help.endswith("(default: 16)")
    assert FLAGS["logprob_tolerance"].help.endswith("(default: 0.0001)")
    assert FLAGS["model"].help.endswith("(default: the embedded model)")
    assert "(default" not in FLAGS["base_url"].help
    assert FLAGS["cache_path"].flag == "--cache-file" and FLAGS["cache_path"].kind is Path
    assert FLAGS["vllm_args"].flag == "--vllm-arg" and FLAGS["vllm_args"].kind is list


def test_flags_given_are_the_fields_set_and_errors_name_the_option():
    spec = spec_from_flags({"engine": "vllm", "vllm_args": ["a=1", "b=x"], "model": None})
    assert spec.model_fields_set == {"engine", "vllm_args"}
    assert spec.vllm_args == {"a": 1, "b": "x"}
    with pytest.raises(FlagError, match="--concurrency: Input should be greater"):
        spec_from_flags({"concurrency": 0})
    with pytest.raises(FlagError, match="--vllm-arg 'enforce_eager': write KEY=VALUE"):
        spec_from_flags({"vllm_args": ["enforce_eager"]})


def test_load_engine_takes_a_spec_or_its_fields(tmp_path):
    with pytest.raises(TypeError):
        load_engine(EngineSpec(), dtype="float32")
    with pytest.raises(ValueError, match="engine"):
        load_engine(engine="llamafile")
    with pytest.raises(ValueError, match="needs --base-url"):
        load_engine("openai", cache_path=tmp_path / "c.sqlite")  # the name, then the fields
