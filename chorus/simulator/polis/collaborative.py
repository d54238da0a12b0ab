"""Logistic matrix factorisation on a vote table: the collaborative baseline for statements that
have votes (rank 3) and, with rank 0, the participant and statement effects the text-aware
model starts from."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit, logit

from chorus.core import derive_seed


class Collaborative:
    """Logistic matrix factorisation, P(agree) = sigmoid(b + b_u + b_s + u.w), fitted by
    L-BFGS with an L2 penalty; only for participants and statements that have votes."""

    def __init__(self, rank: int = 3, l2: float = 1.0) -> None:
        self.rank, self.l2 = rank, l2

    def fit(self, votes: pd.DataFrame, *, seed: int) -> Collaborative:
        binary = votes[votes.vote != 0]
        self.rows = {p: i for i, p in enumerate(sorted(binary.participant.unique()))}
        self.cols = {s: j for j, s in enumerate(sorted(binary.statement.unique()))}
        i = binary.participant.map(self.rows).to_numpy()
        j = binary.statement.map(self.cols).to_numpy()
        y = (binary.vote == 1).to_numpy(dtype=float)
        n_u, n_s, k = len(self.rows), len(self.cols), self.rank
        rng = np.random.default_rng(derive_seed(seed, "collaborative"))
        x0 = np.concatenate([[logit(y.mean())], np.zeros(n_u + n_s),
                             rng.normal(0, 0.1, (n_u + n_s) * k)])  # fmt: skip

        def unpack(x):
            u = x[1 + n_u + n_s :].reshape(n_u + n_s, k)
            return x[0], x[1 : 1 + n_u], x[1 + n_u : 1 + n_u + n_s], u[:n_u], u[n_u:]

        def loss(x):
            b, bu, bs, uu, ww = unpack(x)
            s = b + bu[i] + bs[j] + (uu[i] * ww[j]).sum(1)
            nll = -(y * log_expit(s) + (1 - y) * log_expit(-s)).sum()
            r = expit(s) - y
            g_u, g_w = np.zeros_like(uu), np.zeros_like(ww)
            np.add.at(g_u, i, r[:, None] * ww[j])
            np.add.at(g_w, j, r[:, None] * uu[i])
            grad = np.concatenate([
                [r.sum()], np.bincount(i, r, n_u) + self.l2 * bu,
                np.bincount(j, r, n_s) + self.l2 * bs,
                (np.vstack([g_u, g_w]) + self.l2 * np.vstack([uu, ww])).ravel(),
            ])  # fmt: skip
            pen = self.l2 / 2 * (bu @ bu + bs @ bs + (uu**2).sum() + (ww**2).sum())
            return nll + pen, grad

        res = minimize(loss, x0, jac=True, method="L-BFGS-B", options={"maxiter": 500})
        self.b, self.bu, self.bs, self.u, self.w = unpack(res.x)
        return self

    def predict(self, participants, statements) -> np.ndarray:
        """P(agree); a participant or statement without votes contributes no term."""
        i = np.array([self.rows.get(p, -1) for p in participants])
        j = np.array([self.cols.get(s, -1) for s in statements])
        s = np.full(len(i), self.b)
        s += np.where(i >= 0, self.bu[np.maximum(i, 0)], 0.0)
        s += np.where(j >= 0, self.bs[np.maximum(j, 0)], 0.0)
        both = (i >= 0) & (j >= 0)
        s[both] += (self.u[i[both]] * self.w[j[both]]).sum(1)
        return expit(s)
