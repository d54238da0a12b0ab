"""Human datasets: a descriptor YAML + a raw table -> respondents with canonical demographics,
survey weights, and (through an instrument's mappings) their answers as option positions."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from chorus.core.yamlfile import LineMap, line_of, load_model
from chorus.surveys.errors import DatasetError, SurveyFileError
from chorus.surveys.instruments import demographics_instrument
from chorus.surveys.mapping import map_column, map_selections
from chorus.surveys.readers import LABELLED, TableFormat, read_table
from chorus.surveys.schema import ColumnMapping, Instrument

DATA_DIR = Path(__file__).resolve().parent / "data"
DESCRIPTOR = "dataset.yaml"
RAW_PREFIX = "raw__"  # raw columns whose name clashes with a trait or the id/weight columns


class DatasetDescriptor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    title: str = ""
    file: str  # relative to the descriptor's folder
    format: TableFormat | None = None  # inferred from the file suffix when absent
    id_column: str
    weight_column: str | None = None
    demographics: dict[str, ColumnMapping] = {}
    instruments: list[str] = []  # instruments whose questions carry `sources.<name>` mappings


class HumanDataset:
    """Real respondents described by a DatasetDescriptor."""

    def __init__(self, descriptor: DatasetDescriptor, path: Path, lines: LineMap) -> None:
        self.descriptor = descriptor
        self.path = path
        self._lines = lines

    @property
    def name(self) -> str:
        return self.descriptor.name

    def where(self, *loc: str) -> str:
        return f"{self.path}:{line_of(self._lines, loc)}"

    @cached_property
    def table(self) -> pd.DataFrame:
        """The raw table, validated for ids and weights."""
        d = self.descriptor
        file = (self.path.parent / d.file).resolve()
        fmt = d.format or LABELLED.get(file.suffix.lower(), "csv")
        table = read_table(file, fmt)
        for col, key in ((d.id_column, "id_column"), (d.weight_column, "weight_column")):
            if col is not None and col not in table.columns:
                raise DatasetError(f"{self.where(key)}: {file.name} has no column {col!r}")
        ids = table[d.id_column]
        if ids.isna().any() or ids.duplicated().any():
            dup = ids[ids.duplicated()].head(3).tolist()
            raise DatasetError(
                f"{file}: id column {d.id_column!r} must be unique and complete "
                f"(duplicates such as {dup}, {int(ids.isna().sum())} empty)"
            )
        if d.weight_column is not None:
            w = pd.to_numeric(table[d.weight_column], errors="coerce")
            bad = table.index[w.isna() | (w < 0)]
            if len(bad):
                raise DatasetError(
                    f"{file}: weight column {d.weight_column!r} needs a non-negative number on "
                    f"every row; row(s) {list(bad[:5] + 2)} (file lines) do not have one"
                )
        return table

    @property
    def weights(self) -> np.ndarray:
        d = self.descriptor
        if d.weight_column is None:
            return np.ones(len(self.table))
        return pd.to_numeric(self.table[d.weight_column]).to_numpy(dtype=float)

    @cached_property
    def _respondents(self) -> pd.DataFrame:
        d = self.descriptor
        demo = demographics_instrument()
        out = pd.DataFrame(
            {
                "respondent_id": self.table[d.id_column].map(_id_str).astype("string"),
                "weight": self.weights,
            }
        )
        for q in demo.questions:
            mapping = d.demographics.get(q.id)
            if mapping is None:
                out[q.id] = pd.Series(pd.NA, index=out.index, dtype="string")
                continue
            labels = [o.label for o in q.substantive_options]
            pos = map_column(
                self.table, mapping, labels, q.values, self.where("demographics", q.id), self.name
            )
            cats = np.array(labels, dtype=object)
            col = pd.Series(pd.NA, index=out.index, dtype="string")
            known = pos.notna().to_numpy()
            col[known] = cats[pos[known].to_numpy(dtype=int)]
            out[q.id] = col
        taken = set(out.columns)
        raw = self.table.rename(columns=lambda c: f"{RAW_PREFIX}{c}" if c in taken else c)
        return pd.concat([out, raw], axis=1)

    def respondents(
        self, n: int | None = None, seed: int = 0, weighted: bool = True
    ) -> pd.DataFrame:
        """respondent_id, weight, one canonical-category column per trait (NA where missing),
        then the raw columns (a raw column whose name clashes is prefixed `raw__`).

        n=None returns everyone with their survey weights. With n, draws n distinct respondents
        with `seed`: weighted=True draws with probability proportional to the survey weight, so
        the sample is self-weighting and `weight` is 1.0 (the survey weight stays in the raw
        column); weighted=False draws uniformly and keeps the survey weights in `weight`.
        """
        base = self._respondents
        if n is None:
            return base.copy()
        if not 1 <= n <= len(base):
            raise DatasetError(
                f"dataset {self.name!r} has {len(base)} respondents; cannot draw n={n}"
            )
        rng = np.random.default_rng(seed)
        w = base["weight"].to_numpy(dtype=float)
        p = w / w.sum() if weighted else None
        idx = rng.choice(len(base), size=n, replace=False, p=p)
        out = base.iloc[idx].reset_index(drop=True)
        if weighted:
            out["weight"] = 1.0
        return out

    def answers(
        self, instrument: Instrument, respondents: pd.DataFrame | None = None
    ) -> pd.DataFrame:
        """respondent_id, weight, and per question mapped for this dataset the position (0..K-1)
        of the respondent's option among the question's substantive options (NA = no answer)."""
        rows = self._respondents if respondents is None else respondents
        table = self.table.set_index(self.table[self.descriptor.id_column].map(_id_str))
        table = table.loc[rows["respondent_id"].astype(str).tolist()].reset_index(drop=True)
        out = pd.DataFrame(
            {"respondent_id": rows["respondent_id"].to_numpy(), "weight": rows["weight"].to_numpy()}
        )
        for q in instrument.scored_questions:
            mapping = q.sources.get(self.name)
            if mapping is None:
                continue
            labels = [o.label for o in q.substantive_options]
            where = instrument.where_question(q.id, "sources", self.name)
            if q.spec.independent:  # check all that apply: a tuple of selected positions
                out[q.id] = map_selections(table, mapping, labels, where, self.name).array
            else:
                out[q.id] = map_column(table, mapping, labels, q.values, where, self.name).array
        return out


def _id_str(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shipped_datasets() -> list[str]:
    return sorted(p.parent.name for p in DATA_DIR.glob(f"*/{DESCRIPTOR}"))


def load_dataset(name_or_path: str | Path) -> HumanDataset:
    """A vendored dataset name (e.g. `anes2012`) or the path of a descriptor YAML."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = DATA_DIR / str(name_or_path) / DESCRIPTOR
        if not path.is_file():
            raise SurveyFileError(
                f"unknown dataset {str(name_or_path)!r}: give a descriptor .yaml path or one of "
                f"{shipped_datasets()}"
            )
    elif not path.is_file():
        raise SurveyFileError(f"{path}: no such dataset descriptor")
    descriptor, lines = load_model(path, DatasetDescriptor, error=SurveyFileError)
    _check_demographics(descriptor, path, lines)
    return HumanDataset(descriptor, path, lines)


def _check_demographics(d: DatasetDescriptor, path: Path, lines: LineMap) -> None:
    demo = demographics_instrument()
    traits = {q.id: q for q in demo.questions}
    for trait, mapping in d.demographics.items():
        if trait not in traits:
            raise SurveyFileError(
                f"{path}:{line_of(lines, ('demographics', trait))}: unknown trait {trait!r} "
                f"(traits: {list(traits)})"
            )
        labels = {o.label for o in traits[trait].options}
        for raw, target in (mapping.values or {}).items():
            if target not in labels:
                at = line_of(lines, ("demographics", trait, "values", raw))
                raise SurveyFileError(
                    f"{path}:{at}: demographics.{trait}: {raw!r} maps to {target!r}, which is not "
                    f"a category of {trait!r} ({sorted(labels)})"
                )
