"""The engine options every model-using command shares, added by one decorator so that every
command that takes --engine takes the same set, with the same meaning."""

from __future__ import annotations

import errno
import functools
import inspect
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, Optional, get_args, get_origin

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError


def _opt(help_text: str, **constraints: Any) -> Any:
    # every default is None ("not given"), so `chorus run` can tell an override from the study
    # file's value; load_engine holds the real defaults
    return Field(default=None, description=help_text, **constraints)


class EngineChoice(BaseModel):
    """What the engine options say; each field is one option (`--base-url` for `base_url`),
    its description the option's help."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    engine: Literal["transformers", "openai", "vllm"] | None = _opt(
        "transformers | openai | vllm (default: transformers)"
    )
    model: str | None = _opt(
        "Model folder or .gguf (openai: the served model's name) (default: the embedded model)"
    )
    base_url: str | None = _opt("openai: the server, e.g. http://127.0.0.1:8000/v1")
    api: Literal["auto", "chat", "completions"] | None = _opt(
        "openai: chat | completions | auto (chat unless --tokenizer is given, or when the server "
        "lists the model as a chat model) (default: auto)"
    )
    api_key_env: str | None = _opt(
        "openai: environment variable holding the API key (default: OPENAI_API_KEY)"
    )
    tokenizer: str | None = _opt(
        "openai completions: local tokenizer (model folder, .gguf, or 'embedded') that renders "
        "chat prompts exactly"
    )
    chat_template: Literal["auto", "on", "off"] | None = _opt("auto | on | off (default: auto)")
    concurrency: int | None = _opt("openai: requests in flight (default: 16)", ge=1)
    timeout: float | None = _opt(
        "openai: seconds before a request is abandoned and retried (default: 120)", gt=0
    )
    dtype: Literal["auto", "float32", "bfloat16"] | None = _opt(
        "transformers precision: auto (bfloat16 on CPUs with native bf16) | float32 | bfloat16 "
        "(default: auto)"
    )
    cache: Literal["read-write", "refresh", "off"] | None = _opt(
        "Engine cache policy: read-write | refresh | off (default: read-write)"
    )
    cache_file: Path | None = _opt("Engine cache file (default: the user cache)")
    tensor_parallel_size: int | None = _opt("vllm: GPUs per engine (tensor parallel)", ge=1)
    vllm_args: dict[str, Any] | None = _opt(
        "vllm: a further vllm.LLM argument as KEY=VALUE (VALUE read as JSON when it parses, "
        "e.g. gpu_memory_utilization=0.9); repeat for several",
        json_schema_extra={"flag": "--vllm-arg"},
    )
    workers: int | None = _opt(
        "Engine replicas as Ray actors: the model-bound stages are spread over them, with "
        "results identical to one (default: 1, no Ray)",
        ge=1,
    )
    ray_address: str | None = _opt(
        "Join this Ray cluster (e.g. auto, or ray://HEAD:10001) instead of starting a local one"
    )

    def over(self, defaults: BaseModel) -> EngineChoice:
        """These options where given, else the fields of `defaults` (a study's engine section)."""
        given = self.model_dump(exclude_none=True)
        base = {k: v for k, v in defaults.model_dump().items() if k in type(self).model_fields}
        if base.get("vllm_args") and "vllm_args" in given:  # --vllm-arg adds to the study's
            given["vllm_args"] = {**base["vllm_args"], **given["vllm_args"]}
        return EngineChoice(**{**base, **given})

    def load(self):
        """The cached engine; errors become a clear message and a non-zero exit."""
        from chorus.engines import EngineError, load_engine

        settings = self.model_dump(exclude_none=True)
        cache_path = settings.pop("cache_file", None)
        engine = settings.pop("engine", "transformers")
        model = settings.pop("model", None)
        try:
            return load_engine(engine, model, cache_path=cache_path, **settings)
        except (EngineError, ValueError) as exc:
            fail(str(exc))


def engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the shared engine options to `command`, which receives them as
    `engine: EngineChoice`."""
    sig = inspect.signature(command, eval_str=True)
    kept = [p for p in sig.parameters.values() if p.name != "engine"]
    added = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                Optional[_cli_type(field.annotation)],
                typer.Option(_flag(name), help=field.description),
            ],
        )
        for name, field in EngineChoice.model_fields.items()
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in EngineChoice.model_fields}
        if given["vllm_args"] is not None:
            given["vllm_args"] = _key_values(given["vllm_args"])
        try:
            choice = EngineChoice(**given)
        except ValidationError as exc:
            fail("; ".join(f"{_flag(str(e['loc'][0]))}: {e['msg']}" for e in exc.errors()), code=2)
        return command(*args, engine=choice, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=kept + added)  # type: ignore[attr-defined]
    return wrapper


def _flag(name: str) -> str:
    extra = EngineChoice.model_fields[name].json_schema_extra
    return extra["flag"] if isinstance(extra, dict) else f"--{name.replace('_', '-')}"  # type: ignore[return-value]


def _cli_type(annotation: Any) -> Any:
    """The type typer parses an option as: choices stay strings (EngineChoice validates them);
    a mapping is a repeated KEY=VALUE option."""
    kind = next(a for a in get_args(annotation) if a is not type(None))
    if get_origin(kind) is dict:
        return list[str]
    return kind if kind in (int, float, Path) else str


def check_writable(folder: Path, option: str) -> None:
    """Fail now, before any model work, if `folder` cannot be created or written (a read-only
    or full file system), rather than after hours of work when the results are saved."""
    existing = next(p for p in (folder.absolute(), *folder.absolute().parents) if p.exists())
    try:
        if not existing.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(existing))
        probe = existing / f".chorus-write-test-{os.getpid()}"  # nothing created for good
        probe.write_bytes(b"0" * 4096)
        probe.unlink()
    except OSError as exc:
        fail(f"{option} {folder}: cannot write there: {describe_error(exc)}")


def _key_values(items: list[str]) -> dict[str, Any]:
    """--vllm-arg KEY=VALUE options as a mapping; VALUE is JSON when it parses (numbers,
    true/false, lists), else the string."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            fail(f"--vllm-arg {item!r}: write KEY=VALUE, e.g. gpu_memory_utilization=0.9", code=2)
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


_OS_HINTS = {
    errno.ENOSPC: "the disk is full; free some space and run the same command again",
    errno.EDQUOT: "the disk quota is used up; free some space and run the same command again",
    errno.EROFS: "the file system is read-only; write somewhere else (--out / --runs)",
    errno.EACCES: "permission denied; fix the permissions or write somewhere else",
    errno.EPERM: "permission denied; fix the permissions or write somewhere else",
    errno.ENOENT: "no such file or folder; check the path",
    errno.EISDIR: "a folder where a file was expected; check the path",
    errno.ENOTDIR: "a file where a folder was expected; check the path",
}


def describe_error(exc: BaseException) -> str:
    """One line for an error a command reports: operating-system errors name the file and
    what to do; chorus's own errors already do."""
    if isinstance(exc, OSError) and exc.errno in _OS_HINTS:
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{_OS_HINTS[exc.errno]} ({exc.strerror})"
    return str(exc)
