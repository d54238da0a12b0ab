"""Files in and out: a pool's demographic distributions, a respondent table's categories, and the
match folder (match.parquet + diagnostics.json), all per docs/formats.md."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from chorus.core.atomic import write_atomic
from chorus.core.tables import read_csv
from chorus.matching.diagnostics import MatchDiagnostics
from chorus.matching.errors import MatchInputError

MATCH_FILE = "match.parquet"
DIAGNOSTICS_FILE = "diagnostics.json"
_PROFILE_HINT = "profile it first with `chorus personas profile POOL`"


@dataclass(frozen=True)
class PoolDemographics:
    persona_ids: list[str]
    categories: dict[str, list[str]]  # trait -> canonical category labels, as in the manifest
    probs: dict[str, NDArray[np.float64]]  # trait -> (n_personas, K_t)


def read_pool_demographics(folder: Path, traits: Sequence[str] | None = None) -> PoolDemographics:
    """persona_id and the demo__<trait> distributions of a profiled pool (personas.read_pool:
    the categories come from the manifest inside personas.parquet)."""
    from chorus.personas import PoolError, read_pool  # the personas part loads the model stack

    try:
        pool = read_pool(folder, keep=lambda c: c == "persona_id" or c.startswith("demo__"))
    except PoolError as exc:
        raise MatchInputError(str(exc)) from None
    demographics = pool.demographics
    if not demographics:
        raise MatchInputError(
            f"{folder}: the pool has no demographic distributions; {_PROFILE_HINT}"
        )
    wanted = list(demographics) if traits is None else list(traits)
    unknown = [t for t in wanted if t not in demographics]
    if unknown:
        raise MatchInputError(
            f"{pool.path}: no demographics for trait(s) {unknown} (it has {list(demographics)})"
        )
    missing = [f"demo__{t}" for t in wanted if f"demo__{t}" not in pool.table.column_names]
    if missing:
        raise MatchInputError(
            f"{pool.path}: missing column(s) {missing}; the pool has no demographic "
            f"distributions for them; {_PROFILE_HINT}"
        )
    table = pool.table.select(["persona_id"] + [f"demo__{t}" for t in wanted])
    ids = [str(x) for x in table.column("persona_id").to_pylist()]
    probs = {
        t: _distributions(table.column(f"demo__{t}"), len(demographics[t]), t, ids, pool.path)
        for t in wanted
    }
    return PoolDemographics(ids, {t: list(demographics[t]) for t in wanted}, probs)


def _distributions(
    column: pa.ChunkedArray, k: int, trait: str, ids: list[str], path: Path
) -> NDArray[np.float64]:
    lists = column.combine_chunks()
    lengths = lists.value_lengths().to_numpy(zero_copy_only=False)
    bad = np.flatnonzero(pd.isna(lengths) | (np.nan_to_num(lengths, nan=-1) != k))
    if bad.size:
        raise MatchInputError(
            f"{path}: persona {ids[bad[0]]!r} has "
            f"{'no' if pd.isna(lengths[bad[0]]) else int(lengths[bad[0]])} "
            f"demo__{trait} probabilities, the manifest lists {k} categories; {_PROFILE_HINT} again"
        )
    probs = lists.flatten().to_numpy(zero_copy_only=False).astype(np.float64).reshape(len(ids), k)
    wrong = np.flatnonzero(
        ~np.isfinite(probs).all(axis=1) | (probs < 0).any(axis=1) | (probs > 1 + 1e-6).any(axis=1)
    )
    if wrong.size:
        raise MatchInputError(
            f"{path}: persona {ids[wrong[0]]!r} has demo__{trait} values outside [0, 1]"
        )
    return probs


def read_respondent_table(path: Path) -> pd.DataFrame:
    """A CSV or Parquet file already holding respondent_id and canonical trait columns."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise MatchInputError(f"{path}: a respondent table must be .csv or .parquet")
    if suffix == ".csv":
        return read_csv(path, dtype=str, error=MatchInputError)
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowInvalid) as exc:
        raise MatchInputError(f"{path}: unreadable respondent table ({exc})") from exc


def encode_respondents(
    table: pd.DataFrame, categories: dict[str, list[str]], source: str
) -> tuple[list[str], dict[str, NDArray[np.int64]]]:
    """respondent ids and, per trait, each respondent's category index (-1 = missing/NA)."""
    if "respondent_id" not in table.columns:
        raise MatchInputError(f"{source}: no respondent_id column")
    raw = table["respondent_id"]
    empty = [i for i, v in enumerate(raw) if pd.isna(v) or not str(v).strip()]
    if empty:
        raise MatchInputError(
            f"{source}: row {empty[0] + 1} has an empty respondent_id ({len(empty)} such row(s)); "
            "give every respondent an id"
        )
    ids = raw.astype(str).tolist()
    seen: dict[str, int] = {}
    for i, rid in enumerate(ids):
        if rid in seen:
            raise MatchInputError(
                f"{source}: respondent_id {rid!r} appears twice (rows {seen[rid] + 1} and "
                f"{i + 1}); each respondent must have one row with a unique id"
            )
        seen[rid] = i
    missing = [t for t in categories if t not in table.columns]
    if missing:
        raise MatchInputError(
            f"{source}: no column for trait(s) {missing}; add them (canonical category labels, "
            "empty = not answered) or restrict the match with --traits"
        )
    codes: dict[str, NDArray[np.int64]] = {}
    for trait, labels in categories.items():
        col = table[trait]
        known = col.notna().to_numpy()
        values = col[known].astype(str)
        index = {label: i for i, label in enumerate(labels)}
        mapped = values.map(index)
        if mapped.isna().any():
            row = int(np.flatnonzero(known)[np.flatnonzero(mapped.isna().to_numpy())[0]])
            raise MatchInputError(
                f"{source}: respondent {ids[row]!r} (row {row + 1}) has "
                f"{trait} = {col.iloc[row]!r}, "
                f"which is not a category the pool knows ({labels}); fix the dataset descriptor's "
                "mapping for this trait or leave the value empty"
            )
        out = np.full(len(table), -1, dtype=np.int64)
        out[known] = mapped.to_numpy(dtype=np.int64)
        codes[trait] = out
    return ids, codes


def match_table(
    respondent: NDArray[np.int64],
    persona: NDArray[np.int64],
    log_weight: NDArray[np.float64],
    respondent_ids: Sequence[str],
    persona_ids: Sequence[str],
) -> pd.DataFrame:
    """The match.parquet rows: respondent_id, persona_id, log_weight."""
    return pd.DataFrame(
        {
            "respondent_id": np.asarray(respondent_ids, dtype=object)[respondent],
            "persona_id": np.asarray(persona_ids, dtype=object)[persona],
            "log_weight": log_weight,
        }
    )


def write_match(folder: Path, table: pd.DataFrame, diagnostics: MatchDiagnostics) -> None:
    """diagnostics.json, then match.parquet, each through the atomic writer: a failure never
    leaves a half-written file, and a match.parquet is never older than its diagnostics."""
    write_atomic(
        folder / DIAGNOSTICS_FILE,
        lambda p: p.write_text(diagnostics.model_dump_json(indent=2) + "\n"),
    )
    write_atomic(folder / MATCH_FILE, lambda p: table.to_parquet(p, index=False))
