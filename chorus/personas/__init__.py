"""Persona pools: a folder with personas.parquet + manifest.json (see docs/formats.md), grown by
batched backstory generation (append-only, atomic, resumable) and profiled with the demographic
survey.

Public API (everything else is private to the part):
    generate_pool, profile_pool, read_pool -> Pool (the one reader of a pool folder), summarize,
    PoolManifest, PoolSummary, PoolError,
    versions (what a manifest records), DISTRIBUTION
"""

from chorus.personas.demographics import (
    marginals,
    profile_pool,
    split_not_mentioned,
    survey_demographics,
)
from chorus.personas.errors import PoolError
from chorus.personas.generate import generate_pool, persona_id
from chorus.personas.pool import Pool, is_pool, read_pool
from chorus.personas.schema import (
    DISTRIBUTION,
    GenerationSettings,
    PoolCounts,
    PoolManifest,
    RejectionStats,
    versions,
)
from chorus.personas.store import LOCK_FILE, MANIFEST_FILE, PERSONAS_FILE
from chorus.personas.summary import Marginal, PoolSummary, summarize

__all__ = [
    "DISTRIBUTION",
    "LOCK_FILE",
    "MANIFEST_FILE",
    "PERSONAS_FILE",
    "GenerationSettings",
    "Marginal",
    "Pool",
    "PoolCounts",
    "PoolError",
    "PoolManifest",
    "PoolSummary",
    "RejectionStats",
    "generate_pool",
    "is_pool",
    "marginals",
    "persona_id",
    "profile_pool",
    "read_pool",
    "split_not_mentioned",
    "summarize",
    "survey_demographics",
    "versions",
]
