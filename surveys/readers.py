"""Read a raw respondent table: CSV, or SPSS .sav (Pew ATP) with its value labels applied."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from chorus.surveys.errors import DatasetError

TableFormat = Literal["csv", "sav"]


def read_table(path: Path, fmt: TableFormat) -> pd.DataFrame:
    if not path.is_file():
        raise DatasetError(f"{path}: data file not found; check the descriptor's `file`")
    if fmt == "csv":
        return _read_csv(path)
    return _read_sav(path)


def _read_csv(path: Path) -> pd.DataFrame:
    # Only empty cells are missing: labels such as "None" or "NA" are real answers in surveys.
    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False)
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{path}: the CSV file is empty; give it a header and rows") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DatasetError(
            f"{path}: not a readable CSV file ({exc}); save it as UTF-8 CSV with a header row"
        ) from exc


def _read_sav(path: Path) -> pd.DataFrame:
    """Numeric codes become their value labels (as Pew documents its answers); codes without a
    label stay numbers; SPSS user-missing codes become NA."""
    import pyreadstat

    try:
        table, _meta = pyreadstat.read_sav(str(path), apply_value_formats=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and OSError variants
        raise DatasetError(f"{path}: not a readable SPSS .sav file ({exc})") from exc
    for col in table.columns:
        if isinstance(table[col].dtype, pd.CategoricalDtype):
            table[col] = table[col].astype(object)
    return table
