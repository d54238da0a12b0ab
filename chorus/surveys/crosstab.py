"""Aggregate human data: published toplines and crosstabs as option shares per question x subgroup.

The format (docs/formats.md#crosstab-csv) is a long CSV, one row per question x subgroup x option:
`question_id, subgroup, option, share, n`. `subgroup` is empty for the overall row (the topline),
`trait=category` for one trait category, `trait=category & trait=category` for a pair; `option`
is an option label of the instrument's question; `n` is the number of respondents behind the
cell (the same on every row of the cell). Shares of a cell sum to 1 (within `SUM_TOLERANCE`,
for rounded published figures; they are renormalised). Microdata converts to it with
`crosstab_from_dataset` (`chorus data crosstab`).

Only one-answer questions fit a cell whose shares sum to 1: single choice, ordinal, binned,
numeric and open answers (their codebook's themes). Check-all-that-apply selections and rankings
are several answers per person; making, reading or scoring a crosstab of one is an error naming
the question (`several_answers_error`): score those against the microdata instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from chorus.core import read_csv, write_atomic
from chorus.surveys.datasets import HumanDataset
from chorus.surveys.errors import DatasetError
from chorus.surveys.instruments import demographic_traits
from chorus.surveys.persona import Persona
from chorus.surveys.schema import Instrument, Question

COLUMNS = ("question_id", "subgroup", "option", "share", "n")
SUM_TOLERANCE = 0.02  # published percentages are rounded: 0.98..1.02 is accepted and renormalised
# Cells with fewer respondents than this are left out of a crosstab and of training: below ~30
# people a cell's share of a 5-option question moves by more than 0.1 between two samples.
MIN_CELL_N = 30

Subgroup = tuple[tuple[str, str], ...]  # sorted (trait, category) pairs; () = everyone


def several_answers_error(question: Question, where: str) -> DatasetError:
    """The error for a check-all-that-apply or ranking question in a crosstab (`where` says
    where: a file and line, or the command)."""
    what = "selections" if question.spec.independent else "ranks"
    return DatasetError(
        f"{where}: question {question.id!r} is a {question.kind} question: each person gives "
        f"several answers ({what}), and a crosstab cell holds one share per option summing to 1; "
        "leave it out of the crosstab and score it against the microdata (`chorus survey score "
        "RUN --human DATASET`)"
    )


def parse_subgroup(text: str) -> Subgroup:
    """'party=Democrat & race=White' -> (('party', 'Democrat'), ('race', 'White'))."""
    if not text.strip():
        return ()
    pairs = []
    for part in text.split("&"):
        trait, sep, category = part.partition("=")
        if not sep or not trait.strip() or not category.strip():
            raise ValueError(f"subgroup {text!r}: write trait=category, pairs joined with ' & '")
        pairs.append((trait.strip(), category.strip()))
    return tuple(sorted(pairs))


def format_subgroup(subgroup: Subgroup) -> str:
    return " & ".join(f"{t}={c}" for t, c in subgroup)


def subgroup_persona(subgroup: Subgroup) -> Persona:
    """The persona a `subgroup` conditioning steers with: only the cell's trait categories."""
    return Persona(persona_id=format_subgroup(subgroup) or "overall", demographics=dict(subgroup))


@dataclass(frozen=True)
class Cell:
    """One question x subgroup: shares over the question's substantive options, and its n."""

    question_id: str
    subgroup: Subgroup
    shares: np.ndarray
    n: int


@dataclass(frozen=True)
class Crosstab:
    cells: dict[tuple[str, Subgroup], Cell]

    def questions(self) -> list[str]:
        return list(dict.fromkeys(q for q, _ in self.cells))

    def subgroups(self) -> list[Subgroup]:
        return list(dict.fromkeys(s for _, s in self.cells))

    def overall(self, qid: str) -> Cell | None:
        return self.cells.get((qid, ()))

    def to_frame(self, instrument: Instrument) -> pd.DataFrame:
        rows = []
        for cell in self.cells.values():
            q = instrument.question(cell.question_id)
            for opt, share in zip(q.substantive_options, cell.shares):
                rows.append(
                    (cell.question_id, format_subgroup(cell.subgroup), opt.label, share, cell.n)
                )
        return pd.DataFrame(rows, columns=list(COLUMNS))


def write_crosstab(table: Crosstab, instrument: Instrument, path: Path) -> None:
    frame = table.to_frame(instrument)
    write_atomic(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.6g"))


def read_crosstab(path: Path, instrument: Instrument) -> Crosstab:
    """Load and check an aggregate table against `instrument`; errors name `file:line`."""
    frame = read_csv(path, dtype=str, error=DatasetError)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DatasetError(
            f"{path}: missing column(s) {missing}; a crosstab has columns {list(COLUMNS)} "
            "(docs/formats.md#crosstab-csv)"
        )
    known = {q.id: q for q in instrument.scored_questions}
    traits = demographic_traits()
    groups: dict[tuple[str, Subgroup], list[tuple[int, str, float, float]]] = {}
    for i, row in enumerate(frame.to_dict("records")):
        line = f"{path}:{i + 2}"  # the header is line 1
        qid = str(row["question_id"] or "")
        if qid not in known:
            raise DatasetError(
                f"{line}: unknown question {qid!r} for instrument {instrument.name!r} "
                f"(its questions: {sorted(known)[:8]} ...)"
            )
        if not known[qid].spec.single_answer:
            raise several_answers_error(known[qid], line)
        try:
            subgroup = parse_subgroup("" if pd.isna(row["subgroup"]) else str(row["subgroup"]))
        except ValueError as exc:
            raise DatasetError(f"{line}: {exc}") from None
        for trait, category in subgroup:
            if trait not in traits or category not in traits[trait]:
                raise DatasetError(
                    f"{line}: subgroup {trait}={category} is not a canonical trait category "
                    f"(traits: {list(traits)}; see surveys/instruments/demographics.yaml)"
                )
        share, n = _number(row["share"], line, "share"), _number(row["n"], line, "n")
        if not 0.0 <= share <= 1.0:
            raise DatasetError(f"{line}: share {share} is outside [0, 1]")
        if n <= 0 or n != int(n):
            raise DatasetError(f"{line}: n must be a positive whole number of respondents, not {n}")
        groups.setdefault((qid, subgroup), []).append((i + 2, str(row["option"]), share, n))
    cells = {key: _cell(path, known[key[0]], key, rows) for key, rows in groups.items()}
    if not cells:
        raise DatasetError(f"{path}: no rows; a crosstab needs at least the overall rows")
    return Crosstab(cells)


def _number(value: object, line: str, field: str) -> float:
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        raise DatasetError(f"{line}: `{field}` is missing; every row needs a share and its n")
    try:
        out = float(str(value))
    except ValueError:
        raise DatasetError(f"{line}: `{field}` {value!r} is not a number") from None
    if not np.isfinite(out):
        raise DatasetError(f"{line}: `{field}` {value!r} is not a finite number")
    return out


def _cell(path: Path, question, key, rows: list[tuple[int, str, float, float]]) -> Cell:
    qid, subgroup = key
    where = f"{path}:{rows[0][0]}"
    labels = [o.label for o in question.substantive_options]
    shares = np.zeros(len(labels))
    for line, option, share, _ in rows:
        if option not in labels:
            raise DatasetError(
                f"{path}:{line}: option {option!r} is not a substantive option of {qid!r} "
                f"({labels})"
            )
        shares[labels.index(option)] += share
    ns = {n for *_, n in rows}
    if len(ns) > 1:
        raise DatasetError(
            f"{where}: cell {qid} / {format_subgroup(subgroup) or 'overall'} has different n on "
            f"its rows ({sorted(ns)}); n counts the respondents behind the whole cell"
        )
    total = shares.sum()
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise DatasetError(
            f"{where}: the shares of {qid} / {format_subgroup(subgroup) or 'overall'} sum to "
            f"{total:.4f}, not 1 (lines {rows[0][0]}-{rows[-1][0]}); give every option's share"
        )
    return Cell(qid, subgroup, shares / total, int(ns.pop()))


def cells_of(traits: Sequence[str] | None = None, pairs: bool = False) -> list[tuple[str, ...]]:
    """The trait combinations a crosstab breaks down by: each trait, and each pair if asked."""
    names = list(traits) if traits is not None else list(demographic_traits())
    unknown = set(names) - set(demographic_traits())
    if unknown:
        raise DatasetError(f"unknown trait(s) {sorted(unknown)}: use {list(demographic_traits())}")
    combos: list[tuple[str, ...]] = [(t,) for t in names]
    if pairs:
        combos += list(itertools.combinations(names, 2))
    return combos


def crosstab_from_answers(
    people: pd.DataFrame,
    answers: pd.DataFrame,
    instrument: Instrument,
    traits: Sequence[str] | None = None,
    pairs: bool = False,
    min_n: int = MIN_CELL_N,
) -> Crosstab:
    """Weighted option shares per question x subgroup from respondents (`people`: respondent_id,
    weight and the trait columns) and their answers (HumanDataset.answers). Cells with fewer
    than `min_n` respondents who answered are left out; the overall row always stays."""
    members: dict[Subgroup, np.ndarray] = {(): np.arange(len(people))}
    for combo in cells_of(traits, pairs):
        by = people[list(combo)].astype(object)
        for key, idx in by.groupby(list(combo), dropna=True, sort=True).indices.items():
            values = key if isinstance(key, tuple) else (key,)
            members[tuple(sorted(zip(combo, map(str, values))))] = np.asarray(idx)
    weights = answers["weight"].to_numpy(dtype=float)
    cells: dict[tuple[str, Subgroup], Cell] = {}
    for q in instrument.scored_questions:
        if q.id not in answers.columns:
            continue
        if not q.spec.single_answer:
            raise several_answers_error(q, f"instrument {instrument.name!r}")
        pos = answers[q.id]
        ok = pos.notna().to_numpy()
        onehot = np.zeros((len(pos), len(q.substantive_options)))
        onehot[np.flatnonzero(ok), pos[ok].to_numpy(dtype=int)] = 1.0
        for subgroup, idx in members.items():
            idx = idx[ok[idx]]
            n = len(idx)
            if n == 0 or (subgroup and n < min_n):
                continue
            w = weights[idx]
            shares = w @ onehot[idx] / w.sum() if w.sum() > 0 else onehot[idx].mean(0)
            cells[(q.id, subgroup)] = Cell(q.id, subgroup, shares, n)
    if not cells:
        raise DatasetError(
            f"no question of instrument {instrument.name!r} has answers in this data: check the "
            "questions' `sources` mappings"
        )
    return Crosstab(cells)


def crosstab_from_dataset(
    dataset: HumanDataset,
    instrument: Instrument,
    traits: Sequence[str] | None = None,
    pairs: bool = False,
    min_n: int = MIN_CELL_N,
    respondents: pd.DataFrame | None = None,
    questions: Sequence[str] | None = None,
) -> Crosstab:
    """`crosstab_from_answers` over a dataset's respondents (all, or the given rows), for the
    instrument's `questions` (default: all)."""
    if questions is not None:
        instrument = instrument.subset(list(questions))
    people = dataset.respondents() if respondents is None else respondents
    answers = dataset.answers(instrument, people)
    return crosstab_from_answers(people, answers, instrument, traits, pairs, min_n)
