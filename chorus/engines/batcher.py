"""Dynamic batching for `chorus serve`: concurrent HTTP requests become one engine call.

The model runs one batch at a time, so serving requests one by one would make a client's
concurrency useless. A single worker thread takes whatever requests are waiting (collecting
while they keep arriving: a client's threads send their next requests a few milliseconds apart),
runs one engine call per kind of work for all of them, and hands each request its share.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

# kind -> function from the concatenated items of every waiting job to their results, in order
Runner = Callable[[list[Any]], list[Any]]


@dataclass
class _Job:
    kind: str
    items: list[Any]
    future: Future = field(default_factory=Future)


class Batcher:
    def __init__(
        self,
        runners: dict[str, Runner],
        gap_s: float = 0.02,
        window_s: float = 0.25,
        max_items: int = 512,
    ) -> None:
        self.runners = runners
        self.gap_s = gap_s  # collecting stops when no request arrives for this long...
        self.window_s = window_s  # ...or this long after the first
        self.max_items = max_items
        self.rounds = 0  # engine rounds and the requests they served, for diagnostics
        self.requests = 0
        self._queue: queue.Queue[_Job] = queue.Queue()
        threading.Thread(target=self._loop, name="chorus-batcher", daemon=True).start()

    def run(self, kind: str, items: Sequence[Any]) -> list[Any]:
        """Blocks until this request's items are done (in the calling HTTP worker thread)."""
        job = _Job(kind, list(items))
        self._queue.put(job)
        return job.future.result()

    def _collect(self) -> list[_Job]:
        jobs = [self._queue.get()]
        deadline = time.monotonic() + self.window_s
        size = len(jobs[0].items)
        while size < self.max_items:
            try:
                job = self._queue.get(
                    timeout=max(0.0, min(self.gap_s, deadline - time.monotonic()))
                )
            except queue.Empty:
                break
            jobs.append(job)
            size += len(job.items)
        return jobs

    def _loop(self) -> None:
        while True:
            jobs = self._collect()
            self.rounds += 1
            self.requests += len(jobs)
            for kind in dict.fromkeys(j.kind for j in jobs):
                group = [j for j in jobs if j.kind == kind]
                try:
                    results = self.runners[kind]([x for j in group for x in j.items])
                except Exception as exc:  # the requests fail; the server keeps serving
                    for j in group:
                        j.future.set_exception(exc)
                    continue
                pos = 0
                for j in group:
                    j.future.set_result(results[pos : pos + len(j.items)])
                    pos += len(j.items)
