"""Building the bare engine (no cache, no replicas) a spec names: what the loader wraps and what
each Ray replica builds in its own process."""

from __future__ import annotations

from chorus.engines.base import Engine
from chorus.engines.spec import BACKENDS, EngineSpec


def build_engine(spec: EngineSpec) -> Engine:
    return BACKENDS[spec.engine].build(spec)
