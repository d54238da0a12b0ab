"""Shared fixtures. The embedded model is real: tests load it once per session."""

from __future__ import annotations

import importlib.util
import os

import pytest

# the vllm engine's tests run in .venv-vllm (`make test-vllm`), where vLLM's CPU build is installed
collect_ignore = [] if importlib.util.find_spec("vllm") else ["engines_vllm"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# `make test` runs on two xdist workers, one per core: each worker's torch (and what it starts)
# gets one thread, so the two share the cores instead of oversubscribing them
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")

# Files that share something more than a session fixture: the finished tiny study
# (tests/study/conftest.py), Ray's local cluster (one at a time on the machine).
GROUPS = {
    "study": ("tests/study/",),
    "ray": ("tests/engines/test_replicas.py", "tests/simulator/test_workers_cli.py",
            "tests/simulator/test_engine_options.py"),
}  # fmt: skip


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist, when it is installed
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """One worker runs a whole file (its module fixtures built once) or a whole group of
    GROUPS. (xdist's own `loadgroup` marks do not reach its scheduler under pytest 9.)"""
    from xdist.scheduler import LoadScopeScheduling

    class FileOrGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return next((g for g, paths in GROUPS.items() if path.startswith(paths)), path)

    return FileOrGroup(config, log)


@pytest.fixture(scope="session")
def transformers_engine():
    """The raw (uncached) transformers engine on the embedded SmolLM2-135M-Instruct, in float32:
    the engine's invariants (batch == single, prefix reuse == none) are checked at 1e-4, which
    bfloat16 rounding would blur (tests/engines/test_precision.py covers bfloat16)."""
    from chorus.engines.transformers_engine import TransformersEngine

    return TransformersEngine(dtype="float32")


@pytest.fixture(scope="session")
def engine_cache(tmp_path_factory):
    """The SQLite cache file the session's cached engine uses (CLI tests pass it on)."""
    return tmp_path_factory.mktemp("engine") / "cache.sqlite"


@pytest.fixture(scope="session")
def cached_engine(transformers_engine, engine_cache):
    """The same loaded model behind the engine cache, as `load_engine` returns it."""
    from chorus.engines import CachedEngine, ResponseCache

    return CachedEngine(transformers_engine, ResponseCache(engine_cache))


@pytest.fixture(scope="session")
def embedder():
    """The sentence-embedding model (all-MiniLM-L6-v2), loaded once: it keeps no state."""
    from chorus.backstories import SentenceEmbedder

    return SentenceEmbedder()


@pytest.fixture
def one_thread():
    """torch on one thread, as each Ray replica runs: float32 matmuls split their sums by
    thread, so byte-for-byte comparisons with replicas need the same count."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
