"""`chorus serve`: expose the transformers engine as an OpenAI-compatible HTTP API."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from simulator.commands.engine_options import DTypeOpt


def serve(
    model: Annotated[Optional[str], typer.Option(help="Local HF folder or .gguf file; default: the embedded model.")] = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    served_name: Annotated[str, typer.Option(help="Model name reported by /v1/models.")] = "chorus",
    dtype: DTypeOpt = "auto",
) -> None:
    """Serve /v1/models and /v1/completions (with logprobs and echo) for the openai engine."""
    from engines.server import serve as run_server
    from engines.transformers_engine import TransformersEngine

    engine = TransformersEngine(model, dtype=dtype)  # type: ignore[arg-type]
    typer.echo(f"serving {engine.model_id} on http://{host}:{port}/v1", err=True)
    run_server(engine, host=host, port=port, served_name=served_name)
