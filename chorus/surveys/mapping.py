"""Apply a ColumnMapping to one raw data column: raw values -> option positions (or NA)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chorus.surveys.errors import DatasetError
from chorus.surveys.schema import ColumnMapping, norm_value

_SHOW = 6


def map_column(
    table: pd.DataFrame,
    mapping: ColumnMapping,
    labels: list[str],
    values: np.ndarray,
    where: str,
    dataset: str,
) -> pd.Series:
    """Position (0..K-1) of each row's answer among the K substantive option `labels`, or NA.

    `values` are the options' numeric values (for `option_values` mappings). A mapping onto a
    label that is not among `labels` (the not-mentioned option) also yields NA. `where` is the
    `file:line` of the mapping, used in every error message.
    """
    if mapping.column not in table.columns:
        cols = ", ".join(map(str, table.columns[:40]))
        raise DatasetError(
            f"{where}: dataset {dataset!r} has no column {mapping.column!r}; "
            f"fix the mapping's `column` (available: {cols})"
        )
    raw = table[mapping.column]
    present = raw.notna()
    keys = pd.Series(pd.NA, index=raw.index, dtype="object")
    keys[present] = [norm_value(v) for v in raw[present]]
    answered = present & ~keys.isin(mapping.missing)
    out = pd.Series(pd.NA, index=raw.index, dtype="Int64")
    if mapping.values is not None:
        _check_keys(keys[answered], mapping, where, dataset)
        position = {lab: i for i, lab in enumerate(labels)}
        codes = {k: position.get(t) for k, t in mapping.values.items()}
        mapped = keys[answered].map(codes)
        out[answered] = mapped.astype("Int64")
        return out
    numeric = pd.to_numeric(raw[answered], errors="coerce")
    bad = raw[answered][numeric.isna()]
    if len(bad):
        raise DatasetError(
            f"{where}: column {mapping.column!r} of {dataset!r} holds non-numeric values "
            f"{_examples(bad)}; list them under `missing` or fix the data"
        )
    if mapping.bins is not None:
        edges = np.asarray(mapping.bins, dtype=float)
        x = numeric.to_numpy(dtype=float)
        outside = (x < edges[0]) | (x > edges[-1])
        if outside.any():
            raise DatasetError(
                f"{where}: column {mapping.column!r} of {dataset!r} has values "
                f"{_examples(numeric[outside])} outside the bin edges {mapping.bins}; widen the "
                "edges or list those values under `missing`"
            )
        bin_of = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
        out[answered] = bin_of
        return out
    by_value = {float(v): i for i, v in enumerate(values)}
    idx = numeric.map(lambda v: by_value.get(float(v)))
    unknown = numeric[idx.isna()]
    if len(unknown):
        raise DatasetError(
            f"{where}: column {mapping.column!r} of {dataset!r} has values {_examples(unknown)} "
            f"that match no option value ({_span(values)}); list them under `missing` or fix "
            "the data"
        )
    out[answered] = idx.astype("Int64")
    return out


def _check_keys(keys: pd.Series, mapping: ColumnMapping, where: str, dataset: str) -> None:
    assert mapping.values is not None
    seen = set(keys.unique())
    unmapped = keys[~keys.isin(list(mapping.values))]
    if len(unmapped):
        raise DatasetError(
            f"{where}: column {mapping.column!r} of {dataset!r} holds values the mapping does "
            f"not cover: {_examples(unmapped)}; add them to `values` or to `missing`"
        )
    never = [k for k in mapping.values if k not in seen]
    if never and not mapping.allow_unseen:
        raise DatasetError(
            f"{where}: the mapping names values {never[:_SHOW]} that never occur in column "
            f"{mapping.column!r} of {dataset!r} (its values: {sorted(seen)[:_SHOW]} ...); "
            "fix their spelling, or set `allow_unseen: true` on the mapping if the data simply "
            "lacks them (a small pilot file)"
        )


def _examples(series: pd.Series) -> str:
    counts = series.astype(str).value_counts()
    shown = ", ".join(f"{v!r} (x{c})" for v, c in counts.head(_SHOW).items())
    return shown + (f" and {len(counts) - _SHOW} more" if len(counts) > _SHOW else "")


def _span(values: np.ndarray) -> str:
    """The option values, or their first..last where there are many (a numeric range)."""
    if len(values) > _SHOW * 2:
        return f"whole numbers {values.min():g} to {values.max():g}"
    return ", ".join(f"{v:g}" for v in values)
