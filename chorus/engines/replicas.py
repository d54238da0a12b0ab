"""Engine replicas on Ray (`--workers N`, `--ray-address`; `pip install -e '.[ray]'`).

Each replica is a Ray actor holding one engine, built by `build_engine` from the same spec.
The model-bound stages hand their work to `map` in fixed units (engines.base.Engine.map); a
unit goes to whichever replica is free and results come back in unit order, so a run is
identical on one replica or N, whatever order the units finish in. A replica that dies (its
process killed, its node lost) is restarted by Ray and its unit rerun (max_restarts,
max_task_retries); finished units are kept.

The cache has one writer, this process. A replica reads the cache file when it can see it (same
machine or a shared filesystem), records the entries it computes during a unit and hands them
back with the unit's result, and this process stores them. A unit lost with its replica hands
nothing back and is recomputed, so no entry is lost, and keys are content addresses, so none is
duplicated.
"""

from __future__ import annotations

import atexit
import os
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from chorus.engines.base import Engine
from chorus.engines.cache import CachedEngine, CachePolicy, CacheStats, ResponseCache
from chorus.engines.errors import EngineUnavailableError
from chorus.engines.spec import BACKENDS, EngineSpec
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceRequest,
    GenerateRequest,
    Loglik,
    LoglikRequest,
    Sample,
)

U = TypeVar("U")
T = TypeVar("T")


class _Recorder:
    """A replica's view of the cache: the driver's file read (when this node sees it), new
    entries kept until the driver collects them."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file = ResponseCache(path) if path is not None and path.exists() else None
        self._new: dict[str, str] = {}

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        found = {k: self._new[k] for k in keys if k in self._new}
        rest = [k for k in keys if k not in found]
        if self._file is not None and rest:
            found.update(self._file.get_many(rest))
        return found

    def put_many(self, items: Sequence[tuple[str, str]]) -> None:
        self._new.update(items)

    def drain(self) -> list[tuple[str, str]]:
        items, self._new = list(self._new.items()), {}
        return items


class _Replica:
    """The actor: one engine and its cache recorder."""

    def __init__(self, spec: EngineSpec, cache_path: str | None, policy: CachePolicy) -> None:
        import ray
        import torch

        # as many threads as CPUs Ray gave this actor: replicas must not oversubscribe a node
        cpus = int(ray.get_runtime_context().get_assigned_resources().get("CPU", 1)) or 1
        torch.set_num_threads(cpus)
        from chorus.engines.build import build_engine

        self.recorder = _Recorder(Path(cache_path) if cache_path else None)
        store = self.recorder if cache_path else None
        self.engine = CachedEngine(build_engine(spec), store, policy)

    def info(self) -> dict[str, Any]:
        e = self.engine
        return {
            "name": e.name,
            "fingerprint": e.fingerprint,
            "model_id": e.model_id,
            "chat": e.chat,
            "describe": e.inner.describe(),
            "pid": os.getpid(),
        }

    def pid(self) -> int:
        return os.getpid()

    def run(self, fn: Callable[[Engine, Any], Any], unit: Any) -> tuple[Any, list, int, int]:
        """fn(engine, unit), the cache entries it made, and its cache hits and misses."""
        before = self.engine.stats.model_copy()
        result = fn(self.engine, unit)
        stats = self.engine.stats
        return (
            result,
            self.recorder.drain(),
            stats.hits - before.hits,
            stats.misses - before.misses,
        )


def _op(engine: Engine, call: tuple[str, Sequence[Any]]) -> list[Any]:
    """A whole engine call as one unit (stages not split into units run on one replica)."""
    name, requests = call
    return getattr(engine, name)(requests)


class ReplicatedEngine(Engine):
    """N replicas of one engine on Ray, driven from this process."""

    def __init__(
        self,
        spec: EngineSpec,
        *,
        workers: int = 2,
        address: str | None = None,
        cache_path: Path | None = None,
        policy: CachePolicy = "read-write",
    ) -> None:
        try:
            import ray
        except ImportError as exc:
            raise EngineUnavailableError(
                "--workers/--ray-address need Ray: pip install -e '.[ray]' in the chorus checkout"
            ) from exc
        if workers < 1:
            raise ValueError(f"--workers must be at least 1 (got {workers})")
        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            # a local cluster gets one CPU per replica; a joined cluster has its own resources
            ray.init(
                address=address,
                num_cpus=None if address else workers,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        self.cache = ResponseCache(cache_path) if cache_path is not None else None
        self.policy: CachePolicy = policy if cache_path is not None else "off"
        self.stats = CacheStats()
        self.replicas = workers
        gpus = BACKENDS[spec.engine].gpus(spec) if ray.cluster_resources().get("GPU") else 0
        actor = ray.remote(_Replica).options(
            num_cpus=1, num_gpus=gpus, max_restarts=-1, max_task_retries=-1
        )
        path = str(cache_path) if cache_path is not None else None
        self._actors = [actor.remote(spec, path, self.policy) for _ in range(workers)]
        try:
            infos = ray.get([a.info.remote() for a in self._actors])
        except ray.exceptions.RayActorError as exc:
            self.close()
            raise EngineUnavailableError(f"an engine replica failed to start: {exc}") from exc
        self._info = infos[0]
        self.name = self._info["name"]
        self.chat = self._info["chat"]
        atexit.register(self.close)

    @property
    def fingerprint(self) -> str:
        return self._info["fingerprint"]

    @property
    def model_id(self) -> str:
        return self._info["model_id"]

    def describe(self) -> dict[str, str]:
        # what one replica is, as CachedEngine says it: pools and answers written on N replicas
        # are byte-identical to one engine's (the run manifest records the workers)
        cache = str(self.cache.path) if self.cache is not None else "off"
        return {**self._info["describe"], "cache": cache}

    def worker_pids(self) -> list[int]:
        """The replicas' process ids (a restarted replica has a new one)."""
        return self._ray.get([a.pid.remote() for a in self._actors])

    def map(
        self,
        fn: Callable[[Engine, U], T],
        units: Sequence[U],
        done: Callable[[int], Any] | None = None,
    ) -> list[T]:
        ray = self._ray
        results: list[Any] = [None] * len(units)
        queue = deque(range(len(units)))
        idle = deque(self._actors)
        running: dict[Any, tuple[int, Any]] = {}
        fn_ref = ray.put(fn)
        while queue or running:
            while queue and idle:
                i, actor = queue.popleft(), idle.popleft()
                running[actor.run.remote(fn_ref, units[i])] = (i, actor)
            ready, _ = ray.wait(list(running), num_returns=1)
            i, actor = running.pop(ready[0])
            result, entries, hits, misses = ray.get(ready[0])
            if entries and self.cache is not None:
                self.cache.put_many(entries)
            self.stats.hits += hits
            self.stats.misses += misses
            results[i] = result
            idle.append(actor)
            if done is not None:
                done(i)
        return results

    def sample(self, items: Sequence[tuple[GenerateRequest, int]]) -> list[Sample]:
        return self.map(_op, [("sample", list(items))])[0]

    def choice(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
        return self.map(_op, [("choice", list(requests))])[0]

    def loglik(self, requests: Sequence[LoglikRequest]) -> list[Loglik]:
        return self.map(_op, [("loglik", list(requests))])[0]

    def close(self) -> None:
        """Stop the replicas (and the local cluster this engine started)."""
        if self._ray.is_initialized():  # else the cluster, and the actors with it, are gone
            for a in getattr(self, "_actors", []):
                self._ray.kill(a)
        self._actors = []
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
        self._started = False

