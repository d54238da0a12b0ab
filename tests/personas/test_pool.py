"""Growing pools with the real embedded model: the file format, extending, settings checks,
interview pools, near-duplicate removal and the give-up guard."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chorus.backstories import BackstoryConfig, Turn, transcript_text
from chorus.personas import (
    MANIFEST_FILE,
    PERSONAS_FILE,
    PoolError,
    generate_pool,
    persona_id,
    profile_pool,
    read_pool,
)
from chorus.surveys import demographic_traits


def test_pool_files_follow_docs_formats(shared_pool):
    raw = pq.read_table(shared_pool / PERSONAS_FILE)
    traits = demographic_traits()
    expected = ["persona_id", "style", "backstory", "turns", "verdicts"]
    expected += [c for t in traits for c in (f"demo__{t}", f"demo_nm__{t}")]
    assert raw.column_names == expected
    assert raw.schema.field("demo__age").type == pa.list_(pa.float64())
    assert raw.schema.field("demo_nm__age").type == pa.float64()
    manifest = json.loads((shared_pool / MANIFEST_FILE).read_text())
    for key in (
        "model",
        "fingerprint",
        "prompts_hash",
        "seed",
        "counts",
        "rejections",
        "versions",
        "demographics",
    ):
        assert key in manifest, key
    assert manifest["demographics"] == traits
    rows = raw.to_pylist()
    counts = manifest["counts"]
    assert counts["accepted"] == len(rows) == 2 and counts["profiled"] == 2
    assert counts["attempted"] == counts["accepted"] + counts["dropped"] + counts["near_duplicates"]
    for row in rows:
        verdicts = json.loads(row["verdicts"])
        assert row["persona_id"] == persona_id("anthology", 0, verdicts["slot"])
        assert (
            row["style"] == "anthology"
            and row["turns"] == []
            and len(row["backstory"].split()) >= 8
        )
        assert verdicts["logprob"] < 0 and verdicts["turns"][0]["question_index"] == 0
    assert len({r["persona_id"] for r in rows}) == 2


def test_extending_keeps_rows_and_checks_settings(pool_copy, engine, embedder, anthology_config):
    before = read_pool(pool_copy).table
    manifest = generate_pool(
        pool_copy, 3, engine, anthology_config, seed=0, batch_size=2, embedder=embedder
    )
    after = read_pool(pool_copy).table
    assert after.slice(0, 2).to_pylist() == before.to_pylist()
    assert manifest.counts.accepted == 3 and manifest.counts.profiled == 2
    assert after.column("demo__age").to_pylist()[2] is None  # new rows wait for `profile`
    manifest = profile_pool(pool_copy, engine, debias="none")
    assert manifest.counts.profiled == 3
    assert read_pool(pool_copy).table.slice(0, 2).to_pylist() == before.to_pylist()
    with pytest.raises(PoolError, match="other settings.*seed: pool has 0, asked 1"):
        generate_pool(
            pool_copy, 4, engine, anthology_config, seed=1, batch_size=2, embedder=embedder
        )
    with pytest.raises(PoolError, match="profile it with the same model and --debias"):
        profile_pool(pool_copy, engine, debias="reverse")


def test_interview_pool_stores_turns_and_transcript(tmp_path, engine, embedder):
    config = BackstoryConfig.for_style(
        "interview", max_tokens=12, min_words=3, n_questions=2, resample_budget=2
    )
    manifest = generate_pool(tmp_path, 2, engine, config, seed=0, batch_size=2, embedder=embedder)
    table = read_pool(tmp_path).table
    assert manifest.counts.accepted == 2 == len(table)
    for row in table.to_pylist():
        assert row["style"] == "interview" and len(row["turns"]) == 2
        assert row["backstory"] == transcript_text([Turn(**t) for t in row["turns"]])


def test_near_duplicates_are_removed_and_hopeless_runs_give_up(
    tmp_path, engine, embedder, anthology_config
):
    """With a similarity threshold of 0.01 every later backstory counts as a near-duplicate of the
    first, so the pool never reaches 2 personas and generation stops with a clear error."""
    with pytest.raises(
        PoolError,
        match="only 1 of 2 personas survived the critic and near-duplicate removal in 3 slots",
    ):
        generate_pool(
            tmp_path,
            2,
            engine,
            anthology_config,
            seed=0,
            batch_size=3,
            dedup_threshold=0.01,
            embedder=embedder,
            max_slots=3,
        )
    pool = read_pool(tmp_path)
    table, manifest = pool.table, pool.manifest
    assert len(table) == 1 and manifest.counts.accepted == 1
    assert manifest.counts.attempted == manifest.next_slot == 3
    assert manifest.counts.near_duplicates == 2 - manifest.counts.dropped > 0
    assert manifest.rejections.personas_dropped["near_duplicate"] == manifest.counts.near_duplicates
