"""Shared fixtures: the session's cached embedded engine (tests/conftest.py) and the labelled
critic set."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def engine(cached_engine):
    return cached_engine


@pytest.fixture(scope="session")
def critic_cases():
    from chorus.backstories import load_critic_set

    return load_critic_set()
