"""Kill `chorus personas generate` with SIGKILL mid-run, run the same command again, and get
exactly the pool an uninterrupted run makes: nothing lost, duplicated or half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pyarrow.parquet as pq

from chorus.backstories import BackstoryConfig
from chorus.personas import MANIFEST_FILE, PERSONAS_FILE, PoolManifest, generate_pool, read_pool

N = 2
SETTINGS = {"max_tokens": 24, "min_words": 5, "resample_budget": 2}


def _command(out, cache) -> list[str]:
    return [
        sys.executable, "-c", "import sys; from chorus.cli import app; app(sys.argv[1:])",
        "personas", "generate", "--n", str(N), "--style", "anthology", "--out", str(out),
        "--seed", "5", "--batch-size", "1", "--max-tokens", str(SETTINGS["max_tokens"]),
        "--min-words", str(SETTINGS["min_words"]),
        "--resample-budget", str(SETTINGS["resample_budget"]),
        "--cache-file", str(cache), "--dtype", "float32",  # as the in-process reference engine
    ]  # fmt: skip


def _rows(out) -> int:
    path = out / PERSONAS_FILE
    return pq.read_metadata(path).num_rows if path.is_file() else 0


def test_sigkill_then_rerun_finishes_the_pool_exactly(tmp_path, engine_cache, engine, embedder):
    out = tmp_path / "pool"
    proc = subprocess.Popen(
        _command(out, engine_cache), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 240
    while _rows(out) < 1:  # the first batch (one persona) is on disk; the second is under way
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "the generate command wrote nothing in time"
        time.sleep(0.1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    killed_at = _rows(out)
    assert 1 <= killed_at < N

    rerun = subprocess.run(
        _command(out, engine_cache), check=False, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    pool = read_pool(out)
    table, manifest = pool.table, pool.manifest
    ids = table.column("persona_id").to_pylist()
    assert len(ids) == len(set(ids)) == N == manifest.counts.accepted
    assert not list(out.glob(".*.tmp"))
    assert PoolManifest.model_validate_json((out / MANIFEST_FILE).read_text()) == manifest

    config = BackstoryConfig.for_style("anthology", **SETTINGS)
    ref_manifest = generate_pool(
        tmp_path / "ref", N, engine, config, seed=5, batch_size=1, embedder=embedder
    )
    ref = read_pool(tmp_path / "ref").table
    assert table.to_pylist() == ref.to_pylist()
    assert manifest.counts == ref_manifest.counts and manifest.rejections == ref_manifest.rejections
    assert manifest.next_slot == ref_manifest.next_slot
