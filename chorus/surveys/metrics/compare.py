"""Every metric of one simulated-vs-human comparison, as a flat dict of named floats, so that the
same function serves the point estimate, each bootstrap replicate and the human floor."""

from __future__ import annotations

import numpy as np

from chorus.surveys.metrics.correlation import frobenius, weighted_corr
from chorus.surveys.metrics.dispersion import ratios
from chorus.surveys.metrics.distance import distance
from chorus.surveys.metrics.groups import GroupStats, gap, perception_error
from chorus.surveys.metrics.reliability import cronbach_alpha, reverse_items
from chorus.surveys.metrics.responses import ItemKey, ResponseSet
from chorus.surveys.schema import Instrument, Question

# traits of the subgroup table (Anthology's per-subgroup WD); `age` categories are age groups
SUBGROUP_TRAITS = ("party", "race", "age")


def common_questions(
    sim: ResponseSet, human: ResponseSet, instrument: Instrument
) -> list[Question]:
    return [
        q
        for q in instrument.scored_questions
        if sim.self_rows(q.id) is not None and human.self_rows(q.id) is not None
    ]


def valued_questions(questions: list[Question]) -> list[Question]:
    """The questions whose answer is one value (not check all that apply or a ranking, whose
    rows hold several selections or ranks): those of the correlations, alpha and individual
    fidelity."""
    return [q for q in questions if q.spec.single_answer]


def value_matrix(rs: ResponseSet, questions: list[Question]) -> np.ndarray:
    """n x Q expected value of each person's answer (their value when the rows are one-hot)."""
    if not questions:
        return np.empty((rs.n, 0))
    return np.column_stack([rs.expected_values((q.id, "self", None), q.values) for q in questions])


def correlations(rs: ResponseSet, questions: list[Question]) -> np.ndarray:
    """Weighted correlations of the answer values, each pair of items weighed by the people's
    probability of being asked both (`ask_if`)."""
    keys: list[ItemKey] = [(q.id, "self", None) for q in questions]
    return weighted_corr(value_matrix(rs, questions), rs.weights, rs.asked_matrix(keys))


def alpha(rs: ResponseSet, instrument: Instrument, questions: list[Question]) -> float:
    ids = {q.id for q in questions}
    items = [q for q in instrument.scale_items if q.id in ids]
    if len(items) < 2:
        return float("nan")
    x = reverse_items(
        value_matrix(rs, items),
        np.array([q.reverse_keyed for q in items]),
        np.array([q.values.min() for q in items]),
        np.array([q.values.max() for q in items]),
    )
    # a person counts in alpha (complete cases) with the probability of being asked every
    # item: the product, as in the pairwise correlation (metrics.correlation.weighted_corr)
    asked = rs.asked_matrix([(q.id, "self", None) for q in items]).prod(axis=1)
    return cronbach_alpha(x, rs.weights * asked)


def distributions(
    sim: ResponseSet, human: ResponseSet, questions: list[Question]
) -> dict[str, float]:
    """Distance per question by its kind (W1/(K-1) ordered, TVD nominal; the raw form is W1 in
    option steps, TVD for nominal items) and averaged over questions, with each question's
    uniform (chance) distance and its answer dispersion against the human one."""
    out: dict[str, float] = {}
    for q in questions:
        key = (q.id, "self", None)
        p_sim, p_hum = sim.distribution(key), human.distribution(key)
        if np.isnan(p_sim).any() or np.isnan(p_hum).any():
            continue
        flat = q.spec.chance(len(p_hum))
        out[f"wd/{q.id}"] = distance(q.kind, p_sim, p_hum)
        out[f"wd_raw/{q.id}"] = distance(q.kind, p_sim, p_hum, normalise=False)
        out[f"uniform/{q.id}"] = distance(q.kind, flat, p_hum)
        out[f"dispersion/{q.id}"] = ratios(q.kind, p_sim, p_hum, q.values)["ratio"]
        if q.spec.extras is not None:  # the kind's own figures from the people's rows
            rows = (sim.self_answers(q.id), sim.self_weights(q.id),
                    human.self_answers(q.id), human.self_weights(q.id))  # fmt: skip
            out.update({f"{k}/{q.id}": v for k, v in q.spec.extras(q.values, *rows).items()})
        if q.spec.share_extras is not None:  # and from the shares (numeric: median difference)
            extra = q.spec.share_extras(q.values, p_sim, p_hum)
            out.update({f"{k}/{q.id}": v for k, v in extra.items()})
    for name in ("wd", "wd_raw", "uniform"):
        per = [out[f"{name}/{q.id}"] for q in questions if f"{name}/{q.id}" in out]
        out[name] = float(np.mean(per)) if per else float("nan")
    out["beats_uniform"] = out["uniform"] - out["wd"]  # > 0: closer to people than chance
    out["representativeness"] = 1.0 - out["wd"]  # OpinionQA's R
    disp = [out[f"dispersion/{q.id}"] for q in questions if f"dispersion/{q.id}" in out]
    out["dispersion_median"] = float(np.nanmedian(disp)) if np.isfinite(disp).any() else np.nan
    return out


def inter_item_r(rs: ResponseSet, items: list[Question]) -> float:
    """Mean weighted correlation over the pairs of a block's items (their answer values)."""
    corr = correlations(rs, items)
    off = corr[~np.eye(len(items), dtype=bool)]
    return float(np.nanmean(off)) if np.isfinite(off).any() else float("nan")


def grid_metrics(
    per_question: dict[str, float],
    drawn: ResponseSet,
    human: ResponseSet,
    instrument: Instrument,
    questions: list[Question],
) -> dict[str, float]:
    """Each grid as a block (`grid/<name>/...`): its items' mean distance and chance distance,
    and the mean inter-item correlation of sampled simulated answers and of the humans'."""
    scored = {q.id for q in questions}
    out: dict[str, float] = {}
    for name, members in instrument.grids.items():
        items = [q for q in members if q.id in scored]
        if len(items) < 2:
            continue
        for metric in ("wd", "uniform"):
            per = [per_question.get(f"{metric}/{q.id}", np.nan) for q in items]
            defined = np.isfinite(per).any()
            out[f"grid/{name}/{metric}"] = float(np.nanmean(per)) if defined else np.nan
        out[f"grid/{name}/r_sim"] = inter_item_r(drawn, items)
        out[f"grid/{name}/r_human"] = inter_item_r(human, items)
        out[f"grid/{name}/r_diff"] = out[f"grid/{name}/r_sim"] - out[f"grid/{name}/r_human"]
    return out


def subgroup_members(
    sim: ResponseSet, human: ResponseSet
) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """(trait, group) -> indices of its simulated and human members, for each party, race and
    age group with simulated members and human ones."""
    out = {}
    for trait in SUBGROUP_TRAITS:
        s_cats, h_cats = sim.traits.get(trait), human.traits.get(trait)
        if s_cats is None or h_cats is None:
            continue
        for group in sorted({c for c in s_cats if c is not None}):
            h_in = np.flatnonzero(h_cats == group)
            if len(h_in):
                out[(trait, group)] = (np.flatnonzero(s_cats == group), h_in)
    return out


def subgroups(
    sim: ResponseSet, human: ResponseSet, questions: list[Question]
) -> dict[str, float]:
    """Mean distance over questions within each subgroup (`sub/<trait>/<group>`), all groups
    in one matrix product per question."""
    groups = subgroup_members(sim, human)
    if not groups:
        return {}
    s_mem = np.zeros((len(groups), sim.n))
    h_mem = np.zeros((len(groups), human.n))
    for g, (s_in, h_in) in enumerate(groups.values()):
        s_mem[g, s_in], h_mem[g, h_in] = 1.0, 1.0
    per_group = np.full((len(groups), len(questions)), np.nan)
    for j, q in enumerate(questions):
        p_sim = sim.group_distributions((q.id, "self", None), s_mem)
        p_hum = human.group_distributions((q.id, "self", None), h_mem)
        for g in range(len(groups)):
            if np.isfinite(p_sim[g]).all() and np.isfinite(p_hum[g]).all():
                per_group[g, j] = distance(q.kind, p_sim[g], p_hum[g])
    return {
        f"sub/{trait}/{group}": float(np.nanmean(row))
        for (trait, group), row in zip(groups, per_group)
        if np.isfinite(row).any()
    }


def compare(
    sim: ResponseSet, human: ResponseSet, instrument: Instrument, rng: np.random.Generator
) -> dict[str, float]:
    """WD of the mean distributions and of one sampled answer per persona; Frobenius distance of
    the weighted correlation matrices and Cronbach's alpha, both on sampled (individual) answers
    so that personas compare with respondents like for like; group gaps and perception errors."""
    questions = common_questions(sim, human, instrument)
    if not questions:
        raise ValueError("the simulated and the human answers share no question")
    out = distributions(sim, human, questions)
    drawn = sim.sample(
        rng,
        frozenset(q.id for q in questions if q.spec.independent),
        frozenset(q.id for q in questions if q.spec.ranked),
    )
    sampled = distributions(drawn, human, questions)
    out["wd_sampled"], out["wd_raw_sampled"] = sampled["wd"], sampled["wd_raw"]
    valued = valued_questions(questions)
    c_sim, c_hum = correlations(drawn, valued), correlations(human, valued)
    out["frobenius"], undefined = frobenius(c_sim, c_hum)
    out["frobenius_undefined_pairs"] = float(undefined)
    out["alpha_sim"] = alpha(drawn, instrument, valued)
    out.update(grid_metrics(out, drawn, human, instrument, valued))
    out["alpha_human"] = alpha(human, instrument, valued)
    out.update(group_metrics(sim, human, instrument, questions))
    out.update(subgroups(sim, human, questions))
    return out


def comparison(instrument: Instrument):
    """`compare` as a bootstrap statistic (sim, human, rng) -> metrics."""
    return lambda sim, human, rng: compare(sim, human, instrument, rng)


def _stats(rs: ResponseSet, key: ItemKey, q: Question, members: np.ndarray) -> GroupStats:
    if key not in rs.rows:
        return GroupStats(float("nan"), float("nan"), 0)
    n = int((rs.answered(key) & members).sum())
    if not n:
        return GroupStats(float("nan"), float("nan"), 0)
    weights = np.where(members, rs.item_weights(key), 0.0)
    return GroupStats.of(rs.distribution(key, weights), q.values, n)


def group_metrics(
    sim: ResponseSet, human: ResponseSet, instrument: Instrument, questions: list[Question]
) -> dict[str, float]:
    """Per question with a group set: in-group minus out-group gap and Cohen's d (for simulated
    and human self-answers; the in-group is the `about` group, else the first group), and the
    simulated perception errors against the human groups' own mean self-reports."""
    out: dict[str, float] = {}
    for q in questions:
        if q.groups is None:
            continue
        gs = instrument.groups[q.groups]
        inside = gs.get(q.about) if q.about else gs.members[0]
        outside = gs.other(inside)
        for who, rs in (("sim", sim), ("human", human)):
            cats = rs.traits.get(gs.trait, np.full(rs.n, None, dtype=object))
            a = _stats(rs, (q.id, "self", None), q, np.isin(cats, inside.categories))
            b = _stats(rs, (q.id, "self", None), q, np.isin(cats, outside.categories))
            out[f"gap/{q.id}/{who}"], out[f"d/{q.id}/{who}"] = gap(a, b)
        sim_cats = sim.traits.get(gs.trait, np.full(sim.n, None, dtype=object))
        hum_cats = human.traits.get(gs.trait, np.full(human.n, None, dtype=object))
        for perceiver in gs.members:
            target = gs.other(perceiver)
            judges = np.isin(sim_cats, perceiver.categories)
            for persp, about in (("ingroup", perceiver), ("outgroup", target)):
                perceived = _stats(sim, (q.id, persp, about.name), q, judges)
                if perceived.n == 0:
                    continue
                actual = _stats(human, (q.id, "self", None), q, np.isin(hum_cats, about.categories))
                out[f"perception/{q.id}/{persp}/{perceiver.name}"] = perception_error(
                    perceived, actual
                )
            meta = _stats(sim, (q.id, "meta", perceiver.name), q, judges)
            seen_by_target = _stats(
                sim, (q.id, "outgroup", perceiver.name), q, np.isin(sim_cats, target.categories)
            )
            if meta.n and seen_by_target.n:
                out[f"perception/{q.id}/meta/{perceiver.name}"] = perception_error(
                    meta, seen_by_target
                )
    return out
