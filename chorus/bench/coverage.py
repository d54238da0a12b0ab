"""Coverage of chorus's 95% BCa intervals for the mean WD, against the simulated sample size:
the simulation behind surveys.metrics.bootstrap.MIN_RELIABLE_N.

A known simulated population (persona distributions drawn from Dirichlet(c * P) with P halfway
between uniform and the ANES 2012 marginal of each question, so the true WD is known and of the
size real runs show) is compared with a fresh human sample of --human respondents of ANES 2012
(the whole survey is the human population). For each n, --trials independent samples of n
personas get an interval from chorus's bootstrap (BCa, and the percentile interval from the same
replicates for comparison); coverage is the share of intervals that hold the true WD.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

QUESTIONS = ("gay_marry", "gun_control", "envir_gwarm", "immig_policy", "fedspend_poor", "ft_dem")


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="chorus bench coverage", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="5,10,20,30,50", help="simulated sample sizes")
    ap.add_argument("--trials", type=int, default=100, help="samples per size")
    ap.add_argument("--human", type=int, default=1000, help="respondents per human sample")
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--concentration", type=float, default=5.0, help="Dirichlet c (spread)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="accepted for uniformity; output is JSON")
    return ap.parse_args(argv)


def main(argv: list[str]) -> int:
    args = _parse(argv)
    from chorus.surveys import load_dataset, load_instrument
    from chorus.surveys.metrics import (
        MIN_RELIABLE_N,
        bca_interval,
        bootstrap,
        jackknife,
        percentile_interval,
    )
    from chorus.surveys.metrics.compare import common_questions, distributions
    from chorus.surveys.metrics.distance import distance, weighted_distribution
    from chorus.surveys.metrics.responses import ResponseSet, from_human

    started = time.time()
    inst = load_instrument("anes2012").subset(QUESTIONS)
    population = from_human(load_dataset("anes2012"), inst)
    questions = common_questions(population, population, inst)
    truth_h = {q.id: weighted_distribution(population.self_rows(q.id), population.weights)
               for q in questions}  # fmt: skip
    truth_s = {q.id: 0.5 * truth_h[q.id] + 0.5 / len(truth_h[q.id]) for q in questions}

    def stat(sim, human, rng):
        return {"wd": distributions(sim, human, questions)["wd"]}

    def personas(n: int, rng: np.random.Generator) -> ResponseSet:
        rows = {
            (q.id, "self", None): rng.dirichlet(args.concentration * truth_s[q.id], size=n)
            for q in questions
        }
        return ResponseSet(np.arange(n).astype(object), np.ones(n), rows, {})

    # the true WD: the simulated population mean against the whole survey
    true_wd = float(np.mean([distance(q.kind, truth_s[q.id], truth_h[q.id]) for q in questions]))
    rng = np.random.default_rng(args.seed)
    p = population.weights / population.weights.sum()
    rows = []
    for n in [int(x) for x in args.sizes.split(",")]:
        hits = {"bca": 0, "percentile": 0}
        widths = []
        for trial in range(args.trials):
            sim = personas(n, rng)
            human = population.take(
                rng.choice(population.n, size=args.human, p=p), weights=np.ones(args.human)
            )
            point = stat(sim, human, rng)["wd"]
            reps = bootstrap(sim, human, stat, args.n_boot, rng)["wd"]
            infl = jackknife(sim, human, stat, args.seed + trial)["wd"]
            lo, hi, _ = bca_interval(point, reps, infl)
            plo, phi = percentile_interval(reps)
            hits["bca"] += lo <= true_wd <= hi
            hits["percentile"] += plo <= true_wd <= phi
            widths.append(hi - lo)
        rows.append({
            "n": n,
            "coverage_bca": round(hits["bca"] / args.trials, 3),
            "coverage_percentile": round(hits["percentile"] / args.trials, 3),
            "mean_width": round(float(np.mean(widths)), 4),
        })  # fmt: skip
        print(f"[bench coverage] n={n}: {rows[-1]}", file=sys.stderr)
    out = {
        "bench": "coverage",
        "true_wd": round(true_wd, 4),
        "questions": list(QUESTIONS),
        "human_n": args.human,
        "trials": args.trials,
        "n_boot": args.n_boot,
        "concentration": args.concentration,
        "min_reliable_n": MIN_RELIABLE_N,
        "rows": rows,
        "seconds": round(time.time() - started, 1),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
