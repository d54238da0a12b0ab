"""What callers may use of a loaded engine is the Engine interface: the cache wrapper forwards
that and nothing else."""

from __future__ import annotations

from chorus.engines import CachedEngine, Engine, ResponseCache


def test_cached_engine_offers_the_interface_only(transformers_engine, tmp_path):
    cached = CachedEngine(transformers_engine, ResponseCache(tmp_path / "cache.sqlite"))
    assert cached.chat is transformers_engine.chat is True  # SmolLM2-Instruct has a template
    assert (cached.fingerprint, cached.model_id) == (
        transformers_engine.fingerprint, transformers_engine.model_id,
    )  # fmt: skip
    # engine-specific extras stay on the engine itself
    assert hasattr(transformers_engine, "tokenizer") and not hasattr(cached, "tokenizer")
    assert Engine.chat is False  # an engine without a chat template gets raw transcripts


def test_describe_names_an_empty_cache(transformers_engine, tmp_path):
    path = tmp_path / "empty.sqlite"
    cached = CachedEngine(transformers_engine, ResponseCache(path))
    assert len(cached.cache) == 0
    assert cached.describe()["cache"] == str(path)
    assert CachedEngine(transformers_engine, None).describe()["cache"] == "off"
