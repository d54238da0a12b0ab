"""Scale-out on the engines the field uses: `chorus bench scale --json`.

Workload: `chorus bench engine`'s 32 personas (model-written ~300-token stories) x 20 questions,
in float32. Prints one JSON object:
- transformers_answers_per_s: one batched `choice` call on the transformers engine;
- vllm_ok, vllm_answers_per_s, vllm_max_abs_diff, vllm_startup_s, vllm_prefix_cache_hit_rate:
  the same requests on the vllm engine (vLLM's CPU build, run as a subprocess in .venv-vllm,
  built with `make setup-vllm` when missing), its largest probability difference from the
  transformers engine, its start-up time and the share of prompt tokens its prefix cache served;
- ray_identical: the first `--ray-personas` personas' answers (one unit per persona) on 2 Ray
  replicas are byte-identical to one engine's; ray_lost_after_kill (target 0): answers missing
  or different when one replica's process is killed (kill -9) after the first unit finishes;
- personas_per_hour_*: a 20-question survey (two option orders each), from the rates above.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from pydantic import TypeAdapter

REPO = Path(__file__).resolve().parents[2]  # the checkout: chorus/bench/scale.py
VLLM_PYTHON = REPO / ".venv-vllm" / "bin" / "python"


def _choose(engine, requests):
    return engine.choice(requests)


def _requests_adapter():
    from chorus.engines import ChoiceRequest

    return TypeAdapter(list[ChoiceRequest])


def vllm_half(requests_file: Path, out_file: Path) -> None:
    """In .venv-vllm: start the vllm engine, answer the requests, write probs and timings."""
    from chorus.engines import EngineSpec
    from chorus.engines.build import build_engine

    requests = _requests_adapter().validate_json(requests_file.read_bytes())
    start = time.perf_counter()
    engine = build_engine(EngineSpec(engine="vllm", dtype="float32"))
    startup = time.perf_counter() - start
    engine.choice(requests[:2])  # warm-up
    before = engine.prefix_cache()
    start = time.perf_counter()
    dists = engine.choice(requests)
    seconds = time.perf_counter() - start
    after = engine.prefix_cache()
    queries = after["queries"] - before["queries"]
    result = {
        "probs": [d.probs for d in dists],
        "seconds": seconds,
        "startup_s": startup,
        "prefix_cache_hit_rate": (after["hits"] - before["hits"]) / max(queries, 1),
        "describe": engine.describe(),
    }
    out_file.write_text(json.dumps(result))
    engine.close()


def _run_vllm(requests, timeout: float) -> dict:
    if not VLLM_PYTHON.exists():
        subprocess.run(["make", "-C", str(REPO), "setup-vllm"], check=True, stdout=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        req_file, out_file = Path(tmp) / "requests.json", Path(tmp) / "out.json"
        req_file.write_bytes(_requests_adapter().dump_json(requests))
        cmd = [str(VLLM_PYTHON), "-m", "chorus.bench.scale", "--vllm-half", str(req_file)]
        try:
            proc = subprocess.run(
                [*cmd, str(out_file)], timeout=timeout, stdout=sys.stderr, stderr=sys.stderr
            )
        except subprocess.TimeoutExpired:
            return {"error": f"vllm half did not finish in {timeout:.0f} s"}
        if proc.returncode != 0 or not out_file.exists():
            return {"error": f"vllm half exited with {proc.returncode}"}
        return json.loads(out_file.read_text())


def _ray(units, reference, workers: int) -> tuple[bool, int]:
    """(2 replicas == one engine, answers lost or changed when a replica is killed)."""
    from chorus.engines import load_engine

    # Ray's raylet reports the killed worker on stdout; the bench's stdout is one JSON object
    with tempfile.TemporaryDirectory() as tmp, contextlib.redirect_stdout(sys.stderr):
        rep = load_engine(
            dtype="float32", workers=workers, cache_path=Path(tmp) / "c.sqlite", cache="refresh"
        )
        try:
            identical = rep.map(_choose, units) == reference
            victim = rep.worker_pids()[-1]
            killed = threading.Event()

            def kill(i: int) -> None:
                if not killed.is_set():
                    os.kill(victim, signal.SIGKILL)
                    killed.set()

            after_kill = rep.map(_choose, units, kill)
        finally:
            rep.close()
    lost = sum(
        a != b for got, want in zip(after_kill, reference) for a, b in zip(got, want)
    ) + sum(len(want) - len(got) for got, want in zip(after_kill, reference))
    return identical, lost


def main(argv: list[str]) -> int:
    if argv[:1] == ["--vllm-half"]:
        vllm_half(Path(argv[1]), Path(argv[2]))
        return 0
    ap = argparse.ArgumentParser(prog="chorus bench scale", description=__doc__)
    ap.add_argument("--json", action="store_true", help="print JSON (always on; kept for symmetry)")
    ap.add_argument("--personas", type=int, default=32)
    ap.add_argument("--ray-personas", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--vllm-timeout", type=float, default=1800)
    ap.add_argument("--no-vllm", action="store_true", help="skip the vLLM half")
    args = ap.parse_args(argv)

    import numpy as np
    import torch

    from chorus.bench.engine import QUESTIONS, workload
    from chorus.engines import load_engine

    cached = load_engine("transformers", dtype="float32")  # the stories are cached across runs
    engine = cached.inner
    _, requests, _ = workload(cached, args.personas, 8)
    engine.choice(requests[:2])  # warm-up
    start = time.perf_counter()
    ref = engine.choice(requests)
    tf_s = time.perf_counter() - start
    tf_rate = len(requests) / tf_s

    per = len(QUESTIONS)
    units = [requests[p * per : (p + 1) * per] for p in range(args.ray_personas)]
    # one thread, as each replica has: float32 matmuls split their sums by thread (~2e-6)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    reference = [engine.choice(u) for u in units]
    torch.set_num_threads(threads)
    ray_identical, ray_lost = _ray(units, reference, args.workers)

    result = {
        "answers": len(requests),
        "threads": torch.get_num_threads(),
        "transformers_answers_per_s": tf_rate,
        "transformers_seconds": tf_s,
        "ray_workers": args.workers,
        "ray_identical": ray_identical,
        "ray_lost_after_kill": ray_lost,
    }
    if not args.no_vllm:
        v = _run_vllm(requests, args.vllm_timeout)
        ok = "probs" in v and len(v["probs"]) == len(requests)
        diff = (
            max(float(np.max(np.abs(np.subtract(a, b.probs)))) for a, b in zip(v["probs"], ref))
            if ok
            else None
        )
        result.update(
            {
                "vllm_ok": ok,
                "vllm_error": v.get("error"),
                "vllm_max_abs_diff": diff,
                "vllm_answers_per_s": len(requests) / v["seconds"] if ok else None,
                "vllm_startup_s": v.get("startup_s"),
                "vllm_prefix_cache_hit_rate": v.get("prefix_cache_hit_rate"),
                "vllm": (v.get("describe") or {}).get("vllm"),
            }
        )
    # a 20-question survey asks each question in two option orders: 40 answers a persona
    for name in ("transformers", "vllm"):
        rate = result.get(f"{name}_answers_per_s")
        if rate:
            result[f"personas_per_hour_{name}"] = rate * 3600 / (2 * per)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
