"""The served choice path without a model: the bound on label spellings outside the top-K, the
tolerance, and how the openai engine meets a server that caps top log-probabilities, returns
none, or refuses `echo` (a small fake OpenAI server over real HTTP)."""

from __future__ import annotations

import json
import math
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

from chorus.engines import ChoiceRequest, EngineError, Loglik, Prompt
from chorus.engines.flags import FlagError, spec_from_flags
from chorus.engines.top_logprobs import TOP_LOGPROBS, check_tolerance, choice_from_top

# the next-token distribution every prompt of the fake server gets: "A" and "B" and their
# spaced spellings, then 300 filler tokens sharing what is left, each rarer than the last
HEAD = {"A": 0.5, "B": 0.3, " A": 0.02, " B": 0.0012}
FILLER = np.geomspace(1.0, 1e-3, 300)
FILLER = FILLER / FILLER.sum() * (1 - sum(HEAD.values()))
TABLE = {**HEAD, **{f"f{i}": float(p) for i, p in enumerate(FILLER)}}
RANKED = sorted(TABLE, key=TABLE.__getitem__, reverse=True)
LABELS = ("A", "B")
EXACT = np.array([HEAD["A"] + HEAD[" A"], HEAD["B"] + HEAD[" B"]])
EXACT = EXACT / EXACT.sum()


def top(k: int) -> dict[str, float]:
    return {t: math.log(TABLE[t]) for t in RANKED[:k]}


def request() -> ChoiceRequest:
    return ChoiceRequest(prompt=Prompt.raw("Q: pick one.\nA:"), labels=LABELS)


def expected_bound(k: int) -> float:
    shown = top(k)
    missing = [s for s in ("A", " A", "B", " B") if s not in shown]
    unseen = len(missing) * math.exp(min(shown.values()))
    seen = sum(TABLE[s] for s in ("A", " A", "B", " B") if s in shown)
    return unseen / (seen + unseen)


def test_the_bound_holds_and_the_tolerance_decides_what_is_scored():
    k = RANKED.index(" B")  # " B" is the one spelling left out
    calls: list[list[str]] = []

    def loglik(reqs):
        calls.append([r.continuation for r in reqs])
        return [
            Loglik(logprob=math.log(TABLE[r.continuation]), num_tokens=1, is_greedy=False)
            for r in reqs
        ]

    bound = expected_bound(k)
    assert 1e-4 < bound < 1e-2  # the fixture is where the tolerance matters
    (loose,) = choice_from_top([request()], [top(k)], loglik, None, tolerance=2 * bound)
    assert calls == [] and loose.complete and loose.method == "next_token"
    assert loose.error_bound == pytest.approx(bound, rel=1e-9)
    assert np.max(np.abs(np.array(loose.probs) - EXACT)) <= loose.error_bound
    assert np.max(np.abs(np.array(loose.probs) - EXACT)) > 0  # not exact: " B" left out
    (tight,) = choice_from_top([request()], [top(k)], loglik, None, tolerance=bound / 2)
    assert calls == [[" B"]] and tight.error_bound == 0.0 and tight.method == "mixed"
    np.testing.assert_allclose(tight.probs, EXACT, atol=1e-12)


def test_without_loglik_a_bound_over_the_tolerance_is_incomplete():
    k = RANKED.index(" B")
    (d,) = choice_from_top([request()], [top(k)], None, None, tolerance=expected_bound(k) / 2)
    assert not d.complete and d.method == "top_k_partial"
    assert d.error_bound == pytest.approx(expected_bound(k))
    assert d.unseen_max_prob == pytest.approx(math.exp(min(top(k).values())))
    assert np.max(np.abs(np.array(d.probs) - EXACT)) <= d.error_bound


@pytest.mark.parametrize("bad", [0.0, -1e-4, 0.2, 1.0])
def test_tolerance_outside_its_range_is_refused_naming_the_option(bad):
    with pytest.raises(ValueError, match=r"--logprob-tolerance .* outside \(0, 0.1\]"):
        check_tolerance(bad)
    with pytest.raises(FlagError, match="--logprob-tolerance"):
        spec_from_flags({"engine": "openai", "logprob_tolerance": bad})
    assert check_tolerance(0.1) == 0.1


# ---- a fake OpenAI completions server -------------------------------------------------------
class Fake:
    cap = 100  # the most top log-probabilities it returns; more is refused as vLLM does
    logprobs = True  # False: answers without log-probabilities
    echo = True  # False: refuses `echo` with a 400
    echo_fails = False  # True: `echo` answers 500 (a failing server, not a refusal)
    log: list[dict]


def _handler(fake: type[Fake]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._send(
                200,
                {
                    "object": "list",
                    "data": [{"id": "fake", "object": "model", "created": 0, "owned_by": "test"}],
                },
            )

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.log.append(body)
            k = body.get("logprobs") or 0
            if k > fake.cap:
                msg = f"Requested sample logprobs of {k}, which is greater than max allowed: "
                msg += str(fake.cap)
                return self._send(400, {"error": {"message": msg, "type": "BadRequestError"}})
            prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
            if body.get("echo"):
                if not fake.echo:
                    return self._send(400, {"error": {"message": "echo is not supported"}})
                if fake.echo_fails:
                    return self._send(500, {"error": {"message": "internal error"}})
                return self._send(200, _completion([_echo(p) for p in prompts]))
            lp = {
                "tokens": ["A"],
                "token_logprobs": [math.log(0.5)],
                "text_offset": [0],
                "top_logprobs": [top(k)],
            }
            return self._send(200, _completion([lp if fake.logprobs else None] * len(prompts)))

    return Handler


def _completion(logprobs: list) -> dict:
    return {
        "id": "x",
        "object": "text_completion",
        "created": 0,
        "model": "fake",
        "choices": [
            {"index": i, "text": "A", "finish_reason": "length", "logprobs": lp}
            for i, lp in enumerate(logprobs)
        ],
    }


def _echo(text: str) -> dict:
    """The prompt as [context, last spelling] tokens, the continuation scored from TABLE."""
    cont = next(s for s in (" A", " B", "A", "B") if text.endswith(s))
    return {
        "tokens": [text[: -len(cont)], cont],
        "token_logprobs": [None, math.log(TABLE[cont])],
        "text_offset": [0, len(text) - len(cont)],
        "top_logprobs": None,
    }


@pytest.fixture
def fake_server():
    fake = type("F", (Fake,), {"log": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield fake, f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


def _engine(url: str, **kw):
    from chorus.engines.openai_engine import OpenAIEngine

    return OpenAIEngine(url, api="completions", max_retries=0, concurrency=2, **kw)


def test_a_server_capping_logprobs_is_asked_again_with_its_cap(fake_server, capsys):
    fake, url = fake_server
    fake.cap = RANKED.index(" B")  # " B" falls outside the top list
    bound = expected_bound(fake.cap)
    eng = _engine(url, logprob_tolerance=2 * bound)
    dists = eng.choice([request()] * 3)
    asked = [b["logprobs"] for b in fake.log]
    assert asked[0] == TOP_LOGPROBS and set(asked[1:]) == {fake.cap}
    assert "at most %d top log-probabilities" % fake.cap in capsys.readouterr().err
    assert all(d.complete and d.error_bound == pytest.approx(bound) for d in dists)
    assert not any(b.get("echo") for b in fake.log)  # within the tolerance: no echo
    # a tighter tolerance scores " B" with echo: exact
    exact = _engine(url, logprob_tolerance=bound / 2).choice([request()] * 3)
    assert sum(bool(b.get("echo")) for b in fake.log) >= 1
    for d in exact:
        assert d.error_bound == 0.0
        np.testing.assert_allclose(d.probs, EXACT, atol=1e-9)


def test_a_server_refusing_echo_falls_back_to_recorded_bounds(fake_server, capsys):
    fake, url = fake_server
    fake.cap, fake.echo = RANKED.index(" B"), False
    bound = expected_bound(fake.cap)
    (d,) = _engine(url, logprob_tolerance=bound / 2).choice([request()])
    assert "does not score prompts" in capsys.readouterr().err
    assert not d.complete and d.error_bound == pytest.approx(bound)
    assert np.max(np.abs(np.array(d.probs) - EXACT)) <= d.error_bound


def test_a_server_without_logprobs_is_a_clear_error(fake_server):
    fake, url = fake_server
    fake.logprobs = False
    with pytest.raises(EngineError, match="returned no log-probabilities"):
        _engine(url).choice([request()])


def test_a_label_of_several_tokens_is_bounded_by_its_first_token():
    # "Agree strongly" is not one token; its first token "Agree" is listed with 0.2
    tops = {
        "Agree": math.log(0.2),
        "B": math.log(0.5),
        **{f"f{i}": math.log(1e-4) for i in range(5)},
    }
    req = ChoiceRequest(prompt=Prompt.raw("Q"), labels=("Agree strongly", "B"))
    (d,) = choice_from_top([req], [tops], None, None, tolerance=1e-4)
    # without a tokenizer both spellings of each label count; " B" is at most p_K = 1e-4
    unseen = 0.2 + 1e-4 + 1e-4  # "Agree strongly" (its first token), " Agree strongly", " B"
    assert d.error_bound == pytest.approx(unseen / (0.5 + unseen)) and not d.complete


def test_a_failing_echo_keeps_the_answers_that_needed_none(fake_server):
    from chorus.engines.errors import EngineRequestError

    fake, url = fake_server
    fake.cap, fake.echo_fails = RANKED.index(" B"), True
    needs_echo = request()
    listed = ChoiceRequest(prompt=Prompt.raw("Q: say A.\nA:"), labels=("A",))  # both listed
    with pytest.raises(EngineRequestError) as info:
        _engine(url, logprob_tolerance=expected_bound(fake.cap) / 2).choice([needs_echo, listed])
    assert set(info.value.completed) == {1}  # by choice position: the cache keeps it
    assert info.value.completed[1].complete and info.value.completed[1].probs == [1.0]
