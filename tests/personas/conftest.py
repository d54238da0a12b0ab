"""Shared fixtures: the session's cached embedded engine and sentence embedder
(tests/conftest.py), and one tiny anthology pool that read-only tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TINY = {"max_tokens": 40, "min_words": 8, "resample_budget": 2}


@pytest.fixture(scope="session")
def engine(cached_engine):
    return cached_engine


@pytest.fixture(scope="session")
def anthology_config():
    from chorus.backstories import BackstoryConfig

    return BackstoryConfig.for_style("anthology", **TINY)


@pytest.fixture(scope="session")
def shared_pool(tmp_path_factory, engine, embedder, anthology_config) -> Path:
    """A 2-persona anthology pool, profiled; copy it before changing it."""
    from chorus.personas import generate_pool, profile_pool

    folder = tmp_path_factory.mktemp("pools") / "anthology"
    generate_pool(folder, 2, engine, anthology_config, seed=0, batch_size=2, embedder=embedder)
    profile_pool(folder, engine, debias="none")
    return folder


@pytest.fixture
def pool_copy(shared_pool, tmp_path) -> Path:
    target = tmp_path / "pool"
    shutil.copytree(shared_pool, target)
    return target
