"""The engine options every model-using command shares (--engine, --model, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, NoReturn, Optional

import typer

EngineOpt = Annotated[str, typer.Option("--engine", help="transformers | openai | vllm")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Model folder or .gguf (the served model's name for openai); default: the embedded model.")]
CacheFileOpt = Annotated[Optional[Path], typer.Option("--cache", help="Engine cache file (default: the user cache).")]
BaseUrlOpt = Annotated[Optional[str], typer.Option("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")]
TokenizerOpt = Annotated[Optional[str], typer.Option("--tokenizer", help="openai engine: local tokenizer (model folder, .gguf, or 'embedded') used to render chat prompts")]
CacheOpt = Annotated[str, typer.Option("--cache", help="read-write | refresh | off")]
ChatOpt = Annotated[str, typer.Option("--chat-template", help="auto | on | off")]
DTypeOpt = Annotated[str, typer.Option("--dtype", help="transformers engine precision: auto (bfloat16 on CPUs with native bf16) | float32 | bfloat16")]

@dataclass
class EngineChoice:
    engine: str = "transformers"
    model: str | None = None
    base_url: str | None = None
    tokenizer: str | None = None
    cache: str = "read-write"
    chat_template: str = "auto"
    dtype: str = "auto"

    def load(self):
        """The cached engine; errors become a clear message and a non-zero exit."""
        return open_engine(
            self.engine, self.model, base_url=self.base_url, tokenizer=self.tokenizer,
            cache=self.cache, chat_template=self.chat_template, dtype=self.dtype,
        )


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def open_engine(
    engine: str,
    model: str | None,
    *,
    base_url: str | None = None,
    tokenizer: str | None = None,
    cache: str = "read-write",
    cache_path: Path | None = None,
    chat_template: str = "auto",
    dtype: str = "auto",
):
    """load_engine for the CLI: a bad engine, model path or server exits with its message."""
    from engines import EngineError, load_engine

    try:
        return load_engine(
            engine,  # type: ignore[arg-type]
            model,
            cache=cache,  # type: ignore[arg-type]
            cache_path=cache_path,
            base_url=base_url,
            tokenizer=tokenizer,
            chat_template=chat_template,  # type: ignore[arg-type]
            dtype=dtype,  # type: ignore[arg-type]
        )
    except (EngineError, ValueError) as exc:
        fail(str(exc))
