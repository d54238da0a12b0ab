"""`chorus serve`: expose the transformers engine as an OpenAI-compatible HTTP API."""

from __future__ import annotations

import os
from typing import Annotated, Optional

import typer

from chorus.cli.engine_options import fail


def serve(
    model: Annotated[
        Optional[str],
        typer.Option(help="Local HF folder or .gguf file; default: the embedded model."),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8000,
    served_name: Annotated[str, typer.Option(help="Model name reported by /v1/models.")] = "chorus",
    dtype: Annotated[str, typer.Option(help="auto | float32 | bfloat16")] = "auto",
    api_key_env: Annotated[
        Optional[str],
        typer.Option(help="Require the key held by this environment variable (401 without it)."),
    ] = None,
    fault_rate: Annotated[
        float, typer.Option(
            min=0.0, max=1.0, help="Testing: share of requests answered with 429 / 500 / a stall."
        )
    ] = 0.0,
    fault_seed: Annotated[int, typer.Option(help="Testing: seed of the fault draws.")] = 0,
    fault_stall: Annotated[
        float,
        typer.Option(
            help="Testing: seconds a stalled request hangs (more than the client's --timeout)."
        ),
    ] = 5.0,
    fault_kinds: Annotated[
        str, typer.Option(help="Testing: comma list of the faults to inject: 429,500,stall.")
    ] = "429,500,stall",
) -> None:
    """Serve /v1/models, /v1/completions and /v1/chat/completions (logprobs, echo, batching of
    concurrent requests) for the openai engine."""
    from typing import get_args

    from chorus.engines.errors import check_choice
    from chorus.engines.faults import FaultPlan
    from chorus.engines.types import DType

    check_choice("--dtype", dtype, get_args(DType))  # before torch is even imported
    from chorus.engines.server import serve as run_server
    from chorus.engines.transformers_engine import TransformersEngine

    key = None
    if api_key_env:
        key = os.environ.get(api_key_env)
        if not key:
            fail(f"--api-key-env {api_key_env}: that environment variable is empty or unset")
    try:
        faults = (
            FaultPlan(fault_rate, fault_seed, fault_stall, kinds=tuple(fault_kinds.split(",")))
            if fault_rate > 0
            else None
        )
    except ValueError as exc:
        fail(str(exc), code=2)
    engine = TransformersEngine(model, dtype=dtype)  # type: ignore[arg-type]
    typer.echo(f"serving {engine.model_id} on http://{host}:{port}/v1", err=True)
    run_server(engine, host=host, port=port, served_name=served_name, api_key=key, faults=faults)
