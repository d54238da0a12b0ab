"""The openai engine against real `chorus serve` processes on loopback: both endpoints, top-K
limits, API keys, and injected faults."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from chorus.engines import (
    CachedEngine,
    ChoiceRequest,
    EngineError,
    EngineUnavailableError,
    GenerateRequest,
    LoglikRequest,
    Prompt,
    ResponseCache,
)
from chorus.engines.errors import EngineRequestError
from chorus.engines.server_process import ServerProcess
from chorus.engines.top_logprobs import TOP_LOGPROBS

SECRET = "sk-test-9f3c1a77e2"
MINI = Path(__file__).parents[1] / "surveys" / "data" / "mini.yaml"


@pytest.fixture(scope="module")
def server():
    with ServerProcess(["--dtype", "float32"]) as url:
        yield url


@pytest.fixture(scope="module")
def client(server):
    from chorus.engines.openai_engine import OpenAIEngine

    return OpenAIEngine(server, tokenizer="embedded")


@pytest.fixture(scope="module")
def chat_client(server):
    from chorus.engines.openai_engine import OpenAIEngine

    return OpenAIEngine(server, api="chat", tokenizer="embedded")


def _abc(q: str) -> ChoiceRequest:
    return ChoiceRequest(
        prompt=Prompt.chat(("user", f"{q}\nA. Yes\nB. No\nC. Not sure"), answer_prefix="Answer: "),
        labels=("A", "B", "C"),
    )


QUESTIONS = [_abc("Should taxes on the rich go up?"), _abc("Do you own a dog?")]


def test_auto_picks_completions_with_a_tokenizer_and_chat_without(server, client):
    from chorus.engines.openai_engine import OpenAIEngine

    assert client.api == "completions" and client.chat
    assert OpenAIEngine(server).api == "chat"


def test_choice_matches_transformers_engine(client, transformers_engine):
    reqs = [
        *QUESTIONS,
        ChoiceRequest(
            prompt=Prompt.chat(("user", "Your view?"), answer_prefix="I"),
            labels=("agree", "strongly disagree"),
        ),
    ]
    for local, remote in zip(transformers_engine.choice(reqs), client.choice(reqs)):
        np.testing.assert_allclose(local.probs, remote.probs, atol=1e-3)
        assert remote.complete


def test_chat_choice_matches_transformers_engine(chat_client, transformers_engine):
    for local, remote in zip(transformers_engine.choice(QUESTIONS), chat_client.choice(QUESTIONS)):
        assert remote.method == "next_token" and not remote.unseen
        np.testing.assert_allclose(local.probs, remote.probs, atol=1e-3)


def test_chat_records_labels_outside_the_top_k(server, transformers_engine):
    from chorus.engines.openai_engine import OpenAIEngine

    chat_client = OpenAIEngine(server, api="chat", tokenizer="embedded")
    chat_client._top = 20  # as a server capping top_logprobs at 20 (OpenAI's chat) would
    req = ChoiceRequest(prompt=QUESTIONS[0].prompt, labels=("A", "B", "zebra"))
    (local,), (remote,) = transformers_engine.choice([req]), chat_client.choice([req])
    assert remote.method == "top_k_partial" and remote.unseen == ["zebra"] and not remote.complete
    assert remote.error_bound > chat_client.tolerance
    assert np.max(np.abs(np.subtract(remote.probs, local.probs))) <= remote.error_bound + 1e-5
    assert remote.probs[2] == 0.0 and sum(remote.probs) == pytest.approx(1.0)
    # the unseen label's true probability is below the K-th top probability
    assert 0 < local.probs[2] * local.raw_mass <= remote.unseen_max_prob
    np.testing.assert_allclose(
        remote.probs[:2], np.array(local.probs[:2]) / sum(local.probs[:2]), atol=1e-3
    )
    (none,) = chat_client.choice([ChoiceRequest(prompt=req.prompt, labels=("zebra", "giraffe"))])
    assert (
        none.method == "top_k_none" and none.raw_mass == 0 and none.unseen == ["zebra", "giraffe"]
    )


def test_chat_cannot_score_continuations(chat_client):
    with pytest.raises(EngineError, match="--api completions"):
        chat_client.loglik([LoglikRequest(prompt=Prompt.raw("Hi"), continuation=" there")])


def test_loglik_matches(client, transformers_engine):
    req = LoglikRequest(
        prompt=Prompt.chat(("user", "Where do you live?")), continuation="I live in Ohio."
    )
    (a,), (b,) = transformers_engine.loglik([req]), client.loglik([req])
    assert a.num_tokens == b.num_tokens
    assert a.logprob == pytest.approx(b.logprob, abs=1e-3)


@pytest.mark.parametrize("api", ["chat", "completions"])
def test_generate_is_seeded_per_sample(server, api):
    from chorus.engines.openai_engine import OpenAIEngine

    eng = OpenAIEngine(
        server, api=api, tokenizer="embedded", concurrency=1
    )  # one batch each: exact
    req = GenerateRequest(prompt=Prompt.chat(("user", "Name a color.")), max_tokens=8, seed=4, n=3)
    (a,), (b,) = eng.generate([req]), eng.generate([req.model_copy(update={"n": 2})])
    assert a.texts[:2] == b.texts and len(set(a.texts)) == 3


def test_fingerprint_names_the_requested_model(server, client):
    assert "|chorus|" in client.fingerprint and "fingerprint=" in client.fingerprint
    from chorus.engines.openai_engine import OpenAIEngine

    with pytest.raises(EngineUnavailableError, match="does not serve 'gpt-4o'.*lists: chorus"):
        OpenAIEngine(server, model="gpt-4o")


def test_server_reports_bad_requests(server):
    r = httpx.post(f"{server}/completions", json={"prompt": "hi", "max_tokens": -1})
    assert r.status_code == 400 and r.json()["error"]["message"]
    r = httpx.post(
        f"{server}/chat/completions",
        json={
            "messages": [{"role": "user", "content": "hi"}],
            "top_logprobs": TOP_LOGPROBS + 1,  # more than the server returns
            "logprobs": True,
        },
    )
    assert r.status_code == 400 and r.json()["error"]["message"]


def test_api_key_is_required_and_never_leaks(tmp_path, monkeypatch):
    from chorus.engines.openai_engine import OpenAIEngine

    with ServerProcess(
        ["--dtype", "float32", "--api-key-env", "SERVE_KEY"], env={"SERVE_KEY": SECRET}
    ) as url:
        assert httpx.get(f"{url}/models").status_code == 401
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        with pytest.raises(
            EngineUnavailableError, match=r"refused the API key: set \$OPENAI_API_KEY"
        ):
            OpenAIEngine(url)
        monkeypatch.setenv("MY_KEY", SECRET)
        eng = CachedEngine(
            OpenAIEngine(url, api_key_env="MY_KEY", concurrency=2),
            ResponseCache(tmp_path / "c.sqlite"),
        )
        (dist,) = eng.choice(QUESTIONS[:1])
        assert dist.method == "next_token"
        monkeypatch.setenv("MY_KEY", SECRET + "-wrong")
        with pytest.raises(EngineUnavailableError) as info:
            OpenAIEngine(url, api_key_env="MY_KEY")
    assert SECRET not in str(info.value)
    stored = (tmp_path / "c.sqlite").read_bytes() + json.dumps(eng.describe()).encode()
    assert SECRET.encode() not in stored


def test_failure_after_retries_names_the_request_and_keeps_what_arrived(tmp_path):
    from chorus.engines.openai_engine import OpenAIEngine

    reqs = [_abc(f"Question number {k}?") for k in range(24)]

    def engine(url: str, retries: int) -> CachedEngine:
        # one request at a time: the seeded faults then hit the same requests on every run
        inner = OpenAIEngine(
            url, api="chat", tokenizer="embedded", concurrency=1, max_retries=retries
        )
        return CachedEngine(inner, ResponseCache(tmp_path / "c.sqlite"))

    with ServerProcess(
        ["--dtype", "float32", "--fault-rate", "0.5", "--fault-seed", "0", "--fault-kinds", "500"]
    ) as url:
        flaky = engine(url, retries=1)
        # seed 0: requests #0-#5 get through (at most one 500 each), #6 gets two in a row
        with pytest.raises(
            EngineRequestError, match=r"request #6 .* failed after 1 retries: last status 500"
        ) as info:
            flaky.choice(reqs)
        kept = len(info.value.completed)
        # #0-#5 arrived; #7 may have started before the failure stopped the rest
        assert kept in (6, 7) and kept == len(flaky.cache)
        # a rerun resumes: what arrived is served from the cache, the rest is asked again
        again = engine(url, retries=12)
        again.choice(reqs)
    assert again.stats.hits == kept and len(again.cache) == len(reqs)


@pytest.mark.slow
def test_survey_through_faults_equals_fault_free(tmp_path, server):
    """`chorus survey run` over the chat endpoint; 30% of requests fail (429 / 500 / stall past
    the client's timeout) and are retried; every answer equals the fault-free run's."""
    from chorus.cli import app

    def survey(url: str, name: str) -> pd.DataFrame:
        out = tmp_path / name
        args = ["survey", "run", str(MINI), "--personas", "anes2012", "--n", "2",
                "--conditioning", "bio", "--perspectives", "self", "--out", str(out),
                "--engine", "openai", "--base-url", url, "--api", "chat", "--tokenizer", "embedded",
                "--timeout", "8", "--concurrency", "4",
                "--cache-file", str(tmp_path / f"{name}.sqlite")]  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        manifest = json.loads((out / "run.json").read_text())
        assert manifest["engine"]["api"] == "chat" and manifest["incomplete_answers"] == 0
        return pd.read_parquet(out / "answers.parquet")

    clean = survey(server, "clean")
    with ServerProcess(
        ["--dtype", "float32", "--fault-rate", "0.3", "--fault-seed", "1", "--fault-stall", "12"]
    ) as url:
        faulty = survey(url, "faulty")
    assert len(faulty) == len(clean) == 6
    np.testing.assert_allclose(
        np.concatenate(faulty.probs.tolist()), np.concatenate(clean.probs.tolist()), atol=1e-5
    )
