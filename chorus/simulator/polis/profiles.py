"""Polis participants as digital-representative profiles: their votes become the O section
("On the statement '...', this participant voted agree")."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chorus.core import derive_seed
from chorus.simulator.consensus.representatives import OpinionItem, ParticipantProfile
from chorus.simulator.polis.loader import Conversation

VOTE_NAMES = {1: "agree", -1: "disagree", 0: "pass"}
O_ITEMS = 20  # votes shown in the O section by default: ~1,000 prompt tokens


def vote_profile(
    pid: str, votes: pd.DataFrame, statements: dict[int, str], *, max_items: int, seed: int
) -> ParticipantProfile:
    """`votes`: this participant's rows. Beyond `max_items` votes a seeded sample is kept, so
    the prompt stays within the model's context and the run's time."""
    rows = votes
    if len(rows) > max_items:
        rng = np.random.default_rng(derive_seed(seed, "polis-o-items", pid))
        rows = rows.iloc[np.sort(rng.choice(len(rows), size=max_items, replace=False))]
    items = tuple(
        OpinionItem(question=statements[s], vote=VOTE_NAMES[v])
        for s, v in zip(rows.statement, rows.vote)
    )
    return ParticipantProfile(participant_id=pid, opinions=items)


def conversation_panel(
    conv: Conversation,
    size: int | None,
    *,
    seed: int,
    max_items: int = O_ITEMS,
    min_votes: int = 10,
) -> list[ParticipantProfile]:
    """A seeded sample of the conversation's participants with at least `min_votes` votes."""
    by_pid = {str(p): g for p, g in conv.votes.groupby("participant", sort=True)}
    pids = [p for p, g in by_pid.items() if len(g) >= min_votes]
    if size is not None and size < len(pids):
        rng = np.random.default_rng(derive_seed(seed, "polis-panel", conv.name))
        pids = [pids[i] for i in np.sort(rng.choice(len(pids), size=size, replace=False))]
    return [
        vote_profile(p, by_pid[p], conv.statements, max_items=max_items, seed=seed) for p in pids
    ]
