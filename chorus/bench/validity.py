"""Validity on ANES 2012: every conditioning style against chance, a real panel and (for the
matched backstory panel) a demographics-only model, with 95% intervals.

Runs a study (chorus.run_study, no consensus pilot) on the embedded model by default: a pool of
--pool anthology backstories, --n survey-weighted ANES 2012 respondents matched one to one
(Hungarian), the --questions items asked with each conditioning (self perspective), then prints
one JSON object: `floor`, `uniform`, `demographic_model_accuracy` and one row per conditioning
with `wd`, `wd_over_floor` (over a real panel of the same size: 1.0 = as close as real
respondents), `equivalent_panel` (the real panel size with the same expected WD),
`beats_uniform`, `representativeness`, `dispersion_ratio_median` and, where the personas stand
for respondents, `accuracy`, `accuracy_over_demographic_model` and `person_r`. Progress goes
to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from chorus.bench.engine_args import add_engine_arguments, engine_spec

# ordered items, two nominal ones and the two thermometers: every kind of distance is exercised
QUESTIONS = (
    "gay_marry,gun_control,envir_gwarm,immig_policy,abortpre_4point,fedspend_poor,"
    "fedspend_welfare,aidblack_self,ft_dem,ft_rep"
)


def _parse(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="chorus bench validity", description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="respondents (and matched personas)")
    ap.add_argument("--pool", type=int, default=40, help="backstory personas generated")
    ap.add_argument("--questions", default=QUESTIONS, help="comma list of anes2012 question ids")
    ap.add_argument("--seed", type=int, default=0)
    add_engine_arguments(ap)
    ap.add_argument("--n-boot", type=int, default=200)
    ap.add_argument("--runs", default=None, help="folder for the run (default: a temp folder)")
    ap.add_argument("--json", action="store_true", help="accepted for uniformity; output is JSON")
    return ap.parse_args(argv)


def _over(fig: dict, by: float | None) -> dict:
    """A figure divided by a fixed positive number (the floor's mean)."""
    if not by:
        return {"value": None, "lo": None, "hi": None}
    return {
        k: (None if fig.get(k) is None else round(fig[k] / by, 4)) for k in ("value", "lo", "hi")
    }


def row(name: str, r: dict, floor_wd: float | None) -> dict:
    out = {
        "conditioning": name,
        "n": r["n_personas"],
        "wd": r["wd"],
        "wd_over_floor": _over(r["wd"], floor_wd),
        "equivalent_panel": r.get("equivalent_panel"),
        "beats_uniform": r["beats_uniform"],
        "representativeness": r["representativeness"],
        "dispersion_ratio_median": r["dispersion_median"],
        "dispersion_flagged": r["dispersion_flagged"],
    }
    ind = r.get("individual")
    if ind:
        out |= {k: ind[k] for k in ("accuracy", "top1", "accuracy_over_demographic_model")}
        out["person_r"] = ind["person_r"]
    return out


def main(argv: list[str]) -> int:
    args = _parse(argv)
    from chorus.engines import load_engine
    from chorus.simulator.study import run_study
    from chorus.simulator.study.schema import (
        PoolSpec,
        Study,
        SurveySpec,
        TargetSpec,
    )

    started = time.time()
    spec = engine_spec(args)
    study = Study(
        name="validity",
        seed=args.seed,
        engine=spec,
        pool=PoolSpec(n=args.pool, max_tokens=128),
        target=TargetSpec(n=args.n),
        survey=SurveySpec(
            questions=[q.strip() for q in args.questions.split(",") if q.strip()],
            perspectives=["self"],
            reference_perspectives=["self"],
            n_boot=args.n_boot,
        ),
        consensus=None,
    )
    engine = load_engine(spec)
    runs = Path(args.runs or tempfile.mkdtemp(prefix="chorus-validity-"))
    folder = run_study(study, runs, engine, progress=True)
    metrics = json.loads((folder / "metrics.json").read_text())
    rows = metrics["rows"]
    floor = metrics["human_floor"]
    styles = [s for s in study.survey.conditioning if s in rows]
    matched = rows["backstory"].get("individual") or {}
    steer = _steering(folder, styles, study.target.dataset)
    out = {
        "bench": "validity",
        "dataset": study.target.dataset,
        "questions": study.survey.questions,
        "metrics_used": rows["backstory"]["metrics_used"],
        "n": args.n,
        "pool": args.pool,
        "seed": args.seed,
        "n_boot": args.n_boot,
        "min_reliable_n": rows["backstory"]["min_reliable_n"],
        "engine": engine.describe(),
        "floor": floor["wd"],
        "uniform": rows["uniform"]["wd"],
        "demographic_model_accuracy": matched.get("demographic_model_accuracy"),
        "demographic_model_top1": matched.get("demographic_model_top1"),
        "cell_majority_top1": matched.get("cell_majority_top1"),
        "random_persona_accuracy": matched.get("random_persona_accuracy"),
        "rows": [row(s, rows[s], floor["wd"]["value"]) | steer[s] for s in styles],
        "verdict": metrics["verdict"]["text"],
        "warnings": rows["backstory"]["warnings"],
        "run": str(folder),
        "seconds": round(time.time() - started, 1),
    }
    print(json.dumps(out))
    return 0


def _steering(folder: Path, styles: Sequence[str], dataset: str) -> dict[str, dict]:
    """Each style's steerability (surveys.metrics.steering): its personas pooled by trait
    category against the dataset's respondents of that category."""
    from chorus.surveys import from_answers, from_human, load_dataset, read_survey
    from chorus.surveys.metrics.steering import panel_steering

    ds = load_dataset(dataset)
    out = {}
    for style in styles:
        results, _ = read_survey(folder / "survey" / style)
        sim = from_answers(results.answers, results.instrument, results.traits)
        human = from_human(ds, results.instrument)
        out[style] = panel_steering(sim, human, results.instrument)
    return out


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
