"""The openai engine against vLLM's own OpenAI server (engines.vllm_server: `python -m
vllm.entrypoints.openai.api_server` over the embedded model's standard folder, float32,
`--max-logprobs 100`): a small survey through `--api completions --tokenizer` and `--api chat`
within each answer's recorded bound of the in-process engine, and seeded generation. One server
serves the whole module."""

from __future__ import annotations

import numpy as np
import pytest

from chorus.engines import GenerateRequest, Prompt
from chorus.engines.openai_engine import OpenAIEngine
from chorus.engines.top_logprobs import TOP_LOGPROBS
from chorus.engines.vllm_server import vllm_server
from chorus.surveys import demographic_panel, load_dataset, load_instrument
from chorus.surveys.answering import answer, incomplete_answers

# float32 in two implementations (vLLM's CPU kernels vs transformers) differ at ~1e-5: beyond
# each answer's recorded bound, this much is arithmetic
KERNEL_NOISE = 1e-4


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("vllm") / "server.log"
    with vllm_server(dtype="float32", log=log) as url:
        yield url


@pytest.fixture(scope="module")
def survey():
    people = demographic_panel(load_dataset("anes2012"), 1, seed=0)
    inst = load_instrument("anes2012")
    return people, inst.model_copy(update={"questions": inst.questions[:8]})


@pytest.fixture(scope="module")
def in_process(survey, transformers_engine):
    return answer(transformers_engine, *survey)


@pytest.mark.parametrize("api", ["completions", "chat"])
def test_a_survey_matches_in_process_within_the_recorded_bounds(server, survey, in_process, api):
    eng = OpenAIEngine(server, api=api, tokenizer="embedded" if api == "completions" else None)
    table = answer(eng, *survey)
    assert eng._top == TOP_LOGPROBS  # the server's cap allows what chorus asks
    assert incomplete_answers(table) == 0 and (table.error_bound < eng.tolerance).all()
    assert (in_process.error_bound == 0).all()
    for got, ref, bound in zip(table.probs, in_process.probs, table.error_bound):
        assert np.max(np.abs(np.array(got) - np.array(ref))) <= bound + KERNEL_NOISE
    if api == "completions":
        assert eng.echo_prompts == 0  # every unseen spelling's mass is under the tolerance


def test_seeded_generation_is_reproducible_per_sample(server):
    eng = OpenAIEngine(server, api="completions", tokenizer="embedded")
    req = GenerateRequest(
        prompt=Prompt.chat(("user", "Tell me about yourself.")), max_tokens=12, seed=7, n=3
    )
    (a,), (b,) = eng.generate([req]), eng.generate([req.model_copy(update={"n": 2})])
    assert a.texts[:2] == b.texts and len(set(a.texts)) == 3
    assert all(n > 0 and lp < 0 for n, lp in zip(a.num_tokens, a.logprobs))
