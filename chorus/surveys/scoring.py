"""Score simulated answers against a human dataset: the metrics.json report and its table.

Every headline figure carries a BCa 95% interval (surveys.metrics.bootstrap); the report always
holds the chance row (`uniform`, every option equally likely), whether the run beats it, the
like-for-like floor (a real panel of the simulated size, surveys.metrics.floor) with the row's
equivalent real panel size, dispersion, the subgroup table and, for personas matched to
respondents, the individual-level fidelity. A figure the dataset cannot support (correlations,
alpha and individual-level figures when no respondent answered two scored questions) is
reported as undefined with its reason, never as a number."""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import bootstrap as scipy_bootstrap
from tqdm.auto import tqdm

from chorus.surveys.metrics.bootstrap import MIN_RELIABLE_N, bootstrap, collect, jackknife
from chorus.surveys.metrics.compare import (
    common_questions,
    compare,
    comparison,
    distributions,
    subgroup_members,
    valued_questions,
)
from chorus.surveys.metrics.dispersion import flagged, ratios
from chorus.surveys.metrics.floor import floor_curve, panel_floor
from chorus.surveys.metrics.individual import PersonScores, person_scores
from chorus.surveys.metrics.responses import ResponseSet
from chorus.surveys.schema import Instrument
from chorus.surveys.score_schema import (
    GAP_METRICS,
    HEADLINE,
    BeatsUniform,
    Dispersion,
    EquivalentPanel,
    Figure,
    Floor,
    GapScore,
    GridScore,
    Individual,
    PerceptionScore,
    QuestionScore,
    Score,
    SubgroupScore,
    finite_mean,
    rounded,
)

INTERVALS = (
    "95% BCa bootstrap intervals (persons resampled on both sides; acceleration from a grouped "
    "jackknife); `method: percentile` marks a figure where BCa was undefined. Floor intervals "
    "are the middle 95% of real panels of the simulated size scored against the whole human "
    "sample (what a perfect simulator scores under this design)."
)
CURVE_BOOT = 50  # replicates per size of the real-panel curve (the equivalent panel size)


def raw_mass(answers: pd.DataFrame) -> dict[str, float]:
    """Mean raw label mass per question over the self answers of an answers table."""
    own = answers[answers["perspective"] == "self"]
    return {str(k): float(v) for k, v in own.groupby("question_id")["raw_mass"].mean().items()}


def score(
    sim: ResponseSet,
    human: ResponseSet,
    instrument: Instrument,
    dataset: str,
    *,
    n_boot: int = 200,
    seed: int = 0,
    floor: bool = True,
    draws: int = 20,
    label_mass: dict[str, float] | None = None,
    progress: bool = False,
) -> Score:
    """Point estimates, BCa intervals, the uniform row, the real-panel floor at the simulated
    size (overall and per subgroup) with the equivalent real panel size, dispersion, and
    individual-level fidelity when the personas stand for respondents of `human`.

    Metrics on sampled answers (wd_sampled, Frobenius, alpha) depend on the draw of one answer
    per persona; their point estimate is the mean over `draws` seeded draws.
    """
    rng = np.random.default_rng(seed)
    stat = comparison(instrument)
    repeated = collect([compare(sim, human, instrument, rng) for _ in range(draws)])
    point = {k: finite_mean(v) for k, v in repeated.items()}
    questions = common_questions(sim, human, instrument)
    subsets = _subsets(sim, human)
    total = n_boot * (2 + len(subsets) if floor else 1)
    with tqdm(total=total, desc="bootstrap", disable=not progress) as bar:
        reps = bootstrap(sim, human, stat, n_boot, rng, bar.update) if n_boot else {}
        infl = jackknife(sim, human, stat, seed) if n_boot else {}
        fl = panel_floor(human, stat, sim.n, n_boot, rng, bar.update) if floor and n_boot else None
        sub_floor = {
            key: panel_floor(h_sub, _wd_only(questions), n_sub, n_boot, rng, bar.update)["wd"]
            for key, (n_sub, h_sub) in subsets.items()
            if floor and n_boot
        }
    curve = (
        floor_curve(human, _wd_only(questions), min(n_boot, CURVE_BOOT), rng)
        if fl is not None
        else {}
    )
    undefined = unsupported(human, questions)

    def fig(key: str) -> Figure:
        return Figure.of(point.get(key, float("nan")), reps.get(key), infl.get(key))

    q_scores = [
        _question(q, sim, human, fig, point, fl, (label_mass or {}).get(q.id)) for q in questions
    ]
    beats = fig("beats_uniform")
    individual = (
        None
        if "individual" in undefined
        else _individual(person_scores(sim, human, valued_questions(questions)), n_boot, seed)
    )
    out = Score(
        instrument=instrument.name,
        dataset=dataset,
        n_personas=sim.n,
        n_human=human.n,
        n_boot=n_boot,
        seed=seed,
        intervals=INTERVALS,
        min_reliable_n=MIN_RELIABLE_N,
        warnings=[],
        metrics_used=dict(Counter(q.spec.metric for q in questions)),
        wd=fig("wd"),
        wd_raw=fig("wd_raw"),
        wd_sampled=fig("wd_sampled"),
        frobenius=fig("frobenius"),
        frobenius_undefined_pairs=round(point["frobenius_undefined_pairs"]),
        alpha_sim=fig("alpha_sim"),
        alpha_human=fig("alpha_human"),
        uniform=fig("uniform"),
        beats_uniform=BeatsUniform(margin=beats, beats=beats.lo is not None and beats.lo > 0),
        representativeness=fig("representativeness"),
        dispersion_median=fig("dispersion_median"),
        dispersion_flagged=sum(q.dispersion.flagged for q in q_scores),
        human_floor=_floor(fl, sim.n, questions, curve, undefined) if fl is not None else None,
        undefined=undefined,
        questions=q_scores,
        subgroups=[
            SubgroupScore(
                trait=trait,
                group=group,
                n_sim=subsets[(trait, group)][0],
                n_human=subsets[(trait, group)][1].n,
                wd=fig(f"sub/{trait}/{group}"),
                floor=Figure.spread(sub_floor[(trait, group)])
                if (trait, group) in sub_floor
                else None,
                representativeness=rounded(1.0 - point[f"sub/{trait}/{group}"]),
            )
            for trait, group in subsets
            if f"sub/{trait}/{group}" in point
        ],
        individual=individual,
        gaps=_gaps(instrument, questions, fig),
        perceptions=[
            PerceptionScore(question=qid, perspective=persp, perceiver=who, error=fig(key))
            for key in sorted(k for k in point if k.startswith("perception/"))
            for _, qid, persp, who in [key.split("/")]
        ],
        grids=_grids(instrument, questions, fig, point, fl),
    )
    for name in ("frobenius", "alpha_sim", "alpha_human"):
        if name in undefined:
            setattr(out, name, Figure.undefined())
    if out.human_floor is not None:
        out.equivalent_panel = EquivalentPanel.of(out.human_floor, out.wd.value)
    out.warnings.extend(_warnings(out))
    return out


def unsupported(human: ResponseSet, questions) -> dict[str, str]:
    """Figures this human sample cannot support, each with the reason: correlations between
    questions, alpha and individual-level figures need respondents who answered at least two
    of the scored questions (one-answer-per-person data, e.g. toplines turned into rows, has
    none)."""
    answered = sum(
        (~np.isnan(rows).any(axis=1)).astype(int)
        for q in questions
        if (rows := human.self_rows(q.id)) is not None
    )
    if len(questions) and np.max(answered, initial=0) >= 2:
        return {}
    why = "no respondent answered two of the scored questions"
    return {
        "frobenius": f"{why}: there is no correlation between questions to compare",
        "alpha_sim": f"{why}: alpha needs several items per person",
        "alpha_human": f"{why}: alpha needs several items per person",
        "individual": f"{why}: individual-level figures need people with several answers",
    }


def _subsets(sim: ResponseSet, human: ResponseSet) -> dict[tuple[str, str], tuple]:
    """(trait, group) -> simulated size and the human respondents of that subgroup."""
    return {
        key: (len(s_in), human.take(h_in))
        for key, (s_in, h_in) in subgroup_members(sim, human).items()
    }


def _wd_only(questions):
    return lambda a, b, rng: {"wd": distributions(a, b, questions)["wd"]}


def _question(q, sim, human, fig, point, fl, mass) -> QuestionScore:
    key = (q.id, "self", None)
    p_hum, p_sim = human.distribution(key), sim.distribution(key)
    d = ratios(q.kind, p_sim, p_hum, q.values)
    answered = int(human.answered(key).sum())
    return QuestionScore(
        id=q.id,
        text=q.text,
        kind=q.kind,
        metric=q.spec.metric,
        labels=[o.label for o in q.substantive_options],
        options=[o.text for o in q.substantive_options],
        human=[round(float(x), 6) for x in p_hum],
        sim=[round(float(x), 6) for x in p_sim],
        human_err=_share_err(human.self_rows(q.id), human.self_weights(q.id), p_hum),
        sim_err=_share_err(sim.self_rows(q.id), sim.self_weights(q.id), p_sim),
        wd=fig(f"wd/{q.id}"),
        wd_raw=fig(f"wd_raw/{q.id}"),
        uniform=rounded(point.get(f"uniform/{q.id}", float("nan"))),
        floor=(
            rounded(finite_mean(fl[f"wd/{q.id}"]))
            if fl is not None and f"wd/{q.id}" in fl
            else None
        ),
        n_sim=int(sim.answered(key).sum()),
        n_human=answered,
        human_missing=human.n - answered,
        raw_mass=rounded(mass),
        dispersion=Dispersion(
            variance=rounded(d["variance"]),
            entropy=rounded(d["entropy"]),
            ratio=rounded(d["ratio"]),
            flagged=flagged(d["ratio"]),
        ),
        **_kind_figures(q, p_sim, p_hum, fig, human),
        **_asked(q, sim),
    )


def _asked(q, sim) -> dict:
    """A conditional question's condition and how likely the simulated people were to meet it."""
    if q.ask_if is None:
        return {}
    asked = sim.asked.get((q.id, "self", None))
    ok = ~np.isnan(sim.self_rows(q.id)).any(axis=1)
    if asked is None or not ok.any() or sim.weights[ok].sum() <= 0:
        return {"ask_if": q.ask_if}
    share = float(np.average(asked[ok], weights=sim.weights[ok]))
    return {"ask_if": q.ask_if, "sim_asked": rounded(share)}


def _kind_figures(q, p_sim, p_hum, fig, human) -> dict:
    """The kind's own figures and distribution summaries (none for the one-of-K kinds)."""
    spec = q.spec
    out: dict = {}
    if spec.extras is not None:
        rows = human.self_rows(q.id)
        names = list(spec.extras(q.values, rows, human.weights, rows, human.weights))
        out["extras"] = {name: fig(f"{name}/{q.id}") for name in names}
    if spec.share_extras is not None:
        names = list(spec.share_extras(q.values, p_hum, p_hum))
        out["extras"] = {**out.get("extras", {}), **{n: fig(f"{n}/{q.id}") for n in names}}
    if spec.summary is not None:
        out["human_summary"] = {k: rounded(v) for k, v in spec.summary(q.values, p_hum).items()}
        out["sim_summary"] = {k: rounded(v) for k, v in spec.summary(q.values, p_sim).items()}
    return out


def _share_err(rows: np.ndarray, weights: np.ndarray, mean: np.ndarray) -> list[float]:
    """1.96 standard errors of each option's weighted share (effective sample size)."""
    ok = ~np.isnan(rows).any(axis=1)
    w = weights[ok]
    if len(w) < 2 or w.sum() <= 0:
        return [0.0] * len(mean)
    var = (w[:, None] * (rows[ok] - mean) ** 2).sum(axis=0) / w.sum()
    n_eff = w.sum() ** 2 / (w**2).sum()
    return [round(float(x), 6) for x in 1.96 * np.sqrt(var / n_eff)]


def _gaps(instrument: Instrument, questions, fig) -> list[GapScore]:
    out = []
    for q in questions:
        if q.groups is None:
            continue
        gs = instrument.groups[q.groups]
        inside = gs.get(q.about) if q.about else gs.members[0]
        out.append(
            GapScore(
                question=q.id,
                ingroup=inside.name,
                outgroup=gs.other(inside).name,
                **{name: fig(f"{name.split('_')[1]}/{q.id}/{name.split('_')[0]}")
                   for name in GAP_METRICS},
            )
        )  # fmt: skip
    return out


def _grids(instrument: Instrument, questions, fig, point, fl) -> list[GridScore]:
    """Each grid with scored items, as a block (surveys.metrics.compare.grid_metrics)."""
    scored = {q.id for q in questions}
    out = []
    for name, members in instrument.grids.items():
        key = f"grid/{name}"
        if f"{key}/wd" not in point:
            continue
        out.append(
            GridScore(
                grid=name,
                items=[q.id for q in members if q.id in scored],
                wd=fig(f"{key}/wd"),
                uniform=rounded(point[f"{key}/uniform"]),
                floor=rounded(finite_mean(fl[f"{key}/wd"])) if fl and f"{key}/wd" in fl else None,
                r_sim=fig(f"{key}/r_sim"),
                r_human=fig(f"{key}/r_human"),
                r_diff=fig(f"{key}/r_diff"),
            )
        )
    return out


def person_figure(data: tuple[np.ndarray, ...], statistic, n_boot: int, seed: int) -> Figure:
    """A figure over persons: `statistic(*data, axis=-1)` with scipy's BCa bootstrap interval
    (paired when several arrays), percentile where BCa is undefined, none below 3 persons."""
    value = float(statistic(*data, axis=-1))
    if n_boot < 2 or len(data[0]) < 3:
        return Figure(value=rounded(value), lo=None, hi=None)
    for method in ("BCa", "percentile"):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a degenerate BCa is handled: percentile next
            res = scipy_bootstrap(
                data, statistic, paired=True, vectorized=True, n_resamples=n_boot,
                method=method, random_state=np.random.default_rng(seed),
            )  # fmt: skip
        lo, hi = res.confidence_interval
        if np.isfinite(lo) and np.isfinite(hi):
            lo, hi = rounded(lo), rounded(hi)
            return Figure(value=rounded(value), lo=lo, hi=hi, method=method.lower())
    return Figure(value=rounded(value), lo=None, hi=None)


def _individual(ps: PersonScores | None, n_boot: int, seed: int) -> Individual | None:
    if ps is None:
        return None

    def mean(x, axis=-1):
        return np.mean(x, axis=axis)

    def ratio(a, b, axis=-1):
        return np.mean(a, axis=axis) / np.mean(b, axis=axis)

    def fig(*arrays, statistic=mean) -> Figure:
        return person_figure(arrays, statistic, n_boot, seed)

    r = ps.r[np.isfinite(ps.r)]
    return Individual(
        n=len(ps.persona),
        items_per_person=round(float(ps.items.mean()), 2),
        accuracy=fig(ps.persona),
        top1=fig(ps.persona_top1),
        demographic_model_accuracy=fig(ps.demographic),
        demographic_model_top1=fig(ps.demographic_top1),
        cell_majority_top1=fig(ps.cell_top1),
        random_persona_accuracy=fig(ps.random_persona),
        random_persona_top1=fig(ps.random_persona_top1),
        accuracy_over_demographic_model=fig(ps.persona, ps.demographic, statistic=ratio),
        person_r=fig(r) if len(r) else Figure(value=None, lo=None, hi=None),
        person_r_defined=len(r),
    )


def _warnings(s: Score) -> list[str]:
    out = []
    if s.n_personas < s.min_reliable_n:
        out.append(
            f"n={s.n_personas} simulated people is below {s.min_reliable_n}, the size from which "
            "the 95% intervals held the truth at least 90% of the time in the coverage "
            "simulation (`chorus bench coverage`): they are too narrow here, read them as rough"
        )
    fallback = [name for name in HEADLINE if getattr(s, name).method == "percentile"]
    if fallback:
        out.append(f"BCa undefined for {', '.join(fallback)}: percentile intervals there")
    if s.dispersion_flagged:
        out.append(
            f"{s.dispersion_flagged} of {len(s.questions)} questions have a simulated/human "
            "dispersion ratio outside [0.5, 2]"
        )
    if not s.beats_uniform.beats:
        out.append("not closer to the human answers than uniform chance (beats_uniform)")
    out += [f"{name} undefined: {why}" for name, why in s.undefined.items()]
    return out


def _floor(reps: dict[str, np.ndarray], n: int, questions, curve, undefined) -> Floor:
    return Floor(
        n=n,
        wd=Figure.spread(reps["wd"]),
        wd_raw=Figure.spread(reps["wd_raw"]),
        frobenius=(
            Figure.undefined() if "frobenius" in undefined else Figure.spread(reps["frobenius"])
        ),
        alpha=Figure.undefined() if "alpha_sim" in undefined else Figure.spread(reps["alpha_sim"]),
        curve=curve,
        questions={
            q.id: rounded(finite_mean(reps[f"wd/{q.id}"]))
            for q in questions
            if f"wd/{q.id}" in reps
        },
    )


def _cell(f: Figure | None) -> str:
    if f is not None and f.method == "undefined":
        return "undefined"
    if f is None or f.value is None:
        return "-"
    if f.lo is None or f.hi is None:
        return f"{f.value:.3f}"
    return f"{f.value:.3f} [{f.lo:.3f}, {f.hi:.3f}]"


def summary_table(reports: Sequence[tuple[str, Score]]) -> str:
    """A readable fixed-width table of the headline figures, with the `uniform` and real-panel
    floor reference rows, whether each run beats chance, each run's equivalent real panel size,
    and the warnings."""
    head = (
        f"{'run':<16}{'n':>5}  {'WD (norm.)':<24}{'WD (raw)':<24}{'Frobenius':<24}"
        f"{'alpha':<24}{'beats uniform (margin)'}"
    )
    lines = [head, "-" * len(head)]
    for name, r in reports:
        verdict = "yes" if r.beats_uniform.beats else "no"
        lines.append(
            f"{name:<16}{r.n_personas:>5}  {_cell(r.wd):<24}{_cell(r.wd_raw):<24}"
            f"{_cell(r.frobenius):<24}{_cell(r.alpha_sim):<24}"
            f"{verdict} {_cell(r.beats_uniform.margin)}"
        )
    first = reports[0][1] if reports else None
    if first is None:
        return "\n".join(lines)
    lines.append(f"{'uniform':<16}{first.n_personas:>5}  {_cell(first.uniform):<24}")
    if first.human_floor is not None:
        f = first.human_floor
        cells = "".join(f"{_cell(x):<24}" for x in (f.wd, f.wd_raw, f.frobenius, f.alpha))
        lines.append(f"{'real panel':<16}{f.n:>5}  {cells}")
    lines.append(f"{'human (all)':<16}{first.n_human:>5}  {'':<72}{_cell(first.alpha_human):<24}")
    used = ", ".join(f"{k} x{v}" for k, v in sorted(first.metrics_used.items()))
    lines.append(f"\ndistance per question: {used}. {first.intervals}")
    for name, r in reports:
        if r.equivalent_panel is not None and first.human_floor is not None:
            e = r.equivalent_panel
            size = f"about {e.n:.0f}" if e.n is not None else e.note
            ratio = "-" if e.wd_over_floor is None else f"{e.wd_over_floor:.2f}"
            lines.append(
                f"{name}: WD / real-panel floor {ratio} (1.0 = a real panel of the same size); "
                f"equivalent real panel size {size}"
            )
        if r.individual is not None:
            ind = r.individual
            lines.append(
                f"{name}: individual accuracy {_cell(ind.accuracy)} vs demographic model "
                f"{_cell(ind.demographic_model_accuracy)} (ratio "
                f"{_cell(ind.accuracy_over_demographic_model)}), person r {_cell(ind.person_r)}"
            )
        lines += [f"WARNING ({name}): {w}" for w in r.warnings]
    return "\n".join(lines)
