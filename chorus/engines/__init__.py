"""LLM engines behind one small interface: generate, choice, loglik (see docs/formats.md)."""

from chorus.engines.base import Engine, sample_seed
from chorus.engines.cache import CachedEngine, CachePolicy, ResponseCache
from chorus.engines.errors import (
    CacheCorruptError,
    ContextOverflowError,
    EngineError,
    EngineUnavailableError,
    ModelNotFoundError,
)
from chorus.engines.loader import default_cache_path, load_engine
from chorus.engines.spec import BACKENDS, EngineSpec
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceRequest,
    GenerateRequest,
    Generation,
    Loglik,
    LoglikRequest,
    Message,
    Prompt,
    Role,
    Sample,
)

__all__ = [
    "BACKENDS",
    "CacheCorruptError",
    "CachePolicy",
    "CachedEngine",
    "ChoiceDistribution",
    "ChoiceRequest",
    "ContextOverflowError",
    "Engine",
    "EngineError",
    "EngineSpec",
    "EngineUnavailableError",
    "GenerateRequest",
    "Generation",
    "Loglik",
    "LoglikRequest",
    "Message",
    "ModelNotFoundError",
    "Prompt",
    "ResponseCache",
    "Role",
    "Sample",
    "default_cache_path",
    "load_engine",
    "sample_seed",
]
