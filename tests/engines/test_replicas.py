"""Engine replicas on Ray's local cluster (2 workers, float32): the same bytes as one engine,
whatever order units finish in, through a killed worker, with one cache writer."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time

import pytest

from chorus.engines import CachedEngine, Engine, ResponseCache, load_engine
from chorus.surveys import answer, demographic_panel, load_instrument, write_answers

pytest.importorskip("ray")


@pytest.fixture(scope="module")
def replicas(tmp_path_factory):
    cache = tmp_path_factory.mktemp("ray") / "cache.sqlite"
    eng = load_engine(dtype="float32", workers=2, cache_path=cache)
    yield eng
    eng.close()


@pytest.fixture(scope="module")
def survey_case():
    inst = load_instrument("anes2012").subset(["gay_marry", "gun_control"])
    return demographic_panel("anes2012", n=6, seed=0), inst


def _keys(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {k for (k,) in db.execute("SELECT key FROM responses")}


def _slow_index(engine: Engine, unit: tuple[int, float]) -> tuple[int, int]:
    i, delay = unit
    time.sleep(delay)
    return i, os.getpid()


def test_results_come_back_in_unit_order_whatever_finishes_first(replicas):
    # the first units sleep longest, so they finish last
    units = [(i, 0.4 * (4 - i)) for i in range(4)]
    finished: list[int] = []
    out = replicas.map(_slow_index, units, finished.append)
    assert [i for i, _ in out] == [0, 1, 2, 3]
    assert sorted(finished) == [0, 1, 2, 3] and finished != [0, 1, 2, 3]
    assert len({pid for _, pid in out}) == 2  # both replicas worked
    assert replicas.replicas == 2
    assert replicas.fingerprint.endswith(":chat")


def test_survey_is_byte_identical_to_one_engine_and_survives_a_killed_worker(
    replicas, survey_case, transformers_engine, tmp_path, one_thread
):
    people, inst = survey_case
    ref_cache = tmp_path / "one.sqlite"
    one = answer(CachedEngine(transformers_engine, ResponseCache(ref_cache)), people, inst)
    victim = replicas.worker_pids()[1]
    before = len(replicas.cache)

    def kill_after_first_unit():
        while len(replicas.cache) == before:
            time.sleep(0.05)
        os.kill(victim, signal.SIGKILL)

    killer = threading.Thread(target=kill_after_first_unit, daemon=True)
    killer.start()
    many = answer(replicas, people, inst)
    killer.join(timeout=5)
    assert not killer.is_alive()
    assert victim not in replicas.worker_pids()  # the killed replica was restarted
    write_answers(one, tmp_path / "one.parquet")
    write_answers(many, tmp_path / "many.parquet")
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "many.parquet").read_bytes()
    # one writer: every entry the single engine made, no more, none lost with the killed unit
    assert _keys(replicas.cache.path) == _keys(ref_cache)
    assert replicas.stats.misses == len(_keys(ref_cache))


def test_pool_generation_and_profiling_identical_on_two_workers(
    replicas, transformers_engine, embedder, tmp_path, one_thread
):
    from chorus.backstories import BackstoryConfig
    from chorus.personas import generate_pool, profile_pool

    config = BackstoryConfig.for_style("anthology", max_tokens=24, min_words=4, resample_budget=1)
    # the same cache file, so the manifests inside the files name the same engine; the single
    # engine runs second and with `refresh`, so it computes everything again
    one = CachedEngine(transformers_engine, ResponseCache(replicas.cache.path), "refresh")
    folders = {}
    for name, eng in (("two", replicas), ("one", one)):
        folder = folders[name] = tmp_path / name
        generate_pool(folder, 4, eng, config, batch_size=4, unit_slots=2, embedder=embedder)
        profile_pool(folder, eng, debias="none", chunk=2)
    one, two = (folders[k] / "personas.parquet" for k in ("one", "two"))
    assert one.read_bytes() == two.read_bytes()
