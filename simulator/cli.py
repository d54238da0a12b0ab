"""The simulator's commands. Each command group lives in its own module under commands/; heavy
imports (torch, transformers) happen inside the commands so `chorus --help` stays fast. The
`chorus` console script (chorus.cli) adds them to its app."""

from __future__ import annotations

import typer

from chorus.simulator.commands import consensus, demo, engine_serve, match, personas, run, survey


def register(app: typer.Typer) -> None:
    """Add every simulator command to `app`."""
    for group in (run, personas, match, survey, consensus):
        group.register(app)
    app.command("demo")(demo.demo)
    app.command("serve")(engine_serve.serve)
