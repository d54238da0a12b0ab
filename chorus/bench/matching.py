"""Matching at scale: `chorus bench matching --json` prints one JSON object.

Synthetic pools whose persona distributions are Dirichlet(1) draws over realistic category counts,
respondents drawn uniformly over the same categories (5% of answers missing per trait). Each case
runs in a fresh subprocess, so its peak RSS (ru_maxrss: the whole process, synthetic inputs
included) is its own; seconds run from the plain arrays to the finished match (log-weight tables,
top-k index, solve).
    hungarian_20k_100k  target <= 60 s and <= 4 GB peak RSS
    greedy_50k_500k     target <= 60 s
    networkx_300 vs hungarian_300 on one 300 x 300 instance, and their time ratio
Options: --json (accepted; the output is always JSON), --only NAME[,NAME], --case NAME (internal:
run one case in this process).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

COUNTS = {
    "age": 6,
    "gender": 2,
    "race": 4,
    "education": 5,
    "income": 28,
    "religion": 4,
    "region": 2,
    "party": 7,
    "ideology": 7,
}
ALPHA = 1.0
MISSING = 0.05
CASES = {
    "hungarian_20k_100k": ("hungarian", 20_000, 100_000, 1),
    "greedy_50k_500k": ("greedy", 50_000, 500_000, 2),
    "networkx_300": ("networkx", 300, 300, 3),
    "hungarian_300": ("hungarian", 300, 300, 3),  # the same instance as networkx_300
}
WITH_RSS = ("hungarian_20k_100k", "greedy_50k_500k")


def synthetic(
    n_respondents: int,
    n_personas: int,
    seed: int,
    missing: float = MISSING,
    alpha: float = ALPHA,
    counts: dict[str, int] | None = None,
) -> tuple[dict, dict]:
    """Dirichlet persona distributions and uniform respondent categories (-1 = not answered);
    the tests draw their random instances here too."""
    rng = np.random.default_rng(seed)
    counts = counts or COUNTS
    probs = {t: rng.dirichlet(np.full(k, alpha), size=n_personas) for t, k in counts.items()}
    codes = {
        t: np.where(rng.random(n_respondents) < missing, -1, rng.integers(0, k, n_respondents))
        for t, k in counts.items()
    }
    return probs, codes


def run_case(name: str) -> dict:
    from chorus.matching import LogWeights, match

    method, n_h, n_v, seed = CASES[name]
    probs, codes = synthetic(n_h, n_v, seed)
    start = time.perf_counter()
    result = match(LogWeights(probs, codes), method)
    seconds = time.perf_counter() - start
    d = result.diagnostics
    out: dict = {"seconds": round(seconds, 3)}
    if name in WITH_RSS:
        out["peak_rss_gb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9, 3
        )
    out["total_log_weight"] = d.total_log_weight
    extra = {
        "respondents": n_h,
        "personas": n_v,
        "distinct_personas": d.persona_reuse.distinct_personas,
    }
    if d.certificate is not None:
        extra.update(
            d.certificate.model_dump(
                include={"solver", "certified", "gap_bound", "rounds", "k_max", "edges"}
            )
        )
    return {"result": out, "details": extra}


def _in_subprocess(name: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-m", "chorus.bench.matching", "--case", name],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"case {name} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="chorus bench matching", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--json", action="store_true", help="accepted for symmetry; output is JSON")
    parser.add_argument("--only", default=",".join(CASES), help="comma-separated case names")
    parser.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case)))
        return 0
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}; choose from {list(CASES)}")
    report: dict = {}
    details: dict = {
        "setup": {"category_counts": COUNTS, "dirichlet_alpha": ALPHA, "missing_share": MISSING},
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
    }
    for name in names:
        case = _in_subprocess(name)
        report[name] = case["result"]
        details[name] = case["details"]
    if "networkx_300" in report and "hungarian_300" in report:
        report["networkx_over_hungarian_300"] = round(
            report["networkx_300"]["seconds"] / max(report["hungarian_300"]["seconds"], 1e-9), 1
        )
    report["details"] = details
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
