"""Conditioning styles vs real ANES 2012 answers: WD, Frobenius, alpha, and a real panel.

Draws --n ANES 2012 respondents (weighted), conditions the model on each respondent's own
demographics with each style, answers the anes2012 instrument (self perspective), and prints one
JSON object: a row per conditioning, the `uniform` and `human_marginal` reference rows, and the
like-for-like floor (`human_floor`: a real panel of the same size against the whole human
sample), with each row's `equivalent_panel` (WD / floor and the real panel size with the same
expected WD). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

from chorus.bench.engine_args import add_engine_arguments, open_engine

DATASET = "anes2012"
INSTRUMENT = "anes2012"


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="chorus bench anes", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=60, help="respondents drawn (weighted); default 60")
    ap.add_argument("--seed", type=int, default=0)
    add_engine_arguments(ap)
    ap.add_argument("--conditionings", default="qa,bio,portray")
    ap.add_argument("--debias", default="reverse", choices=["none", "reverse", "permute"])
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--batch-personas", type=int, default=1, help="raise for GPU/server engines")
    ap.add_argument("--json", action="store_true", help="accepted for uniformity; output is JSON")
    return ap.parse_args(argv)


def _row(name: str, report, floor, seconds: float | None = None) -> dict:
    from chorus.surveys import EquivalentPanel

    row = {
        "conditioning": name,
        "n": report.n_personas,
        **{
            key: getattr(report, attr).model_dump()
            for key, attr in (
                ("wd", "wd"),
                ("wd_raw", "wd_raw"),
                ("wd_sampled", "wd_sampled"),
                ("frobenius", "frobenius"),
                ("alpha", "alpha_sim"),
            )
        },
    }
    row["equivalent_panel"] = EquivalentPanel.of(floor, report.wd.value).model_dump()
    row["by_kind"] = _by_kind(report)
    row["grids"] = [g.model_dump(include={"grid", "wd", "uniform", "r_sim", "r_human"})
                    for g in report.grids]  # fmt: skip
    row["numeric"] = {
        q.id: {"wd": q.wd.value, "median_diff": q.extras["median_diff"].value,
               "sim_median": q.sim_summary.get("q50"), "human_median": q.human_summary.get("q50")}
        for q in report.questions if "median_diff" in q.extras
    }  # fmt: skip
    if seconds is not None:
        row["seconds"] = round(seconds, 1)
    return row


def _by_kind(report) -> dict[str, dict]:
    """Mean distance, chance distance and floor (where scored) over each kind's questions."""
    out = {}
    for kind in sorted({q.kind for q in report.questions}):
        qs = [q for q in report.questions if q.kind == kind]
        floors = [q.floor for q in qs if q.floor is not None]
        out[kind] = {
            "questions": len(qs),
            "wd": round(float(np.mean([q.wd.value for q in qs])), 4),
            "uniform": round(float(np.mean([q.uniform for q in qs])), 4),
            "floor": round(float(np.mean(floors)), 4) if floors else None,
        }
    return out


def main(argv: list[str]) -> int:
    args = _parse(argv)
    from chorus.surveys import load_dataset, load_instrument
    from chorus.surveys.answering import answer
    from chorus.surveys.metrics.distance import weighted_distribution
    from chorus.surveys.metrics.responses import constant, from_answers, from_human
    from chorus.surveys.persona import personas_from_respondents
    from chorus.surveys.scoring import score

    started = time.time()
    ds = load_dataset(DATASET)
    inst = load_instrument(INSTRUMENT)
    respondents = ds.respondents(args.n, seed=args.seed, weighted=True)
    personas = personas_from_respondents(respondents)
    traits = respondents.rename(columns={"respondent_id": "persona_id"})
    human = from_human(ds, inst)
    engine = open_engine(args)

    rows, floor = [], None
    for style in [s.strip() for s in args.conditionings.split(",") if s.strip()]:
        t0 = time.time()
        answers = answer(
            engine, personas, inst, conditioning=style, debias=args.debias,
            perspectives=["self"], seed=args.seed, batch_personas=args.batch_personas,
            progress=True,
        )  # fmt: skip
        seconds = time.time() - t0
        report = score(
            from_answers(answers, inst, traits), human, inst, DATASET,
            n_boot=args.n_boot, seed=args.seed, floor=floor is None,
        )  # fmt: skip
        floor = floor or report.human_floor
        rows.append(_row(style, report, floor, seconds))
        print(f"[bench anes] {style}: WD {report.wd.value} in {seconds:.0f}s", file=sys.stderr)

    questions = [q for q in inst.scored_questions if human.self_rows(q.id) is not None]
    references = {
        "uniform": {q.id: np.full(len(q.values), 1.0 / len(q.values)) for q in questions},
        "human_marginal": {
            q.id: weighted_distribution(human.self_rows(q.id), human.weights) for q in questions
        },
    }
    for name, dists in references.items():
        report = score(
            constant(traits, dists), human, inst, DATASET,
            n_boot=args.n_boot, seed=args.seed, floor=floor is None,
        )  # fmt: skip
        floor = floor or report.human_floor
        rows.append(_row(name, report, floor))

    out = {
        "bench": "anes",
        "dataset": DATASET,
        "instrument": INSTRUMENT,
        "questions": len(questions),
        "n": args.n,
        "seed": args.seed,
        "engine": engine.describe(),
        "debias": args.debias,
        "n_boot": args.n_boot,
        "rows": rows,
        "human_floor": floor.model_dump() if floor else None,
        "seconds": round(time.time() - started, 1),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
