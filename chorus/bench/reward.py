"""Trained reward models predicting real votes on statements they never saw voted on:
`chorus bench reward --json`.

For every vendored Polis conversation (or --conversations): the text-aware trained model and
the baselines on the held-out votes of held-out statements (5 seeded statement folds), the
collaborative model on held-out votes of seen statements, the digital representative (the
embedded model by default, through engine.choice) on a seeded sample of --dr-votes of the
trained model's held-out votes, and the rank correlation of group-informed consensus. Prints
`{"conversations": {NAME: {"trained": {...}, "collaborative": {...}, "participant_rate": {...},
"group_similar": {...}, "dr": {...}, "consensus_spearman_trained": r}}, ...}` with `auc`,
`auc_per_fold` (the mean over statement folds; null for collaborative and dr), `log_loss`,
`brier`, `accuracy`, `n_votes` in each block; next to `conversations`, per
conversation the trained model on the DR's sample (`trained_on_dr_sample`), the sizes and the
seconds, plus the seed, the engine and the total time. These are development figures
(`figures: "development"`): the trained model's design was chosen on the vendored
conversations and seeds, so they are not a held-out test of it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from chorus.bench.engine_args import add_engine_arguments, open_engine

DEVELOPMENT = (
    "development figures: the trained reward's design was chosen on these conversations and "
    "split seeds, so they flatter it; test it on conversations that played no part in its design"
)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="chorus bench reward", description=__doc__)
    ap.add_argument("--json", action="store_true", help="(always JSON; accepted for symmetry)")
    ap.add_argument("--conversations", default=None, help="comma list (default: all vendored)")
    ap.add_argument("--dr-votes", type=int, default=120, help="held-out votes the DR predicts")
    ap.add_argument("--folds", type=int, default=5, help="statement folds")
    ap.add_argument("--seed", type=int, default=0)
    add_engine_arguments(ap)
    args = ap.parse_args(argv)

    from chorus.simulator.polis import conversation_names, evaluate_reward, load_conversation
    from chorus.simulator.polis.trained_reward import statement_embeddings

    engine = None
    if args.dr_votes > 0:
        engine = open_engine(args)
    names = args.conversations.split(",") if args.conversations else conversation_names()
    start = time.perf_counter()
    rows, details = {}, {}
    for name in names:
        conv = load_conversation(name)
        ev = evaluate_reward(
            conv,
            statement_embeddings(conv),
            seed=args.seed,
            folds=args.folds,
            engine=engine,
            dr_votes=args.dr_votes,
        )
        rows[name] = ev.rows.model_dump(mode="json")
        details[name] = ev.model_dump(mode="json", exclude={"rows", "conversation"})
    print(
        json.dumps(
            {
                "figures": "development",
                "note": DEVELOPMENT,
                "conversations": rows,
                "details": details,
                "seed": args.seed,
                "engine": engine.describe() if engine is not None else None,
                "seconds": round(time.perf_counter() - start, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
