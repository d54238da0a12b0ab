"""The openai engine against a real `chorus serve` process on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import numpy as np
import pytest

from engines import ChoiceRequest, GenerateRequest, LoglikRequest, Prompt


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator.cli", "serve", "--port", str(port), "--dtype", "float32"],
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chorus serve exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"{url}/models", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("chorus serve did not start within 180 s")
    yield url
    proc.terminate()
    proc.wait(30)


@pytest.fixture(scope="module")
def client(server):
    from engines.openai_engine import OpenAIEngine

    return OpenAIEngine(server, tokenizer="embedded")


def test_choice_matches_transformers_engine(client, transformers_engine):
    reqs = [
        ChoiceRequest(
            prompt=Prompt.chat(("user", f"{q}\nA. Yes\nB. No\nC. Not sure"), answer_prefix="Answer: "),
            labels=("A", "B", "C"),
        )
        for q in ("Should taxes on the rich go up?", "Do you own a dog?")
    ]
    reqs.append(ChoiceRequest(prompt=Prompt.chat(("user", "Your view?"), answer_prefix="I"), labels=("agree", "strongly disagree")))
    for local, remote in zip(transformers_engine.choice(reqs), client.choice(reqs)):
        np.testing.assert_allclose(local.probs, remote.probs, atol=1e-3)


def test_loglik_matches(client, transformers_engine):
    req = LoglikRequest(prompt=Prompt.chat(("user", "Where do you live?")), continuation="I live in Ohio.")
    (a,), (b,) = transformers_engine.loglik([req]), client.loglik([req])
    assert a.num_tokens == b.num_tokens
    assert a.logprob == pytest.approx(b.logprob, abs=1e-3)


def test_generate_is_seeded(client):
    req = GenerateRequest(prompt=Prompt.chat(("user", "Name a color.")), max_tokens=8, seed=4, n=2)
    (a,), (b,) = client.generate([req]), client.generate([req])
    assert a.texts == b.texts and len(a.texts) == 2


def test_server_reports_bad_requests(server):
    r = httpx.post(f"{server}/completions", json={"prompt": "hi", "max_tokens": -1})
    assert r.status_code == 422
