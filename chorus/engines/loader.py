"""Building an engine by name, wrapped in the shared cache (or spread over Ray replicas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

from chorus.engines.base import Engine
from chorus.engines.build import EngineName, build_engine
from chorus.engines.cache import CachedEngine, CachePolicy, ResponseCache
from chorus.engines.errors import check_choice
from chorus.engines.model_files import cache_root, resolve_model
from chorus.engines.types import DType


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
