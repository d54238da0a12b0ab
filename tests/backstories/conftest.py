"""Shared fixtures: the embedded engine (loaded once per session; its SQLite cache in a temp
folder, the dequantised model where it normally lives) and the labelled critic set."""

from __future__ import annotations

from pathlib import Path

import pytest

CRITIC_SET = Path(__file__).resolve().parents[1] / "data" / "critic" / "fragments.yaml"


@pytest.fixture(scope="session")
def engine(tmp_path_factory):
    from engines import load_engine

    return load_engine(
        "transformers", model=None, cache_path=tmp_path_factory.mktemp("engine") / "c.sqlite"
    )


@pytest.fixture(scope="session")
def critic_cases():
    from backstories import load_critic_set

    return load_critic_set(CRITIC_SET)
