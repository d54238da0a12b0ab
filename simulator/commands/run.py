"""`chorus run STUDY.yaml`: the full pipeline into a run folder with report.html."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from simulator.commands.engine_options import (
    BaseUrlOpt,
    CacheOpt,
    ChatOpt,
    DTypeOpt,
    EngineChoice,
    TokenizerOpt,
)


def register(app: typer.Typer) -> None:
    app.command("run")(run)


def run(
    study_file: Annotated[Path, typer.Argument(help="The study YAML (see studies/).")],
    runs: Annotated[Path, typer.Option(help="Folder that holds run folders.")] = Path("runs"),
    engine: Annotated[Optional[str], typer.Option(help="Override the study's engine: transformers | openai | vllm")] = None,
    model: Annotated[Optional[str], typer.Option(help="Override the study's model (folder, .gguf, or served name).")] = None,
    base_url: BaseUrlOpt = None,
    tokenizer: TokenizerOpt = None,
    cache: CacheOpt = "read-write",
    chat_template: ChatOpt = "auto",
    dtype: DTypeOpt = "auto",
) -> None:
    """Pool -> demographic profiles -> match -> survey -> metrics -> consensus pilot -> report.
    A second run reuses every finished stage; an interrupted run resumes."""
    run_file(study_file, runs, engine=engine, model=model, base_url=base_url, tokenizer=tokenizer, cache=cache, chat_template=chat_template, dtype=dtype)


def run_file(study_file: Path, runs: Path, **overrides) -> Path:
    from simulator.study import RunFolderError, load_study, run_study
    from surveys import SurveyError

    try:
        study = load_study(study_file)
    except SurveyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    spec = study.engine
    choice = EngineChoice(
        engine=overrides.get("engine") or spec.engine,
        model=overrides.get("model") or spec.model,
        base_url=overrides.get("base_url") or spec.base_url,
        tokenizer=overrides.get("tokenizer") or spec.tokenizer,
        cache=overrides.get("cache", "read-write"),
        chat_template=_override(overrides, "chat_template", spec.chat_template),
        dtype=_override(overrides, "dtype", spec.dtype),
    )
    eng = choice.load()
    try:
        folder = run_study(study, runs, eng)
    except (SurveyError, RunFolderError, ValueError, FileNotFoundError, OSError) as exc:
        typer.echo(f"error: {exc}\n(finished stages are kept in {runs / (study.name + '.partial')}; run the same command again to resume)", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"report: {folder / 'report.html'}")
    return folder


def _override(overrides: dict, key: str, study_value: str) -> str:
    """A command-line value other than `auto` wins over the study file's."""
    value = overrides.get(key, "auto")
    return study_value if value == "auto" else value
