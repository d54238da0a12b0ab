"""How well reward models predict real votes on statements they never saw voted on.

Split by statements: the conversation's statements are cut into `folds` seeded folds; each fold's
statements are held out in turn (their votes unseen), the text-aware model is trained on the
votes on the other statements and predicts every held-out agree/disagree vote of the
participants it represents; predictions are pooled over the folds. Baselines for unseen
statements on the same votes: `participant_rate` (the participant's smoothed agree rate) and
`group_similar` (the opinion group's rate on similar seen statements); `dr` (the digital
representative through engine.choice) on a seeded sample of those votes, since it costs one
forward pass per vote. Split by votes: `collaborative` (logistic matrix factorisation) on a
fifth of each participant's votes held out (holdout_split), statements seen.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy.stats import spearmanr
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

from chorus.core import derive_seed
from chorus.engines import Engine
from chorus.simulator.polis.collaborative import Collaborative
from chorus.simulator.polis.evaluate import representative_predictions
from chorus.simulator.polis.groups import opinion_groups
from chorus.simulator.polis.loader import Conversation
from chorus.simulator.polis.metrics import group_rates, score
from chorus.simulator.polis.profiles import O_ITEMS
from chorus.simulator.polis.reward_model import TextReward, TextRewardSettings
from chorus.simulator.polis.split import holdout_split

DR_VOTES = 120  # held-out votes the digital representative predicts per conversation


class RewardScores(BaseModel):
    auc: float | None  # over all held-out votes pooled
    auc_per_fold: float | None = None  # mean over the statement folds (split by statements)
    log_loss: float
    brier: float
    accuracy: float
    n_votes: int


class RewardRows(BaseModel):
    """The table `chorus bench reward` prints per conversation (and metrics.json's `rows`)."""

    trained: RewardScores
    collaborative: RewardScores
    participant_rate: RewardScores
    group_similar: RewardScores
    dr: RewardScores | None  # None when no engine was given
    consensus_spearman_trained: float | None


class RewardEvaluation(BaseModel):
    conversation: str
    rows: RewardRows
    trained_on_dr_sample: RewardScores | None  # the trained model on the votes `dr` predicted
    reliability: list[dict[str, float]]  # trained: mean predicted vs observed, quantile bins
    statements: int
    folds: int
    participants: int  # represented (at least min_votes votes in training)
    dr_votes: int
    seed: int
    seconds: float
    warnings: list[str] = []  # where the trained model's held-out figures lose to a baseline


def reward_warnings(rows: RewardRows) -> list[str]:
    """Plain-words warnings where the trained model's held-out figures do not beat the
    participant's own agree rate: its ranking (AUC) or its probabilities (log-loss)."""
    t, r = rows.trained, rows.participant_rate
    out = []
    if t.auc is not None and r.auc is not None and t.auc <= r.auc:
        out.append(
            f"the trained model ranks held-out statements' votes no better than each "
            f"participant's own agree rate (AUC {t.auc:.3f} vs {r.auc:.3f})"
        )
    if t.log_loss > r.log_loss:
        out.append(
            f"the trained model's probabilities on held-out statements are worse calibrated "
            f"than each participant's own agree rate (log-loss {t.log_loss:.3f} vs "
            f"{r.log_loss:.3f}): use its scores to rank candidates, not as probabilities"
        )
    return out


def reward_scores(
    p_agree: np.ndarray, agreed: np.ndarray, fold: np.ndarray | None = None
) -> RewardScores:
    s = score(p_agree, agreed)
    brier = float(brier_score_loss(agreed, np.clip(p_agree, 0, 1)))
    per_fold = None
    if fold is not None:
        aucs = [score(p_agree[fold == f], agreed[fold == f]).auc for f in np.unique(fold)]
        per_fold = float(np.mean([a for a in aucs if a is not None]))
    return RewardScores(
        auc=s.auc, auc_per_fold=per_fold, log_loss=s.log_loss, brier=brier,
        accuracy=s.accuracy, n_votes=s.n,
    )  # fmt: skip


def statement_folds(statements: list[int], folds: int, seed: int) -> dict[int, int]:
    rng = np.random.default_rng(derive_seed(seed, "reward-statement-folds"))
    order = rng.permutation(len(statements))
    return {statements[i]: int(k % folds) for k, i in enumerate(order)}


def evaluate_reward(
    conv: Conversation,
    embeddings: dict[int, np.ndarray],
    *,
    seed: int = 0,
    folds: int = 5,
    engine: Engine | None = None,
    dr_votes: int = DR_VOTES,
    settings: TextRewardSettings | None = None,
) -> RewardEvaluation:
    t0 = time.perf_counter()
    st = settings or TextRewardSettings()
    statements = sorted(int(s) for s in conv.votes.statement.unique())
    if len(statements) < 2 * folds:
        raise ValueError(
            f"{conv.name}: {len(statements)} statements with votes; the statement split needs "
            f"at least {2 * folds}"
        )
    fold_of = statement_folds(statements, folds, seed)
    held_fold = conv.votes.statement.map(fold_of)
    parts, trains = [], {}
    for f in range(folds):
        train = conv.votes[held_fold != f]
        model = TextReward.fit(train, embeddings, seed=seed, settings=st)
        test = conv.votes[(held_fold == f) & (conv.votes.vote != 0)]
        test = test[test.participant.isin(model.index)].reset_index(drop=True)
        ids = sorted(test.statement.unique())
        targets = np.stack([embeddings[s] for s in ids])
        who = test.participant.map(model.index).to_numpy()
        target = test.statement.map({s: k for k, s in enumerate(ids)}).to_numpy()
        parts.append(
            test.assign(
                fold=f,
                y=(test.vote == 1).astype(int),
                trained=model.predict(who, target, targets),
                participant_rate=model.participant_rate(who),
                group_similar=model.group_similar(who, target, targets),
            )
        )
        trains[f] = train
    pooled = pd.concat(parts, ignore_index=True)
    y, fold = pooled.y.to_numpy(), pooled.fold.to_numpy()

    dr, on_sample, n_dr = None, None, 0
    if engine is not None and dr_votes > 0:
        dr, on_sample, n_dr = _dr(engine, conv, pooled, trains, dr_votes, seed)

    prob_true, prob_pred = calibration_curve(y, pooled.trained, n_bins=10, strategy="quantile")
    rows = RewardRows(
        trained=reward_scores(pooled.trained.to_numpy(), y, fold),
        collaborative=_collaborative(conv, seed),
        participant_rate=reward_scores(pooled.participant_rate.to_numpy(), y, fold),
        group_similar=reward_scores(pooled.group_similar.to_numpy(), y, fold),
        dr=dr,
        consensus_spearman_trained=_consensus_spearman(pooled, trains, seed),
    )
    return RewardEvaluation(
        conversation=conv.name,
        rows=rows,
        trained_on_dr_sample=on_sample,
        reliability=[
            {"predicted": round(float(p), 4), "observed": round(float(o), 4)}
            for p, o in zip(prob_pred, prob_true)
        ],
        statements=len(statements),
        folds=folds,
        participants=int(pooled.participant.nunique()),
        dr_votes=n_dr,
        seed=seed,
        seconds=round(time.perf_counter() - t0, 1),
        warnings=reward_warnings(rows),
    )


def _dr(engine, conv, pooled: pd.DataFrame, trains: dict, n: int, seed: int):
    """The digital representative (held-in votes on the fold's training statements as its O
    section) on a seeded sample of the pooled held-out votes."""
    rng = np.random.default_rng(derive_seed(seed, "reward-dr-sample"))
    pick = np.sort(rng.choice(len(pooled), size=min(n, len(pooled)), replace=False))
    sample = pooled.iloc[pick]
    p_dr = np.zeros(len(sample))
    for f, rows in sample.groupby("fold"):
        test = rows[["participant", "statement", "vote"]].reset_index(drop=True)
        held_in = trains[f][trains[f].participant.isin(set(test.participant))]
        p, _ = representative_predictions(engine, conv, held_in, test, O_ITEMS, seed)
        p_dr[np.flatnonzero(sample.fold.to_numpy() == f)] = p
    y = sample.y.to_numpy()
    return reward_scores(p_dr, y), reward_scores(sample.trained.to_numpy(), y), len(sample)


def _collaborative(conv: Conversation, seed: int) -> RewardScores:
    split = holdout_split(conv.votes, seed=seed)
    model = Collaborative().fit(split.held_in, seed=seed)
    test = split.held_out[
        (split.held_out.vote != 0)
        & split.held_out.statement.isin(model.cols)
        & split.held_out.participant.isin(model.rows)
    ]
    p = model.predict(test.participant.tolist(), test.statement.tolist())
    return reward_scores(p, (test.vote == 1).to_numpy(dtype=int))


def _consensus_spearman(
    pooled: pd.DataFrame, trains: dict[int, pd.DataFrame], seed: int
) -> float | None:
    """Spearman between the real group-informed consensus of each held-out statement (product
    over opinion groups of the smoothed agree rate) and the one from the trained predictions.
    Each fold's groups come from its held-in votes only (as evaluate.py groups them): the
    held-out statements' votes must not shape the partition they are then scored within."""
    real: dict[int, np.ndarray] = {}
    pred: dict[int, np.ndarray] = {}
    for f, train in trains.items():
        groups = opinion_groups(train, seed=seed)
        rows = pooled[(pooled.fold == f) & pooled.participant.isin(groups)]
        g = [groups[p] for p in rows.participant]
        every = sorted(set(groups.values()))
        real |= group_rates(rows.statement, g, rows.y, every)
        pred |= group_rates(rows.statement, g, rows.trained, every)
    stmts = sorted(real)
    if len(stmts) < 3:
        return None
    rho = spearmanr([np.prod(real[s]) for s in stmts], [np.prod(pred[s]) for s in stmts])
    return float(rho.statistic) if np.isfinite(rho.statistic) else None
