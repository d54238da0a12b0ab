"""Any OpenAI-compatible server: `vllm serve`, Ollama, llama.cpp's server, hosted APIs,
`chorus serve`.

Two endpoints (`api`):
- `completions`: the client renders prompts (with a local tokenizer's chat template when one is
  given, as token ids, so the server scores exactly what the transformers engine scores) and
  sends many prompts per request. Labels outside the top-K are scored exactly with `echo`
  where the server supports it (probed once).
- `chat`: the server applies its own chat template. An answer prefix is sent as a final,
  unfinished assistant turn (`continue_final_message`, as vLLM and `chorus serve` accept);
  `choice` reads the top-K (at most 20) of the first answer token, and labels outside it are
  recorded as unseen (engines.top_logprobs), since chat APIs cannot score a given continuation.
`auto` picks chat when no tokenizer is given or the server lists the model as a chat model
(`"type": "chat"`), and completions otherwise.

Requests run concurrently (a bounded pool) and come back in request order. The openai SDK
retries connection errors, timeouts, 429 and 5xx with exponential backoff and jitter, honouring
`Retry-After`; a request that still fails raises EngineRequestError carrying every result that
did arrive, so the cache keeps them. The API key is read from an environment variable and never
leaves the client object (not in fingerprints, manifests, the cache or error messages).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from chorus.engines.base import Engine, sample_seed
from chorus.engines.errors import EngineError, EngineRequestError, EngineUnavailableError
from chorus.engines.rendering import ChatMode, encode, render, uses_chat
from chorus.engines.top_logprobs import choice_from_top
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

MAX_TOP_LOGPROBS = 20  # OpenAI's limit for chat; vLLM's default limit for completions
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
        concurrency: int = 16,
        timeout: float = 120.0,
        max_retries: int = 6,
        batch: int = 32,
    ) -> None:
        import openai

        if concurrency < 1:
            raise ValueError(f"--concurrency must be at least 1 (got {concurrency})")
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

    # ---- identity -------------------------------------------------------------------------
    def _model_entry(self, model: str | None) -> dict[str, Any]:
        try:
            listed = [m.model_dump() for m in self.client.models.list()]
        except Exception as exc:  # the SDK's connection and status errors, bad JSON
            raise EngineUnavailableError(
                f"no OpenAI-compatible server answers at {self.base_url}/models "
                f"({self._scrub(_reason(exc))}); start one (`chorus serve`, `vllm serve MODEL`) or "
                f"fix --base-url{self._key_hint(exc)}"
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
        return f"{self.base_url}|{self.model}|{said}|{self.api}:{'chat' if self.chat else 'raw'}"

    @property
    def model_id(self) -> str:
        return f"{self.model} @ {self.base_url}"

    def describe(self) -> dict[str, str]:
        return {
            **super().describe(),
            "api": self.api,
            "concurrency": str(self.concurrency),
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
        self, what: str, parts: list[list[int]], call: Callable[[list[int]], list[T]]
    ) -> dict[int, T]:
        """Run `call` on each part (positions of the engine call) with at most `concurrency` in
        flight; position -> result. A part that fails after the SDK's retries stops the rest
        and raises EngineRequestError with what did arrive."""
        done: dict[int, T] = {}
        with ThreadPoolExecutor(self.concurrency) as pool:
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
        size = max(1, min(per_request, math.ceil(n / self.concurrency)))
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
            "generate", [[k] for k in range(len(items))], lambda part: [draw(*items[part[0]])]
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
        if self.api == "chat":
            parts = [[k] for k in range(len(requests))]

            def fetch(part: list[int]) -> list[dict[str, float]]:
                return [self._chat_top(requests[part[0]].prompt)]
        else:
            parts = self._chunks(len(requests), self.batch)

            def fetch(part: list[int]) -> list[dict[str, float]]:
                return self._completion_tops([requests[k].prompt for k in part])

        try:
            tops = self._parallel("choice", parts, fetch)
        except EngineRequestError as exc:  # keep every distribution that needs no more requests
            seen = sorted(exc.completed)
            dists = choice_from_top(
                [requests[k] for k in seen], [exc.completed[k] for k in seen], None, self.tokenizer
            )
            # completions may still need echo requests for the rest; chat needs none
            exc.completed = {
                k: d for k, d in zip(seen, dists) if self.api == "chat" or d.method == "next_token"
            }
            raise
        ordered = [tops[k] for k in range(len(requests))]
        return choice_from_top(
            requests, ordered, self._label_scorer(requests, ordered), self.tokenizer
        )

    def _chat_top(self, prompt: Prompt) -> dict[str, float]:
        msgs, extra = self._messages(prompt)
        resp = self.client.chat.completions.create(
            model=self.model,
            messages=msgs,
            max_tokens=1,
            temperature=0.0,
            logprobs=True,
            top_logprobs=MAX_TOP_LOGPROBS,
            extra_body=extra or None,
        )
        content = resp.choices[0].logprobs.content if resp.choices[0].logprobs else None
        if not content:
            raise EngineError(
                f"the server at {self.base_url} returned no log-probabilities for {self.model}; "
                "choice needs `logprobs` support (vLLM, llama.cpp's server, OpenAI and chorus "
                "serve have it)"
            )
        return {t.token: t.logprob for t in content[0].top_logprobs}

    def _completion_tops(self, prompts: list[Prompt]) -> list[dict[str, float]]:
        resp = self.client.completions.create(
            model=self.model,
            prompt=cast(PromptBatch, [self._encode(p) for p in prompts]),
            max_tokens=1,
            temperature=0.0,
            logprobs=MAX_TOP_LOGPROBS,
        )
        return [
            dict((c.logprobs.top_logprobs or [{}])[0]) if c.logprobs else {}
            for c in sorted(resp.choices, key=lambda c: c.index)
        ]

    def _label_scorer(self, requests: Sequence[ChoiceRequest], tops: list[dict[str, float]]):
        """loglik for labels outside the top-K, where the server can score a continuation:
        completions with `echo` (probed once with a real request); None otherwise."""
        if self.api == "chat":
            return None
        if self._echo is None:
            probe = next(
                (
                    LoglikRequest(prompt=r.prompt, continuation=lab)
                    for r, top in zip(requests, tops)
                    for lab in r.labels
                    if lab not in top and " " + lab not in top
                ),
                None,
            )
            if probe is None:
                return self.loglik  # nothing to score this time; probe when it is needed
            try:
                self.loglik([probe])
                self._echo = True
            except EngineRequestError as exc:
                if not 400 <= getattr(exc.__cause__, "status_code", 0) < 500:
                    raise  # the server is failing, not refusing echo
                self._echo = False
            except EngineError:  # answered, but without prompt log-probabilities
                self._echo = False
        return self.loglik if self._echo else None

    # ---- loglik -------------------------------------------------------------------------------
    def loglik(self, requests: Sequence[LoglikRequest]) -> list[Loglik]:
        if self.api == "chat":
            raise EngineError(
                "loglik needs a completions endpoint that supports `echo` (vLLM, chorus serve); "
                "chat endpoints cannot score a given continuation. Use --api completions."
            )
        contexts = [self._encode(r.prompt) for r in requests]
        conts = [self._continuation(r.continuation) for r in requests]

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
