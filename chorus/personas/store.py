"""The pool folder on disk: personas.parquet + manifest.json, written atomically (pool.py is
its one reader).

The Parquet file is the single source of truth: it carries the manifest in its schema metadata,
so rows and counts change together in one os.replace. manifest.json is a readable mirror written
right after; if a kill falls between the two writes, opening the pool rewrites the mirror.
Writers hold an exclusive lock on DIR/.lock, so two processes never append to one pool.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from chorus.core import write_atomic
from chorus.personas.errors import PoolError
from chorus.personas.schema import PoolManifest
from chorus.surveys import demographic_traits

PERSONAS_FILE = "personas.parquet"
MANIFEST_FILE = "manifest.json"
LOCK_FILE = ".lock"
META_KEY = b"chorus.manifest"

TURN = pa.struct([("question", pa.string()), ("answer", pa.string())])
BASE_SCHEMA = pa.schema(
    [
        ("persona_id", pa.string()),
        ("style", pa.string()),
        ("backstory", pa.string()),
        ("turns", pa.list_(TURN)),
        ("verdicts", pa.string()),
    ]
)


def demo_fields() -> list[pa.Field]:
    """demo__<trait> (probabilities over the categories) and demo_nm__<trait> (not mentioned)."""
    fields = []
    for trait in demographic_traits():
        fields += [
            pa.field(f"demo__{trait}", pa.list_(pa.float64())),
            pa.field(f"demo_nm__{trait}", pa.float64()),
        ]
    return fields


def pool_schema(profiled: bool) -> pa.Schema:
    return pa.schema(list(BASE_SCHEMA) + (demo_fields() if profiled else []))


def write_pool(folder: Path, table: pa.Table, manifest: PoolManifest) -> None:
    """Replace the pool's rows and manifest (rows first, with the manifest inside them)."""
    blob = manifest.model_dump_json(indent=1)
    table = table.replace_schema_metadata({META_KEY: blob.encode()})
    write_atomic(folder / PERSONAS_FILE, lambda tmp: pq.write_table(table, tmp))
    write_atomic(folder / MANIFEST_FILE, lambda tmp: Path(tmp).write_text(blob + "\n"))


@contextmanager
def pool_lock(folder: Path) -> Iterator[None]:
    """Exclusive writer lock; also clears temp files left by a killed writer."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_FILE, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PoolError(
                f"{folder}: another chorus process is writing this pool; wait for it to finish"
            ) from None
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
