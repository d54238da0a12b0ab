"""Growing a persona pool: batched backstory generation, near-duplicate removal, atomic appends.

Slot i of a pool is always generated from the same seeds, and a batch is appended (rows and
counts together) only once it is complete. A killed run therefore resumes at the first
unprocessed slot, and the engine cache replays whatever the killed batch had already computed.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from tqdm.auto import tqdm

from chorus.backstories import (
    Backstory,
    BackstoryConfig,
    SentenceEmbedder,
    diversity_stats,
    generate_backstories,
    near_duplicates,
    prompts_hash,
)
from chorus.engines import Engine
from chorus.personas.errors import PoolError
from chorus.personas.pool import is_pool, read_pool
from chorus.personas.schema import GenerationSettings, PoolManifest, versions
from chorus.personas.store import demo_fields, pool_lock, pool_schema, write_pool

MAX_SLOTS_PER_PERSONA = 5  # give up when fewer than 1 in 5 slots survives the critic


def persona_id(style: str, seed: int, slot: int) -> str:
    return f"{style}-{seed}-{slot:06d}"


def _row(b: Backstory, seed: int, profiled: bool) -> dict[str, Any]:
    verdicts = {
        "slot": b.slot,
        "logprob": b.logprob,
        "num_tokens": b.num_tokens,
        "turns": [v.model_dump() for v in b.verdicts],
        "rejections": [r.model_dump() for r in b.rejections],
    }
    row = {
        "persona_id": persona_id(b.style, seed, b.slot),
        "style": b.style,
        "backstory": b.context,
        "turns": [] if b.style == "anthology" else [t.model_dump() for t in b.turns],
        "verdicts": json.dumps(verdicts, sort_keys=True),
    }
    if profiled:  # demographics come later, from `profile`
        row.update({f.name: None for f in demo_fields()})
    return row


def _answers(backstory: str, turns: list[dict]) -> list[str]:
    """A row's own words: its interview answers, or the anthology backstory."""
    return [t["answer"] for t in turns] if turns else [backstory]


def _settings_mismatch(have: GenerationSettings, want: GenerationSettings) -> str:
    a, b = have.model_dump(), want.model_dump()
    diffs = [f"{k}: pool has {a[k]!r}, asked {b[k]!r}" for k in a if a[k] != b[k]]
    return "; ".join(diffs)


def _open(
    folder: Path, settings: GenerationSettings, engine: Engine, embedder: SentenceEmbedder
) -> _Pool:
    if is_pool(folder):
        pool = read_pool(folder, repair=True)
        table, manifest = pool.table, pool.manifest
        if manifest.settings() != settings:
            raise PoolError(
                f"{folder} was generated with other settings "
                f"({_settings_mismatch(manifest.settings(), settings)}). "
                "Resume with the same settings, or write to a new --out folder."
            )
    else:
        table = pool_schema(False).empty_table()
        manifest = PoolManifest(
            **settings.model_dump(),
            model=engine.model_id,
            engine=engine.describe(),
            embedder=embedder.name,
            versions=versions(),
        )
    words = [
        _answers(b, t)
        for b, t in zip(table.column("backstory").to_pylist(), table.column("turns").to_pylist())
    ]
    return _Pool(table, manifest, words, embedder.embed_documents(words))


@dataclass
class _Pool:
    """The pool being grown: rows, manifest, and each row's own words and embedding."""

    table: pa.Table
    manifest: PoolManifest
    words: list[list[str]]
    vectors: np.ndarray

    def next_slots(self, n: int, batch_size: int, max_slots: int) -> range:
        """The next batch: enough slots for the personas still needed at the acceptance rate so
        far (never more than batch_size). Depends only on the manifest, so a resumed run asks
        for the very same batch."""
        c = self.manifest.counts
        rate = max(0.25, c.accepted / c.attempted) if c.attempted else 1.0
        size = min(
            batch_size, math.ceil((n - c.accepted) / rate), max_slots - self.manifest.next_slot
        )
        return range(self.manifest.next_slot, self.manifest.next_slot + size)

    def take(
        self,
        results: list[Backstory],
        n: int,
        seed: int,
        embedder: SentenceEmbedder,
        threshold: float,
    ) -> int:
        """Count the batch's slots in order and keep the accepted non-duplicates, up to n rows."""
        ok = [r for r in results if r.accepted]
        fresh = embedder.embed_documents([r.answers for r in ok])
        where = {r.slot: i for i, r in enumerate(ok)}
        dup = near_duplicates(fresh, self.vectors, threshold)
        profiled = "demo__age" in self.table.column_names
        rows: list[dict[str, Any]] = []
        vecs = []
        for r in results:
            if self.manifest.counts.accepted + len(rows) >= n:
                break
            duplicate = r.accepted and dup[where[r.slot]] is not None
            _count(self.manifest, r, duplicate)
            if r.accepted and not duplicate:
                rows.append(_row(r, seed, profiled))
                vecs.append(fresh[where[r.slot]])
            self.manifest.next_slot = r.slot + 1
        self.manifest.counts.accepted += len(rows)
        self.table = pa.concat_tables(
            [self.table, pa.Table.from_pylist(rows, schema=self.table.schema)]
        )
        self.words += [_answers(row["backstory"], row["turns"]) for row in rows]
        if vecs:
            self.vectors = np.concatenate([self.vectors, np.stack(vecs)])
        self.manifest.diversity = diversity_stats([" ".join(w) for w in self.words], self.vectors)
        return len(rows)


def generate_pool(
    folder: Path,
    n: int,
    engine: Engine,
    config: BackstoryConfig,
    *,
    seed: int = 0,
    batch_size: int = 16,
    dedup_threshold: float = 0.95,
    embedder: SentenceEmbedder | None = None,
    max_slots: int | None = None,
    unit_slots: int | None = None,
    progress: bool = False,
) -> PoolManifest:
    """Grow the pool at `folder` to `n` personas (creating it, or resuming/extending it).
    Gives up once `max_slots` slots (default 5 per persona) yield fewer than `n` personas.
    Each batch is generated in units of `unit_slots` slots (default: the whole batch), spread
    over the engine's replicas; a slot's result depends on its unit's size (batched numerics),
    never on how many replicas run the units."""
    if n < 1:
        raise PoolError(f"--n must be at least 1 (got {n})")
    max_slots = max_slots or MAX_SLOTS_PER_PERSONA * n
    embedder = embedder or SentenceEmbedder()
    settings = GenerationSettings(
        style=config.style,
        seed=seed,
        batch_size=batch_size,
        dedup_threshold=dedup_threshold,
        backstory=config,
        fingerprint=engine.fingerprint,
        prompts_hash=prompts_hash(),
    )
    with pool_lock(folder):
        pool = _open(folder, settings, engine, embedder)
        m = pool.manifest
        m.counts.requested = n
        bar = tqdm(
            total=n,
            initial=min(len(pool.words), n),
            desc=f"{config.style} personas",
            disable=not progress,
        )
        while m.counts.accepted < n:
            if m.next_slot >= max_slots:
                raise PoolError(
                    f"{folder}: only {m.counts.accepted} of {n} personas survived the critic and "
                    f"near-duplicate removal in {m.next_slot} slots (rejected answers: "
                    f"{m.rejections.answers}; dropped personas: {m.rejections.personas_dropped}). "
                    "Raise --resample-budget or --max-tokens, lower --min-words, "
                    "or use a stronger --model."
                )
            slots = pool.next_slots(n, batch_size, max_slots)
            step = unit_slots or batch_size
            units = [(slots[i : i + step], config, seed) for i in range(0, len(slots), step)]
            results = [b for part in engine.map(_generate_unit, units) for b in part]
            added = pool.take(results, n, seed, embedder, dedup_threshold)
            write_pool(folder, pool.table, m)
            bar.update(added)
        bar.close()
    return m


def _generate_unit(
    engine: Engine, unit: tuple[range, BackstoryConfig, int]
) -> list[Backstory]:
    slots, config, seed = unit
    return generate_backstories(engine, slots, config, seed=seed)


def _count(manifest: PoolManifest, r: Backstory, duplicate: bool) -> None:
    """Add one processed slot to the counts and rejection stats."""
    manifest.counts.attempted += 1
    answers = Counter(manifest.rejections.answers)
    for rej in r.rejections:
        answers.update(rej.kinds)
    manifest.rejections.answers = dict(sorted(answers.items()))
    dropped = Counter(manifest.rejections.personas_dropped)
    if r.dropped is not None:
        manifest.counts.dropped += 1
        dropped.update(r.dropped)
    elif duplicate:
        manifest.counts.near_duplicates += 1
        dropped.update(["near_duplicate"])
    manifest.rejections.personas_dropped = dict(sorted(dropped.items()))
