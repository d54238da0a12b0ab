"""bfloat16: the fast path on CPUs with native bf16 stays close to float32, is reproducible, and
never shares cache entries with float32."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from chorus.engines.transformers_engine import TransformersEngine, resolve_dtype
from tests.engines.test_choice import QUESTIONS, _request


@pytest.fixture(scope="module")
def bf16_engine():
    return TransformersEngine(dtype="bfloat16")


def test_explicit_dtypes_resolve_and_auto_picks_one_of_them():
    assert resolve_dtype("float32") is torch.float32
    assert resolve_dtype("bfloat16") is torch.bfloat16
    assert resolve_dtype("auto") in (torch.float32, torch.bfloat16)


def test_bfloat16_has_its_own_fingerprint(bf16_engine, transformers_engine):
    assert bf16_engine.fingerprint == transformers_engine.fingerprint + ":bf16"
    assert bf16_engine.describe()["dtype"] == "bfloat16"
    assert transformers_engine.describe()["dtype"] == "float32"


def test_bfloat16_choice_is_close_to_float32_and_reproducible(bf16_engine, transformers_engine):
    requests = [_request(q, opts) for q, opts in QUESTIONS]
    fast = bf16_engine.choice(requests)
    again = bf16_engine.choice(list(reversed(requests)))[::-1]
    exact = transformers_engine.choice(requests)
    for f, a, e in zip(fast, again, exact):
        assert f.probs == a.probs
        assert np.max(np.abs(np.array(f.probs) - np.array(e.probs))) < 0.05
        assert abs(sum(f.probs) - 1.0) < 1e-9
