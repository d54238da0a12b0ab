"""Scoring a study: every conditioning style against the human data, with the human floor and
the uniform reference row, plus the figures the report draws (correlations, group means)."""

from __future__ import annotations

from typing import Any

import numpy as np

from chorus.simulator.study.schema import Study
from chorus.surveys import Results


def score_study(study: Study, dataset, inst, results: dict[str, Results]) -> dict[str, Any]:
    from chorus.surveys import from_answers, from_human, score
    from chorus.surveys.metrics import constant
    from chorus.surveys.scoring import raw_mass

    human = from_human(dataset, inst)
    sims = {style: from_answers(r.answers, inst, r.traits) for style, r in results.items()}
    rows: dict[str, Any] = {}
    floor = None
    for style, sim in sims.items():
        report = score(
            sim,
            human,
            inst,
            dataset.name,
            n_boot=study.survey.n_boot,
            seed=study.seed,
            floor=floor is None,
            label_mass=raw_mass(results[style].answers),
        )
        floor = floor or report.human_floor
        rows[style] = report.model_dump(mode="json")
    backstory_traits = results["backstory"].traits
    uniform = {
        q.id: np.full(len(q.substantive_options), 1.0 / len(q.substantive_options))
        for q in inst.scored_questions
    }
    ref = score(
        constant(backstory_traits, uniform),
        human,
        inst,
        dataset.name,
        n_boot=study.survey.n_boot,
        seed=study.seed,
        floor=False,
    )
    rows["uniform"] = ref.model_dump(mode="json")
    return {
        "rows": rows,
        "human_floor": floor.model_dump(mode="json") if floor else None,
        "verdict": verdict({s: rows[s] for s in sims}),
        "correlations": correlations(inst, human, sims["backstory"]),
        "groups": group_means(inst, human, sims["backstory"]),
    }


def verdict(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Which conditioning styles beat uniform chance, in plain words for the report's top."""
    beating = [name for name, r in rows.items() if r["beats_uniform"]["beats"]]
    if beating:
        text = (
            f"{', '.join(beating)} beat{'s' if len(beating) == 1 else ''} uniform chance "
            "(the whole 95% interval of uniform's WD minus theirs is above 0)"
        )
    else:
        text = (
            "No conditioning style beats chance: answering every question uniformly at random is "
            "as close to the real respondents as any style here, so this run tests the pipeline, "
            "not the fidelity of the model."
        )
    return {"any_beats_uniform": bool(beating), "beating": beating, "text": text}


def correlations(inst, human, sim) -> dict[str, Any]:
    from chorus.surveys.metrics import common_questions, frobenius, value_matrix, weighted_corr

    qs = common_questions(sim, human, inst)
    h = weighted_corr(value_matrix(human, qs), human.weights)
    s = weighted_corr(value_matrix(sim, qs), sim.weights)
    dist, _ = frobenius(h, s)
    return {
        "questions": [q.id for q in qs],
        "human": _nan_list(h),
        "sim": _nan_list(s),
        "frobenius": dist,
    }


def group_means(inst, human, sim) -> list[dict[str, Any]]:
    """For each question with groups: the mean answer of each group, human vs simulated, for
    every perspective the simulation asked (self answers grouped by the answerer's group)."""
    out = []
    for q in inst.scored_questions:
        if q.groups is None:
            continue
        gs = inst.groups[q.groups]
        for member in gs.members:
            entry = {"question": q.id, "text": q.text, "group": member.name}
            for label, rs in (("human", human), ("sim", sim)):
                who = np.array(
                    [gs.member_of(c) is member for c in rs.traits.get(gs.trait, [])], dtype=bool
                )
                rows = rs.self_rows(q.id)
                entry[label] = (
                    _mean(rows, q.values, rs.weights, who)
                    if rows is not None and who.any()
                    else None
                )
            for (qid, persp, group), rows in sim.rows.items():
                if qid == q.id and persp != "self":
                    who = np.array(
                        [gs.member_of(c) is member for c in sim.traits.get(gs.trait, [])],
                        dtype=bool,
                    )
                    if who.any():
                        entry[f"sim_{persp}_about_{group}"] = _mean(
                            rows, q.values, sim.weights, who
                        )
            out.append(entry)
    return out


def _mean(
    rows: np.ndarray, values: np.ndarray, weights: np.ndarray, who: np.ndarray
) -> float | None:
    x = rows[who] @ values
    w = weights[who]
    ok = ~np.isnan(x)
    return float(np.average(x[ok], weights=w[ok])) if ok.any() else None


def _nan_list(m: np.ndarray) -> list[list[float | None]]:
    return [[None if not np.isfinite(v) else round(float(v), 6) for v in row] for row in m]
