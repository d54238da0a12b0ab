"""Read a raw respondent table: CSV, or SPSS .sav (Pew ATP) / Stata .dta with their value
labels applied."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import pandas as pd

from chorus.core.tables import read_csv
from chorus.surveys.errors import DatasetError

TableFormat = Literal["csv", "sav", "dta"]
LABELLED: dict[str, TableFormat] = {".sav": "sav", ".dta": "dta"}  # file suffix -> labelled format


def read_table(path: Path, fmt: TableFormat, text_columns: Sequence[str] = ()) -> pd.DataFrame:
    """`text_columns` of a CSV stay text (a zero-padded id such as "0009" keeps its zeros)."""
    if not path.is_file():
        raise DatasetError(f"{path}: data file not found; check the descriptor's `file`")
    if fmt == "csv":
        return read_csv(path, dtype={c: str for c in text_columns}, error=DatasetError)
    return _read_labelled(path, fmt)


def _read_labelled(path: Path, fmt: TableFormat) -> pd.DataFrame:
    """Numeric codes become their value labels (as Pew and GSS document their answers); codes
    without a label stay numbers; SPSS user-missing and Stata extended-missing codes become NA."""
    import pyreadstat

    reader, what = (
        (pyreadstat.read_sav, "SPSS .sav") if fmt == "sav" else (pyreadstat.read_dta, "Stata .dta")
    )
    try:
        table, _meta = reader(str(path), apply_value_formats=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and OSError variants
        raise DatasetError(f"{path}: not a readable {what} file ({exc})") from exc
    for col in table.columns:
        if isinstance(table[col].dtype, pd.CategoricalDtype):
            table[col] = table[col].astype(object)
    return table
