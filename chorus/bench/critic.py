"""The critic on the labelled interview fragments (backstories/data/critic):
`chorus bench critic --json`.

Prints one JSON object:
- frame_checks: how many frame-violation fragments the deterministic checks catch (with the
  expected kind) and how many clean fragments they flag by mistake;
- models: per model (the embedded one, then each --model), the LLM consistency critic's
  precision, recall, F1 and accuracy at its threshold, plus ROC AUC of P(contradiction)
  (threshold-free) and the seconds the batched judging took;
- baseline_same_topic: the trivial critic that calls every answer touching an earlier fact's
  topic a contradiction (what the LLM has to beat).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from chorus.backstories import CRITIC_SET


def _auc(scores: list[float], actual: list[bool]) -> float | None:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(actual, scores)) if 0 < sum(actual) < len(actual) else None


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="chorus bench critic", description=__doc__)
    ap.add_argument("--json", action="store_true", help="print JSON (always on; kept for symmetry)")
    ap.add_argument(
        "--model", action="append", default=[], help="also a local HF folder or .gguf (repeatable)"
    )
    ap.add_argument("--set", type=Path, default=CRITIC_SET, help="the labelled fragments (YAML)")
    ap.add_argument("--threshold", type=float, default=0.5, help="P(contradiction) to reject")
    ap.add_argument("--min-words", type=int, default=15)
    args = ap.parse_args(argv)

    from chorus.backstories import (
        ConsistencyCritic,
        check_frame,
        consistency_cases,
        judge_cases,
        load_critic_set,
        scores,
        shares_topic,
    )
    from chorus.engines import load_engine

    cases = load_critic_set(args.set)
    frame_cases = [c for c in cases if c.label == "frame"]
    detected = {
        c.id: {
            i.kind
            for i in check_frame(
                c.answer, c.question, [t.question for t in c.turns], args.min_words
            )
        }
        for c in cases
    }
    judged = consistency_cases(cases)
    actual = [c.label == "contradiction" for c in judged]
    out: dict = {
        "set": str(args.set),
        "n_fragments": len(cases),
        "n_contradiction": sum(actual),
        "n_consistent": len(judged) - sum(actual),
        "frame_checks": {
            "violations": len(frame_cases),
            "caught": sum(set(c.frame) <= detected[c.id] for c in frame_cases),
            "false_alarms_on_clean": sum(bool(detected[c.id]) for c in judged),
        },
        "threshold": args.threshold,
        "baseline_same_topic": scores([shares_topic(c) for c in judged], actual).model_dump(),
        "models": [],
    }
    for model in [None, *args.model]:
        engine = load_engine(
            engine="transformers", model=model, cache="off"
        )  # judged afresh, so the time is real
        critic = ConsistencyCritic(engine, args.threshold)
        start = time.perf_counter()
        verdicts = judge_cases(critic, judged)
        seconds = time.perf_counter() - start
        p = [max((k.p_contradiction for k in v.checks), default=0.0) for v in verdicts]
        out["models"].append(
            {
                "model": engine.model_id,
                "chat_template": bool(getattr(engine, "chat", False)),
                **scores([v.contradiction is not None for v in verdicts], actual).model_dump(),
                "roc_auc": _auc(p, actual),
                "mean_p_contradiction": {
                    "contradiction": sum(x for x, a in zip(p, actual) if a) / max(1, sum(actual)),
                    "consistent": sum(x for x, a in zip(p, actual) if not a)
                    / max(1, len(actual) - sum(actual)),
                },
                "questions_asked": sum(len(v.checks) for v in verdicts),
                "seconds": round(seconds, 2),
            }
        )
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
