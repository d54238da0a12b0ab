"""`chorus bench NAME ...` runs chorus.bench.NAME's `main(argv)`; each prints one JSON object.
The benchmarks sit above every part (they drive the simulator), so their command group is
added by the top-level `chorus.cli`, not by the simulator's CLI."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import typer

BENCHES = {
    "engine": "engine speed: chorus's choice path vs naive scoring, prefill FLOP use, batched "
    "generation",
    "anes": "conditioning styles vs real ANES 2012 answers (WD, Frobenius, alpha, human floor)",
    "answers": "answer-based personas vs real people's held-out answers (ANES 2012, GSS panel): "
    "demographics-only and statistical baselines, normalised accuracy on the retest panel",
    "validity": "every conditioning vs chance, the human floor and a demographics-only model "
    "(distance by kind, BCa intervals, individual-level fidelity)",
    "coverage": "coverage of the 95% BCa intervals of the mean WD against sample size",
    "critic": "LLM critic precision and recall on the labelled interview fragments",
    "personas": "personas per minute for both backstory styles",
    "matching": "greedy and Hungarian matching at 100k-persona scale",
    "polis": "digital representatives predicting held-out Polis votes",
    "reward": "trained reward models vs baselines and DRs on votes of unseen Polis statements",
    "injection": "planted prompt injections vs the same consensus episode without them; "
    "harmless opinions never withheld",
    "serve": "the openai engine against chorus serve vs in-process, and through injected faults",
    "reliability": "the bad-input corpus and SIGKILLed studies: clear errors, no tracebacks, "
    "identical results after resuming",
    "estimate": "pilot estimates on ANES 2012: coverage, width and bias of human-only, "
    "simulation-only and PPI++ shares per pilot size; k*; the equivalent real panel size",
    "tune": "fine-tuned vs base simulators on held-out questions, held-out respondents and the "
    "other survey (gap closed, steerability, training speed)",
    "scale": "the vllm engine (CPU build) vs transformers, and Ray replicas (identical, killed)",
}

app = typer.Typer(no_args_is_help=True, help="Benchmarks; each prints one JSON object.")


def _make(name: str) -> Callable[[typer.Context], None]:
    def command(ctx: typer.Context) -> None:
        # imported on use: each benchmark pulls in the model stack, `chorus --help` should not
        module = importlib.import_module(f"chorus.bench.{name}")
        raise typer.Exit(module.main(list(ctx.args)) or 0)

    command.__doc__ = BENCHES[name]
    return command


for _name in BENCHES:
    app.command(
        _name,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(_make(_name))
