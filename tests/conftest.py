"""Shared fixtures. The embedded model is real: tests load it once per session."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def transformers_engine():
    """The raw (uncached) transformers engine on the embedded SmolLM2-135M-Instruct."""
    from engines.transformers_engine import TransformersEngine

    return TransformersEngine()
