"""Features of (participant, statement) pairs for a statement nobody has voted on: the statement
is known only by its all-MiniLM-L6-v2 embedding, the participant by their votes on seen
statements. Everything is computed from the seen votes the featurizer was built on, so the
same code scores a held-out Polis statement and a mediator's new candidate.

Feature names (`FEATURES`, then the text block `text_<j>` and its interactions
`rate*text_<j>`):
- participant_rate: logit of the participant's smoothed agree rate, (agrees+1)/(binary+2);
- participant_pass_rate: passes / all their votes;
- participant_log_votes: log(1 + all their votes);
- own_similar: the participant's own votes (+1/-1) on seen statements, weighted by the
  similarity kernel exp((cos - 1) / tau) to the new statement;
- mean_embedding_cosine: cosine between the new statement and the vote-weighted mean embedding
  of the statements the participant agreed with (+1) and disagreed with (-1);
- group_similar: logit of the participant's opinion group's smoothed agree rate on seen
  statements, kernel-weighted by similarity (everyone's rate for a participant without group);
  the groups are found on the featurizer's own votes (groups.py), so no feature ever rests on
  a vote it is asked to predict;
- all_similar: the same over all participants (the statement's expected popularity);
- text_<j>: the statement embedding's j-th principal component (fit on seen statements' texts).

The classifier adds these to a fixed offset (`VoteFeaturizer.offset`): the logit of a
participant-effect + statement-effect model fitted on the seen votes (logistic matrix
factorisation of rank 0), a new statement's effect predicted from its embedding by ridge
regression on the seen statements' effects.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from sklearn.linear_model import RidgeCV

from chorus.simulator.polis.collaborative import Collaborative
from chorus.simulator.polis.groups import opinion_groups

FEATURES = (
    "participant_rate",
    "participant_pass_rate",
    "participant_log_votes",
    "own_similar",
    "mean_embedding_cosine",
    "group_similar",
    "all_similar",
)

# features that can only raise P(agree) (the classifier's weights on them are kept >= 0)
MONOTONE = frozenset(
    {"participant_rate", "own_similar", "mean_embedding_cosine", "group_similar", "all_similar"}
)


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class Basis(BaseModel):
    """What stays fixed across the cross-fitted featurizers of one training run: the axes of
    the text space (from statement texts only), the kernel width and the seed."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)
    text_mean: np.ndarray  # (dim,)
    text_components: np.ndarray  # (text components, dim)
    text_scale: np.ndarray  # (text components,)
    tau: float
    seed: int

    def text(self, emb: np.ndarray) -> np.ndarray:
        return ((emb - self.text_mean) @ self.text_components.T) / self.text_scale

    def names(self) -> list[str]:
        texts = [f"text_{j}" for j in range(len(self.text_scale))]
        return [*FEATURES, *texts, *(f"rate*{t}" for t in texts)]


class VoteFeaturizer:
    """`votes`: (participants, seen statements) with 1 agree, -1 disagree, 0 pass or not shown;
    `shown`: whether the participant voted there; `emb`: unit embeddings of seen statements."""

    def __init__(self, votes: np.ndarray, shown: np.ndarray, emb: np.ndarray, basis: Basis):
        self.basis = basis
        self.emb = emb
        agree = (votes == 1) & shown
        binary = (votes != 0) & shown
        self.v = np.where(shown, votes, 0).astype(float)
        self.b = binary.astype(float)
        self.rate = (agree.sum(1) + 1.0) / (binary.sum(1) + 2.0)
        n = shown.sum(1)
        self.pass_rate = (shown & (votes == 0)).sum(1) / np.maximum(n, 1)
        self.log_votes = np.log1p(n)
        mean = self.v @ emb
        self.mean = mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-9)
        who, col = np.nonzero(shown)
        long = pd.DataFrame(
            {"participant": who.astype(str), "statement": col, "vote": votes[who, col]}
        )
        found = opinion_groups(long, seed=basis.seed)
        self.groups = np.array([found.get(str(i), -1) for i in range(len(votes))])
        k = max(self.groups.max() + 1, 1)
        self.group_agree = np.stack([agree[self.groups == g].sum(0) for g in range(k)])
        self.group_binary = np.stack([binary[self.groups == g].sum(0) for g in range(k)])
        self.all_agree, self.all_binary = agree.sum(0), binary.sum(0)
        effects = Collaborative(rank=0).fit(long, seed=basis.seed)
        self.base = effects.b
        self.participant_effect = np.zeros(len(votes))  # 0: no agree/disagree vote seen
        self.participant_effect[[int(p) for p in effects.rows]] = effects.bu  # rows' order
        cols = list(effects.cols)  # sorted, the order of effects.bs
        self.emb_mean = emb[cols].mean(0)
        # no intercept: a text like the average seen statement gets the average effect (0)
        self.text_effect = RidgeCV(alphas=np.logspace(-2, 3, 11), fit_intercept=False).fit(
            emb[cols] - self.emb_mean, effects.bs
        )

    def kernel(self, targets: np.ndarray) -> np.ndarray:
        """(seen statements, targets) similarity weights."""
        return np.exp((self.emb @ targets.T - 1.0) / self.basis.tau)

    def pairs(self, who: np.ndarray, target: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Features of participant `who[i]` with target statement `target[i]` (an index into
        the `targets` embeddings, statements not among the seen ones)."""
        k = self.kernel(targets)  # (seen, T)
        own = (self.v[who] * k[:, target].T).sum(1) / ((self.b[who] * k[:, target].T).sum(1) + 1e-3)
        all_rate = (self.all_agree @ k + 1.0) / (self.all_binary @ k + 2.0)
        group_rate = (self.group_agree @ k + 1.0) / (self.group_binary @ k + 2.0)  # (G, T)
        g = self.groups[who]
        similar = np.where(g >= 0, group_rate[np.maximum(g, 0), target], all_rate[target])
        cosine = (self.mean[who] * targets[target]).sum(1)
        text = self.basis.text(targets)[target]
        return np.column_stack(
            [
                logit(self.rate[who]),
                self.pass_rate[who],
                self.log_votes[who],
                own,
                cosine,
                logit(similar),
                logit(all_rate[target]),
                text,
                logit(self.rate[who])[:, None] * text,
            ]
        )

    def offset(self, who: np.ndarray, target: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Logit of P(agree) from participant and statement effects (logistic matrix
        factorisation of rank 0 on the seen votes, so a participant's effect is their
        agreeableness given which statements they saw), the new statement's effect predicted
        from its text by ridge regression on the seen statements' effects."""
        text = self.text_effect.predict(targets - self.emb_mean)
        return self.base + self.participant_effect[who] + text[target]

    def group_similar(self, who: np.ndarray, target: np.ndarray, targets: np.ndarray):
        """The `group_similar` baseline: P(agree) from the group's rate on similar statements."""
        feats = self.pairs(who, target, targets)
        return 1.0 / (1.0 + np.exp(-feats[:, FEATURES.index("group_similar")]))
