"""Score simulated answers against a human dataset: the metrics.json report and its table."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict
from tqdm.auto import tqdm

from chorus.surveys.metrics.bootstrap import bootstrap, collect, human_floor, percentile_interval
from chorus.surveys.metrics.compare import common_questions, compare
from chorus.surveys.metrics.distance import weighted_distribution
from chorus.surveys.metrics.responses import ResponseSet
from chorus.surveys.schema import Instrument


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


class Figure(BaseModel):
    """A headline number with its bootstrap 95% interval."""

    model_config = ConfigDict(ser_json_inf_nan="null")
    value: float | None
    lo: float | None
    hi: float | None

    @classmethod
    def of(cls, value: float, reps: np.ndarray | None) -> Figure:
        lo, hi = percentile_interval(reps) if reps is not None else (float("nan"), float("nan"))
        return cls(value=_num(value), lo=_num(lo), hi=_num(hi))


class QuestionScore(BaseModel):
    id: str
    labels: list[str]
    human: list[float]
    sim: list[float]
    wd: Figure
    wd_raw: Figure


class GapScore(BaseModel):
    question: str
    ingroup: str
    outgroup: str
    sim_gap: Figure
    sim_d: Figure
    human_gap: Figure
    human_d: Figure


class PerceptionScore(BaseModel):
    question: str
    perspective: str  # ingroup | outgroup (vs the human group's self-report) | meta (vs sim)
    perceiver: str
    error: Figure


class Floor(BaseModel):
    """Human floor: mean and 95% interval over pairs of human samples of the simulated size."""

    n: int
    wd: Figure
    wd_raw: Figure
    frobenius: Figure
    alpha: Figure


FLOOR_METRICS = ("wd", "wd_raw", "frobenius", "alpha")
GAP_METRICS = ("sim_gap", "sim_d", "human_gap", "human_d")


class Score(BaseModel):
    """A run scored against a human dataset (metrics.json); `to_pandas()` is its table form."""

    instrument: str
    dataset: str
    n_personas: int
    n_human: int
    n_boot: int
    seed: int
    wd: Figure
    wd_raw: Figure
    wd_sampled: Figure
    frobenius: Figure
    frobenius_undefined_pairs: int
    alpha_sim: Figure
    alpha_human: Figure
    human_floor: Floor | None
    questions: list[QuestionScore]
    gaps: list[GapScore]
    perceptions: list[PerceptionScore]

    def to_pandas(self) -> pd.DataFrame:
        """One row per question and metric (question "all" for the instrument-level figures,
        "human floor" for the floor), with value, lo and hi (the bootstrap 95% interval)."""
        rows: list[tuple[str, str, Figure]] = [
            ("all", name, getattr(self, name))
            for name in ("wd", "wd_raw", "wd_sampled", "frobenius", "alpha_sim", "alpha_human")
        ]
        if self.human_floor is not None:
            fl = self.human_floor
            rows += [("human floor", name, getattr(fl, name)) for name in FLOOR_METRICS]
        for q in self.questions:
            rows += [(q.id, "wd", q.wd), (q.id, "wd_raw", q.wd_raw)]
        for g in self.gaps:
            rows += [(g.question, name, getattr(g, name)) for name in GAP_METRICS]
        for p in self.perceptions:
            rows.append((p.question, f"perception_error/{p.perspective}/{p.perceiver}", p.error))
        return pd.DataFrame(
            [
                {"question": q, "metric": m, "value": f.value, "lo": f.lo, "hi": f.hi}
                for q, m, f in rows
            ]
        )


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
    progress: bool = False,
) -> Score:
    """Point estimates, bootstrap intervals, and the human floor at the simulated size.

    Metrics on sampled answers (wd_sampled, Frobenius, alpha) depend on the draw of one answer
    per persona; their point estimate is the mean over `draws` seeded draws.
    """
    rng = np.random.default_rng(seed)
    repeated = collect([compare(sim, human, instrument, rng) for _ in range(draws)])
    point = {k: _mean(v) for k, v in repeated.items()}
    total = n_boot * (2 if floor else 1)
    with tqdm(total=total, desc="bootstrap", disable=not progress) as bar:
        reps = bootstrap(sim, human, instrument, n_boot, rng, bar.update) if n_boot else {}
        fl = (
            human_floor(human, instrument, sim.n, n_boot, rng, bar.update)
            if floor and n_boot
            else None
        )

    def fig(key: str) -> Figure:
        return Figure.of(point.get(key, float("nan")), reps.get(key))

    questions = common_questions(sim, human, instrument)
    q_scores = [
        QuestionScore(
            id=q.id,
            labels=[o.label for o in q.substantive_options],
            human=[
                round(float(x), 6)
                for x in weighted_distribution(human.self_rows(q.id), human.weights)
            ],
            sim=[
                round(float(x), 6) for x in weighted_distribution(sim.self_rows(q.id), sim.weights)
            ],
            wd=fig(f"wd/{q.id}"),
            wd_raw=fig(f"wd_raw/{q.id}"),
        )
        for q in questions
    ]
    gaps = []
    for q in questions:
        if q.groups is None:
            continue
        gs = instrument.groups[q.groups]
        inside = gs.get(q.about) if q.about else gs.members[0]
        gaps.append(
            GapScore(
                question=q.id,
                ingroup=inside.name,
                outgroup=gs.other(inside).name,
                sim_gap=fig(f"gap/{q.id}/sim"),
                sim_d=fig(f"d/{q.id}/sim"),
                human_gap=fig(f"gap/{q.id}/human"),
                human_d=fig(f"d/{q.id}/human"),
            )
        )
    perceptions = []
    for key in sorted(k for k in point if k.startswith("perception/")):
        _, qid, persp, perceiver = key.split("/")
        perceptions.append(
            PerceptionScore(question=qid, perspective=persp, perceiver=perceiver, error=fig(key))
        )
    return Score(
        instrument=instrument.name,
        dataset=dataset,
        n_personas=sim.n,
        n_human=human.n,
        n_boot=n_boot,
        seed=seed,
        wd=fig("wd"),
        wd_raw=fig("wd_raw"),
        wd_sampled=fig("wd_sampled"),
        frobenius=fig("frobenius"),
        frobenius_undefined_pairs=round(point["frobenius_undefined_pairs"]),
        alpha_sim=fig("alpha_sim"),
        alpha_human=fig("alpha_human"),
        human_floor=_floor(fl, sim.n) if fl is not None else None,
        questions=q_scores,
        gaps=gaps,
        perceptions=perceptions,
    )


def _mean(x: np.ndarray) -> float:
    return float(np.nanmean(x)) if np.isfinite(x).any() else float("nan")


def _floor(reps: dict[str, np.ndarray], n: int) -> Floor:
    def mean_fig(key: str) -> Figure:
        return Figure.of(_mean(reps[key]), reps[key])

    return Floor(
        n=n,
        wd=mean_fig("wd"),
        wd_raw=mean_fig("wd_raw"),
        frobenius=mean_fig("frobenius"),
        alpha=mean_fig("alpha_sim"),
    )


def summary_table(reports: Sequence[tuple[str, Score]]) -> str:
    """A readable fixed-width table of the headline figures."""

    def cell(f: Figure) -> str:
        if f.value is None:
            return "-"
        if f.lo is None or f.hi is None:
            return f"{f.value:.3f}"
        return f"{f.value:.3f} [{f.lo:.3f}, {f.hi:.3f}]"

    head = f"{'run':<16}{'n':>5}  {'WD (norm.)':<24}{'WD (raw)':<24}{'Frobenius':<24}{'alpha':<24}"
    lines = [head, "-" * len(head)]
    for name, r in reports:
        lines.append(
            f"{name:<16}{r.n_personas:>5}  {cell(r.wd):<24}{cell(r.wd_raw):<24}"
            f"{cell(r.frobenius):<24}{cell(r.alpha_sim):<24}"
        )
    first = reports[0][1] if reports else None
    if first is not None and first.human_floor is not None:
        f = first.human_floor
        cells = "".join(f"{cell(x):<24}" for x in (f.wd, f.wd_raw, f.frobenius, f.alpha))
        lines.append(f"{'human floor':<16}{f.n:>5}  {cells}")
        lines.append(
            f"{'human (all)':<16}{first.n_human:>5}  {'':<72}{cell(first.alpha_human):<24}"
        )
    return "\n".join(lines)
