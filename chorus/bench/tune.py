"""`chorus bench tune --json`: does fine-tuning on real answers (chorus.tuning) move the simulator
above chance, on questions and on a survey it never saw?

Design (docs/tuning.md, "Measured"): the respondents of each survey are split once (tuning's own
split, so evaluation respondents never trained); the questions are cut into K folds. Per fold a
model is tuned on the other folds' questions (subgroup examples of the training respondents) and
asked the fold's questions, steered by each subgroup of the held-out respondents (the `subgroup`
conditioning, both option orders). Cross-survey: tuned on every question of one survey, asked
the other's. Rows: base and tuned models, `uniform`, and the floor: per subgroup cell, the
distance between the cell's human distribution and a real panel of the cell's size drawn from
it (`panel_floor`, SubPOP's human-resampling bound). `gap_closed` = (uniform - d) / (uniform -
floor), its interval a BCa bootstrap over questions.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from pydantic import ValidationError
from scipy.stats import bootstrap

from chorus.core import derive_seed
from chorus.engines.flags import flags_of
from chorus.surveys import TRAITS, answer, from_human, load_dataset, load_instrument
from chorus.surveys.crosstab import crosstab_from_answers, subgroup_persona
from chorus.surveys.metrics.dispersion import ratios
from chorus.surveys.metrics.distance import weighted_distribution
from chorus.surveys.metrics.floor import panel_floor
from chorus.surveys.metrics.steering import question_steering, steering
from chorus.tuning import TuneOptions, read_manifest, tune
from chorus.tuning.data import split_respondents
from chorus.tuning.frozen import FrozenLayers, decoder

Cells = dict[tuple[str, tuple], np.ndarray]  # (question, subgroup) -> distribution


# the bench picks these per fold; every other TuneOptions field is a flag of its own
_PER_FOLD = ("holdout_questions", "questions")


def _parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="chorus bench tune", description=__doc__)
    p.add_argument("--json", action="store_true", help="print only the JSON object")
    p.add_argument("--surveys", default="anes2012,gss2006panel")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--questions", type=int, default=26, help="questions per survey (first N)")
    p.add_argument("--base", default=None, help="base model (default: embedded)")
    p.add_argument("--trained-eval", type=int, default=3, help="trained questions asked per fold")
    p.add_argument("--no-cross", action="store_true", help="skip the cross-survey rows")
    p.add_argument("--floor-boot", type=int, default=100)
    p.add_argument("--n-boot", type=int, default=1000)
    p.add_argument("--work", default=None, help="folder for the tuned models (default: temp)")
    # the tuning options (chorus tune's), also the evaluation's: traits, min-cell and seed
    # pick the evaluation cells and the respondent split too
    group = p.add_argument_group("tuning options (chorus tune's; max-minutes is per model)")
    for name, flag in flags_of(TuneOptions).items():
        if name in _PER_FOLD:
            continue
        kind = (
            {"action": argparse.BooleanOptionalAction} if flag.kind is bool else {"type": flag.kind}
        )
        group.add_argument(flag.flag, dest=f"tune_{name}", default=None, help=flag.help, **kind)
    a = p.parse_args(argv)
    given = {k[5:]: v for k, v in vars(a).items() if k.startswith("tune_") and v is not None}
    try:
        a.options = TuneOptions(**given)
    except ValidationError as exc:
        p.error(str(exc))
    return a


class Survey:
    """One survey's questions, its held-out respondents' subgroup cells and their floors."""

    def __init__(self, name: str, a: argparse.Namespace) -> None:
        self.name = name
        self.inst = load_instrument(name)
        self.ds = load_dataset(name)
        people = self.ds.respondents()
        usable = [
            q.id for q in self.inst.scored_questions
            if len(q.options) <= 7 and self.name in q.sources
            and _maps(self.ds, self.inst, q.id, people)
        ]  # fmt: skip
        self.questions = usable[: a.questions]
        self.inst = self.inst.subset(self.questions)
        answers = self.ds.answers(self.inst, people)
        o: TuneOptions = a.options
        held = split_respondents(
            people["respondent_id"].astype(str).tolist(), o.holdout_respondents, o.seed
        )
        self.people, answers = people[held].reset_index(drop=True), answers[held]
        traits = o.traits or list(TRAITS)
        table = crosstab_from_answers(self.people, answers, self.inst, traits, False, o.min_cell)
        self.cells = {k: c for k, c in table.cells.items() if k[1] and k[0] in self.questions}
        self.subgroups = sorted({s for _, s in self.cells}, key=str)
        self.human = from_human(self.ds, self.inst, self.people)
        self.floor = self._floors(a.floor_boot, o.seed)

    def _floors(self, n_boot: int, seed: int) -> dict[tuple[str, tuple], float]:
        rng = np.random.default_rng(derive_seed(seed, "floor", self.name))
        traits = self.human.traits
        out = {}
        for (qid, sg), cell in self.cells.items():
            member = np.ones(self.human.n, dtype=bool)
            for t, c in sg:
                member &= traits[t] == c
            rows = self.human.self_answers(qid)
            member &= ~np.isnan(rows).any(axis=1)
            part = self.human.take(np.flatnonzero(member))
            kind = self.inst.question(qid).kind

            def stat(sim, hum, _rng, qid=qid, kind=kind):
                p = weighted_distribution(sim.self_answers(qid), sim.weights)
                q = weighted_distribution(hum.self_answers(qid), hum.weights)
                return {"d": _dist(kind, p, q)}

            out[(qid, sg)] = float(np.mean(panel_floor(part, stat, cell.n, n_boot, rng)["d"]))
        return out


def _maps(ds, inst, qid: str, people) -> bool:
    """Whether the question's mapping reads this dataset (a broken one is left out, not fatal)."""
    from chorus.surveys import DatasetError

    try:
        return bool(ds.answers(inst.subset([qid]), people)[qid].notna().any())
    except DatasetError:
        return False


def _dist(kind: str, p: np.ndarray, q: np.ndarray) -> float:
    from chorus.surveys.metrics.distance import distance

    return distance(kind, p, q)


def model_cells(engine, survey: Survey, questions: Sequence[str]) -> Cells:
    """The model's distribution per (question, subgroup), steered by the subgroup."""
    personas = [subgroup_persona(sg) for sg in survey.subgroups]
    inst = survey.inst.subset(list(questions))
    table = answer(engine, personas, inst, conditioning="subgroup", debias="reverse",
                   batch_personas=len(personas))  # fmt: skip
    by_id = {p.persona_id: sg for p, sg in zip(personas, survey.subgroups)}
    out: Cells = {}
    for pid, qid, probs in table[["persona_id", "question_id", "probs"]].itertuples(
        index=False, name=None
    ):
        k = len(survey.inst.question(qid).substantive_options)
        p = np.asarray(probs, dtype=float)[:k]
        out[(qid, by_id[pid])] = p / p.sum()
    return out


def _interval(values: np.ndarray, stat, n_boot: int, seed: int) -> list[float] | None:
    if len(values) < 3:
        return None
    res = bootstrap((values,), stat, n_resamples=n_boot, method="BCa", vectorized=False,
                    random_state=np.random.default_rng(seed))  # fmt: skip
    return [float(res.confidence_interval.low), float(res.confidence_interval.high)]


def metrics(survey: Survey, cells: Cells, questions: Sequence[str], n_boot: int, seed: int) -> dict:
    """d (by kind), uniform, floor, gap_closed, beats_uniform, steerability, dispersion."""
    per_q = []  # (d, uniform, floor) per question: the cell average (SubPOP's subgroup average)
    kinds: dict[str, list[float]] = {}
    steer, disp = [], []
    for qid in questions:
        q = survey.inst.question(qid)
        keys = [(qid, sg) for sg in survey.subgroups if (qid, sg) in survey.cells]
        if not keys or any(k not in cells for k in keys):
            continue
        k = len(q.substantive_options)
        uni = np.full(k, 1.0 / k)
        d = [_dist(q.kind, cells[key], survey.cells[key].shares) for key in keys]
        u = [_dist(q.kind, uni, survey.cells[key].shares) for key in keys]
        f = [survey.floor[key] for key in keys]
        per_q.append((np.mean(d), np.mean(u), np.mean(f)))
        kinds.setdefault(q.kind, []).append(float(np.mean(d)))
        disp += [ratios(q.kind, cells[key], survey.cells[key].shares, q.values)["ratio"]
                 for key in keys]  # fmt: skip
        by_trait_m: dict[str, list[np.ndarray]] = {}
        by_trait_h: dict[str, list[np.ndarray]] = {}
        weights: dict[str, list[float]] = {}
        for key in keys:
            ((trait, _),) = key[1]
            by_trait_m.setdefault(trait, []).append(cells[key])
            by_trait_h.setdefault(trait, []).append(survey.cells[key].shares)
            weights.setdefault(trait, []).append(survey.cells[key].n)
        steer.append(question_steering(
            q.kind, by_trait_m, by_trait_h, {t: np.array(w) for t, w in weights.items()}
        ))  # fmt: skip
    if not per_q:
        return {}
    arr = np.array(per_q)

    def gap(x: np.ndarray) -> float:
        m = arr[x] if x.dtype.kind == "i" else x
        mu = m.mean(axis=0)
        return float((mu[1] - mu[0]) / (mu[1] - mu[2]))

    idx = np.arange(len(arr))
    mean_d = float(arr[:, 0].mean())
    gain = arr[:, 1] - arr[:, 0]
    gain_ci = _interval(gain, np.mean, n_boot, seed)
    return {
        "questions": len(arr),
        "cells": len(survey.subgroups),
        "d": {
            "all": mean_d,
            "interval": _interval(arr[:, 0], np.mean, n_boot, seed),
            **{k: float(np.mean(v)) for k, v in kinds.items()},
        },  # fmt: skip
        "uniform": float(arr[:, 1].mean()),
        "floor": float(arr[:, 2].mean()),
        "gap_closed": {
            "value": gap(idx),
            "interval": _interval(idx, lambda i: gap(i.astype(int)), n_boot, seed),
        },
        "beats_uniform": bool(gain_ci is not None and gain_ci[0] > 0),
        "dispersion_ratio": float(np.nanmedian(disp)) if disp else None,
        **steering(steer),
    }


def _row(survey: str, split: str, model: str, m: dict, fold: object = "all", **more) -> dict:
    return {"survey": survey, "split": split, "model": model, "conditioning": "subgroup",
            "fold": fold, **more, **m}  # fmt: skip


def _engine(model: str | Path | None):
    from chorus.engines import load_engine

    return load_engine(model=str(model) if model else None)


def _tune(
    a, survey: Survey, out: Path, holdout: list[str], questions: list[str], frozen: FrozenLayers
) -> dict:
    options = a.options.model_copy(update={"holdout_questions": holdout, "questions": questions})
    tune(survey.inst, survey.name, out, options, base=a.base, progress=not a.json, frozen=frozen)
    m = read_manifest(out)
    assert m is not None
    return {"seconds": m.seconds, "frozen_seconds": m.frozen_seconds,
            "examples": m.steps * options.batch_size,
            "examples_per_s": m.examples_per_s, "tokens_per_example": m.tokens_per_example,
            "steps": m.steps, "stopped": m.stopped, "parameters": m.base_parameters}  # fmt: skip


def _step_parameters(engine, options: TuneOptions) -> int:
    """Parameters a training step runs through: the adapted top layers when the frozen layers
    below are cached (tuning.train.frozen_layers), else the whole model."""
    model = getattr(engine, "inner", engine).model  # under the response cache's wrapper
    n_layers = int(model.config.num_hidden_layers)
    if options.method == "lora" and 0 < options.lora_layers < n_layers:
        top = decoder(model).layers[n_layers - options.lora_layers :]
        return sum(p.numel() for p in top.parameters())
    return sum(p.numel() for p in model.parameters())


def matmul_rate() -> float:
    """This machine's bf16 matmul rate now (FLOP/s), the bound training is measured against."""
    import torch

    x = torch.randn(1024, 1024, dtype=torch.bfloat16)
    torch.matmul(x, x)
    start, reps = time.perf_counter(), 20
    for _ in range(reps):
        torch.matmul(x, x)
    return 2 * 1024**3 * reps / (time.perf_counter() - start)


def main(argv: list[str]) -> int:
    a = _parse(argv)
    seed = a.options.seed
    warnings.filterwarnings("ignore", category=FutureWarning)  # transformers' deprecations
    warnings.filterwarnings("ignore", message=".*BCa confidence interval cannot be calculated")
    np.seterr(invalid="ignore", divide="ignore")  # a degenerate bootstrap gives NaN, reported
    started = time.monotonic()
    surveys = {name: Survey(name, a) for name in a.surveys.split(",")}
    work = Path(a.work or tempfile.mkdtemp(prefix="chorus-bench-tune-"))
    base_engine = _engine(a.base)
    # one cache of the frozen lower layers for every model tuned here (same base, same prompts)
    frozen = FrozenLayers()
    rows: list[dict] = []
    trainings: list[dict] = []
    base_cells: dict[str, Cells] = {}
    for name, s in surveys.items():
        base = base_cells[name] = model_cells(base_engine, s, s.questions)
        rows.append(
            _row(name, "questions", "base", metrics(s, base, s.questions, a.n_boot, seed))
        )
        uni = {k: np.full(len(v.shares), 1 / len(v.shares)) for k, v in s.cells.items()}
        rows.append(
            _row(name, "questions", "uniform", metrics(s, uni, s.questions, a.n_boot, seed))
        )
        order = sorted(s.questions, key=lambda q: derive_seed(a.options.seed, "fold", q))
        folds = [order[k :: a.folds] for k in range(a.folds)]
        held_cells: Cells = {}
        trained_cells: Cells = {}
        trained_qs: list[str] = []
        for k, held in enumerate(folds):
            train_q = [q for q in s.questions if q not in held]
            trainings.append(_tune(a, s, work / f"{name}-fold{k}", held, train_q, frozen))
            eng = _engine(work / f"{name}-fold{k}")
            ask_trained = train_q[: a.trained_eval]
            cells = model_cells(eng, s, held + ask_trained)
            held_cells |= {key: v for key, v in cells.items() if key[0] in held}
            trained_cells |= {key: v for key, v in cells.items() if key[0] in ask_trained}
            trained_qs += [q for q in ask_trained if q not in trained_qs]
            fold_m = metrics(s, {kk: v for kk, v in cells.items() if kk[0] in held}, held,
                             a.n_boot, seed)  # fmt: skip
            rows.append(_row(name, "questions", "tuned", fold_m, fold=k))
        rows.append(_row(name, "questions", "tuned", metrics(s, held_cells, s.questions,
                                                             a.n_boot, seed)))  # fmt: skip
        rows.append(_row(name, "trained_questions", "base",
                         metrics(s, base, trained_qs, a.n_boot, seed)))  # fmt: skip
        rows.append(_row(name, "trained_questions", "tuned",
                         metrics(s, trained_cells, trained_qs, a.n_boot, seed)))  # fmt: skip
    if not a.no_cross and len(surveys) == 2:
        # trained on every question of one survey, asked every question of the other
        for src, dst in (list(surveys), list(surveys)[::-1]):
            s, t = surveys[src], surveys[dst]
            trainings.append(_tune(a, s, work / f"{src}-all", [], s.questions, frozen))
            cells = model_cells(_engine(work / f"{src}-all"), t, t.questions)
            for model, got in (("base", base_cells[dst]), ("tuned", cells)):
                rows.append(_row(dst, "cross_survey", model,
                                 metrics(t, got, t.questions, a.n_boot, seed),
                                 trained_on=src))  # fmt: skip
    seconds = sum(t["seconds"] for t in trainings)
    examples = sum(t["examples"] for t in trainings)
    tokens = np.mean([t["tokens_per_example"] for t in trainings]) if trainings else 0.0
    rate = examples / seconds if seconds else 0.0
    run_params = _step_parameters(base_engine, a.options)
    cached = sum(t["frozen_seconds"] for t in trainings)
    peak = matmul_rate()
    out = {
        "folds": a.folds,
        "base_model": base_engine.model_id,
        "settings": {
            k: v for k, v in vars(a).items()
            if k not in ("json", "work", "options") and not k.startswith("tune_")
        } | {"tune": a.options.model_dump(mode="json", exclude=set(_PER_FOLD))},  # fmt: skip
        "train_seconds": round(seconds, 1),
        "train_examples_per_s": round(rate, 3),
        "tokens_per_example": round(float(tokens), 1),
        # without the cache's one-off pass (and its validations' share of the time)
        "train_examples_per_s_cached": round(examples / max(seconds - cached, 1e-9), 3),
        "frozen_seconds": round(cached, 1),
        # the bound, 6 x parameters x tokens, over the parameters a step runs through:
        # the top lora_layers layers when the frozen layers are cached, else every parameter
        "step_parameters": run_params,
        "flop_bound_share": round(6 * run_params * float(tokens) * rate / peak, 4),
        "bf16_matmul_flops": peak,
        "trainings": trainings,
        "wall_seconds": round(time.monotonic() - started, 1),
        "rows": rows,
    }
    print(json.dumps(out, indent=None if a.json else 1, default=float))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
