"""The SQLite cache: hits skip the model, samples are distinct entries, policies, corruption,
and several processes writing at once."""

from __future__ import annotations

import multiprocessing as mp

import pytest

from chorus.engines import (
    CacheCorruptError,
    CachedEngine,
    ChoiceRequest,
    GenerateRequest,
    Prompt,
    ResponseCache,
)

REQ = ChoiceRequest(
    prompt=Prompt.chat(("user", "Is the sky blue?\nA. Yes\nB. No"), answer_prefix="Answer: "),
    labels=("A", "B"),
)


def _forbid_model(monkeypatch, engine):
    def boom(*a, **k):
        raise AssertionError("the model was called although the answer is cached")

    monkeypatch.setattr(engine.model, "forward", boom)


def test_second_identical_call_is_served_from_cache(transformers_engine, tmp_path, monkeypatch):
    cached = CachedEngine(transformers_engine, ResponseCache(tmp_path / "c.sqlite"))
    first = cached.choice([REQ])
    assert cached.stats.misses == 1
    with monkeypatch.context() as m:
        _forbid_model(m, transformers_engine)
        again = cached.choice([REQ])
    assert again == first and cached.stats.hits == 1
    # a fresh wrapper on the same file (a resumed run) also hits
    reopened = CachedEngine(transformers_engine, ResponseCache(tmp_path / "c.sqlite"))
    with monkeypatch.context() as m:
        _forbid_model(m, transformers_engine)
        assert reopened.choice([REQ]) == first


def test_samples_are_distinct_entries_and_extend(transformers_engine, tmp_path, monkeypatch):
    cached = CachedEngine(transformers_engine, ResponseCache(tmp_path / "c.sqlite"))
    req = GenerateRequest(prompt=Prompt.chat(("user", "Name a city.")), max_tokens=6, seed=5, n=2)
    (two,) = cached.generate([req])
    assert len(cached.cache) == 2
    (four,) = cached.generate([req.model_copy(update={"n": 4})])
    assert four.texts[:2] == two.texts and cached.stats.misses == 4 and cached.stats.hits == 2
    with monkeypatch.context() as m:
        _forbid_model(m, transformers_engine)
        (again,) = cached.generate([req.model_copy(update={"n": 4})])
    assert again == four


def test_refresh_recomputes_and_off_stores_nothing(transformers_engine, tmp_path):
    store = ResponseCache(tmp_path / "c.sqlite")
    CachedEngine(transformers_engine, store).choice([REQ])
    refresh = CachedEngine(transformers_engine, store, policy="refresh")
    refresh.choice([REQ])
    assert refresh.stats.hits == 0 and refresh.stats.misses == 1
    off = CachedEngine(transformers_engine, None, policy="read-write")
    off.choice([REQ])
    assert off.policy == "off" and off.stats.misses == 1


def test_corrupt_cache_is_reported(tmp_path):
    bad = tmp_path / "c.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(CacheCorruptError, match="corrupt.*delete it"):
        ResponseCache(bad)


def _writer(path: str, worker: int) -> None:
    cache = ResponseCache(path)
    for batch in range(20):
        cache.put_many([(f"{worker}-{batch}-{i}", "{}") for i in range(25)])


def test_two_processes_can_share_the_cache(tmp_path):
    path = str(tmp_path / "shared.sqlite")
    ResponseCache(path)
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(path, w)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert all(p.exitcode == 0 for p in procs)
    assert len(ResponseCache(path)) == 2 * 20 * 25
