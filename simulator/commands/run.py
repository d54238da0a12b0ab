"""`chorus run STUDY.yaml`: the full pipeline into a run folder with report.html."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chorus.simulator.commands.engine_options import EngineChoice, engine_options


def register(app: typer.Typer) -> None:
    app.command("run")(run)


@engine_options
def run(
    study_file: Annotated[Path, typer.Argument(help="The study YAML (see studies/).")],
    runs: Annotated[Path, typer.Option(help="Folder that holds run folders.")] = Path("runs"),
    engine: EngineChoice = EngineChoice(),
) -> None:
    """Pool -> demographic profiles -> match -> survey -> metrics -> consensus pilot -> report.
    A second run reuses every finished stage; an interrupted run resumes. Engine options given
    here override the study's engine section."""
    run_file(study_file, runs, engine)


def run_file(study_file: Path, runs: Path, overrides: EngineChoice = EngineChoice()) -> Path:
    from chorus.simulator.study import RunFolderError, load_study, run_study
    from chorus.surveys import SurveyError

    try:
        study = load_study(study_file)
    except SurveyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    eng = overrides.over(study.engine).load()
    try:
        folder = run_study(study, runs, eng)
    except (SurveyError, RunFolderError, ValueError, FileNotFoundError, OSError) as exc:
        typer.echo(
            f"error: {exc}\n(finished stages are kept in {runs / (study.name + '.partial')}; "
            "run the same command again to resume)",
            err=True,
        )
        raise typer.Exit(1) from exc
    typer.echo(f"report: {folder / 'report.html'}")
    return folder
