"""The one reader of a pool folder's layout (store.py writes it): the rows and the manifest,
both from personas.parquet, whose schema metadata is the authoritative manifest (manifest.json
is only its readable mirror)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import ValidationError

from chorus.core import write_atomic
from chorus.personas.errors import PoolError
from chorus.personas.schema import PoolManifest
from chorus.personas.store import BASE_SCHEMA, MANIFEST_FILE, META_KEY, PERSONAS_FILE
from chorus.surveys import Persona, personas_from_table


@dataclass(frozen=True)
class Pool:
    """An existing pool: its folder, rows (without the manifest metadata) and manifest."""

    folder: Path
    table: pa.Table
    manifest: PoolManifest

    @property
    def demographics(self) -> dict[str, list[str]] | None:
        """trait -> category labels of the demo__<trait> columns; None until profiled."""
        return self.manifest.demographics

    @property
    def path(self) -> Path:
        return self.folder / PERSONAS_FILE

    def personas(self) -> list[Persona]:
        """The rows as people, each profiled trait its most likely category (surveys' rule)."""
        return personas_from_table(self.table.to_pandas(), self.path)


def _parse_manifest(blob: bytes | str, where: Path) -> PoolManifest:
    try:
        return PoolManifest.model_validate_json(blob)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise PoolError(f"{where}: invalid pool manifest at {loc}: {first['msg']}") from None


def read_pool(
    folder: Path, repair: bool = False, keep: Callable[[str], bool] | None = None
) -> Pool:
    """Rows and manifest of an existing pool. `keep`: read only the columns it keeps (matching
    needs the demographic columns, not every backstory). `repair` (for writers
    holding the lock) rewrites a manifest.json mirror left stale by a kill between the two
    writes."""
    path = folder / PERSONAS_FILE
    if not path.is_file():
        hint = " (it has a manifest.json but no rows)" if (folder / MANIFEST_FILE).exists() else ""
        raise PoolError(
            f"{folder} is not a persona pool{hint}: no {PERSONAS_FILE}. "
            "Create one with `chorus personas generate --out DIR`."
        )
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise PoolError(f"{path}: unreadable Parquet file ({exc}); regenerate the pool") from exc
    blob = (schema.metadata or {}).get(META_KEY)
    if blob is None:
        raise PoolError(
            f"{path}: no chorus manifest inside the file; not written by chorus personas"
        )
    manifest = _parse_manifest(blob, path)
    missing = [f.name for f in BASE_SCHEMA if f.name not in schema.names]
    if missing:
        raise PoolError(f"{path}: missing columns {missing}; see docs/formats.md")
    wanted = None if keep is None else [c for c in schema.names if keep(c)]
    try:
        table = pq.read_table(path, columns=wanted)
    except (OSError, pa.ArrowInvalid) as exc:
        raise PoolError(f"{path}: unreadable Parquet file ({exc}); regenerate the pool") from exc
    mirror = folder / MANIFEST_FILE
    if repair and (not mirror.is_file() or mirror.read_text().strip() != blob.decode().strip()):
        write_atomic(mirror, lambda tmp: Path(tmp).write_text(blob.decode() + "\n"))
    return Pool(folder, table.replace_schema_metadata(None), manifest)


def is_pool(folder: Path) -> bool:
    return (folder / PERSONAS_FILE).is_file()
