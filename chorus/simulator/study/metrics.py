"""Scoring a study: every conditioning style through `Results.score` (the real-panel floor
once, with the first style; every row's equivalent real panel size from it), the uniform chance
row, the verdict, and the figures the report draws (correlations, group means).

A tuned model's trained-on questions (the `tune:` section) are in-sample: every figure above is
computed on the other questions only, and the in-sample ones are scored apart (InSample), so a
question the model learnt is never reported as if it were held out."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from chorus.simulator.study.result import (
    Correlations,
    GroupMean,
    InSample,
    StudyScores,
    Verdict,
)
from chorus.simulator.study.schema import Study
from chorus.surveys import HumanDataset, Instrument, ResponseSet, Results, Score
from chorus.surveys.score_schema import Floor


def score_study(
    study: Study,
    dataset: HumanDataset,
    inst: Instrument,
    results: dict[str, Results],
    in_sample: Collection[str] = (),
) -> StudyScores:
    """Every figure on the questions not in `in_sample` (a tuned model's trained-on and
    early-stopping questions); those scored apart, as `StudyScores.in_sample`."""
    from chorus.surveys import from_answers, from_human

    asked = [q.id for q in inst.questions]
    inside = [q for q in asked if q in set(in_sample)]
    if inside:
        held_out = [q for q in asked if q not in set(inside)]
        if not [q for q in inst.subset(held_out).scored_questions]:
            raise ValueError(
                "every scored question of the survey was trained on: nothing is held out to "
                "report; hold some out in the tune: section"
            )
        in_scores = _rows(study, dataset, inst.subset(inside), _only(results, inside), False)
        extra = InSample(
            questions=inside, held_out=held_out, rows=in_scores[0] | {"uniform": in_scores[1]}
        )
        inst, results = inst.subset(held_out), _only(results, held_out)
    styles, reference, floor = _rows(study, dataset, inst, results, True)
    human = from_human(dataset, inst)
    backstory = results["backstory"]
    sim = from_answers(backstory.answers, inst, backstory.traits)
    return StudyScores(
        styles=styles,
        uniform=reference,
        human_floor=floor,
        verdict=verdict(styles),
        correlations=correlations(inst, human, sim),
        groups=group_means(inst, human, sim),
        in_sample=extra if inside else None,
    )


def _rows(
    study: Study,
    dataset: HumanDataset,
    inst: Instrument,
    results: dict[str, Results],
    floor_too: bool,
) -> tuple[dict[str, Score], Score, Floor | None]:
    """Each style's Score, the uniform row's, and the real-panel floor (with `floor_too`)."""
    from chorus.surveys import from_human, score
    from chorus.surveys.metrics import constant

    styles: dict[str, Score] = {}
    floor = None
    for style, r in results.items():
        styles[style] = r.score(
            dataset, n_boot=study.survey.n_boot, seed=study.seed, floor=floor_too and floor is None
        )
        floor = floor or styles[style].human_floor
    backstory = results["backstory"]
    uniform = {  # each kind's chance row (1/K; 1/2 per option for check all that apply; ranks)
        q.id: q.spec.chance(q.spec.width(len(q.substantive_options)))
        for q in inst.scored_questions
    }
    reference = score(
        constant(backstory.traits, uniform),
        from_human(dataset, inst),
        inst,
        dataset.name,
        n_boot=study.survey.n_boot,
        seed=study.seed,
        floor=False,
    )
    if floor is not None:
        styles = {name: _against(s, floor) for name, s in styles.items()}
        reference = _against(reference, floor)
    return styles, reference, floor


def _only(results: dict[str, Results], questions: list[str]) -> dict[str, Results]:
    """The results restricted to `questions` (answers and instrument)."""
    return {
        style: Results(
            answers=r.answers[r.answers["question_id"].isin(questions)].reset_index(drop=True),
            instrument=r.instrument.subset(questions),
            traits=r.traits,
        )
        for style, r in results.items()
    }


def _against(s: Score, floor) -> Score:
    from chorus.surveys import EquivalentPanel

    return s.model_copy(update={"equivalent_panel": EquivalentPanel.of(floor, s.wd.value)})


def verdict(styles: dict[str, Score]) -> Verdict:
    """Which conditioning styles beat uniform chance, in plain words for the report's top."""
    beating = [name for name, s in styles.items() if s.beats_uniform.beats]
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
    return Verdict(any_beats_uniform=bool(beating), beating=beating, text=text)


def correlations(inst: Instrument, human: ResponseSet, sim: ResponseSet) -> Correlations:
    """On the expected answers (Score's Frobenius figure is on sampled answers)."""
    from chorus.surveys.metrics import common_questions, frobenius, value_matrix, weighted_corr
    from chorus.surveys.metrics.compare import valued_questions

    qs = valued_questions(common_questions(sim, human, inst))
    h = weighted_corr(value_matrix(human, qs), human.weights)
    s = weighted_corr(value_matrix(sim, qs), sim.weights)
    dist, _ = frobenius(h, s)
    return Correlations(
        questions=[q.id for q in qs], human=_nan_list(h), sim=_nan_list(s), frobenius=dist
    )


def group_means(inst: Instrument, human: ResponseSet, sim: ResponseSet) -> list[GroupMean]:
    """For each question with groups: the mean answer of each group, human vs simulated, for
    every perspective the simulation asked (self answers grouped by the answerer's group)."""
    out = []
    for q in inst.scored_questions:
        if q.groups is None:
            continue
        gs = inst.groups[q.groups]
        for member in gs.members:
            means: dict[str, float | None] = {}
            for label, rs in (("human", human), ("sim", sim)):
                who = np.array(
                    [gs.member_of(c) is member for c in rs.traits.get(gs.trait, [])], dtype=bool
                )
                rows = rs.self_rows(q.id)
                means[label] = (
                    _mean(rows, q.values, rs.weights, who)
                    if rows is not None and who.any()
                    else None
                )
            perceived: dict[str, float | None] = {}
            for (qid, persp, group), rows in sim.rows.items():
                if qid == q.id and persp != "self":
                    who = np.array(
                        [gs.member_of(c) is member for c in sim.traits.get(gs.trait, [])],
                        dtype=bool,
                    )
                    if who.any():
                        perceived[f"sim_{persp}_about_{group}"] = _mean(
                            rows, q.values, sim.weights, who
                        )
            out.append(
                GroupMean(
                    question=q.id, text=q.text, group=member.name, human=means["human"],
                    sim=means["sim"], perceived=perceived,
                )
            )  # fmt: skip
    return out


def _mean(
    rows: np.ndarray, values: np.ndarray, weights: np.ndarray, who: np.ndarray
) -> float | None:
    """Weighted mean expected answer of the people `who` (surveys' GroupStats.from_rows is the
    same mean summed in another order: its last digits differ, and metrics.json records these)."""
    x = rows[who] @ values
    w = weights[who]
    ok = ~np.isnan(x)
    return float(np.average(x[ok], weights=w[ok])) if ok.any() else None


def _nan_list(m: np.ndarray) -> list[list[float | None]]:
    return [[None if not np.isfinite(v) else round(float(v), 6) for v in row] for row in m]
