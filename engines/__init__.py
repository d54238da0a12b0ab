"""LLM engines behind one small interface: generate, choice, loglik (see docs/formats.md)."""

from chorus.engines.atomic import write_atomic
from chorus.engines.base import Engine, derive_seed, sample_seed
from chorus.engines.cache import CachedEngine, CachePolicy, ResponseCache
from chorus.engines.errors import (
    CacheCorruptError,
    ContextOverflowError,
    EngineError,
    EngineUnavailableError,
    ModelNotFoundError,
)
from chorus.engines.loader import default_cache_path, load_engine
from chorus.engines.quoting import Quoted, neutralise, normalise, quote
from chorus.engines.templates import Templates
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceRequest,
    GenerateRequest,
    Generation,
    Loglik,
    LoglikRequest,
    Message,
    Prompt,
    Sample,
)

__all__ = [
    "CacheCorruptError",
    "CachePolicy",
    "CachedEngine",
    "ChoiceDistribution",
    "ChoiceRequest",
    "ContextOverflowError",
    "Engine",
    "EngineError",
    "EngineUnavailableError",
    "GenerateRequest",
    "Generation",
    "Loglik",
    "LoglikRequest",
    "Message",
    "ModelNotFoundError",
    "Prompt",
    "Quoted",
    "ResponseCache",
    "Sample",
    "Templates",
    "default_cache_path",
    "derive_seed",
    "load_engine",
    "neutralise",
    "normalise",
    "quote",
    "sample_seed",
    "write_atomic",
]
