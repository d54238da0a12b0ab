"""What the surveys part needs to know about a persona: an id, demographics, and a backstory."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from surveys.errors import DatasetError
from surveys.instruments import demographic_traits


class Persona(BaseModel):
    model_config = ConfigDict(frozen=True)
    persona_id: str
    demographics: dict[str, str | None] = {}  # trait -> canonical category (None = unknown)
    backstory: str = ""  # free-text context for the `backstory` conditioning style


def personas_from_respondents(respondents: pd.DataFrame) -> list[Persona]:
    """One persona per respondent (from `HumanDataset.respondents`), with their demographics."""
    traits = list(demographic_traits())
    out = []
    for row in respondents.itertuples(index=False):
        record = row._asdict()
        demo = {t: (None if pd.isna(record[t]) else str(record[t])) for t in traits}
        out.append(Persona(persona_id=str(record["respondent_id"]), demographics=demo))
    return out


def personas_from_pool(folder: Path) -> list[Persona]:
    """Read a persona pool folder (personas.parquet, see docs/formats.md). A trait's category is
    the most probable one when the pool is profiled and the not-mentioned mass is below 0.5."""
    path = folder / "personas.parquet"
    if not path.is_file():
        raise DatasetError(f"{folder}: not a persona pool (no personas.parquet)")
    table = pd.read_parquet(path)
    for col in ("persona_id", "backstory"):
        if col not in table.columns:
            raise DatasetError(f"{path}: missing column {col!r}; see docs/formats.md")
    traits = demographic_traits()
    out = []
    for i, row in enumerate(table.to_dict("records")):
        demo: dict[str, str | None] = {}
        for trait, cats in traits.items():
            probs, nm = row.get(f"demo__{trait}"), row.get(f"demo_nm__{trait}")
            if probs is None or nm is None or len(probs) == 0:
                continue
            if len(probs) != len(cats):
                raise DatasetError(
                    f"{path}: row {i} ({row['persona_id']}): demo__{trait} has {len(probs)} "
                    f"probabilities for {len(cats)} categories {cats}; re-profile the pool"
                )
            demo[trait] = None if float(nm) >= 0.5 else cats[int(np.argmax(probs))]
        out.append(
            Persona(
                persona_id=str(row["persona_id"]), demographics=demo, backstory=row["backstory"]
            )
        )
    return out
