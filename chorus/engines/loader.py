"""Loading the engine a spec names, wrapped in the shared cache (or spread over Ray replicas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from chorus.engines.base import Engine
from chorus.engines.build import build_engine
from chorus.engines.cache import CachedEngine, ResponseCache
from chorus.engines.model_files import cache_root
from chorus.engines.spec import BACKENDS, EngineSpec


def default_cache_path() -> Path:
    return cache_root() / "engine-cache.sqlite"


def load_engine(spec: EngineSpec | str | None = None, **settings: Any) -> Engine:
    """The engine `spec` names behind the response cache. In a notebook, the spec's fields as
    keywords (`load_engine(model=..., dtype="float32")`, `load_engine("openai", base_url=...)`;
    none: the embedded model). `workers` > 1 or a `ray_address`: that many replicas of the
    engine as Ray actors (engines.replicas), the cache written by this process alone."""
    if not isinstance(spec, EngineSpec):
        spec = EngineSpec(**settings) if spec is None else EngineSpec(engine=spec, **settings)
    elif settings:
        raise TypeError("load_engine takes an EngineSpec or its fields as keywords, not both")
    check = BACKENDS[spec.engine].check
    if check is not None:
        check(spec)  # e.g. a missing or broken model folder, before any file is made
    # then the cache: a corrupt or unwritable cache file is reported before the model loads
    path = Path(spec.cache_path or default_cache_path())
    if spec.workers > 1 or spec.ray_address:
        from chorus.engines.replicas import ReplicatedEngine

        return ReplicatedEngine(
            spec,
            workers=spec.workers,
            address=spec.ray_address,
            cache_path=None if spec.cache == "off" else path,
            policy=spec.cache,
        )
    store = None if spec.cache == "off" else ResponseCache(path)
    return CachedEngine(build_engine(spec), store, spec.cache)
