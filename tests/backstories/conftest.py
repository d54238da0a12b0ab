"""Shared fixtures: the session's cached embedded engine (tests/conftest.py) and the labelled
critic set."""

from __future__ import annotations

from pathlib import Path

import pytest

CRITIC_SET = Path(__file__).resolve().parents[1] / "data" / "critic" / "fragments.yaml"


@pytest.fixture(scope="session")
def engine(cached_engine):
    return cached_engine


@pytest.fixture(scope="session")
def critic_cases():
    from backstories import load_critic_set

    return load_critic_set(CRITIC_SET)
