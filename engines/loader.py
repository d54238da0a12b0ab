"""Building an engine by name, wrapped in the shared cache (or spread over Ray replicas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, get_args

from chorus.engines.base import Engine
from chorus.engines.cache import CachedEngine, CachePolicy, ResponseCache
from chorus.engines.errors import check_choice
from chorus.engines.model_files import cache_root, resolve_model
from chorus.engines.types import Api, DType

EngineName = Literal["transformers", "openai", "vllm"]


def default_cache_path() -> Path:
    return cache_root() / "engine-cache.sqlite"


def load_engine(
    engine: EngineName = "transformers",
    model: str | None = None,
    *,
    cache: CachePolicy = "read-write",
    cache_path: str | Path | None = None,
    workers: int = 1,
    ray_address: str | None = None,
    **options: Any,
) -> Engine:
    """The engine behind the response cache. `model`: a local HF folder or GGUF file (None = the
    embedded SmolLM2-135M-Instruct), or for `openai` the served model's name; `options`: see
    `build_engine`. `workers` > 1 or a `ray_address`: that many replicas of the engine as Ray
    actors (engines.replicas), the cache written by this process alone."""
    check_choice("--engine", engine, get_args(EngineName))
    check_choice("--cache", cache, get_args(CachePolicy))
    if engine == "transformers":
        check_choice("--dtype", options.get("dtype", "auto"), get_args(DType))
        resolve_model(model)  # a missing or broken model folder, before any file is made
    # then the cache: a corrupt or unwritable cache file is reported before the model loads
    path = Path(cache_path or default_cache_path())
    if workers > 1 or ray_address:
        from chorus.engines.replicas import ReplicatedEngine

        return ReplicatedEngine(
            {"engine": engine, "model": model, **options},
            workers=workers,
            address=ray_address,
            cache_path=None if cache == "off" else path,
            policy=cache,
        )
    store = None if cache == "off" else ResponseCache(path)
    return CachedEngine(build_engine(engine, model, **options), store, cache)


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
