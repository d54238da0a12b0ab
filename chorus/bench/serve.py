"""Served vs in-process speed, and faults: `chorus bench serve --json`.

The workload of `chorus bench engine` (32 personas with model-written stories x 20 questions)
and 32 stories of 150 new tokens, run (a) in-process on the transformers engine, (b) through the
openai engine (chat endpoint) against `chorus serve`, and (c) the same through a `chorus serve`
that answers a seeded 10% of requests with 429 / 500 / a stall past the client's timeout.
Prints one JSON object:
- direct_/served_answers_per_s and served_over_direct (target >= 0.7), the same for generation;
- faulty_lost_answers (target 0): answers and stories the faulty run failed to return;
- faulty_identical (target true): every faulty-run distribution equals the fault-free served
  one within `tolerance`. Requests retried after a fault land in other server batches, and a
  float32 forward pass differs across batch compositions at ~1e-6 (matmul kernels), so exact
  bit equality is not the criterion; faulty_max_abs_diff reports the largest difference. The
  default dtype is float32: bfloat16 rounding alone moves probabilities by ~0.01-0.06 with
  batch composition (docs/engines.md, "Precision").
- faulty_stories_identical: stories equal as text (a sampled token can flip on that noise).
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import httpx
import numpy as np

from chorus.bench.engine import workload


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="chorus bench serve", description=__doc__)
    ap.add_argument("--json", action="store_true", help="print JSON (always on; kept for symmetry)")
    # float32: the faulty run is compared with the fault-free one, and bfloat16 rounding moves
    # probabilities by ~0.01-0.06 with batch composition (docs/engines.md, "Precision")
    ap.add_argument("--dtype", default="float32", choices=["auto", "float32", "bfloat16"])
    ap.add_argument("--personas", type=int, default=32)
    ap.add_argument("--gen-tokens", type=int, default=150)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--fault-rate", type=float, default=0.1)
    ap.add_argument("--tolerance", type=float, default=1e-4)
    args = ap.parse_args(argv)

    from chorus.engines import EngineError, load_engine
    from chorus.engines.openai_engine import OpenAIEngine
    from chorus.engines.server_process import ServerProcess

    cached = load_engine("transformers", dtype=args.dtype)  # the stories are cached across runs
    direct = cached.inner
    _, requests, gen_reqs = workload(cached, args.personas, args.gen_tokens)

    direct.choice(requests[:2])  # warm-up
    direct_dists, direct_s = _timed(lambda: direct.choice(requests))
    direct_gen, direct_gen_s = _timed(lambda: direct.generate(gen_reqs))

    def served(url: str, timeout: float):
        client = OpenAIEngine(
            url,
            api="chat",
            tokenizer="embedded",
            concurrency=args.concurrency,
            timeout=timeout,
            max_retries=8,
        )
        client.choice(requests[:2])  # warm-up
        dists, choice_s = _timed(lambda: client.choice(requests))
        gens, gen_s = _timed(lambda: client.generate(gen_reqs))
        stats = httpx.get(url.removesuffix("/v1") + "/chorus/stats").json()
        return dists, choice_s, gens, gen_s, stats

    server_args = ["--dtype", args.dtype]
    with ServerProcess(server_args) as url:
        served_dists, served_s, served_gen, served_gen_s, served_stats = served(url, timeout=120.0)
    # the client gives up on a request after `timeout`; a stall outlasts it, while a legitimate
    # answer (a round of 16 stories of 150 tokens on 2 cores) comes well within it
    timeout = 60.0
    stall = timeout + 5
    faulty = ServerProcess(
        [
            *server_args,
            "--fault-rate",
            str(args.fault_rate),
            "--fault-seed",
            "0",
            "--fault-stall",
            str(stall),
        ]
    )
    with faulty as url:
        try:
            faulty_dists, _, faulty_gen, _, faulty_stats = served(url, timeout=timeout)
            lost = 0
        except EngineError as exc:
            print(f"faulty run failed: {exc}", file=sys.stderr)
            faulty_dists, faulty_gen, lost = [], [], len(requests) + len(gen_reqs)
            faulty_stats = {}

    def tokens(gens) -> int:
        return sum(g.num_tokens[0] for g in gens)

    diffs = [
        float(np.max(np.abs(np.subtract(a.probs, b.probs))))
        for a, b in zip(faulty_dists, served_dists)
    ]
    direct_diff = max(
        float(np.max(np.abs(np.subtract(a.probs, b.probs))))
        for a, b in zip(served_dists, direct_dists)
    )
    result = {
        "model": direct.model_id,
        "dtype": direct.describe()["dtype"],
        "answers": len(requests),
        "stories": len(gen_reqs),
        "concurrency": args.concurrency,
        "direct_answers_per_s": len(requests) / direct_s,
        "served_answers_per_s": len(requests) / served_s,
        "served_over_direct": direct_s / served_s,
        "direct_gen_tokens_per_s": tokens(direct_gen) / direct_gen_s,
        "served_gen_tokens_per_s": tokens(served_gen) / served_gen_s,
        "gen_served_over_direct": (tokens(served_gen) / served_gen_s)
        / (tokens(direct_gen) / direct_gen_s),
        "served_vs_direct_max_abs_diff": direct_diff,
        "served_requests_per_engine_round": served_stats["requests"]
        / max(served_stats["rounds"], 1),
        "faults_injected": faulty_stats.get("faults"),
        "fault_rate": args.fault_rate,
        "tolerance": args.tolerance,
        "faulty_lost_answers": lost,
        "faulty_identical": lost == 0 and max(diffs, default=0.0) <= args.tolerance,
        "faulty_max_abs_diff": max(diffs, default=None),
        "faulty_stories_identical": sum(a.texts == b.texts for a, b in zip(faulty_gen, served_gen)),
    }
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
