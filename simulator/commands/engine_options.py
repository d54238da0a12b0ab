"""The engine options every model-using command shares, added by one decorator so that every
command that takes --engine takes the same set, with the same meaning."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, Optional

import typer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

# name -> (annotation, help). Every default is None ("not given"), so `chorus run` can tell an
# override from the study file's value; EngineChoice holds the real defaults.
_OPTIONS: dict[str, tuple[Any, str]] = {
    "engine": (str, "transformers | openai | vllm (default: transformers)"),
    "model": (
        str,
        "Model folder or .gguf (openai: the served model's name) (default: the embedded model)",
    ),
    "base_url": (str, "openai: the server, e.g. http://127.0.0.1:8000/v1"),
    "api": (
        str,
        "openai: chat | completions | auto (chat unless --tokenizer is given, or when the server "
        "lists the model as a chat model) (default: auto)",
    ),
    "api_key_env": (
        str,
        "openai: environment variable holding the API key (default: OPENAI_API_KEY)",
    ),
    "tokenizer": (
        str,
        "openai completions: local tokenizer (model folder, .gguf, or 'embedded') that renders "
        "chat prompts exactly",
    ),
    "chat_template": (str, "auto | on | off (default: auto)"),
    "concurrency": (int, "openai: requests in flight (default: 16)"),
    "timeout": (float, "openai: seconds before a request is abandoned and retried (default: 120)"),
    "dtype": (
        str,
        "transformers precision: auto (bfloat16 on CPUs with native bf16) | float32 | bfloat16 "
        "(default: auto)",
    ),
    "cache": (str, "Engine cache policy: read-write | refresh | off (default: read-write)"),
    "cache_file": (Path, "Engine cache file (default: the user cache)"),
}


class EngineChoice(BaseModel):
    """What the engine options say; None = not given on the command line."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    engine: Literal["transformers", "openai", "vllm"] | None = None
    model: str | None = None
    base_url: str | None = None
    api: Literal["auto", "chat", "completions"] | None = None
    api_key_env: str | None = None
    tokenizer: str | None = None
    chat_template: Literal["auto", "on", "off"] | None = None
    concurrency: int | None = Field(default=None, ge=1)
    timeout: float | None = Field(default=None, gt=0)
    dtype: Literal["auto", "float32", "bfloat16"] | None = None
    cache: Literal["read-write", "refresh", "off"] | None = None
    cache_file: Path | None = None

    def over(self, defaults: BaseModel) -> EngineChoice:
        """These options where given, else the fields of `defaults` (a study's engine section)."""
        given = self.model_dump(exclude_none=True)
        base = {k: v for k, v in defaults.model_dump().items() if k in type(self).model_fields}
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
                Optional[kind], typer.Option(f"--{name.replace('_', '-')}", help=text)
            ],
        )
        for name, (kind, text) in _OPTIONS.items()
    ]

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = {name: kwargs.pop(name) for name in _OPTIONS}
        try:
            choice = EngineChoice(**given)
        except ValidationError as exc:
            fail(
                "; ".join(f"--{e['loc'][0].replace('_', '-')}: {e['msg']}" for e in exc.errors()),
                code=2,
            )
        return command(*args, engine=choice, **kwargs)

    wrapper.__signature__ = sig.replace(parameters=kept + added)  # type: ignore[attr-defined]
    return wrapper


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
