"""`chorus serve`: the transformers engine behind an OpenAI-compatible API.

It implements what chorus's own `openai` engine uses (and vLLM / llama.cpp clients commonly use):
/v1/models, /v1/completions (n, seed, stop, temperature, top_p, logprobs, echo, token-id
prompts) and /v1/chat/completions (logprobs, top_logprobs, and vLLM's continue_final_message
for an unfinished assistant turn). Concurrent requests are batched into one engine call
(engines.batcher). Optional: an API key (requests without `Authorization: Bearer KEY` get 401)
and seeded fault injection (engines.faults) for testing clients.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from chorus.engines.batcher import Batcher
from chorus.engines.errors import ContextOverflowError
from chorus.engines.faults import FaultPlan
from chorus.engines.top_logprobs import TOP_LOGPROBS
from chorus.engines.types import GenerateRequest, Message, Prompt, Sample

if TYPE_CHECKING:
    from typing_extensions import TypeIs

    from chorus.engines.transformers_engine import TransformersEngine

# Completions one request may ask for (prompts x n): a bound on the work a single client can
# queue, like the batch limits of hosted APIs; larger jobs are several requests.
MAX_CHOICES_PER_REQUEST = 256


class _Sampling(BaseModel):
    model: str | None = None
    max_tokens: int | None = Field(default=None, ge=0)
    temperature: float = Field(default=1.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    n: int = Field(default=1, ge=1, le=128)
    stop: str | list[str] | None = None
    seed: int | None = None

    def stops(self) -> tuple[str, ...]:
        return tuple([self.stop] if isinstance(self.stop, str) else self.stop or [])


class CompletionBody(_Sampling):
    prompt: str | list[str] | list[int] | list[list[int]]  # text or token ids, as vLLM accepts
    logprobs: int | None = Field(default=None, ge=0, le=TOP_LOGPROBS)
    echo: bool = False


def _one_token_prompt(prompt: list[str] | list[int] | list[list[int]]) -> TypeIs[list[int]]:
    """A single prompt as token ids, rather than a batch."""
    return bool(prompt) and isinstance(prompt[0], int)


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str


class ChatBody(_Sampling):
    messages: list[ChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(default=None, ge=1)
    logprobs: bool = False
    top_logprobs: int | None = Field(default=None, ge=0, le=TOP_LOGPROBS)  # what chorus asks
    continue_final_message: bool = False  # vLLM's extension: continue the last assistant turn
    add_generation_prompt: bool = True


class _Drawn(BaseModel):
    """One completion of one prompt: its token ids, log-probabilities and top alternatives."""

    text: str
    ids: list[int]
    finish: Literal["stop", "length"]
    logprobs: list[float] | None = None
    tops: list[tuple[list[int], list[float]]] | None = None


def create_app(
    engine: TransformersEngine,
    served_name: str = "chorus",
    api_key: str | None = None,
    faults: FaultPlan | None = None,
):
    from fastapi import FastAPI, HTTPException, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app = FastAPI(title="chorus OpenAI-compatible server")
    tok = engine.tokenizer
    vocab = len(tok)

    # Client errors answer as OpenAI does: a 4xx status and {"error": {message, type, code}}.
    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}"
            for e in exc.errors()[:5]
        )
        return JSONResponse(status_code=400, content=_error(problems, "invalid_request"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "model_not_found"}.get(exc.status_code, "invalid_request")
        detail = str(exc.detail)
        if detail == "There was an error parsing the body":  # FastAPI's words for bad bytes
            detail = "the request body is not valid JSON (or not UTF-8); send UTF-8 JSON"
        return JSONResponse(status_code=exc.status_code, content=_error(detail, code))

    @app.exception_handler(ContextOverflowError)
    async def too_long(request: Request, exc: ContextOverflowError) -> JSONResponse:
        return JSONResponse(status_code=400, content=_error(str(exc), "context_length_exceeded"))

    def admit(model: str | None, prompts: list[list[int]], n: int) -> None:
        """The checks every generating request passes before it reaches the engine."""
        if model is not None and model != served_name:
            raise HTTPException(
                404,
                detail=f"The model `{model}` does not exist; this server serves {served_name!r}",
            )
        if len(prompts) * n > MAX_CHOICES_PER_REQUEST:
            raise HTTPException(
                400,
                detail=f"{len(prompts)} prompts x n={n} asks for more than "
                f"{MAX_CHOICES_PER_REQUEST} completions in one request; split it",
            )
        for i, ids in enumerate(prompts):
            if not ids:
                raise HTTPException(400, detail=f"prompt {i} is empty")
            bad = next((t for t in ids if not 0 <= t < vocab), None)
            if bad is not None:
                raise HTTPException(
                    400,
                    detail=f"prompt {i}: token id {bad} is outside the vocabulary "
                    f"(0..{vocab - 1})",
                )
    batcher = Batcher(
        {
            "next": lambda items: engine.next_token_top(
                [ids for ids, _ in items], max(k for _, k in items)
            ),
            "sample": engine.sample_tokens,
            "logprobs": lambda items: engine.token_logprobs(
                [s for s, _ in items], max(k for _, k in items)
            ),
        }
    )

    @app.middleware("http")
    async def guard(request: Request, call_next):
        if api_key and request.headers.get("authorization") != f"Bearer {api_key}":
            return JSONResponse(
                status_code=401, content=_error("invalid or missing API key", "invalid_api_key")
            )
        if faults is not None and request.method == "POST":
            fault = await faults.inject()
            if fault is not None:
                return fault
        return await call_next(request)

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [
                {
                    "id": served_name,
                    "object": "model",
                    "owned_by": "chorus",
                    "fingerprint": engine.fingerprint,
                    "max_model_len": engine.context_length,
                }
            ],
        }

    @app.get("/chorus/stats")
    def stats() -> dict[str, Any]:
        """How well concurrent requests were batched, and the faults injected so far."""
        return {
            "rounds": batcher.rounds,
            "requests": batcher.requests,
            "faults": faults.injected if faults is not None else {},
        }

    def check(prompts: list[list[int]], max_tokens: int) -> None:
        for i, ids in enumerate(prompts):
            if len(ids) + max_tokens > engine.context_length:
                raise HTTPException(
                    400,
                    detail=(
                        f"prompt {i} has {len(ids)} tokens + {max_tokens} to generate; the model's "
                        f"context is {engine.context_length}"
                    ),
                )

    def draw(
        prompts: list[list[int]], body: _Sampling, max_tokens: int, top_k: int | None
    ) -> list[_Drawn]:
        """n completions per prompt (prompt-major). A one-token greedy request is one forward
        pass (the choice path); anything else samples, with the log-probabilities of the tokens
        drawn, and scores what it drew again only for top alternatives (`top_k` > 0)."""
        check(prompts, max_tokens)
        if max_tokens == 1 and body.temperature == 0.0:
            tops = batcher.run("next", [(ids, max(top_k or 0, 1)) for ids in prompts])
            out = [
                _Drawn(
                    text=tok.decode(t[0][:1]),
                    ids=t[0][:1],
                    finish="length",
                    logprobs=t[1][:1],
                    tops=[(t[0][:top_k], t[1][:top_k])] if top_k else None,
                )
                for t in tops
            ]
            return [d for d in out for _ in range(body.n)]
        items = [
            (
                GenerateRequest(
                    prompt=Prompt(token_ids=tuple(ids)),
                    max_tokens=max_tokens,
                    temperature=body.temperature,
                    top_p=body.top_p,
                    stop=body.stops(),
                    seed=body.seed or 0,
                ),
                i,
            )
            for ids in prompts
            for i in range(body.n)
        ]
        samples: list[tuple[Sample, list[int], list[float]]] = batcher.run("sample", items)
        drawn = [
            _Drawn(
                text=s.text,
                ids=ids,
                finish=s.finish_reason,
                logprobs=lps if top_k == 0 else None,
                tops=[([], [])] * len(ids) if top_k == 0 else None,
            )
            for s, ids, lps in samples
        ]
        if top_k:
            seqs = [
                ((prompts[k // body.n] + d.ids), len(prompts[k // body.n]))
                for k, d in enumerate(drawn)
            ]
            for d, (lps, tops) in zip(drawn, batcher.run("logprobs", [(s, top_k) for s in seqs])):
                d.logprobs, d.tops = lps, [(i[:top_k], v[:top_k]) for i, v in tops]
        return drawn

    @app.post("/v1/completions")
    def completions(body: CompletionBody) -> dict[str, Any]:
        raw = body.prompt
        batch: Sequence[str | list[int]] = (
            [raw] if isinstance(raw, str) or _one_token_prompt(raw) else raw
        )
        if not batch:
            raise HTTPException(400, detail="prompt is empty")
        prompts = [tok(p)["input_ids"] if isinstance(p, str) else list(p) for p in batch]
        admit(body.model, prompts, body.n)
        max_tokens = 16 if body.max_tokens is None else body.max_tokens
        if body.echo and max_tokens == 0:  # score the prompts only
            check(prompts, 0)
            scored = batcher.run("logprobs", [((ids, 0), body.logprobs or 0) for ids in prompts])
            choices = [
                _echo_choice(tok, k, ids, lps, tops, body.logprobs or 0)
                for k, (ids, (lps, tops)) in enumerate(zip(prompts, scored))
            ]
        else:
            drawn = draw(prompts, body, max(max_tokens, 1), body.logprobs)
            choices = [_completion_choice(tok, k, d, body.logprobs) for k, d in enumerate(drawn)]
        return {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": body.model or served_name,
            "choices": choices,
            "usage": _usage(
                prompts, [len(c["logprobs"]["tokens"]) if c["logprobs"] else 0 for c in choices]
            ),
        }

    @app.post("/v1/chat/completions")
    def chat(body: ChatBody) -> dict[str, Any]:
        msgs = [Message(role=m.role, content=m.content) for m in body.messages]
        prefix = ""
        if body.continue_final_message and msgs[-1].role == "assistant":
            prefix = msgs.pop().content  # rendered exactly as the transformers engine renders it
        if not msgs:
            raise HTTPException(400, detail="messages hold only the assistant turn to continue")
        ids = engine.encode_prompt(Prompt(messages=tuple(msgs), answer_prefix=prefix))
        admit(body.model, [ids], body.n)
        max_tokens = body.max_completion_tokens or body.max_tokens or 16
        top_k = (body.top_logprobs or 0) if body.logprobs else None
        drawn = draw([ids], body, max_tokens, top_k)
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.model or served_name,
            "choices": [_chat_choice(tok, k, d, top_k) for k, d in enumerate(drawn)],
            "usage": _usage([ids], [len(d.ids) for d in drawn]),
        }

    return app


def _error(message: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code}}


def _usage(prompts: list[list[int]], completion_tokens: list[int]) -> dict[str, int]:
    p, c = sum(len(x) for x in prompts), sum(completion_tokens)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def _completion_choice(tok: Any, k: int, d: _Drawn, top_k: int | None) -> dict[str, Any]:
    logprobs = None
    if d.logprobs is not None:
        strings = [tok.decode([t]) for t in d.ids]
        logprobs = {
            "tokens": strings,
            "token_logprobs": d.logprobs,
            "top_logprobs": [_top_dict(tok, t) for t in d.tops or []] if top_k else None,
            "text_offset": _offsets(strings),
        }
    return {"index": k, "text": d.text, "finish_reason": d.finish, "logprobs": logprobs}


def _echo_choice(
    tok: Any, k: int, ids: list[int], lps: list[float], tops: list, top_k: int
) -> dict[str, Any]:
    # OpenAI's shape: the first prompt token has no log-probability (null)
    strings = [tok.decode([t]) for t in ids]
    return {
        "index": k,
        "text": tok.decode(ids),
        "finish_reason": "length",
        "logprobs": {
            "tokens": strings,
            "token_logprobs": [None, *lps],
            "top_logprobs": [None, *(_top_dict(tok, t) for t in tops)] if top_k else None,
            "text_offset": _offsets(strings),
        },
    }


def _chat_choice(tok: Any, k: int, d: _Drawn, top_k: int | None) -> dict[str, Any]:
    content = None
    if d.logprobs is not None:
        content = [
            {
                **_token(tok, t, lp),
                "top_logprobs": [_token(tok, i, v) for i, v in zip(*top)] if top_k else [],
            }
            for t, lp, top in zip(d.ids, d.logprobs, d.tops or [([], [])] * len(d.ids))
        ]
    return {
        "index": k,
        "message": {"role": "assistant", "content": d.text},
        "finish_reason": d.finish,
        "logprobs": {"content": content} if content is not None else None,
    }


def _token(tok: Any, token_id: int, logprob: float) -> dict[str, Any]:
    text = tok.decode([token_id])
    return {"token": text, "logprob": logprob, "bytes": list(text.encode())}


def _top_dict(tok: Any, top: tuple[list[int], list[float]]) -> dict[str, float]:
    return {tok.decode([t]): v for t, v in zip(*top)}


def _offsets(strings: list[str]) -> list[int]:
    offsets, pos = [], 0
    for s in strings:
        offsets.append(pos)
        pos += len(s)
    return offsets


def serve(
    engine: TransformersEngine,
    host: str = "127.0.0.1",
    port: int = 8000,
    served_name: str = "chorus",
    api_key: str | None = None,
    faults: FaultPlan | None = None,
) -> None:
    import uvicorn

    uvicorn.run(
        create_app(engine, served_name, api_key, faults), host=host, port=port, log_level="warning"
    )
