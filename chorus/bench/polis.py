"""Digital representatives predicting held-out real Polis votes: `chorus bench polis --json`.

Runs `chorus consensus eval-polis` over every vendored conversation, evaluating a seeded sample
of at most --max-participants participants each (all four predictors on the same held-out
votes), and prints one JSON object: per conversation the eval-polis figures (dr,
statement_rate, group_rate, dr_without_o, consensus_spearman, top5_overlap) plus how many
participants were eligible and evaluated, the opinion groups found and the seconds taken; and
the caps, the seed, the engine and the total time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from chorus.bench.engine_args import add_engine_arguments, open_engine
from chorus.simulator.polis import O_ITEMS


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="chorus bench polis", description=__doc__)
    ap.add_argument("--json", action="store_true", help="(always JSON; accepted for symmetry)")
    ap.add_argument(
        "--max-participants",
        type=int,
        default=20,
        help="participants evaluated per conversation (a seeded sample)",
    )
    ap.add_argument(
        "--max-o-items", type=int, default=O_ITEMS, help="held-in votes in the O section"
    )
    ap.add_argument("--conversations", default=None, help="comma list (default: all vendored)")
    ap.add_argument("--seed", type=int, default=0)
    add_engine_arguments(ap)
    args = ap.parse_args(argv)

    from chorus.simulator.polis import conversation_names, evaluate_polis, load_conversation

    engine = open_engine(args)
    names = args.conversations.split(",") if args.conversations else conversation_names()
    start = time.perf_counter()
    results = {}
    for name in names:
        ev = evaluate_polis(
            engine,
            load_conversation(name),
            seed=args.seed,
            max_participants=args.max_participants,
            max_o_items=args.max_o_items,
        )
        results[name] = {
            **ev.report.model_dump(mode="json"),
            "participants_eligible": ev.participants_eligible,
            "participants_evaluated": ev.participants_evaluated,
            "groups": ev.groups,
            "consensus_statements": ev.consensus_statements,
            "seconds": ev.seconds,
        }
    print(
        json.dumps(
            {
                "conversations": results,
                "max_participants": args.max_participants,
                "max_o_items": args.max_o_items,
                "seed": args.seed,
                "engine": engine.describe(),
                "cache": {"hits": engine.stats.hits, "misses": engine.stats.misses},
                "seconds": round(time.perf_counter() - start, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
