"""One content-addressed SQLite cache in front of every engine call.

Key = sha256(engine, model fingerprint, operation, full request with its parameters, sample
index). Repeated samples of one request are distinct entries (the index is in the key), so an
interrupted run repeats no work and asking for n=8 after n=4 draws only four new samples. WAL
mode and a busy timeout let several processes share the file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal, Protocol, TypeVar

from pydantic import BaseModel

from chorus.engines.base import Engine
from chorus.engines.errors import CacheCorruptError, CacheWriteError, EngineRequestError
from chorus.engines.types import (
    ChoiceDistribution,
    ChoiceRequest,
    GenerateRequest,
    Loglik,
    LoglikRequest,
    Sample,
)

CachePolicy = Literal["read-write", "refresh", "off"]
R = TypeVar("R", bound=BaseModel)


class CacheStats(BaseModel):
    hits: int = 0
    misses: int = 0


class CacheStore(Protocol):
    """What CachedEngine reads and writes: a ResponseCache, or an engine replica's recorder."""

    @property
    def path(self) -> Path | None: ...

    def get_many(self, keys: Sequence[str]) -> dict[str, str]: ...

    def put_many(self, items: Sequence[tuple[str, str]]) -> None: ...


class ResponseCache:
    """Key-value store of JSON results in SQLite."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, timeout=120, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
            )
            status = self._db.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise CacheCorruptError(self._corrupt_message(str(exc))) from exc
        if status != "ok":
            raise CacheCorruptError(self._corrupt_message(status))

    def _corrupt_message(self, detail: str) -> str:
        return (
            f"the engine cache {self.path} is corrupt ({detail}). Move it away or delete it; "
            "chorus then rebuilds it (finished answers will be recomputed)."
        )

    def get_many(self, keys: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                part = list(keys[start : start + 500])
                marks = ",".join("?" * len(part))
                rows = self._db.execute(
                    f"SELECT key, value FROM responses WHERE key IN ({marks})", part
                ).fetchall()
                found.update(rows)
        return found

    def put_many(self, items: Sequence[tuple[str, str]]) -> None:
        try:
            with self._lock, self._db:
                self._db.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?)", items)
        except sqlite3.DatabaseError as exc:  # a full disk, a read-only file or folder
            raise CacheWriteError(
                f"cannot write the engine cache {self.path} ({exc}); free some space, make it "
                "writable, point --cache-file elsewhere, or use --cache off"
            ) from exc

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0]

    def close(self) -> None:
        self._db.close()


class CachedEngine(Engine):
    """Wraps an engine so that every call is looked up first and stored after."""

    def __init__(self, inner: Engine, cache: CacheStore | None, policy: CachePolicy = "read-write"):
        self.inner = inner
        self.cache = cache
        self.policy: CachePolicy = policy if cache is not None else "off"
        self.stats = CacheStats()
        self.name = inner.name
        self.chat = inner.chat

    @property
    def fingerprint(self) -> str:
        return self.inner.fingerprint

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def _key(self, op: str, request: BaseModel, index: int = 0) -> str:
        payload = request.model_dump(mode="json", exclude={"n"} if op == "sample" else set())
        blob = json.dumps(
            [self.inner.name, self.inner.fingerprint, op, payload, index], sort_keys=True
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    def _through(
        self,
        op: str,
        keys: list[str],
        result_type: type[R],
        compute: Callable[[list[int]], list[R]],
    ) -> list[R]:
        cache = self.cache if self.policy != "off" else None  # "off" whenever there is none
        results: list[R | None] = [None] * len(keys)
        if cache is not None and self.policy == "read-write":
            found = cache.get_many(keys)
            for i, k in enumerate(keys):
                if k in found:
                    try:
                        results[i] = result_type.model_validate_json(found[k])
                    except ValueError as exc:
                        raise CacheCorruptError(
                            f"the engine cache {cache.path} holds an unreadable {op} "
                            f"entry ({exc}); delete the file to rebuild it"
                        ) from exc
        missing = [i for i, r in enumerate(results) if r is None]
        self.stats.hits += len(keys) - len(missing)
        self.stats.misses += len(missing)
        if missing:
            try:
                fresh = compute(missing)
            except EngineRequestError as exc:  # keep what did arrive, so a rerun resumes
                if cache is not None and exc.completed:
                    cache.put_many(
                        [(keys[missing[k]], r.model_dump_json()) for k, r in exc.completed.items()]
                    )
                raise
            for i, r in zip(missing, fresh):
                results[i] = r
            if cache is not None:
                cache.put_many([(keys[i], r.model_dump_json()) for i, r in zip(missing, fresh)])
        return [r for r in results if r is not None]

    def sample(self, items: Sequence[tuple[GenerateRequest, int]]) -> list[Sample]:
        keys = [self._key("sample", r, i) for r, i in items]
        return self._through(
            "sample", keys, Sample, lambda m: self.inner.sample([items[i] for i in m])
        )

    def choice(self, requests: Sequence[ChoiceRequest]) -> list[ChoiceDistribution]:
        keys = [self._key("choice", r) for r in requests]
        return self._through(
            "choice",
            keys,
            ChoiceDistribution,
            lambda m: self.inner.choice([requests[i] for i in m]),
        )

    def loglik(self, requests: Sequence[LoglikRequest]) -> list[Loglik]:
        keys = [self._key("loglik", r) for r in requests]
        return self._through(
            "loglik", keys, Loglik, lambda m: self.inner.loglik([requests[i] for i in m])
        )

    def describe(self) -> dict[str, str]:
        # `is not None`: an empty cache is falsy (__len__) but still the cache in use
        cache = str(self.cache.path) if self.cache is not None else "off"
        return {**self.inner.describe(), "cache": cache}
