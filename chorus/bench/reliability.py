"""Reliability: `chorus bench reliability --json` prints one JSON object.

Runs the bad-input corpus (tests/reliability/corpus.py) and the kill chain of a tiny study
(tests/reliability/kill.py) from a source checkout:
    cases, clear, tracebacks, exit_zero_on_bad_input, partial_outputs (cases that left output
    behind other than a resumable partial folder), skipped (cases this machine cannot run, e.g.
    tmpfs mounts without root), failures (names of cases not handled well);
    kill_points, kill_landed (stage actually in progress at each kill), identical_after_kill,
    lost_rows, duplicated_rows, concurrent_run_refused, failed_rerun_untouched;
and the planted-injection corpus (bench/injection.py, engine as `chorus bench injection`):
    injection_variants, injection_changed_winner, harmless_withheld (its detail under
    `injection`).
Targets: every case clear, 0 tracebacks, 0 exit-zero, 0 partial outputs, identical after every
kill, 0 lost and 0 duplicated rows, 0 changed winners, 0 harmless texts withheld.

Each section is one function returning its fields; `SECTIONS` lists them.
Options: --json (accepted; the output is always JSON), --seed S (kill points), --no-model (skip
the corpus cases that load the model, and the injection corpus), --no-kill (skip the kill chain).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CHECKOUT = Path(__file__).resolve().parents[1]


def _tests():
    """The corpus and the kill chain live with the tests (a source checkout has them)."""
    if not (CHECKOUT / "tests" / "reliability" / "corpus.py").is_file():
        raise SystemExit(
            "error: chorus bench reliability runs tests/reliability from a source checkout "
            f"(not found under {CHECKOUT}); run it from a git clone of chorus"
        )
    if str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    from tests.reliability import corpus, kill

    return corpus, kill


def corpus_section(args: argparse.Namespace) -> dict[str, Any]:
    corpus, _ = _tests()
    outcomes, skipped = [], []
    for case in corpus.CASES:
        if (case.needs == "mount" and not corpus.can_mount()) or (
            case.needs == "model" and args.no_model
        ):
            skipped.append(case.name)
            continue
        with tempfile.TemporaryDirectory(prefix="chorus-bad-") as tmp:
            outcomes.append(corpus.run_case(case, Path(tmp)))
    return {
        "cases": len(outcomes),
        "clear": sum(o.clear for o in outcomes),
        "tracebacks": sum(o.traceback for o in outcomes),
        "exit_zero_on_bad_input": sum(o.exit_code == 0 for o in outcomes),
        "partial_outputs": sum(bool(o.leftovers) for o in outcomes),
        "skipped": skipped,
        "failures": [o.case for o in outcomes if not o.ok],
        "corpus_seconds": round(sum(o.seconds for o in outcomes), 1),
    }


def kill_section(args: argparse.Namespace) -> dict[str, Any]:
    if args.no_kill:
        return {}
    _, kill = _tests()
    with tempfile.TemporaryDirectory(prefix="chorus-kill-") as tmp:
        report = kill.kill_study(Path(tmp), seed=args.seed)
    return {
        "kill_points": len(report.kill_points),
        "kill_landed": {k.stage: k.landed for k in report.kill_points},
        "identical_after_kill": report.identical,
        "differences": report.differences,
        "lost_rows": report.lost_rows,
        "duplicated_rows": report.duplicated_rows,
        "concurrent_run_refused": report.concurrent_refused,
        "failed_rerun_untouched": report.failed_rerun_untouched,
        "kill_seconds": report.seconds,
    }


def injection_section(args: argparse.Namespace) -> dict[str, Any]:
    if args.no_model:
        return {}
    from chorus.bench.injection import injection_figures
    from chorus.engines import load_engine

    # the same engine as `chorus bench injection` (its user cache makes a rerun cheap)
    detail = injection_figures(load_engine())
    fields = ("injection_variants", "injection_changed_winner", "harmless_withheld")
    return {**{f: detail.pop(f) for f in fields}, "injection": detail}


SECTIONS: list[Callable[[argparse.Namespace], dict[str, Any]]] = [
    corpus_section,
    kill_section,
    injection_section,
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="chorus bench reliability")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-model", action="store_true")
    ap.add_argument("--no-kill", action="store_true")
    args = ap.parse_args(argv)
    started = time.monotonic()
    figures: dict[str, Any] = {}
    for section in SECTIONS:
        figures.update(section(args))
    figures["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
