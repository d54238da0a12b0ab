"""Holding out a fifth of each eligible participant's votes, seeded per participant (so one
participant's split never depends on who else is in the data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from chorus.core import derive_seed


class Split(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)
    held_in: pd.DataFrame  # participant, statement, vote
    held_out: pd.DataFrame
    eligible: list[str]  # participants with a held-out part


def holdout_split(
    votes: pd.DataFrame, *, seed: int, min_votes: int = 10, fraction: float = 0.2
) -> Split:
    """Participants with at least `min_votes` votes (agree, disagree or pass) lose
    round(fraction * votes) of them to the held-out part; everyone else is all held in."""
    out_mask = np.zeros(len(votes), dtype=bool)
    eligible = []
    for pid, idx in votes.groupby("participant", sort=True).indices.items():
        if len(idx) < min_votes:
            continue
        k = max(1, round(fraction * len(idx)))
        rng = np.random.default_rng(derive_seed(seed, "polis-split", pid))
        out_mask[rng.choice(idx, size=k, replace=False)] = True
        eligible.append(str(pid))
    return Split(
        held_in=votes[~out_mask].reset_index(drop=True),
        held_out=votes[out_mask].reset_index(drop=True),
        eligible=eligible,
    )
