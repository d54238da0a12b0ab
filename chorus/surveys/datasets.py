"""Human datasets: a descriptor YAML + a raw table -> respondents with canonical demographics,
survey weights, and (through an instrument's mappings) their answers as option positions."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from chorus.core.yamlfile import LineMap, line_of, load_model
from chorus.surveys.errors import DatasetError, SurveyFileError
from chorus.surveys.free_text import map_texts
from chorus.surveys.instruments import demographics_instrument
from chorus.surveys.mapping import map_column, map_ranks, map_selections
from chorus.surveys.readers import LABELLED, TableFormat, read_table
from chorus.surveys.schema import ColumnMapping, Instrument, norm_value

DATA_DIR = Path(__file__).resolve().parent / "data"
DESCRIPTOR = "dataset.yaml"
RAW_PREFIX = "raw__"  # raw columns whose name clashes with a trait or the id/weight columns


SUBSET_SEP = ":"  # `gss2006panel:2008` = the descriptor's subset `2008`
RowFilter = dict[str, list[str]]  # column -> the raw values whose rows are kept


def _norm_rows(v: object) -> object:
    if isinstance(v, dict):
        return {
            k: [norm_value(x) for x in (xs if isinstance(xs, list) else [xs])]
            for k, xs in v.items()
        }
    return v


class RowSubset(BaseModel):
    """Another selection of the same table's rows (e.g. one wave of a panel), with its weight."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str = ""
    rows: RowFilter
    weight_column: str | None = None

    _rows = field_validator("rows", mode="before")(_norm_rows)


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
    rows: RowFilter = {}  # keep only these rows (a long table: one row per person-wave)
    subsets: dict[str, RowSubset] = {}  # `name:key` reads subset `key` instead of `rows`

    _rows = field_validator("rows", mode="before")(_norm_rows)


class HumanDataset:
    """Real respondents described by a DatasetDescriptor."""

    def __init__(
        self, descriptor: DatasetDescriptor, path: Path, lines: LineMap, subset: str | None = None
    ) -> None:
        self.descriptor = descriptor
        self.path = path
        self._lines = lines
        self.subset = subset

    @property
    def name(self) -> str:
        """The descriptor's name, with `:subset` when a subset is selected."""
        d = self.descriptor
        return d.name if self.subset is None else f"{d.name}{SUBSET_SEP}{self.subset}"

    @property
    def source_key(self) -> str:
        """The key of this dataset's mappings in instruments' `sources` (shared by subsets)."""
        return self.descriptor.name

    @property
    def weight_column(self) -> str | None:
        d = self.descriptor
        return d.weight_column if self.subset is None else d.subsets[self.subset].weight_column

    def _weight_key(self) -> tuple[str, ...]:
        return ("weight_column",) if self.subset is None else ("subsets", self.subset)

    def where(self, *loc: str) -> str:
        return f"{self.path}:{line_of(self._lines, loc)}"

    @cached_property
    def table(self) -> pd.DataFrame:
        """The raw table, validated for ids and weights."""
        d = self.descriptor
        file = (self.path.parent / d.file).resolve()
        fmt = d.format or LABELLED.get(file.suffix.lower(), "csv")
        table = self._select_rows(read_table(file, fmt, text_columns=[d.id_column]), file)
        for col, key in ((d.id_column, ("id_column",)), (self.weight_column, self._weight_key())):
            if col is not None and col not in table.columns:
                raise DatasetError(f"{self.where(*key)}: {file.name} has no column {col!r}")
        ids = table[d.id_column]
        if ids.isna().any() or ids.duplicated().any():
            dup = ids[ids.duplicated()].head(3).tolist()
            raise DatasetError(
                f"{file}: id column {d.id_column!r} must be unique and complete "
                f"(duplicates such as {dup}, {int(ids.isna().sum())} empty)"
            )
        weight = self.weight_column
        if weight is not None:
            w = pd.to_numeric(table[weight], errors="coerce")
            bad = table.index[w.isna() | (w < 0)]
            if len(bad):
                raise DatasetError(
                    f"{file}: weight column {weight!r} needs a non-negative number on every kept "
                    f"row; file line(s) {table.loc[bad[:5], '__line'].tolist()} do not have one"
                )
        return table.drop(columns="__line")

    def _select_rows(self, table: pd.DataFrame, file: Path) -> pd.DataFrame:
        """The rows the descriptor (or the selected subset) keeps; `__line` = their file line."""
        d = self.descriptor
        rows, loc = (
            (d.rows, ("rows",))
            if self.subset is None
            else (d.subsets[self.subset].rows, ("subsets", self.subset, "rows"))
        )
        table = table.assign(__line=np.arange(len(table)) + 2)
        keep = np.ones(len(table), dtype=bool)
        for col, wanted in rows.items():
            if col not in table.columns:
                raise DatasetError(f"{self.where(*loc, col)}: {file.name} has no column {col!r}")
            raw = table[col].map(lambda v: pd.NA if pd.isna(v) else norm_value(v))
            absent = [v for v in wanted if not raw.eq(v).any()]
            if absent:
                raise DatasetError(
                    f"{self.where(*loc, col)}: no row of {file.name} has {col} = {absent} "
                    f"(its values: {sorted(raw.dropna().unique())[:8]})"
                )
            keep &= raw.isin(wanted).to_numpy(dtype=bool)
        return table[keep].reset_index(drop=True)

    @property
    def weights(self) -> np.ndarray:
        if self.weight_column is None:
            return np.ones(len(self.table))
        return pd.to_numeric(self.table[self.weight_column]).to_numpy(dtype=float)

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
        ids = self.table[self.descriptor.id_column].map(_id_str)
        # the whole column is mapped (and checked: a mapping's values must occur in the data),
        # then the respondents' rows are taken, so a subset without a rare answer still maps
        wanted = rows["respondent_id"].astype(str)
        at = pd.Index(ids).get_indexer(pd.Index(wanted))
        if (at < 0).any():
            raise DatasetError(
                f"{self.name}: respondents {wanted[at < 0].head(5).tolist()} are not in its "
                "file; pass rows of this dataset's respondents()"
            )
        out = pd.DataFrame(
            {"respondent_id": rows["respondent_id"].to_numpy(), "weight": rows["weight"].to_numpy()}
        )
        for q in instrument.scored_questions:
            mapping = q.sources.get(self.source_key)
            if mapping is None:
                continue
            labels = [o.label for o in q.substantive_options]
            where = instrument.where_question(q.id, "sources", self.source_key)
            if q.spec.independent:  # check all that apply: a tuple of selected positions
                mapped = map_selections(self.table, mapping, labels, where, self.name)
            elif q.spec.ranked:  # one rank column per item: a tuple of rank indices
                data = (self.path.parent / self.descriptor.file).name
                mapped = map_ranks(self.table, mapping, labels, where, data, ids)
            elif q.spec.coded:  # open answers: the theme the coder gives each text
                assert q.codebook is not None  # coded questions have one (schema)
                mapped = map_texts(
                    self.table, mapping.column, mapping.missing, q.codebook, where, self.name
                )
            else:
                mapped = map_column(self.table, mapping, labels, q.values, where, self.name)
            out[q.id] = mapped.array.take(at)
        return out


def _id_str(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def shipped_datasets() -> list[str]:
    return sorted(p.parent.name for p in DATA_DIR.glob(f"*/{DESCRIPTOR}"))


def load_dataset(name_or_path: str | Path) -> HumanDataset:
    """A vendored dataset name (e.g. `anes2012`) or the path of a descriptor YAML; a
    `:subset` suffix (`gss2006panel:2008`) selects one of the descriptor's `subsets`."""
    spec, _, subset = str(name_or_path).partition(SUBSET_SEP)
    path = Path(spec)
    if path.suffix not in (".yaml", ".yml"):
        path = DATA_DIR / spec / DESCRIPTOR
        if not path.is_file():
            raise SurveyFileError(
                f"unknown dataset {spec!r}: give a descriptor .yaml path or one of "
                f"{shipped_datasets()}"
            )
    elif not path.is_file():
        raise SurveyFileError(f"{path}: no such dataset descriptor")
    descriptor, lines = load_model(path, DatasetDescriptor, error=SurveyFileError)
    _check_demographics(descriptor, path, lines)
    if subset and subset not in descriptor.subsets:
        raise SurveyFileError(
            f"{path}: dataset {descriptor.name!r} has no subset {subset!r} "
            f"(subsets: {sorted(descriptor.subsets) or 'none'})"
        )
    return HumanDataset(descriptor, path, lines, subset or None)


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
