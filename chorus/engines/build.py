"""Building a bare engine (no cache, no replicas) by name: what the loader wraps and what each Ray
replica builds in its own process."""

from __future__ import annotations

from typing import Any, Literal

from chorus.engines.base import Engine
from chorus.engines.types import Api, DType

EngineName = Literal["transformers", "openai", "vllm"]


def build_engine(
    engine: EngineName = "transformers",
    model: str | None = None,
    *,
    base_url: str | None = None,
    tokenizer: str | None = None,
    chat_template: Literal["auto", "on", "off"] = "auto",
    dtype: DType = "auto",
    api: Api = "auto",
    api_key_env: str = "OPENAI_API_KEY",
    concurrency: int = 16,
    timeout: float = 120.0,
    tensor_parallel_size: int | None = None,
    vllm_args: dict[str, Any] | None = None,
) -> Engine:
    """The bare engine. `base_url`: the OpenAI-compatible server; `api`, `api_key_env`,
    `concurrency`, `timeout` (seconds per request): how the openai engine talks to it
    (engines.openai_engine). `dtype`: the transformers or vllm engine's precision (auto =
    bfloat16 on CPUs with native bf16). `tensor_parallel_size` (GPUs per vllm engine) and
    `vllm_args` (any further `vllm.LLM` argument: gpu_memory_utilization, max_model_len, ...)
    pass through to vLLM."""
    if engine == "transformers":
        from chorus.engines.transformers_engine import TransformersEngine

        return TransformersEngine(model, chat_template=chat_template, dtype=dtype)
    if engine == "openai":
        from chorus.engines.openai_engine import OpenAIEngine

        if not base_url:
            raise ValueError("the openai engine needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        return OpenAIEngine(
            base_url,
            model=model,
            api=api,
            api_key_env=api_key_env,
            tokenizer=tokenizer,
            chat_template=chat_template,
            concurrency=concurrency,
            timeout=timeout,
        )
    if engine == "vllm":
        from chorus.engines.vllm_engine import VLLMEngine

        args = dict(vllm_args or {})
        if tensor_parallel_size is not None:
            args["tensor_parallel_size"] = tensor_parallel_size
        return VLLMEngine(model, chat_template=chat_template, dtype=dtype, **args)
    raise ValueError(f"unknown engine {engine!r}: use transformers, openai or vllm")
