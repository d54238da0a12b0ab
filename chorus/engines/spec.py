"""One EngineSpec: which engine, which model, and every setting of it, each default written once.

A backend registers in one place, BACKENDS below: its name, its own options model (the settings
only it reads), its builder and what a Ray replica of it takes. EngineSpec is the common
settings plus every backend's options, flat, so that a study's `engine:` section, the engine
options of every CLI command (cli/engine_options.py) and the benchmarks' flags
(bench/engine_args.py) are this one model; each field's description is its option's help
(engines.flags)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import JsonDict

from chorus.engines.cache import CachePolicy
from chorus.engines.model_files import resolve_model
from chorus.engines.rendering import ChatMode
from chorus.engines.top_logprobs import DEFAULT_TOLERANCE, check_tolerance
from chorus.engines.types import Api, DType

if TYPE_CHECKING:
    from chorus.engines.base import Engine


def setting(
    default: Any, help_text: str, *, shown: str | None = None, flag: str | None = None, **more: Any
) -> Any:
    """A field of the spec: its default and its help. `shown`: the default as the help says it
    (else the default itself, when not None); `flag`: the option when not --field-name."""
    extra: JsonDict = {k: v for k, v in (("shown", shown), ("flag", flag)) if v is not None}
    return Field(default=default, description=help_text, json_schema_extra=extra or None, **more)


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---- each backend: its own options and its builder ------------------------------------------
class TransformersOptions(_Settings):
    """The transformers engine (engines.transformers_engine) reads only the common settings."""


def _build_transformers(spec: EngineSpec) -> Engine:
    from chorus.engines.transformers_engine import TransformersEngine

    return TransformersEngine(spec.model, chat_template=spec.chat_template, dtype=spec.dtype)


def _check_transformers(spec: EngineSpec) -> None:
    resolve_model(spec.model)  # a missing or broken model folder


class OpenAIOptions(_Settings):
    """An OpenAI-compatible server (engines.openai_engine)."""

    base_url: str | None = setting(None, "openai: the server, e.g. http://127.0.0.1:8000/v1")
    api: Api = setting(
        "auto",
        "openai: chat | completions | auto (chat unless --tokenizer is given, or when the server "
        "lists the model as a chat model)",
    )
    # the variable holding the key, never the key itself
    api_key_env: str = setting("OPENAI_API_KEY", "openai: environment variable holding the API key")
    tokenizer: str | None = setting(
        None,
        "openai completions: local tokenizer (model folder, .gguf, or 'embedded') that renders "
        "chat prompts exactly",
    )
    concurrency: int = setting(
        16,
        "openai: requests in flight (generation, one request per sample: up to 64 at once "
        "unless given)",
        ge=1,
    )
    timeout: float = setting(
        120.0, "openai: seconds before a request is abandoned and retried", gt=0
    )
    logprob_tolerance: float = setting(
        DEFAULT_TOLERANCE,
        "openai: the most an answer probability may differ from exact when a label spelling "
        "is outside the server's top log-probabilities; spellings that could move it more are "
        "scored with `echo` (completions) or mark the answer incomplete (chat). In (0, 0.1]",
        # left out of the dump at its default: studies written before it keep their digests
        exclude_if=lambda value: value == DEFAULT_TOLERANCE,
    )

    @field_validator("logprob_tolerance")
    @classmethod
    def _tolerance_in_range(cls, value: float) -> float:
        return check_tolerance(value)


def _build_openai(spec: EngineSpec) -> Engine:
    from chorus.engines.openai_engine import OpenAIEngine

    if not spec.base_url:
        raise ValueError("the openai engine needs --base-url (e.g. http://127.0.0.1:8000/v1)")
    return OpenAIEngine(
        spec.base_url,
        model=spec.model,
        api=spec.api,
        api_key_env=spec.api_key_env,
        tokenizer=spec.tokenizer,
        chat_template=spec.chat_template,
        # not given: the engine sizes generation's concurrency to the work
        concurrency=spec.concurrency if "concurrency" in spec.model_fields_set else None,
        timeout=spec.timeout,
        logprob_tolerance=spec.logprob_tolerance,
    )


class VLLMOptions(_Settings):
    """Offline vLLM (engines.vllm_engine): both pass through to `vllm.LLM`."""

    tensor_parallel_size: int | None = setting(
        None, "vllm: GPUs per engine (tensor parallel)", ge=1
    )
    vllm_args: dict[str, Any] | None = setting(
        None,
        "vllm: a further vllm.LLM argument as KEY=VALUE (VALUE read as JSON when it parses, "
        "e.g. gpu_memory_utilization=0.9); repeat for several",
        flag="--vllm-arg",
    )


def _build_vllm(spec: EngineSpec) -> Engine:
    from chorus.engines.vllm_engine import VLLMEngine

    args = dict(spec.vllm_args or {})
    if spec.tensor_parallel_size is not None:
        args["tensor_parallel_size"] = spec.tensor_parallel_size
    return VLLMEngine(spec.model, chat_template=spec.chat_template, dtype=spec.dtype, **args)


@dataclass(frozen=True)
class Backend:
    options: type[_Settings]  # the fields only this backend reads
    build: Callable[[EngineSpec], Engine]  # the bare engine (no cache, no replicas)
    gpus: Callable[[EngineSpec], int]  # what one Ray replica takes on a cluster with GPUs
    check: Callable[[EngineSpec], None] | None = None  # before the cache file is opened


# name -> backend: the one place a backend registers
BACKENDS: dict[str, Backend] = {
    "transformers": Backend(
        TransformersOptions, _build_transformers, lambda spec: 1, _check_transformers
    ),
    "openai": Backend(OpenAIOptions, _build_openai, lambda spec: 0),  # the server holds the GPUs
    "vllm": Backend(VLLMOptions, _build_vllm, lambda spec: spec.tensor_parallel_size or 1),
}
# built from the registry at import: a static checker cannot read it, hence the ignores below
EngineName = Literal[tuple(BACKENDS)]  # type: ignore[valid-type]


class _Common(_Settings):
    """What every engine is given."""

    engine: EngineName = setting("transformers", " | ".join(BACKENDS))  # type: ignore[valid-type]
    model: str | None = setting(
        None,
        "Model folder or .gguf (openai: the served model's name)",
        shown="the embedded model",  # SmolLM2-135M-Instruct
    )
    chat_template: ChatMode = setting("auto", "auto | on | off")
    dtype: DType = setting(
        "auto",
        "transformers precision: auto (bfloat16 on CPUs with native bf16) | float32 | bfloat16",
    )
    # how this process keeps answers, never what an engine computes: left out of the spec's
    # dump (a study's study.json and digest)
    cache: CachePolicy = setting(
        "read-write", "Engine cache policy: read-write | refresh | off", exclude=True
    )
    cache_path: Path | None = setting(
        None, "Engine cache file", shown="the user cache", flag="--cache-file", exclude=True
    )
    # engine replicas on Ray (engines.replicas): how a run is spread, never what it computes
    workers: int = setting(
        1,
        "Engine replicas as Ray actors: the model-bound stages are spread over them, with "
        "results identical to one",
        shown="1, no Ray",
        ge=1,
    )
    ray_address: str | None = setting(
        None,
        "Join this Ray cluster (e.g. auto, or ray://HEAD:10001) instead of starting a local one",
    )


# pydantic orders inherited fields from the last base: the common ones first, then each backend's
# (bases read from the registry at import, hence the ignore)
class EngineSpec(*reversed([b.options for b in BACKENDS.values()]), _Common):  # type: ignore[misc]
    """The engine to load: the common settings, then each backend's options (a backend other
    than `engine`'s ignores them). The cache settings are left out of the dump."""
