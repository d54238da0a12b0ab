"""Scoring a simulated survey against aggregate data (a crosstab CSV, surveys.crosstab): per
question, the panel's pooled distribution against the topline, and each subgroup the panel has
people in against that subgroup's row; uniform alongside, as the chance reference."""

from __future__ import annotations

from typing import Any

import numpy as np

from chorus.surveys.crosstab import Crosstab, format_subgroup, several_answers_error
from chorus.surveys.errors import DatasetError
from chorus.surveys.kinds import kind_spec
from chorus.surveys.metrics.distance import weighted_distribution
from chorus.surveys.metrics.responses import from_answers
from chorus.surveys.results import Results


def score_crosstab(results: Results, table: Crosstab, min_people: int = 3) -> dict:
    """-> {"questions": [{question_id, kind, d_overall, uniform_overall, d_subgroups,
    uniform_subgroups, cells}], "mean": {...}}; subgroups with fewer than `min_people`
    answering personas are left out (`cells` counts the ones used)."""
    sim = from_answers(results.answers, results.instrument, results.traits)
    rows: list[dict[str, Any]] = []
    for q in results.instrument.scored_questions:
        mat = sim.self_rows(q.id)
        top = table.overall(q.id)
        if mat is None or top is None:
            continue
        if not q.spec.single_answer:
            raise several_answers_error(q, "crosstab")
        spec = kind_spec(q.kind)
        uni = np.full(len(top.shares), 1.0 / len(top.shares))
        answered = ~np.isnan(mat).any(axis=1)
        d_sub, u_sub, used = [], [], []
        for (qid, subgroup), cell in table.cells.items():
            if qid != q.id or not subgroup:
                continue
            member = answered.copy()
            for trait, category in subgroup:
                member &= sim.traits.get(trait, np.full(sim.n, None)) == category
            if member.sum() < min_people:
                continue
            p = weighted_distribution(mat[member], sim.weights[member])
            d_sub.append(spec.distance(p, cell.shares, True))
            u_sub.append(spec.distance(uni, cell.shares, True))
            used.append(format_subgroup(subgroup))
        pooled = weighted_distribution(mat, sim.weights)
        rows.append({
            "question_id": q.id, "kind": q.kind,
            "d_overall": spec.distance(pooled, top.shares, True),
            "uniform_overall": spec.distance(uni, top.shares, True),
            "d_subgroups": float(np.mean(d_sub)) if d_sub else None,
            "uniform_subgroups": float(np.mean(u_sub)) if u_sub else None,
            "cells": used,
        })  # fmt: skip
    if not rows:
        raise DatasetError(
            "the crosstab has no overall row for any question of these answers: check that it "
            "was made for the same instrument"
        )

    def mean(key: str) -> float | None:
        vals = [float(r[key]) for r in rows if r[key] is not None]
        return float(np.mean(vals)) if vals else None

    keys = ("d_overall", "uniform_overall", "d_subgroups", "uniform_subgroups")
    return {"target": "crosstab", "questions": rows, "mean": {k: mean(k) for k in keys}}
