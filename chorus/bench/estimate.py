"""Pilot estimates on ANES 2012: do PPI++ intervals hold, and what is the simulator worth?

The anes2012 instrument plus chorus/bench/data/anes2012_extra.yaml (--no-extra: without it).
A population of --population respondents (a seeded uniform draw keeping their survey weights;
their weighted answers are the truth) is simulated once (self answers with --conditioning on
the chosen model; the engine's response cache makes a rerun free). Then for each pilot size in
--pilots, --draws pilots are drawn from the population (the rest is the frame) and every
estimated question x option is estimated three ways: human-only (the pilot's weighted share),
simulation-only (the frame's simulated share) and PPI++; draws cost only arithmetic. A third of
the questions (seeded) are the calibration set for k* and are never estimated. Prints one JSON
object: `{"population": N, "questions": [...], "calibration": [...], "rows": [{"n", "estimator",
"coverage", "width", "abs_bias", "n_eff"}], "k_star": {...}, "equivalent_panel": {...},
"seconds": ..., "time": {"simulate", "estimate", "floor"}}`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from chorus.bench.engine_args import add_engine_arguments, open_engine

DATASET = "anes2012"
ESTIMATORS = ("human", "sim", "ppi")
# more ANES 2012 items (group thermometers, household and vote items) so that the benchmark has
# at least 10 questions of a kind where the data allows; the shipped instrument stays as it is
EXTRA = Path(__file__).parent / "data" / "anes2012_extra.yaml"


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="chorus bench estimate", description=__doc__.splitlines()[0])
    ap.add_argument("--population", type=int, default=1000)
    ap.add_argument("--pilots", default="50,100,200,400", help="comma list of pilot sizes")
    ap.add_argument("--draws", type=int, default=200, help="pilot draws per size")
    ap.add_argument("--questions", default=None, help="comma list (default: every scored one)")
    ap.add_argument(
        "--no-extra", action="store_true", help="only the anes2012 instrument's questions"
    )
    ap.add_argument("--conditioning", default="qa")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch-personas", type=int, default=1, help="raise for GPU/server engines")
    add_engine_arguments(ap)
    ap.add_argument("--json", action="store_true", help="accepted for uniformity; output is JSON")
    return ap.parse_args(argv)


def split_questions(ids: list[str], seed: int) -> tuple[list[str], list[str]]:
    """(estimated, calibration): a seeded third of the questions calibrate k*."""
    order = np.random.default_rng(seed).permutation(len(ids))
    calib = sorted(ids[i] for i in order[: max(1, len(ids) // 3)])
    return [q for q in ids if q not in calib], calib


def draw_stats(truth, y, yhat, w, n_sizes, draws, seed) -> list[dict]:
    """Coverage, mean width, mean |bias| and mean n_eff of each estimator per pilot size, over
    every estimated question x option cell and draw. `y`, `yhat`: question -> (N, K) population
    rows (NaN where unanswered), `truth`: question -> (K,) weighted population share."""
    from chorus.surveys.estimates import classical_mean, ppi_mean, simulation_mean

    rng = np.random.default_rng(seed)
    rows = []
    big_n = len(w)
    for n in n_sizes:
        acc: dict[str, dict[str, list]] = {
            e: {"cover": [], "width": [], "bias": [], "n_eff": []} for e in ESTIMATORS
        }
        for _ in range(draws):
            pick = np.zeros(big_n, bool)
            pick[rng.choice(big_n, n, replace=False)] = True
            for qid, t in truth.items():
                known = ~np.isnan(y[qid]).any(axis=1) & ~np.isnan(yhat[qid]).any(axis=1)
                p, f = pick & known, ~pick & ~np.isnan(yhat[qid]).any(axis=1)
                if p.sum() < 2:
                    continue
                ests = {
                    "human": classical_mean(y[qid][p], w[p]),
                    "sim": simulation_mean(yhat[qid][f], w[f]),
                    "ppi": ppi_mean(y[qid][p], yhat[qid][p], yhat[qid][f], w[p], w[f]),
                }
                for name, e in ests.items():
                    a = acc[name]
                    a["cover"].append((e.lo <= t) & (t <= e.hi))
                    a["width"].append(e.hi - e.lo)
                    a["bias"].append(np.abs(e.value - t))
                    size = p.sum() if e.n_eff is None else e.n_eff  # human-only: the pilot
                    a["n_eff"].append(np.broadcast_to(size, np.shape(t)))
        for name, a in acc.items():
            n_eff = np.mean(np.concatenate(a["n_eff"]))
            rows.append({
                "n": n, "estimator": name,
                "coverage": round(float(np.mean(np.concatenate(a["cover"]))), 4),
                "width": round(float(np.mean(np.concatenate(a["width"]))), 4),
                "abs_bias": round(float(np.mean(np.concatenate(a["bias"]))), 4),
                # simulation-only: none (its variance ignores the simulator's bias)
                "n_eff": None if name == "sim" else round(float(n_eff), 1),
            })  # fmt: skip
    return rows


def main(argv: list[str]) -> int:
    args = _parse(argv)
    from chorus.surveys import load_dataset, load_instrument
    from chorus.surveys.answering import answer
    from chorus.surveys.estimates import k_star
    from chorus.surveys.metrics.compare import distributions
    from chorus.surveys.metrics.distance import weighted_distribution
    from chorus.surveys.metrics.floor import equivalent_panel_size, floor_curve
    from chorus.surveys.metrics.responses import from_answers, from_human
    from chorus.surveys.persona import personas_from_respondents

    started = time.time()
    ds, inst = load_dataset(DATASET), load_instrument(DATASET)
    if not args.no_extra:
        extra = load_instrument(EXTRA)
        inst = inst.model_copy(update={"questions": [*inst.questions, *extra.questions]})
    ids = (
        [q.strip() for q in args.questions.split(",")]
        if args.questions
        else [q.id for q in inst.scored_questions]
    )
    inst = inst.subset(ids)
    estimated, calib = split_questions(ids, args.seed)
    people = ds.respondents(args.population, seed=args.seed, weighted=False)
    engine = open_engine(args)
    t0 = time.time()
    answers = answer(
        engine, personas_from_respondents(people), inst, conditioning=args.conditioning,
        perspectives=["self"], seed=args.seed, batch_personas=args.batch_personas, progress=True,
    )  # fmt: skip
    simulate = time.time() - t0
    traits = people.rename(columns={"respondent_id": "persona_id"})
    w = people["weight"].to_numpy(dtype=float)
    sim = from_answers(answers, inst, traits, weights=w)
    full = from_human(ds, inst)
    row_of = {str(r): i for i, r in enumerate(full.ids)}
    human = full.take(np.array([row_of[str(r)] for r in people.respondent_id]))

    t0 = time.time()
    y = {q: human.self_answers(q) for q in ids}
    yhat = {q: sim.self_answers(q) for q in ids}
    truth = {q: weighted_distribution(y[q], w) for q in estimated}
    n_sizes = [int(x) for x in args.pilots.split(",")]
    rows = draw_stats(truth, y, yhat, w, n_sizes, args.draws, args.seed)
    k, cov = k_star(
        np.concatenate([weighted_distribution(yhat[q], w) for q in calib]),
        np.concatenate([weighted_distribution(y[q], w) for q in calib]),
    )
    estimate = time.time() - t0

    t0 = time.time()
    questions = list(inst.scored_questions)

    def wd_only(a, b, _rng):
        return {"wd": distributions(a, b, questions)["wd"]}

    wd = distributions(sim, human, questions)["wd"]
    curve = floor_curve(human, wd_only, 50, np.random.default_rng(args.seed))
    eq_n, note = equivalent_panel_size(curve, wd)
    floor = time.time() - t0
    out = {
        "bench": "estimate",
        "dataset": DATASET,
        "population": len(people),
        "questions": estimated,
        "calibration": calib,
        "kinds": dict(Counter(q.kind for q in questions)),
        "conditioning": args.conditioning,
        "draws": args.draws,
        "seed": args.seed,
        "engine": engine.describe(),
        "rows": rows,
        "k_star": {"k_star": k, "coverage": cov},
        "equivalent_panel": {
            args.conditioning: {"wd": round(wd, 4), "n": eq_n, "note": note, "curve": curve}
        },
        "seconds": round(time.time() - started, 1),
        "time": {"simulate": round(simulate, 1), "estimate": round(estimate, 1),
                 "floor": round(floor, 1)},
    }  # fmt: skip
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
