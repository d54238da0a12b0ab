"""The schema of a score (metrics.json): figures with their intervals, per-question,
subgroup and individual-level blocks, and the table forms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from chorus.surveys.metrics.bootstrap import bca_interval, percentile_interval


def rounded(x: float | None) -> float | None:
    """Rounded to 6 places; None for a missing or non-finite number (JSON null)."""
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def finite_mean(x: np.ndarray) -> float:
    return float(np.nanmean(x)) if np.isfinite(x).any() else float("nan")


class Figure(BaseModel):
    """A headline number with its 95% interval and how the interval was made."""

    model_config = ConfigDict(ser_json_inf_nan="null")
    value: float | None
    lo: float | None
    hi: float | None
    # bca | percentile (BCa undefined, or a floor's spread) | none | undefined (the dataset
    # cannot support the figure: Score.undefined says why)
    method: str = "none"

    @classmethod
    def of(
        cls, value: float, reps: np.ndarray | None, influence: np.ndarray | None = None
    ) -> Figure:
        if reps is None:
            return cls(value=rounded(value), lo=None, hi=None)
        lo, hi, method = bca_interval(value, reps, influence)
        return cls(value=rounded(value), lo=rounded(lo), hi=rounded(hi), method=method)

    @classmethod
    def undefined(cls) -> Figure:
        return cls(value=None, lo=None, hi=None, method="undefined")

    @classmethod
    def spread(cls, reps: np.ndarray) -> Figure:
        """Mean and middle 95% of a distribution of replicates (the human floor)."""
        lo, hi = percentile_interval(reps)
        value = rounded(finite_mean(reps))
        return cls(value=value, lo=rounded(lo), hi=rounded(hi), method="percentile")


class Dispersion(BaseModel):
    model_config = ConfigDict(ser_json_inf_nan="null")
    variance: float | None  # simulated / human answer variance over option values
    entropy: float | None  # simulated / human entropy
    ratio: float | None  # the flagged one: variance (ordered kinds) or entropy (nominal)
    flagged: bool  # ratio < 0.5 (under-dispersed) or > 2


class QuestionScore(BaseModel):
    model_config = ConfigDict(ser_json_inf_nan="null")
    id: str
    text: str
    kind: str
    metric: str  # the kind's distance (surveys.kinds): wasserstein | tvd for the shipped ones
    labels: list[str]
    options: list[str]  # the options' wordings (scale anchors)
    human: list[float]  # shares by option (ranking: K x K item-by-rank, flattened item-major)
    sim: list[float]
    human_err: list[float]  # 95% half-width of each share (normal approximation)
    sim_err: list[float]
    wd: Figure
    wd_raw: Figure
    uniform: float | None  # the chance row's distance on this question
    floor: float | None  # mean distance of a real panel of the simulated size
    n_sim: int  # simulated people with an answer
    n_human: int  # respondents with an answer
    human_missing: int  # respondents without one
    raw_mass: float | None  # mean probability the option labels got before renormalising
    dispersion: Dispersion
    # the kind's own figures (numeric: `median_diff`, simulated minus human median) and the
    # summaries of the two distributions (numeric: mean and quantiles); empty for other kinds
    extras: dict[str, Figure] = {}
    human_summary: dict[str, float | None] = {}
    sim_summary: dict[str, float | None] = {}
    # skip logic: the question's `ask_if`, and the simulated people's weighted mean probability
    # of meeting it (their answers are weighted by it; the human base met it in the data)
    ask_if: str | None = None
    sim_asked: float | None = None


class GridScore(BaseModel):
    """A grid scored as a block: its items' mean distance, and whether the simulated answers
    hang together across the items as the humans' do (mean inter-item correlation)."""

    grid: str
    items: list[str]
    wd: Figure  # mean of the items' distances
    uniform: float | None  # the chance row's mean distance over the items
    floor: float | None  # a real panel of the simulated size (the human floor's mean)
    r_sim: Figure  # mean inter-item correlation, sampled simulated answers
    r_human: Figure
    r_diff: Figure  # r_sim - r_human


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


REAL_PANEL = (
    "a real panel of n respondents (weighted draws of the human sample, answers scored exactly as "
    "the simulated panel's) against the same whole human sample: what a perfect simulator of n "
    "people scores under this design"
)


class Floor(BaseModel):
    """The like-for-like floor (surveys.metrics.floor.panel_floor): mean and middle 95% of the
    figures of real panels of the simulated size against the whole human sample, and the
    expected WD of real panels of other sizes (`curve`, for the equivalent real panel size)."""

    n: int
    reference: str = REAL_PANEL
    wd: Figure
    wd_raw: Figure
    frobenius: Figure
    alpha: Figure
    questions: dict[str, float | None] = {}  # mean floor distance per question
    curve: dict[int, float] = {}  # real panel size -> its expected WD


class EquivalentPanel(BaseModel):
    """A row's WD read against real panels: `wd_over_floor` (1.0 = as close as a real panel of
    the same size, the like-for-like ratio) and the real panel size with the same expected WD
    (`n`, None outside the floor's curve; `note` says which side or how it was found)."""

    wd_over_floor: float | None
    n: float | None
    note: str

    @classmethod
    def of(cls, floor: Floor, wd: float | None) -> EquivalentPanel:
        from chorus.surveys.metrics.floor import equivalent_panel_size

        if wd is None or floor.wd.value is None or not floor.curve:
            return cls(wd_over_floor=None, n=None, note="undefined: no WD or no floor")
        n, note = equivalent_panel_size(floor.curve, wd)
        ratio = wd / floor.wd.value if floor.wd.value > 0 else None
        return cls(wd_over_floor=rounded(ratio), n=rounded(n), note=note)


class BeatsUniform(BaseModel):
    """Uniform's distance minus the run's (> 0: closer to people than chance); `beats` when the
    whole interval is above 0."""

    margin: Figure
    beats: bool


class SubgroupScore(BaseModel):
    trait: str
    group: str
    n_sim: int
    n_human: int
    wd: Figure
    floor: Figure | None  # real panels of n_sim of this subgroup's respondents vs all of them
    representativeness: float | None  # 1 - wd


class Individual(BaseModel):
    """Individual-level fidelity of personas matched one to one to respondents (BCa intervals
    over persons); accuracies are the mean probability on the respondent's own option."""

    n: int
    items_per_person: float
    accuracy: Figure
    top1: Figure
    demographic_model_accuracy: Figure
    demographic_model_top1: Figure
    cell_majority_top1: Figure
    random_persona_accuracy: Figure
    random_persona_top1: Figure
    accuracy_over_demographic_model: Figure  # > 1: the persona knows more than demographics
    person_r: Figure  # mean persona-respondent correlation over items
    person_r_defined: int  # persons with a defined r


FLOOR_METRICS = ("wd", "wd_raw", "frobenius", "alpha")
GRID_METRICS = ("wd", "r_sim", "r_human", "r_diff")
GAP_METRICS = ("sim_gap", "sim_d", "human_gap", "human_d")
HEADLINE = ("wd", "wd_raw", "wd_sampled", "frobenius", "alpha_sim", "alpha_human")


class Score(BaseModel):
    """A run scored against a human dataset (metrics.json); `to_pandas()` is its table form."""

    instrument: str
    dataset: str
    n_personas: int
    n_human: int
    n_boot: int
    seed: int
    intervals: str
    min_reliable_n: int
    warnings: list[str]
    metrics_used: dict[str, int]  # distance -> number of questions scored with it
    wd: Figure
    wd_raw: Figure
    wd_sampled: Figure
    frobenius: Figure
    frobenius_undefined_pairs: int
    alpha_sim: Figure
    alpha_human: Figure
    uniform: Figure
    beats_uniform: BeatsUniform
    representativeness: Figure
    dispersion_median: Figure
    dispersion_flagged: int
    human_floor: Floor | None
    equivalent_panel: EquivalentPanel | None = None  # this row against real panels
    undefined: dict[str, str] = {}  # figure -> why this dataset cannot support it
    questions: list[QuestionScore]
    subgroups: list[SubgroupScore]
    individual: Individual | None
    gaps: list[GapScore]
    perceptions: list[PerceptionScore]
    grids: list[GridScore] = []

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the report: headline figures, questions, subgroups, individual."""
        return {
            "figures": self.to_pandas(),
            "questions": pd.DataFrame(
                [
                    {
                        "question": q.id, "text": q.text, "kind": q.kind, "metric": q.metric,
                        "wd": q.wd.value, "wd_lo": q.wd.lo, "wd_hi": q.wd.hi,
                        "floor": q.floor, "uniform": q.uniform, "n_sim": q.n_sim,
                        "n_human": q.n_human, "human_missing": q.human_missing,
                        "raw_mass": q.raw_mass, "dispersion": q.dispersion.ratio,
                        "variance_ratio": q.dispersion.variance,
                        "entropy_ratio": q.dispersion.entropy,
                        "dispersion_flagged": q.dispersion.flagged, "sim_asked": q.sim_asked,
                    }
                    for q in self.questions
                ]
            ),  # fmt: skip
            "subgroups": pd.DataFrame(
                [
                    {
                        "trait": s.trait, "group": s.group, "n_sim": s.n_sim,
                        "n_human": s.n_human, "wd": s.wd.value, "wd_lo": s.wd.lo,
                        "wd_hi": s.wd.hi, "floor": s.floor.value if s.floor else None,
                        "representativeness": s.representativeness,
                    }
                    for s in self.subgroups
                ]
            ),  # fmt: skip
            "individual": pd.DataFrame(
                [
                    {"metric": name, "value": f.value, "lo": f.lo, "hi": f.hi}
                    for name, f in self.individual
                    if isinstance(f, Figure)
                ]
                if self.individual
                else [],
                columns=["metric", "value", "lo", "hi"],
            ),
        }

    def to_pandas(self) -> pd.DataFrame:
        """One row per question and metric (question "all" for the instrument-level figures,
        "uniform" and "human floor" for the reference rows), with value, lo and hi (the 95%
        interval) and the interval's method."""
        rows: list[tuple[str, str, Figure]] = [
            ("all", name, getattr(self, name)) for name in HEADLINE
        ]
        rows += [
            ("all", "beats_uniform", self.beats_uniform.margin),
            ("all", "representativeness", self.representativeness),
            ("all", "dispersion_median", self.dispersion_median),
            ("uniform", "wd", self.uniform),
        ]
        if self.human_floor is not None:
            fl = self.human_floor
            rows += [("human floor", name, getattr(fl, name)) for name in FLOOR_METRICS]
        for q in self.questions:
            rows += [(q.id, "wd", q.wd), (q.id, "wd_raw", q.wd_raw)]
            rows += [(q.id, name, f) for name, f in q.extras.items()]
        for block in self.grids:
            rows += [(block.grid, name, getattr(block, name)) for name in GRID_METRICS]
        for g in self.gaps:
            rows += [(g.question, name, getattr(g, name)) for name in GAP_METRICS]
        for p in self.perceptions:
            rows.append((p.question, f"perception_error/{p.perspective}/{p.perceiver}", p.error))
        return pd.DataFrame(
            [
                {"question": q, "metric": m, "value": f.value, "lo": f.lo, "hi": f.hi,
                 "method": f.method}
                for q, m, f in rows
            ]
        )  # fmt: skip
