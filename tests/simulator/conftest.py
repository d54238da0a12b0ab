"""Shared fixtures for the simulator tests: the embedded engine, loaded once per session, with
its SQLite cache in a temp folder (the dequantised model stays where it normally lives)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def sim_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sim-engine") / "cache.sqlite"


@pytest.fixture(scope="session")
def sim_engine(sim_cache):
    from engines import load_engine

    return load_engine("transformers", model=None, cache_path=sim_cache)


@pytest.fixture()
def consensus_cli():
    """The `consensus` command group on its own app, so these tests need no other part's CLI."""
    import typer
    from typer.testing import CliRunner

    from simulator.commands import consensus

    app = typer.Typer()
    consensus.register(app)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, ["consensus", *map(str, args)])
