"""Shared fixtures. The embedded model is real: tests load it once per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def transformers_engine():
    """The raw (uncached) transformers engine on the embedded SmolLM2-135M-Instruct, in float32:
    the engine's invariants (batch == single, prefix reuse == none) are checked at 1e-4, which
    bfloat16 rounding would blur (tests/engines/test_precision.py covers bfloat16)."""
    from chorus.engines.transformers_engine import TransformersEngine

    return TransformersEngine(dtype="float32")


@pytest.fixture(scope="session")
def engine_cache(tmp_path_factory):
    """The SQLite cache file the session's cached engine uses (CLI tests pass it on)."""
    return tmp_path_factory.mktemp("engine") / "cache.sqlite"


@pytest.fixture(scope="session")
def cached_engine(transformers_engine, engine_cache):
    """The same loaded model behind the engine cache, as `load_engine` returns it."""
    from chorus.engines import CachedEngine, ResponseCache

    return CachedEngine(transformers_engine, ResponseCache(engine_cache))
