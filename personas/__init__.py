"""Persona pools: a folder with personas.parquet + manifest.json (see docs/formats.md), grown by
batched backstory generation (append-only, atomic, resumable) and profiled with the demographic
survey.

Public API (everything else is private to the part):
    generate_pool, profile_pool, read_pool, summarize, PoolManifest, PoolSummary, PoolError
"""

from personas.demographics import marginals, profile_pool, split_not_mentioned, survey_demographics
from personas.errors import PoolError
from personas.generate import generate_pool, persona_id
from personas.schema import GenerationSettings, PoolCounts, PoolManifest, RejectionStats
from personas.store import MANIFEST_FILE, PERSONAS_FILE, is_pool, read_pool
from personas.summary import Marginal, PoolSummary, summarize

__all__ = [
    "MANIFEST_FILE",
    "PERSONAS_FILE",
    "GenerationSettings",
    "Marginal",
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
]
