"""Any OpenAI-compatible completions server (`vllm serve`, llama.cpp's server, `chorus serve`).

`choice` reads the top log-probabilities of the first generated token (one request per prompt,
all prompts of a call in one HTTP request); labels missing from the top list are scored with
`loglik`, which uses `echo` to get the log-probabilities of prompt + label. Chat prompts are
rendered on the client with a local tokenizer's chat template (`tokenizer=`), so that the text
the server scores is exactly the text the transformers engine would score.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from engines.base import Engine, sample_seed
from engines.errors import EngineUnavailableError
from engines.rendering import ChatMode, encode, render, uses_chat
from engines.top_logprobs import choice_from_top
from engines.types import (
    ChoiceDistribution,
    ChoiceRequest,
    GenerateRequest,
    Loglik,
    LoglikRequest,
    Prompt,
    Sample,
)

TOP_LOGPROBS = 20  # what vLLM allows by default


class OpenAIEngine(Engine):
    name = "openai"

    def __init__(
        self,
        base_url: str,
        model: str | None = None,
        tokenizer: str | None = None,
        chat_template: ChatMode = "auto",
        timeout: float = 600.0,
        batch: int = 64,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = httpx.Client(timeout=timeout)
        self.batch = batch
        try:
            listed = self.client.get(f"{self.base_url}/models").json()["data"]
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise EngineUnavailableError(
                f"no OpenAI-compatible server answers at {self.base_url}/models ({exc}); "
                "start one (`chorus serve`, `vllm serve MODEL`) or fix --base-url"
            ) from exc
        self.model = model or listed[0]["id"]
        self._server_fp = str(listed[0].get("fingerprint", self.model))
        self.tokenizer = _load_tokenizer(tokenizer) if tokenizer else None
        self.chat = self.tokenizer is not None and uses_chat(self.tokenizer, chat_template)

    @property
    def fingerprint(self) -> str:
        return f"{self.base_url}|{self.model}|{self._server_fp}:{'chat' if self.chat else 'raw'}"

    @property
    def model_id(self) -> str:
        return f"{self.model} @ {self.base_url}"

    def _encode(self, prompt: Prompt) -> str | list[int]:
        """Token ids when a local tokenizer is known (exactly what the transformers engine
        scores), else the rendered text."""
        if self.tokenizer is None and prompt.token_ids is None:
            return render(prompt, None, self.chat)
        return encode(prompt, self.tokenizer, self.chat)

    def _continuation(self, text: str) -> str | list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False) if self.tokenizer else text

    def _post(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        resp = self.client.post(f"{self.base_url}/completions", json={"model": self.model, **body})
        if resp.status_code != 200:
            raise EngineUnavailableError(
                f"the server at {self.base_url} refused a completions request "
                f"({resp.status_code}): {resp.text[:500]}"
            )
        return sorted(resp.json()["choices"], key=lambda c: c["index"])

    def sample(self, items: Sequence[tuple[GenerateRequest, int]]) -> list[Sample]:
        out = []
        for req, index in items:
            (c,) = self._post(
                {
                    "prompt": self._encode(req.prompt),
                    "max_tokens": req.max_tokens,
                    "temperature": req.temperature,
                    "top_p": req.top_p,
                    "stop": list(req.stop) or None,
                    "seed": sample_seed(req.seed, index) % (1 << 31),
                    "logprobs": 0,
                }
            )
            lps = [x for x in (c.get("logprobs") or {}).get("token_logprobs") or [] if x is not None]
            out.append(
                Sample(
                    text=c["text"],
                    logprob=float(sum(lps)),
                    num_tokens=len(lps),
                    finish_reason="stop" if c.get("finish_reason") == "stop" else "length",
                )
            )
        return out

    def choice(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
        texts = [self._encode(r.prompt) for r in requests]
        tops: list[dict[str, float]] = []
        for start in range(0, len(texts), self.batch):
            for c in self._post(
                {"prompt": texts[start : start + self.batch], "max_tokens": 1, "temperature": 0.0,
                 "logprobs": TOP_LOGPROBS}
            ):
                tops.append((c["logprobs"]["top_logprobs"] or [{}])[0])
        return choice_from_top(requests, tops, self.loglik, self.tokenizer)

    def loglik(self, requests: Sequence[LoglikRequest]) -> list[Loglik]:
        contexts = [self._encode(r.prompt) for r in requests]
        conts = [self._continuation(r.continuation) for r in requests]
        out: list[Loglik] = []
        for start in range(0, len(requests), self.batch):
            part = range(start, min(start + self.batch, len(requests)))
            choices = self._post(
                {"prompt": [contexts[k] + conts[k] for k in part],  # type: ignore[operator]
                 "max_tokens": 0, "echo": True, "logprobs": 1}
            )
            for k, c in zip(part, choices):
                lp = c["logprobs"]
                rows = list(zip(lp["token_logprobs"], lp["text_offset"], lp["top_logprobs"]))
                if isinstance(conts[k], list):
                    picked = [(x, top) for x, _, top in rows[len(rows) - len(conts[k]) :]]
                else:  # text: every token that overlaps the continuation
                    ctx_len = len(contexts[k])
                    ends = [off + len(t) for off, t in zip(lp["text_offset"], lp["tokens"])]
                    picked = [(x, top) for (x, _, top), end in zip(rows, ends) if end > ctx_len]
                out.append(
                    Loglik(
                        logprob=float(sum(x for x, _ in picked)),
                        num_tokens=len(picked),
                        is_greedy=all(top is not None and x >= max(top.values()) - 1e-6 for x, top in picked),
                    )
                )
        return out


def _load_tokenizer(spec: str):
    from transformers import AutoTokenizer

    from engines.model_files import resolve_model

    folder, gguf = resolve_model(None if spec == "embedded" else spec)
    return AutoTokenizer.from_pretrained(folder, gguf_file=gguf) if gguf else AutoTokenizer.from_pretrained(folder)
