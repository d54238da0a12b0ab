"""What the surveys part needs to know about a persona: an id, demographics, and a backstory."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from chorus.surveys.datasets import HumanDataset, load_dataset
from chorus.surveys.errors import DatasetError
from chorus.surveys.instruments import TRAITS, demographic_traits
from chorus.surveys.schema import Instrument


class KnownAnswer(BaseModel):
    """A real respondent's own answer to one question (the `answers` conditioning style)."""

    model_config = ConfigDict(frozen=True)
    question_id: str
    question: str
    answer: str  # the option's text


class Persona(BaseModel):
    model_config = ConfigDict(frozen=True)
    persona_id: str
    demographics: dict[str, str | None] = {}  # trait -> canonical category (None = unknown)
    backstory: str = ""  # free-text context for the `backstory` conditioning style
    answers: tuple[KnownAnswer, ...] = ()  # own answers, for the `answers` conditioning style


def personas_from_respondents(respondents: pd.DataFrame) -> list[Persona]:
    """One persona per respondent (from `HumanDataset.respondents`), with their demographics."""
    traits = list(demographic_traits())
    out = []
    for pid, *values in respondents[["respondent_id", *traits]].itertuples(index=False, name=None):
        demo = {t: (None if pd.isna(v) else str(v)) for t, v in zip(traits, values)}
        out.append(Persona(persona_id=str(pid), demographics=demo))
    return out


def with_answers(
    personas: Sequence[Persona],
    dataset: HumanDataset,
    instrument: Instrument,
    items: Sequence[str] | None = None,
) -> list[Persona]:
    """Respondents' personas (ids = respondent ids of `dataset`) carrying their own answers to
    `items` (default: every question of `instrument` the dataset answers), in instrument order;
    an unanswered question is simply absent."""
    known = [q.id for q in instrument.scored_questions if dataset.source_key in q.sources]
    for i, qid in enumerate(items or ()):
        if qid not in known:
            raise DatasetError(
                f"answer items[{i}]: {qid!r} is not a question of instrument "
                f"{instrument.name!r} that dataset {dataset.name!r} answers; use any of "
                + ", ".join(known)
            )
    wanted = [instrument.question(qid) for qid in (items or known)]
    # mapped over everyone (a mapping checks its values against the whole column), then picked
    table = dataset.answers(instrument.subset([q.id for q in wanted]))
    table = table.set_index(table["respondent_id"].astype(str))
    ids = [p.persona_id for p in personas]
    unknown = [i for i in ids if i not in table.index]
    if unknown:
        raise DatasetError(
            f"personas {unknown[:5]} are not respondents of dataset {dataset.name!r}: answer-based "
            "personas are real respondents (their ids)"
        )
    out = []
    for persona, row in zip(personas, table.loc[ids].to_dict("records")):
        answers = tuple(
            KnownAnswer(
                question_id=q.id, question=q.text, answer=q.substantive_options[int(row[q.id])].text
            )
            for q in wanted
            if not pd.isna(row[q.id])
        )
        out.append(persona.model_copy(update={"answers": answers}))
    return out


def demographic_panel(
    dataset: str | Path | HumanDataset, n: int | None, seed: int = 0, weighted: bool = True
) -> list[Persona]:
    """`n` respondents (None: all) of a human dataset (a name, a descriptor YAML or a loaded
    one), drawn with their survey weights, as personas that carry their own demographics."""
    ds = dataset if isinstance(dataset, HumanDataset) else load_dataset(dataset)
    return personas_from_respondents(ds.respondents(n, seed=seed, weighted=weighted))


def trait_table(personas: Sequence[Persona]) -> pd.DataFrame:
    """persona_id plus one column per trait: the personas' side of the metrics (group
    membership), written as persona_traits.parquet next to the answers."""
    return pd.DataFrame(
        [
            {"persona_id": p.persona_id, **{t: p.demographics.get(t) for t in TRAITS}}
            for p in personas
        ]
    )


def pool_category(
    probs: Sequence[float], not_mentioned: float | None, categories: Sequence[str]
) -> str | None:
    """The one rule for a profiled persona's category on a trait: the most probable category,
    unless its backstory leaves the trait unsaid (not-mentioned mass >= 0.5)."""
    if not_mentioned is not None and float(not_mentioned) >= 0.5:
        return None
    return categories[int(np.argmax(probs))]


def personas_from_pool(folder: Path) -> list[Persona]:
    """The people of any personas.parquet file (see docs/formats.md), checked no further than
    `personas_from_table` needs; a chorus pool's reader is personas.read_pool."""
    path = folder / "personas.parquet"
    if not path.is_file():
        raise DatasetError(
            f"{folder}: not a persona pool (no personas.parquet); create one with "
            "`chorus personas generate --out DIR`"
        )
    try:
        table = pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise DatasetError(
            f"{path}: unreadable Parquet file ({exc}); regenerate the pool"
        ) from None
    return personas_from_table(table, path)


def personas_from_table(table: pd.DataFrame, path: Path) -> list[Persona]:
    """The rows of a pool's personas.parquet (`path`, for messages) as people: profiled traits
    get their category by `pool_category`. Every reader of a pool as people goes through here."""
    for col in ("persona_id", "backstory"):
        if col not in table.columns:
            raise DatasetError(f"{path}: missing column {col!r}; see docs/formats.md")
    traits = demographic_traits()
    out = []
    for i, row in enumerate(table.to_dict("records")):
        demo: dict[str, str | None] = {}
        for trait, cats in traits.items():
            probs, nm = row.get(f"demo__{trait}"), row.get(f"demo_nm__{trait}")
            if probs is None or len(probs) == 0:
                continue
            if len(probs) != len(cats):
                raise DatasetError(
                    f"{path}: row {i} ({row['persona_id']}): demo__{trait} has {len(probs)} "
                    f"probabilities for {len(cats)} categories {cats}; re-profile the pool"
                )
            demo[trait] = pool_category(probs, nm, cats)
        out.append(
            Persona(
                persona_id=str(row["persona_id"]), demographics=demo, backstory=row["backstory"]
            )
        )
    return out
