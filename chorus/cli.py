"""chorus: a persona-conditioned survey simulator. Build pools of LLM-written backstory personas,
match them to real survey respondents, ask them surveys and run consensus pilots, and measure
everything against real human data. Start with `chorus demo`."""

from __future__ import annotations

import sys

import typer

from chorus.bench.cli import app as bench_app
from chorus.simulator.cli import register

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
register(app)
app.add_typer(bench_app, name="bench")


def main() -> None:  # pragma: no cover - `python -m chorus.cli`
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
