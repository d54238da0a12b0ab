"""Reward models trained on a vote table: a text-aware model that scores statements nobody has
voted on (features.py + logistic regression, its logit tempered for the new statement's unknown
effect), and a collaborative baseline (logistic matrix factorisation) for statements that do
have votes.

Training is cross-fitted: the seen statements are cut into folds and the pairs of one fold get
their features from the votes on the other folds only, so the classifier learns from the same
situation it is used in (a statement whose votes it has never seen)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from scipy.stats import binom
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from chorus.core import derive_seed, write_atomic
from chorus.simulator.polis.features import MONOTONE, Basis, VoteFeaturizer

MODEL_FILE = "model.npz"
MODEL_CARD = "model.json"


class TextRewardSettings(BaseModel):
    min_votes: int = 5  # votes (pass included) a participant needs to be represented
    text_components: int = 16  # principal components of the statement embeddings
    tau: float = 0.1  # similarity kernel exp((cos - 1) / tau)
    folds: int = 5  # cross-fitting folds over seen statements
    c_grid: tuple[float, ...] = (0.003, 0.03, 0.3)  # inverse L2 strengths tried
    max_pairs: int = 60_000  # training pairs kept (a seeded sample beyond that)


def likert(p_agree: np.ndarray) -> np.ndarray:
    """P(agree) -> distribution over the 7 Likert points: point - 1 ~ Binomial(6, p), so the
    expected agreement is 1 + 6p (4, neutral, at p = .5) and the mass moves to the agreeing end
    as p grows. (..., ) -> (..., 7)."""
    p = np.asarray(p_agree, dtype=float)[..., None]
    return binom.pmf(np.arange(7), 6, p)


def vote_matrix(votes: pd.DataFrame, participants: list[str], statements: list[int]):
    """Long votes -> (votes, shown) matrices over the given participants and statements."""
    row = {p: i for i, p in enumerate(participants)}
    col = {s: j for j, s in enumerate(statements)}
    keep = votes[votes.participant.isin(row) & votes.statement.isin(col)]
    i, j = keep.participant.map(row).to_numpy(), keep.statement.map(col).to_numpy()
    v = np.zeros((len(participants), len(statements)), dtype=np.int8)
    shown = np.zeros_like(v, dtype=bool)
    v[i, j], shown[i, j] = keep.vote.to_numpy(), True
    return v, shown


class TextReward:
    """P(agree) of known participants with any statement, from its embedding."""

    def __init__(self, participants, statements, votes, shown, emb, basis, clf, settings):
        self.participants: list[str] = participants
        self.statements: list[int] = statements
        self.votes, self.shown, self.emb = votes, shown, emb
        self.basis: Basis = basis
        self.clf: dict[str, np.ndarray] = clf  # mu, sd, coef, intercept, temper
        self.settings: TextRewardSettings = settings
        self._feat = VoteFeaturizer(votes, shown, emb, basis)
        self.index = {p: i for i, p in enumerate(participants)}

    @classmethod
    def fit(
        cls,
        votes: pd.DataFrame,
        embeddings: dict[int, np.ndarray],
        *,
        seed: int,
        settings: TextRewardSettings | None = None,
    ) -> TextReward:
        """`votes`: long (participant, statement, vote) on the seen statements."""
        st = settings or TextRewardSettings()
        counts = votes.groupby("participant").size()
        participants = sorted(str(p) for p in counts[counts >= st.min_votes].index)
        statements = sorted(int(s) for s in votes.statement.unique())
        v, shown = vote_matrix(votes, participants, statements)
        emb = np.stack([embeddings[s] for s in statements])
        basis = _basis(emb, st, seed)
        x, offset, y, fold, stmt, keep = _cross_fitted(v, shown, emb, basis, st, seed)
        inner = {  # the pairs' features again with each fold's votes hidden: nested choices
            g: _cross_fitted(v, shown, emb, basis, st, seed, hidden=g, keep=keep)[:2]
            for g in np.unique(fold).tolist()
        }
        clf = _classifier(x, offset, y, fold, stmt, basis.names(), st, inner)
        return cls(participants, statements, v, shown, emb, basis, clf, st)

    def features(self, who: np.ndarray, target: np.ndarray, targets: np.ndarray) -> np.ndarray:
        return self._feat.pairs(who, target, targets)

    def predict(self, who: np.ndarray, target: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Calibrated P(agree) of participant index who[i] with targets[target[i]]."""
        z = (self.features(who, target, targets) - self.clf["mu"]) / self.clf["sd"]
        offset = self._feat.offset(who, target, targets)
        raw = z @ self.clf["coef"] + self.clf["intercept"][0] + offset
        return expit(self.clf["temper"][0] * raw)

    def participant_rate(self, who: np.ndarray) -> np.ndarray:
        """The `participant_rate` baseline: the smoothed agree rate on seen statements."""
        return self._feat.rate[who]

    def group_similar(self, who: np.ndarray, target: np.ndarray, targets: np.ndarray):
        return self._feat.group_similar(who, target, targets)

    def grid(self, participant_ids: list[str], targets: np.ndarray) -> np.ndarray:
        """(participants, statements) P(agree) for known participant ids."""
        who = np.repeat([self.index[p] for p in participant_ids], len(targets))
        target = np.tile(np.arange(len(targets)), len(participant_ids))
        return self.predict(who, target, targets).reshape(len(participant_ids), len(targets))

    def save(self, folder: Path) -> None:
        b = self.basis
        arrays = {
            "votes": self.votes, "shown": self.shown, "emb": self.emb, "text_mean": b.text_mean,
            "text_components": b.text_components, "text_scale": b.text_scale, **self.clf,
        }  # fmt: skip

        def write(path: Path) -> None:
            with path.open("wb") as f:
                np.savez_compressed(f, **arrays)

        write_atomic(folder / MODEL_FILE, write)
        card = {
            "participants": self.participants,
            "statements": self.statements,
            "tau": b.tau,
            "seed": b.seed,
            "settings": self.settings.model_dump(mode="json"),
            "features": b.names(),
        }
        text = json.dumps(card)
        write_atomic(folder / MODEL_CARD, lambda p: p.write_text(text))

    @classmethod
    def load(cls, folder: Path) -> TextReward:
        card = json.loads((folder / MODEL_CARD).read_text())
        with np.load(folder / MODEL_FILE, allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        basis = Basis(
            text_mean=a["text_mean"], text_components=a["text_components"],
            text_scale=a["text_scale"], tau=card["tau"], seed=card["seed"],
        )  # fmt: skip
        clf = {k: a[k] for k in ("mu", "sd", "coef", "intercept", "temper")}
        settings = TextRewardSettings.model_validate(card["settings"])
        return cls(
            card["participants"], card["statements"], a["votes"], a["shown"], a["emb"], basis,
            clf, settings,
        )  # fmt: skip


def _basis(emb: np.ndarray, st: TextRewardSettings, seed: int) -> Basis:
    pca = PCA(n_components=min(st.text_components, len(emb) - 1), random_state=seed).fit(emb)
    scale = pca.transform(emb).std(0)
    return Basis(
        text_mean=pca.mean_, text_components=pca.components_,
        text_scale=np.maximum(scale, 1e-9), tau=st.tau, seed=seed,
    )  # fmt: skip


def _cross_fitted(
    v,
    shown,
    emb,
    basis: Basis,
    st: TextRewardSettings,
    seed: int,
    hidden: int | None = None,
    keep: np.ndarray | None = None,
):
    """Features of every binary vote, each from the votes on the other statement folds (and
    not on fold `hidden` either, for the nested choice of C and the temper); the pairs kept
    beyond max_pairs are a seeded sample (`keep`, reused by the nested calls)."""
    rng = np.random.default_rng(derive_seed(seed, "reward-folds"))
    fold_of = rng.permutation(len(emb)) % st.folds
    xs, offsets, ys, folds, stmts = [], [], [], [], []
    for f in range(st.folds):
        cols = np.flatnonzero(fold_of == f)
        if len(cols) == 0:
            continue
        seen = (fold_of != f) & (fold_of != hidden)
        feat = VoteFeaturizer(v, shown & seen[None, :], emb, basis)
        who, j = np.nonzero(shown[:, cols] & (v[:, cols] != 0))
        xs.append(feat.pairs(who, j, emb[cols]))
        offsets.append(feat.offset(who, j, emb[cols]))
        ys.append(v[who, cols[j]] == 1)
        folds.append(np.full(len(who), f))
        stmts.append(cols[j])
    x, offset, y = np.vstack(xs), np.concatenate(offsets), np.concatenate(ys).astype(int)
    fold, stmt = np.concatenate(folds), np.concatenate(stmts)
    if keep is None:
        keep = np.arange(len(y))
        if len(y) > st.max_pairs:
            keep = np.sort(rng.choice(len(y), size=st.max_pairs, replace=False))
    return x[keep], offset[keep], y[keep], fold[keep], stmt[keep], keep


def _classifier(
    x, offset, y, fold, stmt, names: list[str], st: TextRewardSettings, inner: dict | None = None
) -> dict[str, np.ndarray]:
    """L2 logistic regression on top of the participant-and-statement offset
    (VoteFeaturizer.offset), with a fixed effect per training statement, whose
    agreement-signal features (MONOTONE) may only raise P(agree). Cross-fitting leaves a
    statement out of the pool it is compared with, which makes pool averages (and a fold's base
    rate) anti-correlated with it in sample, the leave-one-out bias, although they are not on
    new statements: the statement effects absorb each training statement's popularity, so the
    weights learn who agrees more than others with what, and a new statement gets the
    intercept plus the offset's text-predicted effect. The L2 strength is chosen by the mean
    AUC within statement folds, nested: while fold g validates, the training pairs' features
    come from `inner[g]` (built without fold g's votes), so no vote of the validation fold
    shapes what the model learns from.

    Calibration: a new statement's own effect, beyond what the model predicts, is unknown, so
    P(agree) is the logistic averaged over it, normal with the variance of the statements'
    out-of-fold residual effects (fitted on the chosen model's out-of-fold scores): by the
    probit approximation, the logit times 1 / sqrt(1 + pi var / 8). Out of fold, because in
    sample the text components can stand in for a training statement's popularity. It has no
    slope fitted to ranking, unlike Platt scaling on the same scores, whose slope varies from
    0.3 to 0.7 between models trained on overlapping statements of one conversation of a few
    dozen, which then disagree on the scale of their pooled predictions."""
    mu, sd = x.mean(0), x.std(0)
    # constant in training (everyone voted on every statement: their vote count) is left
    # unscaled, as StandardScaler does, or a new statement's tiny difference would blow it up
    sd[sd < 1e-6] = 1.0
    z = (x - mu) / sd
    lower = np.array([0.0 if n in MONOTONE else -np.inf for n in names])
    n_splits = min(st.folds, len(set(fold.tolist())))
    best = None
    for c in st.c_grid:
        raw = np.zeros(len(y))
        for tr, te in GroupKFold(n_splits=n_splits).split(z, y, fold):
            z_tr, off_tr = z[tr], offset[tr]
            if inner is not None and len(set(fold[te].tolist())) == 1:
                x_in, off_in = inner[int(fold[te][0])]
                z_tr, off_tr = (x_in[tr] - mu) / sd, off_in[tr]
            coef, icpt, _ = fit_logistic(z_tr, y[tr], c, lower, stmt[tr], off_tr)
            raw[te] = z[te] @ coef + icpt + offset[te]
        auc = _within(y, raw, fold)
        if best is None or auc > best[0]:
            best = (auc, c, raw)
    _, c, raw = best
    _, _, residual = fit_logistic(np.zeros((len(y), 0)), y, 1.0, np.zeros(0), stmt, raw)
    temper = 1.0 / np.sqrt(1.0 + np.pi * residual.var() / 8.0)
    coef, icpt, _ = fit_logistic(z, y, c, lower, stmt, offset)
    return {
        "mu": mu, "sd": sd, "coef": coef, "intercept": np.array([icpt]),
        "temper": np.array([temper]), "c": np.array([c]),
    }  # fmt: skip


def _within(y: np.ndarray, score: np.ndarray, fold: np.ndarray) -> float:
    """Mean AUC within the folds (ranking inside a fold, free of the folds' base rates)."""
    aucs = [
        roc_auc_score(y[fold == f], score[fold == f])
        for f in np.unique(fold)
        if len(set(y[fold == f].tolist())) == 2
    ]
    return float(np.mean(aucs)) if aucs else 0.5


def fit_logistic(
    z,
    y,
    c: float,
    lower: np.ndarray,
    effects: np.ndarray | None = None,
    offset: np.ndarray | None = None,
):
    """Logistic regression, penalty |w|^2 / (2c) as in sklearn, with lower bounds on the
    weights (L-BFGS-B), plus optional fixed effects (`effects`: an index per row, penalised
    |a|^2 / 2 so that unseen levels sit at the intercept) and an optional fixed `offset` per row
    added to the logit. -> (weights, intercept, effects)."""
    n = z.shape[1]
    idx = (
        np.zeros(len(y), dtype=int)
        if effects is None
        else np.unique(effects, return_inverse=True)[1]
    )
    m = int(idx.max()) + 1 if effects is not None else 0

    def loss(p):
        w, b, a = p[:n], p[n], p[n + 1 :]
        s = z @ w + b + (a[idx] if m else 0.0) + (0.0 if offset is None else offset)
        r = expit(s) - y
        nll = -(y * log_expit(s) + (1 - y) * log_expit(-s)).sum()
        grad = [z.T @ r + w / c, [r.sum()]]
        if m:
            grad.append(np.bincount(idx, r, m) + a)
        return nll + w @ w / (2 * c) + a @ a / 2, np.concatenate(grad)

    bounds = [(lo if np.isfinite(lo) else None, None) for lo in lower] + [(None, None)] * (1 + m)
    res = minimize(loss, np.zeros(n + 1 + m), jac=True, method="L-BFGS-B", bounds=bounds)
    return res.x[:n], float(res.x[n]), res.x[n + 1 :]
