"""What `chorus personas show` reports about a pool: counts, rejection stats, diversity and the
demographic marginals."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from chorus.backstories import DiversityStats
from chorus.personas.demographics import marginals
from chorus.personas.pool import read_pool
from chorus.personas.schema import PoolCounts, RejectionStats


class Marginal(BaseModel):
    trait: str
    category: str
    share: float  # mean probability over profiled personas (renormalised without not-mentioned)
    not_mentioned: float  # mean not-mentioned mass of the trait


class PoolSummary(BaseModel):
    folder: str
    style: str
    model: str
    seed: int
    counts: PoolCounts
    rejections: RejectionStats
    diversity: DiversityStats | None
    marginals: list[Marginal]


def summarize(folder: Path) -> PoolSummary:
    pool = read_pool(folder)
    manifest = pool.manifest
    margs = (
        marginals(pool.table.to_pandas(), pool.demographics).to_dict(orient="records")
        if pool.demographics
        else []
    )
    return PoolSummary(
        folder=str(folder),
        style=manifest.style,
        model=manifest.model,
        seed=manifest.seed,
        counts=manifest.counts,
        rejections=manifest.rejections,
        diversity=manifest.diversity,
        marginals=[Marginal.model_validate(m) for m in margs],
    )
