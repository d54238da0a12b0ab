"""`chorus estimate` / `chorus.estimate`: a human pilot plus the simulated answers of the pilot
and of a frame (the population's demographic profiles) -> rectified answer shares per question x
option, overall and per subgroup, and the simulator's worth in real respondents (k*) on
calibration questions that are not estimated.

The pilot is a seeded draw (a count or a fraction) of a human dataset's respondents with their
answers; the frame is by default the dataset's other respondents with their answers withheld
(optionally a seeded subsample of them, to bound the simulation), or a user's table of
profiles: respondent_id, weight and the nine trait columns in canonical categories."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from chorus.core import read_csv, write_atomic
from chorus.engines import Engine
from chorus.surveys.answering import answer
from chorus.surveys.datasets import HumanDataset, load_dataset
from chorus.surveys.errors import DatasetError, SurveyError
from chorus.surveys.estimates.kstar import k_star
from chorus.surveys.estimates.shares import estimate_shares
from chorus.surveys.instruments import demographic_traits, load_instrument
from chorus.surveys.metrics.distance import weighted_distribution
from chorus.surveys.metrics.responses import ResponseSet, from_answers, from_human
from chorus.surveys.persona import personas_from_respondents
from chorus.surveys.schema import Instrument


class EstimateError(SurveyError):
    """A pilot or frame that cannot give an estimate (message names the file/row and the fix)."""


class Estimates(BaseModel):
    """What `chorus estimate` writes (estimates.json; the table also as estimates.csv)."""

    instrument: str
    dataset: str
    conditioning: str
    seed: int
    n_pilot: int
    n_frame: int
    frame: str  # "dataset" (its other respondents, answers withheld) or the frame file
    questions: list[str]  # estimated
    calibration: list[str]  # k* questions (never estimated)
    k_star: int | None
    k_coverage: dict[int, float]
    worth: str  # the k* sentence for the report
    median_n_eff_gain: float | None  # median over cells of PPI++ n_eff / n_pilot (overall)
    engine: dict[str, Any]
    rows: list[dict[str, Any]]
    warnings: list[str]

    def to_pandas(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)

    def write(self, out: Path) -> None:
        """estimates.json and estimates.csv in `out`, each written whole or not at all."""
        text = self.model_dump_json(indent=1)
        table = self.to_pandas()
        write_atomic(out / "estimates.csv", lambda p: table.to_csv(p, index=False))
        write_atomic(out / "estimates.json", lambda p: p.write_text(text))


def draw_pilot(people: pd.DataFrame, n: int | None, fraction: float | None, seed: int):
    """(pilot, rest): a seeded uniform draw of n respondents (or a fraction of them); the
    pilot keeps its survey weights."""
    if (n is None) == (fraction is None):
        raise EstimateError("give exactly one of --pilot-n and --pilot-fraction")
    size = n if n is not None else round(float(fraction) * len(people))  # type: ignore[arg-type]
    if not 2 <= size < len(people):
        raise EstimateError(
            f"a pilot of {size} from {len(people)} respondents: it needs at least 2 and must "
            "leave a frame"
        )
    rng = np.random.default_rng(seed)
    pick = np.zeros(len(people), bool)
    pick[rng.choice(len(people), size=size, replace=False)] = True
    return people[pick].reset_index(drop=True), people[~pick].reset_index(drop=True)


def read_frame(path: Path) -> pd.DataFrame:
    """A user's frame: respondent_id, weight (> 0) and every trait column, in canonical
    categories (demographics.yaml); errors name the file, row and column."""
    table = read_csv(path, dtype=str, error=EstimateError)
    traits = demographic_traits()
    missing = [c for c in ("respondent_id", "weight", *traits) if c not in table.columns]
    if missing:
        raise EstimateError(
            f"{path}: the frame lacks column(s) {missing}: the conditioning describes each "
            "person by every trait (leave a cell empty where a trait is unknown)"
        )
    weight = pd.to_numeric(table["weight"], errors="coerce")
    bad = np.flatnonzero(~(weight > 0))
    if len(bad):
        raise EstimateError(
            f"{path}:{bad[0] + 2}: weight {table['weight'][bad[0]]!r} is not a positive number "
            f"({len(bad)} such rows): every frame weight must be > 0"
        )
    for t, cats in traits.items():
        odd = table[t].notna() & ~table[t].isin(cats)
        if odd.any():
            i = int(np.flatnonzero(odd)[0])
            raise EstimateError(
                f"{path}:{i + 2}: {t} {table[t][i]!r} is not one of its categories {cats} "
                f"({int(odd.sum())} such rows): map it to one, or leave the cell empty"
            )
    dup = table["respondent_id"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise EstimateError(f"{path}:{i + 2}: respondent_id {table['respondent_id'][i]!r} repeats")
    return table.assign(weight=weight.to_numpy(dtype=float))


def estimate(
    engine: Engine,
    instrument: str | Path | Instrument,
    dataset: str | Path | HumanDataset,
    *,
    pilot_n: int | None = None,
    pilot_fraction: float | None = None,
    frame: str | Path | None = None,
    frame_n: int | None = None,
    questions: list[str] | None = None,
    calibration: list[str] | None = None,
    subgroups: tuple[str, ...] = ("party",),
    conditioning: str = "qa",
    seed: int = 0,
    allow_overlap: bool = True,
    progress: bool = False,
) -> Estimates:
    """Simulate the pilot and frame profiles once (self answers, option distributions) and
    estimate the shares of `questions` (default: every scored question not in `calibration`)."""
    inst = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
    ds = dataset if isinstance(dataset, HumanDataset) else load_dataset(dataset)
    pilot, rest = draw_pilot(ds.respondents(), pilot_n, pilot_fraction, seed)
    if frame is None:
        people = rest
        if frame_n is not None and frame_n < len(rest):
            rng = np.random.default_rng(seed + 1)
            people = rest.iloc[np.sort(rng.choice(len(rest), frame_n, replace=False))]
        frame_table, frame_name = people.reset_index(drop=True), "dataset"
    else:
        frame_table, frame_name = read_frame(Path(frame)), str(frame)
        shared = set(frame_table.respondent_id.astype(str)) & set(pilot.respondent_id.astype(str))
        if shared and not allow_overlap:
            raise EstimateError(
                f"{frame}: {len(shared)} frame profile(s) are pilot respondents (e.g. "
                f"{sorted(shared)[:3]}), and the pilot must not overlap the frame"
            )
    calib = list(calibration or [])
    # every kind is estimated (estimates.shares: selection rates, top-1 shares); k* compares
    # one answer distribution per question, which check-all-that-apply and rankings lack
    several = {q.id: q.kind for q in inst.scored_questions if not q.spec.single_answer}
    named = {q: several[q] for q in calib if q in several}
    if named:
        raise EstimateError(
            f"calibration question(s) {named} ask for several answers per person: k* compares "
            "one answer distribution per question; calibrate on one-answer questions"
        )
    wanted = questions or [q.id for q in inst.scored_questions if q.id not in calib]
    both = set(calib) & set(wanted)
    if both:
        raise EstimateError(f"questions {sorted(both)} are both estimated and calibration")
    inst = inst.subset(wanted + calib)
    human = from_human(ds, inst)  # the whole sample: a small pilot's values are checked there
    row_of = {str(r): i for i, r in enumerate(human.ids)}
    human_pilot = human.take(np.array([row_of[str(r)] for r in pilot.respondent_id]))
    for q in inst.scored_questions:
        rows = human_pilot.self_rows(q.id)
        if q.id in wanted and (rows is None or np.isnan(rows).any(axis=1).all()):
            raise EstimateError(
                f"{ds.name}: no pilot respondent answered {q.id!r}: draw a larger pilot or "
                "leave the question out (--questions)"
            )
    everyone = pd.concat(
        [pilot.assign(respondent_id="pilot:" + pilot.respondent_id.astype(str)),
         frame_table.assign(respondent_id="frame:" + frame_table.respondent_id.astype(str))],
        ignore_index=True,
    )  # fmt: skip
    answers = answer(
        engine, personas_from_respondents(everyone), inst, conditioning=conditioning,
        perspectives=["self"], seed=seed, progress=progress,
    )  # fmt: skip
    traits = everyone.rename(columns={"respondent_id": "persona_id"})
    sim = from_answers(answers, inst, traits, weights=everyone["weight"].to_numpy(float))
    is_pilot = np.array([str(i).startswith("pilot:") for i in sim.ids])
    pilot_sim, frame_sim = sim.take(np.flatnonzero(is_pilot)), sim.take(np.flatnonzero(~is_pilot))
    est_q = [q for q in inst.scored_questions if q.id in wanted]
    table, warnings = estimate_shares(human_pilot, pilot_sim, frame_sim, est_q, subgroups)
    k, cov = _k_star(human, calib, frame_sim) if calib else (None, {})
    overall = table[table.trait == "all"] if len(table) else table
    gain = float(np.median(overall.n_eff / overall.n_pilot)) if len(overall) else None
    return Estimates(
        instrument=inst.name, dataset=ds.name, conditioning=conditioning, seed=seed,
        n_pilot=len(pilot), n_frame=len(frame_table), frame=frame_name, questions=wanted,
        calibration=calib, k_star=k, k_coverage=cov, worth=worth_sentence(k, calib, gain),
        median_n_eff_gain=gain, engine=engine.describe(),
        rows=json.loads(table.to_json(orient="records")), warnings=warnings,
    )  # fmt: skip


def _k_star(human: ResponseSet, calib: list[str], frame_sim: ResponseSet):
    """k* on the calibration questions: the frame's simulated shares against the whole human
    dataset's weighted shares."""
    sims, hums = [], []
    for qid in calib:
        h, s = human.self_rows(qid), frame_sim.self_rows(qid)
        if h is None or s is None:
            continue
        hums.append(weighted_distribution(h, human.weights))
        sims.append(weighted_distribution(s, frame_sim.weights))
    if not sims:
        raise DatasetError(f"no calibration question of {calib} has human and simulated answers")
    return k_star(np.concatenate(sims), np.concatenate(hums))


def worth_sentence(k: int | None, calib: list[str], gain: float | None) -> str:
    parts = []
    if k is not None:
        parts.append(
            f"On these calibration questions ({', '.join(calib)}), this simulator is worth "
            f"about {k} "
            "real respondents (k*: the most simulated respondents whose intervals still cover "
            "the human answers at the 95% rate)."
        )
    if gain is not None:
        parts.append(
            f"Rectified by the pilot, it adds the information of {gain:.2f}x the pilot's size "
            "(median PPI++ effective sample size over the pilot size; 1.00 = no gain)."
        )
    return " ".join(parts)
