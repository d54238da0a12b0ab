"""Validation on a real deliberation: digital representatives predict held-out Polis votes,
against baselines computed from held-in votes only, and group-informed consensus from the
predictions is compared with the one from the real held-out votes."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy.stats import spearmanr

from chorus.core import derive_seed
from chorus.engines import Engine
from chorus.simulator.consensus import isoelastic
from chorus.simulator.consensus.representatives import (
    Ask,
    DigitalRepresentative,
    ParticipantProfile,
    Section,
    votes,
)
from chorus.simulator.polis.groups import opinion_groups
from chorus.simulator.polis.loader import Conversation
from chorus.simulator.polis.metrics import Scores, group_rates, score, smoothed_rate, top_k
from chorus.simulator.polis.profiles import O_ITEMS, vote_profile
from chorus.simulator.polis.split import Split, holdout_split


class PolisReport(BaseModel):
    """The figures `chorus consensus eval-polis --json` prints."""

    dr: Scores
    statement_rate: Scores
    group_rate: Scores
    dr_without_o: Scores
    consensus_spearman: float | None
    top5_overlap: int


class PolisEvaluation(BaseModel):
    conversation: str
    report: PolisReport
    participants_eligible: int  # with at least 10 votes
    participants_evaluated: int
    max_participants: int | None
    max_o_items: int
    groups: int  # opinion groups found on held-in votes
    consensus_statements: int
    alpha: float
    seed: int
    engine: dict[str, str]
    seconds: float


def evaluate_polis(
    engine: Engine,
    conv: Conversation,
    *,
    seed: int = 0,
    max_participants: int | None = None,
    max_o_items: int = O_ITEMS,
    alpha: float = 1.0,
) -> PolisEvaluation:
    """Scores every predictor on the evaluated participants' held-out agree/disagree votes
    (a held-out pass has no binary label). Group-informed consensus is computed per statement
    over those same votes, with the groups found on held-in votes."""
    t0 = time.perf_counter()
    split = holdout_split(conv.votes, seed=seed)
    groups = opinion_groups(split.held_in, seed=seed)
    who = _evaluated(split, max_participants, seed)
    test = split.held_out[split.held_out.participant.isin(who) & (split.held_out.vote != 0)]
    test = test.reset_index(drop=True)
    if test.empty:
        raise ValueError(f"{conv.name}: no held-out agree/disagree votes to predict")
    y = (test.vote == 1).to_numpy(dtype=int)

    p_statement, p_group = _baselines(split.held_in, groups, test)
    p_dr, p_plain = representative_predictions(engine, conv, split.held_in, test, max_o_items, seed)

    g = [groups[p] for p in test.participant]
    all_groups = sorted(set(g))
    real = {s: float(np.prod(r)) for s, r in group_rates(test.statement, g, y, all_groups).items()}
    dr_rates = group_rates(test.statement, g, p_dr, all_groups)
    dr_gic = {s: float(np.prod(r)) for s, r in dr_rates.items()}
    dr_welfare = {s: float(isoelastic(r[:, None], alpha)[0]) for s, r in dr_rates.items()}
    stmts = sorted(real)
    rho = spearmanr([real[s] for s in stmts], [dr_gic[s] for s in stmts]).statistic
    report = PolisReport(
        dr=score(p_dr, y),
        statement_rate=score(p_statement, y),
        group_rate=score(p_group, y),
        dr_without_o=score(p_plain, y),
        consensus_spearman=float(rho) if len(stmts) >= 3 and np.isfinite(rho) else None,
        top5_overlap=len(set(top_k(real)) & set(top_k(dr_welfare))),
    )
    return PolisEvaluation(
        conversation=conv.name,
        report=report,
        participants_eligible=len(split.eligible),
        participants_evaluated=len(who),
        max_participants=max_participants,
        max_o_items=max_o_items,
        groups=len(set(groups.values())),
        consensus_statements=len(stmts),
        alpha=alpha,
        seed=seed,
        engine=engine.describe(),
        seconds=round(time.perf_counter() - t0, 1),
    )


def _evaluated(split: Split, cap: int | None, seed: int) -> list[str]:
    who = split.eligible
    if cap is not None and cap < len(who):
        rng = np.random.default_rng(derive_seed(seed, "polis-cap"))
        who = [who[i] for i in np.sort(rng.choice(len(who), size=cap, replace=False))]
    return who


def _baselines(
    held_in: pd.DataFrame, groups: dict[str, int], test: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """P(agree) from the statement's held-in agree rate, overall and within the participant's
    opinion group (smoothed; the overall rate where the participant has no group)."""
    binary = held_in[held_in.vote != 0].assign(agree=lambda d: (d.vote == 1).astype(int))
    binary = binary.assign(group=binary.participant.map(groups))
    overall = binary.groupby("statement").agree.agg(["sum", "count"])
    by_group = (
        binary.dropna(subset=["group"]).groupby(["group", "statement"]).agree.agg(["sum", "count"])
    )

    def rate(table: pd.DataFrame, key) -> float | None:
        if key not in table.index:
            return None
        row = table.loc[key]
        return smoothed_rate(row["sum"], row["count"])

    p_statement, p_group = [], []
    for pid, s in zip(test.participant, test.statement):
        base = rate(overall, s)
        base = 0.5 if base is None else base
        grp = rate(by_group, (groups[pid], s)) if pid in groups else None
        p_statement.append(base)
        p_group.append(base if grp is None else grp)
    return np.array(p_statement), np.array(p_group)


def representative_predictions(
    engine: Engine,
    conv: Conversation,
    held_in: pd.DataFrame,
    test: pd.DataFrame,
    max_o_items: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """P(agree | agree or disagree) from each participant's DR (held-in votes as O), and from a
    DR without O; both in one engine.choice call."""
    mine = {str(p): g for p, g in held_in.groupby("participant", sort=True)}
    reps = {
        pid: DigitalRepresentative(
            profile=vote_profile(pid, mine[pid], conv.statements, max_items=max_o_items, seed=seed)
        )
        for pid in test.participant.unique()
    }
    with_o = [
        Ask(rep=reps[p], question=conv.topic, statement=conv.statements[s])
        for p, s in zip(test.participant, test.statement)
    ]
    # Without O nothing is known about a participant but the conversation, so one anonymous
    # representative stands for all of them and each statement is asked once.
    anyone = DigitalRepresentative(
        profile=ParticipantProfile(participant_id="anyone"), sections=frozenset({Section.BASE})
    )
    without_o = [
        Ask(rep=anyone, question=conv.topic, statement=conv.statements[s]) for s in test.statement
    ]
    probs = votes(engine, with_o + without_o)
    p_agree = probs[:, 0] / np.clip(probs[:, 0] + probs[:, 1], 1e-12, None)
    return p_agree[: len(with_o)], p_agree[len(with_o) :]
