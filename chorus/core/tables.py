"""The robust CSV read every part uses: only empty cells are missing, and an empty or unparseable
file raises the caller's error naming the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from chorus.core.errors import InputFileError


def read_csv(
    path: Path,
    *,
    dtype: type | dict[str, type] | None = None,
    empty_is_missing: bool = True,
    error: type[Exception] = InputFileError,
) -> pd.DataFrame:
    """Read `path`; `empty_is_missing=False` keeps empty cells as "" (Polis: no vote)."""
    # Labels such as "None" or "NA" are real answers in surveys: only empty cells are missing.
    na_values = [""] if empty_is_missing else None
    try:
        return pd.read_csv(
            path, dtype=dtype, keep_default_na=False, na_values=na_values, low_memory=False
        )
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except pd.errors.EmptyDataError:
        raise error(f"{path}: the CSV file is empty; give it a header and rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise error(
            f"{path}: not a readable CSV file ({exc}); save it as UTF-8 CSV with a header row"
        ) from exc
