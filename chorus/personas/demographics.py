"""The demographic survey of a pool: every persona answers the canonical demographic instrument
(age, gender, race, education, income, religion, region, party, ideology) with its backstory in
context, as full distributions from engine.choice (via surveys' answering, debiased for option
order). The "not mentioned / prefer not to say" mass is stored apart and the rest renormalised.
Profiling appends in chunks, so an interrupted run resumes with the unprofiled rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from chorus.engines import Engine
from chorus.personas.errors import PoolError
from chorus.personas.pool import read_pool
from chorus.personas.schema import PoolManifest, ProfileInfo
from chorus.personas.store import demo_fields, pool_lock, write_pool
from chorus.surveys import Persona, answer, demographic_traits, demographics_instrument


def split_not_mentioned(
    probs: Sequence[float], has_not_mentioned: bool
) -> tuple[list[float], float]:
    """(renormalised category probabilities, not-mentioned mass) from a full distribution whose
    last option is "not mentioned" (when `has_not_mentioned`)."""
    p = np.asarray(probs, dtype=float)
    nm = float(p[-1]) if has_not_mentioned else 0.0
    cats = p[:-1] if has_not_mentioned else p
    total = cats.sum()
    cats = cats / total if total > 0 else np.full(len(cats), 1.0 / len(cats))
    return [float(x) for x in cats], nm


def survey_demographics(
    engine: Engine,
    people: Sequence[tuple[str, str]],
    debias: str = "reverse",
    batch_personas: int = 16,
) -> dict[str, dict[str, tuple[list[float], float]]]:
    """persona_id -> trait -> (category probabilities, not-mentioned mass), for (id, backstory)."""
    instrument = demographics_instrument()
    answers = answer(
        engine,
        [Persona(persona_id=pid, backstory=text) for pid, text in people],
        instrument,
        conditioning="backstory",
        debias=debias,
        batch_personas=batch_personas,
    )
    out: dict[str, dict[str, tuple[list[float], float]]] = {pid: {} for pid, _ in people}
    for pid, qid, probs in answers[["persona_id", "question_id", "probs"]].itertuples(
        index=False, name=None
    ):
        q = instrument.question(qid)
        out[pid][qid] = split_not_mentioned(probs, q.not_mentioned_option is not None)
    return out


def profile_pool(
    folder: Path,
    engine: Engine,
    *,
    debias: str = "reverse",
    chunk: int | None = None,
    progress: bool = False,
) -> PoolManifest:
    """Add demo__<trait> / demo_nm__<trait> to every row that lacks them, `chunk` rows per
    append (default 32 per engine replica; answering splits each chunk into the same units of
    16 personas whatever the chunk, so results do not depend on it)."""
    chunk = chunk or 32 * engine.replicas
    info = ProfileInfo(
        engine=engine.describe(), instrument=demographics_instrument().source, debias=debias
    )
    traits = demographic_traits()
    with pool_lock(folder):
        pool = read_pool(folder, repair=True)
        table, manifest = pool.table, pool.manifest
        same = manifest.profile is None or (
            manifest.profile.engine.get("fingerprint") == info.engine.get("fingerprint")
            and manifest.profile.debias == debias
        )
        if not same:
            raise PoolError(
                f"{folder} was profiled with {manifest.profile.engine} (debias "  # type: ignore[union-attr]
                f"{manifest.profile.debias}); profile it with the same model and --debias"  # type: ignore[union-attr]
            )
        if "demo__age" not in table.column_names:
            for field in demo_fields():
                table = table.append_column(field, pa.nulls(len(table), field.type))
        if manifest.demographics is not None and manifest.demographics != traits:
            raise PoolError(
                f"{folder} was profiled with other demographic categories; "
                "profile into a fresh pool"
            )
        columns = {
            name: table.column(name).to_pylist()
            for name in table.column_names
            if name.startswith("demo")
        }
        todo = [i for i, v in enumerate(columns["demo__age"]) if v is None]
        ids, texts = table.column("persona_id").to_pylist(), table.column("backstory").to_pylist()
        bar = tqdm(total=len(todo), desc="demographic survey", disable=not progress)
        for start in range(0, len(todo), chunk):
            rows = todo[start : start + chunk]
            got = survey_demographics(engine, [(ids[i], texts[i]) for i in rows], debias=debias)
            for i in rows:
                for trait, (probs, nm) in got[ids[i]].items():
                    columns[f"demo__{trait}"][i] = probs
                    columns[f"demo_nm__{trait}"][i] = nm
            for name, values in columns.items():
                field = table.schema.field(name)
                table = table.set_column(
                    table.column_names.index(name), field, pa.array(values, field.type)
                )
            manifest.counts.profiled = sum(v is not None for v in columns["demo__age"])
            manifest.demographics = traits
            manifest.profile = info
            write_pool(folder, table, manifest)
            bar.update(len(rows))
        bar.close()
    return manifest


def marginals(table: pd.DataFrame, demographics: dict[str, list[str]]) -> pd.DataFrame:
    """Mean category shares and mean not-mentioned mass of the profiled rows, one row per
    (trait, category)."""
    rows = []
    for trait, cats in demographics.items():
        col = table[f"demo__{trait}"].dropna()
        if col.empty:
            continue
        mean = np.mean(np.stack(list(col)), axis=0)
        nm = float(table[f"demo_nm__{trait}"].dropna().mean())
        rows += [
            {"trait": trait, "category": c, "share": float(m), "not_mentioned": nm}
            for c, m in zip(cats, mean)
        ]
    return pd.DataFrame(rows, columns=["trait", "category", "share", "not_mentioned"])
