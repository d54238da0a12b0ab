"""Seeded fault injection for `chorus serve --fault-rate P`: a share of requests is answered with
429 (with Retry-After), 500, or a stall past the client's timeout, so that a client's retries
are tested against real HTTP failures."""

from __future__ import annotations

import asyncio
import random
import threading
from typing import Any

KINDS = ("429", "500", "stall")


class FaultPlan:
    def __init__(
        self,
        rate: float,
        seed: int = 0,
        stall_s: float = 5.0,
        retry_after_s: int = 1,
        kinds: tuple[str, ...] = KINDS,
    ) -> None:
        if not 0.0 <= rate < 1.0:
            raise ValueError(f"--fault-rate must be in [0, 1) (got {rate})")
        unknown = set(kinds) - set(KINDS) if kinds else {"(none)"}
        if unknown:
            raise ValueError(f"--fault-kinds: unknown {sorted(unknown)}; use some of {KINDS}")
        self.kinds = tuple(kinds)
        self.rate = rate
        self.stall_s = stall_s
        self.retry_after_s = retry_after_s
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.injected = {k: 0 for k in KINDS}

    def draw(self) -> str | None:
        """The fault for the next request, if any (requests draw in arrival order)."""
        with self._lock:
            hit = self._rng.random() < self.rate
            kind = self._rng.choice(self.kinds) if hit else None
            if kind:
                self.injected[kind] += 1
            return kind

    async def inject(self) -> Any:
        from fastapi.responses import JSONResponse

        kind = self.draw()
        if kind is None:
            return None
        if kind == "429":
            return JSONResponse(
                status_code=429,
                headers={"Retry-After": str(self.retry_after_s)},
                content={"error": {"message": "injected rate limit", "code": "rate_limit"}},
            )
        if kind == "stall":
            await asyncio.sleep(self.stall_s)
            return JSONResponse(status_code=504, content={"error": {"message": "injected stall"}})
        return JSONResponse(
            status_code=500, content={"error": {"message": "injected server error"}}
        )
