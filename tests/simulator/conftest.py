"""Shared fixtures for the simulator tests: the session's cached embedded engine
(tests/conftest.py) and the consensus CLI."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sim_cache(engine_cache) -> Path:
    return engine_cache


@pytest.fixture(scope="session")
def sim_engine(cached_engine):
    return cached_engine


@pytest.fixture(scope="session")
def consensus_cli():
    """The `consensus` command group on its own app, so these tests need no other part's CLI."""
    import typer
    from typer.testing import CliRunner

    from chorus.cli import consensus

    app = typer.Typer()
    consensus.register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["consensus", *map(str, args)])
