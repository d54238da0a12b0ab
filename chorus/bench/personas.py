"""Persona generation speed on the embedded model: `chorus bench personas --json`.

Grows a fresh pool per style (anthology, interview) in a temporary folder with a fresh engine
cache, so every sample is really generated, and prints one JSON object with, per style: personas
per minute (accepted personas over wall time, critic and near-duplicate removal included),
generated tokens per second, the counts, rejection stats and diversity of the pool, and the
settings used.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="chorus bench personas", description=__doc__)
    ap.add_argument("--json", action="store_true", help="print JSON (always on; kept for symmetry)")
    ap.add_argument("--model", default=None, help="local HF folder or .gguf (default: embedded)")
    ap.add_argument("--n-anthology", type=int, default=16)
    ap.add_argument("--n-interview", type=int, default=8)
    ap.add_argument("--questions", type=int, default=10, help="interview questions per persona")
    ap.add_argument("--anthology-tokens", type=int, default=300)
    ap.add_argument("--interview-tokens", type=int, default=160)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    from chorus.backstories import BackstoryConfig, SentenceEmbedder
    from chorus.engines import load_engine
    from chorus.personas import generate_pool, read_pool

    embedder = SentenceEmbedder()
    jobs = [
        (
            "anthology",
            args.n_anthology,
            BackstoryConfig.for_style("anthology", max_tokens=args.anthology_tokens),
        ),
        (
            "interview",
            args.n_interview,
            BackstoryConfig.for_style(
                "interview", max_tokens=args.interview_tokens, n_questions=args.questions
            ),
        ),
    ]
    out: dict = {"styles": {}}
    with tempfile.TemporaryDirectory(prefix="chorus-bench-personas-") as tmp:
        for style, n, config in jobs:
            if n <= 0:
                continue
            engine = load_engine(
                engine="transformers", model=args.model, cache_path=Path(tmp) / f"{style}.sqlite"
            )
            out["model"] = engine.model_id
            folder = Path(tmp) / style
            start = time.perf_counter()
            manifest = generate_pool(
                folder,
                n,
                engine,
                config,
                seed=args.seed,
                batch_size=args.batch_size,
                embedder=embedder,
            )
            seconds = time.perf_counter() - start
            table, _ = read_pool(folder)
            tokens = sum(json.loads(v)["num_tokens"] for v in table.column("verdicts").to_pylist())
            out["styles"][style] = {
                "personas_per_minute": round(manifest.counts.accepted / seconds * 60, 3),
                "seconds": round(seconds, 1),
                "accepted_tokens_per_s": round(tokens / seconds, 2),
                "mean_words_per_persona": round(
                    sum(len(t.split()) for t in table.column("backstory").to_pylist())
                    / max(1, len(table)),
                    1,
                ),
                "counts": manifest.counts.model_dump(),
                "rejections": manifest.rejections.model_dump(),
                "diversity": manifest.diversity.model_dump() if manifest.diversity else None,
                "config": config.model_dump(),
                "batch_size": args.batch_size,
            }
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
