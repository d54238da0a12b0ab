"""`chorus bench NAME ...` runs bench/NAME.py's `main(argv)`; each prints one JSON object."""

from __future__ import annotations

import importlib

import typer

BENCHES = {
    "engine": "engine speed: chorus's choice path vs naive scoring, prefill FLOP use, batched generation",
    "anes": "conditioning styles vs real ANES 2012 answers (WD, Frobenius, alpha, human floor)",
    "critic": "LLM critic precision and recall on the labelled interview fragments",
    "personas": "personas per minute for both backstory styles",
    "matching": "greedy and Hungarian matching at 100k-persona scale",
    "polis": "digital representatives predicting held-out Polis votes",
    "serve": "the openai engine against chorus serve vs in-process, and through injected faults",
}

app = typer.Typer(no_args_is_help=True, help="Benchmarks; each prints one JSON object.")


def _make(name: str):
    def command(ctx: typer.Context) -> None:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            raise typer.BadParameter(f"benchmark {name!r} is not built yet ({exc})") from exc
        raise typer.Exit(module.main(list(ctx.args)) or 0)

    command.__doc__ = BENCHES[name]
    return command


for _name in BENCHES:
    app.command(
        _name,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        add_help_option=False,
    )(_make(_name))
