"""Steerability: does the simulator answer differently for different subgroups, the way people do?

Per question and trait, each subgroup's distribution deviates from the trait's overall one (the
subgroups mixed by the humans' cell weights, for the model and for the humans alike, so a model
that shifts every subgroup the same way shows no spread). `spread` is the mean distance of the
subgroups from that overall distribution (the question kind's distance); the spread ratio is
the model's over the humans', and the correlation pairs the model's deviations (per subgroup
and option) with the humans'. A simulator that ignores who it plays has ratio ~0 and
correlation ~0; one that steers like people, ratio ~1 and correlation ~1 (docs/measurement.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from chorus.surveys.kinds import kind_spec
from chorus.surveys.metrics.distance import weighted_distribution
from chorus.surveys.metrics.responses import ResponseSet
from chorus.surveys.schema import Instrument


def _deviations(cells: Sequence[np.ndarray], weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mat = np.asarray(cells, dtype=float)
    overall = weights @ mat / weights.sum()
    return mat - overall, overall


def question_steering(
    kind: str,
    model: Mapping[str, Sequence[np.ndarray]],
    human: Mapping[str, Sequence[np.ndarray]],
    weights: Mapping[str, np.ndarray],
) -> tuple[float, float, np.ndarray, np.ndarray]:
    """One question: trait -> the subgroups' distributions (model and human, same order) and
    the humans' cell weights. -> (model spread, human spread, model deviations, human ones)."""
    spec = kind_spec(kind)
    spreads: list[tuple[float, float]] = []
    dev_m: list[np.ndarray] = []
    dev_h: list[np.ndarray] = []
    for trait, cells in model.items():
        if len(cells) < 2:
            continue
        w = np.asarray(weights[trait], dtype=float)
        dm, om = _deviations(cells, w)
        dh, oh = _deviations(human[trait], w)
        for c, (pm, ph) in enumerate(zip(cells, human[trait])):
            spreads.append(
                (spec.distance(np.asarray(pm), om, True), spec.distance(np.asarray(ph), oh, True))
            )
            dev_m.append(dm[c])
            dev_h.append(dh[c])
    if not spreads:
        return float("nan"), float("nan"), np.zeros(0), np.zeros(0)
    s = np.array(spreads)
    return (
        float(s[:, 0].mean()),
        float(s[:, 1].mean()),
        np.concatenate(dev_m),
        np.concatenate(dev_h),
    )


def steering(per_question: Sequence[tuple[float, float, np.ndarray, np.ndarray]]) -> dict:
    """Over questions: the spreads' means, their ratio, and the correlation of deviations."""
    rows = [r for r in per_question if np.isfinite(r[0]) and np.isfinite(r[1])]
    if not rows:
        return {"steer_spread_model": None, "steer_spread_human": None,
                "steer_spread_ratio": None, "steer_corr": None}  # fmt: skip
    sm = float(np.mean([r[0] for r in rows]))
    sh = float(np.mean([r[1] for r in rows]))
    dm = np.concatenate([r[2] for r in rows])
    dh = np.concatenate([r[3] for r in rows])
    corr = float(np.corrcoef(dm, dh)[0, 1]) if dm.std() > 0 and dh.std() > 0 else float("nan")
    return {
        "steer_spread_model": sm,
        "steer_spread_human": sh,
        "steer_spread_ratio": sm / sh if sh > 0 else None,
        "steer_corr": corr,
    }


def panel_steering(
    sim: ResponseSet, human: ResponseSet, instrument: Instrument, min_people: int = 3
) -> dict:
    """Steerability of a panel of personas (each with its traits): per question and trait,
    the personas of each category pooled into one distribution, against the humans of that
    category; categories with fewer than `min_people` answering personas are left out."""
    per_q = []
    for q in instrument.scored_questions:
        rows_s, rows_h = sim.self_rows(q.id), human.self_rows(q.id)
        if rows_s is None or rows_h is None:
            continue
        model: dict[str, list[np.ndarray]] = {}
        people: dict[str, list[np.ndarray]] = {}
        weights: dict[str, list[float]] = {}
        for trait, cats in sim.traits.items():
            if trait not in human.traits:
                continue
            answered = ~np.isnan(rows_s).any(axis=1)
            for cat in sorted({c for c in cats if c is not None}):
                ms, hs = (cats == cat) & answered, human.traits[trait] == cat
                if ms.sum() < min_people or not hs.any():
                    continue
                p_h = weighted_distribution(rows_h[hs], human.weights[hs])
                if np.isnan(p_h).any():
                    continue
                model.setdefault(trait, []).append(
                    weighted_distribution(rows_s[ms], sim.weights[ms])
                )
                people.setdefault(trait, []).append(p_h)
                weights.setdefault(trait, []).append(float(human.weights[hs].sum()))
        w = {t: np.array(v) for t, v in weights.items()}
        per_q.append(question_steering(q.kind, model, people, w))
    return steering(per_q)
