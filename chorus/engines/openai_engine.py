"""Any OpenAI-compatible server: vLLM's server, Ollama, llama.cpp's server, hosted APIs,
`chorus serve`.

Two endpoints (`api`):
- `completions`: the client renders prompts (with a local tokenizer's chat template when one is
  given, as token ids, so the server scores exactly what the transformers engine scores) and
  sends many prompts per request. `choice` asks for the top 1000 log-probabilities of the first
  answer token (or the server's cap, read once from its refusal: vLLM's `--max-logprobs`); a
  label spelling outside them is scored with `echo` (batched, where the server supports it:
  probed once) only when it could move a probability by `logprob_tolerance` or more
  (engines.top_logprobs: the bound is recorded on each distribution).
- `chat`: the server applies its own chat template. An answer prefix is sent as a final,
  unfinished assistant turn (`continue_final_message`, as vLLM and `chorus serve` accept);
  `choice` reads the top-K of the first answer token (the same cap), and spellings outside it
  are bounded as above; a bound over the tolerance marks the answer incomplete, since chat APIs
  cannot score a given continuation.
`auto` picks chat when no tokenizer is given or the server lists the model as a chat model
(`"type": "chat"`), and completions otherwise.

Requests run concurrently (a bounded pool: `concurrency`, by default 16 for scoring and up to 64
samples for generation, one request each since each sample has its own seed) and come back in
request order. The openai SDK retries connection errors, timeouts, 429 and 5xx with exponential
backoff and jitter, honouring `Retry-After`; a request that still fails raises
EngineRequestError carrying every result that did arrive, so the cache keeps them. The API key
is read from an environment variable and never leaves the client object (not in fingerprints,
manifests, the cache or error messages).
"""

from __future__ import annotations

import math
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from chorus.engines.base import Engine, sample_seed
from chorus.engines.errors import EngineError, EngineRequestError, EngineUnavailableError
from chorus.engines.rendering import ChatMode, encode, render, uses_chat
from chorus.engines.top_logprobs import (
    DEFAULT_TOLERANCE,
    TOP_LOGPROBS,
    check_tolerance,
    choice_from_top,
)
from chorus.engines.types import (
    Api,
    ChoiceDistribution,
    ChoiceRequest,
    GenerateRequest,
    Loglik,
    LoglikRequest,
    Prompt,
    Sample,
)

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

SCORING_CONCURRENCY = 16  # requests in flight by default: choice and loglik
GENERATION_CONCURRENCY = 64  # samples in flight by default: a server batches them together
# a refusal that names the server's top-logprobs cap: vLLM ("greater than max allowed: 20"),
# OpenAI ("Expected a value <= 20"), pydantic servers ("less than or equal to 20")
_CAP = re.compile(r"(?:max allowed|<=|less than or equal to|at most)\D{0,4}(\d+)", re.I)
T = TypeVar("T")
# The prompts of one completions request: all text, or all token ids (whenever a tokenizer is
# known), as the API takes them; _encode's union cannot say which.
PromptBatch = list[str] | list[list[int]]


class OpenAIEngine(Engine):
    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        *,
        api: Api = "auto",
        api_key_env: str = "OPENAI_API_KEY",
        tokenizer: str | None = None,
        chat_template: ChatMode = "auto",
        concurrency: int | None = None,
        timeout: float = 120.0,
        max_retries: int = 6,
        batch: int = 32,
        logprob_tolerance: float = DEFAULT_TOLERANCE,
    ) -> None:
        import openai

        if concurrency is not None and concurrency < 1:
            raise ValueError(f"--concurrency must be at least 1 (got {concurrency})")
        self.tolerance = check_tolerance(logprob_tolerance)
        self.base_url = base_url.rstrip("/")
        self.api_key_env = api_key_env
        self._key = os.environ.get(api_key_env) or ""
        # Local servers take any key; the SDK insists on one.
        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=self._key or "no-key",
            timeout=timeout,
            max_retries=max_retries,
        )
        self.concurrency = concurrency
        self.max_retries = max_retries
        self.batch = batch
        entry = self._model_entry(model)
        self.model = str(entry["id"])
        # What the server says about the model (vLLM: root, max_model_len; chorus serve: its
        # engine fingerprint); `created` is left out: vLLM sets it to the start time.
        self.server_info = {
            k: str(entry[k])
            for k in ("fingerprint", "root", "owned_by", "max_model_len", "type")
            if entry.get(k)
        }
        self.tokenizer = _load_tokenizer(tokenizer) if tokenizer else None
        self.api: Literal["chat", "completions"] = (
            api
            if api != "auto"
            else "chat"
            if self.tokenizer is None or entry.get("type") == "chat"
            else "completions"
        )
        # Completions without a tokenizer cannot apply the model's chat template.
        self.chat = self.api == "chat" or (
            self.tokenizer is not None and uses_chat(self.tokenizer, chat_template)
        )
        if self.api == "completions" and self.tokenizer is None:
            print(
                f"warning: {self.model} @ {self.base_url}: completions without --tokenizer send "
                "chat prompts as plain text (no chat template); pass --tokenizer for an instruct "
                "model or use --api chat",
                file=sys.stderr,
            )
        self._echo: bool | None = None  # whether the completions server scores prompts (probed)
        self._top = TOP_LOGPROBS  # top log-probabilities asked for; lowered to the server's cap
        self._top_lock = threading.Lock()
        self._top_probed = False
        self.echo_prompts = 0  # continuations scored with `echo` so far (benchmarks report it)

    # ---- identity -------------------------------------------------------------------------
    def _model_entry(self, model: str | None) -> dict[str, Any]:
        try:
            listed = [m.model_dump() for m in self.client.models.list()]
        except Exception as exc:  # the SDK's connection and status errors, bad JSON
            raise EngineUnavailableError(
                f"no OpenAI-compatible server answers at {self.base_url}/models "
                f"({self._scrub(_reason(exc))}); start one (`chorus serve`, vLLM's server: "
                f"docs/engines.md) or fix --base-url{self._key_hint(exc)}"
            ) from exc
        if not listed:
            raise EngineUnavailableError(f"the server at {self.base_url} lists no models")
        if model is None:
            return listed[0]
        for entry in listed:
            if entry.get("id") == model:
                return entry
        if len(listed) > 50:  # hosted APIs list hundreds and may serve unlisted aliases
            return {"id": model}
        names = ", ".join(str(e.get("id")) for e in listed)
        raise EngineUnavailableError(
            f"the server at {self.base_url} does not serve {model!r} (it lists: {names})"
        )

    @property
    def fingerprint(self) -> str:
        said = ",".join(f"{k}={v}" for k, v in sorted(self.server_info.items()))
        mode = "chat" if self.chat else "raw"
        # the tolerance changes which spellings are scored, so cached distributions depend on it
        return f"{self.base_url}|{self.model}|{said}|{self.api}:{mode}|tol={self.tolerance:g}"

    @property
    def model_id(self) -> str:
        return f"{self.model} @ {self.base_url}"

    def describe(self) -> dict[str, str]:
        return {
            **super().describe(),
            "api": self.api,
            "concurrency": str(self.concurrency or "auto"),
            "logprob_tolerance": f"{self.tolerance:g}",
            "top_logprobs": str(self._top),
            "prompt_format": "chat template" if self.chat else "plain text",
            **{f"server_{k}": v for k, v in self.server_info.items()},
        }

    # ---- requests -----------------------------------------------------------------------------
    def _scrub(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def _key_hint(self, exc: BaseException) -> str:
        if getattr(exc, "status_code", None) in (401, 403):
            return (
                f" (the server refused the API key: set ${self.api_key_env}, or name another "
                "variable with --api-key-env)"
            )
        return ""

    def _parallel(
        self,
        what: str,
        parts: list[list[int]],
        call: Callable[[list[int]], list[T]],
        width: int = SCORING_CONCURRENCY,
    ) -> dict[int, T]:
        """Run `call` on each part (positions of the engine call) with at most `concurrency`
        (else `width`) in flight; position -> result. A part that fails after the SDK's retries
        stops the rest and raises EngineRequestError with what did arrive."""
        done: dict[int, T] = {}
        with ThreadPoolExecutor(min(self.concurrency or width, max(len(parts), 1))) as pool:
            futures = {pool.submit(call, part): part for part in parts}
            finished, pending = wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((f for f in finished if f.exception() is not None), None)
            if failed is not None:
                for f in pending:
                    f.cancel()
                wait(pending)
            for f, part in futures.items():
                if f.done() and not f.cancelled() and f.exception() is None:
                    done.update(zip(part, f.result()))
        if failed is None:
            return done
        exc = failed.exception()
        assert exc is not None
        part = futures[failed]
        which = f"#{part[0]}" if len(part) == 1 else f"#{part[0]}-#{part[-1]}"
        if hasattr(exc, "request"):  # the SDK's errors: the server kept failing or refused
            status = getattr(exc, "status_code", None) or type(exc).__name__
            why = (
                f"failed after {self.max_retries} retries: last status {status}: "
                f"{self._scrub(_reason(exc))}"
            )
        elif isinstance(exc, EngineError):  # an answer chorus cannot use (no log-probabilities)
            why = f"failed: {exc}"
        else:  # a 200 whose body is not the API's JSON (a proxy's login page, another service)
            why = (
                f"failed: the server's answer is not an OpenAI-style response "
                f"({type(exc).__name__}: {exc}); check that --base-url is an OpenAI-compatible "
                "/v1 endpoint"
            )
        raise EngineRequestError(
            f"{what} request {which} to {self.base_url} ({self.model}, {self.api} endpoint) {why}"
            f"{self._key_hint(exc)}. {len(done)} results that arrived are cached; run the same "
            "command again to resume.",
            completed=dict(done),
        ) from exc

    def _chunks(self, n: int, per_request: int) -> list[list[int]]:
        size = max(1, min(per_request, math.ceil(n / (self.concurrency or SCORING_CONCURRENCY))))
        return [list(range(s, min(s + size, n))) for s in range(0, n, size)]

    def _messages(self, prompt: Prompt) -> tuple[list[ChatCompletionMessageParam], dict[str, Any]]:
        """Chat messages, and the extra body that makes the server continue an unfinished
        assistant turn (the answer prefix) instead of opening a new one."""
        if prompt.token_ids is not None:
            raise EngineError(
                "a token-id prompt cannot be sent to a chat endpoint; use --api completions"
            )
        # the SDK types each role's message as its own TypedDict, which m.role cannot pick
        msgs = cast(
            "list[ChatCompletionMessageParam]",
            [{"role": m.role, "content": m.content} for m in prompt.messages]
            if prompt.messages is not None
            else [{"role": "user", "content": prompt.text or ""}],
        )
        if prompt.answer_prefix:
            msgs.append({"role": "assistant", "content": prompt.answer_prefix})
        if msgs[-1]["role"] == "assistant":
            return msgs, {"continue_final_message": True, "add_generation_prompt": False}
        return msgs, {}

    def _encode(self, prompt: Prompt) -> str | list[int]:
        """Token ids when a local tokenizer is known (exactly what the transformers engine
        scores), else the rendered text."""
        if self.tokenizer is None and prompt.token_ids is None:
            return render(prompt, None, self.chat)
        return encode(prompt, self.tokenizer, self.chat)

    def _continuation(self, text: str) -> str | list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False) if self.tokenizer else text

    # ---- sampling -----------------------------------------------------------------------------
    def sample(self, items: Sequence[tuple[GenerateRequest, int]]) -> list[Sample]:
        """One request per sample, seeded with sample_seed(seed, index): a sample never depends
        on the request's n or on which samples were already cached."""
        draw = self._chat_sample if self.api == "chat" else self._completion_sample
        done = self._parallel(
            "generate",
            [[k] for k in range(len(items))],
            lambda part: [draw(*items[part[0]])],
            width=GENERATION_CONCURRENCY,
        )
        return [done[k] for k in range(len(items))]

    def _chat_sample(self, req: GenerateRequest, index: int) -> Sample:
        msgs, extra = self._messages(req.prompt)
        resp = self.client.chat.completions.create(
            model=self.model,
            messages=msgs,
            max_tokens=req.max_tokens,
            temperature=req.temperature,
            top_p=req.top_p,
            stop=list(req.stop) or None,
            seed=sample_seed(req.seed, index) % (1 << 31),
            logprobs=True,
            extra_body=extra or None,
        )
        c = resp.choices[0]
        lps = [t.logprob for t in (c.logprobs.content or [])] if c.logprobs else []
        return Sample(
            text=c.message.content or "",
            logprob=float(sum(lps)),
            num_tokens=len(lps) or (resp.usage.completion_tokens if resp.usage else 0),
            finish_reason="stop" if c.finish_reason == "stop" else "length",
        )

    def _completion_sample(self, req: GenerateRequest, index: int) -> Sample:
        resp = self.client.completions.create(
            model=self.model,
            prompt=self._encode(req.prompt),
            max_tokens=req.max_tokens,
            temperature=req.temperature,
            top_p=req.top_p,
            stop=list(req.stop) or None,
            seed=sample_seed(req.seed, index) % (1 << 31),
            logprobs=0,
        )
        c = resp.choices[0]
        lps = [x for x in (c.logprobs.token_logprobs or [] if c.logprobs else []) if x is not None]
        return Sample(
            text=c.text,
            logprob=float(sum(lps)),
            num_tokens=len(lps) or (resp.usage.completion_tokens if resp.usage else 0),
            finish_reason="stop" if c.finish_reason == "stop" else "length",
        )

    # ---- choice -------------------------------------------------------------------------------
    def choice(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
        fetch: Callable[[list[int]], list[dict[str, float]]]
        # the first request goes alone until the server's top-logprobs cap is known
        start = 0 if self._top_probed or not requests else 1
        if self.api == "chat":
            parts = [[k] for k in range(start, len(requests))]

            def fetch(part: list[int]) -> list[dict[str, float]]:
                return [self._chat_top(requests[part[0]].prompt)]
        else:
            chunks = self._chunks(len(requests) - start, self.batch)
            parts = [[k + start for k in chunk] for chunk in chunks]

            def fetch(part: list[int]) -> list[dict[str, float]]:
                return self._completion_tops([requests[k].prompt for k in part])

        tops: dict[int, dict[str, float]] = {}
        try:
            if start:
                tops = self._parallel("choice", [[0]], fetch)
                self._top_probed = True
            try:
                tops.update(self._parallel("choice", parts, fetch))
            except EngineRequestError as exc:
                exc.completed.update(tops)
                raise
        except EngineRequestError as exc:  # keep every distribution that needs no more requests
            seen = sorted(exc.completed)
            dists = choice_from_top(
                [requests[k] for k in seen],
                [exc.completed[k] for k in seen],
                None,
                self.tokenizer,
                self.tolerance,
            )
            # completions may still need echo requests for the rest; chat needs none
            exc.completed = {k: d for k, d in zip(seen, dists) if self.api == "chat" or d.complete}
            raise
        ordered = [tops[k] for k in range(len(requests))]
        scorer = None if self.api == "chat" or self._echo is False else self._echo_scorer
        try:
            return choice_from_top(requests, ordered, scorer, self.tokenizer, self.tolerance)
        except _EchoRefused:
            return choice_from_top(requests, ordered, None, self.tokenizer, self.tolerance)

    def _capped(self, send: Callable[[int], T]) -> T:
        """send(k), k the top log-probabilities to ask for: TOP_LOGPROBS until the server
        refuses it naming its cap, the cap from then on."""
        import openai

        while True:
            k = self._top
            try:
                return send(k)
            except openai.BadRequestError as exc:
                found = _CAP.search(_reason(exc)) if "logprob" in _reason(exc).lower() else None
                cap = int(found.group(1)) if found else 0
                if not 0 < cap < k:
                    raise
                with self._top_lock:
                    if self._top > cap:
                        print(
                            f"note: {self.base_url} returns at most {cap} top log-probabilities "
                            f"(chorus asks for {TOP_LOGPROBS}); asking for {cap}, so more label "
                            "spellings need `echo` or stay bounded. With vLLM, start the server "
                            f"with --max-logprobs {TOP_LOGPROBS}.",
                            file=sys.stderr,
                        )
                        self._top = cap

    def _no_logprobs(self) -> EngineError:
        return EngineError(
            f"the server at {self.base_url} returned no log-probabilities for {self.model}; "
            "choice needs `logprobs` support (vLLM, llama.cpp's server, OpenAI and chorus "
            "serve have it)"
        )

    def _chat_top(self, prompt: Prompt) -> dict[str, float]:
        msgs, extra = self._messages(prompt)
        resp = self._capped(
            lambda k: self.client.chat.completions.create(
                model=self.model,
                messages=msgs,
                max_tokens=1,
                temperature=0.0,
                logprobs=True,
                top_logprobs=k,
                extra_body=extra or None,
            )
        )
        content = resp.choices[0].logprobs.content if resp.choices[0].logprobs else None
        if not content or not content[0].top_logprobs:
            raise self._no_logprobs()
        return {t.token: t.logprob for t in content[0].top_logprobs}

    def _completion_tops(self, prompts: list[Prompt]) -> list[dict[str, float]]:
        encoded = cast(PromptBatch, [self._encode(p) for p in prompts])
        resp = self._capped(
            lambda k: self.client.completions.create(
                model=self.model, prompt=encoded, max_tokens=1, temperature=0.0, logprobs=k
            )
        )
        tops = [
            dict(c.logprobs.top_logprobs[0])
            if c.logprobs and c.logprobs.top_logprobs and c.logprobs.top_logprobs[0]
            else None
            for c in sorted(resp.choices, key=lambda c: c.index)
        ]
        if len(tops) != len(prompts) or any(t is None for t in tops):
            raise self._no_logprobs()
        return cast(list[dict[str, float]], tops)

    def _echo_scorer(self, requests: list[LoglikRequest]) -> list[Loglik]:
        """loglik for label spellings outside the top-K. The first use probes with a real
        request whether the server scores a given continuation (`echo`); a refusal raises
        _EchoRefused, and choice falls back to bounded distributions."""
        first: list[Loglik] = []
        if self._echo is None:
            try:
                first = self.loglik(requests[:1])
                self._echo = True
            except EngineRequestError as exc:
                if not 400 <= getattr(exc.__cause__, "status_code", 0) < 500:
                    raise  # the server is failing, not refusing echo
                self._echo = False
            except EngineError:  # answered, but without prompt log-probabilities
                self._echo = False
            if not self._echo:
                print(
                    f"warning: {self.base_url} does not score prompts (`echo`): label spellings "
                    f"outside its top {self._top} are left out, each answer records how far that "
                    f"can move it (error_bound), and one over {self.tolerance:g} counts as "
                    "incomplete",
                    file=sys.stderr,
                )
        if not self._echo:
            raise _EchoRefused
        rest = requests[len(first) :]
        try:
            return first + (self.loglik(rest) if rest else [])
        except EngineRequestError as exc:  # positions in `requests`, as the caller counts them
            exc.completed = {
                **dict(enumerate(first)),
                **{k + len(first): r for k, r in exc.completed.items()},
            }
            raise

    # ---- loglik -------------------------------------------------------------------------------
    def loglik(self, requests: Sequence[LoglikRequest]) -> list[Loglik]:
        if self.api == "chat":
            raise EngineError(
                "loglik needs a completions endpoint that supports `echo` (vLLM, chorus serve); "
                "chat endpoints cannot score a given continuation. Use --api completions."
            )
        contexts = [self._encode(r.prompt) for r in requests]
        conts = [self._continuation(r.continuation) for r in requests]
        self.echo_prompts += len(requests)

        def score(part: list[int]) -> list[Loglik]:
            resp = self.client.completions.create(
                model=self.model,
                prompt=cast(PromptBatch, [_joined(contexts[k], conts[k]) for k in part]),
                max_tokens=0,
                echo=True,
                logprobs=1,
            )
            choices = sorted(resp.choices, key=lambda c: c.index)
            return [_echo_loglik(c.logprobs, contexts[k], conts[k]) for k, c in zip(part, choices)]

        done = self._parallel("loglik", self._chunks(len(requests), self.batch), score)
        return [done[k] for k in range(len(requests))]


class _EchoRefused(Exception):
    """The server refuses `echo`: choice falls back to bounded distributions."""


def _joined(context: str | list[int], cont: str | list[int]) -> str | list[int]:
    """The context, then the continuation: both token ids when a tokenizer is known, else both
    text."""
    if isinstance(context, str):
        return context + cast(str, cont)
    return context + cast(list[int], cont)


def _echo_loglik(lp: Any, context: str | list[int], cont: str | list[int]) -> Loglik:
    if lp is None or not lp.token_logprobs:
        raise EngineError("the server returned no prompt log-probabilities for an `echo` request")
    rows = list(zip(lp.token_logprobs, lp.top_logprobs or [None] * len(lp.token_logprobs)))
    if isinstance(cont, list):
        picked = rows[len(rows) - len(cont) :]
    else:  # text: every token that overlaps the continuation
        ends = [off + len(t) for off, t in zip(lp.text_offset, lp.tokens)]
        picked = [row for row, end in zip(rows, ends) if end > len(context)]
    if any(x is None for x, _ in picked):
        raise EngineError("the server returned null log-probabilities for an `echo` request")
    return Loglik(
        logprob=float(sum(x for x, _ in picked)),
        num_tokens=len(picked),
        is_greedy=all(top is not None and x >= max(top.values()) - 1e-6 for x, top in picked),
    )


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "message", None) or exc)[:300]


def _load_tokenizer(spec: str):
    from transformers import AutoTokenizer

    from chorus.engines.model_files import resolve_model

    folder, gguf = resolve_model(None if spec == "embedded" else spec)
    return (
        AutoTokenizer.from_pretrained(folder, gguf_file=gguf)
        if gguf
        else AutoTokenizer.from_pretrained(folder)
    )
