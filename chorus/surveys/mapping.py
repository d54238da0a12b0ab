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


def map_selections(
    table: pd.DataFrame, mapping: ColumnMapping, labels: list[str], where: str, dataset: str
) -> pd.Series:
    """For a check-all-that-apply question: each row's selected option positions (a tuple,
    empty when none) or NA, from one delimited column or one column per option."""
    wanted = list(mapping.columns.values()) if mapping.columns else [mapping.column]
    absent = [c for c in wanted if c not in table.columns]
    if absent:
        raise DatasetError(
            f"{where}: dataset {dataset!r} has no column(s) {absent}; fix the mapping's columns"
        )
    position = {lab: i for i, lab in enumerate(labels)}
    out: list[tuple[int, ...] | None] = [None] * len(table)
    if mapping.columns is not None:
        keys = {
            position[lab]: [None if pd.isna(v) else norm_value(v) for v in table[c]]
            for lab, c in mapping.columns.items()
        }
        for r in range(len(table)):
            seen = [k[r] for k in keys.values()]
            if any(v is not None and v not in mapping.missing for v in seen):
                out[r] = tuple(i for i, k in keys.items() if k[r] in mapping.selected)
        return pd.Series(out, index=table.index, dtype="object")
    assert mapping.values is not None and mapping.delimiter is not None
    raw = table[mapping.column]
    unknown: list[str] = []
    for r, v in enumerate(raw):
        if pd.isna(v) or norm_value(v) in mapping.missing:
            continue
        tokens = [t.strip() for t in str(v).split(mapping.delimiter) if t.strip()]
        unknown += [t for t in tokens if t not in mapping.values]
        chosen = {position[mapping.values[t]] for t in tokens if t in mapping.values}
        out[r] = tuple(sorted(chosen))
    if unknown:
        raise DatasetError(
            f"{where}: column {mapping.column!r} of {dataset!r} holds answers the mapping does "
            f"not cover: {_examples(pd.Series(unknown))}; add them to `values` or `missing`"
        )
    return pd.Series(out, index=table.index, dtype="object")


def map_ranks(
    table: pd.DataFrame, mapping: ColumnMapping, labels: list[str], where: str, source: str,
    ids: pd.Series,
) -> pd.Series:  # fmt: skip
    """For a ranking: each row's rank index (0 = first) per item, in the order of `labels`, or
    NA where every rank column is empty; ranks that are not a permutation of 1..K are an error
    naming the data file (`source`) and the respondent."""
    assert mapping.columns is not None
    absent = [c for c in mapping.columns.values() if c not in table.columns]
    if absent:
        raise DatasetError(f"{where}: {source} has no column(s) {absent}; fix the mapping")
    missing = set(mapping.missing)
    cols = [mapping.columns.get(lab) for lab in labels]
    if None in cols:
        unranked = [lab for lab, c in zip(labels, cols) if c is None]
        raise DatasetError(f"{where}: give a rank column for every item (missing: {unranked})")
    k = len(labels)
    given = table[cols].apply(
        lambda c: c.where(~c.map(norm_value, na_action="ignore").isin(missing))
    )
    ranks = given.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    empty = given.isna().all(axis=1).to_numpy()
    perm = np.sort(ranks, axis=1) == np.arange(1, k + 1)  # NaN (a blank or a word) never equals
    bad = np.flatnonzero(~empty & ~perm.all(axis=1))
    if len(bad):
        r = int(bad[0])
        raise DatasetError(
            f"{where}: {source}, respondent {ids.iloc[r]!r} (data row {r + 1}): ranks "
            f"{dict(zip(labels, given.iloc[r].tolist()))} are not a permutation of 1..{k}"
            f"{f' ({len(bad)} rows like it)' if len(bad) > 1 else ''}; fix the rows, or list "
            "their codes under the mapping's `missing`"
        )
    out: list[tuple[int, ...] | None] = [
        None if empty[r] else tuple(int(x) - 1 for x in ranks[r]) for r in range(len(table))
    ]
    return pd.Series(out, index=table.index, dtype="object")
