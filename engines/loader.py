"""Building an engine by name, wrapped in the shared cache."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, get_args

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
    base_url: str | None = None,
    tokenizer: str | None = None,
    chat_template: Literal["auto", "on", "off"] = "auto",
    dtype: DType = "auto",
    api: Api = "auto",
    api_key_env: str = "OPENAI_API_KEY",
    concurrency: int = 16,
    timeout: float = 120.0,
) -> CachedEngine:
    """`model`: a local HF folder or GGUF file (None = the embedded SmolLM2-135M-Instruct), or
    for `openai` the served model's name. `base_url`: the OpenAI-compatible server; `api`,
    `api_key_env`, `concurrency`, `timeout` (seconds per request): how the openai engine talks
    to it (engines.openai_engine).
    `dtype`: the transformers engine's precision (auto = bfloat16 on CPUs with native bf16)."""
    check_choice("--engine", engine, get_args(EngineName))
    check_choice("--cache", cache, get_args(CachePolicy))
    if engine == "transformers":
        check_choice("--dtype", dtype, get_args(DType))
        resolve_model(model)  # a missing or broken model folder, before any file is made
    # then the cache: a corrupt or unwritable cache file is reported before the model loads
    store = None if cache == "off" else ResponseCache(cache_path or default_cache_path())
    inner: Engine
    if engine == "transformers":
        from chorus.engines.transformers_engine import TransformersEngine

        inner = TransformersEngine(model, chat_template=chat_template, dtype=dtype)
    elif engine == "openai":
        from chorus.engines.openai_engine import OpenAIEngine

        if not base_url:
            raise ValueError("the openai engine needs --base-url (e.g. http://127.0.0.1:8000/v1)")
        inner = OpenAIEngine(
            base_url,
            model=model,
            api=api,
            api_key_env=api_key_env,
            tokenizer=tokenizer,
            chat_template=chat_template,
            concurrency=concurrency,
            timeout=timeout,
        )
    else:
        from chorus.engines.vllm_engine import VLLMEngine

        inner = VLLMEngine(model, chat_template=chat_template)
    return CachedEngine(inner, store, cache)
