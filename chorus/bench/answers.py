"""Answer-based personas (Park et al. 2024's "survey" agents; Twin-2K-500's digital twins)
predicting real people's held-out answers, against a demographics-only and a statistical model.

Per survey: the item set (the --answer-items questions most respondents answered), --items
held-out questions (a seeded draw among them) and --n respondents (a survey-weighted draw among
those who answered a held-out item and at least one other question; on a retest panel, also
present in the earlier wave). For each person and held-out item they answered, four rows
predict their answer:
- answers: the model conditioned on the person's demographics and own answers to every other
  question of the item set (the `answers` conditioning, leave-one-question-out);
- qa: the same model with the demographics only;
- demographics-only: a multinomial logistic regression on the nine traits, fitted on the other
  respondents with their weights (surveys.metrics.individual's demographic model);
- statistical: the same regression on the traits and the other answers of the item set (one-hot,
  no answer its own category), fitted on the other respondents.
Figures per row, each a mean over people with a BCa interval over people: accuracy (probability
on the person's own answer), top-1, accuracy over demographics-only (ratio of means), person r
(Pearson over a person's items of predicted and real answers, as z-scores of the item). On a
retest panel (the GSS 2006-08-10 panel: the target is the 2008 wave, the retest the 2006 one)
also Park et al.'s normalised accuracy: a person's top-1 on their 2008 answers divided by their
own 2006 -> 2008 agreement on the same items, averaged over people (people who agree on none are
left out and counted), the `retest` row (the own 2006 answer as the prediction) and the retest
ceiling per item. Progress goes to stderr; one JSON object goes to stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from chorus.bench.engine_args import add_engine_arguments, open_engine

if TYPE_CHECKING:
    from chorus.engines import Engine
    from chorus.surveys import Instrument, Persona


@dataclass(frozen=True)
class BenchSurvey:
    dataset: str  # the answers predicted
    instrument: str
    retest: str | None = None  # an earlier wave of the same people (respondent ids)


SURVEYS = {
    "anes2012": BenchSurvey("anes2012", "anes2012"),
    "gss2006panel": BenchSurvey("gss2006panel:2008", "gss2006panel", retest="gss2006panel"),
}
ROWS = ("answers", "qa", "demographics-only", "statistical")


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="chorus bench answers", description=__doc__.splitlines()[0])
    ap.add_argument(
        "--surveys", default=",".join(SURVEYS), help="comma list of " + ", ".join(SURVEYS)
    )
    ap.add_argument("--n", type=int, default=200, help="respondents per survey")
    ap.add_argument("--items", type=int, default=10, help="held-out questions per survey")
    ap.add_argument(
        "--answer-items",
        type=int,
        default=30,
        help="the item set: this many of the questions most people answered; a persona carries "
        "its answers to the others, the statistical model reads the same",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument(
        "--rows", default=",".join(ROWS), help="comma list of rows (the model rows cost time)"
    )
    add_engine_arguments(ap)
    ap.add_argument("--json", action="store_true", help="accepted for uniformity; output is JSON")
    return ap.parse_args(argv)


@dataclass
class Predictions:
    """Per row, per held-out item: an n_people x K probability matrix; and the truth."""

    items: list[str]
    truth: np.ndarray  # n_people x n_items option positions, -1 where not answered
    probs: dict[str, list[np.ndarray]]


def _draw(
    all_answers: pd.DataFrame, held_out: list[str], n: int, seed: int, retest_ids: set[str] | None
) -> tuple[np.ndarray, dict[str, int]]:
    """Row positions of the people drawn, and how many were left out and why."""
    answered = all_answers.drop(columns=["respondent_id", "weight"]).notna()
    has_target = answered[held_out].any(axis=1).to_numpy()
    enough = (answered.sum(axis=1) >= 2).to_numpy()  # a held-out item and another one
    ids = all_answers["respondent_id"].astype(str).to_numpy()
    in_retest = (
        np.ones(len(ids), dtype=bool) if retest_ids is None else np.isin(ids, list(retest_ids))
    )
    left = {
        "no_held_out_answer": int((~has_target).sum()),
        "no_other_answer": int((has_target & ~enough).sum()),
        "retest_wave_missing": int((has_target & enough & ~in_retest).sum()),
    }
    ok = np.flatnonzero(has_target & enough & in_retest)
    if len(ok) < n:
        raise SystemExit(f"error: only {len(ok)} eligible respondents; ask for --n {len(ok)}")
    w = all_answers["weight"].to_numpy(dtype=float)[ok]
    w = np.where(np.isfinite(w) & (w > 0), w, 0.0)
    p = w / w.sum() if w.sum() > 0 else None
    pick = np.random.default_rng(seed).choice(ok, size=n, replace=False, p=p)
    return np.sort(pick), left


def _model_rows(
    engine: Engine,
    people: list[Persona],
    inst: Instrument,
    held_out: list[str],
    styles: list[str],
    seed: int,
) -> dict[str, list[np.ndarray]]:
    """The model rows (`answers`, `qa`) on the engine: n_people x K per held-out item."""
    from chorus.surveys import answer, from_answers, trait_table

    out = {}
    asked = inst.subset(held_out)
    for style in styles:
        table = answer(
            engine, people, asked, conditioning=style, perspectives=["self"], seed=seed,
            progress=True,
        )  # fmt: skip
        rs = from_answers(table, asked, trait_table(people))
        out[style] = [rs.self_answers(q) for q in held_out]
    return out


def _regressions(
    all_answers: pd.DataFrame, traits: np.ndarray, idx: np.ndarray, inst, held_out: list[str]
) -> dict[str, list[np.ndarray]]:
    """demographics-only and statistical: fitted per item on everyone but the drawn people."""
    from chorus.surveys.metrics import demographic_probs

    others = np.setdiff1d(np.arange(len(all_answers)), idx)
    cols = [c for c in all_answers.columns if c not in ("respondent_id", "weight")]
    coded = all_answers[cols].astype("Float64").astype(str).replace("<NA>", "?").to_numpy()
    w = all_answers["weight"].to_numpy(dtype=float)
    w = np.where(np.isfinite(w) & (w > 0), w, 1.0)
    out: dict[str, list[np.ndarray]] = {"demographics-only": [], "statistical": []}
    for qid in held_out:
        k = len(inst.question(qid).substantive_options)
        y = all_answers[qid].to_numpy(dtype=float)
        train = others[np.isfinite(y[others])]
        rest = coded[:, [c != qid for c in cols]]
        both = np.hstack([traits, rest])
        for name, x in (("demographics-only", traits), ("statistical", both)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lbfgs iteration notes on a few sparse items
                probs = demographic_probs(x[train], y[train].astype(int), w[train], x[idx], k)
            out[name].append(probs)
    return out


def _scores(pred: Predictions, human_rows: list[np.ndarray], weights, inst) -> dict:
    """Per row: per-person accuracy, top-1 and r arrays (people with no answered item out)."""
    from chorus.surveys.metrics import row_corr, zscores

    answered = pred.truth >= 0
    out = {}
    for name, per_item in pred.probs.items():
        acc = np.full(pred.truth.shape, np.nan)
        top = np.full(pred.truth.shape, np.nan)
        zs, zh = [], []
        for j, (qid, p) in enumerate(zip(pred.items, per_item)):
            y = pred.truth[:, j]
            ok = answered[:, j] & np.isfinite(p).all(axis=1)
            rows = np.flatnonzero(ok)
            acc[rows, j] = p[rows, y[rows]]
            top[rows, j] = np.argmax(p[rows], axis=1) == y[rows]
            q = inst.question(qid)
            if q.spec.ordered or p.shape[1] == 2:
                truth_rows = np.zeros_like(p)
                truth_rows[rows, y[rows]] = 1.0
                z_p = zscores(np.nan_to_num(p), human_rows[j], weights, q.values)
                z_h = zscores(truth_rows, human_rows[j], weights, q.values)
                zs.append(np.where(ok, z_p, np.nan))
                zh.append(np.where(ok, z_h, np.nan))
        r = row_corr(np.array(zs).T, np.array(zh).T) if zs else np.full(len(acc), np.nan)
        out[name] = {"acc": acc, "top": top, "r": r}
    return out


def _figures(scores: dict, n_boot: int, seed: int, retest: np.ndarray | None) -> dict:
    from chorus.surveys.scoring import person_figure

    def fig(*arrays, statistic=None):
        stat = statistic or (lambda x, axis=-1: np.mean(x, axis=axis))
        return person_figure(arrays, stat, n_boot, seed).model_dump()

    def ratio(a, b, axis=-1):
        return np.mean(a, axis=axis) / np.mean(b, axis=axis)

    base = np.nanmean(scores["demographics-only"]["acc"], axis=1)
    out = {}
    for name, s in scores.items():
        acc = np.nanmean(s["acc"], axis=1)
        top = np.nanmean(s["top"], axis=1)
        keep = np.isfinite(acc) & np.isfinite(base)
        r = s["r"][np.isfinite(s["r"])]
        row = {
            "people": int(keep.sum()),
            "accuracy": fig(acc[keep]),
            "top1": fig(top[keep]),
            "accuracy_over_demographics_only": fig(acc[keep], base[keep], statistic=ratio),
            "person_r": fig(r) if len(r) >= 3 else None,
            "person_r_defined": int(len(r)),
        }
        if retest is not None:
            row |= _normalised(s["top"], retest, fig)
        out[name] = row
    return out


def _normalised(top: np.ndarray, retest: np.ndarray, fig) -> dict:
    """Park et al.'s normalised accuracy: per person, top-1 over the items answered in both
    waves divided by the person's own agreement between the waves on those items."""
    both = np.isfinite(retest) & np.isfinite(top)
    agree = np.where(both, retest, 0).sum(axis=1)
    hits = np.where(both, top, 0).sum(axis=1)
    ok = agree > 0
    return {
        "normalised_accuracy": fig(hits[ok] / agree[ok]) if ok.sum() >= 3 else None,
        "normalised_people": int(ok.sum()),
        "normalised_left_out_no_agreement": int(((both.sum(axis=1) > 0) & ~ok).sum()),
    }


def run_survey(engine, name: str, args: argparse.Namespace, rows: list[str]) -> dict:
    from chorus.surveys import (
        load_dataset,
        load_instrument,
        personas_from_respondents,
        with_answers,
    )
    from chorus.surveys.metrics import trait_features
    from chorus.surveys.metrics.responses import from_human

    started = time.time()
    spec = SURVEYS[name]
    ds = load_dataset(spec.dataset)
    inst = load_instrument(spec.instrument)
    people_table = ds.respondents()
    all_answers = ds.answers(inst, people_table)
    # the item set: the --answer-items questions most people answered (instrument order)
    rate = all_answers.drop(columns=["respondent_id", "weight"]).notna().mean()
    top = set(rate.sort_values(ascending=False, kind="stable").index[: args.answer_items])
    items = [q for q in rate.index if q in top]
    all_answers = all_answers[["respondent_id", "weight", *items]]
    if len(items) < args.items + 1:
        raise SystemExit(f"error: {name} has {len(items)} questions; ask for --items below that")
    rng = np.random.default_rng(args.seed)
    chosen = set(rng.choice(items, size=args.items, replace=False))
    held_out = [q for q in items if q in chosen]
    retest_answers = None
    if spec.retest:
        earlier = load_dataset(spec.retest)
        retest_answers = earlier.answers(inst, earlier.respondents())
    retest_ids = (
        None if retest_answers is None else set(retest_answers["respondent_id"].astype(str))
    )
    idx, left_out = _draw(all_answers, held_out, args.n, args.seed, retest_ids)
    truth = all_answers[held_out].iloc[idx].to_numpy(dtype=float)
    pred = Predictions(
        items=held_out, truth=np.where(np.isfinite(truth), truth, -1).astype(int), probs={}
    )
    human = from_human(ds, inst, people_table)
    traits = trait_features(human.traits, human.n)
    # demographics-only always: it is every row's denominator
    fitted = _regressions(all_answers, traits, idx, inst, held_out)
    pred.probs |= {k: v for k, v in fitted.items() if k in rows or k == "demographics-only"}
    styles: list[str] = [r for r in ("answers", "qa") if r in rows]
    if styles:
        people = personas_from_respondents(people_table.iloc[idx])
        people = with_answers(people, ds, inst, items)
        print(f"{name}: asking {len(people)} people x {len(held_out)} items", file=sys.stderr)
        pred.probs |= _model_rows(engine, people, inst, held_out, styles, args.seed)
    human_rows = [human.self_answers(q) for q in held_out]
    scores = _scores(pred, human_rows, human.weights, inst)
    retest = None
    out: dict = {}
    if retest_answers is not None:
        retest, out["retest_ceiling"] = _retest(all_answers, retest_answers, idx, held_out)
        scores["retest"] = {"acc": retest, "top": retest, "r": np.full(len(idx), np.nan)}
    return {
        "survey": name,
        "dataset": spec.dataset,
        "retest_wave": spec.retest,
        "item_set": items,
        "held_out": held_out,
        "people": len(idx),
        "items_answered_per_person": round(float((pred.truth >= 0).sum(axis=1).mean()), 2),
        "left_out": left_out,
        "rows": _figures(scores, args.n_boot, args.seed, retest),
        **out,
        "seconds": round(time.time() - started, 1),
    }


def _retest(
    target: pd.DataFrame, earlier: pd.DataFrame, idx: np.ndarray, held_out: list[str]
) -> tuple[np.ndarray, dict]:
    """Per drawn person and item, 1.0 where the earlier wave's answer equals the target's (NaN
    where either is missing); per item, the agreement over everyone answering both waves."""
    merged = target[["respondent_id", *held_out]].merge(
        earlier[["respondent_id", *held_out]], on="respondent_id", suffixes=("", "__before")
    )
    ceiling = {}
    for q in held_out:
        a, b = merged[q].to_numpy(dtype=float), merged[f"{q}__before"].to_numpy(dtype=float)
        ok = np.isfinite(a) & np.isfinite(b)
        ceiling[q] = {"agreement": round(float((a[ok] == b[ok]).mean()), 4), "n": int(ok.sum())}
    before = earlier.set_index(earlier["respondent_id"].astype(str))
    ids = target["respondent_id"].astype(str).to_numpy()[idx]
    prior = before.reindex(ids)[held_out].to_numpy(dtype=float)
    now = target[held_out].to_numpy(dtype=float)[idx]
    same = np.where(np.isfinite(prior) & np.isfinite(now), (prior == now).astype(float), np.nan)
    return same, ceiling


def main(argv: list[str]) -> int:
    args = _parse(argv)
    names = [s.strip() for s in args.surveys.split(",") if s.strip()]
    rows = [r.strip() for r in args.rows.split(",") if r.strip()]
    bad = [s for s in names if s not in SURVEYS] + [r for r in rows if r not in ROWS]
    if bad:
        raise SystemExit(
            f"error: unknown survey or row {bad}: surveys {list(SURVEYS)}, rows {list(ROWS)}"
        )
    started = time.time()
    engine = open_engine(args) if {"answers", "qa"} & set(rows) else None
    result = {
        "bench": "answers",
        "n": args.n,
        "items": args.items,
        "seed": args.seed,
        "n_boot": args.n_boot,
        "engine": engine.describe() if engine else None,
        "surveys": [run_survey(engine, s, args, rows) for s in names],
    }
    result["seconds"] = round(time.time() - started, 1)
    print(json.dumps(result, indent=1))
    return 0
