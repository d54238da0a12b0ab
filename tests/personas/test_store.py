"""The pool folder on disk, without a model: atomic writes, the manifest inside the Parquet file,
the repaired mirror, the writer lock, and clear errors."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from chorus.backstories import BackstoryConfig
from chorus.personas import MANIFEST_FILE, PERSONAS_FILE, PoolError, PoolManifest, read_pool
from chorus.personas.store import pool_lock, pool_schema, write_pool


def _manifest(**extra) -> PoolManifest:
    return PoolManifest(
        style="anthology",
        seed=0,
        batch_size=4,
        dedup_threshold=0.95,
        backstory=BackstoryConfig.for_style("anthology"),
        fingerprint="f" * 16,
        prompts_hash="p" * 16,
        model="test",
        engine={"engine": "test"},
        embedder="all-MiniLM-L6-v2",
        **extra,
    )


def _table(n: int) -> pa.Table:
    rows = [
        {
            "persona_id": f"anthology-0-{i:06d}",
            "style": "anthology",
            "backstory": f"I am person {i}.",
            "turns": [],
            "verdicts": "{}",
        }
        for i in range(n)
    ]
    return pa.Table.from_pylist(rows, schema=pool_schema(False))


def test_rows_and_manifest_round_trip(tmp_path):
    m = _manifest()
    m.counts.accepted = 2
    write_pool(tmp_path, _table(2), m)
    pool = read_pool(tmp_path)
    table, back = pool.table, pool.manifest
    assert table.column("persona_id").to_pylist() == ["anthology-0-000000", "anthology-0-000001"]
    assert back == m
    assert json.loads((tmp_path / MANIFEST_FILE).read_text())["counts"]["accepted"] == 2
    assert table.schema.field("turns").type == pa.list_(
        pa.struct([("question", pa.string()), ("answer", pa.string())])
    )


def test_the_pool_reader_trusts_the_parquet_manifest_not_the_mirror(tmp_path):
    """read_pool is the one reader: the manifest inside personas.parquet wins over a mirror that
    says otherwise; the rows read as people by surveys' rule."""
    write_pool(tmp_path, _table(2), _manifest(demographics={"gender": ["Male", "Female"]}))
    (tmp_path / MANIFEST_FILE).write_text(json.dumps({"demographics": None}))
    pool = read_pool(tmp_path)
    assert pool.folder == tmp_path and pool.path == tmp_path / PERSONAS_FILE
    assert pool.demographics == {"gender": ["Male", "Female"]}
    people = pool.personas()
    assert [p.persona_id for p in people] == ["anthology-0-000000", "anthology-0-000001"]
    assert people[1].backstory == "I am person 1." and people[1].demographics == {}


def test_a_stale_or_missing_mirror_is_repaired_from_the_parquet_file(tmp_path):
    old = _manifest()
    write_pool(tmp_path, _table(1), old)
    new = _manifest()
    new.counts.accepted = 2
    write_pool(tmp_path, _table(2), new)
    (tmp_path / MANIFEST_FILE).write_text(old.model_dump_json())  # as if killed between the writes
    read_pool(tmp_path)  # readers do not write
    assert PoolManifest.model_validate_json((tmp_path / MANIFEST_FILE).read_text()) == old
    read_pool(tmp_path, repair=True)
    assert PoolManifest.model_validate_json((tmp_path / MANIFEST_FILE).read_text()) == new
    (tmp_path / MANIFEST_FILE).unlink()
    read_pool(tmp_path, repair=True)
    assert PoolManifest.model_validate_json((tmp_path / MANIFEST_FILE).read_text()) == new


def test_one_writer_at_a_time_and_stale_temp_files_are_cleared(tmp_path):
    (tmp_path / ".personas.parquet.abc.tmp").write_text("half a file")
    with pool_lock(tmp_path):
        assert not list(tmp_path.glob(".*.tmp"))
        with (
            pytest.raises(PoolError, match="another chorus process is writing"),
            pool_lock(tmp_path),
        ):
            pass
    with pool_lock(tmp_path):  # released again
        pass


def test_bad_folders_get_clear_errors(tmp_path):
    with pytest.raises(PoolError, match="not a persona pool.*chorus personas generate"):
        read_pool(tmp_path)
    pq.write_table(_table(1), tmp_path / PERSONAS_FILE)  # no chorus manifest inside
    with pytest.raises(PoolError, match="no chorus manifest"):
        read_pool(tmp_path)
    (tmp_path / PERSONAS_FILE).write_text("not parquet")
    with pytest.raises(PoolError, match="unreadable Parquet"):
        read_pool(tmp_path)
