"""`chorus serve`: the transformers engine behind an OpenAI-compatible completions API.

It implements the subset chorus's own `openai` engine uses (and vLLM / llama.cpp clients
commonly use): /v1/models and /v1/completions with n, seed, stop, temperature, top_p,
logprobs (top alternatives per token) and echo (log-probabilities of the prompt's tokens).
Requests are served one at a time: the model is not safe to run concurrently.
"""

from __future__ import annotations

import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from engines.types import GenerateRequest, Prompt

if TYPE_CHECKING:
    from engines.transformers_engine import TransformersEngine


class CompletionBody(BaseModel):
    model: str | None = None
    prompt: str | list[str] | list[int] | list[list[int]]  # text or token ids, as vLLM accepts
    max_tokens: int = Field(default=16, ge=0)
    temperature: float = Field(default=1.0, ge=0.0)
    top_p: float = Field(default=1.0, gt=0.0, le=1.0)
    n: int = Field(default=1, ge=1, le=128)
    stop: str | list[str] | None = None
    seed: int | None = None
    logprobs: int | None = Field(default=None, ge=0, le=100)
    echo: bool = False


def create_app(engine: TransformersEngine, served_name: str = "chorus"):
    from fastapi import FastAPI, HTTPException

    app = FastAPI(title="chorus OpenAI-compatible server")
    lock = threading.Lock()

    @app.get("/v1/models")
    def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": served_name, "object": "model", "owned_by": "chorus",
                      "fingerprint": engine.fingerprint}],
        }

    @app.post("/v1/completions")
    def completions(body: CompletionBody) -> dict[str, Any]:
        raw = body.prompt
        if isinstance(raw, str) or (raw and isinstance(raw[0], int)):
            raw = [raw]  # type: ignore[list-item]
        prompts: list[list[int]] = [
            engine.tokenizer(p)["input_ids"] if isinstance(p, str) else list(p) for p in raw  # type: ignore[union-attr]
        ]
        stop = tuple([body.stop] if isinstance(body.stop, str) else body.stop or [])
        try:
            with lock:
                choices = _complete(engine, body, prompts, stop)
        except ValueError as exc:  # context overflow and other request errors
            raise HTTPException(status_code=400, detail=str(exc)) from exc
        return {
            "id": f"cmpl-{uuid.uuid4().hex}",
            "object": "text_completion",
            "created": int(time.time()),
            "model": body.model or served_name,
            "choices": choices,
        }

    return app


def _complete(engine: TransformersEngine, body: CompletionBody, encoded: list[list[int]], stop: tuple[str, ...]):
    tok = engine.tokenizer
    prompts = [tok.decode(ids) for ids in encoded]
    samples: list[tuple[int, str, list[int], str]] = []  # (prompt index, text, ids, finish)
    if body.max_tokens > 0:
        items = [
            (GenerateRequest(prompt=Prompt(token_ids=tuple(encoded[k])), max_tokens=body.max_tokens,
                             temperature=body.temperature, top_p=body.top_p, stop=stop,
                             seed=body.seed or 0), i)
            for k in range(len(encoded)) for i in range(body.n)
        ]
        drawn = engine.sample(items)
        for k, s in enumerate(drawn):
            samples.append((k // body.n, s.text, tok(s.text, add_special_tokens=False)["input_ids"], s.finish_reason))
    else:
        samples = [(k, "", [], "length") for k in range(len(prompts)) for _ in range(body.n)]
    want = body.logprobs is not None
    scored = None
    if want:
        seqs = [
            (encoded[p] + ids, 0 if body.echo else len(encoded[p])) for p, _, ids, _ in samples
        ]
        scored = engine.token_logprobs(seqs, top_k=body.logprobs or 0)
    choices = []
    for k, (p, text, ids, finish) in enumerate(samples):
        out_text = (prompts[p] if body.echo else "") + text
        choice: dict[str, Any] = {"index": k, "text": out_text, "finish_reason": finish, "logprobs": None}
        if scored is not None:
            all_ids = encoded[p] + ids
            shown = all_ids if body.echo else ids
            lps, tops = scored[k]
            # the first prompt token has no log-probability (OpenAI returns null for it)
            token_lps = ([None] if body.echo and shown else []) + lps
            top_lists = ([None] if body.echo and shown else []) + [
                {tok.decode([t]): v for t, v in zip(ids_, vals)} for ids_, vals in tops
            ]
            strings = [tok.decode([t]) for t in shown]
            offsets, pos = [], 0
            for s in strings:
                offsets.append(pos)
                pos += len(s)
            choice["logprobs"] = {
                "tokens": strings,
                "token_logprobs": token_lps,
                "top_logprobs": top_lists if body.logprobs else None,
                "text_offset": offsets,
            }
        choices.append(choice)
    return choices


def serve(engine: TransformersEngine, host: str = "127.0.0.1", port: int = 8000, served_name: str = "chorus") -> None:
    import uvicorn

    uvicorn.run(create_app(engine, served_name), host=host, port=port, log_level="warning")
