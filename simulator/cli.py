"""The `chorus` command line. Each command group lives in its own module under commands/;
heavy imports (torch, transformers) happen inside the commands so `chorus --help` stays fast."""

from __future__ import annotations

import importlib
import sys

import typer

from simulator.commands import bench, demo, engine_serve

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
app.add_typer(bench.app, name="bench")
app.command("serve")(engine_serve.serve)
app.command("demo")(demo.demo)

# Optional command groups, registered when their module exists (one module per part).
for _group in ("survey", "personas", "match", "consensus", "run"):
    try:
        _mod = importlib.import_module(f"simulator.commands.{_group}")
    except ModuleNotFoundError as exc:  # pragma: no cover - only while a part is unbuilt
        if exc.name != f"simulator.commands.{_group}":
            raise
        continue
    _mod.register(app)


def main() -> None:  # pragma: no cover
    app(sys.argv[1:])


if __name__ == "__main__":  # pragma: no cover
    main()
