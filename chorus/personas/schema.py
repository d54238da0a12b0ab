"""The pool manifest (manifest.json, mirrored inside personas.parquet) and its parts."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from importlib import metadata

from pydantic import BaseModel, Field

from chorus.backstories import BackstoryConfig, DiversityStats, Style

FORMAT_VERSION = 1


class PoolCounts(BaseModel):
    requested: int = 0  # --n of the latest generate call
    attempted: int = 0  # persona slots generated so far
    accepted: int = 0  # rows of personas.parquet
    dropped: int = 0  # failed the critic past the resample budget (fail closed)
    near_duplicates: int = 0  # accepted by the critic, removed as near-duplicates
    profiled: int = 0  # rows with demographic distributions


class RejectionStats(BaseModel):
    answers: dict[str, int] = {}  # rejected answers by kind (one answer may count in several)
    personas_dropped: dict[str, int] = {}  # dropped personas by the kinds of their last rejection


class GenerationSettings(BaseModel):
    """What must match for a rerun to resume (rather than mix two different pools)."""

    style: Style
    seed: int
    batch_size: int = Field(ge=1)
    dedup_threshold: float = Field(gt=0.0, le=1.0)
    backstory: BackstoryConfig
    fingerprint: str  # engine model fingerprint
    prompts_hash: str


class ProfileInfo(BaseModel):
    engine: dict[str, str]
    instrument: str
    debias: str


class PoolManifest(GenerationSettings):
    """manifest.json: the generation settings (flat), counts, rejection stats and versions."""

    format_version: int = FORMAT_VERSION
    model: str
    engine: dict[str, str]
    counts: PoolCounts = PoolCounts()
    rejections: RejectionStats = RejectionStats()
    next_slot: int = 0  # slots below this are processed (kept, dropped or deduplicated)
    embedder: str
    diversity: DiversityStats | None = None
    versions: dict[str, str] = {}
    demographics: dict[str, list[str]] | None = None  # trait -> category labels, once profiled
    profile: ProfileInfo | None = None

    def settings(self) -> GenerationSettings:
        return GenerationSettings(**self.model_dump(include=set(GenerationSettings.model_fields)))


DISTRIBUTION = "chorus-sim"  # what `pip install` calls chorus (the name chorus is taken on PyPI)


def versions(
    packages: Sequence[str] = ("torch", "transformers", "pyarrow", "pandas"),
) -> dict[str, str]:
    """What a manifest records: python, chorus and `packages` ("not installed" when absent)."""
    out = {"python": platform.python_version()}
    for key, dist in [("chorus", DISTRIBUTION), *((p, p) for p in packages)]:
        try:
            out[key] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[key] = "not installed"
    return out
