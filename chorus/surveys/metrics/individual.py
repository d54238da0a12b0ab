"""Individual-level fidelity of a matched panel: does a persona predict *its own* respondent's
answers better than demographics alone do?

For each persona standing in for a real respondent (persona id `respondent_id~persona_id` for
matched backstory stand-ins, or the respondent id itself for demographic personas) and each item
the respondent answered: the probability the persona puts on the respondent's option (expected
accuracy) and whether its likeliest option is it (top-1), against three baselines on the same
respondents and items:
- a demographics-only model: per item, a multinomial logistic regression on the nine traits
  (one-hot, unknown as its own category), fitted on the dataset's other respondents with their
  survey weights (out of sample for every panel member);
- the majority answer of the respondent's demographic cell (party x race x age group) among the
  other respondents, backing off to party alone, then to everyone, below MIN_CELL people;
- a random other persona of the panel (exactly: the mean over all the others that answered
  the item).
And the persona-respondent correlation over items (the digital-twin study's r): per person,
Pearson r between the persona's expected answer and the respondent's answer, both as z-scores of
the item's human distribution, over the ordered items and the two-option nominal ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import OneHotEncoder

from chorus.surveys.instruments import TRAITS
from chorus.surveys.metrics.responses import ResponseSet
from chorus.surveys.schema import Question

CELL = ("party", "race", "age")
MIN_CELL = 20


@dataclass(frozen=True)
class PersonScores:
    """Per matched person (arrays of length n_people), each a mean over that person's items."""

    respondent_ids: np.ndarray
    # items the respondent answered and the persona was asked (a conditional item counts with
    # the persona's probability of being asked it)
    items: np.ndarray
    persona: np.ndarray  # probability on the respondent's option
    persona_top1: np.ndarray
    demographic: np.ndarray
    demographic_top1: np.ndarray
    cell_top1: np.ndarray  # a majority answer is a point prediction: its accuracy is its hit
    random_persona: np.ndarray
    random_persona_top1: np.ndarray
    r: np.ndarray  # persona-respondent correlation over items (NaN where undefined)


def respondent_of(persona_ids: np.ndarray, human_ids: np.ndarray) -> np.ndarray | None:
    """Index into the human sample of each persona's respondent, or None when the personas do
    not stand for respondents of this dataset (e.g. an unmatched pool)."""
    where = {str(h): i for i, h in enumerate(human_ids)}
    idx = [where.get(str(p).split("~", 1)[0]) for p in persona_ids]
    return None if any(i is None for i in idx) else np.array(idx, dtype=int)


def trait_features(traits: dict[str, np.ndarray], n: int) -> np.ndarray:
    """n x 9 strings: each person's traits as categories ("?" where unknown), for a one-hot
    regression (`demographic_probs`)."""
    cols = [traits.get(t, np.full(n, None, dtype=object)) for t in TRAITS]
    return np.array([[("?" if c is None else str(c)) for c in row] for row in zip(*cols)])


def demographic_probs(
    x_train: np.ndarray, y: np.ndarray, w: np.ndarray, x_test: np.ndarray, k: int
) -> np.ndarray:
    """The demographics-only model: a weighted multinomial logistic regression on one-hot
    categorical features (`x_train` rows, answers `y` as option positions < k), predicting
    len(x_test) x k probabilities (0 for an option nobody in training gave)."""
    enc = OneHotEncoder(handle_unknown="ignore").fit(x_train)
    # tol 1e-3: 4x fewer iterations than the default, log-likelihood equal to 1e-4 on ANES items
    model = LogisticRegression(max_iter=500, tol=1e-3)
    model.fit(enc.transform(x_train), y, sample_weight=w)
    out = np.zeros((len(x_test), k))
    out[:, model.classes_.astype(int)] = model.predict_proba(enc.transform(x_test))
    return out


def _cell_majority(
    cells: np.ndarray, train: np.ndarray, y: np.ndarray, w: np.ndarray, test: np.ndarray, k: int
) -> np.ndarray:
    """Each test person's cell majority (weighted), backing off to coarser cells; `cells` holds
    every respondent's CELL traits as integer codes."""
    out = np.zeros(len(test), dtype=int)
    known = cells[train]
    for j, i in enumerate(test):
        for depth in (len(CELL), 1, 0):
            same = (known[:, :depth] == cells[i, :depth]).all(axis=1)
            if same.sum() >= MIN_CELL or depth == 0:
                out[j] = int(np.argmax(np.bincount(y[same], weights=w[same], minlength=k)))
                break
    return out


def zscores(
    rows: np.ndarray, human_rows: np.ndarray, w: np.ndarray, values: np.ndarray
) -> np.ndarray:
    """Each distribution row's expected value (`values` per option) as a z-score of the item
    among the respondents (`human_rows`, weights `w`); NaN where the item has no spread."""
    known = ~np.isnan(human_rows).any(axis=1)
    x = human_rows[known] @ values
    mean = np.average(x, weights=w[known])
    sd = np.sqrt(np.average((x - mean) ** 2, weights=w[known]))
    return (rows @ values - mean) / sd if sd > 0 else np.full(len(rows), np.nan)


def person_scores(
    sim: ResponseSet, human: ResponseSet, questions: list[Question]
) -> PersonScores | None:
    """Scores per matched person, or None when the personas are not matched to respondents of
    `human` or fewer than two of them are."""
    idx = respondent_of(sim.ids, human.ids)
    if idx is None or sim.n < 2:
        return None
    others = np.setdiff1d(np.arange(human.n), idx)
    x_all = trait_features(human.traits, human.n)
    # each CELL trait as integer codes: comparing codes is far cheaper than strings
    cells = np.column_stack(
        [np.unique(x_all[:, TRAITS.index(t)], return_inverse=True)[1] for t in CELL]
    )
    n = sim.n
    sums = {k: np.zeros(n) for k in ("p", "p1", "d", "d1", "c1", "r", "r1")}
    items = np.zeros(n)
    z_sim, z_hum, z_w = [], [], []
    for q in questions:
        p_rows, h_all = sim.self_rows(q.id), human.self_rows(q.id)
        if p_rows is None or h_all is None:
            continue
        k = p_rows.shape[1]
        h_rows = h_all[idx]
        ok = ~np.isnan(h_rows).any(axis=1) & ~np.isnan(p_rows).any(axis=1)
        train = others[~np.isnan(h_all[others]).any(axis=1)]
        if not ok.any() or len(np.unique(np.argmax(h_all[train], axis=1))) < 2:
            continue
        y = np.argmax(h_rows, axis=1)
        y_train = np.argmax(h_all[train], axis=1)
        w_train = human.weights[train]
        demo = demographic_probs(x_all[train], y_train, w_train, x_all[idx], k)
        cell = _cell_majority(cells, train, y_train, w_train, idx, k)
        # a conditional item (`ask_if`) counts in a persona's means with its probability of
        # being asked it; the respondent's side is the human base (those who met the condition)
        asked = sim.asked.get((q.id, "self", None), np.ones(n))
        # a random other persona: the mean over the other personas that answered the question,
        # each weighed by its probability of being asked (an unanswered row neither counts nor
        # votes for option 0)
        answered = ~np.isnan(p_rows).any(axis=1)
        share = np.where(answered, asked, 0.0)
        others_w = share.sum() - share
        if int(answered.sum()) < 2 or not (others_w > 0).any():
            continue
        ok &= others_w > 0  # the baseline needs another persona who could be asked
        filled = np.where(answered[:, None], p_rows, 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            loo = (share @ filled - share[:, None] * filled) / others_w[:, None]
            top = np.argmax(filled, axis=1)
            own = np.eye(k)[top] * share[:, None]
            votes = np.bincount(top, weights=share, minlength=k)[None, :]
            hit_share = (votes - own) / others_w[:, None]
        rows = np.arange(n)
        for key, val in (
            ("p", p_rows[rows, y]), ("p1", top == y), ("d", demo[rows, y]),
            ("d1", np.argmax(demo, axis=1) == y), ("c1", cell == y),
            ("r", loo[rows, y]), ("r1", hit_share[rows, y]),
        ):  # fmt: skip
            sums[key] += np.where(ok, asked * val, 0.0)
        items += np.where(ok, asked, 0.0)
        if q.spec.ordered or k == 2:
            zs = zscores(p_rows, h_all, human.weights, q.values)
            zh = zscores(np.nan_to_num(h_rows), h_all, human.weights, q.values)
            z_sim.append(np.where(ok, zs, np.nan))
            z_hum.append(np.where(ok, zh, np.nan))
            z_w.append(asked)
    keep = items > 0
    if keep.sum() < 2:
        return None
    mean = {k: v[keep] / items[keep] for k, v in sums.items()}
    return PersonScores(
        respondent_ids=human.ids[idx][keep],
        items=items[keep],
        persona=mean["p"],
        persona_top1=mean["p1"],
        demographic=mean["d"],
        demographic_top1=mean["d1"],
        cell_top1=mean["c1"],
        random_persona=mean["r"],
        random_persona_top1=mean["r1"],
        r=row_corr(np.array(z_sim).T[keep], np.array(z_hum).T[keep], np.array(z_w).T[keep])
        if z_sim
        else np.full(int(keep.sum()), np.nan),
    )


def row_corr(a: np.ndarray, b: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Pearson r of each row of a with the same row of b, over the columns both have, each
    column weighed by `weights` (same shape; the probability of being asked the item) where
    given (NaN where fewer than 3 columns with weight or either side has no spread)."""
    w_all = np.ones_like(a, dtype=float) if weights is None else np.asarray(weights, dtype=float)
    out = np.full(len(a), np.nan)
    for i, (x, y, w) in enumerate(zip(a, b, w_all)):
        ok = np.isfinite(x) & np.isfinite(y) & (w > 0)
        if ok.sum() < 3:
            continue
        cov = np.cov(x[ok], y[ok], aweights=w[ok])
        if cov[0, 0] > 0 and cov[1, 1] > 0:
            out[i] = float(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]))
    return out
