"""Offline vLLM for GPU users (`pip install 'chorus[vllm]'`), with prefix caching on.

vLLM batches and shares prefixes by itself, so each operation is one `LLM.generate` call over
all requests. `choice` reads the top log-probabilities of the first generated token; labels
outside them fall back to `loglik`, which reads `prompt_logprobs` of prompt + label.
"""

from __future__ import annotations

from collections.abc import Sequence

from chorus.engines.base import Engine, sample_seed
from chorus.engines.errors import EngineUnavailableError
from chorus.engines.model_files import fingerprint_path, resolve_model
from chorus.engines.rendering import ChatMode, encode, uses_chat
from chorus.engines.top_logprobs import choice_from_top
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceRequest,
    GenerateRequest,
    Loglik,
    LoglikRequest,
    Prompt,
    Sample,
)

TOP_LOGPROBS = 20


class VLLMEngine(Engine):
    name = "vllm"

    def __init__(self, model: str | None, chat_template: ChatMode = "auto", **llm_kwargs) -> None:
        try:
            import vllm
        except ImportError as exc:
            raise EngineUnavailableError(
                "the vllm engine needs the optional extra: pip install 'chorus[vllm]' "
                "(on a machine with a CUDA GPU)"
            ) from exc
        folder, gguf = resolve_model(model)
        path = str(folder / gguf) if gguf else str(folder)
        self._fingerprint = fingerprint_path(folder / gguf if gguf else folder)
        self._source = path
        self.llm = vllm.LLM(model=path, enable_prefix_caching=True, seed=0, **llm_kwargs)
        self.tokenizer = self.llm.get_tokenizer()
        self.chat = uses_chat(self.tokenizer, chat_template)
        self._vllm = vllm

    @property
    def fingerprint(self) -> str:
        return f"{self._fingerprint}:{'chat' if self.chat else 'raw'}"

    @property
    def model_id(self) -> str:
        return self._source

    def _ids(self, prompt: Prompt) -> list[int]:
        return encode(prompt, self.tokenizer, self.chat)

    def _run(self, prompts: list[list[int]], params: list):
        inputs = [{"prompt_token_ids": p} for p in prompts]
        return self.llm.generate(inputs, params, use_tqdm=False)

    def sample(self, items: Sequence[tuple[GenerateRequest, int]]) -> list[Sample]:
        sp = self._vllm.SamplingParams
        params = [
            sp(
                n=1,
                temperature=r.temperature,
                top_p=r.top_p,
                max_tokens=r.max_tokens,
                stop=list(r.stop) or None,
                seed=sample_seed(r.seed, i) % (1 << 31),
                logprobs=0,
            )
            for r, i in items
        ]
        outs = self._run([self._ids(r.prompt) for r, _ in items], params)
        samples = []
        for o in outs:
            c = o.outputs[0]
            samples.append(
                Sample(
                    text=c.text,
                    logprob=float(c.cumulative_logprob or 0.0),
                    num_tokens=len(c.token_ids),
                    finish_reason="stop" if c.finish_reason == "stop" else "length",
                )
            )
        return samples

    def choice(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
        sp = self._vllm.SamplingParams(max_tokens=1, temperature=0.0, logprobs=TOP_LOGPROBS)
        outs = self._run([self._ids(r.prompt) for r in requests], [sp] * len(requests))
        tops = [
            {lp.decoded_token: lp.logprob for lp in o.outputs[0].logprobs[0].values()} for o in outs
        ]
        return choice_from_top(requests, tops, self.loglik, self.tokenizer)

    def loglik(self, requests: Sequence[LoglikRequest]) -> list[Loglik]:
        sp = self._vllm.SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=1)
        ctx = [self._ids(r.prompt) for r in requests]
        cont = [self.tokenizer.encode(r.continuation, add_special_tokens=False) for r in requests]
        outs = self._run([c + k for c, k in zip(ctx, cont)], [sp] * len(requests))
        result = []
        for c, k, o in zip(ctx, cont, outs):
            rows = o.prompt_logprobs[len(c) :]
            lps = [row[t].logprob for row, t in zip(rows, k)]
            greedy = all(row[t].rank == 1 for row, t in zip(rows, k))
            result.append(Loglik(logprob=float(sum(lps)), num_tokens=len(k), is_greedy=greedy))
        return result
